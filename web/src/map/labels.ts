// The workspace's grid names as map symbols: a GeoJSON source of one point per
// L1 / L2 grid (`labelPoint` of its true geometry, always inside it) and one
// symbol layer per level over the server's glyphs (the font from `labelFont`),
// so MapLibre places them with collision detection (a name that would cover
// another is left out, never drawn over it) and draws them offline. No HTML
// markers. L3 grids are too many to name; hover shows them.
//
// When they show is the layers' zoom range and visibility, set for the level
// mode (`labelZoomRange`): L1 names while the subdistrict is in view (below
// 17.5, below 16 when every level is shown), L2 names from 15.5; a level the
// level switch hides has no names. L1 is the upper layer, so where an L1 and an
// L2 name collide the L1 name wins.

import type { LayerSpecification, SymbolLayerSpecification } from 'maplibre-gl';
import type { GridFeature } from '../api';
import { labelPoint } from '../lib/geom';

/** The GeoJSON source of the label points. */
export const GRID_LABEL_SOURCE = 'grid-labels';
/** The levels that are named on the map. */
export const LABEL_LEVELS = [1, 2] as const;
export type LabelLevel = (typeof LABEL_LEVELS)[number];
/** The symbol layer of each level's names. */
export const GRID_LABEL_LAYERS: Record<LabelLevel, string> = { 1: 'grid-labels-l1', 2: 'grid-labels-l2' };

/** Text colour and size of each level's names (L1 larger, L2 a little smaller). */
const LOOK: Record<LabelLevel, { color: string; size: number }> = {
  1: { color: '#7d2338', size: 13 },
  2: { color: '#1e4f8a', size: 11.5 },
};

/** Zoom past every map's maximum. */
const ZOOM_MAX = 24;

/** One point per L1 / L2 grid with its name and level (features without an inside point are left out). */
export function gridLabelPoints(grids: readonly Pick<GridFeature, 'geometry' | 'properties'>[]): GeoJSON.FeatureCollection<GeoJSON.Point> {
  const features: GeoJSON.Feature<GeoJSON.Point>[] = [];
  for (const f of grids) {
    const level = Number(f.properties.level);
    if (!(LABEL_LEVELS as readonly number[]).includes(level) || !f.properties.name) continue;
    const p = labelPoint(f.geometry as GeoJSON.Geometry);
    if (!p) continue;
    features.push({
      type: 'Feature',
      id: f.properties.id,
      geometry: { type: 'Point', coordinates: p },
      properties: { id: f.properties.id, level, name: f.properties.name },
    });
  }
  return { type: 'FeatureCollection', features };
}

/**
 * The zoom range `[minzoom, maxzoom)` in which a level's names show under a
 * level mode ('all' or one level), or null when the mode hides that level.
 */
export function labelZoomRange(level: LabelLevel, mode: 'all' | number): [number, number] | null {
  if (mode !== 'all' && mode !== level) return null;
  if (level === 1) return [0, mode === 'all' ? 16 : 17.5];
  return [15.5, ZOOM_MAX];
}

/** The symbol layers of the names (L2 first, L1 over it), for the 'all' level mode; none without a font. */
export function gridLabelLayers(font: string[] | null): LayerSpecification[] {
  if (!font) return [];
  return [2, 1].map((level): SymbolLayerSpecification => {
    const l = level as LabelLevel;
    const [minzoom, maxzoom] = labelZoomRange(l, 'all')!;
    return {
      id: GRID_LABEL_LAYERS[l],
      type: 'symbol',
      source: GRID_LABEL_SOURCE,
      filter: ['==', ['get', 'level'], l],
      minzoom,
      maxzoom,
      layout: {
        'text-field': ['get', 'name'],
        'text-font': font,
        'text-size': LOOK[l].size,
        // One line, as a name is read (CJK would otherwise break after 10 characters).
        'text-max-width': 30,
        'text-padding': 4,
      },
      paint: {
        'text-color': LOOK[l].color,
        'text-halo-color': '#ffffff',
        'text-halo-width': 2,
        'text-halo-blur': 0.5,
      },
    };
  });
}
