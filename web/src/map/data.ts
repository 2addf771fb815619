// Where the map's data comes from: the server's style names the vector tiles
// (/tiles/{tileset}.json → /tiles/{tileset}/{z}/{x}/{y}.mvt) for drawing, and
// the API gives everything that needs true geometry. Tile geometry is clipped
// and quantised: it is only ever drawn, never edited nor measured. The editor,
// the fly-to and the labels ask this module (or the API) for true geometry.

import type { Map as MlMap } from 'maplibre-gl';
import { api, type GridCollection, type GridFeature, type GridGeometry, type Subdistrict } from '../api';

export const ATTRIBUTION = '© OpenStreetMap contributors';

/** Source and source-layer of the tiles the app reads (names from the server's style). */
export const SOURCES = {
  grids: { source: 'grids', sourceLayer: (level: number) => `grids_l${level}` },
} as const;

export interface LoadedGrids {
  /** L1 and L2 grids with true geometry (few; used for the name labels and the details panel). */
  grids: GridCollection;
  byId: Map<number, GridFeature>;
}

/**
 * Load the L1 and L2 grids of one subdistrict from the API (the map itself
 * draws from tiles; these give the name labels their points inside the true
 * geometry, map/labels.ts). Deeper levels are too many to name; hover shows them.
 */
export async function loadGrids(sub: Subdistrict, signal: AbortSignal): Promise<LoadedGrids> {
  const levels = await Promise.all([1, 2].map((level) => api.grids({ level, subdistrict: sub.id }, signal)));
  const byId = new Map<number, GridFeature>();
  for (const fc of levels) for (const f of fc.features) byId.set(f.properties.id, f);
  return { grids: { type: 'FeatureCollection', features: [...byId.values()] }, byId };
}

/**
 * Reload the grid tiles after an edit: the server invalidates the tiles an
 * edit touches at once, and serves tiles with `no-cache` + ETag, so a reload
 * costs one 304 per unchanged tile.
 */
export async function refreshGridTiles(map: MlMap): Promise<void> {
  if (!map.getSource(SOURCES.grids.source)) return;
  // A refresh asked for while MapLibre re-parses the tiles it holds is lost
  // in that reload: let the map settle first.
  const idle = map.once('idle');
  map.triggerRepaint();
  await idle;
  map.refreshTiles(SOURCES.grids.source);
}

/** True geometry of one grid, from what is loaded or else from the API. */
export async function gridGeometry(loaded: LoadedGrids | null, id: number, signal?: AbortSignal): Promise<GridGeometry | null> {
  const f = loaded?.byId.get(id);
  if (f) return f.geometry;
  const remote = await api.grid(id, signal);
  return remote.geometry;
}
