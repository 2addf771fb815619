// Where the map's data comes from. Today: GeoJSON fetched from the API for the
// whole subdistrict. A later change switches the basemap and the grids to
// vector tiles (/styles/default.json, /tiles/{tileset}/{z}/{x}/{y}.mvt); only
// this module should need to change then: layers name their source through
// `SOURCES` (and its `sourceLayer`), and the rest of the app asks this module
// for grid geometry instead of reading sources.

import type { GeoJSONSourceSpecification, Map as MlMap } from 'maplibre-gl';
import type { Feature, FeatureCollection, Geometry, MultiPolygon, Polygon } from 'geojson';
import { api, type BBox, type GridCollection, type GridFeature, type Subdistrict } from './api';

export const ATTRIBUTION = '© OpenStreetMap contributors';

/** Source (and, for vector tiles, source-layer) of each logical layer group. */
export const SOURCES = {
  boundary: { source: 'boundary' },
  grids: { source: 'grids' },
  buildings: { source: 'buildings' },
  roads: { source: 'roads' },
} as const satisfies Record<string, { source: string; sourceLayer?: string }>;

const EMPTY: FeatureCollection = { type: 'FeatureCollection', features: [] };

/** Empty sources, so the style and its layers exist before any data arrives. */
export function emptySources(): Record<string, GeoJSONSourceSpecification> {
  const src = (extra: Partial<GeoJSONSourceSpecification> = {}): GeoJSONSourceSpecification => ({
    type: 'geojson',
    data: EMPTY,
    attribution: ATTRIBUTION,
    ...extra,
  });
  return {
    [SOURCES.boundary.source]: src(),
    // Features carry a numeric top-level `id`; keep it for feature-state.
    [SOURCES.grids.source]: src({ promoteId: 'id' }),
    [SOURCES.buildings.source]: src(),
    [SOURCES.roads.source]: src(),
  };
}

export interface LoadedGrids {
  grids: GridCollection;
  byId: Map<number, GridFeature>;
}

const LEVELS = [1, 2, 3] as const;

/** Load the boundary and the grids of every level of one subdistrict (required). */
export async function loadGrids(map: MlMap, sub: Subdistrict, signal: AbortSignal): Promise<LoadedGrids> {
  const [boundary, ...levels] = await Promise.all([
    api.subdistrict(sub.id, signal),
    ...LEVELS.map((level) => api.grids({ level, bbox: sub.bbox }, signal)),
  ]);
  const features = levels.flatMap((fc) => fc.features ?? []);
  // The API may also answer a feature of another subdistrict that touches the
  // bbox; it is still a real grid and harmless to show.
  const byId = new Map<number, GridFeature>();
  for (const f of features) byId.set(f.properties.id, f);
  const grids: GridCollection = { type: 'FeatureCollection', features: [...byId.values()] };
  setData(map, SOURCES.boundary.source, boundary);
  setData(map, SOURCES.grids.source, grids);
  return { grids, byId };
}

/**
 * Load the offline basemap (buildings, roads). Optional: a failure is reported
 * through `onError` and the map works without it.
 */
export async function loadBasemap(
  map: MlMap,
  bbox: BBox,
  signal: AbortSignal,
  onError: (what: 'buildings' | 'roads', err: unknown) => void,
): Promise<void> {
  await Promise.all([
    api.buildings(bbox, signal).then(
      (fc) => setData(map, SOURCES.buildings.source, fc),
      (err) => onError('buildings', err),
    ),
    api.roads(bbox, signal).then(
      (fc) => setData(map, SOURCES.roads.source, fc),
      (err) => onError('roads', err),
    ),
  ]);
}

/** True geometry of one grid, from what is loaded or else from the API. */
export async function gridGeometry(
  loaded: LoadedGrids | null,
  id: number,
  signal?: AbortSignal,
): Promise<Polygon | MultiPolygon | null> {
  const f = loaded?.byId.get(id);
  if (f) return f.geometry;
  const remote = await api.grid(id, signal);
  return remote.geometry ?? null;
}

function setData(map: MlMap, source: string, data: FeatureCollection | Feature<Geometry>): void {
  const s = map.getSource(source);
  if (s && s.type === 'geojson') (s as import('maplibre-gl').GeoJSONSource).setData(data);
}
