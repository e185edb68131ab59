import { useState } from 'react';
import { read } from '../api/client';
import type { Balances, LocalityCapital, Programme } from '../api/models';
import { allProgrammes, programmeName } from '../api/reference';
import { ErrorNotice, Loading, Money, useAsync } from '../components/common';
import { LocalityPicker } from '../components/LocalityPicker';
import { todayInVietnam } from '../format';
import { type Key, useI18n } from '../i18n';

/** `datetime-local` (Vietnam time) → ISO 8601 with +07:00, as the API asks for `knownAt`. */
export function knownAtParameter(local: string): string | undefined {
  return local ? `${local.length === 16 ? `${local}:00` : local}+07:00` : undefined;
}

/** Capital of any locality as of any date and as known at any instant. */
export function CapitalPanel({ initialLocality }: { initialLocality: string }) {
  const { t } = useI18n();
  const today = todayInVietnam();
  const [locality, setLocality] = useState(initialLocality);
  const [asOf, setAsOf] = useState(today);
  const [knownAt, setKnownAt] = useState('');
  const [state, setState] = useState<{ data?: LocalityCapital; error?: unknown; loading?: boolean }>({});
  const show = async () => {
    setState({ loading: true });
    try {
      setState({ data: await read<LocalityCapital>('/api/localities/{code}/capital', { code: locality }, { asOf, knownAt: knownAtParameter(knownAt) }) });
    } catch (error) {
      setState({ error });
    }
  };
  return (
    <section aria-labelledby="capital-title" className="panel">
      <h2 id="capital-title">{t('capitalTitle')}</h2>
      <form className="form-grid" onSubmit={(e) => { e.preventDefault(); void show(); }}>
        <LocalityPicker id="capital-locality" label={t('locality')} value={locality} onChange={setLocality} />
        <div className="field">
          <label htmlFor="capital-as-of">{t('asOf')}</label>
          <input id="capital-as-of" type="date" max={today} value={asOf} onChange={(e) => setAsOf(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="capital-known-at">{t('knownAt')}</label>
          <input id="capital-known-at" type="datetime-local" value={knownAt} onChange={(e) => setKnownAt(e.target.value)} />
        </div>
        <div className="field submit"><button type="submit">{t('show')}</button></div>
      </form>
      {state.loading && <Loading />}
      {state.error !== undefined && <ErrorNotice error={state.error} />}
      {state.data && (
        <div className="two-columns" data-testid="capital-result">
          <BalancesTable caption={t('own')} balances={state.data.own} />
          <BalancesTable caption={t('subtree')} balances={state.data.subtree} />
        </div>
      )}
    </section>
  );
}

function BalancesTable({ caption, balances }: { caption: string; balances: Balances }) {
  const { t, language } = useI18n();
  const programmes = useAsync<Programme[]>(allProgrammes, []);
  return (
    <div className="table-wrap" tabIndex={0}>
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t('source')}</th>
            <th scope="col">{t('programme')}</th>
            <th scope="col" className="num">{t('available')}</th>
            <th scope="col" className="num">{t('outstanding')}</th>
          </tr>
        </thead>
        <tbody>
          {balances.funds.map((f) => (
            <tr key={`${f.source}/${f.programme}`}>
              <td>{t(`source.${f.source}` as Key)}</td>
              <td>{programmeName(programmes.data, f.programme, language)}</td>
              <td className="num"><Money amount={f.availableVnd} /></td>
              <td className="num"><Money amount={f.loansOutstandingVnd} /></td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row" colSpan={2}>{t('total')}</th>
            <td className="num"><Money amount={balances.availableVnd} /></td>
            <td className="num"><Money amount={balances.loansOutstandingVnd} /></td>
          </tr>
        </tfoot>
      </table>
    </div>
  );
}
