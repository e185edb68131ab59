import { useMemo, useState } from 'react';
import { read } from '../api/client';
import type { CapitalSummary, Programme, SummaryRow } from '../api/models';
import { allProgrammes, programmeName } from '../api/reference';
import { BarChart } from '../components/BarChart';
import { Figure, Money, Show, useAsync } from '../components/common';
import { inBillions, todayInVietnam } from '../format';
import { type Key, useI18n } from '../i18n';

/** The national picture: capital by source, province and programme, as of a date. */
export function NationalPage() {
  const { t } = useI18n();
  const today = todayInVietnam();
  const [asOf, setAsOf] = useState(today);
  const summary = useAsync(() => read<CapitalSummary>('/api/capital/summary', {}, { asOf }), [asOf]);
  return (
    <section aria-labelledby="national-title">
      <div className="page-head">
        <h1 id="national-title">{t('nationalTitle')}</h1>
        <div className="controls">
          <div className="field inline">
            <label htmlFor="national-as-of">{t('asOf')}</label>
            <input id="national-as-of" type="date" max={today} value={asOf} onChange={(e) => e.target.value && setAsOf(e.target.value)} />
          </div>
        </div>
      </div>
      <Show state={summary}>{(s) => <Picture summary={s} />}</Show>
    </section>
  );
}

function Picture({ summary }: { summary: CapitalSummary }) {
  const { t, language } = useI18n();
  const programmes = useAsync<Programme[]>(allProgrammes, []);
  const sourceLabel = (r: SummaryRow) => t(`source.${r.code}` as Key) ?? r.code;
  const programmeLabel = (r: SummaryRow) => programmeName(programmes.data, r.code, language);
  const provinces = useMemo(() => [...summary.byProvince].sort((a, b) => b.totalVnd - a.totalVnd), [summary]);
  const series = (rows: SummaryRow[]) => [
    { label: t('outstanding'), valuesVnd: rows.map((r) => r.loansOutstandingVnd) },
    { label: t('available'), valuesVnd: rows.map((r) => r.availableVnd) },
  ];
  return (
    <>
      <h2 className="headline">
        {t('totalCapital')}: <span translate="no">{inBillions(summary.totalVnd)}</span> {t('billionDong')}
      </h2>
      {summary.sampleFactor && summary.sampleFactor > 1 ? (
        <p className="sample-factor" data-testid="sample-factor">
          {t('sampleFactor')} <span translate="no">1 : {summary.sampleFactor}</span>
        </p>
      ) : null}
      <div className="figures">
        <Figure testId="national-total" label={t('capital')} amount={summary.totalVnd} />
        <Figure testId="national-outstanding" label={t('outstanding')} amount={summary.loansOutstandingVnd} />
        <Figure testId="national-available" label={t('available')} amount={summary.availableVnd} />
      </div>
      <div className="charts">
        <BarChart title={`${t('bySource')} (${t('billionDong')})`} labels={summary.bySource.map(sourceLabel)} series={series(summary.bySource)} stacked />
        <BarChart title={`${t('byProgramme')} (${t('billionDong')})`} labels={summary.byProgramme.map(programmeLabel)} series={series(summary.byProgramme)} horizontal stacked />
      </div>
      <BarChart title={`${t('byProvince')} (${t('billionDong')})`} labels={provinces.map((r) => r.name ?? r.code)} series={series(provinces)} horizontal stacked />
      <SummaryTable caption={t('bySource')} rows={summary.bySource} label={sourceLabel} />
      <SummaryTable caption={t('byProgramme')} rows={summary.byProgramme} label={programmeLabel} />
      <SummaryTable caption={t('byProvince')} rows={provinces} label={(r) => r.name ?? r.code} dataNames testId="by-province" />
    </>
  );
}

function SummaryTable({ caption, rows, label, dataNames = false, testId }: {
  caption: string;
  rows: SummaryRow[];
  label: (r: SummaryRow) => string;
  dataNames?: boolean;
  testId?: string;
}) {
  const { t } = useI18n();
  return (
    <div className="table-wrap" tabIndex={0}>
      <table data-testid={testId}>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{caption}</th>
            <th scope="col" className="num">{t('capital')}</th>
            <th scope="col" className="num">{t('outstanding')}</th>
            <th scope="col" className="num">{t('available')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.code}>
              <th scope="row" translate={dataNames ? 'no' : undefined}>{label(r)}</th>
              <td className="num"><Money amount={r.totalVnd} /></td>
              <td className="num"><Money amount={r.loansOutstandingVnd} /></td>
              <td className="num"><Money amount={r.availableVnd} /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
