import { useEffect, useState, type ReactNode } from 'react';
import { ApiError } from '../api/client';
import { type Key, useI18n } from '../i18n';
import { vnd } from '../format';

export interface Async<T> {
  data: T | null;
  error: unknown;
  loading: boolean;
}

/** Runs a read whenever its inputs change; the last answer wins. */
export function useAsync<T>(load: () => Promise<T>, inputs: unknown[]): Async<T> {
  const [state, setState] = useState<Async<T>>({ data: null, error: null, loading: true });
  useEffect(() => {
    let current = true;
    setState((s) => ({ data: s.data, error: null, loading: true }));
    load().then(
      (data) => current && setState({ data, error: null, loading: false }),
      (error: unknown) => current && setState({ data: null, error, loading: false }),
    );
    return () => {
      current = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, inputs);
  return state;
}

const slugs = [
  'validation', 'insufficient-funds', 'not-a-direct-child', 'effective-date-too-early', 'locality-closed',
  'command-id-reused', 'not-reversible', 'busy', 'not-found',
] as const;

/** An API error in words a person understands (the problem's own detail is shown beneath, smaller). */
export function errorKey(error: unknown): Key {
  if (!(error instanceof ApiError)) return 'error.other';
  if (error.status === 0) return 'error.network';
  if (error.status === 401) return 'error.401';
  if (error.status === 403) return /scope/i.test(error.problem.detail ?? '') ? 'error.forbiddenScope' : 'error.forbidden';
  const slug = error.problem.type?.replace(/^\/problems\//, '');
  const known = slugs.find((s) => s === slug);
  if (known) return `error.${known}` as Key;
  if (error.status === 404) return 'error.pending';
  if (error.status === 429 || error.status === 503) return 'error.busy';
  if (error.status >= 500) return 'error.server';
  return 'error.other';
}

export function ErrorNotice({ error }: { error: unknown }) {
  const { t } = useI18n();
  const detail = error instanceof ApiError ? error.problem.detail : undefined;
  return (
    <div className="notice error" role="alert">
      <p>{t(errorKey(error))}</p>
      {detail && (
        <p className="detail">
          <span>{t('errorDetail')}: </span>
          <span translate="no">{detail}</span>
        </p>
      )}
    </div>
  );
}

export function Loading() {
  const { t } = useI18n();
  return (
    <p className="loading" role="status" aria-live="polite">
      {t('loading')}
    </p>
  );
}

/** Loading, error or content of a read. */
export function Show<T>({ state, children }: { state: Async<T>; children: (data: T) => ReactNode }) {
  if (state.error) return <ErrorNotice error={state.error} />;
  if (state.loading && state.data === null) return <Loading />;
  return state.data === null ? null : <>{children(state.data)}</>;
}

export function Money({ amount }: { amount: number | null | undefined }) {
  return (
    <span className="money" translate="no">
      {vnd(amount)}
    </span>
  );
}

/** A proper noun or code from the data (a locality's name): shown as it is in every language. */
export function Name({ children }: { children: ReactNode }) {
  return <span translate="no">{children}</span>;
}

export function Figure({ label, amount, testId }: { label: string; amount: number | undefined; testId: string }) {
  return (
    <div className="figure" data-testid={testId}>
      <div className="figure-label">{label}</div>
      <div className="figure-value" data-amount={amount ?? ''}>
        <Money amount={amount} />
      </div>
    </div>
  );
}
