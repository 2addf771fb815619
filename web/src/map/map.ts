// The map module every page shares: a MapLibre map on the server's style
// (style.ts), the app's interaction layers on top (coverage problems, the
// grid names as symbols (labels.ts), editor overlays), and hover / selection /
// hidden grids as feature state on the tiles' feature ids (the grid id).

import maplibregl, {
  type ExpressionSpecification,
  type FilterSpecification,
  type GeoJSONSource,
  type LayerSpecification,
  type Map as MlMap,
  type PointLike,
  type StyleSpecification,
} from 'maplibre-gl';
import { ApiError, type BBox, type GridFeature, type GridSummary } from '../api';
import { ATTRIBUTION, SOURCES } from './data';
import { labelFont } from './fonts';
import { GRID_LABEL_LAYERS, GRID_LABEL_SOURCE, gridLabelLayers, gridLabelPoints, LABEL_LEVELS, labelZoomRange } from './labels';
import { LEVELS, kindFill, patchServerStyle, serverLayer, type GridState, type StyleFacts } from './style';

export type LevelMode = 'all' | 1 | 2 | 3;
export type FillMode = 'level' | 'kind';

/** GeoJSON overlays of the editor (true geometry from the API, never from tiles). */
export const EDIT_SOURCES = {
  /** Coverage problems of a proposed edit. */
  problems: 'edit-problems',
  /** The other version of a grid after a stale edit (dashed). */
  conflict: 'edit-conflict',
  /** Neighbours that move along with a shared vertex, as they will be after saving. */
  context: 'edit-context',
} as const;

/** GeoJSON source of the coverage audit's problems (the "覆盖检查" panel). */
export const COVERAGE_SOURCE = 'coverage-problems';
export const COVERAGE_LAYERS = ['coverage-fill', 'coverage-line', 'coverage-outline', 'coverage-point', 'coverage-active'] as const;
/** A GeoJSON source for a page's own features (e.g. the public page's grid). */
export const FOCUS_SOURCE = 'focus';

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

const NOTHING = -1;
const EMPTY_FC: GeoJSON.FeatureCollection = { type: 'FeatureCollection', features: [] };

function coverageColor(): ExpressionSpecification {
  return ['match', ['get', 'kind'], ...Object.entries(COVERAGE_COLORS).flat(), COVERAGE_FALLBACK] as unknown as ExpressionSpecification;
}

function zoomWidth(pairs: [number, number][]): ExpressionSpecification {
  return ['interpolate', ['exponential', 1.6], ['zoom'], ...pairs.flat()] as ExpressionSpecification;
}

/**
 * The app's interaction layers, drawn over the server's; `labels` (the grid
 * names) go over the coverage problems and under the editor's overlays (and
 * Terra Draw's layers, added on top later).
 */
function interactionLayers(labels: LayerSpecification[]): LayerSpecification[] {
  const polygonal = ['match', ['geometry-type'], ['Polygon', 'MultiPolygon'], true, false] as ExpressionSpecification;
  const outline = ['in', ['get', 'kind'], ['literal', COVERAGE_OUTLINE_KINDS]] as ExpressionSpecification;
  const widths = zoomWidth([
    [13, 1.5],
    [18, 3],
  ]);
  return [
    {
      id: 'focus-fill',
      type: 'fill',
      source: FOCUS_SOURCE,
      paint: { 'fill-color': '#e6007e', 'fill-opacity': 0.12 },
    },
    {
      id: 'focus-line',
      type: 'line',
      source: FOCUS_SOURCE,
      layout: { 'line-join': 'round' },
      paint: { 'line-color': '#e6007e', 'line-width': 3 },
    },
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
      paint: { 'line-color': coverageColor(), 'line-width': widths },
    },
    {
      id: 'coverage-outline',
      type: 'line',
      source: COVERAGE_SOURCE,
      filter: ['all', polygonal, outline] as FilterSpecification,
      layout: { 'line-join': 'round' },
      paint: { 'line-color': coverageColor(), 'line-width': widths, 'line-dasharray': [2, 1.5], 'line-opacity': 0.85 },
    },
    {
      id: 'coverage-point',
      type: 'circle',
      source: COVERAGE_SOURCE,
      filter: ['==', ['geometry-type'], 'Point'],
      paint: {
        'circle-color': coverageColor(),
        'circle-radius': 6,
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 1.5,
      },
    },
    {
      // One problem outlined: a filter on the GeoJSON's own `pid`, not a tile layer.
      id: 'coverage-active',
      type: 'line',
      source: COVERAGE_SOURCE,
      filter: ['==', ['get', 'pid'], NOTHING],
      layout: { 'line-join': 'round' },
      paint: {
        'line-color': '#111111',
        'line-width': zoomWidth([
          [13, 2.5],
          [18, 5],
        ]),
        'line-opacity': 0.9,
      },
    },
    ...labels,
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
      filter: polygonal as FilterSpecification,
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
  ];
}

/** The server's style, fetched relative to the page (the app may live under a prefix). */
export async function loadServerStyle(signal?: AbortSignal): Promise<StyleSpecification> {
  let res: Response;
  try {
    res = await fetch('styles/default.json', { headers: { Accept: 'application/json' }, signal });
  } catch (err) {
    throw new ApiError(String(err), 0, null, true);
  }
  if (!res.ok) throw new ApiError(`styles/default.json: HTTP ${res.status}`, res.status, null);
  return (await res.json()) as StyleSpecification;
}

/** A MapLibre map on the server's style with the app's interaction layers. */
export class GridMap {
  readonly map: MlMap;
  readonly facts: StyleFacts;
  /** Each level's fill-color as the (patched) style has it, for going back from the kind fill. */
  private readonly levelFill = new Map<number, unknown>();
  private readonly state = new Map<GridState, Set<number>>([
    ['selected', new Set()],
    ['hover', new Set()],
    ['hidden', new Set()],
  ]);
  /** Resolves once the style and the first tiles are there. */
  readonly ready: Promise<void>;

  constructor(container: HTMLElement, style: StyleSpecification, opts: { interactive?: boolean } = {}) {
    this.facts = patchServerStyle(style);
    style.sources = {
      ...style.sources,
      [COVERAGE_SOURCE]: { type: 'geojson', data: EMPTY_FC },
      [EDIT_SOURCES.problems]: { type: 'geojson', data: EMPTY_FC },
      [EDIT_SOURCES.conflict]: { type: 'geojson', data: EMPTY_FC },
      [EDIT_SOURCES.context]: { type: 'geojson', data: EMPTY_FC },
      [FOCUS_SOURCE]: { type: 'geojson', data: EMPTY_FC },
      [GRID_LABEL_SOURCE]: { type: 'geojson', data: EMPTY_FC },
    };
    // The grid names need the server's glyphs; without them there are none.
    style.layers = [...style.layers, ...interactionLayers(gridLabelLayers(labelFont(style)))];
    for (const level of LEVELS) {
      const fill = style.layers.find((l) => l.id === serverLayer.gridFill(level)) as { paint?: Record<string, unknown> } | undefined;
      if (fill?.paint) this.levelFill.set(level, fill.paint['fill-color']);
    }
    const center = style.center ?? [0, 0];
    this.map = new maplibregl.Map({
      container,
      style,
      center,
      zoom: style.zoom ?? 1,
      attributionControl: { compact: false, customAttribution: ATTRIBUTION },
      // Text layers use the server's glyphs (CJK included) when the style has them; else CJK would come from local fonts.
      localIdeographFontFamily: style.glyphs ? false : "'Noto Sans CJK SC', 'Microsoft YaHei', 'PingFang SC', sans-serif",
      dragRotate: false,
      pitchWithRotate: false,
      maxPitch: 0,
      interactive: opts.interactive ?? true,
    });
    this.map.touchZoomRotate.disableRotation();
    this.map.keyboard.disableRotation();
    this.map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
    this.map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-right');
    this.ready = new Promise((resolve) => {
      if (this.map.loaded()) resolve();
      else void this.map.once('load', () => resolve());
    });
  }

  /** Create the map once the server's style has arrived. */
  static async create(container: HTMLElement, opts: { interactive?: boolean } = {}): Promise<GridMap> {
    return new GridMap(container, await loadServerStyle(), opts);
  }

  /** Set once removed: a late answer (e.g. of a call refused when the session ended) then changes nothing. */
  private removed = false;

  remove(): void {
    this.removed = true;
    this.map.remove();
  }

  /** Colour of a level's outline, as the server's style draws it. */
  levelColor(level: number): string {
    return this.facts.levelColors[level] ?? '#555555';
  }

  private setState(key: GridState, ids: Iterable<number>): void {
    const map = this.map;
    const next = new Set(ids);
    const prev = this.state.get(key)!;
    const source = SOURCES.grids.source;
    if (this.removed || !map.getSource(source)) return;
    for (const id of prev) {
      if (next.has(id)) continue;
      for (const level of LEVELS) map.setFeatureState({ source, sourceLayer: SOURCES.grids.sourceLayer(level), id }, { [key]: false });
    }
    for (const id of next) {
      if (prev.has(id)) continue;
      for (const level of LEVELS) map.setFeatureState({ source, sourceLayer: SOURCES.grids.sourceLayer(level), id }, { [key]: true });
    }
    this.state.set(key, next);
  }

  /** Highlight one grid (feature state `selected`), or none. */
  select(id: number | null): void {
    this.setState('selected', id === null ? [] : [id]);
  }

  hover(id: number | null): void {
    this.setState('hover', id === null ? [] : [id]);
  }

  /** Hide grids from the tile layers (the grids being edited: the editor draws their true geometry). */
  hide(ids: number[]): void {
    this.setState('hidden', ids);
  }

  /** Show the grids of one level or of all levels (their names too, at the zooms that level mode names them). */
  setLevelMode(mode: LevelMode): void {
    for (const level of LEVELS) {
      const visible = mode === 'all' || mode === level ? 'visible' : 'none';
      for (const id of [serverLayer.gridFill(level), serverLayer.gridLine(level)]) {
        if (this.map.getLayer(id)) this.map.setLayoutProperty(id, 'visibility', visible);
      }
    }
    for (const level of LABEL_LEVELS) {
      const id = GRID_LABEL_LAYERS[level];
      if (!this.map.getLayer(id)) continue;
      const range = labelZoomRange(level, mode);
      this.map.setLayoutProperty(id, 'visibility', range ? 'visible' : 'none');
      if (range) this.map.setLayerZoomRange(id, range[0], range[1]);
    }
  }

  /** Name these grids on the map (the L1 and L2 ones among them; none: no names). */
  setGridLabels(grids: readonly Pick<GridFeature, 'geometry' | 'properties'>[]): void {
    this.setOverlay(GRID_LABEL_SOURCE, gridLabelPoints(grids));
  }

  setFillMode(mode: FillMode): void {
    for (const level of LEVELS) {
      const id = serverLayer.gridFill(level);
      if (!this.map.getLayer(id)) continue;
      const color = mode === 'kind' ? kindFill(this.facts.kindColors) : this.levelFill.get(level);
      this.map.setPaintProperty(id, 'fill-color', color);
    }
  }

  /** The grid fill layers now shown (for picking). */
  visibleFillLayers(): string[] {
    return LEVELS.map(serverLayer.gridFill).filter((l) => this.map.getLayer(l) && this.map.getLayoutProperty(l, 'visibility') !== 'none');
  }

  /** The grid under a point; where levels overlap, the deepest visible one. */
  pickGrid(point: PointLike): GridSummary | null {
    const layers = this.visibleFillLayers();
    if (!layers.length) return null;
    let best: GridSummary | null = null;
    for (const f of this.map.queryRenderedFeatures(point, { layers })) {
      const props = { ...(f.properties as GridSummary), id: Number(f.properties?.id ?? f.id) };
      if (!best || Number(props.level) > Number(best.level)) best = props;
    }
    return best;
  }

  setOverlay(source: string, data: GeoJSON.FeatureCollection | GeoJSON.Feature): void {
    if (this.removed) return;
    const s = this.map.getSource(source);
    if (s && s.type === 'geojson') (s as GeoJSONSource).setData(data);
  }

  /** Show or hide the coverage problems layer. */
  setCoverageVisible(visible: boolean): void {
    if (this.removed) return;
    for (const id of COVERAGE_LAYERS) {
      if (this.map.getLayer(id)) this.map.setLayoutProperty(id, 'visibility', visible ? 'visible' : 'none');
    }
  }

  /** Outline one coverage problem (its `pid` property) in black, or none. */
  setActiveProblem(pid: number | null): void {
    if (this.removed) return;
    if (this.map.getLayer('coverage-active')) this.map.setFilter('coverage-active', ['==', ['get', 'pid'], pid ?? NOTHING]);
  }

  fitBBox(bb: BBox, opts: maplibregl.FitBoundsOptions = {}): void {
    this.map.fitBounds(
      [
        [bb[0], bb[1]],
        [bb[2], bb[3]],
      ],
      opts,
    );
  }
}
