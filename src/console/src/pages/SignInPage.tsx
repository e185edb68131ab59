import { useState } from 'react';
import { type ConsoleConfig, developmentSignInUrl, type Role, scopedRoles, signInWithProvider } from '../auth';
import { type Key, useI18n } from '../i18n';

const roles: Role[] = ['people-committee', 'central-finance', 'analyst', 'branch-officer'];

/** Sign-in: the organisation's OpenID Connect provider; in Development also a trial sign-in per role. */
export function SignInPage({ config, expired }: { config: ConsoleConfig; expired: boolean }) {
  const { t } = useI18n();
  const [role, setRole] = useState<Role>('people-committee');
  const [locality, setLocality] = useState('01');
  const [name, setName] = useState('');
  return (
    <section className="sign-in" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">{t('signInTitle')}</h1>
      {expired && <p className="notice error" role="alert">{t('sessionExpired')}</p>}
      <p>{t('signInIntro')}</p>
      {config.authority ? (
        <button type="button" onClick={() => void signInWithProvider()}>{t('signInWithProvider')}</button>
      ) : !config.developmentSignIn ? (
        <p className="muted">{t('noSignIn')}</p>
      ) : null}
      {config.developmentSignIn && (
        <form
          className="panel"
          aria-labelledby="dev-sign-in"
          onSubmit={(e) => {
            e.preventDefault();
            window.location.assign(developmentSignInUrl(role, scopedRoles.includes(role) ? locality : '', name));
          }}
        >
          <h2 id="dev-sign-in">{t('devSignInTitle')}</h2>
          <p className="muted">{t('devSignInIntro')}</p>
          <div className="form-grid">
            <div className="field">
              <label htmlFor="dev-role">{t('role')}</label>
              <select id="dev-role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
                {roles.map((r) => <option key={r} value={r}>{t(`role.${r}` as Key)}</option>)}
              </select>
            </div>
            {scopedRoles.includes(role) && (
              <div className="field">
                <label htmlFor="dev-locality">{t('localityCode')}</label>
                <input id="dev-locality" value={locality} onChange={(e) => setLocality(e.target.value)} />
              </div>
            )}
            <div className="field">
              <label htmlFor="dev-name">{t('name')}</label>
              <input id="dev-name" value={name} onChange={(e) => setName(e.target.value)} />
            </div>
          </div>
          <button type="submit">{t('devSignIn')}</button>
        </form>
      )}
    </section>
  );
}
