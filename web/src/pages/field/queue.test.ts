import { describe, expect, test } from 'vitest';
import { ApiError } from '../../api/client';
import type { FixIn, Recorded, StoredFix } from '../patrols/api';
import { BATCH_FIXES, FixQueue, MAX_BATCH, type Outbox, type Storage, type Transport } from './queue';

class MemoryStorage implements Storage {
  items = new Map<string, string>();
  full = false;
  getItem(k: string) {
    return this.items.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    if (this.full) throw new Error('QuotaExceededError');
    this.items.set(k, v);
  }
}

/** A server that stores what it is sent; `mode` decides how the next request goes. */
class FakeServer implements Transport {
  db: StoredFix[] = [];
  requests: number[] = [];
  /** ok; offline (nothing reaches it); lost (stored, the answer lost); 422 naming indexes; 500. */
  mode: 'ok' | 'offline' | 'lost' | 'refuse' | 'error' = 'ok';
  refuse: number[] = [];
  async record(fixes: FixIn[]): Promise<Recorded> {
    await Promise.resolve();
    this.requests.push(fixes.length);
    if (this.mode === 'offline') throw new ApiError('Failed to fetch', 0, null, true);
    if (this.mode === 'error') throw new ApiError('boom', 500, { status: 500 });
    if (this.mode === 'refuse') {
      this.mode = 'ok';
      throw new ApiError('bad', 422, {
        status: 422,
        errors: this.refuse.map((i) => ({ field: `fixes[${i}].lat`, reason: 'out of range' })),
      });
    }
    for (const f of fixes) this.db.push({ worker: f.worker, time_ms: f.time_ms, lon: f.lon, lat: f.lat, flag: null });
    if (this.mode === 'lost') throw new ApiError('network changed', 0, null, true);
    return { stored: fixes.length, counted: fixes.length, flagged: {}, flags: fixes.map(() => null) };
  }
  async stored(worker: number, from: number, to: number): Promise<StoredFix[]> {
    await Promise.resolve();
    if (this.mode === 'offline') throw new ApiError('Failed to fetch', 0, null, true);
    return this.db.filter((f) => f.worker === worker && f.time_ms >= from && f.time_ms < to);
  }
}

const fix = (i: number): FixIn => ({ worker: 7, time_ms: 1_796_605_200_000 + i * 1000, lon: 120.6 + i * 1e-5, lat: 31.3, accuracy_m: 5 });
const kept = (s: MemoryStorage, q: FixQueue) => JSON.parse(s.getItem(q.key)!) as Outbox;
const times = (fs: { time_ms: number }[]) => fs.map((f) => f.time_ms);

describe('the field outbox', () => {
  test('fixes are stored at once, a batch is due at 50, and a sent batch leaves the outbox', async () => {
    const storage = new MemoryStorage();
    const server = new FakeServer();
    const q = new FixQueue(7, storage, server);
    for (let i = 0; i < BATCH_FIXES - 1; i++) expect(q.add(fix(i))).toBe(false);
    expect(q.add(fix(BATCH_FIXES - 1))).toBe(true);
    expect(kept(storage, q).fixes).toHaveLength(BATCH_FIXES);
    // The same fix twice (the browser repeating a position) is kept once.
    expect(q.add(fix(BATCH_FIXES - 1))).toBe(false);
    await q.flush();
    expect(server.requests).toEqual([BATCH_FIXES]);
    expect(q.state).toMatchObject({ waiting: 0, sent: BATCH_FIXES, problem: null });
    expect(JSON.parse(storage.getItem(q.key)!)).toEqual({ fixes: [], inflight: 0 });
  });

  test('offline: kept in order across a reload, then sent once, in order', async () => {
    const storage = new MemoryStorage();
    const server = new FakeServer();
    server.mode = 'offline';
    const q = new FixQueue(7, storage, server);
    for (let i = 0; i < 5; i++) q.add(fix(i));
    await q.flush();
    expect(q.state.problem).toEqual({ kind: 'offline' });
    expect(q.state.waiting).toBe(5);
    // The page is closed and opened again: the outbox is still there.
    const again = new FixQueue(7, storage, server);
    expect(again.state.waiting).toBe(5);
    again.add(fix(5));
    server.mode = 'ok';
    await again.flush();
    expect(times(server.db)).toEqual(times([0, 1, 2, 3, 4, 5].map(fix)));
    expect(again.state).toMatchObject({ waiting: 0, sent: 6, problem: null });
  });

  test('an answer lost after the server stored the batch: asked first, never sent twice', async () => {
    const storage = new MemoryStorage();
    const server = new FakeServer();
    const q = new FixQueue(7, storage, server);
    for (let i = 0; i < 3; i++) q.add(fix(i));
    server.mode = 'lost';
    await q.flush();
    expect(q.state.waiting).toBe(3);
    expect(kept(storage, q).inflight).toBe(3);
    q.add(fix(3));
    server.mode = 'ok';
    await q.flush();
    // The three stored ones were found on the server; only the fourth went.
    expect(server.requests).toEqual([3, 1]);
    expect(times(server.db)).toEqual(times([0, 1, 2, 3].map(fix)));
    expect(q.state).toMatchObject({ waiting: 0, sent: 4 });
  });

  test('a server error stores nothing and is retried; a refusal drops only the fixes it names', async () => {
    const server = new FakeServer();
    const q = new FixQueue(7, new MemoryStorage(), server);
    for (let i = 0; i < 4; i++) q.add(fix(i));
    server.mode = 'error';
    await q.flush();
    expect(q.state.problem).toEqual({ kind: 'server', status: 500 });
    expect(q.state.waiting).toBe(4);
    server.mode = 'refuse';
    server.refuse = [1];
    // Refused once naming the second fix: it is dropped and told, the rest go again at once.
    await q.flush();
    expect(times(server.db)).toEqual(times([0, 2, 3].map(fix)));
    expect(q.state.waiting).toBe(0);
    expect(server.requests).toEqual([4, 4, 3]);
    expect(q.state.problem).toMatchObject({ kind: 'refused', n: 1 });
  });

  test('a refusal naming no fix of the batch drops the batch, not loops', async () => {
    const server = new FakeServer();
    const q = new FixQueue(7, new MemoryStorage(), server);
    q.add(fix(0));
    server.mode = 'refuse';
    server.refuse = [5];
    await q.flush();
    expect(q.state).toMatchObject({ waiting: 0, sent: 0, problem: { kind: 'refused', n: 1 } });
  });

  test('a long offline period goes in batches of at most 1000, in order', async () => {
    const server = new FakeServer();
    const q = new FixQueue(7, new MemoryStorage(), server);
    for (let i = 0; i < MAX_BATCH + 20; i++) q.add(fix(i));
    await q.flush();
    expect(server.requests).toEqual([MAX_BATCH, 20]);
    expect(server.db.map((f) => f.time_ms)).toEqual([...Array(MAX_BATCH + 20).keys()].map((i) => fix(i).time_ms));
  });

  test('a signed-out session keeps the fixes and says so; full storage keeps them in memory', async () => {
    const storage = new MemoryStorage();
    const server = new FakeServer();
    const q = new FixQueue(7, storage, {
      record: () => Promise.reject(new ApiError('signed out', 401, { status: 401 })),
      stored: (w, a, b) => server.stored(w, a, b),
    });
    q.add(fix(0));
    await q.flush();
    expect(q.state.problem).toEqual({ kind: 'session' });
    expect(JSON.parse(storage.getItem(q.key)!)).toEqual({ fixes: [fix(0)], inflight: 0 });
    storage.full = true;
    q.add(fix(1));
    expect(q.state.problem).toEqual({ kind: 'storage' });
    expect(q.waiting()).toHaveLength(2);
  });
});
