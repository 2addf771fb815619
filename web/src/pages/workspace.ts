// The map workspace: the grid hierarchy, the details of the selected grid and
// the map, with the coverage check beside the tree. Two pages use it: the
// planners' editor (#/editor, with the grid editor's toolbar) and the
// auditors' coverage page (#/coverage, the check open, no editing).

import type { MapMouseEvent, PointLike } from 'maplibre-gl';
import { ApiError, api, type GridSummary, type Subdistrict, type TreeNode } from '../api';
import { can } from '../app/auth';
import { inspect } from '../app/inspect';
import type { Page, PageFactory } from '../app/router';
import type { Route } from '../app/routes';
import type { Shell } from '../app/shell';
import type { Editor } from '../editor/view';
import { applyStaticTexts, kindName, levelName, onLangChange, t } from '../i18n';
import { byId, el } from '../lib/dom';
import { asBBox, geometryBBox } from '../lib/geom';
import { gridGeometry, loadGrids, refreshGridTiles, type LoadedGrids } from '../map/data';
import { GridMap, type FillMode, type LevelMode } from '../map/map';
import { KIND_FALLBACK, SELECTED_COLOR } from '../map/style';
import { CoveragePanel } from '../ui/coverage';
import { DetailsPanel } from '../ui/details';
import { GridTree } from '../ui/tree';
import { watchView } from './view';

const LAYOUT = `
<div class="layout">
  <aside id="side-panel" class="side-panel">
    <div class="panel-tabs" role="tablist" data-i18n-aria="tabs.aria">
      <button id="tab-tree" type="button" role="tab" aria-selected="true" aria-controls="tree-section" data-i18n="tab.tree">网格目录</button>
      <button id="tab-coverage" type="button" role="tab" aria-selected="false" aria-controls="coverage" tabindex="-1" data-i18n="tab.coverage">覆盖检查</button>
    </div>
    <section id="tree-section" class="tree-section" role="tabpanel" aria-labelledby="tab-tree">
      <div class="section-head">
        <h2 data-i18n="tree.title">网格目录</h2>
        <span id="tree-count" class="muted"></span>
      </div>
      <input id="tree-filter" class="tree-filter" type="search" autocomplete="off" data-i18n-placeholder="tree.filter" data-i18n-aria="tree.filter" />
      <div class="tree-scroll">
        <ul id="tree" class="tree" data-i18n-aria="tree.aria"></ul>
        <p id="tree-empty" class="muted tree-empty" data-i18n="tree.empty" hidden></p>
        <p id="tree-status" class="muted tree-empty" hidden></p>
      </div>
      <p class="keys-hint muted" data-i18n="keys.hint"></p>
    </section>
    <section id="coverage" class="coverage-section" role="tabpanel" aria-labelledby="tab-coverage" hidden></section>
    <section id="details" class="details-section" aria-live="polite"></section>
  </aside>
  <div class="map-wrap">
    <div id="map" class="map" role="region" data-i18n-aria="map.aria"></div>
    <div id="status" class="status" role="status" hidden>
      <span class="spinner" aria-hidden="true"></span><span id="status-text"></span>
    </div>
    <div id="error" class="error-banner" role="alert" hidden>
      <div>
        <strong id="error-title"></strong>
        <p id="error-detail"></p>
      </div>
      <button id="error-retry" class="btn" type="button" data-i18n="status.retry">重试</button>
    </div>
    <div id="legend" class="legend"></div>
    <div id="tooltip" class="tooltip" hidden></div>
  </div>
</div>`;

const CONTROLS = `
<label class="select-wrap" id="subdistrict-picker" hidden>
  <select id="subdistrict-select" data-i18n-aria="subdistrict.label"></select>
</label>
<div class="segmented" role="radiogroup" id="level-switch" data-i18n-aria="level.label">
  <span class="seg-label" data-i18n="level.label">层级</span>
  <button type="button" role="radio" data-level="all" data-i18n="level.all">全部</button>
  <button type="button" role="radio" data-level="1" data-i18n="level.1">一级</button>
  <button type="button" role="radio" data-level="2" data-i18n="level.2">二级</button>
  <button type="button" role="radio" data-level="3" data-i18n="level.3">三级</button>
</div>
<div class="segmented" role="radiogroup" id="fill-switch" data-i18n-aria="fill.label">
  <span class="seg-label" data-i18n="fill.label">填色</span>
  <button type="button" role="radio" data-fill="level" data-i18n="fill.level">按层级</button>
  <button type="button" role="radio" data-fill="kind" data-i18n="fill.kind">按类型</button>
</div>`;

type Tab = 'tree' | 'coverage';

/** The workspace page for planners (`editor`) or auditors (`coverage`). */
export function workspacePage(kind: 'editor' | 'coverage', shell: () => Shell): PageFactory {
  return (root, route, router) => new Workspace(root, route, kind, shell(), (r, replace) => (replace ? router.record(r) : router.go(r)));
}

class Workspace implements Page {
  private readonly els;
  private readonly narrow = window.matchMedia('(max-width: 900px)');
  private gm: GridMap | null = null;
  private tree!: GridTree;
  private details!: DetailsPanel;
  private editor: Editor | null = null;
  private coverage: CoveragePanel | null = null;
  private readonly cleanups: (() => void)[] = [];
  private readonly state = {
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
  private activeTab: Tab = 'tree';
  private lastError: unknown = null;
  private hoverId: number | null = null;
  /** A grid named in the URL at page load, selected once its subdistrict has loaded. */
  private pendingLink: number | null;
  /** A map view named in the URL at page load: shown instead of fitting the subdistrict. */
  private pendingView: Route['view'] | null;
  private route: Route;
  private gone = false;

  constructor(
    private readonly root: HTMLElement,
    route: Route,
    private readonly kind: 'editor' | 'coverage',
    private readonly shell: Shell,
    private readonly navigate: (r: Route, replace: boolean) => void,
  ) {
    this.route = route;
    this.pendingLink = route.grid ?? null;
    this.pendingView = route.view ?? null;
    root.innerHTML = LAYOUT;
    root.classList.add('page-workspace');
    shell.lead.replaceChildren(
      el(
        'button',
        { id: 'panel-toggle', className: 'btn panel-toggle', type: 'button' },
        el('span', { className: 'hamburger', ariaHidden: 'true' }),
        el('span', { dataset: { i18n: 'panel.toggle' } }),
      ),
    );
    const toggle = byId(shell.lead, 'panel-toggle');
    toggle.setAttribute('aria-controls', 'side-panel');
    toggle.dataset.i18nTitle = 'panel.toggle.title';
    shell.controls.innerHTML = CONTROLS;
    const q = (id: string) => byId(document, id);
    this.els = {
      map: q('map'),
      tree: q('tree') as HTMLUListElement,
      treeFilter: q('tree-filter') as HTMLInputElement,
      treeEmpty: q('tree-empty'),
      treeStatus: q('tree-status'),
      treeCount: q('tree-count'),
      details: q('details'),
      status: q('status'),
      statusText: q('status-text'),
      error: q('error'),
      errorTitle: q('error-title'),
      errorDetail: q('error-detail'),
      errorRetry: q('error-retry'),
      legend: q('legend'),
      tooltip: q('tooltip'),
      levelSwitch: q('level-switch'),
      fillSwitch: q('fill-switch'),
      panelToggle: toggle,
      subName: shell.subName,
      subPicker: q('subdistrict-picker'),
      subSelect: q('subdistrict-select') as HTMLSelectElement,
      tabTree: q('tab-tree') as HTMLButtonElement,
      tabCoverage: q('tab-coverage') as HTMLButtonElement,
      treeSection: q('tree-section'),
      coverage: q('coverage'),
    };
    this.els.tabCoverage.hidden = !can('coverage.view');
    applyStaticTexts();
    document.title = `${t(kind === 'editor' ? 'page.editor.title' : 'page.coverage.title')} · ${t('app.title')}`;
    inspect.page = {
      map: null,
      selected: () => this.state.selected,
      editor: () => this.editor?.state() ?? null,
      coverage: () => this.coverage?.state() ?? null,
    };
    this.wire();
    void this.start();
  }

  // ------------------------------------------------------------ lifecycle

  private async start(): Promise<void> {
    this.showLoading(true);
    let gm: GridMap;
    try {
      gm = await GridMap.create(this.els.map);
    } catch (err) {
      this.showLoading(false);
      this.showError(err);
      return;
    }
    if (this.gone) {
      gm.remove();
      return;
    }
    this.gm = gm;
    inspect.page!.map = gm.map;
    this.buildWidgets(gm);
    // The editor (and Terra Draw) is a chunk of its own: pages without editing never load it.
    if (this.kind === 'editor' && can('grids.edit')) {
      const { Editor } = await import('../editor/view');
      if (this.gone) return;
      this.editor = this.makeEditor(Editor, gm);
    }
    this.wireMap(gm);
    await gm.ready;
    if (this.gone) return;
    gm.setLevelMode(this.state.levelMode);
    gm.setFillMode(this.state.fillMode);
    this.renderLegend();
    if (this.kind === 'coverage') this.setTab('coverage');
    await this.boot();
  }

  update(route: Route): void {
    this.route = route;
    if (route.view && this.gm) this.gm.map.jumpTo({ center: [route.view.lng, route.view.lat], zoom: route.view.zoom });
    if (route.grid !== undefined && route.grid !== this.state.selected) this.select(route.grid, { fly: !route.view });
    else if (route.grid === undefined && this.state.selected !== null) this.clearSelection();
  }

  unmount(): void {
    this.gone = true;
    this.state.abort?.abort();
    for (const c of this.cleanups) c();
    this.coverage?.destroy();
    this.editor?.destroy();
    this.gm?.remove();
    this.shell.clearSlots();
    this.root.classList.remove('page-workspace');
    document.body.classList.remove('panel-collapsed');
    inspect.page = null;
  }

  private listen<K extends keyof DocumentEventMap>(type: K, fn: (e: DocumentEventMap[K]) => void, capture = false): void {
    document.addEventListener(type, fn, capture);
    this.cleanups.push(() => document.removeEventListener(type, fn, capture));
  }

  // ------------------------------------------------------------- widgets

  private buildWidgets(gm: GridMap): void {
    const st = this.state;
    this.tree = new GridTree(this.els.tree, {
      onSelectGrid: (id) => this.select(id, { fly: true }),
      onSelectSubdistrict: (id) => {
        const sub = st.subdistricts.find((s) => s.id === id);
        if (sub && sub.id !== st.current?.id) void this.switchSubdistrict(sub);
        else if (sub) this.fitSubdistrict(sub);
      },
    });
    this.details = new DetailsPanel(this.els.details, {
      onClear: () => this.clearSelection(),
      onZoom: (id) => void this.flyToGrid(id),
      onSelectParent: (id) => this.select(id, { fly: true }),
      onRendered: () => this.tree.revealSelected(),
      hasChildren: (id) => this.tree.hasChildren(id) ?? false,
      parentOf: (p) => {
        const pid = p.parent_id ?? this.tree.parentGridId(p.id);
        if (pid === null || pid === undefined) return null;
        const known = st.loaded?.byId.get(pid)?.properties ?? this.tree.gridName(pid);
        return known ? { id: pid, name: known.name, code: known.code } : null;
      },
    });
    this.coverage = new CoveragePanel(
      {
        map: gm,
        subdistrictId: () => st.current?.id ?? null,
        select: (id) => this.select(id),
        fitBounds: (bb) => gm.fitBBox(bb, { padding: this.fitPadding(true), maxZoom: 19, duration: 500 }),
        gridName: (id) => this.tree.gridName(id),
        legendChanged: () => this.renderLegend(),
      },
      this.els.coverage,
    );
    this.cleanups.push(
      onLangChange(() => {
        this.tree.relabel();
        this.details.render();
        this.editor?.relabel();
        this.coverage?.relabel();
        this.renderLegend();
        document.title = `${t(this.kind === 'editor' ? 'page.editor.title' : 'page.coverage.title')} · ${t('app.title')}`;
        if (!this.els.status.hidden) this.showLoading(true);
        if (this.lastError) this.showError(this.lastError);
        else this.showWarning();
        if (!st.tree.length) this.els.treeStatus.textContent = t('status.loading');
      }),
    );
  }

  private makeEditor(EditorClass: typeof Editor, gm: GridMap): Editor {
    const st = this.state;
    return new EditorClass(
      {
        map: gm,
        selected: () => st.selected,
        select: (id) => (id === null ? this.clearSelection() : this.select(id)),
        subdistrictId: () => st.current?.id ?? null,
        subdistrictBBox: () => asBBox(st.current?.bbox),
        visibleLevel: () => st.levelMode,
        refresh: () => this.refreshAfterEdit(),
        showError: (err) => this.showError(err),
        mayImport: () => can('grids.import'),
      },
      this.els.map.parentElement as HTMLElement,
    );
  }

  /** DOM listeners that need no map. */
  private wire(): void {
    const els = this.els;
    const st = this.state;
    els.errorRetry.addEventListener('click', () => void this.boot());
    els.levelSwitch.addEventListener('click', (e) => {
      const b = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-level]');
      if (!b) return;
      const v = b.dataset.level;
      st.levelMode = v === 'all' ? 'all' : (Number(v) as 1 | 2 | 3);
      this.gm?.setLevelMode(st.levelMode);
      this.syncSwitches();
      this.renderLegend();
    });
    els.fillSwitch.addEventListener('click', (e) => {
      const b = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-fill]');
      if (!b) return;
      st.fillMode = b.dataset.fill === 'kind' ? 'kind' : 'level';
      this.gm?.setFillMode(st.fillMode);
      this.syncSwitches();
      this.renderLegend();
    });
    this.syncSwitches();
    els.treeFilter.addEventListener('input', () => {
      const shown = this.tree.filter(els.treeFilter.value);
      els.treeEmpty.hidden = shown > 0;
    });
    els.tree.addEventListener('filtercleared', () => {
      els.treeFilter.value = '';
      els.treeEmpty.hidden = true;
    });
    this.setPanel(!this.narrow.matches);
    const onNarrow = (e: MediaQueryListEvent) => this.setPanel(!e.matches);
    this.narrow.addEventListener('change', onNarrow);
    this.cleanups.push(() => this.narrow.removeEventListener('change', onNarrow));
    els.panelToggle.addEventListener('click', () => this.setPanel(document.body.classList.contains('panel-collapsed')));
    els.tabTree.addEventListener('click', () => this.setTab('tree'));
    els.tabCoverage.addEventListener('click', () => this.setTab('coverage'));
    for (const b of [els.tabTree, els.tabCoverage]) {
      b.addEventListener('keydown', (e) => {
        if (e.key === 'ArrowLeft' || e.key === 'ArrowRight' || e.key === 'Home' || e.key === 'End') {
          e.preventDefault();
          this.setTab(this.activeTab === 'tree' ? 'coverage' : 'tree', true);
        }
      });
    }
    els.subSelect.addEventListener('change', () => {
      const sub = st.subdistricts.find((s) => String(s.id) === els.subSelect.value);
      if (sub) void this.switchSubdistrict(sub);
    });
    this.listen('keydown', (e) => {
      if (e.key !== 'Escape') return;
      const target = e.target as HTMLElement | null;
      if (target === els.treeFilter && els.treeFilter.value) return; // Esc clears the search first.
      if (st.selected !== null) {
        this.clearSelection();
        e.preventDefault();
      }
    });
  }

  private wireMap(gm: GridMap): void {
    const map = gm.map;
    const els = this.els;
    map.on('click', (e: MapMouseEvent) => {
      if (this.editor?.capturesClicks()) return;
      // A click on a drawn coverage problem marks it in the open coverage panel.
      if (this.activeTab === 'coverage' && this.coverage) {
        const pids = this.coverage.problemsAt(e.point);
        if (pids.length) this.coverage.markFromMap(pids[0]);
      }
      const g = this.pick(e.point);
      if (g && this.editor?.pickedGrid(Number(g.id))) return;
      if (g) this.select(Number(g.id));
      else this.clearSelection();
    });
    map.on('mousemove', (e: MapMouseEvent) => {
      const g = this.editor?.capturesClicks() ? null : this.pick(e.point);
      const id = g ? Number(g.id) : null;
      if (id !== this.hoverId) {
        this.hoverId = id;
        gm.hover(id);
        map.getCanvas().style.cursor = id === null ? '' : 'pointer';
      }
      if (!g) {
        els.tooltip.hidden = true;
        return;
      }
      els.tooltip.replaceChildren(
        el('strong', { textContent: g.name }),
        el('span', { textContent: `${levelName(Number(g.level))} · ${g.code}` }),
      );
      els.tooltip.hidden = false;
      const { x, y } = e.point;
      const w = els.map.clientWidth;
      els.tooltip.style.transform = `translate(${Math.min(x + 14, w - 240)}px, ${y + 14}px)`;
    });
    map.on('mouseout', () => {
      els.tooltip.hidden = true;
      this.hoverId = null;
      gm.hover(null);
    });
    this.cleanups.push(
      watchView(map, (view) => {
        if (!this.pendingView) this.navigate({ ...this.route, view }, true);
      }),
    );
  }

  private pick(point: PointLike): GridSummary | null {
    const g = this.gm?.pickGrid(point) ?? null;
    return g ? (this.gridProps(g.id) ?? g) : null;
  }

  // ------------------------------------------------------------ selection

  private gridProps(id: number): GridSummary | null {
    return this.state.loaded?.byId.get(id)?.properties ?? null;
  }

  private select(id: number, opts: { fly?: boolean } = {}): void {
    this.state.selected = id;
    this.editor?.selectionChanged();
    this.gm?.select(id);
    // Details first: its height changes the tree's viewport, then the tree scrolls.
    this.details.show(id, this.gridProps(id));
    this.tree.select(id);
    this.route = { ...this.route, grid: id };
    this.navigate(this.route, true);
    if (opts.fly) void this.flyToGrid(id);
  }

  private clearSelection(): void {
    this.state.selected = null;
    this.gm?.select(null);
    this.tree.select(null);
    this.details.clear();
    const { grid: _drop, ...rest } = this.route;
    void _drop;
    this.route = rest;
    this.navigate(this.route, true);
  }

  private async flyToGrid(id: number): Promise<void> {
    try {
      const g = await gridGeometry(this.state.loaded, id);
      const bb = g && geometryBBox(g);
      if (!bb || !this.gm) return;
      this.gm.fitBBox(bb, { padding: this.fitPadding(true), maxZoom: 18, duration: 700 });
    } catch (err) {
      this.showError(err);
    }
  }

  /** Padding for fitBounds; on narrow screens the open side panel covers the map's left. */
  private fitPadding(besidePanel = false): { top: number; bottom: number; left: number; right: number } {
    const { clientWidth: w, clientHeight: h } = this.els.map;
    const p = Math.max(16, Math.min(60, Math.floor(Math.min(w, h) / 8)));
    let left = p;
    const panelOpen = !document.body.classList.contains('panel-collapsed');
    if (besidePanel && this.narrow.matches && panelOpen) {
      const panelW = document.getElementById('side-panel')?.offsetWidth ?? 0;
      if (w - panelW > 200) left += panelW;
    }
    return { top: p, bottom: p, left, right: p };
  }

  private fitSubdistrict(sub: Subdistrict): void {
    const bb = asBBox(sub.bbox);
    if (bb) this.gm?.fitBBox(bb, { padding: this.fitPadding(), duration: 0 });
  }

  /** After a write: reload the grid tiles, the tree and the labels. */
  private async refreshAfterEdit(): Promise<void> {
    const st = this.state;
    if (this.gm) void refreshGridTiles(this.gm.map);
    this.coverage?.edited();
    try {
      const [treeData, loaded] = await Promise.all([
        api.tree(),
        st.current ? loadGrids(st.current, new AbortController().signal) : Promise.resolve(null),
      ]);
      st.tree = treeData;
      this.tree.render(treeData);
      this.els.treeCount.textContent = String(countGrids(treeData));
      if (loaded) st.loaded = loaded;
      this.buildLabels();
      this.renderLegend();
      if (st.selected !== null) {
        this.tree.select(st.selected);
        this.details.show(st.selected, this.gridProps(st.selected));
      }
    } catch (err) {
      this.showError(err);
    }
  }

  // ---------------------------------------------------------- switches

  private syncSwitches(): void {
    for (const b of this.els.levelSwitch.querySelectorAll<HTMLButtonElement>('button[data-level]')) {
      const on = b.dataset.level === String(this.state.levelMode);
      b.setAttribute('aria-checked', String(on));
      b.classList.toggle('on', on);
    }
    for (const b of this.els.fillSwitch.querySelectorAll<HTMLButtonElement>('button[data-fill]')) {
      const on = b.dataset.fill === this.state.fillMode;
      b.setAttribute('aria-checked', String(on));
      b.classList.toggle('on', on);
    }
  }

  // ------------------------------------------------------------- legend

  private renderLegend(): void {
    const gm = this.gm;
    const st = this.state;
    const rows: HTMLElement[] = [el('div', { className: 'legend-title', textContent: t('legend.title') })];
    const line = (color: string, width: number, label: string, dashed = false) => {
      const s = el('span', { className: 'legend-line' });
      s.style.borderTop = `${Math.max(1, Math.round(width))}px ${dashed ? 'dashed' : 'solid'} ${color}`;
      rows.push(el('div', { className: 'legend-row' }, s, el('span', { textContent: label })));
    };
    const swatch = (color: string, label: string, border = 0) => {
      const s = el('span', { className: 'legend-swatch' });
      s.style.background = `color-mix(in srgb, ${color} 40%, transparent)`;
      if (border) s.style.border = `${Math.max(1, Math.round(border))}px solid ${color}`;
      rows.push(el('div', { className: 'legend-row' }, s, el('span', { textContent: label })));
    };
    if (!gm) return;
    line(gm.facts.boundaryColor, 2, t('legend.boundary'), true);
    for (const level of [1, 2, 3]) {
      if (st.levelMode === 'all' || st.levelMode === level) {
        const width = gm.facts.levelWidths[level] ?? 1;
        if (st.fillMode === 'level') swatch(gm.levelColor(level), levelName(level), width);
        else line(gm.levelColor(level), width, levelName(level));
      }
    }
    if (st.fillMode === 'kind') {
      const kinds = new Set<string>();
      const walk = (nodes: TreeNode[]) => {
        for (const n of nodes) {
          if (st.levelMode === 'all' || st.levelMode === n.level) kinds.add(n.kind ?? '');
          walk(n.children);
        }
      };
      for (const r of st.tree) walk(r.children);
      for (const k of [...kinds].sort()) swatch(gm.facts.kindColors[k] ?? KIND_FALLBACK, kindName(k || null));
    }
    line(SELECTED_COLOR, 3, t('legend.selected'));
    const problems = this.coverage?.legendEntries() ?? [];
    if (problems.length) {
      rows.push(el('div', { className: 'legend-title legend-sub', textContent: t('cov.legend') }));
      for (const p of problems) {
        if (p.outline) line(p.color, 2, p.label, true);
        else swatch(p.color, p.label, 2);
      }
    }
    this.els.legend.replaceChildren(...rows);
  }

  // ------------------------------------------------------------- labels

  /**
   * The L1 / L2 names on the map: symbols at each grid's label point (map/labels.ts),
   * placed with collision detection; which show at which zoom and level mode is the
   * layers' own zoom range and visibility (GridMap.setLevelMode).
   */
  private buildLabels(): void {
    this.gm?.setGridLabels(this.state.loaded?.grids.features ?? []);
  }

  // ------------------------------------------------------- status/error

  private showLoading(on: boolean): void {
    this.els.status.hidden = !on;
    this.els.statusText.textContent = t('status.loading');
  }

  private showError(err: unknown): void {
    this.lastError = err;
    const els = this.els;
    if (err === null) {
      els.error.hidden = true;
      return;
    }
    els.errorTitle.textContent = t('status.error');
    let detail: string;
    if (err instanceof ApiError) detail = err.unreachable ? t('status.unreachable') : err.message;
    else if (typeof err === 'string') detail = err;
    else detail = err instanceof Error ? err.message : JSON.stringify(err);
    els.errorDetail.textContent = detail;
    els.error.hidden = false;
  }

  private showWarning(): void {
    if (!this.state.partialErrors.length || this.lastError) return;
    this.els.errorTitle.textContent = t('status.error');
    this.els.errorDetail.textContent = t('status.partial') + this.state.partialErrors.join('; ');
    this.els.error.hidden = false;
  }

  // -------------------------------------------------------- panel, tabs

  private setPanel(open: boolean): void {
    document.body.classList.toggle('panel-collapsed', !open);
    this.els.panelToggle.setAttribute('aria-expanded', String(open));
    // The map area changes size once the CSS transition ends.
    window.setTimeout(() => this.gm?.map.resize(), 260);
  }

  private setTab(tab: Tab, focus = false): void {
    // The coverage check is the audit's: a role without it gets the tree only.
    if (tab === 'coverage' && !can('coverage.view')) tab = 'tree';
    this.activeTab = tab;
    const els = this.els;
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
    if (tab === 'coverage') this.coverage?.show();
    else this.coverage?.hide();
  }

  // --------------------------------------------------------------- boot

  private fillSubdistrictPicker(): void {
    const st = this.state;
    this.els.subPicker.hidden = st.subdistricts.length < 2;
    this.els.subSelect.replaceChildren(
      ...st.subdistricts.map((s) => el('option', { value: String(s.id), textContent: `${s.name} (${s.code})` })),
    );
    if (st.current) this.els.subSelect.value = String(st.current.id);
  }

  private async switchSubdistrict(sub: Subdistrict): Promise<void> {
    const st = this.state;
    st.abort?.abort();
    const ctrl = new AbortController();
    st.abort = ctrl;
    st.current = sub;
    st.partialErrors = [];
    const linked = this.pendingLink;
    if (linked === null) this.clearSelection();
    this.coverage?.reset();
    this.els.subName.textContent = `${sub.name} · ${sub.code}`;
    this.els.subSelect.value = String(sub.id);
    this.showLoading(true);
    const view = this.pendingView;
    if (view) this.gm?.map.jumpTo({ center: [view.lng, view.lat], zoom: view.zoom });
    else this.fitSubdistrict(sub);
    this.pendingView = null;
    try {
      st.loaded = await loadGrids(sub, ctrl.signal);
      if (ctrl.signal.aborted) return;
      this.buildLabels();
      this.renderLegend();
      this.pendingLink = null;
      if (linked !== null && (st.loaded.byId.has(linked) || this.tree.gridName(linked))) this.select(linked, { fly: !view });
      this.showWarning();
    } catch (err) {
      if (ctrl.signal.aborted) return;
      this.showError(err);
    } finally {
      if (!ctrl.signal.aborted) this.showLoading(false);
    }
  }

  private async boot(): Promise<void> {
    const st = this.state;
    const els = this.els;
    this.showError(null);
    this.showLoading(true);
    els.treeStatus.hidden = false;
    els.treeStatus.textContent = t('status.loading');
    try {
      const [subs, treeData] = await Promise.all([api.subdistricts(), api.tree()]);
      if (this.gone) return;
      st.subdistricts = subs;
      st.tree = treeData;
      this.tree.render(treeData);
      els.treeCount.textContent = String(countGrids(treeData));
      els.treeStatus.hidden = true;
      if (!subs.length) {
        this.showLoading(false);
        this.showError(t('status.noSubdistrict'));
        return;
      }
      const wanted = Number(new URLSearchParams(location.search).get('subdistrict'));
      st.current = null;
      this.fillSubdistrictPicker();
      await this.switchSubdistrict(subs.find((s) => s.id === wanted) ?? subs[0]);
    } catch (err) {
      this.showLoading(false);
      els.treeStatus.textContent = err instanceof ApiError && !err.unreachable ? err.message : t('status.unreachable');
      this.showError(err);
    }
  }
}

function countGrids(nodes: TreeNode[]): number {
  let n = 0;
  const walk = (list: TreeNode[]) => {
    for (const x of list) {
      n++;
      walk(x.children);
    }
  };
  for (const r of nodes) walk(r.children);
  return n;
}
