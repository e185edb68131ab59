import { useMemo, useState } from 'react';
import { read } from '../api/client';
import type { Locality, LocalityCapital } from '../api/models';
import { Money, Show, useAsync } from '../components/common';
import { fold } from '../format';
import { useI18n } from '../i18n';

interface CommuneRow {
  code: string;
  name: string;
  capitalVnd: number;
  lentVnd: number;
  availableVnd: number;
}

type SortKey = 'name' | 'capitalVnd' | 'lentVnd' | 'availableVnd';

/** In batches, so a province of 126 communes does not open 126 requests at once. */
async function inBatches<T, R>(items: T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += size) results.push(...(await Promise.all(items.slice(i, i + size).map(work))));
  return results;
}

/**
 * Each direct child's subtree capital: `capital?by=child` in one call (API.md second edition); on a service
 * without it, one capital read per commune.
 */
async function communeCapital(province: string, asOf: string): Promise<CommuneRow[]> {
  const capital = await read<LocalityCapital>('/api/localities/{code}/capital', { code: province }, { asOf, by: 'child' });
  if (capital.children) {
    return capital.children.map((c) => ({
      code: c.code, name: c.name, lentVnd: c.loansOutstandingVnd, availableVnd: c.availableVnd, capitalVnd: c.availableVnd + c.loansOutstandingVnd,
    }));
  }
  const communes = await read<Locality[]>('/api/localities', {}, { parent: province, asOf });
  return inBatches(communes, 8, async (c) => {
    const s = (await read<LocalityCapital>('/api/localities/{code}/capital', { code: c.code }, { asOf })).subtree;
    return { code: c.code, name: c.name, lentVnd: s.loansOutstandingVnd, availableVnd: s.availableVnd, capitalVnd: s.availableVnd + s.loansOutstandingVnd };
  });
}

export function CommuneTable({ province, asOf }: { province: string; asOf: string }) {
  const { t } = useI18n();
  const rows = useAsync(() => communeCapital(province, asOf), [province, asOf]);
  const [search, setSearch] = useState('');
  const [sort, setSort] = useState<{ key: SortKey; descending: boolean }>({ key: 'capitalVnd', descending: true });

  const shown = useMemo(() => {
    const query = fold(search);
    const list = (rows.data ?? []).filter((r) => query === '' || fold(r.name).includes(query) || r.code.startsWith(query));
    const direction = sort.descending ? -1 : 1;
    return list.sort((a, b) =>
      sort.key === 'name' ? direction * a.name.localeCompare(b.name, 'vi') : direction * (a[sort.key] - b[sort.key]) || a.code.localeCompare(b.code),
    );
  }, [rows.data, search, sort]);

  const header = (key: SortKey, label: string, numeric = true) => {
    const active = sort.key === key;
    return (
      <th scope="col" className={numeric ? 'num' : undefined} aria-sort={active ? (sort.descending ? 'descending' : 'ascending') : 'none'}>
        <button type="button" className="sort" data-sort={key} onClick={() => setSort({ key, descending: active ? !sort.descending : key !== 'name' })}>
          {label}
          <span aria-hidden="true">{active ? (sort.descending ? ' ▼' : ' ▲') : ' ↕'}</span>
        </button>
      </th>
    );
  };

  const totals = (rows.data ?? []).reduce(
    (s, r) => ({ capitalVnd: s.capitalVnd + r.capitalVnd, lentVnd: s.lentVnd + r.lentVnd, availableVnd: s.availableVnd + r.availableVnd }),
    { capitalVnd: 0, lentVnd: 0, availableVnd: 0 },
  );

  return (
    <section aria-labelledby="communes-title" className="communes">
      <h2 id="communes-title">{t('communesTitle')}</h2>
      <p className="muted">{t('communesNote')}</p>
      <div className="field inline">
        <label htmlFor="commune-search">{t('search')}</label>
        <input id="commune-search" type="search" value={search} placeholder={t('searchCommunes')} onChange={(e) => setSearch(e.target.value)} />
      </div>
      <Show state={rows}>
        {() => (
          <div className="table-wrap tall" tabIndex={0}>
            <table data-testid="communes">
              <caption className="visually-hidden">{t('communesTitle')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('code')}</th>
                  {header('name', t('commune'), false)}
                  {header('capitalVnd', t('capital'))}
                  {header('lentVnd', t('outstanding'))}
                  {header('availableVnd', t('available'))}
                </tr>
              </thead>
              <tbody>
                {shown.length === 0 && (
                  <tr>
                    <td colSpan={5}>{t('noRows')}</td>
                  </tr>
                )}
                {shown.map((r) => (
                  <tr key={r.code} data-code={r.code}>
                    <td translate="no">{r.code}</td>
                    <th scope="row" translate="no">{r.name}</th>
                    <td className="num" data-amount={r.capitalVnd}><Money amount={r.capitalVnd} /></td>
                    <td className="num" data-amount={r.lentVnd}><Money amount={r.lentVnd} /></td>
                    <td className="num" data-amount={r.availableVnd}><Money amount={r.availableVnd} /></td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr data-testid="communes-total">
                  <td />
                  <th scope="row">{t('communesTotal')}</th>
                  <td className="num" data-amount={totals.capitalVnd}><Money amount={totals.capitalVnd} /></td>
                  <td className="num" data-amount={totals.lentVnd}><Money amount={totals.lentVnd} /></td>
                  <td className="num" data-amount={totals.availableVnd}><Money amount={totals.availableVnd} /></td>
                </tr>
              </tfoot>
            </table>
          </div>
        )}
      </Show>
    </section>
  );
}
