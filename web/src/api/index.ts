// The app's calls of /api/v1, each over the typed client (client.ts): the
// only place that spells API paths.

import type { LineString } from 'geojson';
import { apiUrl, http, reasonHeader, type Loosen } from './client';
import type { components } from './schema';
import type { BBox, GridGeometry, VertexBody } from './expected';

export * from './expected';
export { ApiError, apiUrl, reasonHeader, type ProblemDetails } from './client';

function bboxParam(b: BBox): string {
  return b.map((v) => v.toFixed(7)).join(',');
}

/** A grid as the editor sends it (POST / PUT /grids): the document's GridFeature. */
export type GridDraft = Loosen<components['schemas']['GridFeature']>;

const ifMatch = (version: number) => ({ 'If-Match': `"${version}"` });

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
  vertex: (kind: 'move' | 'insert' | 'delete', body: VertexBody, reason: string | null) => {
    const opts = { body, headers: reasonHeader(reason) };
    if (kind === 'move') return http.post('/api/v1/edits/move-vertex', opts);
    if (kind === 'insert') return http.post('/api/v1/edits/insert-vertex', opts);
    return http.post('/api/v1/edits/delete-vertex', opts);
  },
  renumber: (id: number) => http.post('/api/v1/grids/{id}/renumber', { path: { id } }),
  /** Import a GeoJSON or GeoPackage file under a grid or a subdistrict; `repair` asks the server to fix geometry. */
  importFile: (parent: { grid: number } | { subdistrict: number }, file: Blob, type: string, repair: boolean) => {
    const query = repair ? ({ repair: true } as never) : undefined;
    return 'grid' in parent
      ? http.post('/api/v1/grids/{id}/import', { path: { id: parent.grid }, query, file: { data: file, type } })
      : http.post('/api/v1/subdistricts/{id}/import', { path: { id: parent.subdistrict }, query, file: { data: file, type } });
  },
};

export type { GridGeometry };
