// What the app expects of answers that the OpenAPI document does not describe
// yet (the hand-written document names few response schemas). Keyed
// "method path" as in the document. Where the document describes an answer,
// its schema wins and client.ts reports the entry here as one to delete.

import type { Feature, FeatureCollection, Geometry, LineString, MultiPolygon, Polygon } from 'geojson';

export type BBox = [number, number, number, number];

export interface Subdistrict {
  id: number;
  code: string;
  name: string;
  bbox: BBox;
}

/** A responsible person of a grid, with role and phone. */
export interface Person {
  name: string;
  role?: string;
  phone?: string;
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
  responsible?: Person[] | null;
  subdistrict_id?: number;
  created_at?: string | null;
  updated_at?: string | null;
}

export type GridGeometry = Polygon | MultiPolygon;
export type GridFeature = Feature<GridGeometry, GridProperties>;
export type GridDetailFeature = Feature<GridGeometry, GridDetailProperties>;
export type GridCollection = FeatureCollection<GridGeometry, GridProperties>;

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

/** What a multi-grid edit answers: every grid it touched, committed. */
export interface EditResult {
  changed?: GridFeature[];
  created?: GridFeature[];
  deleted?: number[];
}

/** One problem of a coverage preview (server: coverage::Problem). */
export interface CoverageProblem {
  kind: string;
  severity?: string;
  level?: number;
  grids?: { id: number; code: string }[];
  geometry?: Geometry | null;
  area_m2?: number;
  width_m?: number;
  message?: string;
  fix?: string;
  suggestion?: string;
}

export interface PreviewReport {
  breaks?: CoverageProblem[];
  fixes?: CoverageProblem[];
  after?: CoverageProblem[];
  problems?: CoverageProblem[];
}

/** Noise counts of one level: pieces narrower than the tolerance. */
export interface CoverageNoise {
  gaps: number;
  gap_area_m2: number;
  overlaps: number;
  overlap_area_m2: number;
  outside: number;
  outside_area_m2: number;
}

export interface CoverageLevel {
  level: number;
  grids: number;
  target_area_m2: number;
  covered_area_m2: number;
  coverage_ratio: number;
  households?: number;
  defects: number;
  warnings: number;
  noise: CoverageNoise;
}

export interface CoverageSummary {
  subdistrict: { id: number; code: string; name: string; area_m2: number };
  config: { tolerance_m: number };
  defects: number;
  warnings: number;
  levels: CoverageLevel[];
}

/** Properties of one problem feature of GET /coverage?format=geojson. */
export interface CoverageProblemProps {
  kind: string;
  /** 'defect' or 'warning' (other values shown as sent). */
  severity: string;
  level: number | null;
  grid_ids: number[];
  grid_codes: string[];
  area_m2: number | null;
  width_m: number | null;
  building_id: number | null;
  message: string | null;
  fix: string | null;
}

export type CoverageCollection = FeatureCollection<Geometry | null, CoverageProblemProps> & {
  summary: CoverageSummary;
};

/** The bodies of the vertex operations (POST /edits/…-vertex). */
export type VertexBody =
  | { from: [number, number]; to: [number, number]; versions: Record<string, number> }
  | { at: [number, number]; versions: Record<string, number> };

export type SplitBody = { line: LineString; version: number };

/** One feature's repair on an import with `repair=true` (coming: the foundation issue). */
export interface Repair {
  index: number;
  area_diff_m2: number;
  parts_added: number;
  parts_dropped: number;
}

/** What an import answers: the grids it created (and, with repair, what it repaired). */
export interface ImportResult {
  created?: GridFeature[];
  repairs?: Repair[];
}

export interface Expected {
  'get /api/v1/subdistricts': Subdistrict[];
  'get /api/v1/subdistricts/{id}': Feature<GridGeometry, { id: number; code: string; name: string }>;
  'get /api/v1/grids': GridCollection;
  'get /api/v1/grids/{id}': GridDetailFeature;
  'get /api/v1/grids/{id}/children': GridCollection;
  'get /api/v1/grids/{id}/buildings': { households?: number };
  'get /api/v1/grids/{id}/next-code': { code: string; sequence: number };
  'get /api/v1/subdistricts/{id}/next-code': { code: string; sequence: number };
  'get /api/v1/tree': TreeNode[];
  'get /api/v1/coverage': CoverageCollection;
  'post /api/v1/coverage/preview': PreviewReport;
  'post /api/v1/grids': GridDetailFeature;
  'put /api/v1/grids/{id}': GridDetailFeature;
  'post /api/v1/grids/{id}/split': EditResult;
  'post /api/v1/grids/merge': EditResult;
  'post /api/v1/edits/move-vertex': EditResult;
  'post /api/v1/edits/insert-vertex': EditResult;
  'post /api/v1/edits/delete-vertex': EditResult;
  'post /api/v1/grids/{id}/renumber': { changes?: { id: number; old_code: string; new_code: string }[] };
  'post /api/v1/grids/{id}/import': ImportResult;
  'post /api/v1/subdistricts/{id}/import': ImportResult;
}
