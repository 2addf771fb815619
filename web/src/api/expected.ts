// What the app expects of answers that the OpenAPI document does not describe
// (GET /coverage and POST /coverage/preview answer JSON, GeoJSON or HTML by
// `format`, and the document gives them no schema). Keyed "method path" as in
// the document. Where the document describes an answer, its schema wins and
// client.ts reports the entry here as one to delete.

import type { FeatureCollection, Geometry } from 'geojson';

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

export interface Expected {
  'get /api/v1/coverage': CoverageCollection;
  'post /api/v1/coverage/preview': PreviewReport;
}
