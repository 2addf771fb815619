// The command center (指挥中心, #/command, #/command/case/{number}): for the
// roles the server lets read cases. Live counters on top (today's intake, open,
// overdue, the on-time rate of the last 30 days), the case board beside the
// shared map of open cases, and the case drawer over the map. Everything stays
// current from the live feed (GET /api/v1/events) without a reload: a new
// report appears, a changed case changes in place, a finished one leaves.

import type { MapMouseEvent } from 'maplibre-gl';
import { api, type Case, type CaseEvent } from '../../api';
import { can, currentSession } from '../../app/auth';
import { inspect } from '../../app/inspect';
import type { Page, PageFactory } from '../../app/router';
import type { Route } from '../../app/routes';
import { onLangChange, t, tf } from '../../i18n';
import { el } from '../../lib/dom';
import { asBBox } from '../../lib/geom';
import { GridMap } from '../../map/map';
import { watchView } from '../view';
import { Analysis } from './analysis';
import { Board, stageBadge } from './board';
import { Drawer } from './drawer';
import { wordProblem } from './format';
import { CaseLayers, DUE_COLORS, STAGE_COLORS } from './layers';
import { subscribe, type LiveState } from './live';
import {
  BoardState,
  filterCases,
  isFiltered,
  NO_FILTERS,
  OPEN_STAGES,
  startOfToday,
  tileFilters,
  type BoardFilters,
  type BoardSort,
} from './model';
import { Refs } from './refs';
import { ReportForm } from './report';
import { syncWall, wallButton, type Wall } from './wall';

/** The most cases the board loads (the API's largest page). */
const LIMIT = 1000;
/** Counters are read again this long after the last event. */
const COUNTER_DEBOUNCE_MS = 800;
/** How often "overdue" and "time left" are recomputed. */
const TICK_MS = 30_000;

interface Counts {
  today: number | null;
  onTime: number | null | undefined;
}

export const commandPage: PageFactory = (root, route, router): Page => {
  let current: Route = route;
  let gone = false;
  const refs = new Refs();
  const state = new BoardState();
  const filters: BoardFilters = { ...NO_FILTERS };
  const order: { sort: BoardSort } = { sort: 'newest' };
  let loaded = false;
  let truncated = false;
  let loadError: string | null = null;
  /** Events that arrive while the list is being read: applied after it. */
  let pending: CaseEvent[] | null = [];
  let live: LiveState = 'connecting';
  const counts: Counts = { today: null, onTime: undefined };
  /** Server clock minus this one, seconds (from the evaluation's `now`). */
  let skew = 0;
  const now = () => Date.now() / 1000 + skew;
  let gm: GridMap | null = null;
  let layers: CaseLayers | null = null;
  let reporting = false;
  let report: ReportForm | null = null;
  /** A note the drawer shows with the next case it opens (a report just saved). */
  let noteFor: { number: string; text: string } | null = null;
  /** The wall mode (大屏, wall.ts), while the address asks for it. */
  let wall: Wall | null = null;
  let listReady: () => void = () => undefined;
  const whenListed = new Promise<void>((r) => (listReady = r));

  // ------------------------------------------------------------- layout
  const wrap = el('div', { className: 'cmd-page' });
  const bar = el('section', { className: 'cmd-bar', id: 'cmd-counters' });
  const mapEl = el('div', { className: 'map', id: 'map' });
  mapEl.setAttribute('role', 'region');
  const hint = el('p', { className: 'cmd-hint', id: 'report-hint', hidden: true });
  hint.setAttribute('role', 'status');
  // The legend folds away on narrow screens, where the map is small.
  const legend = el('details', { className: 'legend cmd-legend', id: 'cmd-legend', open: window.innerWidth > 900 });
  const analysis = new Analysis(() => reporting);
  const mapWrap = el('div', { className: 'cmd-map' }, mapEl, hint, legend, analysis.root);
  const board = new Board(refs, filters, order, () => refresh());
  const drawer = new Drawer({
    refs,
    now,
    known: (n) => state.byNumber(n),
    onCase: (c) => {
      state.apply(c);
      layers?.reload();
      refresh();
    },
    open: (n) => router.go({ page: 'command', caseNumber: n }),
    close: () => closeDrawer(),
  });
  const body = el('div', { className: 'cmd-body' }, board.root, mapWrap, drawer.root);
  wrap.append(bar, body);
  root.append(wrap);

  inspect.page = {
    map: null,
    selected: () => null,
    command: () => ({
      loaded,
      live,
      cases: [...state.cases.values()].map((c) => ({ number: c.number, stage: c.stage, version: c.version })),
      shown: [...document.querySelectorAll<HTMLElement>('#case-list .cmd-item')].map((li) => li.dataset.number),
      counts: { ...counts, open: state.cases.size, overdue: state.overdue(now()) },
      pulsing: layers?.pulsing() ?? 0,
      tileFilters: layers?.tileFilters() ?? null,
      reporting,
      drawer: drawer.probe(),
    }),
  };

  // ----------------------------------------------------------- counters
  // The bar is built once and its values changed in place, so the report button keeps the focus through updates.
  const heading = el('h1', { id: 'page-title' });
  const counterList = el('div', { className: 'cmd-counters' });
  counterList.setAttribute('role', 'group');
  const counterEls = new Map<string, { box: HTMLElement; value: HTMLElement; label: HTMLElement }>();
  for (const key of ['today', 'open', 'overdue', 'on-time']) {
    const value = el('span', { className: 'cmd-counter-value' });
    const label = el('span', { className: 'cmd-counter-label' });
    const box = el('div', { className: 'cmd-counter', dataset: { counter: key } }, value, label);
    counterEls.set(key, { box, value, label });
    counterList.append(box);
  }
  const liveEl = el('span', { className: 'cmd-live', id: 'cmd-live' });
  liveEl.setAttribute('role', 'status');
  const reportButton = el('button', { type: 'button', className: 'btn btn-primary', id: 'report-start' });
  reportButton.addEventListener('click', () => (reporting ? stopReporting() : startReporting()));
  const wallStart = wallButton(() => router.go({ page: 'command', wall: true, view: current.view }));
  bar.append(heading, counterList, el('div', { className: 'cmd-bar-end' }, liveEl, wallStart, reportButton));
  const setText = (e: HTMLElement, text: string) => {
    if (e.textContent !== text) e.textContent = text;
  };
  const renderBar = () => {
    const open = state.cases.size;
    const overdue = state.overdue(now());
    const more = (n: number, cut: boolean) => (cut ? tf('cmd.count.more', { n }) : String(n));
    const rate = counts.onTime === undefined || counts.onTime === null ? t('value.none') : `${(counts.onTime * 100).toFixed(1)}%`;
    const values: Record<string, [string, string]> = {
      today: [t('cmd.count.today'), counts.today === null ? t('value.none') : more(counts.today, counts.today >= LIMIT)],
      open: [t('cmd.count.open'), loaded ? more(open, truncated) : t('value.none')],
      overdue: [t('cmd.count.overdue'), loaded ? String(overdue) : t('value.none')],
      'on-time': [t('cmd.count.onTime'), rate],
    };
    for (const [key, [label, value]] of Object.entries(values)) {
      const c = counterEls.get(key)!;
      setText(c.label, label);
      setText(c.value, value);
    }
    counterEls.get('overdue')!.box.classList.toggle('warn', overdue > 0);
    counterList.setAttribute('aria-label', t('cmd.counters'));
    setText(heading, t('page.command.title'));
    setText(liveEl, live === 'on' ? t('cmd.live.on') : live === 'connecting' ? t('cmd.live.connecting') : t('cmd.live.off'));
    liveEl.className = `cmd-live ${live}`;
    liveEl.dataset.state = live;
    setText(reportButton, reporting ? t('cmd.report.cancel') : t('cmd.report'));
    reportButton.setAttribute('aria-pressed', String(reporting));
    reportButton.hidden = !can('cases.report');
    setText(wallStart, t('cmd.wall.start'));
    wallStart.title = t('cmd.wall.startTitle');
    wall?.render();
  };

  const renderLegend = () => {
    const row = (color: string, label: string, cls = '') => {
      const dot = el('span', { className: `cmd-legend-dot ${cls}`.trim() });
      dot.style.background = color;
      return el('div', { className: 'legend-row' }, dot, label);
    };
    legend.replaceChildren(
      el('summary', { className: 'legend-title', textContent: t('cmd.legend') }),
      ...OPEN_STAGES.map((s) => row(STAGE_COLORS[s], stageBadge(s).textContent ?? s)),
      row(DUE_COLORS.overdue, t('cmd.due.overdue'), 'pulse'),
      row(DUE_COLORS.near, t('cmd.due.near')),
    );
  };

  // ------------------------------------------------------------ refresh
  const refresh = () => {
    if (gone) return;
    const shown = filterCases(state.cases.values(), filters, now(), order.sort);
    board.render(shown, { total: state.cases.size, loaded, truncated, error: loadError }, now(), drawer.shown());
    // The clusters count what passes the filters the tiles take (all but the text search).
    layers?.setTileFilters(tileFilters(filters, now()));
    layers?.setCases(shown, isFiltered(filters));
    renderBar();
  };

  let counterTimer: ReturnType<typeof setTimeout> | null = null;
  const loadCounters = async () => {
    const at = now();
    const [today, stats] = await Promise.allSettled([
      api.cases({ since: startOfToday(at), limit: LIMIT }),
      api.caseStats({ from: Math.floor(at - 30 * 86400), group_by: 'none' }),
    ]);
    if (gone) return;
    if (today.status === 'fulfilled') counts.today = today.value.length;
    if (stats.status === 'fulfilled') {
      counts.onTime = stats.value.total.on_time_rate ?? null;
      skew = stats.value.now - Date.now() / 1000;
    }
    refresh();
  };
  const countersSoon = () => {
    if (counterTimer) clearTimeout(counterTimer);
    counterTimer = setTimeout(() => void loadCounters(), COUNTER_DEBOUNCE_MS);
  };

  const loadList = async () => {
    pending ??= [];
    try {
      const list = await api.cases({ open: true, limit: LIMIT });
      if (gone) return;
      state.reset(list);
      truncated = list.length >= LIMIT;
      loadError = null;
    } catch (err) {
      if (gone) return;
      loadError = tf('cmd.error', { detail: wordProblem(err).summary });
    }
    for (const ev of pending ?? []) state.apply(ev.case);
    pending = null;
    loaded = true;
    listReady();
    refresh();
  };

  const onEvent = (ev: CaseEvent) => {
    // The server's clock is at least the step's time (a test clock moved ahead, a sweep's overdue step).
    skew = Math.max(skew, ev.step.at - Date.now() / 1000);
    // The case tiles have changed (the server dropped them before the step was answered).
    layers?.reload();
    drawer.onEvent(ev);
    if (pending) {
      pending.push(ev);
      return;
    }
    const change = state.apply(ev.case);
    if (change === 'added') board.flash(ev.case.id);
    if (change !== 'ignored') refresh();
    countersSoon();
  };

  const feed = subscribe({
    onEvent,
    onState: (s) => {
      live = s;
      renderBar();
    },
    onGap: () => void loadList(),
  });

  // -------------------------------------------------------------- drawer
  const openCase = async (number: string | undefined, focus = false) => {
    const note = noteFor && noteFor.number === number ? noteFor.text : null;
    noteFor = null;
    if (!number) {
      drawer.hide();
      layers?.select(null);
      refresh();
      return;
    }
    if (!state.byNumber(number)) await whenListed;
    if (gone || current.caseNumber !== number) return;
    const shown = drawer.show(number, note);
    if (focus) drawer.focusTitle();
    refresh();
    const c = state.byNumber(number);
    layers?.select(c?.id ?? null);
    if (c && gm) {
      const b = gm.map.getBounds();
      if (!b.contains([c.lon, c.lat])) gm.map.easeTo({ center: [c.lon, c.lat], duration: 300 });
    }
    await shown;
    if (gone) return;
    layers?.select(drawer.current()?.id ?? null);
  };

  const closeDrawer = () => {
    if (reporting) stopReporting();
    router.go({ page: 'command', view: current.view });
  };

  // ------------------------------------------------------------- report
  const defaultSource = currentSession().serverActions.includes('dispatch_case') ? 'hotline' : 'patrol';
  const startReporting = () => {
    reporting = true;
    hint.textContent = t('cmd.report.hint');
    hint.hidden = false;
    if (gm) gm.map.getCanvas().style.cursor = 'crosshair';
    renderBar();
  };
  const stopReporting = () => {
    reporting = false;
    report = null;
    hint.hidden = true;
    layers?.setDraft(null);
    if (gm) gm.map.getCanvas().style.cursor = '';
    if (!drawer.shown()) drawer.hide();
    renderBar();
    reportButton.focus();
  };
  const placeReport = (at: [number, number]) => {
    layers?.setDraft(at);
    hint.hidden = true;
    if (report) {
      report.moveTo(at);
      return;
    }
    if (current.caseNumber) router.go({ page: 'command', view: current.view });
    const form = new ReportForm(
      {
        refs,
        defaultSource,
        onSaved: (c: Case) => {
          state.apply(c);
          layers?.reload();
          board.flash(c.id);
          reporting = false;
          report = null;
          hint.hidden = true;
          layers?.setDraft(null);
          if (gm) gm.map.getCanvas().style.cursor = '';
          countersSoon();
          noteFor = { number: c.number, text: tf('report.saved', { n: c.number }) };
          router.go({ page: 'command', caseNumber: c.number, view: current.view });
        },
        onCancel: () => stopReporting(),
        open: (n) => {
          stopReporting();
          router.go({ page: 'command', caseNumber: n });
        },
      },
      at,
    );
    report = form;
    drawer.hold(t('report.title'), form.root);
    form.focus();
  };

  // ---------------------------------------------------------------- map
  void (async () => {
    await refs.load().catch(() => undefined);
    if (gone) return;
    board.build();
    refresh();
    // Read the list once subscribed (or after a few seconds without the feed: the list matters more).
    await Promise.race([feed.ready, new Promise((r) => setTimeout(r, 3000))]);
    if (gone) return;
    await loadList();
    void loadCounters();
  })();

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
    const l = new CaseLayers(
      m,
      (c) => router.go({ page: 'command', caseNumber: c.number, view: current.view }),
      () => reporting,
    );
    l.install();
    layers = l;
    analysis.attach(m);
    if (current.view) m.map.jumpTo({ center: [current.view.lng, current.view.lat], zoom: current.view.zoom });
    else {
      const subs = await api.subdistricts().catch(() => []);
      if (gone) return;
      const bb = asBBox(subs[0]?.bbox);
      if (bb) m.fitBBox(bb, { padding: 20, duration: 0 });
    }
    watchView(m.map, (view) => {
      current = { ...current, view };
      router.record(current);
    });
    m.map.on('click', (e: MapMouseEvent) => {
      if (reporting) placeReport([e.lngLat.lng, e.lngLat.lat]);
    });
    if (reporting) m.map.getCanvas().style.cursor = 'crosshair';
    refresh();
    const c = current.caseNumber ? state.byNumber(current.caseNumber) : undefined;
    l.select(c?.id ?? drawer.current()?.id ?? null);
  })();

  const render = () => {
    document.title = `${t('page.command.title')} · ${t('app.title')}`;
    mapEl.setAttribute('aria-label', t('cmd.map.aria'));
    if (reporting && !report) hint.textContent = t('cmd.report.hint');
    renderLegend();
    analysis.relabel();
    board.build();
    drawer.relabel();
    refresh();
  };
  const setWall = (r: Route) => {
    if (r.wall && reporting) stopReporting();
    wall = syncWall(wall, r, wrap, mapWrap, () => ({
      state,
      refs,
      now,
      counts: () => ({ today: counts.today, onTime: counts.onTime, loaded, truncated }),
      live: () => live,
      map: () => gm,
      exit: () => router.go({ page: 'command', view: current.view }),
    }));
  };
  render();
  setWall(current);
  void openCase(current.caseNumber);

  const tick = setInterval(() => {
    refresh();
    drawer.tick();
  }, TICK_MS);
  const stopLang = onLangChange(render);

  return {
    update(r) {
      const before = current.caseNumber;
      current = r;
      setWall(r);
      if (r.caseNumber !== before) void openCase(r.caseNumber, true);
    },
    unmount() {
      gone = true;
      wall?.leave();
      feed.stop();
      clearInterval(tick);
      if (counterTimer) clearTimeout(counterTimer);
      stopLang();
      drawer.hide();
      layers?.detach();
      analysis.detach();
      gm?.remove();
      inspect.page = null;
    },
  };
};
