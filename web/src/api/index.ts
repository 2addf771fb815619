// The app's calls of /api/v1, each over the typed client (client.ts): the
// only place that spells API paths. The types the app passes around are the
// document's schemas (src/api/openapi.json), named here once.

import type { LineString } from 'geojson';
import type { SessionAnswer } from '../app/auth';
import { apiUrl, http, reasonHeader, type Loosen } from './client';
import type { components } from './schema';

export * from './expected';
export { ApiError, apiUrl, reasonHeader, type ProblemDetails } from './client';

/** The query of the audit log (GET /audit). */
export interface AuditQuery {
  entity?: string;
  entity_id?: string;
  actor?: string;
  /** RFC 3339 times. */
  since?: string;
  until?: string;
  limit?: number;
}

/** The audit log's query as the document names it (every parameter a string). */
function auditParams(q: AuditQuery): Record<string, string | undefined> {
  return { ...q, limit: q.limit === undefined ? undefined : String(q.limit) };
}

/** A schema of the document, as the client types answers. */
type Schema<K extends keyof components['schemas']> = Loosen<components['schemas'][K]>;

/** `[minLon, minLat, maxLon, maxLat]`, degrees. */
export type BBox = [number, number, number, number];

/** A grid as the API answers it (GET /grids/{id}, every list and edit answer). */
export type GridFeature = Schema<'GridFeature'>;
export type GridProperties = Schema<'GridProperties'>;
/** A grid's geometry: Polygon or MultiPolygon, EPSG:4326. */
export type GridGeometry = Schema<'AreaGeometry'>;
export type GridCollection = Schema<'FeatureCollection_GridFeature'>;
/**
 * What the grid tiles (and so a map pick) carry of a grid (the server's
 * GRID_FIELDS; the tiles are not in the document): the rest comes from GET /grids/{id}.
 */
export interface GridSummary {
  id: number;
  code: string;
  name: string;
  level: number;
  parent_id?: number | null;
  kind?: string | null;
  households?: number | null;
  version?: number;
}
/** A node of GET /tree: a subdistrict at the root, grids below; households rolled up. */
export type TreeNode = Schema<'TreeNode'>;
/** A grid's published page (GET /published/grids/{id}). */
export type PublishedGrid = Schema<'PublishedGrid'>;
/** A subdistrict of GET /subdistricts (its bbox is null when it has no boundary). */
export type Subdistrict = Schema<'SubdistrictSummary'>;
/** A grid as the editor sends it (POST / PUT /grids, POST /coverage/preview). */
export type GridDraft = Schema<'GridFeatureIn'>;
export type GridDraftProps = Schema<'GridProps'>;
/** What a multi-grid edit (split, merge) answers: every grid it touched, committed. */
export type EditResult = Schema<'EditAnswer'>;
/** What a vertex edit answers: every grid that had the vertex or edge. */
export type VertexResult = Schema<'VertexAnswer'>;
export type MoveVertexBody = Schema<'MoveVertexIn'>;
export type VertexAtBody = Schema<'VertexAtIn'>;
/** What an import answers: the grids created and, with `repair`, what was repaired per feature. */
export type Imported = Schema<'Imported'>;
export type FeatureRepair = Schema<'FeatureRepair'>;
export type RepairReport = Schema<'RepairReport'>;
/** One row of the audit log; `before` / `after` are the entity without geometry (a grid: a Feature's properties). */
export type AuditRecord = Omit<Schema<'AuditRecord'>, 'before' | 'after'> & {
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
};

function bboxParam(b: BBox): string {
  return b.map((v) => v.toFixed(7)).join(',');
}

const ifMatch = (version: number) => ({ 'If-Match': `"${version}"` });

/** A case (案卷) as the API answers it: times are Unix seconds; the reporter masked unless the role may read it. */
export type Case = Schema<'Case'>;
export type CaseStage = Schema<'Stage'>;
export type CaseSource = Schema<'Source'>;
export type CaseUrgency = Schema<'Urgency'>;
/** One step of a case's history (append-only). */
export type CaseStep = Schema<'Step'>;
export type CaseStepKind = Schema<'StepKind'>;
/** A unit a case is dispatched to: a grid's team or a department by its code. */
export type CaseUnit = Schema<'Unit'>;
export type CaseCategory = Schema<'Category'>;
/** A department of a subdistrict that cases go to. */
export type CaseUnitInfo = Schema<'UnitInfo'>;
/** A proposed duplicate of a report. */
export type CaseCandidate = Schema<'Candidate'>;
export type CaseFigures = Schema<'Figures'>;
export type CaseEvaluation = Schema<'Evaluation'>;
export type DuplicateRule = Schema<'DuplicateRule'>;
/** What POST /cases takes and answers. */
export type CaseReport = Schema<'ReportBody'>;
export type CaseReported = Schema<'ReportAnswer'>;
/** What POST /cases/{id}/steps takes and answers. */
export type CaseStepBody = Schema<'StepBody'>;
export type CaseStepAnswer = Schema<'StepAnswer'>;
/** One event of the live feed (GET /events, Server-Sent Events): a step and the case after it. */
export type CaseEvent = Schema<'FeedEvent'>;

/** The filters of the case list (GET /cases). */
export interface CaseQuery {
  open?: boolean;
  stage?: string;
  category?: string;
  grid?: number;
  department?: string;
  source?: CaseSource;
  overdue?: boolean;
  /** Unix seconds. */
  since?: number;
  until?: number;
  before_id?: number;
  limit?: number;
}

/** The header that makes a retried write safe: the same key never makes a second case or step. */
const idempotent = (key: string) => ({ 'Idempotency-Key': key });

/** The address of the live case feed, relative to the page (for an EventSource). */
export const CASE_EVENTS_URL = apiUrl('/api/v1/events');

/** The coverage report's query (GET /coverage). */
export interface CoverageQuery {
  subdistrict?: number;
  tolerance?: number;
  format: 'json' | 'geojson' | 'html';
}

export const api = {
  subdistricts: (signal?: AbortSignal) => http.get('/api/v1/subdistricts', { signal }),
  subdistrict: (id: number, signal?: AbortSignal) => http.get('/api/v1/subdistricts/{id}', { path: { id }, signal }),
  grids: (q: { level?: number; parent?: number; bbox?: BBox; subdistrict?: number }, signal?: AbortSignal) =>
    http.get('/api/v1/grids', {
      query: { level: q.level, parent: q.parent, subdistrict: q.subdistrict, bbox: q.bbox && bboxParam(q.bbox) },
      signal,
    }),
  grid: (id: number, signal?: AbortSignal) => http.get('/api/v1/grids/{id}', { path: { id }, signal }),
  tree: (signal?: AbortSignal) => http.get('/api/v1/tree', { signal }),
  /** A grid's published page (网格公示): no sign-in, no personal data but the team's names, roles and public phones. */
  publishedGrid: (id: number, signal?: AbortSignal) => http.get('/api/v1/published/grids/{id}', { path: { id }, signal }),
  /** The QR code of a grid's printed notice, as SVG text (it encodes the grid's public page, also in its `data-url`). */
  publishedQr: async (id: number, signal?: AbortSignal): Promise<string> => {
    const r = await fetch(apiUrl('/api/v1/published/grids/{id}/qr', { id }), { signal });
    if (!r.ok) throw new Error(`QR code of grid ${id}: HTTP ${r.status}`);
    return r.text();
  },
  gridBuildings: (id: number) => http.get('/api/v1/grids/{id}/buildings', { path: { id } }),
  nextCode: (parent: { grid: number } | { subdistrict: number }) =>
    'grid' in parent
      ? http.get('/api/v1/grids/{id}/next-code', { path: { id: parent.grid } })
      : http.get('/api/v1/subdistricts/{id}/next-code', { path: { id: parent.subdistrict } }),
  coverage: (q: CoverageQuery & { format: 'geojson' }, signal?: AbortSignal) => http.get('/api/v1/coverage', { query: q, signal }),
  /** Address of a coverage report (e.g. the printable HTML page), for a link. */
  coverageUrl: (q: CoverageQuery) => apiUrl('/api/v1/coverage', {}, { ...q }),
  preview: (draft: GridDraft) => http.post('/api/v1/coverage/preview', { body: draft }),
  createGrid: (draft: GridDraft, reason: string | null) => http.post('/api/v1/grids', { body: draft, headers: reasonHeader(reason) }),
  putGrid: (id: number, draft: GridDraft, version: number, reason: string | null) =>
    http.put('/api/v1/grids/{id}', { path: { id }, body: draft, headers: { ...ifMatch(version), ...reasonHeader(reason) } }),
  deleteGrid: (id: number, version: number) => http.delete('/api/v1/grids/{id}', { path: { id }, headers: ifMatch(version) }),
  split: (id: number, line: LineString, version: number) =>
    http.post('/api/v1/grids/{id}/split', { path: { id }, body: { line, version } }),
  merge: (ids: [number, number], versions: Record<string, number>) => http.post('/api/v1/grids/merge', { body: { ids, versions } }),
  moveVertex: (body: MoveVertexBody, reason: string | null) =>
    http.post('/api/v1/edits/move-vertex', { body, headers: reasonHeader(reason) }),
  insertVertex: (body: VertexAtBody, reason: string | null) =>
    http.post('/api/v1/edits/insert-vertex', { body, headers: reasonHeader(reason) }),
  deleteVertex: (body: VertexAtBody, reason: string | null) =>
    http.post('/api/v1/edits/delete-vertex', { body, headers: reasonHeader(reason) }),
  renumber: (id: number) => http.post('/api/v1/grids/{id}/renumber', { path: { id } }),
  /** Import a GeoJSON or GeoPackage file under a grid or a subdistrict; `repair` asks the server to fix geometry. */
  importFile: (parent: { grid: number } | { subdistrict: number }, file: Blob, type: string, repair: boolean) => {
    const query = repair ? { repair: true } : undefined;
    return 'grid' in parent
      ? http.post('/api/v1/grids/{id}/import', { path: { id: parent.grid }, query, file: { data: file, type } })
      : http.post('/api/v1/subdistricts/{id}/import', { path: { id: parent.subdistrict }, query, file: { data: file, type } });
  },
  // Accounts (issue 10). The document types grants' roles as strings; the app
  // narrows them to its Role names (app/auth.ts, SessionAnswer).
  me: () => http.get('/api/v1/auth/me', {}).then((a) => a as SessionAnswer),
  signIn: (name: string, password: string) =>
    http.post('/api/v1/auth/sign-in', { body: { name, password } }).then((a) => a as SessionAnswer),
  signOut: () => http.post('/api/v1/auth/sign-out', {}),
  audit: (q: AuditQuery, signal?: AbortSignal) =>
    http.get('/api/v1/audit', { query: { ...auditParams(q), format: 'json' }, signal }).then((rows) => rows as AuditRecord[]),
  /** Address of the audit log as CSV, for a download link. */
  auditCsvUrl: (q: AuditQuery) => apiUrl('/api/v1/audit', {}, { ...auditParams(q), format: 'csv' }),
  // Cases (issue 11): the seven-step loop.
  cases: (q: CaseQuery, signal?: AbortSignal) => http.get('/api/v1/cases', { query: q, signal }),
  case: (id: number, signal?: AbortSignal) => http.get('/api/v1/cases/{id}', { path: { id }, signal }),
  caseHistory: (id: number, signal?: AbortSignal) => http.get('/api/v1/cases/{id}/history', { path: { id }, signal }),
  caseProposal: (id: number, signal?: AbortSignal) => http.get('/api/v1/cases/{id}/proposal', { path: { id }, signal }),
  reportCase: (body: CaseReport, key: string) => http.post('/api/v1/cases', { body, headers: idempotent(key) }),
  caseStep: (id: number, body: CaseStepBody, key: string) =>
    http.post('/api/v1/cases/{id}/steps', { path: { id }, body, headers: idempotent(key) }),
  caseDuplicates: (q: { category: string; lon: number; lat: number }, signal?: AbortSignal) =>
    http.get('/api/v1/cases/duplicates', { query: q, signal }),
  duplicateRule: () => http.get('/api/v1/case-duplicate-rule', {}),
  /** Store a photo (JPEG, PNG or WebP, at most 8 MiB); name its id in a report or a step. */
  uploadCasePhoto: (file: Blob, type: string) => http.post('/api/v1/case-photos', { file: { data: file, type } }),
  /** Address of a stored photo, for an image. */
  casePhotoUrl: (id: number) => apiUrl('/api/v1/case-photos/{id}', { id }),
  caseCategories: (signal?: AbortSignal) => http.get('/api/v1/case-categories', { signal }),
  caseUnits: (subdistrict: number, signal?: AbortSignal) =>
    http.get('/api/v1/subdistricts/{id}/case-units', { path: { id: subdistrict }, signal }),
  caseStats: (q: { from?: number; to?: number; group_by?: 'grid' | 'unit' | 'category' | 'month' | 'none' }, signal?: AbortSignal) =>
    http.get('/api/v1/case-stats', { query: q, signal }),
};
