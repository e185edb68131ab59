import { useState } from 'react';
import { read } from '../api/client';
import type { Comparison } from '../api/models';
import { ErrorNotice, Loading, Money } from '../components/common';
import { todayInVietnam } from '../format';
import { useI18n } from '../i18n';

/** A row's figure for the i-th date, whichever way the comparison lays its columns out. */
function valueAt(row: Comparison['rows'][number], dates: string[], i: number): number {
  const list = row.valuesVnd ?? (row as { values?: number[] }).values ?? row.totalVnd;
  if (Array.isArray(list)) return Number(list[i] ?? 0);
  const byDate = (row as { byDate?: Record<string, number> }).byDate ?? (row as Record<string, unknown>);
  return Number(byDate[dates[i]] ?? 0);
}

/** Two dates compared on today's 34 provinces (`GET /api/capital/compare`, API.md second edition). */
export function ComparePanel() {
  const { t } = useI18n();
  const today = todayInVietnam();
  const [first, setFirst] = useState('2025-06-30');
  const [second, setSecond] = useState(today);
  const [state, setState] = useState<{ data?: Comparison; error?: unknown; loading?: boolean }>({});
  const compare = async () => {
    setState({ loading: true });
    try {
      setState({ data: await read<Comparison>('/api/capital/compare', {}, { dates: `${first},${second}`, by: 'province', structure: 'current' }) });
    } catch (error) {
      setState({ error });
    }
  };
  const dates = state.data?.dates ?? [first, second];
  const rows = state.data?.rows ?? [];
  const totals = dates.map((_, i) => rows.reduce((s, r) => s + valueAt(r, dates, i), 0));
  return (
    <section aria-labelledby="compare-title" className="panel">
      <h2 id="compare-title">{t('compareTitle')}</h2>
      <form className="form-grid" onSubmit={(e) => { e.preventDefault(); void compare(); }}>
        <div className="field">
          <label htmlFor="compare-first">{t('firstDate')}</label>
          <input id="compare-first" type="date" max={today} value={first} onChange={(e) => setFirst(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="compare-second">{t('secondDate')}</label>
          <input id="compare-second" type="date" max={today} value={second} onChange={(e) => setSecond(e.target.value)} />
        </div>
        <div className="field submit"><button type="submit">{t('compare')}</button></div>
      </form>
      {state.loading && <Loading />}
      {state.error !== undefined && <ErrorNotice error={state.error} />}
      {state.data && (
        <div className="table-wrap tall" tabIndex={0}>
          <table data-testid="comparison">
            <caption className="visually-hidden">{t('compareTitle')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('province')}</th>
                {dates.map((d) => <th key={d} scope="col" className="num" translate="no">{d}</th>)}
                <th scope="col" className="num">{t('difference')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.code} data-code={r.code}>
                  <th scope="row" translate="no">{r.name ?? r.code}</th>
                  {dates.map((d, i) => <td key={d} className="num" data-amount={valueAt(r, dates, i)}><Money amount={valueAt(r, dates, i)} /></td>)}
                  <td className="num"><Money amount={valueAt(r, dates, dates.length - 1) - valueAt(r, dates, 0)} /></td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr data-testid="comparison-total">
                <th scope="row">{t('total')}</th>
                {totals.map((v, i) => <td key={dates[i]} className="num" data-amount={v}><Money amount={v} /></td>)}
                <td className="num"><Money amount={totals[totals.length - 1] - totals[0]} /></td>
              </tr>
            </tfoot>
          </table>
        </div>
      )}
    </section>
  );
}
