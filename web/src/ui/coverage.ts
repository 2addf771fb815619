// The "覆盖检查 / Coverage check" panel of the viewer: runs the coverage audit
// of the current subdistrict (GET /api/v1/coverage?format=geojson), shows the
// summary per level and every problem, and draws the problems over the grids
// (source COVERAGE_SOURCE in map.ts, coloured by kind). A click on a problem
// zooms to it and selects the grid involved.

import type { Feature, Geometry } from 'geojson';
import {
  ApiError,
  api,
  type BBox,
  type CoverageCollection,
  type CoverageProblemProps as ServerProblemProps,
  type CoverageSummary,
} from '../api';
import { geometryBBox } from '../lib/geom';
import { el } from '../lib/dom';
import { formatNumber, has, lang, t, type MessageKey } from '../i18n';
import { COVERAGE_COLORS, COVERAGE_FALLBACK, COVERAGE_LAYERS, COVERAGE_OUTLINE_KINDS, COVERAGE_SOURCE, type GridMap } from '../map/map';

/** A problem as the panel lists it: the server's properties and its index in the list. */
export interface CoverageProblemProps extends ServerProblemProps {
  /** Index in the panel's list (added by the page). */
  pid: number;
}

export interface CoverageHost {
  map: GridMap;
  subdistrictId(): number | null;
  select(id: number): void;
  /** Fit the map to a bbox, leaving room for the side panel where it overlays the map. */
  fitBounds(bbox: BBox): void;
  gridName(id: number): { name: string; code: string } | null;
  /** The set of problem kinds on the map changed (the legend shows them). */
  legendChanged(): void;
}

type Status = 'idle' | 'running' | 'done' | 'error';

/** Name of a problem kind in the current language (the server's name when unknown). */
export function problemKindName(kind: string): string {
  const key = `edit.problem.${kind}`;
  return has(key) ? t(key) : kind;
}

function fmtArea(v: number): string {
  if (v < 10) return v.toFixed(2);
  if (v < 1000) return v.toFixed(1);
  return formatNumber(Math.round(v));
}

function fmtWidth(v: number): string {
  return v < 10 ? v.toFixed(2) : v.toFixed(1);
}

function fmtRatio(r: number): string {
  return `${(r * 100).toFixed(3)} %`;
}

const SEVERITY_ORDER: Record<string, number> = { defect: 0, warning: 1 };

export class CoveragePanel {
  private status: Status = 'idle';
  private error: string | null = null;
  private report: CoverageCollection | null = null;
  private problems: Feature<Geometry | null, CoverageProblemProps>[] = [];
  private active: number | null = null;
  private tolerance = '0.5';
  private showOnMap = true;
  private abort: AbortController | null = null;
  private shown = false;
  private elapsedMs: number | null = null;

  constructor(
    private readonly host: CoverageHost,
    private readonly root: HTMLElement,
  ) {
    this.render();
  }

  /** Test hook: what the panel holds. */
  state(): {
    status: Status;
    tolerance: number;
    defects: number | null;
    warnings: number | null;
    problems: number;
    levels: { level: number; defects: number; warnings: number; coverage_ratio: number; noise: number }[];
    active: number | null;
    error: string | null;
  } {
    const s = this.report?.summary;
    return {
      status: this.status,
      tolerance: Number(this.tolerance),
      defects: s ? s.defects : null,
      warnings: s ? s.warnings : null,
      problems: this.problems.length,
      levels: (s?.levels ?? []).map((l) => ({
        level: l.level,
        defects: l.defects,
        warnings: l.warnings,
        coverage_ratio: l.coverage_ratio,
        noise: l.noise.gaps + l.noise.overlaps + l.noise.outside,
      })),
      active: this.active,
      error: this.error,
    };
  }

  /** The panel became visible (its tab was opened): run the audit the first time. */
  show(): void {
    this.shown = true;
    if (this.status === 'idle') void this.run();
  }

  hide(): void {
    this.shown = false;
  }

  /** The page is left (or the session ended mid-audit): drop the audit in flight, whose answer has no map to go to. */
  destroy(): void {
    this.abort?.abort();
  }

  /** The subdistrict changed: forget the old report; run again if the panel is open. */
  reset(): void {
    this.abort?.abort();
    this.report = null;
    this.problems = [];
    this.active = null;
    this.status = 'idle';
    this.error = null;
    this.draw();
    this.render();
    if (this.shown) void this.run();
  }

  /** After a write (editor save, split, merge…): run the audit again if it has run before. */
  edited(): void {
    if (this.status !== 'idle') void this.run();
  }

  relabel(): void {
    this.render();
  }

  /** Kinds of problem drawn on the map now, with their colours and style (for the legend). */
  legendEntries(): { kind: string; label: string; color: string; outline: boolean }[] {
    if (!this.showOnMap || !this.problems.length) return [];
    const kinds = [...new Set(this.problems.filter((f) => f.geometry).map((f) => f.properties.kind))];
    return kinds.map((kind) => ({
      kind,
      label: problemKindName(kind),
      color: COVERAGE_COLORS[kind] ?? COVERAGE_FALLBACK,
      outline: COVERAGE_OUTLINE_KINDS.includes(kind),
    }));
  }

  /** Problems under a map point (features of the coverage layers), by pid. */
  problemsAt(point: { x: number; y: number }): number[] {
    const map = this.host.map.map;
    if (!this.showOnMap || !this.problems.length) return [];
    const layers = COVERAGE_LAYERS.filter((l) => l !== 'coverage-active' && map.getLayer(l));
    return map.queryRenderedFeatures([point.x, point.y], { layers }).map((f) => Number(f.properties?.pid));
  }

  /** A problem clicked on the map: mark it in the list (no zoom; the map click selects the grid). */
  markFromMap(pid: number): void {
    this.active = pid;
    this.host.map.setActiveProblem(pid);
    this.renderList();
    this.root.querySelector<HTMLElement>(`li[data-pid="${pid}"]`)?.scrollIntoView({ block: 'nearest' });
  }

  private query(): { subdistrict?: number; tolerance?: number } {
    const sid = this.host.subdistrictId();
    const tol = this.tolerance.trim();
    // A tolerance that is no number still goes to the server, which names the field in its 422.
    return { subdistrict: sid ?? undefined, tolerance: tol === '' ? undefined : (tol as unknown as number) };
  }

  private reportUrl(): string {
    return api.coverageUrl({ ...this.query(), format: 'html' });
  }

  /** Run the audit of the current subdistrict with the tolerance in the input. */
  async run(): Promise<void> {
    if (this.host.subdistrictId() === null) return;
    this.abort?.abort();
    const ctrl = new AbortController();
    this.abort = ctrl;
    this.status = 'running';
    this.error = null;
    this.render();
    const started = performance.now();
    try {
      const r: CoverageCollection = await api.coverage({ ...this.query(), format: 'geojson' }, ctrl.signal);
      if (ctrl.signal.aborted) return;
      this.elapsedMs = performance.now() - started;
      this.report = r;
      const features = (r.features ?? []).map((f) => ({ ...f, properties: { ...f.properties, pid: 0 } }));
      features.sort(
        (a, b) =>
          (SEVERITY_ORDER[a.properties.severity] ?? 2) - (SEVERITY_ORDER[b.properties.severity] ?? 2) ||
          (a.properties.level ?? 0) - (b.properties.level ?? 0) ||
          a.properties.kind.localeCompare(b.properties.kind) ||
          (b.properties.area_m2 ?? 0) - (a.properties.area_m2 ?? 0),
      );
      features.forEach((f, i) => (f.properties.pid = i));
      this.problems = features;
      this.active = null; // the list is new: indices changed
      this.status = 'done';
    } catch (err) {
      if (ctrl.signal.aborted || (err instanceof DOMException && err.name === 'AbortError')) return;
      this.status = 'error';
      this.error = err instanceof ApiError ? (err.unreachable ? t('status.unreachable') : err.message) : String(err);
    }
    this.draw();
    this.render();
  }

  private draw(): void {
    const map = this.host.map;
    const features = this.problems
      .filter((f) => f.geometry)
      .map((f) => ({ type: 'Feature' as const, id: f.properties.pid, geometry: f.geometry as Geometry, properties: f.properties }));
    map.setOverlay(COVERAGE_SOURCE, { type: 'FeatureCollection', features });
    map.setCoverageVisible(this.showOnMap);
    map.setActiveProblem(this.active);
    this.host.legendChanged();
  }

  /** Zoom to a problem and select a grid involved (the first, or the one given). */
  activate(pid: number, gridId?: number): void {
    const f = this.problems[pid];
    if (!f) return;
    this.active = pid;
    this.host.map.setActiveProblem(pid);
    const id = gridId ?? f.properties.grid_ids[0];
    if (id !== undefined) this.host.select(id);
    const bb = f.geometry ? geometryBBox(f.geometry) : null;
    if (bb) this.host.fitBounds(bb);
    const hadFocus = this.root.contains(document.activeElement);
    this.renderList();
    if (hadFocus) this.root.querySelector<HTMLElement>(`li[data-pid="${pid}"]`)?.focus({ preventScroll: true });
  }

  // ------------------------------------------------------------------ render

  private render(): void {
    const head = el('div', { className: 'section-head' }, el('h2', { textContent: t('cov.title') }));
    const intro = el('p', { className: 'muted cov-intro', textContent: t('cov.intro') });

    const tol = el('input', {
      id: 'coverage-tolerance',
      type: 'number',
      min: '0',
      step: '0.1',
      value: this.tolerance,
      title: t('cov.tolerance.title'),
    });
    tol.inputMode = 'decimal';
    tol.addEventListener('input', () => {
      this.tolerance = tol.value;
      link.href = this.reportUrl();
    });
    tol.addEventListener('change', () => void this.run());
    tol.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        void this.run();
      }
    });
    const runB = el('button', {
      type: 'button',
      id: 'coverage-run',
      className: 'btn btn-small btn-primary',
      textContent: this.status === 'running' ? t('cov.running') : this.status === 'idle' ? t('cov.run') : t('cov.refresh'),
      disabled: this.status === 'running',
    });
    runB.addEventListener('click', () => void this.run());
    const link = el('a', {
      id: 'coverage-report',
      className: 'btn btn-small',
      href: this.reportUrl(),
      target: '_blank',
      rel: 'noopener',
      textContent: t('cov.report'),
      title: t('cov.report.title'),
    });
    const controls = el(
      'div',
      { className: 'cov-controls' },
      el('label', { className: 'cov-tol', title: t('cov.tolerance.title') }, el('span', { textContent: t('cov.tolerance') }), tol),
      runB,
      link,
    );
    const show = el('input', { type: 'checkbox', id: 'coverage-show', checked: this.showOnMap });
    show.addEventListener('change', () => {
      this.showOnMap = show.checked;
      this.draw();
    });
    const showL = el('label', { className: 'cov-show' }, show, ` ${t('cov.showOnMap')}`);

    const status = el('div', { id: 'coverage-status', className: 'cov-status', role: 'status' });
    const s = this.report?.summary;
    if (this.status === 'running')
      status.append(el('span', { className: 'spinner', ariaHidden: 'true' }), el('span', { textContent: t('cov.running') }));
    else if (this.status === 'error') {
      status.classList.add('error');
      status.textContent = `${t('cov.failed')}${this.error ?? ''}`;
    } else if (this.status === 'idle') status.textContent = t('cov.notRun');
    if (s && this.status !== 'error') {
      const verdict = el('p', {
        id: 'coverage-verdict',
        className: s.defects ? 'cov-verdict fail' : 'cov-verdict pass',
        textContent: s.defects ? t('cov.fail').replace('{n}', String(s.defects)) : t('cov.pass'),
      });
      const totals = el('p', {
        className: 'muted cov-totals',
        textContent: t('cov.totals')
          .replace('{d}', String(s.defects))
          .replace('{w}', String(s.warnings))
          .replace('{t}', String(s.config.tolerance_m))
          .replace('{ms}', this.elapsedMs === null ? '—' : String(Math.round(this.elapsedMs))),
      });
      if (this.status === 'running') status.append(verdict, totals);
      else status.replaceChildren(verdict, totals);
    }

    const parts: Node[] = [head, el('div', { className: 'cov-body' }, intro, controls, showL, status)];
    if (s) parts.push(this.renderSummary(s));
    const list = el('div', { id: 'coverage-problems', className: 'cov-problems' });
    parts.push(list);
    this.root.replaceChildren(...parts);
    this.renderList();
  }

  private renderSummary(s: CoverageSummary): HTMLElement {
    const th = (k: MessageKey) => el('th', { scope: 'col', textContent: t(k) });
    const table = el(
      'table',
      { id: 'coverage-summary', className: 'cov-summary' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          th('cov.col.level'),
          th('cov.col.grids'),
          th('cov.col.coverage'),
          th('cov.col.defects'),
          th('cov.col.warnings'),
          th('cov.col.noise'),
        ),
      ),
    );
    const body = el('tbody');
    for (const l of s.levels) {
      const n = l.noise;
      const noise = el('td', {
        className: 'cov-noise',
        textContent: `${n.gaps}/${n.overlaps}/${n.outside}`,
        title: t('cov.noise.title')
          .replace('{g}', String(n.gaps))
          .replace('{ga}', fmtArea(n.gap_area_m2))
          .replace('{o}', String(n.overlaps))
          .replace('{oa}', fmtArea(n.overlap_area_m2))
          .replace('{x}', String(n.outside))
          .replace('{xa}', fmtArea(n.outside_area_m2)),
      });
      body.append(
        el(
          'tr',
          { dataset: { level: String(l.level) } },
          el('th', { scope: 'row', textContent: `L${l.level}` }),
          el('td', { textContent: String(l.grids) }),
          el('td', { className: 'cov-ratio', textContent: fmtRatio(l.coverage_ratio) }),
          el('td', { className: l.defects ? 'cov-defects bad' : 'cov-defects', textContent: String(l.defects) }),
          el('td', { className: 'cov-warnings', textContent: String(l.warnings) }),
          noise,
        ),
      );
    }
    table.append(body);
    return el('div', { className: 'cov-summary-wrap' }, table, el('p', { className: 'muted cov-note', textContent: t('cov.noise.note') }));
  }

  private renderList(): void {
    const box = this.root.querySelector<HTMLElement>('#coverage-problems');
    if (!box) return;
    if (!this.report) {
      box.replaceChildren();
      return;
    }
    const title = el('h3', { textContent: t('cov.problems').replace('{n}', String(this.problems.length)) });
    if (!this.problems.length) {
      box.replaceChildren(title, el('p', { className: 'ok', textContent: t('cov.noProblems') }));
      return;
    }
    const ul = el('ul', { id: 'coverage-list', className: 'cov-list' });
    for (const f of this.problems) ul.append(this.renderItem(f));
    box.replaceChildren(title, ul);
  }

  private renderItem(f: Feature<Geometry | null, CoverageProblemProps>): HTMLElement {
    const p = f.properties;
    const color = COVERAGE_COLORS[p.kind] ?? COVERAGE_FALLBACK;
    const swatch = el('span', { className: 'cov-swatch' });
    swatch.style.background = COVERAGE_OUTLINE_KINDS.includes(p.kind) ? 'transparent' : color;
    swatch.style.borderColor = color;
    if (COVERAGE_OUTLINE_KINDS.includes(p.kind)) swatch.style.borderStyle = 'dashed';
    const sev = p.severity === 'defect' ? t('cov.defect') : t('cov.warning');
    const head = el(
      'div',
      { className: 'cov-item-head' },
      swatch,
      el('strong', { className: 'cov-kind', textContent: problemKindName(p.kind) }),
      el('span', { className: `cov-sev ${p.severity === 'defect' ? 'defect' : 'warning'}`, textContent: sev }),
      p.level !== null && p.level !== undefined
        ? el('span', { className: `badge badge-l${Math.min(p.level, 3)}`, textContent: `L${p.level}` })
        : null,
    );
    const meas: string[] = [];
    if (p.area_m2 !== null && p.area_m2 !== undefined) meas.push(`${t('cov.area')} ${fmtArea(p.area_m2)} m²`);
    if (p.width_m !== null && p.width_m !== undefined) meas.push(`${t('cov.width')} ${fmtWidth(p.width_m)} m`);
    const grids = el('div', { className: 'cov-grids' }, el('span', { className: 'muted', textContent: `${t('cov.grids')}: ` }));
    p.grid_ids.forEach((id, i) => {
      const code = p.grid_codes[i] ?? String(id);
      const named = this.host.gridName(id);
      const b = el('button', {
        type: 'button',
        className: 'link cov-grid',
        textContent: code,
        title: named ? `${named.name} (${code})` : code,
        dataset: { gridId: String(id) },
      });
      b.addEventListener('click', (e) => {
        e.stopPropagation();
        this.activate(p.pid, id);
      });
      if (i) grids.append(', ');
      grids.append(b);
    });
    const fixKey = `cov.fix.${p.kind}`;
    const ownFix = lang() === 'zh' && has(fixKey) ? t(fixKey) : null;
    const li = el(
      'li',
      {
        className: `cov-item${this.active === p.pid ? ' active' : ''}`,
        tabIndex: 0,
        dataset: { pid: String(p.pid), kind: p.kind, severity: String(p.severity) },
      },
      head,
      meas.length ? el('div', { className: 'muted cov-meas', textContent: meas.join(' · ') }) : null,
      p.grid_ids.length ? grids : null,
      el('div', { className: 'cov-fix' }, el('span', { className: 'muted', textContent: `${t('cov.fix')}: ` }), ownFix ?? p.fix ?? ''),
      // In Chinese the server's own (English) explanation is folded away.
      ownFix && (p.fix || p.message)
        ? el(
            'details',
            { className: 'muted cov-server' },
            el('summary', { textContent: t('cov.server') }),
            el('div', { lang: 'en', textContent: [p.message, p.fix].filter(Boolean).join(' — ') }),
          )
        : null,
      !ownFix && p.message ? el('div', { className: 'muted cov-server', textContent: p.message }) : null,
    );
    li.setAttribute('role', 'button');
    li.setAttribute('aria-pressed', String(this.active === p.pid));
    li.addEventListener('click', (e) => {
      if ((e.target as HTMLElement).closest('summary, details[open] > div')) return; // reading the server's note
      this.activate(p.pid);
    });
    li.addEventListener('keydown', (e) => {
      if (e.target !== li) return;
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        this.activate(p.pid);
      }
    });
    return li;
  }
}
