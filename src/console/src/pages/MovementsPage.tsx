import { useState } from 'react';
import { type Key, useI18n } from '../i18n';
import { MovementForm } from './MovementForm';
import type { Kind } from './movementKinds';
import { ReversalForm } from './ReversalForm';

type Tab = Kind | 'reverse';

/** Central finance's forms: entrust, mobilise, allocate, recall, reverse (People's Committees: top up). */
export function MovementsPage({ tabs, locality }: { tabs: Tab[]; locality?: string | null }) {
  const { t } = useI18n();
  const [tab, setTab] = useState<Tab>(tabs[0]);
  return (
    <section aria-labelledby="movements-title">
      <h1 id="movements-title">{t('movementsTitle')}</h1>
      <div className="tabs" role="group" aria-label={t('movementsTitle')}>
        {tabs.map((k) => (
          <button key={k} type="button" data-tab={k} aria-pressed={tab === k} className={tab === k ? 'tab active' : 'tab'} onClick={() => setTab(k)}>
            {t(`form.${k}` as Key)}
          </button>
        ))}
      </div>
      <h2>{t(`form.${tab}` as Key)}</h2>
      {tab === 'reverse' ? <ReversalForm /> : <MovementForm key={tab} kind={tab} initial={tab === 'top-up' && locality ? { locality } : undefined} />}
    </section>
  );
}
