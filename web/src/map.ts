// The MapLibre map: an offline style (plain background, buildings and roads
// from the product's own data), the grid layers, and the level / fill modes.

import maplibregl, {
  type ExpressionSpecification,
  type GeoJSONSource,
  type FilterSpecification,
  type LayerSpecification,
  type Map as MlMap,
  type StyleSpecification,
} from 'maplibre-gl';
import { ATTRIBUTION, LEVELS, SOURCES, vectorSources } from './data';

export type LevelMode = 'all' | 1 | 2 | 3;
export type FillMode = 'level' | 'kind';

export const LEVEL_COLORS: Record<number, string> = {
  1: '#a63d57',
  2: '#2f6db5',
  3: '#1f8f7e',
  4: '#7d3c98',
  5: '#117a65',
};

/** Fill colours of the server's grid kinds; any other kind falls back to KIND_FALLBACK. */
export const KIND_COLORS: Record<string, string> = {
  residential: '#e8a33d',
  scattered: '#9c7a4f',
  commercial: '#d1495b',
  other: '#8d99ae',
};
export const KIND_FALLBACK = '#b7b1a6';

export const GRID_LEVELS = LEVELS;
export const gridFillLayer = (level: number) => `grids-fill-${level}`;
export const gridLineLayer = (level: number) => `grids-line-${level}`;
export const selectedLineLayer = (level: number) => `grid-selected-line-${level}`;
export const selectedFillLayer = (level: number) => `grid-selected-fill-${level}`;
export const hoverLayer = (level: number) => `grid-hover-line-${level}`;
export const GRID_FILL_LAYERS = LEVELS.map(gridFillLayer);

/** GeoJSON overlays of the editor (true geometry from the API, never from tiles). */
export const EDIT_SOURCES = {
  /** Coverage problems of a proposed edit. */
  problems: 'edit-problems',
  /** The other version of a grid after a stale edit (dashed). */
  conflict: 'edit-conflict',
  /** Neighbours that move along with a shared vertex, as they will be after saving. */
  context: 'edit-context',
} as const;

const NOTHING = -1;

/** GeoJSON source of the coverage audit's problems (the "覆盖检查" panel). */
export const COVERAGE_SOURCE = 'coverage-problems';
export const COVERAGE_FILL_LAYER = 'coverage-fill';
export const COVERAGE_LAYERS = ['coverage-fill', 'coverage-line', 'coverage-outline', 'coverage-point', 'coverage-active'] as const;

/** Colour of each kind of coverage problem; other kinds fall back to COVERAGE_FALLBACK. */
export const COVERAGE_COLORS: Record<string, string> = {
  gap: '#e31a1c',
  overlap: '#c51b7d',
  outside_parent: '#6a3d9a',
  invalid_geometry: '#111111',
  duplicate_code: '#0571b0',
  malformed_code: '#0571b0',
  code_prefix: '#0571b0',
  bad_parent: '#0571b0',
  too_many_households: '#8c6d1f',
  too_few_households: '#8c6d1f',
  building_unassigned: '#d95f02',
  building_split: '#b15928',
};
export const COVERAGE_FALLBACK = '#555555';
/**
 * Kinds whose geometry is a whole grid (codes, households, parent): drawn as a
 * dashed outline, never filled, so they do not hide the grid under them.
 */
export const COVERAGE_OUTLINE_KINDS = [
  'duplicate_code',
  'malformed_code',
  'code_prefix',
  'bad_parent',
  'too_many_households',
  'too_few_households',
];

function coverageColor(): ExpressionSpecification {
  return ['match', ['get', 'kind'], ...Object.entries(COVERAGE_COLORS).flat(), COVERAGE_FALLBACK] as unknown as ExpressionSpecification;
}

function zoomWidth(pairs: [number, number][]): ExpressionSpecification {
  return ['interpolate', ['exponential', 1.6], ['zoom'], ...pairs.flat()] as ExpressionSpecification;
}

/** Road width by the tiles' `class` (major / minor / path). */
const roadWidth = (scale: number): ExpressionSpecification =>
  [
    'interpolate',
    ['exponential', 1.6],
    ['zoom'],
    13,
    ['*', scale, ['match', ['get', 'class'], 'major', 2.2, 'minor', 0.9, 0.4]],
    18,
    ['*', scale, ['match', ['get', 'class'], 'major', 24, 'minor', 12, 4]],
  ] as ExpressionSpecification;

const LINE_WIDTH: Record<number, [number, number][]> = {
  1: [[13, 2.4], [18, 5]],
  2: [[13, 1.2], [18, 2.8]],
  3: [[13, 0.5], [18, 1.4]],
  4: [[13, 0.4], [18, 1.1]],
  5: [[13, 0.3], [18, 0.9]],
};

const EMPTY_FC = { type: 'FeatureCollection' as const, features: [] };

function layers(): LayerSpecification[] {
  const g = SOURCES.grids.source;
  const vec = (s: { source: string; sourceLayer: string }) => ({ source: s.source, 'source-layer': s.sourceLayer });
  const grid = (level: number) => ({ source: g, 'source-layer': SOURCES.grids.sourceLayer(level) });
  const out: LayerSpecification[] = [
    { id: 'background', type: 'background', paint: { 'background-color': '#f4f2ed' } },
    { id: 'boundary-fill', type: 'fill', ...vec(SOURCES.boundary), paint: { 'fill-color': '#fbfaf7' } },
    {
      id: 'buildings-fill',
      type: 'fill',
      ...vec(SOURCES.buildings),
      paint: {
        'fill-color': '#dcd6cc',
        'fill-opacity': ['interpolate', ['linear'], ['zoom'], 13, 0.6, 16, 1],
      },
    },
    {
      id: 'buildings-outline',
      type: 'line',
      ...vec(SOURCES.buildings),
      minzoom: 15,
      paint: { 'line-color': '#c4bcaf', 'line-width': 0.6 },
    },
    {
      id: 'roads-path',
      type: 'line',
      ...vec(SOURCES.roads),
      filter: ['==', ['get', 'class'], 'path'],
      minzoom: 14.5,
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': '#c9c1b4', 'line-width': zoomWidth([[15, 0.6], [18, 2]]), 'line-dasharray': [2, 1.5] },
    },
    {
      id: 'roads-casing',
      type: 'line',
      ...vec(SOURCES.roads),
      filter: ['!=', ['get', 'class'], 'path'],
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': '#d3cbbd', 'line-width': roadWidth(1.25) },
    },
    {
      id: 'roads-fill',
      type: 'line',
      ...vec(SOURCES.roads),
      filter: ['!=', ['get', 'class'], 'path'],
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: {
        'line-color': ['match', ['get', 'class'], 'major', '#f6d49a', '#ffffff'],
        'line-width': roadWidth(1),
      },
    },
  ];
  // Fills from the deepest level up, so a click's topmost feature is the deepest grid.
  for (const level of [...LEVELS].reverse()) {
    out.push({
      id: gridFillLayer(level),
      type: 'fill',
      ...grid(level),
      paint: { 'fill-color': LEVEL_COLORS[level] ?? LEVEL_COLORS[3], 'fill-opacity': 0.12 },
    });
  }
  for (const level of LEVELS) {
    out.push({
      id: selectedFillLayer(level),
      type: 'fill',
      ...grid(level),
      filter: ['==', ['get', 'id'], NOTHING],
      paint: { 'fill-color': '#ffd23f', 'fill-opacity': 0.35 },
    });
  }
  for (const level of [...LEVELS].reverse()) {
    out.push({
      id: gridLineLayer(level),
      type: 'line',
      ...grid(level),
      layout: { 'line-join': 'round' },
      paint: {
        'line-color': LEVEL_COLORS[level] ?? LEVEL_COLORS[3],
        'line-width': zoomWidth(LINE_WIDTH[level]),
        'line-opacity': level >= 3 ? 0.9 : 1,
      },
    });
  }
  out.push({
    id: 'boundary-line',
    type: 'line',
    ...vec(SOURCES.boundary),
    layout: { 'line-join': 'round' },
    paint: { 'line-color': '#3b3a36', 'line-width': zoomWidth([[13, 1.6], [18, 3]]), 'line-dasharray': [4, 2] },
  });
  for (const level of LEVELS) {
    out.push({
      id: hoverLayer(level),
      type: 'line',
      ...grid(level),
      filter: ['==', ['get', 'id'], NOTHING],
      paint: { 'line-color': '#222222', 'line-width': 1.5, 'line-opacity': 0.7 },
    });
  }
  for (const level of LEVELS) {
    out.push({
      id: selectedLineLayer(level),
      type: 'line',
      ...grid(level),
      filter: ['==', ['get', 'id'], NOTHING],
      layout: { 'line-join': 'round' },
      paint: { 'line-color': '#e76f00', 'line-width': zoomWidth([[13, 3], [18, 6]]) },
    });
  }
  // Coverage problems over the grids (GeoJSON, from GET /api/v1/coverage?format=geojson).
  const polygonal = ['match', ['geometry-type'], ['Polygon', 'MultiPolygon'], true, false] as ExpressionSpecification;
  const outline = ['in', ['get', 'kind'], ['literal', COVERAGE_OUTLINE_KINDS]] as ExpressionSpecification;
  out.push(
    {
      id: 'coverage-fill',
      type: 'fill',
      source: COVERAGE_SOURCE,
      filter: ['all', polygonal, ['!', outline]] as FilterSpecification,
      paint: { 'fill-color': coverageColor(), 'fill-opacity': 0.5 },
    },
    {
      id: 'coverage-line',
      type: 'line',
      source: COVERAGE_SOURCE,
      filter: ['all', ['!=', ['geometry-type'], 'Point'], ['!', outline]] as FilterSpecification,
      layout: { 'line-join': 'round' },
      paint: { 'line-color': coverageColor(), 'line-width': zoomWidth([[13, 1.5], [18, 3]]) },
    },
    {
      id: 'coverage-outline',
      type: 'line',
      source: COVERAGE_SOURCE,
      filter: ['all', polygonal, outline] as FilterSpecification,
      layout: { 'line-join': 'round' },
      paint: { 'line-color': coverageColor(), 'line-width': zoomWidth([[13, 1.5], [18, 3]]), 'line-dasharray': [2, 1.5], 'line-opacity': 0.85 },
    },
    {
      id: 'coverage-point',
      type: 'circle',
      source: COVERAGE_SOURCE,
      filter: ['==', ['geometry-type'], 'Point'],
      paint: { 'circle-color': coverageColor(), 'circle-radius': 6, 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 1.5 },
    },
    {
      id: 'coverage-active',
      type: 'line',
      source: COVERAGE_SOURCE,
      filter: ['==', ['get', 'pid'], NOTHING],
      layout: { 'line-join': 'round' },
      paint: { 'line-color': '#111111', 'line-width': zoomWidth([[13, 2.5], [18, 5]]), 'line-opacity': 0.9 },
    },
  );
  // Editor overlays (GeoJSON, true geometry).
  out.push(
    {
      id: 'edit-context-line',
      type: 'line',
      source: EDIT_SOURCES.context,
      paint: { 'line-color': '#6a3d9a', 'line-width': 2.5, 'line-opacity': 0.9 },
    },
    {
      id: 'edit-problems-fill',
      type: 'fill',
      source: EDIT_SOURCES.problems,
      filter: ['match', ['geometry-type'], ['Polygon', 'MultiPolygon'], true, false],
      paint: { 'fill-color': '#e0002a', 'fill-opacity': 0.45 },
    },
    {
      id: 'edit-problems-line',
      type: 'line',
      source: EDIT_SOURCES.problems,
      paint: { 'line-color': '#b00020', 'line-width': 3 },
    },
    {
      id: 'edit-conflict-line',
      type: 'line',
      source: EDIT_SOURCES.conflict,
      paint: { 'line-color': '#0b5cad', 'line-width': 3, 'line-dasharray': [2, 2] },
    },
  );
  return out;
}

export function createMap(container: HTMLElement): MlMap {
  const style: StyleSpecification = {
    version: 8,
    name: 'gridd offline',
    sources: {
      ...vectorSources(),
      [COVERAGE_SOURCE]: { type: 'geojson', data: EMPTY_FC },
      [EDIT_SOURCES.problems]: { type: 'geojson', data: EMPTY_FC },
      [EDIT_SOURCES.conflict]: { type: 'geojson', data: EMPTY_FC },
      [EDIT_SOURCES.context]: { type: 'geojson', data: EMPTY_FC },
    },
    layers: layers(),
  };
  const map = new maplibregl.Map({
    container,
    style,
    center: [0, 0],
    zoom: 1,
    attributionControl: { compact: false, customAttribution: ATTRIBUTION },
    // No glyphs are needed: the style has no text layers. CJK labels would be
    // drawn from local fonts anyway.
    localIdeographFontFamily: "'Noto Sans CJK SC', 'Microsoft YaHei', 'PingFang SC', sans-serif",
    dragRotate: false,
    pitchWithRotate: false,
    maxPitch: 0,
  });
  map.touchZoomRotate.disableRotation();
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-right');
  return map;
}

/** Show the grids of one level or of all levels. */
export function setLevelMode(map: MlMap, mode: LevelMode): void {
  for (const level of LEVELS) {
    const visible = mode === 'all' || mode === level ? 'visible' : 'none';
    map.setLayoutProperty(gridFillLayer(level), 'visibility', visible);
    map.setLayoutProperty(gridLineLayer(level), 'visibility', visible);
    // All levels at once: tint mostly the deepest level, so nested fills do not
    // stack into a muddy grey; outlines carry the hierarchy.
    const opacity = mode === 'all' ? (level >= 3 ? 0.16 : level === 2 ? 0.05 : 0.03) : 0.28;
    map.setPaintProperty(gridFillLayer(level), 'fill-opacity', opacity);
  }
}

export function setFillMode(map: MlMap, mode: FillMode): void {
  for (const level of LEVELS) {
    let color: ExpressionSpecification | string;
    if (mode === 'level') {
      color = LEVEL_COLORS[level] ?? LEVEL_COLORS[3];
    } else {
      const pairs = Object.entries(KIND_COLORS).flat();
      color = ['match', ['coalesce', ['get', 'kind'], ''], ...pairs, KIND_FALLBACK] as unknown as ExpressionSpecification;
    }
    map.setPaintProperty(gridFillLayer(level), 'fill-color', color);
  }
}

/** Highlight one grid by a feature-id filter on the tile layers. */
export function setSelectedGrid(map: MlMap, id: number | null): void {
  const filter: FilterSpecification = ['==', ['get', 'id'], id ?? NOTHING];
  for (const level of LEVELS) {
    map.setFilter(selectedLineLayer(level), filter);
    map.setFilter(selectedFillLayer(level), filter);
  }
}

export function setHoverGrid(map: MlMap, id: number | null): void {
  for (const level of LEVELS) map.setFilter(hoverLayer(level), ['==', ['get', 'id'], id ?? NOTHING]);
}

/**
 * Hide some grids from the tile layers (the grids being edited: the editor
 * draws their true geometry instead), or show all again with an empty list.
 */
export function hideGrids(map: MlMap, ids: number[]): void {
  const filter: FilterSpecification | null = ids.length
    ? (['!', ['in', ['get', 'id'], ['literal', ids]]] as FilterSpecification)
    : null;
  for (const level of LEVELS) {
    map.setFilter(gridFillLayer(level), filter);
    map.setFilter(gridLineLayer(level), filter);
  }
}

export function setOverlay(map: MlMap, source: string, data: GeoJSON.FeatureCollection | GeoJSON.Feature): void {
  const s = map.getSource(source);
  if (s && s.type === 'geojson') (s as GeoJSONSource).setData(data);
}

/** Show or hide the coverage problems layer. */
export function setCoverageVisible(map: MlMap, visible: boolean): void {
  for (const id of COVERAGE_LAYERS) if (map.getLayer(id)) map.setLayoutProperty(id, 'visibility', visible ? 'visible' : 'none');
}

/** Outline one coverage problem (its `pid` property) in black, or none. */
export function setActiveProblem(map: MlMap, pid: number | null): void {
  if (map.getLayer('coverage-active')) map.setFilter('coverage-active', ['==', ['get', 'pid'], pid ?? NOTHING]);
}
