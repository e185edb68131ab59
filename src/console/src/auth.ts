import { UserManager, WebStorageStateStore } from 'oidc-client-ts';

/** Who is signed in, read from the token's claims (API.md: sub, name, role, locality). */
export interface Caller {
  sub: string;
  name: string;
  role: Role;
  locality: string | null;
}

export type Role = 'central-finance' | 'branch-officer' | 'people-committee' | 'analyst';

/** What the service tells the console about signing in (`GET /api/console-config`). */
export interface ConsoleConfig {
  authority: string | null;
  clientId: string;
  scope: string;
  developmentSignIn: boolean;
}

const storageKey = 'capitalflows.token';
let token: string | null = null;
let manager: UserManager | null = null;
const listeners = new Set<() => void>();

export function currentToken(): string | null {
  return token;
}

export function onSignInChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function changed() {
  for (const l of listeners) l();
}

function decode(jwt: string): Record<string, unknown> | null {
  try {
    const payload = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const json = decodeURIComponent(
      atob(payload.padEnd(payload.length + ((4 - (payload.length % 4)) % 4), '='))
        .split('')
        .map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
        .join(''),
    );
    return JSON.parse(json) as Record<string, unknown>;
  } catch {
    return null;
  }
}

export function caller(): Caller | null {
  if (!token) return null;
  const claims = decode(token);
  if (!claims || typeof claims.role !== 'string') return null;
  if (typeof claims.exp === 'number' && claims.exp * 1000 < Date.now()) return null;
  return {
    sub: String(claims.sub ?? ''),
    name: String(claims.name ?? ''),
    role: claims.role as Role,
    locality: typeof claims.locality === 'string' ? claims.locality : null,
  };
}

/**
 * Starts the session: a development sign-in hands the token over in the fragment (`/#access_token=...`, never
 * sent to a server); an OpenID Connect provider answers on `/signin-callback`; otherwise the token kept for
 * this browser tab, if any.
 */
export async function startSession(config: ConsoleConfig): Promise<void> {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const handed = fragment.get('access_token');
  if (handed) {
    token = handed;
    sessionStorage.setItem(storageKey, handed);
    history.replaceState(null, '', window.location.pathname + window.location.search);
  } else {
    token = sessionStorage.getItem(storageKey);
  }
  if (config.authority) {
    manager = new UserManager({
      authority: config.authority,
      client_id: config.clientId,
      redirect_uri: `${window.location.origin}/signin-callback`,
      post_logout_redirect_uri: `${window.location.origin}/`,
      response_type: 'code',
      scope: config.scope,
      userStore: new WebStorageStateStore({ store: window.sessionStorage }),
    });
    if (window.location.pathname === '/signin-callback') {
      const user = await manager.signinRedirectCallback();
      token = user.access_token;
      sessionStorage.setItem(storageKey, token);
      history.replaceState(null, '', '/');
    } else if (!token) {
      const user = await manager.getUser();
      if (user && !user.expired) token = user.access_token;
    }
  }
  if (token && !caller()) signOut();
}

export async function signInWithProvider(): Promise<void> {
  await manager?.signinRedirect();
}

export function signOut(): void {
  token = null;
  sessionStorage.removeItem(storageKey);
  void manager?.removeUser();
  changed();
}

/** The API answered 401: the token expired or no longer validates. */
export function signOutExpired(): void {
  if (token) signOut();
}

export function developmentSignInUrl(role: Role, locality: string, name: string): string {
  const query = new URLSearchParams({ role });
  if (locality) query.set('locality', locality);
  if (name) query.set('name', name);
  return `/dev/sign-in?${query.toString()}`;
}

export const scopedRoles: Role[] = ['branch-officer', 'people-committee'];
