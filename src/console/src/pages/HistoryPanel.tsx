import { useState } from 'react';
import { read } from '../api/client';
import type { HistoryPage } from '../api/models';
import { ErrorNotice, Loading } from '../components/common';
import { LocalityPicker } from '../components/LocalityPicker';
import { vnd } from '../format';
import { type Key, useI18n } from '../i18n';

const pageSize = 20;

/** A locality's history, a page at a time (the API's `next` cursor; earlier pages kept for "previous"). */
export function HistoryPanel({ initialLocality }: { initialLocality: string }) {
  const { t } = useI18n();
  const [locality, setLocality] = useState(initialLocality);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const [state, setState] = useState<{ data?: HistoryPage; error?: unknown; loading?: boolean }>({});

  const load = async (stack: Array<string | undefined>) => {
    setState({ loading: true });
    try {
      const page = await read<HistoryPage>('/api/localities/{code}/history', { code: locality }, { from, to, after: stack[stack.length - 1], limit: pageSize });
      setCursors(stack);
      setState({ data: page });
    } catch (error) {
      setState({ error });
    }
  };
  const next = state.data?.next;
  return (
    <section aria-labelledby="history-title" className="panel">
      <h2 id="history-title">{t('historyTitle')}</h2>
      <form className="form-grid" onSubmit={(e) => { e.preventDefault(); void load([undefined]); }}>
        <LocalityPicker id="history-locality" label={t('locality')} value={locality} onChange={setLocality} />
        <div className="field">
          <label htmlFor="history-from">{t('fromDate')}</label>
          <input id="history-from" type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="history-to">{t('toDate')}</label>
          <input id="history-to" type="date" value={to} onChange={(e) => setTo(e.target.value)} />
        </div>
        <div className="field submit"><button type="submit">{t('show')}</button></div>
      </form>
      {state.loading && <Loading />}
      {state.error !== undefined && <ErrorNotice error={state.error} />}
      {state.data && (
        <>
          <div className="table-wrap" tabIndex={0}>
            <table data-testid="history">
              <caption>
                {t('page')} {cursors.length}
              </caption>
              <thead>
                <tr>
                  <th scope="col">{t('effectiveOn')}</th>
                  <th scope="col">{t('type')}</th>
                  <th scope="col" className="num">{t('amount')}</th>
                  <th scope="col">{t('user')}</th>
                  <th scope="col">{t('recordedAt')}</th>
                  <th scope="col">{t('reversed')}</th>
                  <th scope="col">{t('commandId')}</th>
                </tr>
              </thead>
              <tbody>
                {state.data.items.length === 0 && (
                  <tr><td colSpan={7}>{t('noRows')}</td></tr>
                )}
                {state.data.items.map((e) => (
                  <tr key={e.sequence}>
                    <td translate="no">{e.effectiveOn}</td>
                    <td><code translate="no">{e.type}</code></td>
                    <td className="num" translate="no">{typeof e.data.amountVnd === 'number' ? vnd(e.data.amountVnd) : ''}</td>
                    <td translate="no">{e.user?.name} <span className="muted">({t(`role.${e.user?.role}` as Key) ?? e.user?.role})</span></td>
                    <td translate="no">{new Date(e.recordedAt).toLocaleString('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh' })}</td>
                    <td>{e.reversed ? t('yes') : t('no')}</td>
                    <td><code translate="no" className="id">{e.commandId}</code></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="actions">
            <button type="button" className="secondary" disabled={cursors.length <= 1} onClick={() => void load(cursors.slice(0, -1))}>{t('previousPage')}</button>
            <button type="button" className="secondary" disabled={next === null || next === undefined} onClick={() => void load([...cursors, String(next)])}>{t('nextPage')}</button>
          </div>
        </>
      )}
    </section>
  );
}
