import { useMemo, useState } from 'react';
import { ApiError, download, read } from '../api/client';
import type { EntrustedFunds, Locality, Programme, StatementRow } from '../api/models';
import { allProgrammes, programmeName } from '../api/reference';
import { BarChart } from '../components/BarChart';
import { ErrorNotice, Figure, Money, Name, Show, useAsync } from '../components/common';
import { todayInVietnam } from '../format';
import { useI18n } from '../i18n';
import { CommuneTable } from './CommuneTable';
import type { Caller } from '../auth';

const rowProgramme = (r: StatementRow) => r.programme ?? r.key ?? '';
const rowYear = (r: StatementRow) => String(r.year ?? r.key ?? '');

/** A People's Committee's entrusted-funds statement, its charts, and for a province the table of its communes. */
export function CommitteePage({ code, caller, navigate }: { code: string; caller: Caller; navigate: (path: string) => void }) {
  const { t, language } = useI18n();
  const today = todayInVietnam();
  const [asOf, setAsOf] = useState(today);
  const [downloadError, setDownloadError] = useState<unknown>(null);
  const locality = useAsync(() => read<Locality>('/api/localities/{code}', { code }, { asOf }), [code, asOf]);
  const statement = useAsync(() => read<EntrustedFunds>('/api/localities/{code}/entrusted-funds', { code }, { asOf }), [code, asOf]);
  const programmes = useAsync<Programme[]>(allProgrammes, []);

  const refused = statement.error instanceof ApiError && statement.error.status === 403;
  if (refused) {
    return (
      <section aria-labelledby="refused">
        <h1 id="refused">{t('refusedTitle')}</h1>
        <ErrorNotice error={statement.error} />
        {caller.locality && (
          <button type="button" onClick={() => navigate(`/committee/${caller.locality}`)}>
            {t('yourPage')}
          </button>
        )}
      </section>
    );
  }

  return (
    <section aria-labelledby="statement-title">
      <div className="page-head">
        <div>
          <h1 id="statement-title">{t('statementTitle')}</h1>
          <p className="subtitle">
            {t('statementOf')}{' '}
            <Name>
              {locality.data?.name ?? code} ({code})
            </Name>
          </p>
        </div>
        <div className="controls">
          <div className="field inline">
            <label htmlFor="as-of">{t('asOf')}</label>
            <input id="as-of" type="date" max={today} value={asOf} onChange={(e) => e.target.value && setAsOf(e.target.value)} />
          </div>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setDownloadError(null);
              // API.md second edition: the bank's spreadsheet of one People's Committee.
              download('/api/reports/{report}', { report: 'entrusted-funds' }, { locality: code, asOf, format: 'xlsx' }, `entrusted-funds-${code}-${asOf}.xlsx`).catch(setDownloadError);
            }}
          >
            {t('downloadStatement')}
          </button>
        </div>
      </div>
      {downloadError !== null && <ErrorNotice error={downloadError} />}
      <Show state={statement}>
        {(s) => <Statement statement={s} programmes={programmes.data} language={language} />}
      </Show>
      {locality.data?.level === 'province' && <CommuneTable province={code} asOf={asOf} />}
    </section>
  );
}

function Statement({ statement, programmes, language }: { statement: EntrustedFunds; programmes: Programme[] | null; language: 'vi' | 'en' }) {
  const { t } = useI18n();
  const years = useMemo(() => [...statement.byYear].sort((a, b) => rowYear(a).localeCompare(rowYear(b))), [statement]);
  const yearSeries = useMemo(
    () => [
      { label: t('entrustedInYear'), valuesVnd: years.map((y) => y.entrustedInYearVnd ?? y.entrustedVnd ?? 0) },
      { label: t('lentInYear'), valuesVnd: years.map((y) => y.lentInYearVnd ?? y.lentVnd ?? 0) },
      { label: t('outstandingAtYearEnd'), valuesVnd: years.map((y) => y.outstandingAtYearEndVnd ?? y.outstandingVnd ?? 0) },
      { label: t('availableAtYearEnd'), valuesVnd: years.map((y) => y.availableAtYearEndVnd ?? y.availableVnd ?? 0) },
    ],
    [years, t],
  );
  const programmeLabels = useMemo(
    () => statement.byProgramme.map((p) => (language === 'vi' && p.programmeName) || programmeName(programmes, rowProgramme(p), language)),
    [statement, programmes, language],
  );
  const programmeSeries = useMemo(
    () => [
      { label: t('entrusted'), valuesVnd: statement.byProgramme.map((p) => p.entrustedVnd ?? 0) },
      { label: t('outstanding'), valuesVnd: statement.byProgramme.map((p) => p.outstandingVnd ?? 0) },
      { label: t('available'), valuesVnd: statement.byProgramme.map((p) => p.availableVnd ?? 0) },
    ],
    [statement, t],
  );
  return (
    <>
      <div className="figures" data-testid="statement">
        <Figure testId="entrusted" label={t('entrusted')} amount={statement.entrustedVnd} />
        <Figure testId="lent" label={t('lent')} amount={statement.lentVnd} />
        <Figure testId="repaid" label={t('repaid')} amount={statement.repaidVnd} />
        <Figure testId="outstanding" label={t('outstanding')} amount={statement.outstandingVnd} />
        <Figure testId="available" label={t('available')} amount={statement.availableVnd} />
      </div>
      {statement.byProgramme.length === 0 ? (
        <p className="muted">{t('noStatement')}</p>
      ) : (
        <>
          <div className="charts">
            <BarChart title={t('byYearChart')} labels={years.map(rowYear)} series={yearSeries} />
            <BarChart title={t('byProgrammeChart')} labels={programmeLabels} series={programmeSeries} />
          </div>
          <div className="table-wrap" tabIndex={0}>
            <table>
              <caption>{t('byProgramme')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('programme')}</th>
                  <th scope="col" className="num">{t('entrusted')}</th>
                  <th scope="col" className="num">{t('lent')}</th>
                  <th scope="col" className="num">{t('repaid')}</th>
                  <th scope="col" className="num">{t('outstanding')}</th>
                  <th scope="col" className="num">{t('available')}</th>
                </tr>
              </thead>
              <tbody>
                {statement.byProgramme.map((p, i) => (
                  <tr key={rowProgramme(p)}>
                    <th scope="row">{programmeLabels[i]}</th>
                    <td className="num"><Money amount={p.entrustedVnd} /></td>
                    <td className="num"><Money amount={p.lentVnd} /></td>
                    <td className="num"><Money amount={p.repaidVnd} /></td>
                    <td className="num"><Money amount={p.outstandingVnd} /></td>
                    <td className="num"><Money amount={p.availableVnd} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </>
  );
}
