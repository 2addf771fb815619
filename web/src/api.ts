// Typed client of the gridd HTTP API (/api/v1). Errors are RFC 9457
// problem+json; ApiError carries the server's `detail` for the user.

import type { Feature, FeatureCollection, Geometry, MultiPolygon, Polygon } from 'geojson';

export type BBox = [number, number, number, number];

export interface Subdistrict {
  id: number;
  code: string;
  name: string;
  bbox: BBox;
}

export interface GridProperties {
  id: number;
  code: string;
  name: string;
  level: number;
  parent_id: number | null;
  households: number | null;
  kind: string | null;
  version: number;
}

export interface GridDetailProperties extends GridProperties {
  population?: number | null;
  created_at?: string | null;
  updated_at?: string | null;
}

export type GridFeature = Feature<Polygon | MultiPolygon, GridProperties>;
export type GridCollection = FeatureCollection<Polygon | MultiPolygon, GridProperties>;

/** A node of GET /api/v1/tree: a subdistrict at the root, grids below. */
export interface TreeNode {
  id: number;
  code: string;
  name: string;
  level?: number;
  kind?: string | null;
  households?: number | null;
  children?: TreeNode[];
}

export interface ProblemDetails {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: { field: string; reason: string; coordinate?: [number, number] }[];
  /** On 409 of a stale edit: the grid's version now. */
  current_version?: number;
}

export class ApiError extends Error {
  readonly status: number;
  readonly problem: ProblemDetails | null;
  /** True when no HTTP answer came back at all (server down, network). */
  readonly unreachable: boolean;

  constructor(message: string, status: number, problem: ProblemDetails | null, unreachable = false) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
    this.unreachable = unreachable;
  }
}

const BASE = 'api/v1';

async function readProblem(res: Response): Promise<ProblemDetails | null> {
  const type = res.headers.get('content-type') ?? '';
  if (!type.includes('json')) return null;
  try {
    return (await res.json()) as ProblemDetails;
  } catch {
    return null;
  }
}

/**
 * Send a JSON body (POST, PUT, DELETE) and read the JSON answer (or null for
 * 204). Errors become ApiError with the problem+json body.
 */
export async function sendJson<T>(
  method: 'POST' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${BASE}/${path}`, {
      method,
      headers: {
        Accept: 'application/json',
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new ApiError(String(err), 0, null, true);
  }
  if (!res.ok) {
    const problem = await readProblem(res);
    const unreachable = problem === null && res.status >= 502 && res.status <= 504;
    const message = problem?.detail ?? problem?.title ?? `HTTP ${res.status} ${res.statusText} (${method} ${path})`;
    throw new ApiError(message, res.status, problem, unreachable);
  }
  if (res.status === 204) return null as T;
  const type = res.headers.get('content-type') ?? '';
  return (type.includes('json') ? await res.json() : null) as T;
}

/**
 * POST a file as the request body (e.g. an import: GeoJSON or GeoPackage) and
 * read the JSON answer. Errors become ApiError with the problem+json body.
 */
export async function sendFile<T>(path: string, file: Blob, contentType: string): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${BASE}/${path}`, {
      method: 'POST',
      headers: { Accept: 'application/json', 'Content-Type': contentType },
      body: file,
    });
  } catch (err) {
    throw new ApiError(String(err), 0, null, true);
  }
  if (!res.ok) {
    const problem = await readProblem(res);
    const unreachable = problem === null && res.status >= 502 && res.status <= 504;
    const message = problem?.detail ?? problem?.title ?? `HTTP ${res.status} ${res.statusText} (POST ${path})`;
    throw new ApiError(message, res.status, problem, unreachable);
  }
  const type = res.headers.get('content-type') ?? '';
  return (type.includes('json') ? await res.json() : null) as T;
}

/** Header that records why a write was made (e.g. saving an edit that breaks coverage). */
export function reasonHeader(reason: string | null | undefined): Record<string, string> {
  // Header values must be ISO-8859-1: percent-encode anything else (Chinese text).
  if (!reason) return {};
  return { 'X-Gridd-Reason': /^[\x20-\x7e]*$/.test(reason) ? reason : encodeURIComponent(reason) };
}

/** GET a JSON resource relative to the page, so the app works under any prefix. */
export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${BASE}/${path}`, { headers: { Accept: 'application/json' }, signal });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(String(err), 0, null, true);
  }
  const type = res.headers.get('content-type') ?? '';
  if (!res.ok) {
    let problem: ProblemDetails | null = null;
    if (type.includes('json')) {
      try {
        problem = (await res.json()) as ProblemDetails;
      } catch {
        problem = null;
      }
    }
    // A proxy without its upstream answers 502/503/504 with no problem body.
    const unreachable = problem === null && res.status >= 502 && res.status <= 504;
    const message = problem?.detail ?? problem?.title ?? `HTTP ${res.status} ${res.statusText}`;
    throw new ApiError(message, res.status, problem, unreachable);
  }
  if (!type.includes('json')) {
    throw new ApiError(`${path}: expected JSON, got ${type || 'no content type'}`, res.status, null);
  }
  return (await res.json()) as T;
}

function bboxParam(b: BBox): string {
  return b.map((v) => v.toFixed(7)).join(',');
}

export const api = {
  subdistricts: (signal?: AbortSignal) => getJson<Subdistrict[]>('subdistricts', signal),
  subdistrict: (id: number, signal?: AbortSignal) =>
    getJson<Feature<Polygon | MultiPolygon, { id: number; code: string; name: string }>>(
      `subdistricts/${id}`,
      signal,
    ),
  grids: (q: { level?: number; parent?: number; bbox?: BBox }, signal?: AbortSignal) => {
    const p = new URLSearchParams();
    if (q.level !== undefined) p.set('level', String(q.level));
    if (q.parent !== undefined) p.set('parent', String(q.parent));
    if (q.bbox) p.set('bbox', bboxParam(q.bbox));
    const qs = p.toString();
    return getJson<GridCollection>(`grids${qs ? `?${qs}` : ''}`, signal);
  },
  grid: (id: number, signal?: AbortSignal) =>
    getJson<Feature<Polygon | MultiPolygon, GridDetailProperties>>(`grids/${id}`, signal),
  tree: (signal?: AbortSignal) => getJson<TreeNode[]>('tree', signal),
  buildings: (bbox: BBox, signal?: AbortSignal) =>
    getJson<FeatureCollection<Geometry>>(`buildings?bbox=${bboxParam(bbox)}`, signal),
  roads: (bbox: BBox, signal?: AbortSignal) =>
    getJson<FeatureCollection<Geometry>>(`roads?bbox=${bboxParam(bbox)}`, signal),
};
