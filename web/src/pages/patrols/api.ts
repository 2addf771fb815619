// The calls of the patrol pages (issue 13) over the typed client: a batch of
// fixes in (POST /tracks/points), a worker's fixes out (GET /tracks/points)
// and the weekly audit of 11.2.1 (GET /patrols/audit).

import { http, type Loosen } from '../../api/client';
import type { components } from '../../api/schema';

type Schema<K extends keyof components['schemas']> = Loosen<components['schemas'][K]>;

/** A fix as the field page sends it (WGS 84: what the browser's geolocation gives). */
export type FixIn = Schema<'FixInput'>;
/** A fix as stored, with its grid and its flag (null: counted). */
export type StoredFix = Schema<'StoredFix'>;
/** What a batch did: every fix stored, each one's flag. */
export type Recorded = Schema<'Recorded'>;
export type Audit = Schema<'AuditOut'>;
export type AuditGrid = Schema<'GridOut'>;
export type AuditWorker = Schema<'WorkerOut'>;
export type AuditParent = Schema<'ParentOut'>;
export type Patrol = Schema<'Patrol'>;
export type FlagCode = Schema<'Flag'>;

export const patrolsApi = {
  record: (fixes: FixIn[]) => http.post('/api/v1/tracks/points', { body: { fixes } }),
  fixes: (q: { worker: number; from: number; to: number; limit?: number }, signal?: AbortSignal) =>
    http.get('/api/v1/tracks/points', { query: q, signal }),
  audit: (q: { week?: string; worker?: number }, signal?: AbortSignal) => http.get('/api/v1/patrols/audit', { query: q, signal }),
};
