import { useEffect, useMemo, useState } from 'react';
import { read } from './api/client';
import type { Locality } from './api/models';
import { forgetReference } from './api/reference';
import { type Caller, caller as currentCaller, type ConsoleConfig, onSignInChange, signOut } from './auth';
import { Name, useAsync } from './components/common';
import { dictionaries, I18nContext, type Key, type Language, useI18n } from './i18n';
import { AnalysisPage } from './pages/AnalysisPage';
import { CommitteePage } from './pages/CommitteePage';
import { MovementsPage } from './pages/MovementsPage';
import { NationalPage } from './pages/NationalPage';
import { SignInPage } from './pages/SignInPage';

type NavItem = { path: string; label: Key };

/** What each role is offered (API.md's role table): nothing the role may not do appears. */
function navigationFor(c: Caller): NavItem[] {
  switch (c.role) {
    case 'people-committee':
      return [{ path: `/committee/${c.locality}`, label: 'nav.committee' }, { path: '/movements', label: 'nav.movements' }];
    case 'branch-officer':
      return [{ path: `/committee/${c.locality}`, label: 'nav.committee' }];
    case 'central-finance':
      return [{ path: '/national', label: 'nav.national' }, { path: '/movements', label: 'nav.movements' }, { path: '/analysis', label: 'nav.analysis' }];
    case 'analyst':
      return [{ path: '/national', label: 'nav.national' }, { path: '/analysis', label: 'nav.analysis' }];
  }
}

function usePath(): [string, (path: string) => void] {
  const [path, setPath] = useState(window.location.pathname);
  useEffect(() => {
    const onPop = () => setPath(window.location.pathname);
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const navigate = (to: string) => {
    window.history.pushState(null, '', to);
    setPath(to);
    window.scrollTo(0, 0);
  };
  return [path, navigate];
}

export function App({ config }: { config: ConsoleConfig }) {
  const [language, setLanguage] = useState<Language>(() => (localStorage.getItem('capitalflows.language') === 'en' ? 'en' : 'vi'));
  const [who, setWho] = useState<Caller | null>(currentCaller);
  const [expired, setExpired] = useState(false);
  const [path, navigate] = usePath();
  useEffect(() => onSignInChange(() => { setExpired(who !== null); setWho(currentCaller()); forgetReference(); }), [who]);
  useEffect(() => {
    document.documentElement.lang = language;
    localStorage.setItem('capitalflows.language', language);
  }, [language]);
  const i18n = useMemo(() => ({ language, t: (k: Key) => dictionaries[language][k], setLanguage }), [language]);
  const t = i18n.t;

  useEffect(() => {
    if (who && (path === '/' || path === '/signin-callback')) navigate(navigationFor(who)[0].path);
  }, [who, path]); // eslint-disable-line react-hooks/exhaustive-deps

  return (
    <I18nContext.Provider value={i18n}>
      <a className="skip" href="#main">{t('skipToContent')}</a>
      <header className="top">
        <div className="brand">{t('appName')}</div>
        {who && <CallerBadge who={who} />}
        <div className="top-actions">
          <button type="button" className="link" lang={language === 'vi' ? 'en' : 'vi'} data-testid="language" title={t('switchLanguageLabel')} onClick={() => setLanguage(language === 'vi' ? 'en' : 'vi')}>
            {t('switchLanguage')}
          </button>
          {who && <button type="button" className="link" onClick={() => { signOut(); navigate('/'); }}>{t('signOut')}</button>}
        </div>
      </header>
      {who && (
        <nav aria-label={t('navigation')} className="main-nav">
          {navigationFor(who).map((n) => (
            <a key={n.path} href={n.path} aria-current={path === n.path ? 'page' : undefined} onClick={(e) => { e.preventDefault(); navigate(n.path); }}>
              {t(n.label)}
            </a>
          ))}
        </nav>
      )}
      <main id="main">{who ? <Route path={path} who={who} navigate={navigate} /> : <SignInPage config={config} expired={expired} />}</main>
    </I18nContext.Provider>
  );
}

function CallerBadge({ who }: { who: Caller }) {
  const { t } = useI18n();
  const locality = useAsync<Locality | null>(() => (who.locality ? read<Locality>('/api/localities/{code}', { code: who.locality }) : Promise.resolve(null)), [who.locality]);
  return (
    <div className="caller" data-testid="caller">
      <span className="visually-hidden">{t('signedInAs')}: </span>
      <Name>{who.name}</Name>
      <span className="role-chip" data-role={who.role}>{t(`role.${who.role}` as Key)}</span>
      {who.locality && (
        <span className="locality-chip">
          <Name>{locality.data?.name ?? who.locality} ({who.locality})</Name>
        </span>
      )}
    </div>
  );
}

function Route({ path, who, navigate }: { path: string; who: Caller; navigate: (p: string) => void }) {
  const committee = /^\/committee\/([A-Za-z0-9]+)$/.exec(path);
  if (committee) return <CommitteePage key={committee[1]} code={committee[1]} caller={who} navigate={navigate} />;
  const allowed = navigationFor(who).map((n) => n.path);
  if (path === '/national' && allowed.includes(path)) return <NationalPage />;
  if (path === '/analysis' && allowed.includes(path)) return <AnalysisPage locality={who.locality ?? 'VN'} />;
  if (path === '/movements' && allowed.includes(path)) {
    return who.role === 'central-finance'
      ? <MovementsPage tabs={['allocate', 'entrust', 'mobilise', 'recall', 'top-up', 'reverse']} />
      : <MovementsPage tabs={['top-up']} locality={who.locality} />;
  }
  return <NotFound navigate={navigate} home={navigationFor(who)[0].path} />;
}

function NotFound({ navigate, home }: { navigate: (p: string) => void; home: string }) {
  const { t } = useI18n();
  return (
    <section>
      <h1>{t('notFoundPage')}</h1>
      <button type="button" onClick={() => navigate(home)}>{t('backHome')}</button>
    </section>
  );
}
