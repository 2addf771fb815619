// The MapLibre map: an offline style (plain background, buildings and roads
// from the product's own data), the grid layers, and the level / fill modes.

import maplibregl, {
  type ExpressionSpecification,
  type FilterSpecification,
  type LayerSpecification,
  type Map as MlMap,
  type StyleSpecification,
} from 'maplibre-gl';
import { ATTRIBUTION, SOURCES, emptySources } from './data';

export type LevelMode = 'all' | 1 | 2 | 3;
export type FillMode = 'level' | 'kind';

export const LEVEL_COLORS: Record<number, string> = {
  1: '#a63d57',
  2: '#2f6db5',
  3: '#1f8f7e',
};

/** Fill colours of the server's grid kinds; any other kind falls back to KIND_FALLBACK. */
export const KIND_COLORS: Record<string, string> = {
  residential: '#e8a33d',
  scattered: '#9c7a4f',
  commercial: '#d1495b',
  other: '#8d99ae',
};
export const KIND_FALLBACK = '#b7b1a6';

export const GRID_FILL_LAYER = 'grids-fill';
export const GRID_LINE_LAYERS = { 1: 'grids-line-1', 2: 'grids-line-2', 3: 'grids-line-3' } as const;
export const SELECTED_LINE_LAYER = 'grid-selected-line';
export const SELECTED_FILL_LAYER = 'grid-selected-fill';
export const HOVER_LAYER = 'grid-hover-line';

const NOTHING = -1;

function zoomWidth(pairs: [number, number][]): ExpressionSpecification {
  return ['interpolate', ['exponential', 1.6], ['zoom'], ...pairs.flat()] as ExpressionSpecification;
}

/** Road class from the OSM `highway` tag, for width and colour. */
const roadClass: ExpressionSpecification = [
  'match',
  ['get', 'highway'],
  ['motorway', 'trunk', 'motorway_link', 'trunk_link'],
  'major',
  ['primary', 'primary_link', 'secondary', 'secondary_link'],
  'main',
  ['tertiary', 'tertiary_link', 'unclassified', 'residential', 'living_street'],
  'minor',
  ['service', 'road', 'track', 'busway', 'bus_guideway'],
  'service',
  ['pedestrian'],
  'pedestrian',
  ['footway', 'path', 'cycleway', 'steps', 'bridleway', 'corridor', 'trail'],
  'path',
  'other',
];

function byClass(values: Record<string, number | string>, fallback: number | string): ExpressionSpecification {
  const out: unknown[] = ['match', roadClass];
  for (const [k, v] of Object.entries(values)) out.push(k, v);
  out.push(fallback);
  return out as ExpressionSpecification;
}

const roadWidth = (scale: number): ExpressionSpecification =>
  [
    'interpolate',
    ['exponential', 1.6],
    ['zoom'],
    13,
    ['*', scale, byClass({ major: 2.2, main: 1.8, minor: 0.9, service: 0.5, pedestrian: 0.6 }, 0.4)],
    18,
    ['*', scale, byClass({ major: 26, main: 20, minor: 12, service: 6, pedestrian: 7 }, 4)],
  ] as ExpressionSpecification;

const vehicular: FilterSpecification = ['match', roadClass, ['path', 'other'], false, true] as FilterSpecification;
const nonVehicular: FilterSpecification = ['match', roadClass, ['path', 'other'], true, false] as FilterSpecification;
const onlyLines: FilterSpecification = ['match', ['geometry-type'], ['LineString', 'MultiLineString'], true, false];

function layers(): LayerSpecification[] {
  const g = SOURCES.grids.source;
  return [
    { id: 'background', type: 'background', paint: { 'background-color': '#f4f2ed' } },
    {
      id: 'boundary-fill',
      type: 'fill',
      source: SOURCES.boundary.source,
      paint: { 'fill-color': '#fbfaf7' },
    },
    {
      id: 'buildings-fill',
      type: 'fill',
      source: SOURCES.buildings.source,
      paint: {
        'fill-color': '#dcd6cc',
        'fill-opacity': ['interpolate', ['linear'], ['zoom'], 13, 0.6, 16, 1],
      },
    },
    {
      id: 'buildings-outline',
      type: 'line',
      source: SOURCES.buildings.source,
      minzoom: 15,
      paint: { 'line-color': '#c4bcaf', 'line-width': 0.6 },
    },
    {
      id: 'roads-path',
      type: 'line',
      source: SOURCES.roads.source,
      filter: ['all', onlyLines, nonVehicular] as FilterSpecification,
      minzoom: 14.5,
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: {
        'line-color': '#c9c1b4',
        'line-width': zoomWidth([
          [15, 0.6],
          [18, 2],
        ]),
        'line-dasharray': [2, 1.5],
      },
    },
    {
      id: 'roads-casing',
      type: 'line',
      source: SOURCES.roads.source,
      filter: ['all', onlyLines, vehicular] as FilterSpecification,
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': '#d3cbbd', 'line-width': roadWidth(1.25) },
    },
    {
      id: 'roads-fill',
      type: 'line',
      source: SOURCES.roads.source,
      filter: ['all', onlyLines, vehicular] as FilterSpecification,
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: {
        'line-color': byClass({ major: '#f6d49a', main: '#fbe7bf' }, '#ffffff'),
        'line-width': roadWidth(1),
      },
    },
    {
      id: GRID_FILL_LAYER,
      type: 'fill',
      source: g,
      paint: { 'fill-color': LEVEL_COLORS[3], 'fill-opacity': 0.12 },
    },
    {
      id: SELECTED_FILL_LAYER,
      type: 'fill',
      source: g,
      filter: ['==', ['get', 'id'], NOTHING],
      paint: { 'fill-color': '#ffd23f', 'fill-opacity': 0.35 },
    },
    {
      id: GRID_LINE_LAYERS[3],
      type: 'line',
      source: g,
      filter: ['==', ['get', 'level'], 3],
      layout: { 'line-join': 'round' },
      paint: { 'line-color': LEVEL_COLORS[3], 'line-width': zoomWidth([[13, 0.5], [18, 1.4]]), 'line-opacity': 0.9 },
    },
    {
      id: GRID_LINE_LAYERS[2],
      type: 'line',
      source: g,
      filter: ['==', ['get', 'level'], 2],
      layout: { 'line-join': 'round' },
      paint: { 'line-color': LEVEL_COLORS[2], 'line-width': zoomWidth([[13, 1.2], [18, 2.8]]) },
    },
    {
      id: GRID_LINE_LAYERS[1],
      type: 'line',
      source: g,
      filter: ['==', ['get', 'level'], 1],
      layout: { 'line-join': 'round' },
      paint: { 'line-color': LEVEL_COLORS[1], 'line-width': zoomWidth([[13, 2.4], [18, 5]]) },
    },
    {
      id: 'boundary-line',
      type: 'line',
      source: SOURCES.boundary.source,
      layout: { 'line-join': 'round' },
      paint: {
        'line-color': '#3b3a36',
        'line-width': zoomWidth([[13, 1.6], [18, 3]]),
        'line-dasharray': [4, 2],
      },
    },
    {
      id: HOVER_LAYER,
      type: 'line',
      source: g,
      filter: ['==', ['get', 'id'], NOTHING],
      paint: { 'line-color': '#222222', 'line-width': 1.5, 'line-opacity': 0.7 },
    },
    {
      id: SELECTED_LINE_LAYER,
      type: 'line',
      source: g,
      filter: ['==', ['get', 'id'], NOTHING],
      layout: { 'line-join': 'round' },
      paint: { 'line-color': '#e76f00', 'line-width': zoomWidth([[13, 3], [18, 6]]) },
    },
  ];
}

export function createMap(container: HTMLElement): MlMap {
  const style: StyleSpecification = {
    version: 8,
    name: 'gridd offline',
    sources: emptySources(),
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
  const filter: FilterSpecification = mode === 'all' ? ['has', 'level'] : ['==', ['get', 'level'], mode];
  map.setFilter(GRID_FILL_LAYER, filter);
  for (const level of [1, 2, 3] as const) {
    const visible = mode === 'all' || mode === level;
    map.setLayoutProperty(GRID_LINE_LAYERS[level], 'visibility', visible ? 'visible' : 'none');
  }
  // All levels at once: tint mostly the deepest level, so nested fills do not
  // stack into a muddy grey; outlines carry the hierarchy.
  const opacity: ExpressionSpecification | number =
    mode === 'all' ? ['match', ['get', 'level'], 3, 0.16, 2, 0.05, 0.03] : 0.28;
  map.setPaintProperty(GRID_FILL_LAYER, 'fill-opacity', opacity);
}

export function setFillMode(map: MlMap, mode: FillMode): void {
  let color: ExpressionSpecification;
  if (mode === 'level') {
    color = ['match', ['get', 'level'], 1, LEVEL_COLORS[1], 2, LEVEL_COLORS[2], LEVEL_COLORS[3]];
  } else {
    const pairs = Object.entries(KIND_COLORS).flat();
    color = ['match', ['coalesce', ['get', 'kind'], ''], ...pairs, KIND_FALLBACK] as unknown as ExpressionSpecification;
  }
  map.setPaintProperty(GRID_FILL_LAYER, 'fill-color', color);
}

export function setSelectedGrid(map: MlMap, id: number | null): void {
  const filter: FilterSpecification = ['==', ['get', 'id'], id ?? NOTHING];
  map.setFilter(SELECTED_LINE_LAYER, filter);
  map.setFilter(SELECTED_FILL_LAYER, filter);
}

export function setHoverGrid(map: MlMap, id: number | null): void {
  map.setFilter(HOVER_LAYER, ['==', ['get', 'id'], id ?? NOTHING]);
}
