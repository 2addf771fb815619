// The typed HTTP client of /api/v1, over the `paths` type that `npm run api`
// generates from the server's OpenAPI document (src/api/openapi.json →
// src/api/schema.d.ts). A path, method, path parameter or query parameter the
// document does not have is a type error; so is a body or answer field once
// the document describes it. Errors are RFC 9457 problem+json → ApiError.

import type { components, paths } from './schema';
import type { Expected } from './expected';

export type Method = 'get' | 'post' | 'put' | 'delete';

/** The document's paths that have this method. */
export type PathOf<M extends Method> = {
  [P in keyof paths]: paths[P] extends { [K in M]: infer O } ? ([O] extends [undefined] ? never : P) : never;
}[keyof paths];

type Op<M extends Method, P extends keyof paths> = NonNullable<paths[P][M & keyof paths[P]]>;

/** True when the document leaves a type open (no schema, or an object without properties). */
type IsOpen<T> = [T] extends [never]
  ? true
  : [T] extends [undefined]
    ? true
    : unknown extends T
      ? true
      : string extends keyof T
        ? [T[keyof T]] extends [never]
          ? true
          : false
        : false;

/** What the document leaves open becomes `unknown`, the rest stays as the document says. */
export type Loosen<T> =
  IsOpen<T> extends true ? unknown : T extends readonly (infer U)[] ? Loosen<U>[] : T extends object ? { [K in keyof T]: Loosen<T[K]> } : T;

type ContentOf<R> = R extends { content: infer C } ? (C extends Record<string, unknown> ? C[keyof C] : never) : never;
type Ok<O> = O extends { responses: infer R } ? ContentOf<R[(200 | 201 | 202) & keyof R]> : never;

type Key<M extends Method, P extends keyof paths> = `${M} ${P}`;

/**
 * The answer of one operation: the document's 2xx schema; where the document
 * has none yet, what the app expects (src/api/expected.ts).
 */
export type Answer<M extends Method, P extends keyof paths> =
  IsOpen<Ok<Op<M, P>>> extends true ? (Key<M, P> extends keyof Expected ? Expected[Key<M, P>] : unknown) : Loosen<Ok<Op<M, P>>>;

/**
 * Entries of Expected that the document now describes itself: a type error
 * names each, so the table shrinks as the document grows.
 */
type Shadowed = {
  [K in keyof Expected]: K extends `${infer M extends Method} ${infer P extends keyof paths}`
    ? IsOpen<Ok<Op<M, P>>> extends true
      ? never
      : K
    : K;
}[keyof Expected];
export const expectedIsNeeded: [Shadowed] extends [never] ? true : Shadowed = true;

type Params<O> = O extends { parameters: infer Q } ? Q : never;
type Strip<T> = [T] extends [undefined] ? never : Exclude<T, undefined>;
type PathParams<O> = Strip<Params<O> extends { path?: infer X } ? X : never>;
type QueryParams<O> = Strip<Params<O> extends { query?: infer X } ? X : never>;
type JsonBody<O> = O extends { requestBody?: { content: infer C } }
  ? C extends { 'application/json': infer B }
    ? Loosen<B>
    : never
  : never;

type Opt<Name extends string, T> = [T] extends [never] ? { [K in Name]?: never } : { [K in Name]: T };

/** Options of a call: path and query parameters as the document names them, a JSON body. */
export type CallOptions<M extends Method, P extends keyof paths> = Opt<'path', PathParams<Op<M, P>>> & {
  query?: [QueryParams<Op<M, P>>] extends [never] ? never : QueryParams<Op<M, P>>;
  body?: JsonBody<Op<M, P>>;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** A file sent as the body instead of JSON (imports). */
  file?: { data: Blob; type: string };
};

/**
 * RFC 9457 problem details: the document's Problem, every member optional (a
 * proxy's error page has none), and the members gridd adds to a conflict,
 * which the document's Problem does not name.
 */
export type ProblemDetails = Partial<Loosen<components['schemas']['Problem']>> & {
  /** On 409 of a stale edit: the grid's version now. */
  current_version?: number;
  /** On 409 of a stale multi-grid edit: every grid's version now. */
  current_versions?: Record<string, number>;
  /** On 428 of a multi-grid edit: the grid ids whose version is missing. */
  missing?: number[];
  /** On 403: `csrf` when a cookie write lacked the session's current CSRF token. */
  reason?: string;
};

export class ApiError extends Error {
  readonly status: number;
  readonly problem: ProblemDetails | null;
  /** True when no HTTP answer came back at all (server down, network). */
  readonly unreachable: boolean;
  /** Seconds from the answer's `Retry-After` header (429, 503), or null. */
  readonly retryAfter: number | null;

  constructor(message: string, status: number, problem: ProblemDetails | null, unreachable = false, retryAfter: number | null = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
    this.unreachable = unreachable;
    this.retryAfter = retryAfter;
  }
}

/** `Retry-After` in seconds: a number of seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (value === null || value.trim() === '') return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v);
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

/**
 * What the session (src/app/session.ts) lends every call: the CSRF token that
 * every write must carry, and who hears a 401 (the session is over).
 */
export interface SessionHooks {
  csrfToken(): string | null;
  /**
   * Fetch the session's CSRF token again (a write was refused for a stale one,
   * e.g. after signing in again in another tab); answers the new token or null.
   */
  refreshCsrf?(): Promise<string | null>;
  /** An answer was 401 to a call other than signing in. */
  unauthorized(err: ApiError, call: { method: string; path: string }): void;
}

let hooks: SessionHooks | null = null;

export function setSessionHooks(h: SessionHooks | null): void {
  hooks = h;
}

/** Calls whose 401 is an answer of their own, not an ended session. */
const OWN_401 = ['/api/v1/auth/sign-in', '/api/v1/auth/me', '/api/v1/auth/sign-out'];

/** Methods that change nothing, so carry no CSRF token. */
const SAFE = new Set(['GET', 'HEAD']);

/** The URL of a document path, relative to the page so the app works under any prefix. */
export function apiUrl(
  path: string,
  params: Record<string, string | number | boolean | null | undefined> = {},
  query: Record<string, string | number | boolean | null | undefined> = {},
): string {
  const filled = path.replace(/\{(\w+)\}/g, (_, k: string) => {
    const v = params[k];
    if (v === undefined || v === null) throw new Error(`missing path parameter ${k} of ${path}`);
    return encodeURIComponent(String(v));
  });
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const qs = q.toString();
  return `${filled.replace(/^\//, '')}${qs ? `?${qs}` : ''}`;
}

async function readProblem(res: Response): Promise<ProblemDetails | null> {
  const type = res.headers.get('content-type') ?? '';
  if (!type.includes('json')) return null;
  try {
    return (await res.json()) as ProblemDetails;
  } catch {
    return null;
  }
}

/** The options of one request, whatever the document says of its path. */
export interface SendOptions {
  path?: Record<string, string | number>;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  file?: { data: Blob; type: string };
}

/**
 * One request: the session's cookie (same origin) and, on a write, its CSRF
 * token; problem+json → ApiError; a 401 tells the session hooks. Untyped: the
 * typed `http` below goes through it, and so do the calls the document does
 * not name yet.
 */
export async function send(method: Method, path: string, o: SendOptions = {}, retried = false): Promise<unknown> {
  const url = apiUrl(path, o.path, o.query);
  const verb = method.toUpperCase();
  const headers: Record<string, string> = { Accept: 'application/json', ...o.headers };
  const csrf = hooks?.csrfToken() ?? null;
  if (csrf && !SAFE.has(verb)) headers['X-CSRF-Token'] = csrf;
  let body: BodyInit | undefined;
  if (o.file) {
    headers['Content-Type'] = o.file.type;
    body = o.file.data;
  } else if (o.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(o.body);
  }
  let res: Response;
  try {
    res = await fetch(url, { method: verb, headers, body, signal: o.signal, credentials: 'same-origin' });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(String(err), 0, null, true);
  }
  const type = res.headers.get('content-type') ?? '';
  if (!res.ok) {
    const problem = await readProblem(res);
    // A proxy without its upstream answers 502/503/504 with no problem body.
    const unreachable = problem === null && res.status >= 502 && res.status <= 504;
    const message = problem?.detail ?? problem?.title ?? `HTTP ${res.status} ${res.statusText} (${verb} ${url})`;
    const err = new ApiError(message, res.status, problem, unreachable, parseRetryAfter(res.headers.get('retry-after')));
    // A stale CSRF token (the session changed in another tab): fetch the current one and try once more.
    if (res.status === 403 && problem?.reason === 'csrf' && !retried && hooks?.refreshCsrf) {
      const fresh = await hooks.refreshCsrf();
      if (fresh && fresh !== csrf) return send(method, path, o, true);
    }
    if (res.status === 401 && !OWN_401.includes(path)) hooks?.unauthorized(err, { method: verb, path });
    throw err;
  }
  if (res.status === 204) return null;
  if (!type.includes('json')) {
    if (method === 'get') throw new ApiError(`${url}: expected JSON, got ${type || 'no content type'}`, res.status, null);
    return null;
  }
  return res.json();
}

function call<M extends Method, P extends PathOf<M>>(method: M, path: P, opts: CallOptions<M, P>): Promise<Answer<M, P>> {
  return send(method, path, opts as SendOptions) as Promise<Answer<M, P>>;
}

/** The client: one function per method, paths as the document spells them. */
export const http = {
  get: <P extends PathOf<'get'>>(path: P, opts: CallOptions<'get', P>) => call('get', path, opts),
  post: <P extends PathOf<'post'>>(path: P, opts: CallOptions<'post', P>) => call('post', path, opts),
  put: <P extends PathOf<'put'>>(path: P, opts: CallOptions<'put', P>) => call('put', path, opts),
  delete: <P extends PathOf<'delete'>>(path: P, opts: CallOptions<'delete', P>) => call('delete', path, opts),
};

/** Header that records why a write was made (e.g. saving an edit that breaks coverage). */
export function reasonHeader(reason: string | null | undefined): Record<string, string> {
  // Header values must be ISO-8859-1: percent-encode anything else (Chinese text).
  if (!reason) return {};
  return { 'X-Gridd-Reason': /^[\x20-\x7e]*$/.test(reason) ? reason : encodeURIComponent(reason) };
}
