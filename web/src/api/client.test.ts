import { afterEach, describe, expect, test, vi } from 'vitest';
import { ApiError, parseRetryAfter, send, setSessionHooks } from './client';

interface Seen {
  url: string;
  init: RequestInit;
}

/** Stub fetch with one answer; returns what was sent. */
function answer(status: number, body: unknown = null, headers: Record<string, string> = {}): Seen[] {
  const seen: Seen[] = [];
  vi.stubGlobal('fetch', (url: string, init: RequestInit) => {
    seen.push({ url, init });
    const h = new Headers(headers);
    if (body !== null && !h.has('content-type')) h.set('content-type', status >= 400 ? 'application/problem+json' : 'application/json');
    return Promise.resolve(new Response(body === null ? null : JSON.stringify(body), { status, headers: h }));
  });
  return seen;
}

const header = (s: Seen, name: string) => new Headers(s.init.headers).get(name);

afterEach(() => {
  vi.unstubAllGlobals();
  setSessionHooks(null);
});

describe('the session on every call', () => {
  test('a write carries the CSRF token, a read does not; both use the same-origin cookie', async () => {
    setSessionHooks({ csrfToken: () => 'tok123', unauthorized: () => undefined });
    const seen = answer(200, { ok: true });
    await send('get', '/api/v1/grids/{id}', { path: { id: 3 } });
    await send('put', '/api/v1/grids/{id}', { path: { id: 3 }, body: {} });
    await send('post', '/api/v1/grids/merge', { body: {} });
    await send('delete', '/api/v1/grids/{id}', { path: { id: 3 } });
    expect(seen.map((s) => s.init.credentials)).toEqual(['same-origin', 'same-origin', 'same-origin', 'same-origin']);
    expect(seen.map((s) => header(s, 'X-CSRF-Token'))).toEqual([null, 'tok123', 'tok123', 'tok123']);
    expect(seen[0].url).toBe('api/v1/grids/3');
  });

  test('no token, no header (a visitor who is not signed in)', async () => {
    setSessionHooks({ csrfToken: () => null, unauthorized: () => undefined });
    const seen = answer(200, {});
    await send('post', '/api/v1/grids', { body: {} });
    expect(header(seen[0], 'X-CSRF-Token')).toBeNull();
  });

  test('a 401 of any call ends the session; the sign-in’s own 401 does not', async () => {
    const heard: string[] = [];
    setSessionHooks({ csrfToken: () => 't', unauthorized: (_e, c) => heard.push(`${c.method} ${c.path}`) });
    answer(401, { title: 'Unauthorized', status: 401, detail: 'the session has expired' });
    await expect(send('put', '/api/v1/grids/{id}', { path: { id: 1 }, body: {} })).rejects.toMatchObject({
      status: 401,
      message: 'the session has expired',
    });
    await expect(send('post', '/api/v1/auth/sign-in', { body: {} })).rejects.toBeInstanceOf(ApiError);
    await expect(send('get', '/api/v1/auth/me')).rejects.toBeInstanceOf(ApiError);
    expect(heard).toEqual(['PUT /api/v1/grids/{id}']);
  });

  test('a 403 is the server’s refusal, shown with its detail, and keeps the session', async () => {
    const heard: string[] = [];
    setSessionHooks({ csrfToken: () => 't', unauthorized: () => heard.push('401') });
    answer(403, { title: 'Forbidden', status: 403, detail: 'auditor may not edit grids' });
    const err = (await send('post', '/api/v1/grids', { body: {} }).catch((e: unknown) => e)) as ApiError;
    expect(err.status).toBe(403);
    expect(err.message).toBe('auditor may not edit grids');
    expect(heard).toEqual([]);
  });

  test('a 403 for a stale CSRF token fetches the current one and retries once', async () => {
    let token = 'old';
    const seen: string[] = [];
    setSessionHooks({
      csrfToken: () => token,
      refreshCsrf: () => {
        token = 'new';
        return Promise.resolve(token);
      },
      unauthorized: () => undefined,
    });
    vi.stubGlobal('fetch', (_url: string, init: RequestInit) => {
      const sent = new Headers(init.headers).get('X-CSRF-Token') ?? '';
      seen.push(sent);
      const ok = sent === 'new';
      const body = ok ? { ok: true } : { title: 'Not allowed', status: 403, detail: 'csrf', reason: 'csrf' };
      const type = ok ? 'application/json' : 'application/problem+json';
      return Promise.resolve(new Response(JSON.stringify(body), { status: ok ? 200 : 403, headers: { 'content-type': type } }));
    });
    await expect(send('post', '/api/v1/grids', { body: { a: 1 } })).resolves.toEqual({ ok: true });
    expect(seen).toEqual(['old', 'new']);
  });

  test('a CSRF refusal that a fresh token does not cure is reported, not retried forever', async () => {
    let calls = 0;
    setSessionHooks({ csrfToken: () => 'same', refreshCsrf: () => Promise.resolve('same'), unauthorized: () => undefined });
    vi.stubGlobal('fetch', () => {
      calls += 1;
      return Promise.resolve(
        new Response(JSON.stringify({ title: 'Not allowed', status: 403, detail: 'csrf', reason: 'csrf' }), {
          status: 403,
          headers: { 'content-type': 'application/problem+json' },
        }),
      );
    });
    const err = (await send('post', '/api/v1/grids', { body: {} }).catch((e: unknown) => e)) as ApiError;
    expect(err.status).toBe(403);
    expect(calls).toBe(1);
  });

  test('Retry-After of a 429 is read in seconds', async () => {
    answer(429, { title: 'Too Many Requests', status: 429 }, { 'Retry-After': '300' });
    const err = (await send('post', '/api/v1/auth/sign-in', { body: {} }).catch((e: unknown) => e)) as ApiError;
    expect(err.status).toBe(429);
    expect(err.retryAfter).toBe(300);
  });

  test('Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('120')).toBe(120);
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter('soon')).toBeNull();
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:02:30 GMT', now)).toBe(150);
  });
});
