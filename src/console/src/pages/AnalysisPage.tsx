import { useState } from 'react';
import { download } from '../api/client';
import { ErrorNotice } from '../components/common';
import { todayInVietnam } from '../format';
import { useI18n } from '../i18n';
import { CapitalPanel } from './CapitalPanel';
import { ComparePanel } from './ComparePanel';
import { HistoryPanel } from './HistoryPanel';

/** The analyst's questions: any locality at any date, two dates compared, a history, the log as CSV. */
export function AnalysisPage({ locality }: { locality: string }) {
  const { t } = useI18n();
  return (
    <section aria-labelledby="analysis-title">
      <h1 id="analysis-title">{t('analysisTitle')}</h1>
      <CapitalPanel initialLocality={locality} />
      <ComparePanel />
      <HistoryPanel initialLocality={locality} />
      <ExportPanel />
    </section>
  );
}

function ExportPanel() {
  const { t } = useI18n();
  const today = todayInVietnam();
  const [from, setFrom] = useState(`${today.slice(0, 4)}-01-01`);
  const [to, setTo] = useState(today);
  const [state, setState] = useState<{ error?: unknown; done?: boolean; busy?: boolean }>({});
  const run = async () => {
    setState({ busy: true });
    try {
      await download('/api/events', {}, { format: 'csv', from, to }, `capitalflows-events-${from}-${to}.csv`);
      setState({ done: true });
    } catch (error) {
      setState({ error });
    }
  };
  return (
    <section aria-labelledby="export-title" className="panel">
      <h2 id="export-title">{t('exportTitle')}</h2>
      <p className="muted">{t('exportIntro')}</p>
      <form className="form-grid" onSubmit={(e) => { e.preventDefault(); void run(); }}>
        <div className="field">
          <label htmlFor="export-from">{t('fromDate')}</label>
          <input id="export-from" type="date" max={today} value={from} onChange={(e) => setFrom(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="export-to">{t('toDate')}</label>
          <input id="export-to" type="date" max={today} value={to} onChange={(e) => setTo(e.target.value)} />
        </div>
        <div className="field submit"><button type="submit" disabled={state.busy}>{state.busy ? t('loading') : t('download')}</button></div>
      </form>
      {state.done && <p role="status">{t('downloaded')}</p>}
      {state.error !== undefined && <ErrorNotice error={state.error} />}
    </section>
  );
}
