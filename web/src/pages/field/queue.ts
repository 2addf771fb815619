// The field page's outbox of GPS fixes: every fix is written to the device's
// storage the moment it arrives and leaves it only once the server has said it
// stored it, in the order taken — never lost (offline, a failed request, a
// closed page), never sent twice.
//
// A request whose answer never came (the network dropped it, the page was
// closed) leaves its fixes marked `inflight` in storage: before anything more
// is sent, the server is asked which of them it has (GET /tracks/points over
// their times), those are dropped, the rest sent. Across tabs a Web Lock keeps
// one sender at a time; the storage is read again under it.

import { ApiError } from '../../api/client';
import type { FixIn, Recorded, StoredFix } from '../patrols/api';

/** At most this many fixes in one request (the server takes 10,000). */
export const MAX_BATCH = 1000;
/** A batch goes once this many fixes wait… */
export const BATCH_FIXES = 50;
/** …or this long after the last send. */
export const BATCH_MS = 15_000;

/** What is kept in storage: the fixes not yet known stored, and how many of the first were sent without an answer. */
export interface Outbox {
  fixes: FixIn[];
  inflight: number;
}

export interface Storage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export interface Transport {
  record(fixes: FixIn[]): Promise<Recorded>;
  /** The worker's stored fixes in [from, to). */
  stored(worker: number, from: number, to: number): Promise<StoredFix[]>;
}

export type Problem =
  | { kind: 'offline' }
  | { kind: 'session' }
  | { kind: 'forbidden' }
  | { kind: 'refused'; n: number; detail: string }
  | { kind: 'server'; status: number }
  | { kind: 'storage' };

export interface QueueState {
  waiting: number;
  sent: number;
  /** Of the fixes sent, those the server flagged, by reason. */
  flagged: Record<string, number>;
  sending: boolean;
  lastSentAt: number | null;
  problem: Problem | null;
}

/** Two fixes are the same fix: same time, same place (the server stores WGS 84 as sent). */
function same(a: Pick<FixIn, 'time_ms' | 'lon' | 'lat'>, b: Pick<FixIn, 'time_ms' | 'lon' | 'lat'>): boolean {
  return a.time_ms === b.time_ms && Math.abs(a.lon - b.lon) < 1e-9 && Math.abs(a.lat - b.lat) < 1e-9;
}

/** The problem an error of a request means. */
export function problemOf(err: unknown): Problem {
  if (err instanceof ApiError) {
    if (err.unreachable || err.status === 0) return { kind: 'offline' };
    if (err.status === 401) return { kind: 'session' };
    if (err.status === 403) return { kind: 'forbidden' };
    if (err.status >= 500 || err.status === 429 || err.status === 408) return { kind: 'server', status: err.status };
    const fields = (err.problem?.errors ?? []).map((e) => `${e.field}: ${e.reason}`);
    return { kind: 'refused', n: 0, detail: fields.join('; ') || err.message };
  }
  return { kind: 'offline' };
}

/** The indexes of the fixes a 422 names (`fixes[3].lat` → 3). */
export function namedFixes(err: ApiError): Set<number> {
  const out = new Set<number>();
  for (const e of err.problem?.errors ?? []) {
    const m = /^fixes\[(\d+)\]/.exec(e.field);
    if (m) out.add(Number(m[1]));
  }
  return out;
}

export class FixQueue {
  readonly key: string;
  private memory: Outbox = { fixes: [], inflight: 0 };
  private busy = false;
  private unsaved = false;
  readonly state: QueueState = { waiting: 0, sent: 0, flagged: {}, sending: false, lastSentAt: null, problem: null };

  constructor(
    readonly worker: number,
    private readonly storage: Storage | null,
    private readonly transport: Transport,
    private readonly onChange: () => void = () => undefined,
    private readonly lock: ((name: string, fn: () => Promise<void>) => Promise<void>) | null = null,
    private readonly now: () => number = Date.now,
  ) {
    this.key = `gridd.field.outbox.${worker}`;
    this.state.waiting = this.load().fixes.length;
  }

  /** The outbox as stored (or, without storage, in memory). */
  load(): Outbox {
    // Storage that refused the last write holds less than memory: memory stands until a write goes through.
    if (!this.storage || this.unsaved) return this.memory;
    try {
      const raw = this.storage.getItem(this.key);
      if (raw) {
        const o = JSON.parse(raw) as Partial<Outbox>;
        if (Array.isArray(o.fixes)) this.memory = { fixes: o.fixes, inflight: Math.min(o.inflight ?? 0, o.fixes.length) };
      } else this.memory = { fixes: [], inflight: 0 };
    } catch {
      // Unreadable storage: what is in memory stands.
    }
    return this.memory;
  }

  private save(o: Outbox): void {
    this.memory = o;
    this.state.waiting = o.fixes.length;
    if (!this.storage) return;
    try {
      this.storage.setItem(this.key, JSON.stringify(o));
      this.unsaved = false;
      if (this.state.problem?.kind === 'storage') this.state.problem = null;
    } catch {
      this.unsaved = true;
      this.state.problem = { kind: 'storage' };
    }
  }

  /** Keep a fix (in storage at once); true when a batch is due. */
  add(fix: FixIn): boolean {
    const o = this.load();
    const last = o.fixes[o.fixes.length - 1];
    if (last && same(last, fix)) return false;
    this.save({ fixes: [...o.fixes, fix], inflight: o.inflight });
    this.onChange();
    return o.fixes.length + 1 >= BATCH_FIXES;
  }

  /** Fixes waiting, in order. */
  waiting(): readonly FixIn[] {
    return this.load().fixes;
  }

  /** Send what waits, batch by batch, in order; resolves when done or stopped by a problem. */
  async flush(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.state.sending = true;
    this.onChange();
    try {
      if (this.lock) await this.lock(this.key, () => this.drain());
      else await this.drain();
    } finally {
      this.busy = false;
      this.state.sending = false;
      this.onChange();
    }
  }

  private async drain(): Promise<void> {
    for (;;) {
      const o = this.load();
      if (o.fixes.length === 0) {
        // Nothing waits: a problem of sending is over; a refusal and full storage stay told.
        const kind = this.state.problem?.kind;
        if (kind !== 'storage' && kind !== 'refused') this.state.problem = null;
        return;
      }
      if (o.inflight > 0) {
        if (!(await this.reconcile(o))) return;
        continue;
      }
      const batch = o.fixes.slice(0, MAX_BATCH);
      // Marked before it goes: if no answer comes, the next try asks the server first.
      this.save({ fixes: o.fixes, inflight: batch.length });
      let answer: Recorded;
      try {
        answer = await this.transport.record(batch);
      } catch (err) {
        const p = problemOf(err);
        if (err instanceof ApiError && !err.unreachable && err.status >= 400 && err.status < 500 && err.status !== 408) {
          // Answered and refused: nothing of the batch was stored.
          const now = this.load();
          if (p.kind === 'refused') {
            // The fixes the server names cannot ever be stored: dropped (and told), the rest go again.
            const bad = [...namedFixes(err)].filter((i) => i < batch.length);
            // None named (or none of this batch): the batch as a whole is what the server cannot take.
            const drop = new Set(bad.length ? bad : batch.map((_, i) => i));
            const rest = now.fixes.filter((_, i) => !(i < batch.length && drop.has(i)));
            this.save({ fixes: rest, inflight: 0 });
            this.state.problem = { ...p, n: drop.size };
            this.onChange();
            continue;
          }
          this.save({ fixes: now.fixes, inflight: 0 });
        }
        this.state.problem = p;
        return;
      }
      if (answer.stored !== batch.length) {
        // Not the answer of this batch: find out from the server what it has.
        continue;
      }
      this.sent(batch.length, answer);
      const after = this.load();
      this.save({ fixes: after.fixes.slice(batch.length), inflight: 0 });
      this.onChange();
    }
  }

  private sent(n: number, answer: Recorded | null): void {
    this.state.sent += n;
    this.state.lastSentAt = this.now();
    // Sending works again; a refusal (fixes dropped) and full storage stay told.
    const kind = this.state.problem?.kind;
    if (kind !== 'storage' && kind !== 'refused') this.state.problem = null;
    for (const [k, v] of Object.entries(answer?.flagged ?? {})) this.state.flagged[k] = (this.state.flagged[k] ?? 0) + (v ?? 0);
  }

  /** Drop the sent-but-unanswered fixes the server has; false when it cannot be asked now. */
  private async reconcile(o: Outbox): Promise<boolean> {
    const sent = o.fixes.slice(0, o.inflight);
    const times = sent.map((f) => f.time_ms);
    let have: StoredFix[];
    try {
      have = await this.transport.stored(this.worker, Math.min(...times), Math.max(...times) + 1);
    } catch (err) {
      this.state.problem = problemOf(err);
      return false;
    }
    const now = this.load();
    const head = now.fixes.slice(0, o.inflight);
    const keep = head.filter((f) => !have.some((h) => same(h, f)));
    const stored = head.length - keep.length;
    if (stored > 0) this.sent(stored, null);
    this.save({ fixes: [...keep, ...now.fixes.slice(o.inflight)], inflight: 0 });
    this.onChange();
    return true;
  }
}
