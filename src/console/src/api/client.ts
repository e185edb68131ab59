import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';
import type { Problem } from './models';
import { currentToken, signOutExpired } from '../auth';

type ReadRoute = { [P in keyof paths]: paths[P] extends { get: unknown } ? P : never }[keyof paths];
type PostRoute = { [P in keyof paths]: paths[P] extends { post: unknown } ? P : never }[keyof paths];

export type CommandBody<P extends PostRoute> = paths[P] extends { post: { requestBody?: { content: { 'application/json': infer B } } } } ? B : never;
export type Schemas = components['schemas'];

/** A refusal or failure of the API, with its problem details when it sent them. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }
}

const authorise: Middleware = {
  onRequest({ request }) {
    const token = currentToken();
    if (token) request.headers.set('Authorization', `Bearer ${token}`);
    return request;
  },
  onResponse({ response }) {
    if (response.status === 401) signOutExpired();
    return response;
  },
};

const client = createClient<paths>({ baseUrl: window.location.origin });
client.use(authorise);

type Query = Record<string, string | number | undefined | null>;

function clean(query: Query | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null && v !== '') result[k] = String(v);
  return result;
}

/** The refusal openapi-fetch has already read from the body (problem details), or the status alone. */
function refusal(response: Response, error: unknown): ApiError {
  return new ApiError(response.status, error && typeof error === 'object' ? (error as Problem) : {});
}

async function failure(response: Response): Promise<ApiError> {
  let problem: Problem = {};
  try {
    problem = (await response.json()) as Problem;
  } catch {
    // Not JSON (a proxy's page): the status alone says what happened.
  }
  return new ApiError(response.status, problem);
}

/** GET a route of the contract; path parameters are filled in by name. */
export async function read<T>(route: ReadRoute, pathParams: Record<string, string> = {}, query?: Query): Promise<T> {
  const { data, error, response } = await (client.GET as unknown as (p: string, o: object) => Promise<{ data?: unknown; error?: unknown; response: Response }>)(
    route,
    { params: { path: pathParams, query: clean(query) }, parseAs: 'json' },
  ).catch(async (e: unknown) => {
    if (e instanceof ApiError) throw e;
    throw new ApiError(0, { title: 'network' });
  });
  if (!response.ok) throw refusal(response, error);
  return data as T;
}

/** Sends a command; the body is typed from the contract's request schema. */
export async function send<P extends PostRoute>(route: P, body: Partial<CommandBody<P>>): Promise<unknown> {
  let response: Response;
  let data: unknown;
  let error: unknown;
  try {
    ({ data, error, response } = await (client.POST as unknown as (p: string, o: object) => Promise<{ data?: unknown; error?: unknown; response: Response }>)(
      route,
      { body },
    ));
  } catch {
    throw new ApiError(0, { title: 'network' });
  }
  if (!response.ok) throw refusal(response, error);
  return data;
}

/** Downloads a route's answer as a file (CSV, spreadsheet) with the caller's token. */
export async function download(route: ReadRoute, pathParams: Record<string, string>, query: Query, fileName: string): Promise<void> {
  let url = route as string;
  for (const [k, v] of Object.entries(pathParams)) url = url.replace(`{${k}}`, encodeURIComponent(v));
  const search = new URLSearchParams(clean(query)).toString();
  const token = currentToken();
  let response: Response;
  try {
    response = await fetch(`${url}${search ? `?${search}` : ''}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  } catch {
    throw new ApiError(0, { title: 'network' });
  }
  if (!response.ok) throw await failure(response);
  const blob = await response.blob();
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = fileName;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}
