// The patrols page (巡查, #/patrols) for the roles that read patrols
// (operators, auditors, administrators; a grid worker sees their own grids):
// a worker's day played back on the map — the day's fixes, the line walked up
// to the slider's time and a dot where the worker was, with the clock time,
// played at a chosen speed — and the week's choropleth of the L3 grids by
// patrols (none, one, two or more; the grids short of the rule's two
// outlined), with the short grids listed under their L2 and L1 grids.

import type { ExpressionSpecification, GeoJSONSource } from 'maplibre-gl';
import { ApiError, api, type TreeNode } from '../../api';
import { inspect } from '../../app/inspect';
import type { Page, PageFactory } from '../../app/router';
import type { Route } from '../../app/routes';
import { formatNumber, onLangChange, t } from '../../i18n';
import { el } from '../../lib/dom';
import { asBBox } from '../../lib/geom';
import { SOURCES } from '../../map/data';
import { GridMap } from '../../map/map';
import { serverLayer } from '../../map/style';
import { watchView } from '../view';
import { patrolsApi, type Audit, type StoredFix } from './api';
import {
  CLASS_COLORS,
  SHORT_COLOR,
  clockOf,
  dayOf,
  dayRange,
  patrolClass,
  shiftWeek,
  shortGroups,
  summary,
  trackAt,
  weekStart,
  weekOf,
  trackTilesUrl,
} from './model';
import { watchPositions, type Position } from './live';
import { pt, ptf } from './text';
import './patrols.css';

const SOURCE = { full: 'patrol-full', line: 'patrol-line', dot: 'patrol-dot', flagged: 'patrol-flagged' } as const;
const LIVE_SOURCE = 'patrol-live';
/** The server's `tracks` tiles (a line per stretch of a worker's day; read_patrols in the scope). */
const TRACK_TILES = 'patrol-tracks';
export const PATROL_LAYERS = {
  fill: 'patrols-week-fill',
  short: 'patrols-week-short',
  full: 'patrol-full-line',
  line: 'patrol-line',
  flagged: 'patrol-flagged',
  dot: 'patrol-dot',
  tiles: 'patrol-tracks-line',
  live: 'patrol-live',
} as const;

const SPEEDS = [60, 300, 1200] as const;
const STATE_KEYS = ['p_class', 'p_short', 'p_patrols'] as const;
const klass = ['number', ['feature-state', 'p_class'], -1] as unknown as ExpressionSpecification;
const EMPTY: GeoJSON.FeatureCollection = { type: 'FeatureCollection', features: [] };

export const patrolsPage: PageFactory = (root, route, router): Page => {
  let current: Route = route;
  let gone = false;
  let gm: GridMap | null = null;
  const names = new Map<number, TreeNode>();
  let week = weekOf(Date.now());
  let audit: Audit | null = null;
  let auditError: string | null = null;
  let worker: number | null = null;
  let day = dayOf(Date.now());
  let fixes: StoredFix[] = [];
  let counted: StoredFix[] = [];
  let fixesState: 'none' | 'loading' | 'ready' | 'forbidden' | 'error' = 'none';
  let fixesError = '';
  let at = 0;
  let speed: number = SPEEDS[1];
  let playing = false;
  let frame: number | null = null;
  let lastFrame = 0;
  let drawnIds: number[] = [];
  let auditSeq = 0;
  /** Each worker's newest position from the live feed. */
  const live = new Map<number, Position>();
  let liveOn = false;
  let fixSeq = 0;

  // ------------------------------------------------------------ layout
  const wrap = el('div', { className: 'patrols-page' });
  const side = el('aside', { className: 'patrols-side' });
  const mapEl = el('div', { className: 'map', id: 'map' });
  mapEl.setAttribute('role', 'region');
  wrap.append(side, el('div', { className: 'patrols-map' }, mapEl));
  root.append(wrap);

  const heading = el('h1', { id: 'page-title' });
  // Playback
  const playTitle = el('h2');
  const workerLabel = el('label', { htmlFor: 'patrols-worker' });
  const workerSel = el('select', { id: 'patrols-worker' });
  const dayLabel = el('label', { htmlFor: 'patrols-day' });
  const dayInput = el('input', { type: 'date', id: 'patrols-day', value: day });
  const playBtn = el('button', { type: 'button', className: 'btn btn-small', id: 'patrols-play' });
  const speedSel = el('select', { id: 'patrols-speed' });
  const speedLabel = el('label', { htmlFor: 'patrols-speed' });
  const slider = el('input', { type: 'range', id: 'patrols-slider', min: '0', max: '0', step: '1000', value: '0' });
  const clock = el('output', { id: 'patrols-clock', className: 'patrols-clock' });
  const fixInfo = el('p', { className: 'muted patrols-info', id: 'patrols-fixes' });
  const dayPatrols = el('ul', { className: 'patrols-list', id: 'patrols-day-list' });
  const liveEl = el('p', { className: 'muted patrols-info', id: 'patrols-live' });
  const playback = el(
    'section',
    { className: 'patrols-section', id: 'patrols-playback' },
    playTitle,
    el('div', { className: 'patrols-row' }, workerLabel, workerSel),
    el('div', { className: 'patrols-row' }, dayLabel, dayInput),
    el('div', { className: 'patrols-row' }, playBtn, clock, speedLabel, speedSel),
    slider,
    fixInfo,
    liveEl,
    dayPatrols,
  );
  // The week
  const weekTitle = el('h2');
  const prevBtn = el('button', { type: 'button', className: 'btn btn-small', id: 'patrols-week-prev', textContent: '‹' });
  const nextBtn = el('button', { type: 'button', className: 'btn btn-small', id: 'patrols-week-next', textContent: '›' });
  const weekEl = el('strong', { id: 'patrols-week' });
  const weekRange = el('span', { className: 'muted' });
  const legend = el('div', { className: 'legend patrols-legend', id: 'patrols-legend' });
  const summaryEl = el('p', { id: 'patrols-summary' });
  const shortTitle = el('h3');
  const shortList = el('ul', { className: 'patrols-list', id: 'patrols-short' });
  const weekSection = el(
    'section',
    { className: 'patrols-section', id: 'patrols-week-section' },
    weekTitle,
    el('div', { className: 'patrols-row' }, prevBtn, weekEl, nextBtn, weekRange),
    legend,
    summaryEl,
    shortTitle,
    shortList,
  );
  side.append(heading, playback, weekSection);
  for (const s of SPEEDS) speedSel.append(el('option', { value: String(s), textContent: `${s}×`, selected: s === speed }));

  inspect.page = { map: null, selected: () => worker };

  const gridName = (id: number) => {
    const n = names.get(id);
    return n ? `${n.name}（${n.code}）` : `#${id}`;
  };

  // ------------------------------------------------------------ render
  const renderWorkers = () => {
    const list = audit?.workers ?? [];
    const options = list.map((w) =>
      el('option', { value: String(w.worker), textContent: `${w.name ?? w.worker} · ${w.worker}`, selected: w.worker === worker }),
    );
    if (worker !== null && !list.some((w) => w.worker === worker))
      options.unshift(el('option', { value: String(worker), textContent: String(worker), selected: true }));
    if (!options.length) options.push(el('option', { value: '', textContent: pt('patrols.worker.none') }));
    workerSel.replaceChildren(...options);
    workerSel.disabled = !list.length;
  };

  const renderPlayback = () => {
    playBtn.textContent = pt(playing ? 'patrols.pause' : 'patrols.play');
    playBtn.setAttribute('aria-pressed', String(playing));
    playBtn.disabled = counted.length === 0;
    slider.disabled = counted.length === 0;
    slider.setAttribute('aria-label', pt('patrols.time'));
    clock.textContent = counted.length ? clockOf(at) : '--:--:--';
    clock.dataset.t = String(at);
    const flagged = fixes.length - counted.length;
    const info: Record<typeof fixesState, string> = {
      none: '',
      loading: pt('patrols.loading'),
      ready: fixes.length ? ptf('patrols.fixes', { n: formatNumber(fixes.length), flagged }) : pt('patrols.noFixes'),
      forbidden: pt('patrols.forbidden'),
      error: ptf('patrols.error', { detail: fixesError }),
    };
    fixInfo.textContent = info[fixesState];
    fixInfo.dataset.state = fixesState;
    fixInfo.classList.toggle('patrols-error', fixesState === 'forbidden' || fixesState === 'error');
    const today = [...live.values()].filter((p) => dayOf(p.time_ms) === dayOf(Date.now()));
    liveEl.textContent = liveOn ? ptf('patrols.live', { n: today.length }) : pt('patrols.live.off');
    liveEl.dataset.n = String(today.length);
    liveEl.dataset.on = String(liveOn);
    // The worker's patrols that day, from the week's audit.
    const range = dayRange(day);
    const mine = (audit?.patrols ?? []).filter((p) => p.worker === worker && range && p.start_ms >= range[0] && p.start_ms < range[1]);
    dayPatrols.replaceChildren(
      ...(mine.length ? [el('li', { className: 'muted', textContent: pt('patrols.dayPatrols') })] : []),
      ...mine.map((p) => {
        const b = el('button', {
          type: 'button',
          className: 'linkish',
          textContent: ptf('patrols.patrol', {
            from: clockOf(p.start_ms, false),
            to: clockOf(p.end_ms, false),
            grid: gridName(p.grid),
            min: Math.round(p.duration_ms / 60_000),
            m: Math.round(p.distance_m),
          }),
        });
        b.addEventListener('click', () => seek(p.start_ms));
        return el('li', { dataset: { grid: String(p.grid), start: String(p.start_ms) } }, b);
      }),
    );
  };

  const renderWeek = () => {
    weekEl.textContent = week;
    const start = weekStart(week);
    weekRange.textContent = start === null ? '' : ptf('patrols.week.range', { from: dayOf(start), to: dayOf(start + 6 * 86_400_000) });
    prevBtn.title = pt('patrols.week.prev');
    prevBtn.setAttribute('aria-label', pt('patrols.week.prev'));
    nextBtn.title = pt('patrols.week.next');
    nextBtn.setAttribute('aria-label', pt('patrols.week.next'));
    const n = audit?.rules.min_per_week ?? 2;
    const row = (cls: string, color: string, label: string, outline = false) => {
      const sw = el('span', { className: 'patrols-swatch' });
      if (outline) sw.style.border = `3px solid ${SHORT_COLOR}`;
      else sw.style.background = color;
      return el('div', { className: 'legend-row', dataset: { class: cls } }, sw, label);
    };
    legend.replaceChildren(
      el('div', { className: 'legend-title', textContent: pt('patrols.legend') }),
      row('0', CLASS_COLORS[0], pt('patrols.class.0')),
      row('1', CLASS_COLORS[1], pt('patrols.class.1')),
      row('2', CLASS_COLORS[2], pt('patrols.class.2')),
      row('short', '', ptf('patrols.class.short', { n }), true),
    );
    if (auditError) {
      summaryEl.textContent = auditError;
      summaryEl.className = 'patrols-error';
    } else if (audit) {
      const s = summary(audit.grids);
      summaryEl.textContent = ptf('patrols.summary', { all: s.all, short: s.short, n });
      summaryEl.className = '';
    } else {
      summaryEl.textContent = pt('patrols.loading');
      summaryEl.className = 'muted';
    }
    summaryEl.dataset.week = audit?.week ?? '';
    shortTitle.textContent = pt('patrols.shortList');
    const groups = audit ? shortGroups(audit.parents) : [];
    shortList.replaceChildren(
      ...(audit && !groups.length ? [el('li', { className: 'muted', textContent: pt('patrols.shortNone') })] : []),
      ...groups.map((g) => {
        const n0 = names.get(g.grid);
        const head = el('div', {
          className: 'patrols-parent',
          textContent: `${t(`level.short.${g.level}` as 'level.short.1')} ${ptf('patrols.parent', { name: n0?.name ?? `#${g.grid}`, short: g.short.length, all: g.grids })}`,
        });
        const items = el('ul', {}, ...g.short.map((id) => el('li', { textContent: gridName(id), dataset: { grid: String(id) } })));
        return el('li', { dataset: { grid: String(g.grid), level: String(g.level) } }, head, items);
      }),
    );
  };

  const render = () => {
    document.title = `${pt('patrols.title')} · ${t('app.title')}`;
    heading.textContent = pt('patrols.title');
    playTitle.textContent = pt('patrols.playback');
    workerLabel.textContent = pt('patrols.worker');
    dayLabel.textContent = pt('patrols.day');
    speedLabel.textContent = pt('patrols.speed');
    weekTitle.textContent = pt('patrols.choropleth');
    mapEl.setAttribute('aria-label', pt('patrols.map'));
    renderWorkers();
    renderPlayback();
    renderWeek();
  };

  // ---------------------------------------------------------- playback
  const setSource = (id: string, data: GeoJSON.GeoJSON) => (gm?.map.getSource(id) as GeoJSONSource | undefined)?.setData(data);

  const drawAt = () => {
    const { lines, dot } = trackAt(counted, at);
    setSource(SOURCE.line, { type: 'Feature', geometry: { type: 'MultiLineString', coordinates: lines }, properties: { t: at } });
    setSource(SOURCE.dot, dot ? { type: 'Feature', geometry: { type: 'Point', coordinates: dot }, properties: { t: at } } : EMPTY);
    playback.dataset.drawn = String(lines.reduce((n, l) => n + l.length, 0));
    playback.dataset.dot = dot ? dot.map((v) => v.toFixed(7)).join(',') : '';
    slider.value = String(at);
    clock.textContent = counted.length ? clockOf(at) : '--:--:--';
    clock.dataset.t = String(at);
  };

  /**
   * A role that reads patrols but not fixes (operators, auditors) gets the
   * day's lines from the tiles instead: the track whole, without the clock.
   */
  const showTiles = () => {
    const map = gm?.map;
    if (!map) return;
    if (map.getLayer(PATROL_LAYERS.tiles)) map.removeLayer(PATROL_LAYERS.tiles);
    if (map.getSource(TRACK_TILES)) map.removeSource(TRACK_TILES);
    if (fixesState !== 'forbidden' || worker === null) return;
    map.addSource(TRACK_TILES, { type: 'vector', tiles: [trackTilesUrl(location.href, day, worker)], minzoom: 10, maxzoom: 18 });
    map.addLayer(
      {
        id: PATROL_LAYERS.tiles,
        type: 'line',
        source: TRACK_TILES,
        'source-layer': 'tracks',
        layout: { 'line-join': 'round', 'line-cap': 'round' },
        paint: { 'line-color': '#0b5cad', 'line-width': 3.5, 'line-opacity': 0.85 },
      },
      PATROL_LAYERS.dot,
    );
  };

  const drawDay = (fit = true) => {
    showTiles();
    const all = trackAt(counted, Infinity);
    setSource(SOURCE.full, { type: 'Feature', geometry: { type: 'MultiLineString', coordinates: all.lines }, properties: {} });
    setSource(SOURCE.flagged, {
      type: 'FeatureCollection',
      features: fixes
        .filter((f) => f.flag)
        .map((f) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: [f.lon, f.lat] }, properties: { flag: f.flag } })),
    });
    drawAt();
    if (gm && fit && fixes.length) {
      const xs = fixes.map((f) => f.lon);
      const ys = fixes.map((f) => f.lat);
      gm.fitBBox([Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)], { padding: 60, duration: 0, maxZoom: 17 });
    }
  };

  function seek(ms: number): void {
    if (!counted.length) return;
    const first = counted[0].time_ms;
    const last = counted[counted.length - 1].time_ms;
    at = Math.min(Math.max(ms, first), last);
    drawAt();
  }

  const stop = () => {
    playing = false;
    if (frame !== null) cancelAnimationFrame(frame);
    frame = null;
    renderPlayback();
  };

  const step = (now: number) => {
    if (!playing || gone) return;
    const last = counted[counted.length - 1]?.time_ms ?? at;
    at = Math.min(last, at + (now - lastFrame) * speed);
    lastFrame = now;
    drawAt();
    if (at >= last) return stop();
    frame = requestAnimationFrame(step);
  };

  const play = () => {
    if (!counted.length) return;
    if (at >= counted[counted.length - 1].time_ms) at = counted[0].time_ms;
    playing = true;
    lastFrame = performance.now();
    frame = requestAnimationFrame(step);
    renderPlayback();
  };

  const drawLive = () => {
    const today = dayOf(Date.now());
    setSource(LIVE_SOURCE, {
      type: 'FeatureCollection',
      features: [...live.values()]
        .filter((p) => dayOf(p.time_ms) === today)
        .map((p) => ({
          type: 'Feature',
          geometry: { type: 'Point', coordinates: [p.lon, p.lat] },
          properties: { worker: p.worker, time_ms: p.time_ms, chosen: p.worker === worker },
        })),
    });
  };

  /** A position of the chosen worker on the day shown is one more fix: the playback follows it when at its end. */
  const onPosition = (p: Position) => {
    if (gone) return;
    const before = live.get(p.worker);
    if (before && before.time_ms >= p.time_ms) return;
    live.set(p.worker, p);
    drawLive();
    const lastAt = counted[counted.length - 1]?.time_ms ?? -Infinity;
    if (p.worker === worker && fixesState === 'ready' && dayOf(p.time_ms) === day && p.time_ms > lastAt) {
      const following = !playing && (counted.length === 0 || at >= lastAt);
      const fix: StoredFix = { worker: p.worker, time_ms: p.time_ms, lon: p.lon, lat: p.lat, flag: null };
      fixes = [...fixes, fix];
      counted = [...counted, fix];
      slider.min = String(counted[0].time_ms);
      slider.max = String(p.time_ms);
      if (following) at = p.time_ms;
      drawDay(false);
    }
    renderPlayback();
  };

  const loadFixes = async () => {
    stop();
    const seq = ++fixSeq;
    const range = dayRange(day);
    fixes = [];
    counted = [];
    if (worker === null || !range) {
      fixesState = 'none';
      renderPlayback();
      drawDay();
      return;
    }
    fixesState = 'loading';
    renderPlayback();
    try {
      const got = await patrolsApi.fixes({ worker, from: range[0], to: range[1], limit: 100_000 });
      if (gone || seq !== fixSeq) return;
      fixes = got;
      counted = got.filter((f) => !f.flag);
      fixesState = 'ready';
    } catch (err) {
      if (gone || seq !== fixSeq) return;
      fixesState = err instanceof ApiError && err.status === 403 ? 'forbidden' : 'error';
      fixesError = err instanceof Error ? err.message : String(err);
    }
    const first = counted[0]?.time_ms ?? range[0];
    const last = counted[counted.length - 1]?.time_ms ?? range[0];
    slider.min = String(first);
    slider.max = String(last);
    at = first;
    renderPlayback();
    drawDay();
  };

  // -------------------------------------------------------- choropleth
  const drawWeek = () => {
    const map = gm?.map;
    if (!map || !map.getSource(SOURCES.grids.source)) return;
    const source = SOURCES.grids.source;
    const sourceLayer = SOURCES.grids.sourceLayer(3);
    for (const id of drawnIds) for (const k of STATE_KEYS) map.removeFeatureState({ source, sourceLayer, id }, k);
    drawnIds = [];
    for (const g of audit?.grids ?? []) {
      map.setFeatureState({ source, sourceLayer, id: g.grid }, { p_class: patrolClass(g.patrols), p_short: g.short, p_patrols: g.patrols });
      drawnIds.push(g.grid);
    }
  };

  const loadAudit = async () => {
    const seq = ++auditSeq;
    audit = null;
    auditError = null;
    renderWeek();
    try {
      const a = await patrolsApi.audit({ week });
      if (gone || seq !== auditSeq) return;
      audit = a;
      if (worker === null && a.workers.length) {
        worker = a.workers[0].worker;
        void loadFixes();
      }
    } catch (err) {
      if (gone || seq !== auditSeq) return;
      auditError = ptf('patrols.error', { detail: err instanceof Error ? err.message : String(err) });
    }
    renderWorkers();
    renderWeek();
    renderPlayback();
    drawWeek();
  };

  // ------------------------------------------------------------ events
  workerSel.addEventListener('change', () => {
    const v = Number(workerSel.value);
    worker = Number.isFinite(v) && v > 0 ? v : null;
    drawLive();
    void loadFixes();
  });
  dayInput.addEventListener('change', () => {
    if (!dayRange(dayInput.value)) return;
    day = dayInput.value;
    const w = weekOf(dayRange(day)![0]);
    if (w !== week) {
      week = w;
      void loadAudit();
    }
    void loadFixes();
  });
  slider.addEventListener('input', () => {
    stop();
    seek(Number(slider.value));
  });
  playBtn.addEventListener('click', () => (playing ? stop() : play()));
  speedSel.addEventListener('change', () => (speed = Number(speedSel.value)));
  const moveWeek = (by: number) => {
    week = shiftWeek(week, by);
    void loadAudit();
  };
  prevBtn.addEventListener('click', () => moveWeek(-1));
  nextBtn.addEventListener('click', () => moveWeek(1));

  // --------------------------------------------------------------- map
  void (async () => {
    let m: GridMap;
    try {
      m = await GridMap.create(mapEl);
    } catch {
      return;
    }
    if (gone) return m.remove();
    gm = m;
    if (inspect.page) inspect.page.map = m.map;
    await m.ready;
    if (gone) return;
    const map = m.map;
    // The page's styles come with its chunk: the map may have been sized before them.
    map.resize();
    const below = map.getLayer(serverLayer.gridLine(3)) ? serverLayer.gridLine(3) : undefined;
    const sourceLayer = SOURCES.grids.sourceLayer(3);
    map.addLayer(
      {
        id: PATROL_LAYERS.fill,
        type: 'fill',
        source: SOURCES.grids.source,
        'source-layer': sourceLayer,
        paint: {
          'fill-color': [
            'match',
            klass,
            0,
            CLASS_COLORS[0],
            1,
            CLASS_COLORS[1],
            2,
            CLASS_COLORS[2],
            'rgba(0,0,0,0)',
          ] as ExpressionSpecification,
          'fill-opacity': ['case', ['>=', klass, 0], 0.55, 0] as ExpressionSpecification,
        },
      },
      below,
    );
    map.addLayer({
      id: PATROL_LAYERS.short,
      type: 'line',
      source: SOURCES.grids.source,
      'source-layer': sourceLayer,
      paint: {
        'line-color': SHORT_COLOR,
        'line-width': 2.5,
        'line-opacity': ['case', ['boolean', ['feature-state', 'p_short'], false], 0.9, 0] as ExpressionSpecification,
      },
    });
    for (const id of Object.values(SOURCE)) map.addSource(id, { type: 'geojson', data: EMPTY });
    map.addLayer({
      id: PATROL_LAYERS.full,
      type: 'line',
      source: SOURCE.full,
      layout: { 'line-join': 'round', 'line-cap': 'round' },
      paint: { 'line-color': '#5b6b7c', 'line-width': 2, 'line-opacity': 0.5, 'line-dasharray': [2, 1.5] },
    });
    map.addLayer({
      id: PATROL_LAYERS.line,
      type: 'line',
      source: SOURCE.line,
      layout: { 'line-join': 'round', 'line-cap': 'round' },
      paint: { 'line-color': '#0b5cad', 'line-width': 4 },
    });
    map.addLayer({
      id: PATROL_LAYERS.flagged,
      type: 'circle',
      source: SOURCE.flagged,
      paint: { 'circle-color': '#888888', 'circle-radius': 3, 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 1 },
    });
    map.addSource(LIVE_SOURCE, { type: 'geojson', data: EMPTY });
    map.addLayer({
      id: PATROL_LAYERS.live,
      type: 'circle',
      source: LIVE_SOURCE,
      paint: {
        'circle-color': ['case', ['boolean', ['get', 'chosen'], false], '#ff7f00', '#ffb366'] as ExpressionSpecification,
        'circle-radius': 6,
        'circle-stroke-color': '#5a2d00',
        'circle-stroke-width': 1.5,
      },
    });
    map.addLayer({
      id: PATROL_LAYERS.dot,
      type: 'circle',
      source: SOURCE.dot,
      paint: { 'circle-color': '#e6007e', 'circle-radius': 8, 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 2.5 },
    });
    if (current.view) map.jumpTo({ center: [current.view.lng, current.view.lat], zoom: current.view.zoom });
    else {
      const subs = await api.subdistricts().catch(() => []);
      if (gone) return;
      const bb = asBBox(subs[0]?.bbox);
      if (bb) m.fitBBox(bb, { padding: 20, duration: 0 });
    }
    watchView(map, (view) => {
      current = { ...current, view };
      router.record(current);
    });
    drawWeek();
    drawDay();
    drawLive();
  })();

  void api
    .tree()
    .then((tree) => {
      if (gone) return;
      const walk = (nodes: TreeNode[]) => {
        for (const n of nodes) {
          names.set(n.id, n);
          walk(n.children);
        }
      };
      walk(tree);
      renderWeek();
      renderPlayback();
    })
    .catch(() => undefined);

  render();
  void loadAudit();
  const stopLive = watchPositions(onPosition, () => {
    liveOn = true;
    renderPlayback();
  });
  const stopLang = onLangChange(render);

  return {
    update(r) {
      current = r;
    },
    unmount() {
      gone = true;
      stop();
      stopLive();
      stopLang();
      gm?.remove();
      inspect.page = null;
    },
  };
};
