import { useState } from 'react';
import { read, type Schemas } from '../api/client';
import { ErrorNotice, Loading, Money } from '../components/common';
import { todayInVietnam } from '../format';
import { useI18n } from '../i18n';

type Comparison = Schemas['CapitalComparison'];
type Cell = Schemas['ComparisonCell'] | null;

/** A cell's capital (available + outstanding); a row that did not exist on that date holds nothing. */
const capitalOf = (cell: Cell | undefined): number => cell?.totalVnd ?? 0;

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
  // The national totals are the API's (the summary's totalVnd of each date): the provinces plus what the nation holds itself.
  const totals = dates.map((_, i) => capitalOf(state.data?.totals[i]));
  const national = state.data?.heldNationally;
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
                  <th scope="row" translate="no">{r.localityName ?? r.name ?? r.code}</th>
                  {dates.map((d, i) => <td key={d} className="num" data-amount={capitalOf(r.values[i])}><Money amount={capitalOf(r.values[i])} /></td>)}
                  <td className="num"><Money amount={capitalOf(r.values[dates.length - 1]) - capitalOf(r.values[0])} /></td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              {national && (
                <tr data-testid="comparison-national">
                  <th scope="row">{t('heldNationally')}</th>
                  {dates.map((d, i) => <td key={d} className="num" data-amount={capitalOf(national[i])}><Money amount={capitalOf(national[i])} /></td>)}
                  <td className="num"><Money amount={capitalOf(national[dates.length - 1]) - capitalOf(national[0])} /></td>
                </tr>
              )}
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
