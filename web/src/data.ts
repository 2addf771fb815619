// Where the map's data comes from: the server's vector tiles
// (/tiles/{tileset}.json → /tiles/{tileset}/{z}/{x}/{y}.mvt) for drawing, and
// the API for everything that needs true geometry. Tile geometry is clipped
// and quantised: it is only ever drawn, never edited nor measured. The editor,
// the fly-to and the labels ask this module (or the API) for true geometry.

import type { Map as MlMap, VectorSourceSpecification } from 'maplibre-gl';
import type { MultiPolygon, Polygon } from 'geojson';
import { api, type GridCollection, type GridFeature, type Subdistrict } from './api';

export const ATTRIBUTION = '© OpenStreetMap contributors';

/** Deepest level the tiles carry (grids_l1 … grids_l5). */
export const MAX_LEVEL = 5;
export const LEVELS = [1, 2, 3, 4, 5] as const;

/** Source and source-layer of each logical layer group. */
export const SOURCES = {
  boundary: { source: 'subdistrict', sourceLayer: 'subdistrict' },
  grids: { source: 'grids', sourceLayer: (level: number) => `grids_l${level}` },
  labels: { source: 'grids', sourceLayer: 'grid_labels' },
  buildings: { source: 'buildings', sourceLayer: 'buildings' },
  roads: { source: 'roads', sourceLayer: 'roads' },
} as const;

/** URL of a tileset's TileJSON, relative to the page (the app may live under a prefix). */
export function tileJsonUrl(tileset: string): string {
  return new URL(`tiles/${tileset}.json`, document.baseURI).href;
}

/** The vector sources: TileJSON from the server, which names the tile URLs. */
export function vectorSources(): Record<string, VectorSourceSpecification> {
  const src = (tileset: string): VectorSourceSpecification => ({
    type: 'vector',
    url: tileJsonUrl(tileset),
    attribution: ATTRIBUTION,
  });
  return {
    subdistrict: src('subdistrict'),
    grids: src('grids'),
    buildings: src('buildings'),
    roads: src('roads'),
  };
}

export interface LoadedGrids {
  /** L1 and L2 grids with true geometry (few; used for HTML labels and the details panel). */
  grids: GridCollection;
  byId: Map<number, GridFeature>;
}

/**
 * Load the L1 and L2 grids of one subdistrict from the API (the map itself
 * draws from tiles; these are for the HTML name labels). Deeper levels are
 * too many to label with DOM elements; hover shows them.
 */
export async function loadGrids(_map: MlMap, sub: Subdistrict, signal: AbortSignal): Promise<LoadedGrids> {
  const levels = await Promise.all([1, 2].map((level) => api.grids({ level, bbox: sub.bbox }, signal)));
  const byId = new Map<number, GridFeature>();
  for (const fc of levels) for (const f of fc.features ?? []) byId.set(f.properties.id, f);
  return { grids: { type: 'FeatureCollection', features: [...byId.values()] }, byId };
}

/**
 * Reload the grid tiles after an edit: the server invalidates the tiles an
 * edit touches at once, and serves tiles with `no-cache` + ETag, so a reload
 * costs one 304 per unchanged tile.
 */
export async function refreshGridTiles(map: MlMap): Promise<void> {
  if (!map.getSource(SOURCES.grids.source)) return;
  // A filter change (the editor shows the hidden grids again) makes MapLibre
  // re-parse the tiles it holds; a refresh asked for in the same frame is
  // lost in that reload. Let the map settle first.
  await new Promise<void>((resolve) => {
    map.once('idle', () => resolve());
    map.triggerRepaint();
  });
  map.refreshTiles(SOURCES.grids.source);
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
