// The open cases on the shared map, from the server's case tiles
// (GET /api/v1/case-tiles/{z}/{x}/{y}.mvt, one layer `cases`; behind the
// sign-in, the session cookie goes with MapLibre's same-origin requests). From
// zoom 15 each open case is a point coloured by stage, or red when past its
// deadline and orange within two hours of it, with its number as a label; below
// it the server clusters them (`cluster`, `count`, `overdue`, `near`, `due` the
// worst), drawn sized by count with the count on it. An overdue case or cluster
// pulses: a circle layer whose radius and opacity a timer sets a few times a
// second (paint only, no HTML markers). The case open in the drawer is ringed, and the place of a
// report being made is marked.
//
// The tiles change with every step (the server drops the changed ones before a
// write answers) and with the clock (a case turning near or overdue): the
// source is fetched again on every feed event and every few seconds, at most
// once per RELOAD_MS, by a new `?v=` on its tile address (the route ignores
// `v`).
//
// The board's filters but the text search go on the tile address too
// (`?stage=&category=&source=&grid=&department=&overdue=&since=`, as GET
// /cases names them): the server draws and clusters only the cases that pass,
// so a cluster's count is what the board would list. The text search is the
// board's alone: for it the points are kept to the board's ids, but the
// clusters ignore it (they count every case passing the other filters).

import {
  type ExpressionSpecification,
  type FilterSpecification,
  type GeoJSONSource,
  type MapMouseEvent,
  type VectorTileSource,
} from 'maplibre-gl';
import type maplibregl from 'maplibre-gl';
import type { Case } from '../../api';
import { labelFont } from '../../map/fonts';
import type { GridMap } from '../../map/map';
import { type CaseTileFilters, type Due } from './model';

export const CASES_SOURCE = 'cases';
/** The layer of the case tiles. */
export const CASES_SOURCE_LAYER = 'cases';
export const CASE_TILES_PATH = '/api/v1/case-tiles/{z}/{x}/{y}.mvt';
/** From this zoom the tiles hold one point per case (server/src/case_map). */
export const POINTS_FROM = 15;
/** The tiles are the same above this zoom (points only): drawn overzoomed. */
const TILES_MAXZOOM = 16;
/** At most one reload of the tiles per this long. */
export const RELOAD_MS = 300;
/** The tiles are fetched again this often anyway (the clock turns cases near and overdue). */
const PERIODIC_MS = 5000;
/** One step of the pulse (its radius and opacity are set this often). */
const PULSE_STEP_MS = 200;
const PULSE_PERIOD_MS = 1600;

export const CASE_LAYERS = {
  pulse: 'cases-pulse',
  cluster: 'cases-cluster',
  clusterCount: 'cases-cluster-count',
  halo: 'cases-halo',
  dot: 'cases-dot',
  label: 'cases-label',
  selected: 'cases-selected',
  draft: 'cases-draft',
} as const;
const DRAFT_SOURCE = 'cases-draft';

/** The colour of each stage (red and orange are kept for overdue and near the deadline). */
export const STAGE_COLORS: Record<string, string> = {
  reported: '#7a5af8',
  filed: '#2e6fd0',
  dispatched: '#0e9384',
  handling: '#3b7d23',
  result_reported: '#8a6a00',
  deferred: '#667085',
  closed: '#1f7a33',
  evaluated: '#1f7a33',
  explained: '#475467',
  refused: '#475467',
  merged: '#475467',
};
export const DUE_COLORS: Record<'overdue' | 'near', string> = { overdue: '#d92d20', near: '#f79009' };
const OTHER_COLOR = '#555555';
const CLUSTER_COLOR = '#2e6fd0';

/** The colour a case is drawn in now. */
export function caseColor(c: Pick<Case, 'stage'>, due: Due): string {
  if (due === 'overdue' || due === 'near') return DUE_COLORS[due];
  return STAGE_COLORS[c.stage] ?? OTHER_COLOR;
}

/** The same as a MapLibre expression over a tile's point (`due`, `stage`). */
export function caseColorExpression(): ExpressionSpecification {
  const stages = Object.entries(STAGE_COLORS).flat();
  return [
    'match',
    ['get', 'due'],
    'overdue',
    DUE_COLORS.overdue,
    'near',
    DUE_COLORS.near,
    ['match', ['get', 'stage'], ...stages, OTHER_COLOR],
  ] as unknown as ExpressionSpecification;
}

/** The order the tile filters are written in (the address of the same filters is always the same). */
const TILE_FILTER_KEYS = ['stage', 'category', 'source', 'grid', 'department', 'overdue', 'since', 'until'] as const;

/**
 * The tile address: the board's filters the tiles take (model.ts
 * `tileFilters`, in a fixed order, empty ones left out), then a version: a new
 * version makes MapLibre fetch every tile again (the route ignores `v`).
 */
export function caseTilesUrl(origin: string, version: number, filters: CaseTileFilters = {}): string {
  const q = new URLSearchParams();
  for (const k of TILE_FILTER_KEYS) {
    const v = filters[k];
    if (v === undefined || v === null || v === '') continue;
    q.set(k, String(v));
  }
  q.set('v', String(version));
  return `${origin}${CASE_TILES_PATH}?${q.toString()}`;
}

/**
 * When to reload next, given the last reload and now (ms): now when the last
 * was at least `gap` ago, else at its end (a throttle that never drops the last
 * call).
 */
export function nextReloadAt(last: number, now: number, gap = RELOAD_MS): number {
  return Math.max(now, last + gap);
}

/** The pulse at a phase (0–1): its radius (px) and opacity. */
export function pulseAt(phase: number): { radius: number; opacity: number } {
  const p = phase - Math.floor(phase);
  return { radius: 10 + 16 * p, opacity: 0.6 * (1 - p) };
}

const EMPTY: GeoJSON.FeatureCollection = { type: 'FeatureCollection', features: [] };
const NONE = -1;
const IS_CLUSTER: ExpressionSpecification = ['==', ['get', 'cluster'], true];
const IS_POINT: ExpressionSpecification = ['!=', ['get', 'cluster'], true];

type Picked = MapMouseEvent & { features?: maplibregl.MapGeoJSONFeature[] };

export class CaseLayers {
  private selected = NONE;
  private ready = false;
  private version = 0;
  private lastReload = 0;
  private reloadTimer: ReturnType<typeof setTimeout> | null = null;
  private periodic: ReturnType<typeof setInterval> | null = null;
  private pulseTimer: ReturnType<typeof setInterval> | null = null;
  /** The ids the board shows when a filter is on (null: all). */
  private only: number[] | null = null;
  /** The board's filters the tiles take (the clusters count only what passes them). */
  private tileQuery: CaseTileFilters = {};

  constructor(
    private readonly gm: GridMap,
    /** A case's dot was clicked. */
    private readonly onPick: (c: { id: number; number: string }) => void,
    /** Whether a click on the map is taken by something else now (a report being placed). */
    private readonly busy: () => boolean,
  ) {}

  /** Add the source and layers (once the style has loaded). */
  install(): void {
    const map = this.gm.map;
    map.addSource(CASES_SOURCE, {
      type: 'vector',
      tiles: [caseTilesUrl(location.origin, this.version, this.tileQuery)],
      minzoom: 0,
      maxzoom: TILES_MAXZOOM,
    });
    map.addSource(DRAFT_SOURCE, { type: 'geojson', data: EMPTY });
    const font = labelFont(map.getStyle());
    const radius = (small: number, large: number) =>
      ['interpolate', ['linear'], ['zoom'], 12, small, 17, large] as unknown as ExpressionSpecification;
    const src = { source: CASES_SOURCE, 'source-layer': CASES_SOURCE_LAYER } as const;
    const still = pulseAt(0.35);
    map.addLayer({
      id: CASE_LAYERS.pulse,
      type: 'circle',
      ...src,
      filter: ['==', ['get', 'due'], 'overdue'],
      paint: {
        'circle-color': 'rgba(0,0,0,0)',
        'circle-stroke-color': DUE_COLORS.overdue,
        'circle-stroke-width': 3,
        'circle-radius': still.radius,
        'circle-stroke-opacity': still.opacity,
      },
    });
    map.addLayer({
      id: CASE_LAYERS.cluster,
      type: 'circle',
      ...src,
      filter: IS_CLUSTER,
      paint: {
        'circle-color': ['match', ['get', 'due'], 'overdue', DUE_COLORS.overdue, 'near', DUE_COLORS.near, CLUSTER_COLOR],
        'circle-opacity': 0.85,
        'circle-radius': ['interpolate', ['linear'], ['get', 'count'], 1, 11, 10, 15, 100, 22, 1000, 30],
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 2,
      },
    });
    if (font)
      map.addLayer({
        id: CASE_LAYERS.clusterCount,
        type: 'symbol',
        ...src,
        filter: IS_CLUSTER,
        layout: {
          'text-field': ['to-string', ['get', 'count']],
          'text-font': font,
          'text-size': 12,
          'text-allow-overlap': true,
          'text-ignore-placement': true,
        },
        paint: { 'text-color': '#ffffff' },
      });
    map.addLayer({
      id: CASE_LAYERS.halo,
      type: 'circle',
      ...src,
      filter: this.pointFilter(['in', ['get', 'due'], ['literal', ['overdue', 'near']]]),
      paint: { 'circle-color': caseColorExpression(), 'circle-opacity': 0.25, 'circle-radius': radius(10, 16) },
    });
    map.addLayer({
      id: CASE_LAYERS.dot,
      type: 'circle',
      ...src,
      filter: this.pointFilter(),
      paint: {
        'circle-color': caseColorExpression(),
        'circle-radius': radius(5, 9),
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 2,
      },
    });
    if (font)
      map.addLayer({
        id: CASE_LAYERS.label,
        type: 'symbol',
        ...src,
        minzoom: POINTS_FROM,
        filter: this.pointFilter(),
        layout: {
          'text-field': ['get', 'number'],
          'text-font': font,
          'text-size': 11,
          'text-anchor': 'top',
          'text-offset': [0, 0.9],
          'text-optional': true,
        },
        paint: { 'text-color': '#1d2939', 'text-halo-color': '#ffffff', 'text-halo-width': 1.5 },
      });
    map.addLayer({
      id: CASE_LAYERS.selected,
      type: 'circle',
      ...src,
      filter: this.selectedFilter(),
      paint: {
        'circle-color': 'rgba(0,0,0,0)',
        'circle-radius': radius(10, 15),
        'circle-stroke-color': '#111111',
        'circle-stroke-width': 3,
      },
    });
    map.addLayer({
      id: CASE_LAYERS.draft,
      type: 'circle',
      source: DRAFT_SOURCE,
      paint: {
        'circle-color': '#e6007e',
        'circle-radius': 8,
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 3,
      },
    });
    map.on('click', CASE_LAYERS.dot, this.onDot);
    map.on('click', CASE_LAYERS.cluster, this.onCluster);
    for (const layer of [CASE_LAYERS.dot, CASE_LAYERS.cluster]) {
      map.on('mouseenter', layer, this.onEnter);
      map.on('mouseleave', layer, this.onLeave);
    }
    this.ready = true;
    this.periodic = setInterval(() => this.reload(), PERIODIC_MS);
    this.startPulse();
  }

  /** Whether something drawn over the case layers is at the click (the analysis's hot spots): it takes the click. */
  private covered(e: Picked): boolean {
    const top = this.gm.map.queryRenderedFeatures(e.point)[0];
    return !!top && !(Object.values(CASE_LAYERS) as string[]).includes(top.layer.id);
  }

  private readonly onDot = (e: Picked) => {
    if (this.busy() || this.covered(e)) return;
    const f = e.features?.[0];
    if (f) this.onPick({ id: Number(f.id), number: String(f.properties.number) });
  };

  private readonly onCluster = (e: Picked) => {
    if (this.busy() || this.covered(e)) return;
    const f = e.features?.[0];
    if (!f || f.geometry.type !== 'Point') return;
    const map = this.gm.map;
    // Each zoom halves the cells: two steps in, but never short of the points.
    const zoom = Math.min(Math.max(map.getZoom() + 2, Math.min(POINTS_FROM, map.getZoom() + 3)), POINTS_FROM + 1);
    map.easeTo({ center: f.geometry.coordinates as [number, number], zoom, duration: 300 });
  };

  private readonly onEnter = () => {
    if (!this.busy()) this.gm.map.getCanvas().style.cursor = 'pointer';
  };

  private readonly onLeave = () => {
    if (!this.busy()) this.gm.map.getCanvas().style.cursor = '';
  };

  // Paint only, in steps: a few style changes a second (each one frame drawn),
  // not a frame-by-frame animation, which would keep a wall PC's map (software
  // GL at 1920×1080) drawing without a pause.
  private startPulse(): void {
    if (window.matchMedia?.('(prefers-reduced-motion: reduce)').matches) return;
    const t0 = performance.now();
    this.pulseTimer = setInterval(() => {
      if (!this.ready || document.hidden) return;
      const map = this.gm.map;
      // Not while the map is out of sight (the wall's other views).
      if (map.getContainer().checkVisibility?.({ checkVisibilityCSS: true }) === false) return;
      // Nothing overdue in view: the map is left still (no repaint for it). A query
      // while a tile is reloaded again before its last reload was placed can throw
      // ("feature index out of bounds", a MapLibre race: maplibre-gl-js #7752,
      // #8064): that step of the pulse is skipped.
      let overdueInView: boolean;
      try {
        overdueInView = map.queryRenderedFeatures({ layers: [CASE_LAYERS.pulse] }).length > 0;
      } catch {
        return;
      }
      if (!overdueInView) return;
      const { radius, opacity } = pulseAt((performance.now() - t0) / PULSE_PERIOD_MS);
      map.setPaintProperty(CASE_LAYERS.pulse, 'circle-radius', radius);
      map.setPaintProperty(CASE_LAYERS.pulse, 'circle-stroke-opacity', opacity);
    }, PULSE_STEP_MS);
  }

  /** The points' filter: not a cluster, passing the board's filters, and `extra`. */
  private pointFilter(extra?: ExpressionSpecification): FilterSpecification {
    const parts: ExpressionSpecification[] = [IS_POINT];
    if (this.only) parts.push(['in', ['id'], ['literal', this.only]] as unknown as ExpressionSpecification);
    if (extra) parts.push(extra);
    return ['all', ...parts] as FilterSpecification;
  }

  private selectedFilter(): FilterSpecification {
    return ['all', IS_POINT, ['==', ['id'], this.selected]] as FilterSpecification;
  }

  /**
   * The board's cases, as it filters them: with a filter on (`filtered`) only
   * their points are drawn. The tiles are filtered by the server too
   * (`setTileFilters`), but not by the text search, which only the board
   * knows: these ids keep the points to what the board lists, while the
   * clusters (below zoom 15) count every case that passes the other filters,
   * whatever the search says. What a case looks like comes from the tiles.
   */
  setCases(cases: readonly Case[], filtered: boolean): void {
    if (!this.ready) return;
    const only = filtered ? cases.map((c) => c.id).sort((a, b) => a - b) : null;
    if (JSON.stringify(only) === JSON.stringify(this.only)) return;
    this.only = only;
    const map = this.gm.map;
    map.setFilter(CASE_LAYERS.dot, this.pointFilter());
    map.setFilter(CASE_LAYERS.halo, this.pointFilter(['in', ['get', 'due'], ['literal', ['overdue', 'near']]]));
    if (map.getLayer(CASE_LAYERS.label)) map.setFilter(CASE_LAYERS.label, this.pointFilter());
    map.setFilter(CASE_LAYERS.pulse, [
      'any',
      ['all', IS_CLUSTER, ['==', ['get', 'due'], 'overdue']],
      this.pointFilter(['==', ['get', 'due'], 'overdue']),
    ] as FilterSpecification);
  }

  /**
   * The board's filters the tiles take (model.ts `tileFilters`): when they
   * change, the tiles are fetched again with them (a new address, as soon as
   * `reload` allows), so the clusters count only the cases that pass.
   */
  setTileFilters(q: CaseTileFilters): void {
    if (caseTilesUrl('', 0, q) === caseTilesUrl('', 0, this.tileQuery)) return;
    this.tileQuery = { ...q };
    this.reload();
  }

  /** The filters the tiles are asked with now (for the tests' hook). */
  tileFilters(): CaseTileFilters {
    return { ...this.tileQuery };
  }

  /** Fetch the tiles again (soon: at most once per RELOAD_MS; the timer reads the address when it fires, so the newest filters win). */
  reload(): void {
    if (!this.ready || this.reloadTimer) return;
    const wait = nextReloadAt(this.lastReload, Date.now()) - Date.now();
    this.reloadTimer = setTimeout(
      () => {
        this.reloadTimer = null;
        if (!this.ready) return;
        this.lastReload = Date.now();
        this.version += 1;
        (this.gm.map.getSource(CASES_SOURCE) as VectorTileSource | undefined)?.setTiles([
          caseTilesUrl(location.origin, this.version, this.tileQuery),
        ]);
      },
      Math.max(0, wait),
    );
  }

  /** Ring the case open in the drawer (or none). */
  select(id: number | null): void {
    this.selected = id ?? NONE;
    if (this.ready) this.gm.map.setFilter(CASE_LAYERS.selected, this.selectedFilter());
  }

  /** Mark where a report is being placed (or nowhere). */
  setDraft(at: [number, number] | null): void {
    if (!this.ready) return;
    const data: GeoJSON.FeatureCollection = at
      ? { type: 'FeatureCollection', features: [{ type: 'Feature', geometry: { type: 'Point', coordinates: at }, properties: {} }] }
      : EMPTY;
    (this.gm.map.getSource(DRAFT_SOURCE) as GeoJSONSource | undefined)?.setData(data);
  }

  /** The page is left: nothing is drawn any more (a late answer then changes nothing). */
  detach(): void {
    this.ready = false;
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    this.reloadTimer = null;
    if (this.periodic) clearInterval(this.periodic);
    if (this.pulseTimer) clearInterval(this.pulseTimer);
    this.periodic = this.pulseTimer = null;
  }

  /** How many overdue cases pulse on the map now (drawn points, and the overdue of drawn clusters; for the tests' hook). */
  pulsing(): number {
    if (!this.ready) return 0;
    const ids = new Set<string | number>();
    let inClusters = 0;
    for (const f of this.gm.map.queryRenderedFeatures({ layers: [CASE_LAYERS.pulse] })) {
      if (f.properties.cluster === true) inClusters += Number(f.properties.overdue) || 0;
      else if (f.id !== undefined) ids.add(f.id);
    }
    return ids.size + inClusters;
  }
}
