import 'maplibre-gl/dist/maplibre-gl.css';
import './style.css';

import maplibregl, { type MapMouseEvent, type PointLike } from 'maplibre-gl';
import { ApiError, api, type GridProperties, type Subdistrict, type TreeNode } from './api';
import { gridGeometry, loadGrids, refreshGridTiles, type LoadedGrids } from './data';
import { DetailsPanel } from './details';
import { geometryBBox, labelPoint } from './geom';
import { applyStaticTexts, kindName, lang, levelName, onLangChange, setLang, t } from './i18n';
import {
  GRID_FILL_LAYERS,
  KIND_COLORS,
  KIND_FALLBACK,
  LEVEL_COLORS,
  createMap,
  setFillMode,
  setHoverGrid,
  setLevelMode,
  setSelectedGrid,
  type FillMode,
  type LevelMode,
} from './map';
import { GridTree } from './tree';
import { Editor } from './editor';
import { CoveragePanel } from './coverage';

// ---------------------------------------------------------------- elements

function $(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el;
}

const els = {
  map: $('map'),
  tree: $('tree') as HTMLUListElement,
  treeFilter: $('tree-filter') as HTMLInputElement,
  treeEmpty: $('tree-empty'),
  treeStatus: $('tree-status'),
  treeCount: $('tree-count'),
  details: $('details'),
  status: $('status'),
  statusText: $('status-text'),
  error: $('error'),
  errorTitle: $('error-title'),
  errorDetail: $('error-detail'),
  errorRetry: $('error-retry'),
  legend: $('legend'),
  tooltip: $('tooltip'),
  levelSwitch: $('level-switch'),
  fillSwitch: $('fill-switch'),
  langSwitch: $('lang-switch'),
  panelToggle: $('panel-toggle'),
  subName: $('subdistrict-name'),
  subPicker: $('subdistrict-picker'),
  subSelect: $('subdistrict-select') as HTMLSelectElement,
  tabTree: $('tab-tree') as HTMLButtonElement,
  tabCoverage: $('tab-coverage') as HTMLButtonElement,
  treeSection: $('tree-section'),
  coverage: $('coverage'),
};

// ------------------------------------------------------------------- state

/** Below this width the side panel overlays the map instead of sitting beside it. */
const narrow = window.matchMedia('(max-width: 900px)');

const state = {
  subdistricts: [] as Subdistrict[],
  current: null as Subdistrict | null,
  loaded: null as LoadedGrids | null,
  tree: [] as TreeNode[],
  selected: null as number | null,
  levelMode: 'all' as LevelMode,
  fillMode: 'level' as FillMode,
  abort: null as AbortController | null,
  partialErrors: [] as string[],
};

applyStaticTexts();
const map = createMap(els.map);
const styleReady = new Promise<void>((resolve) => {
  if (map.isStyleLoaded()) resolve();
  else map.once('load', () => resolve());
});

const tree = new GridTree(els.tree, {
  onSelectGrid: (id) => select(id, { fly: true }),
  onSelectSubdistrict: (id) => {
    const sub = state.subdistricts.find((s) => s.id === id);
    if (sub && sub.id !== state.current?.id) void switchSubdistrict(sub);
    else if (sub) fitSubdistrict(sub);
  },
});

const details = new DetailsPanel(els.details, {
  onClear: () => clearSelection(),
  onZoom: (id) => void flyToGrid(id),
  onSelectParent: (id) => select(id, { fly: true }),
  onRendered: () => tree.revealSelected(),
  parentOf: (p) => {
    const pid = p.parent_id ?? tree.parentGridId(p.id);
    if (pid === null || pid === undefined) return null;
    const known = state.loaded?.byId.get(pid)?.properties ?? tree.gridName(pid);
    return known ? { id: pid, name: known.name, code: known.code } : null;
  },
});

const editor = new Editor(
  {
    map,
    selected: () => state.selected,
    select: (id) => (id === null ? clearSelection() : select(id)),
    subdistrictId: () => state.current?.id ?? null,
    subdistrictBBox: () => state.current?.bbox ?? null,
    visibleLevel: () => state.levelMode,
    refresh: () => refreshAfterEdit(),
    showError: (err) => showError(err),
  },
  els.map.parentElement as HTMLElement,
);

const coverage = new CoveragePanel(
  {
    map,
    subdistrictId: () => state.current?.id ?? null,
    select: (id) => select(id),
    fitBounds: (bb) =>
      map.fitBounds(
        [
          [bb[0], bb[1]],
          [bb[2], bb[3]],
        ],
        { padding: fitPadding(true), maxZoom: 19, duration: 500 },
      ),
    gridName: (id) => tree.gridName(id),
    legendChanged: () => renderLegend(),
  },
  els.coverage,
);

// Test hook for the browser tests: the map, the selected grid id, what the
// editor is doing (mode, session) and what the coverage panel holds, nothing more.
declare global {
  interface Window {
    __gridd?: {
      map: maplibregl.Map;
      selected: () => number | null;
      editor: () => ReturnType<Editor['state']>;
      coverage: () => ReturnType<CoveragePanel['state']>;
    };
  }
}
window.__gridd = { map, selected: () => state.selected, editor: () => editor.state(), coverage: () => coverage.state() };

/** After a write: reload the grid tiles, the tree and the labels. */
async function refreshAfterEdit(): Promise<void> {
  void refreshGridTiles(map);
  coverage.edited();
  try {
    const [treeData, loaded] = await Promise.all([
      api.tree(),
      state.current ? loadGrids(map, state.current, new AbortController().signal) : Promise.resolve(null),
    ]);
    state.tree = treeData;
    tree.render(treeData);
    els.treeCount.textContent = String(countGrids(treeData));
    if (loaded) state.loaded = loaded;
    buildLabels();
    renderLegend();
    if (state.selected !== null) {
      tree.select(state.selected);
      details.show(state.selected, gridProps(state.selected));
    }
  } catch (err) {
    showError(err);
  }
}

// --------------------------------------------------------------- selection

function gridProps(id: number): GridProperties | null {
  return state.loaded?.byId.get(id)?.properties ?? null;
}

function select(id: number, opts: { fly?: boolean } = {}): void {
  state.selected = id;
  editor.selectionChanged();
  setSelectedGrid(map, id);
  // Details first: its height changes the tree's viewport, then the tree scrolls.
  details.show(id, gridProps(id));
  tree.select(id);
  setHash(id);
  if (opts.fly) void flyToGrid(id);
}

/** The selected grid is kept in the URL (#grid=ID) so a view can be shared or reloaded. */
function setHash(id: number | null): void {
  const url = id === null ? location.pathname + location.search : `#grid=${id}`;
  history.replaceState(null, '', url);
}

function hashGrid(): number | null {
  const m = /^#grid=(\d+)$/.exec(location.hash);
  return m ? Number(m[1]) : null;
}

/** A grid named in the URL at page load, selected once its subdistrict has loaded. */
let pendingLink = hashGrid();

function clearSelection(): void {
  state.selected = null;
  setSelectedGrid(map, null);
  tree.select(null);
  details.clear();
  setHash(null);
}

async function flyToGrid(id: number): Promise<void> {
  try {
    const g = await gridGeometry(state.loaded, id);
    const bb = g && geometryBBox(g);
    if (!bb) return;
    map.fitBounds(
      [
        [bb[0], bb[1]],
        [bb[2], bb[3]],
      ],
      { padding: fitPadding(true), maxZoom: 18, duration: 700 },
    );
  } catch (err) {
    showError(err);
  }
}

/** Padding for fitBounds; on narrow screens the open side panel covers the map's left. */
function fitPadding(besidePanel = false): { top: number; bottom: number; left: number; right: number } {
  const { clientWidth: w, clientHeight: h } = els.map;
  const p = Math.max(16, Math.min(60, Math.floor(Math.min(w, h) / 8)));
  let left = p;
  const panelOpen = !document.body.classList.contains('panel-collapsed');
  if (besidePanel && narrow.matches && panelOpen) {
    const panelW = document.getElementById('side-panel')?.offsetWidth ?? 0;
    if (w - panelW > 200) left += panelW;
  }
  return { top: p, bottom: p, left, right: p };
}

function fitSubdistrict(sub: Subdistrict): void {
  const [a, b, c, d] = sub.bbox;
  map.fitBounds(
    [
      [a, b],
      [c, d],
    ],
    { padding: fitPadding(), duration: 0 },
  );
}

/** The grid under a point; where levels overlap, the deepest visible one. */
function pickGrid(point: PointLike): GridProperties | null {
  const layers = GRID_FILL_LAYERS.filter((l) => map.getLayer(l) && map.getLayoutProperty(l, 'visibility') !== 'none');
  if (!layers.length) return null;
  let best: GridProperties | null = null;
  for (const f of map.queryRenderedFeatures(point, { layers })) {
    const id = Number(f.properties?.id ?? f.id);
    const props = gridProps(id) ?? (f.properties as GridProperties);
    if (!best || Number(props.level) > Number(best.level)) best = props;
  }
  return best;
}

map.on('click', (e: MapMouseEvent) => {
  if (editor.capturesClicks()) return;
  // A click on a drawn coverage problem marks it in the open coverage panel.
  if (activeTab === 'coverage') {
    const pids = coverage.problemsAt(e.point);
    if (pids.length) coverage.markFromMap(pids[0]);
  }
  const g = pickGrid(e.point);
  if (g && editor.pickedGrid(Number(g.id))) return;
  if (g) select(Number(g.id));
  else clearSelection();
});

let hoverId: number | null = null;
map.on('mousemove', (e: MapMouseEvent) => {
  const g = editor.capturesClicks() ? null : pickGrid(e.point);
  const id = g ? Number(g.id) : null;
  if (id !== hoverId) {
    hoverId = id;
    setHoverGrid(map, id);
    map.getCanvas().style.cursor = id === null ? '' : 'pointer';
  }
  if (!g) {
    els.tooltip.hidden = true;
    return;
  }
  els.tooltip.replaceChildren();
  const name = document.createElement('strong');
  name.textContent = g.name;
  const meta = document.createElement('span');
  meta.textContent = `${levelName(Number(g.level))} · ${g.code}`;
  els.tooltip.append(name, meta);
  els.tooltip.hidden = false;
  const { x, y } = e.point;
  const w = els.map.clientWidth;
  els.tooltip.style.transform = `translate(${Math.min(x + 14, w - 240)}px, ${y + 14}px)`;
});
map.on('mouseout', () => {
  els.tooltip.hidden = true;
  hoverId = null;
  setHoverGrid(map, null);
});

document.addEventListener('keydown', (e) => {
  if (e.key !== 'Escape') return;
  const target = e.target as HTMLElement | null;
  if (target === els.treeFilter && els.treeFilter.value) return; // Esc clears the search first.
  if (state.selected !== null) {
    clearSelection();
    e.preventDefault();
  }
});

// ----------------------------------------------------------- level / fill

function syncSwitches(): void {
  for (const b of els.levelSwitch.querySelectorAll<HTMLButtonElement>('button[data-level]')) {
    const on = b.dataset.level === String(state.levelMode);
    b.setAttribute('aria-checked', String(on));
    b.classList.toggle('on', on);
  }
  for (const b of els.fillSwitch.querySelectorAll<HTMLButtonElement>('button[data-fill]')) {
    const on = b.dataset.fill === state.fillMode;
    b.setAttribute('aria-checked', String(on));
    b.classList.toggle('on', on);
  }
}

els.levelSwitch.addEventListener('click', (e) => {
  const b = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-level]');
  if (!b) return;
  const v = b.dataset.level;
  state.levelMode = v === 'all' ? 'all' : (Number(v) as 1 | 2 | 3);
  setLevelMode(map, state.levelMode);
  syncSwitches();
  renderLabels();
  renderLegend();
});

els.fillSwitch.addEventListener('click', (e) => {
  const b = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-fill]');
  if (!b) return;
  state.fillMode = b.dataset.fill === 'kind' ? 'kind' : 'level';
  setFillMode(map, state.fillMode);
  syncSwitches();
  renderLegend();
});

// ------------------------------------------------------------------ legend

function renderLegend(): void {
  const rows: HTMLElement[] = [];
  const title = document.createElement('div');
  title.className = 'legend-title';
  title.textContent = t('legend.title');
  rows.push(title);
  const line = (color: string, width: number, label: string, dashed = false) => {
    const r = document.createElement('div');
    r.className = 'legend-row';
    const s = document.createElement('span');
    s.className = 'legend-line';
    s.style.borderTop = `${width}px ${dashed ? 'dashed' : 'solid'} ${color}`;
    const l = document.createElement('span');
    l.textContent = label;
    r.append(s, l);
    rows.push(r);
  };
  const swatch = (color: string, label: string, border = 0) => {
    const r = document.createElement('div');
    r.className = 'legend-row';
    const s = document.createElement('span');
    s.className = 'legend-swatch';
    s.style.background = `color-mix(in srgb, ${color} 40%, transparent)`;
    if (border) s.style.border = `${border}px solid ${color}`;
    const l = document.createElement('span');
    l.textContent = label;
    r.append(s, l);
    rows.push(r);
  };
  line('#3b3a36', 2, t('legend.boundary'), true);
  const widths: Record<number, number> = { 1: 3, 2: 2, 3: 1 };
  for (const level of [1, 2, 3]) {
    if (state.levelMode === 'all' || state.levelMode === level) {
      if (state.fillMode === 'level') swatch(LEVEL_COLORS[level], levelName(level), widths[level]);
      else line(LEVEL_COLORS[level], widths[level], levelName(level));
    }
  }
  if (state.fillMode === 'kind') {
    const kinds = new Set<string>();
    const walk = (nodes: TreeNode[], depth: number) => {
      for (const n of nodes) {
        const lv = n.level ?? depth;
        if (state.levelMode === 'all' || state.levelMode === lv) kinds.add(n.kind ?? '');
        walk(n.children ?? [], lv + 1);
      }
    };
    for (const root of state.tree) walk(root.children ?? [], 1);
    for (const k of [...kinds].sort()) swatch(KIND_COLORS[k] ?? KIND_FALLBACK, kindName(k || null));
  }
  line('#e76f00', 3, t('legend.selected'));
  const problems = coverage.legendEntries();
  if (problems.length) {
    const sub = document.createElement('div');
    sub.className = 'legend-title legend-sub';
    sub.textContent = t('cov.legend');
    rows.push(sub);
    for (const p of problems) {
      if (p.outline) line(p.color, 2, p.label, true);
      else swatch(p.color, p.label, 2);
    }
  }
  els.legend.replaceChildren(...rows);
}

// ------------------------------------------------------------------ labels

const labelMarkers: { level: number; marker: maplibregl.Marker; shown: boolean }[] = [];

function buildLabels(): void {
  for (const m of labelMarkers) m.marker.remove();
  labelMarkers.length = 0;
  for (const f of state.loaded?.grids.features ?? []) {
    const level = f.properties.level;
    if (level > 2) continue; // L3 grids are too many for DOM labels; hover shows them.
    const p = labelPoint(f.geometry);
    if (!p) continue;
    const el = document.createElement('div');
    el.className = `grid-label grid-label-l${level}`;
    el.textContent = f.properties.name;
    const marker = new maplibregl.Marker({ element: el }).setLngLat(p);
    labelMarkers.push({ level, marker, shown: false });
  }
  renderLabels();
}

function renderLabels(): void {
  const z = map.getZoom();
  for (const m of labelMarkers) {
    const { level, marker } = m;
    const levelOn = state.levelMode === 'all' || state.levelMode === level;
    // L1 names while the whole subdistrict is in view; L2 names once zoomed in.
    const zoomOn = level === 1 ? z < 17.5 : z >= 15.5;
    const show = levelOn && zoomOn && !(state.levelMode === 'all' && level === 1 && z >= 16);
    if (show && !m.shown) marker.addTo(map);
    else if (!show && m.shown) marker.remove();
    m.shown = show;
  }
}
map.on('zoomend', renderLabels);

// ------------------------------------------------------------ status/error

function showLoading(on: boolean): void {
  els.status.hidden = !on;
  els.statusText.textContent = t('status.loading');
}

let lastError: unknown = null;
function showError(err: unknown): void {
  lastError = err;
  if (err === null) {
    els.error.hidden = true;
    return;
  }
  els.errorTitle.textContent = t('status.error');
  let detail: string;
  if (err instanceof ApiError) detail = err.unreachable ? t('status.unreachable') : err.message;
  else if (typeof err === 'string') detail = err;
  else detail = err instanceof Error ? err.message : String(err);
  els.errorDetail.textContent = detail;
  els.error.hidden = false;
}
els.errorRetry.addEventListener('click', () => void boot());

function showWarning(): void {
  if (!state.partialErrors.length || lastError) return;
  els.errorTitle.textContent = t('status.error');
  els.errorDetail.textContent = t('status.partial') + state.partialErrors.join('; ');
  els.error.hidden = false;
}

// -------------------------------------------------------------------- tree

function countGrids(nodes: TreeNode[]): number {
  let n = 0;
  const walk = (list: TreeNode[]) => {
    for (const x of list) {
      n++;
      walk(x.children ?? []);
    }
  };
  for (const root of nodes) walk(root.children ?? []);
  return n;
}

els.treeFilter.addEventListener('input', () => {
  const shown = tree.filter(els.treeFilter.value);
  els.treeEmpty.hidden = shown > 0;
});
els.tree.addEventListener('filtercleared', () => {
  els.treeFilter.value = '';
  els.treeEmpty.hidden = true;
});

// ------------------------------------------------------------------- panel

function setPanel(open: boolean): void {
  document.body.classList.toggle('panel-collapsed', !open);
  els.panelToggle.setAttribute('aria-expanded', String(open));
  // The map area changes size once the CSS transition ends.
  window.setTimeout(() => map.resize(), 260);
}
setPanel(!narrow.matches);
narrow.addEventListener('change', (e) => setPanel(!e.matches));
els.panelToggle.addEventListener('click', () =>
  setPanel(document.body.classList.contains('panel-collapsed')),
);

// -------------------------------------------------------------------- tabs

type Tab = 'tree' | 'coverage';
let activeTab: Tab = 'tree';

function setTab(tab: Tab, focus = false): void {
  activeTab = tab;
  const pairs: [Tab, HTMLButtonElement, HTMLElement][] = [
    ['tree', els.tabTree, els.treeSection],
    ['coverage', els.tabCoverage, els.coverage],
  ];
  for (const [name, button, panel] of pairs) {
    const on = name === tab;
    button.setAttribute('aria-selected', String(on));
    button.tabIndex = on ? 0 : -1;
    button.classList.toggle('on', on);
    panel.hidden = !on;
    if (on && focus) button.focus();
  }
  if (tab === 'coverage') coverage.show();
  else coverage.hide();
}
els.tabTree.addEventListener('click', () => setTab('tree'));
els.tabCoverage.addEventListener('click', () => setTab('coverage'));
for (const b of [els.tabTree, els.tabCoverage]) {
  b.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowLeft' || e.key === 'ArrowRight' || e.key === 'Home' || e.key === 'End') {
      e.preventDefault();
      setTab(activeTab === 'tree' ? 'coverage' : 'tree', true);
    }
  });
}

// --------------------------------------------------------------- language

function syncLangButton(): void {
  els.langSwitch.setAttribute('lang', lang() === 'zh' ? 'en' : 'zh-CN');
}
els.langSwitch.addEventListener('click', () => setLang(lang() === 'zh' ? 'en' : 'zh'));
onLangChange(() => {
  syncLangButton();
  tree.relabel();
  details.render();
  editor.relabel();
  coverage.relabel();
  renderLegend();
  if (!els.status.hidden) showLoading(true);
  if (lastError) showError(lastError);
  else showWarning();
  if (!state.tree.length) els.treeStatus.textContent = t('status.loading');
});
syncLangButton();

// -------------------------------------------------------------------- boot

function fillSubdistrictPicker(): void {
  els.subPicker.hidden = state.subdistricts.length < 2;
  els.subSelect.replaceChildren(
    ...state.subdistricts.map((s) => {
      const o = document.createElement('option');
      o.value = String(s.id);
      o.textContent = `${s.name} (${s.code})`;
      return o;
    }),
  );
  if (state.current) els.subSelect.value = String(state.current.id);
}
els.subSelect.addEventListener('change', () => {
  const sub = state.subdistricts.find((s) => String(s.id) === els.subSelect.value);
  if (sub) void switchSubdistrict(sub);
});

async function switchSubdistrict(sub: Subdistrict): Promise<void> {
  state.abort?.abort();
  const ctrl = new AbortController();
  state.abort = ctrl;
  state.current = sub;
  state.partialErrors = [];
  clearSelection();
  coverage.reset();
  els.subName.textContent = `${sub.name} · ${sub.code}`;
  els.subSelect.value = String(sub.id);
  showLoading(true);
  await styleReady;
  fitSubdistrict(sub);
  try {
    state.loaded = await loadGrids(map, sub, ctrl.signal);
    if (ctrl.signal.aborted) return;
    buildLabels();
    renderLegend();
    const linked = pendingLink;
    pendingLink = null;
    if (linked !== null && (state.loaded.byId.has(linked) || tree.gridName(linked))) select(linked, { fly: true });
    showWarning();
  } catch (err) {
    if (ctrl.signal.aborted) return;
    showError(err);
  } finally {
    if (!ctrl.signal.aborted) showLoading(false);
  }
}

async function boot(): Promise<void> {
  showError(null);
  showLoading(true);
  els.treeStatus.hidden = false;
  els.treeStatus.textContent = t('status.loading');
  try {
    const [subs, treeData] = await Promise.all([api.subdistricts(), api.tree()]);
    state.subdistricts = subs;
    state.tree = treeData;
    tree.render(treeData);
    els.treeCount.textContent = String(countGrids(treeData));
    els.treeStatus.hidden = true;
    if (!subs.length) {
      showLoading(false);
      showError(t('status.noSubdistrict'));
      return;
    }
    const wanted = Number(new URLSearchParams(location.search).get('subdistrict'));
    state.current = null;
    fillSubdistrictPicker();
    await switchSubdistrict(subs.find((s) => s.id === wanted) ?? subs[0]);
  } catch (err) {
    showLoading(false);
    els.treeStatus.textContent = err instanceof ApiError && !err.unreachable ? err.message : t('status.unreachable');
    showError(err);
  }
}

syncSwitches();
void styleReady.then(() => {
  setLevelMode(map, state.levelMode);
  setFillMode(map, state.fillMode);
});
renderLegend();
void boot();
