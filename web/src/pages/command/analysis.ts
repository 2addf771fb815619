// The command center's analysis maps (分析, issue 12), switched on from a
// panel over the map:
//
// - 每千户案件数: for every grid of a level (L1–L3), the cases reported in a
//   period (the last 7 / 30 / 90 days or from–to dates) per 1,000 of its
//   households, as a fill on the grid tiles' layer of that level keyed by
//   feature state on the tiles' feature id (the grid id): `a_class` (0–4,
//   -1 without a rate), `a_cases` and `a_rate` (-1 for none). Five classes of equal round
//   width (analysis-model.ts); grids without households hatched (无住户);
//   grids the caller may not read every case of are left unfilled. A tooltip
//   on hover (or a tap) gives the name, cases, households and rate.
// - 近 30 天热点: a heatmap of every case reported in the last 30 days (open
//   and finished) and the five hottest 100 m cells, each named by its L3
//   grid in the list and drawn on the map as a numbered dot (a circle and a
//   symbol layer over a GeoJSON source, the rank in the served glyphs; no HTML
//   markers), over the case layers; a click on one, in the list or on the
//   map, flies the map there.
//
// The figures come from the case list (GET /api/v1/cases, by `since` /
// `until`, paged by `before_id` at the largest page), the households and the
// grid tree from GET /api/v1/tree; see analysis-model.ts for what counts.
// The layers go below the case layers (layers.ts), the fills below the grid
// outlines of their level.

import maplibregl, { type ExpressionSpecification, type FilterSpecification, type GeoJSONSource, type MapMouseEvent } from 'maplibre-gl';
import { api, type Case } from '../../api';
import { currentUser } from '../../app/auth';
import { formatNumber, levelName, t, tf } from '../../i18n';
import { el } from '../../lib/dom';
import { SOURCES } from '../../map/data';
import { labelFont } from '../../map/fonts';
import type { GridMap } from '../../map/map';
import { serverLayer } from '../../map/style';
import {
  casesByGrid,
  classRanges,
  counts,
  dayString,
  DAY_SECS,
  departmentOnly,
  flattenTree,
  HOT_DAYS,
  hotSpots,
  mayRead,
  PAGE,
  MAX_PAGES,
  PERIOD_DAYS,
  periodRange,
  rateRows,
  readAll,
  trimmed,
  type GridInfo,
  type HotSpot,
  type Period,
  type RateRow,
} from './analysis-model';
import { wordProblem } from './format';
import { CASE_LAYERS } from './layers';

/** The classes' colours, light to dark (ColorBrewer YlOrRd, 5 classes). */
export const CLASS_COLORS = ['#ffffb2', '#fecc5c', '#fd8d3c', '#f03b20', '#bd0026'] as const;
export const ANALYSIS_LAYERS = {
  fill: 'analysis-rate-fill',
  hatch: 'analysis-rate-hatch',
  line: 'analysis-rate-line',
  heat: 'analysis-heat',
  /** The hot spots: a dot each, with its rank. */
  spot: 'analysis-hot-spot',
  spotRank: 'analysis-hot-rank',
} as const;
const HOT_SOURCE = 'analysis-hot';
const SPOT_SOURCE = 'analysis-hot-spots';
const SPOT_COLOR = '#b2182b';
const HATCH_IMAGE = 'analysis-hatch';
const LEVELS = [1, 2, 3] as const;
/** The figures of a period are read again after this long. */
const FRESH_MS = 60_000;
const STATE_KEYS = ['a_class', 'a_cases', 'a_rate'] as const;

type Loaded = { cases: Case[]; truncated: boolean };
type Status = 'off' | 'loading' | 'ready' | 'error';

const households = ['to-number', ['get', 'households'], 0] as unknown as ExpressionSpecification;
const klass = ['number', ['feature-state', 'a_class'], -1] as unknown as ExpressionSpecification;

/** An 8×8 diagonal hatch (grey on transparent), for the grids without households. */
function hatchImage(): { width: number; height: number; data: Uint8Array } {
  const size = 8;
  const data = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const on = (x + y) % size < 2;
      const i = (y * size + x) * 4;
      data.set(on ? [120, 120, 120, 200] : [200, 200, 200, 70], i);
    }
  }
  return { width: size, height: size, data };
}

export class Analysis {
  readonly root: HTMLDetailsElement;
  private gm: GridMap | null = null;
  private rateOn = false;
  private hotOn = false;
  private level = 3;
  private period: Period = { days: 30 };
  private rateStatus: Status = 'off';
  private hotStatus: Status = 'off';
  private rateProblem = '';
  private hotProblem = '';
  private grids: GridInfo[] | null = null;
  private gridsById = new Map<number, GridInfo>();
  private readonly cache = new Map<string, { at: number; data: Promise<Loaded> }>();
  private rows = new Map<number, RateRow>();
  private breaks: number[] = [];
  private rateInfo: { cases: number; truncated: boolean } | null = null;
  /** The level whose layers and feature state are on the map now. */
  private drawnLevel: number | null = null;
  /** The grids given feature state on that level. */
  private drawnIds: number[] = [];
  private spots: HotSpot[] = [];
  private hotTruncated = false;
  private popup: maplibregl.Popup | null = null;
  private rateSeq = 0;
  private hotSeq = 0;

  // The panel's parts, built once and relabelled.
  private readonly summary = el('summary', { className: 'legend-title' });
  private readonly rateBox = el('input', { type: 'checkbox', id: 'analysis-rate' });
  private readonly rateLabel = el('span');
  private readonly hotBox = el('input', { type: 'checkbox', id: 'analysis-hot' });
  private readonly hotLabel = el('span');
  private readonly levelSelect = el('select', { id: 'analysis-level' });
  private readonly levelLabel = el('span');
  private readonly periodSelect = el('select', { id: 'analysis-period' });
  private readonly periodLabel = el('span');
  private readonly fromInput = el('input', { type: 'date', id: 'analysis-from' });
  private readonly fromLabel = el('span');
  private readonly toInput = el('input', { type: 'date', id: 'analysis-to' });
  private readonly toLabel = el('span');
  private readonly rangeRow = el('div', { className: 'analysis-range', hidden: true });
  private readonly rateStatusEl = el('p', { className: 'analysis-status', id: 'analysis-rate-status' });
  private readonly legendEl = el('div', { className: 'analysis-legend', id: 'analysis-legend' });
  private readonly ratePanel = el('div', { className: 'analysis-section', id: 'analysis-rate-panel', hidden: true });
  private readonly hotStatusEl = el('p', { className: 'analysis-status', id: 'analysis-hot-status' });
  private readonly hotTitle = el('p', { className: 'analysis-sub' });
  private readonly hotList = el('ol', { className: 'analysis-hot-list', id: 'analysis-hot-list' });
  private readonly hotPanel = el('div', { className: 'analysis-section', id: 'analysis-hot-panel', hidden: true });

  constructor(private readonly busy: () => boolean = () => false) {
    this.root = el('details', { className: 'cmd-analysis', id: 'cmd-analysis' });
    this.rateStatusEl.setAttribute('role', 'status');
    this.hotStatusEl.setAttribute('role', 'status');
    const toggle = (box: HTMLInputElement, label: HTMLElement) => el('label', { className: 'analysis-toggle' }, box, label);
    const field = (label: HTMLElement, input: HTMLElement) => el('label', { className: 'analysis-field' }, label, input);
    for (const l of LEVELS) this.levelSelect.append(el('option', { value: String(l), selected: l === this.level }));
    for (const d of PERIOD_DAYS) this.periodSelect.append(el('option', { value: String(d), selected: d === 30 }));
    this.periodSelect.append(el('option', { value: 'range' }));
    this.rangeRow.append(field(this.fromLabel, this.fromInput), field(this.toLabel, this.toInput));
    this.ratePanel.append(
      el('div', { className: 'analysis-fields' }, field(this.levelLabel, this.levelSelect), field(this.periodLabel, this.periodSelect)),
      this.rangeRow,
      this.rateStatusEl,
      this.legendEl,
    );
    this.hotPanel.append(this.hotStatusEl, this.hotTitle, this.hotList);
    this.root.append(this.summary, toggle(this.rateBox, this.rateLabel), this.ratePanel, toggle(this.hotBox, this.hotLabel), this.hotPanel);
    this.rateBox.addEventListener('change', () => this.setRate(this.rateBox.checked));
    this.hotBox.addEventListener('change', () => this.setHot(this.hotBox.checked));
    this.levelSelect.addEventListener('change', () => {
      this.level = Number(this.levelSelect.value);
      void this.loadRate();
    });
    this.periodSelect.addEventListener('change', () => this.pickPeriod());
    for (const i of [this.fromInput, this.toInput]) i.addEventListener('change', () => this.pickPeriod());
    this.relabel();
  }

  /** The map is there (with the case layers): draw what is switched on. */
  attach(gm: GridMap): void {
    this.gm = gm;
    const map = gm.map;
    if (!map.hasImage(HATCH_IMAGE)) map.addImage(HATCH_IMAGE, hatchImage());
    map.addSource(HOT_SOURCE, { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
    map.addSource(SPOT_SOURCE, { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
    map.on('mousemove', this.onHover);
    map.on('click', this.onClick);
    map.on('mouseenter', ANALYSIS_LAYERS.spot, this.onSpotEnter);
    map.on('mouseleave', ANALYSIS_LAYERS.spot, this.onSpotLeave);
    map.getCanvas().addEventListener('mouseleave', this.hideTip);
    if (this.rateOn) void this.loadRate();
    if (this.hotOn) void this.loadHot();
  }

  /** The page is left: nothing is drawn any more. */
  detach(): void {
    const gm = this.gm;
    this.gm = null;
    this.rateSeq++;
    this.hotSeq++;
    this.hideTip();
    if (gm) {
      gm.map.off('mousemove', this.onHover);
      gm.map.off('click', this.onClick);
      gm.map.off('mouseenter', ANALYSIS_LAYERS.spot, this.onSpotEnter);
      gm.map.off('mouseleave', ANALYSIS_LAYERS.spot, this.onSpotLeave);
      gm.map.getCanvas().removeEventListener('mouseleave', this.hideTip);
    }
  }

  /** Texts in the current language. */
  relabel(): void {
    this.root.setAttribute('aria-label', t('cmd.analysis.aria'));
    this.summary.textContent = t('cmd.analysis.title');
    this.rateLabel.textContent = t('cmd.analysis.rate');
    this.hotLabel.textContent = t('cmd.analysis.hot');
    this.levelLabel.textContent = t('cmd.analysis.level');
    this.periodLabel.textContent = t('cmd.analysis.period');
    this.fromLabel.textContent = t('cmd.analysis.from');
    this.toLabel.textContent = t('cmd.analysis.to');
    for (const o of this.levelSelect.options) o.textContent = levelName(Number(o.value));
    for (const o of this.periodSelect.options)
      o.textContent = o.value === 'range' ? t('cmd.analysis.range') : tf('cmd.analysis.days', { n: o.value });
    this.hotTitle.textContent = t('cmd.analysis.hot.title');
    this.renderRate();
    this.renderHot();
    this.hideTip();
  }

  // ------------------------------------------------------------ loading

  /** Every case of a period (shared by both views; read again once stale). */
  private cases(key: string, range: { since: number; until?: number }): Promise<Loaded> {
    const known = this.cache.get(key);
    if (known && Date.now() - known.at < FRESH_MS) return known.data;
    const data = readAll((q) => api.cases(q), range);
    this.cache.set(key, { at: Date.now(), data });
    data.catch(() => this.cache.delete(key));
    return data;
  }

  private async gridList(): Promise<GridInfo[]> {
    if (!this.grids) {
      this.grids = flattenTree(await api.tree());
      this.gridsById = new Map(this.grids.map((g) => [g.id, g]));
    }
    return this.grids;
  }

  private pickPeriod(): void {
    const v = this.periodSelect.value;
    const range = v === 'range';
    this.rangeRow.hidden = !range;
    if (range) {
      const now = Date.now() / 1000;
      if (!this.fromInput.value) this.fromInput.value = dayString(now - (HOT_DAYS - 1) * DAY_SECS);
      if (!this.toInput.value) this.toInput.value = dayString(now);
      this.period = { from: this.fromInput.value, to: this.toInput.value };
    } else {
      this.period = { days: Number(v) };
    }
    void this.loadRate();
  }

  private setRate(on: boolean): void {
    this.rateOn = on;
    this.rateBox.checked = on;
    this.ratePanel.hidden = !on;
    if (on) void this.loadRate();
    else {
      this.rateSeq++;
      this.rateStatus = 'off';
      this.clearRate();
      this.renderRate();
    }
  }

  private setHot(on: boolean): void {
    this.hotOn = on;
    this.hotBox.checked = on;
    this.hotPanel.hidden = !on;
    if (on) void this.loadHot();
    else {
      this.hotSeq++;
      this.hotStatus = 'off';
      this.spots = [];
      this.drawHot([]);
      this.renderHot();
    }
  }

  private async loadRate(): Promise<void> {
    if (!this.rateOn) return;
    const seq = ++this.rateSeq;
    const now = Date.now() / 1000;
    const range = periodRange(this.period, now);
    if (!range) {
      this.rateStatus = 'error';
      this.rateProblem = t('cmd.analysis.badRange');
      this.clearRate();
      this.renderRate();
      return;
    }
    this.rateStatus = 'loading';
    this.renderRate();
    const key = 'days' in this.period ? `days:${this.period.days}` : `range:${range.since}:${range.until}`;
    try {
      const [grids, data] = await Promise.all([this.gridList(), this.cases(key, range)]);
      if (seq !== this.rateSeq || !this.gm) return;
      const grants = currentUser()?.grants ?? [];
      const { rows, breaks } = rateRows(grids, this.level, casesByGrid(data.cases), (g) => mayRead(grants, g));
      this.rows = new Map(rows.map((r) => [r.id, r]));
      this.breaks = breaks;
      this.rateInfo = { cases: data.cases.filter(counts).length, truncated: data.truncated };
      this.rateStatus = 'ready';
      this.drawRate();
    } catch (err) {
      if (seq !== this.rateSeq) return;
      this.rateStatus = 'error';
      this.rateProblem = tf('cmd.analysis.error', { detail: wordProblem(err).summary });
      this.clearRate();
    }
    this.renderRate();
  }

  private async loadHot(): Promise<void> {
    if (!this.hotOn) return;
    const seq = ++this.hotSeq;
    this.hotStatus = 'loading';
    this.renderHot();
    const range = periodRange({ days: HOT_DAYS }, Date.now() / 1000)!;
    try {
      const [data] = await Promise.all([this.cases(`days:${HOT_DAYS}`, range), this.gridList()]);
      if (seq !== this.hotSeq || !this.gm) return;
      this.spots = hotSpots(data.cases);
      this.hotTruncated = data.truncated;
      this.hotStatus = 'ready';
      this.drawHot(data.cases.filter(counts));
    } catch (err) {
      if (seq !== this.hotSeq) return;
      this.hotStatus = 'error';
      this.hotProblem = tf('cmd.analysis.error', { detail: wordProblem(err).summary });
      this.spots = [];
      this.drawHot([]);
    }
    this.renderHot();
  }

  // ------------------------------------------------------------ drawing

  /** The layer the choropleth goes below: its level's outlines, else the cases. */
  private below(level: number): string | undefined {
    const map = this.gm?.map;
    return [serverLayer.gridLine(level), CASE_LAYERS.halo].find((id) => map?.getLayer(id));
  }

  private drawRate(): void {
    const gm = this.gm;
    if (!gm) return;
    const map = gm.map;
    if (this.drawnLevel !== this.level) {
      this.clearRate();
      const sourceLayer = SOURCES.grids.sourceLayer(this.level);
      const source = SOURCES.grids.source;
      const before = this.below(this.level);
      const fillColor = ['match', klass, ...CLASS_COLORS.flatMap((c, i) => [i, c]), 'rgba(0,0,0,0)'] as unknown as ExpressionSpecification;
      map.addLayer(
        {
          id: ANALYSIS_LAYERS.fill,
          type: 'fill',
          source,
          'source-layer': sourceLayer,
          filter: ['>', households, 0] as FilterSpecification,
          paint: { 'fill-color': fillColor, 'fill-opacity': ['case', ['>=', klass, 0], 0.75, 0] as ExpressionSpecification },
        },
        before,
      );
      map.addLayer(
        {
          id: ANALYSIS_LAYERS.hatch,
          type: 'fill',
          source,
          'source-layer': sourceLayer,
          filter: ['<=', households, 0] as FilterSpecification,
          paint: { 'fill-pattern': HATCH_IMAGE, 'fill-opacity': 0.9 },
        },
        before,
      );
      map.addLayer(
        {
          id: ANALYSIS_LAYERS.line,
          type: 'line',
          source,
          'source-layer': sourceLayer,
          paint: { 'line-color': '#5f4b3a', 'line-width': 0.8, 'line-opacity': 0.7 },
        },
        before,
      );
      this.drawnLevel = this.level;
    }
    const target = (id: number) => ({ source: SOURCES.grids.source, sourceLayer: SOURCES.grids.sourceLayer(this.level), id });
    for (const r of this.rows.values()) {
      map.setFeatureState(target(r.id), { a_class: r.cls, a_cases: r.cases ?? -1, a_rate: r.rate ?? -1 });
    }
    this.drawnIds = [...this.rows.keys()];
  }

  /** Take the choropleth off the map (layers and feature state). */
  private clearRate(): void {
    this.hideTip();
    const map = this.gm?.map;
    if (!map) return;
    for (const id of [ANALYSIS_LAYERS.fill, ANALYSIS_LAYERS.hatch, ANALYSIS_LAYERS.line]) if (map.getLayer(id)) map.removeLayer(id);
    if (this.drawnLevel !== null && map.getSource(SOURCES.grids.source)) {
      const sourceLayer = SOURCES.grids.sourceLayer(this.drawnLevel);
      for (const id of this.drawnIds)
        for (const key of STATE_KEYS) map.removeFeatureState({ source: SOURCES.grids.source, sourceLayer, id }, key);
    }
    this.drawnLevel = null;
    this.drawnIds = [];
  }

  private drawHot(cases: readonly Case[]): void {
    const map = this.gm?.map;
    if (!map) return;
    const features: GeoJSON.Feature[] = cases.map((c) => ({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [c.lon, c.lat] },
      properties: { id: c.id },
    }));
    (map.getSource(HOT_SOURCE) as GeoJSONSource | undefined)?.setData({ type: 'FeatureCollection', features });
    const spots: GeoJSON.Feature[] = this.spots.map((s, i) => ({
      type: 'Feature',
      id: i + 1,
      geometry: { type: 'Point', coordinates: [s.lon, s.lat] },
      properties: { rank: i + 1, grid: s.grid ?? -1, count: s.count },
    }));
    (map.getSource(SPOT_SOURCE) as GeoJSONSource | undefined)?.setData({ type: 'FeatureCollection', features: spots });
    if (!this.hotOn) {
      for (const id of [ANALYSIS_LAYERS.spotRank, ANALYSIS_LAYERS.spot, ANALYSIS_LAYERS.heat]) if (map.getLayer(id)) map.removeLayer(id);
      return;
    }
    if (!map.getLayer(ANALYSIS_LAYERS.heat)) {
      map.addLayer(
        {
          id: ANALYSIS_LAYERS.heat,
          type: 'heatmap',
          source: HOT_SOURCE,
          paint: {
            'heatmap-weight': 1,
            'heatmap-intensity': ['interpolate', ['linear'], ['zoom'], 10, 0.6, 17, 2],
            'heatmap-radius': ['interpolate', ['linear'], ['zoom'], 10, 10, 14, 24, 17, 48],
            'heatmap-color': [
              'interpolate',
              ['linear'],
              ['heatmap-density'],
              0,
              'rgba(33,102,172,0)',
              0.2,
              '#67a9cf',
              0.4,
              '#d1e5f0',
              0.6,
              '#fddbc7',
              0.8,
              '#ef8a62',
              1,
              '#b2182b',
            ],
            'heatmap-opacity': 0.8,
          },
        },
        map.getLayer(CASE_LAYERS.halo) ? CASE_LAYERS.halo : undefined,
      );
    }
    // The spots over everything else the page draws (the case points included), as the list's numbers.
    if (!map.getLayer(ANALYSIS_LAYERS.spot))
      map.addLayer({
        id: ANALYSIS_LAYERS.spot,
        type: 'circle',
        source: SPOT_SOURCE,
        paint: {
          'circle-color': SPOT_COLOR,
          'circle-radius': 11,
          'circle-stroke-color': '#ffffff',
          'circle-stroke-width': 2,
        },
      });
    const font = labelFont(map.getStyle());
    if (font && !map.getLayer(ANALYSIS_LAYERS.spotRank))
      map.addLayer({
        id: ANALYSIS_LAYERS.spotRank,
        type: 'symbol',
        source: SPOT_SOURCE,
        layout: {
          'text-field': ['to-string', ['get', 'rank']],
          'text-font': font,
          'text-size': 12,
          // The rank belongs to its own dot: always drawn on it.
          'text-allow-overlap': true,
          'text-ignore-placement': true,
        },
        paint: { 'text-color': '#ffffff' },
      });
  }

  /** The hot spot drawn at a point of the map, if any. */
  private spotAt(point: maplibregl.PointLike): HotSpot | null {
    const map = this.gm?.map;
    if (!map?.getLayer(ANALYSIS_LAYERS.spot)) return null;
    const f = map.queryRenderedFeatures(point, { layers: [ANALYSIS_LAYERS.spot] })[0];
    return f ? (this.spots[Number(f.properties.rank) - 1] ?? null) : null;
  }

  private readonly onSpotEnter = () => {
    if (this.gm && !this.busy()) this.gm.map.getCanvas().style.cursor = 'pointer';
  };

  private readonly onSpotLeave = () => {
    if (this.gm && !this.busy()) this.gm.map.getCanvas().style.cursor = '';
  };

  private flyTo(s: HotSpot): void {
    const map = this.gm?.map;
    if (!map) return;
    map.flyTo({ center: [s.lon, s.lat], zoom: Math.max(map.getZoom(), 17), duration: 800 });
  }

  private spotName(s: HotSpot): string {
    return s.grid === null ? t('cmd.analysis.hot.noGrid') : (this.gridsById.get(s.grid)?.name ?? `#${s.grid}`);
  }

  // -------------------------------------------------------------- panel

  private renderRate(): void {
    this.root.dataset.rate = this.rateStatus;
    this.ratePanel.hidden = !this.rateOn;
    const notes: string[] = [];
    if (this.rateStatus === 'loading') notes.push(t('cmd.analysis.loading'));
    if (this.rateStatus === 'error') notes.push(this.rateProblem);
    if (this.rateStatus === 'ready' && this.rateInfo) {
      notes.push(tf('cmd.analysis.summary', { cases: formatNumber(this.rateInfo.cases), grids: formatNumber(this.rows.size) }));
      if (this.rateInfo.truncated) notes.push(tf('cmd.analysis.truncated', { n: formatNumber(PAGE * MAX_PAGES) }));
      notes.push(t('cmd.analysis.note'));
      if (departmentOnly(currentUser()?.grants ?? [])) notes.push(t('cmd.analysis.department'));
    }
    this.rateStatusEl.textContent = notes.join(' ');
    this.rateStatusEl.classList.toggle('error', this.rateStatus === 'error');
    if (this.rateStatus !== 'ready') {
      this.legendEl.replaceChildren();
      return;
    }
    const swatch = (cls: string, color?: string) => {
      const s = el('span', { className: `legend-swatch ${cls}`.trim() });
      if (color) s.style.background = color;
      return s;
    };
    const row = (key: string, sw: HTMLElement, label: string) =>
      el(
        'div',
        { className: 'legend-row', dataset: { class: key } },
        sw,
        el('span', { className: 'analysis-legend-label', textContent: label }),
      );
    const rows = classRanges(this.breaks).map((r, i) =>
      row(String(i), swatch('', CLASS_COLORS[i]), r.to === null ? `≥ ${trimmed(r.from)}` : `${trimmed(r.from)} – ${trimmed(r.to)}`),
    );
    rows.push(row('empty', swatch('analysis-hatch'), t('cmd.analysis.noHouseholds')));
    if ([...this.rows.values()].some((r) => r.status === 'hidden'))
      rows.push(row('hidden', swatch('analysis-none'), t('cmd.analysis.hidden')));
    this.legendEl.replaceChildren(el('div', { className: 'analysis-sub', textContent: t('cmd.analysis.legend') }), ...rows);
  }

  private renderHot(): void {
    this.root.dataset.hot = this.hotStatus;
    this.hotPanel.hidden = !this.hotOn;
    const notes: string[] = [];
    if (this.hotStatus === 'loading') notes.push(t('cmd.analysis.loading'));
    if (this.hotStatus === 'error') notes.push(this.hotProblem);
    if (this.hotStatus === 'ready') {
      if (!this.spots.length) notes.push(t('cmd.analysis.hot.none'));
      if (this.hotTruncated) notes.push(tf('cmd.analysis.truncated', { n: formatNumber(PAGE * MAX_PAGES) }));
    }
    this.hotStatusEl.textContent = notes.join(' ');
    this.hotStatusEl.hidden = !notes.length;
    this.hotStatusEl.classList.toggle('error', this.hotStatus === 'error');
    this.hotTitle.hidden = !this.spots.length;
    this.hotList.replaceChildren(
      ...this.spots.map((s, i) => {
        const name = this.spotName(s);
        const b = el('button', {
          type: 'button',
          className: 'analysis-hot-item',
          dataset: { rank: String(i + 1), grid: s.grid === null ? '' : String(s.grid), count: String(s.count) },
        });
        b.append(
          el('span', { className: 'hot-rank', textContent: String(i + 1) }),
          tf('cmd.analysis.hot.item', { grid: name, n: s.count }),
        );
        b.setAttribute('aria-label', tf('cmd.analysis.hot.fly', { grid: `${name} · ${tf('cmd.analysis.unit.cases', { n: s.count })}` }));
        b.addEventListener('click', () => this.flyTo(s));
        return el('li', {}, b);
      }),
    );
  }

  // ------------------------------------------------------------ tooltip

  private readonly onHover = (e: MapMouseEvent) => this.showTip(e, false);
  private readonly onClick = (e: MapMouseEvent) => {
    if (this.busy()) return;
    // A hot spot takes the click (the case layers under it leave it alone: layers.ts).
    const spot = this.spotAt(e.point);
    if (spot) this.flyTo(spot);
    else this.showTip(e, true);
  };

  private showTip(e: MapMouseEvent, sticky: boolean): void {
    const map = this.gm?.map;
    if (!map || !this.rateOn || this.rateStatus !== 'ready') return;
    const layers = [ANALYSIS_LAYERS.fill, ANALYSIS_LAYERS.hatch].filter((l) => map.getLayer(l));
    const f = layers.length ? map.queryRenderedFeatures(e.point, { layers })[0] : undefined;
    const row = f ? this.rows.get(Number(f.id ?? f.properties?.id)) : undefined;
    if (!row) {
      if (!sticky) this.hideTip();
      return;
    }
    const line = (key: string, label: string, value: string) =>
      el(
        'div',
        { className: 'analysis-tip-row', dataset: { field: key } },
        el('span', { textContent: label }),
        el('b', { textContent: value }),
      );
    const body = el('div', { className: 'analysis-tip-body', id: 'analysis-tip', dataset: { grid: String(row.id) } });
    body.append(el('div', { className: 'analysis-tip-name', textContent: row.name }));
    if (row.status === 'hidden') body.append(el('div', { textContent: t('cmd.analysis.tip.hiddenText') }));
    else body.append(line('cases', t('cmd.analysis.tip.cases'), tf('cmd.analysis.unit.cases', { n: formatNumber(row.cases ?? 0) })));
    body.append(
      line(
        'households',
        t('cmd.analysis.tip.households'),
        row.households ? tf('cmd.analysis.unit.households', { n: formatNumber(row.households) }) : t('cmd.analysis.noHouseholds'),
      ),
    );
    if (row.rate !== null) body.append(line('rate', t('cmd.analysis.tip.rate'), trimmed(row.rate)));
    this.popup ??= new maplibregl.Popup({
      closeButton: false,
      closeOnClick: false,
      className: 'analysis-tip',
      maxWidth: '260px',
      offset: 12,
    });
    this.popup.setLngLat(e.lngLat).setDOMContent(body);
    if (!this.popup.isOpen()) this.popup.addTo(map);
  }

  private readonly hideTip = () => {
    this.popup?.remove();
  };
}
