// The grid editor's view: the toolbar, the editing panel (attribute form,
// coverage preview, conflicts, import report), dialogs and shortcuts. It
// drives three parts that know nothing of the DOM: the editing session
// (session.ts: state, undo, topology), the Terra Draw adapter (terra.ts) and
// the server operations (server.ts).
//
// Everything edited is TRUE geometry fetched from GET /api/v1/grids/{id}
// (and the neighbours from GET /api/v1/grids?bbox=…), never tile geometry.

import type { Feature, FeatureCollection, LineString, Polygon } from 'geojson';
import { ApiError, api, type BBox, type CoverageProblem, type GridFeature, type ProblemDetails } from '../api';
import { levelName, t, tf, type MessageKey } from '../i18n';
import { btn, el } from '../lib/dom';
import { geometryBBox } from '../lib/geom';
import { EDIT_SOURCES, type GridMap } from '../map/map';
import {
  changeRing,
  dirty,
  editSession,
  geometryChanged,
  hiddenGrids,
  newSession,
  redo as redoStep,
  setDrawn,
  snapTargets,
  undo as undoStep,
  updateVersion,
  type Session,
} from './session';
import { exportGrids, gridsAround, importInto, mergeGrids, previewDraft, saveSession, splitGrid, type ImportReport } from './server';
import { conflictView, formView, importView, problemsView } from './panel';
import { DrawAdapter } from './terra';
import type { Pos } from './topo';

export type EditMode = 'idle' | 'vertices' | 'draw' | 'split' | 'merge';

export interface EditorHost {
  map: GridMap;
  selected(): number | null;
  select(id: number | null): void;
  subdistrictId(): number | null;
  subdistrictBBox(): BBox | null;
  visibleLevel(): number | 'all';
  /** After a write: reload tiles, tree, labels. */
  refresh(): Promise<void>;
  showError(err: unknown): void;
  /** Whether the signed-in role may import files. */
  mayImport(): boolean;
}

/** The view's state of a session beyond the session's data. */
interface SessionView {
  s: Session;
  conflict: { current: GridFeature; stale: number[] } | null;
  busy: boolean;
  message: { text: string; error?: boolean } | null;
}

/** The title of gridd's 404 for a path it has no route for (the problem's `type` is always about:blank). */
const NO_SUCH_ROUTE = 'No such route';

function problemText(err: unknown): string {
  if (err instanceof ApiError) {
    const p: ProblemDetails | null = err.problem;
    const fields = (p?.errors ?? []).map((e) => `${e.field}: ${e.reason}${e.coordinate ? ` @ ${e.coordinate.join(',')}` : ''}`);
    // Only a route the server lacks (an older server) is "not offered"; a 404
    // for a grid is the server's own detail ("grid 12 not found").
    if (err.status === 405 || (err.status === 404 && p?.title === NO_SUCH_ROUTE)) {
      return `${t('edit.err.missing')} (HTTP ${err.status}) ${err.message}`;
    }
    if (err.status === 428 && p?.missing?.length) fields.push(tf('edit.conflict.missing', { ids: p.missing.join(', ') }));
    return [err.message, ...fields].join(' · ');
  }
  return err instanceof Error ? err.message : String(err);
}

export class Editor {
  private readonly draw: DrawAdapter;
  private mode: EditMode = 'idle';
  private v: SessionView | null = null;
  private mergeFirst: number | null = null;
  private importReport: ImportReport | null = null;
  private repair = false;
  private idleMessage: { text: string; error?: boolean } | null = null;
  private readonly toolbar: HTMLElement;
  private readonly panel: HTMLElement;
  private readonly help: HTMLElement;
  private readonly dialog: HTMLDialogElement;
  private readonly keyListener = (e: KeyboardEvent) => this.onKey(e);

  constructor(
    private readonly host: EditorHost,
    root: HTMLElement,
  ) {
    this.toolbar = el('div', { id: 'edit-toolbar', className: 'edit-toolbar' });
    this.toolbar.setAttribute('role', 'toolbar');
    this.toolbar.setAttribute('aria-label', t('edit.title'));
    this.panel = el('section', { id: 'edit-panel', className: 'edit-panel', hidden: true });
    this.panel.setAttribute('aria-live', 'polite');
    this.help = el('div', { id: 'edit-help', className: 'edit-help', hidden: true });
    this.help.setAttribute('role', 'dialog');
    this.dialog = el('dialog', { id: 'edit-dialog', className: 'edit-dialog' });
    root.append(this.toolbar, this.panel, this.help, this.dialog);
    this.draw = new DrawAdapter(host.map.map, {
      ringChanged: (ring) => this.onRing(ring),
      polygonDrawn: (p) => this.onPolygon(p),
      lineDrawn: (l) => void this.doSplit(l),
    });
    document.addEventListener('keydown', this.keyListener, true);
    this.render();
  }

  /** The page is left. */
  destroy(): void {
    document.removeEventListener('keydown', this.keyListener, true);
    this.draw.destroy();
    this.toolbar.remove();
    this.panel.remove();
    this.help.remove();
    this.dialog.remove();
  }

  // ------------------------------------------------------------ public API

  /** What the editor is doing (for the host and the browser tests). */
  state(): {
    mode: EditMode;
    session: null | {
      kind: string;
      gridId: number | null;
      dirty: boolean;
      ops: number;
      problems: number | null;
      conflict: boolean;
      busy: boolean;
      undo: number;
      redo: number;
    };
  } {
    const v = this.v;
    return {
      mode: this.mode,
      session: v && {
        kind: v.s.kind,
        gridId: v.s.gridId,
        dirty: dirty(v.s),
        ops: v.s.ops.length,
        problems: v.s.problems ? v.s.problems.length : null,
        conflict: !!v.conflict,
        busy: v.busy,
        undo: v.s.undo.length,
        redo: v.s.redo.length,
      },
    };
  }

  /** True when map clicks belong to the editor (the host must not select on click). */
  capturesClicks(): boolean {
    return this.mode === 'vertices' || this.mode === 'draw' || this.mode === 'split';
  }

  /** A grid was clicked on the map while in merge mode. Returns true when consumed. */
  pickedGrid(id: number): boolean {
    if (this.mode !== 'merge') return false;
    void this.mergeWith(id);
    return true;
  }

  relabel(): void {
    this.toolbar.setAttribute('aria-label', t('edit.title'));
    this.render();
  }

  /** The selection changed in the host. */
  selectionChanged(): void {
    if (!this.v && this.mode === 'idle') this.render();
  }

  // ------------------------------------------------------ drawing events

  private onRing(ring: Pos[]): void {
    const v = this.v;
    if (!v || this.mode !== 'vertices') return;
    if (!changeRing(v.s, ring)) return;
    this.drawContext();
    this.render();
  }

  private onPolygon(p: Polygon): void {
    const v = this.v;
    if (!v || this.mode !== 'draw') return;
    setDrawn(v.s, p);
    this.mode = 'vertices';
    this.render();
  }

  /** Show the session's draft in Terra Draw (after loading, undo or redo). */
  private showDraft(): void {
    const s = this.v?.s;
    if (!s) return;
    if (s.geometry) {
      this.mode = 'vertices';
      const refused = this.draw.edit(s.geometry);
      if (refused) this.setMessage(`${t('edit.err.invalidGeometry')} ${refused}`, true);
    } else if (s.kind === 'new') {
      this.mode = 'draw';
      this.draw.drawPolygon();
    } else {
      this.draw.clear();
    }
    this.drawContext();
    this.render();
  }

  undo(): void {
    if (this.v && undoStep(this.v.s)) this.showDraft();
  }

  redo(): void {
    if (this.v && redoStep(this.v.s)) this.showDraft();
  }

  // -------------------------------------------------------------- sessions

  private begin(s: Session): void {
    this.v = { s, conflict: null, busy: false, message: null };
  }

  /** Begin editing the selected grid's vertices and attributes. */
  async editSelected(): Promise<void> {
    const id = this.host.selected();
    if (id === null) {
      this.setMessage(t('edit.needSelection'), true);
      return;
    }
    if (this.v && !(await this.discardOk())) return;
    this.v = null;
    try {
      const f = await api.grid(id);
      const bbox = geometryBBox(f.geometry);
      const others = bbox ? await gridsAround(bbox) : new Map<number, GridFeature>();
      this.begin(editSession(f, others));
      if (f.geometry.type === 'Polygon') {
        this.showDraft();
      } else {
        this.mode = 'idle';
        this.drawContext();
        this.setMessage(t('edit.multiPolygon'));
      }
      void this.loadHouseholds();
    } catch (err) {
      this.setMessage(problemText(err), true);
    }
  }

  /** Begin drawing a new grid under the selected grid (or an L1 grid under the subdistrict). */
  async drawNew(): Promise<void> {
    if (this.v && !(await this.discardOk())) return;
    this.v = null;
    const parentId = this.host.selected();
    const sid = this.host.subdistrictId();
    if (sid === null) return;
    try {
      let level = 1;
      let bbox = this.host.subdistrictBBox();
      if (parentId !== null) {
        const parent = await api.grid(parentId);
        level = parent.properties.level + 1;
        bbox = geometryBBox(parent.geometry);
        if (level > 5) {
          this.setMessage(t('edit.tooDeep'), true);
          return;
        }
      }
      const others = bbox ? await gridsAround(bbox) : new Map<number, GridFeature>();
      this.begin(newSession(level, parentId, sid, others));
      this.showDraft();
      void this.suggestCode();
    } catch (err) {
      this.setMessage(problemText(err), true);
    }
  }

  private async suggestCode(): Promise<void> {
    const v = this.v;
    if (!v || v.s.kind !== 'new') return;
    const s = v.s;
    try {
      const r = await api.nextCode(s.parentId !== null ? { grid: s.parentId } : { subdistrict: s.subdistrictId });
      if (this.v === v && !s.attrs.code) {
        s.attrs.code = r.code;
        this.render();
      }
    } catch {
      // No free code (or the server is unreachable): the planner types the code.
      if (this.v === v) {
        v.message = { text: t('edit.noNextCode') };
        this.render();
      }
    }
  }

  private async loadHouseholds(): Promise<void> {
    const v = this.v;
    if (!v || v.s.gridId === null) return;
    try {
      const r = await api.gridBuildings(v.s.gridId);
      // A grid without buildings on record has no sum to offer: households stay manual.
      if (this.v === v && r.buildings > 0) {
        v.s.buildingHouseholds = r.households_from_buildings;
        this.render();
      }
    } catch {
      // Not available (server unreachable): households stay manual.
    }
  }

  private async discardOk(): Promise<boolean> {
    if (!this.v || !dirty(this.v.s)) return true;
    const r = await this.ask(t('edit.discard.title'), t('edit.discard.body'));
    return r.ok;
  }

  /** End the session (after a save, or discarding it). */
  end(): void {
    this.v = null;
    this.mode = 'idle';
    this.mergeFirst = null;
    this.draw.clear();
    this.draw.setSnapTargets([]);
    this.host.map.hide([]);
    this.clearOverlays();
    this.render();
  }

  async cancel(): Promise<void> {
    if (this.mode === 'merge' || this.mode === 'split') {
      this.mergeFirst = null;
      if (this.v) this.showDraft();
      else {
        this.mode = 'idle';
        this.draw.clear();
      }
      this.render();
      return;
    }
    if (!this.v) return;
    if (!(await this.discardOk())) return;
    this.end();
  }

  // ------------------------------------------------------------ overlays

  private clearOverlays(): void {
    const empty: FeatureCollection = { type: 'FeatureCollection', features: [] };
    for (const src of Object.values(EDIT_SOURCES)) this.host.map.setOverlay(src, empty);
  }

  /** The neighbours moving along (purple), hidden from the tiles, and the snapping targets. */
  private drawContext(): void {
    const s = this.v?.s;
    const features: Feature[] = [];
    if (s) for (const [id, g] of s.moved) features.push({ type: 'Feature', id, geometry: g, properties: { id } });
    this.host.map.setOverlay(EDIT_SOURCES.context, { type: 'FeatureCollection', features });
    this.draw.setSnapTargets(s ? snapTargets(s) : []);
    this.host.map.hide(s ? hiddenGrids(s) : []);
  }

  private drawProblems(): void {
    const features: Feature[] = [];
    for (const p of this.v?.s.problems ?? []) {
      if (p.geometry) features.push({ type: 'Feature', geometry: p.geometry, properties: { kind: p.kind } });
    }
    this.host.map.setOverlay(EDIT_SOURCES.problems, { type: 'FeatureCollection', features });
  }

  // ------------------------------------------------------------- preview

  /** Run the coverage preview of the draft; problems are drawn and listed. */
  async preview(): Promise<CoverageProblem[] | null> {
    const v = this.v;
    if (!v || (!v.s.geometry && !v.s.original)) return null;
    try {
      const problems = await previewDraft(v.s);
      if (this.v !== v) return null;
      v.s.problems = problems;
      v.message = null;
      this.drawProblems();
      this.render();
      return problems;
    } catch (err) {
      if (this.v === v) this.setMessage(`${t('edit.previewFailed')} ${problemText(err)}`, true);
      return null;
    }
  }

  // ---------------------------------------------------------------- save

  async save(): Promise<void> {
    const v = this.v;
    if (!v || v.busy) return;
    const s = v.s;
    if (s.kind === 'new' && !s.geometry) {
      this.setMessage(t('edit.drawFirst'), true);
      return;
    }
    if (s.kind === 'new' && (!s.attrs.name || !s.attrs.code)) {
      this.setMessage(t('edit.needNameCode'), true);
      return;
    }
    v.busy = true;
    this.render();
    try {
      let reason: string | null = null;
      if (geometryChanged(s)) {
        const problems = await this.preview();
        if (problems === null) return; // preview failed; message shown
        if (problems.length) {
          const r = await this.ask(t('edit.confirm.title'), t('edit.confirm.body').replace('{n}', String(problems.length)), {
            reason: true,
          });
          if (!r.ok) return;
          reason = r.reason;
        }
      }
      await this.write(reason);
    } finally {
      if (this.v === v) {
        v.busy = false;
        this.render();
      }
    }
  }

  private async write(reason: string | null): Promise<void> {
    const v = this.v!;
    try {
      const savedId = await saveSession(v.s, reason);
      const msg = t('edit.saved');
      this.end();
      await this.host.refresh();
      if (savedId !== null) this.host.select(savedId);
      this.setMessage(msg);
    } catch (err) {
      if (err instanceof ApiError && (err.status === 409 || err.status === 428) && v.s.gridId !== null && this.v === v) {
        await this.showConflict(err);
        return;
      }
      this.setMessage(problemText(err), true);
    }
  }

  // ------------------------------------------------------------- conflict

  /**
   * A stale edit (409) or versions the server missed (428): show the grid's
   * current version dashed beside the draft and say which grids changed.
   */
  private async showConflict(err: ApiError): Promise<void> {
    const v = this.v!;
    const s = v.s;
    const p = err.problem;
    const stale = Object.entries(p?.current_versions ?? {})
      .filter(([id, ver]) => {
        const known = Number(id) === s.gridId ? s.version : s.others.get(Number(id))?.properties.version;
        return known !== ver;
      })
      .map(([id]) => Number(id));
    try {
      const current = await api.grid(s.gridId!);
      v.conflict = { current, stale: [...stale, ...(p?.missing ?? [])] };
      this.host.map.setOverlay(EDIT_SOURCES.conflict, {
        type: 'FeatureCollection',
        features: [{ type: 'Feature', geometry: current.geometry, properties: {} }],
      });
      const lines = [
        `${t('edit.conflict')} ${p?.current_version ?? p?.current_versions?.[String(s.gridId)] ?? current.properties.version}`,
      ];
      if (stale.length) lines.push(tf('edit.conflict.versions', { ids: stale.join(', ') }));
      if (p?.missing?.length) lines.push(tf('edit.conflict.missing', { ids: p.missing.join(', ') }));
      v.message = { text: lines.join(' · '), error: true };
    } catch (e) {
      v.message = { text: problemText(e), error: true };
    }
    this.render();
  }

  /** Drop the planner's draft and edit the other version. */
  async reload(): Promise<void> {
    const v = this.v;
    if (!v || v.s.gridId === null) return;
    const id = v.s.gridId;
    this.end();
    this.host.select(id);
    await this.host.refresh();
    await this.editSelected();
  }

  /** Save the planner's version over the other one (with the versions now current). */
  async reapply(): Promise<void> {
    const v = this.v;
    if (!v || !v.conflict) return;
    const s = v.s;
    updateVersion(s, s.gridId!, v.conflict.current.properties.version);
    // Every grid the edit names is asked for its version now (a multi-grid edit names them all).
    for (const id of new Set([...v.conflict.stale, ...s.moved.keys()])) {
      if (id === s.gridId) continue;
      try {
        updateVersion(s, id, (await api.grid(id)).properties.version);
      } catch {
        // leave it: the server answers 409 again if it matters
      }
    }
    v.conflict = null;
    this.host.map.setOverlay(EDIT_SOURCES.conflict, { type: 'FeatureCollection', features: [] });
    v.busy = true;
    this.render();
    try {
      await this.write(null);
    } finally {
      if (this.v === v) {
        v.busy = false;
        this.render();
      }
    }
  }

  // ---------------------------------------------------- split, merge, delete

  private target(): number | null {
    return this.v?.s.gridId ?? this.host.selected();
  }

  startSplit(): void {
    if (this.target() === null) {
      this.setMessage(t('edit.needSelection'), true);
      return;
    }
    if (this.v && dirty(this.v.s)) {
      this.setMessage(t('edit.saveFirst'), true);
      return;
    }
    this.mode = 'split';
    this.draw.drawLine();
    this.render();
  }

  private async doSplit(line: LineString): Promise<void> {
    const id = this.target();
    if (id === null) return;
    try {
      const r = await splitGrid(id, line);
      this.end();
      await this.host.refresh();
      this.host.select(id);
      this.setMessage(t('edit.splitDone').replace('{n}', String(1 + r.created.length)));
    } catch (err) {
      if (this.v) this.showDraft();
      else {
        this.mode = 'idle';
        this.draw.clear();
      }
      this.setMessage(problemText(err), true);
    }
  }

  startMerge(): void {
    const id = this.target();
    if (id === null) {
      this.setMessage(t('edit.needSelection'), true);
      return;
    }
    if (this.v && dirty(this.v.s)) {
      this.setMessage(t('edit.saveFirst'), true);
      return;
    }
    if (this.v) this.end();
    this.mergeFirst = id;
    this.mode = 'merge';
    this.render();
  }

  private async mergeWith(other: number): Promise<void> {
    const first = this.mergeFirst;
    if (first === null || other === first) return;
    try {
      const [a, b] = await Promise.all([api.grid(first), api.grid(other)]);
      if (a.properties.parent_id !== b.properties.parent_id || a.properties.level !== b.properties.level) {
        this.setMessage(t('edit.mergeSiblings'), true);
        return;
      }
      const ok = await this.ask(
        t('edit.merge.title'),
        t('edit.merge.body')
          .replace('{a}', `${a.properties.name} (${a.properties.code})`)
          .replace('{b}', `${b.properties.name} (${b.properties.code})`),
      );
      if (!ok.ok) return;
      const r = await mergeGrids(a, b);
      this.mode = 'idle';
      this.mergeFirst = null;
      await this.host.refresh();
      this.host.select(r.changed[0]?.properties.id ?? first);
      this.setMessage(t('edit.mergeDone'));
    } catch (err) {
      this.setMessage(problemText(err), true);
    }
  }

  async deleteSelected(): Promise<void> {
    const id = this.target();
    if (id === null) {
      this.setMessage(t('edit.needSelection'), true);
      return;
    }
    try {
      const g = await api.grid(id);
      const ok = await this.ask(
        t('edit.delete.title'),
        t('edit.delete.body').replace('{g}', `${g.properties.name} (${g.properties.code})`),
      );
      if (!ok.ok) return;
      await api.deleteGrid(id, g.properties.version);
      this.end();
      this.host.select(null);
      await this.host.refresh();
      this.setMessage(t('edit.deleted'));
    } catch (err) {
      this.setMessage(problemText(err), true);
    }
  }

  // ---------------------------------------------------------- renumbering

  private async renumber(): Promise<void> {
    const id = this.v?.s.gridId;
    if (id === null || id === undefined) return;
    const ok = await this.ask(t('edit.renumber.title'), t('edit.renumber.body'));
    if (!ok.ok) return;
    try {
      const r = await api.renumber(id);
      const lines = r.changes.map((c) => `${c.old_code} → ${c.new_code}`);
      await this.host.refresh();
      await this.ask(t('edit.renumber.done'), lines.length ? lines.join('\n') : t('edit.renumber.none'), { info: true });
    } catch (err) {
      this.setMessage(problemText(err), true);
    }
  }

  // ------------------------------------------------------ import / export

  /**
   * Import a GeoJSON or GeoPackage file under the selected grid (or as L1 grids
   * under the subdistrict): the file itself goes to `POST /grids/{id}/import`
   * (or `/subdistricts/{id}/import`), which stores every feature or none.
   */
  async importFile(file: File): Promise<ImportReport | null> {
    if (this.v || this.mode !== 'idle') {
      if (this.v && !(await this.discardOk())) return null;
      this.end();
    }
    const parentId = this.host.selected();
    const sid = this.host.subdistrictId();
    if (parentId === null && sid === null) return null;
    let target: string;
    let level = 1;
    try {
      if (parentId !== null) {
        const parent = await api.grid(parentId);
        level = parent.properties.level + 1;
        target = `${parent.properties.name} (${parent.properties.code})`;
      } else {
        const sub = await api.subdistrict(sid!);
        target = `${sub.properties.name} (${sub.properties.code})`;
      }
    } catch (err) {
      this.setMessage(problemText(err), true);
      return null;
    }
    const ok = await this.ask(
      t('edit.import.confirm.title'),
      t('edit.import.confirm.body').replace('{file}', file.name).replace('{parent}', target).replace('{level}', levelName(level)),
      { repair: true },
    );
    if (!ok.ok) return null;
    const report: ImportReport = { file: file.name, parent: target, status: 'busy', created: [], errors: [], repairs: [], detail: null };
    this.importReport = report;
    this.idleMessage = null;
    this.render();
    await importInto(parentId !== null ? { grid: parentId } : { subdistrict: sid! }, file, ok.repair, report);
    if (report.status === 'refused' && report.detail && !report.errors.length) {
      report.detail = problemText(new ApiError(report.detail, 0, null));
    }
    if (this.importReport === report) this.render();
    if (report.status === 'done' && report.created.length) {
      await this.host.refresh();
      this.host.select(report.created[0].id);
      this.zoomToCreated(report.created);
    }
    return report;
  }

  /** Fit the map to some of the grids an import created. */
  private zoomToCreated(items: ImportReport['created']): void {
    const bbs = items.map((c) => c.bbox).filter((b): b is BBox => !!b);
    if (!bbs.length) return;
    const bb = bbs.reduce((a, b) => [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])]);
    this.host.map.fitBBox(bb, { padding: 80, maxZoom: 19, duration: 500 });
  }

  async exportVisible(): Promise<void> {
    try {
      const { name, blob } = await exportGrids(this.host.visibleLevel(), this.host.subdistrictId());
      const a = el('a', { href: URL.createObjectURL(blob), download: name });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    } catch (err) {
      this.setMessage(problemText(err), true);
    }
  }

  // ---------------------------------------------------------------- dialogs

  private ask(
    title: string,
    body: string,
    opts: { reason?: boolean; info?: boolean; repair?: boolean } = {},
  ): Promise<{ ok: boolean; reason: string; repair: boolean }> {
    return new Promise((resolve) => {
      const d = this.dialog;
      const reason = el('textarea', { id: 'edit-reason', rows: 3, placeholder: t('edit.reason.placeholder') });
      const repair = el('input', { type: 'checkbox', id: 'edit-import-repair', checked: this.repair });
      const ok = btn(
        opts.info ? t('edit.close') : t('edit.ok'),
        () => {
          if (opts.reason && !reason.value.trim()) {
            reason.focus();
            reason.classList.add('invalid');
            return;
          }
          if (opts.repair) this.repair = repair.checked;
          d.close();
          resolve({ ok: true, reason: reason.value.trim(), repair: repair.checked });
        },
        { id: 'edit-dialog-ok', cls: 'btn-primary' },
      );
      const cancel = btn(
        t('edit.cancel'),
        () => {
          d.close();
          resolve({ ok: false, reason: '', repair: false });
        },
        { id: 'edit-dialog-cancel' },
      );
      d.replaceChildren(
        el('h3', { textContent: title }),
        el('p', { className: 'edit-dialog-body', textContent: body }),
        ...(opts.reason ? [el('label', { className: 'field' }, el('span', { textContent: t('edit.reason') }), reason)] : []),
        ...(opts.repair
          ? [el('label', { className: 'inline', title: t('edit.import.repair.title') }, repair, ` ${t('edit.import.repair')}`)]
          : []),
        el('div', { className: 'edit-dialog-actions' }, opts.info ? null : cancel, ok),
      );
      d.onclose = () => resolve({ ok: false, reason: '', repair: false });
      d.showModal();
      (opts.reason ? reason : ok).focus();
    });
  }

  private setMessage(text: string, error = false): void {
    if (this.v) this.v.message = { text, error };
    else this.idleMessage = { text, error };
    this.render();
  }

  // ---------------------------------------------------------------- keyboard

  private onKey(e: KeyboardEvent): void {
    const target = e.target as HTMLElement | null;
    const typing = !!target && target.closest('input, textarea, select, [contenteditable="true"]') !== null;
    if (this.dialog.open) return;
    const mod = e.ctrlKey || e.metaKey;
    const key = e.key.toLowerCase();
    if (mod && key === 'z') {
      if (typing) return;
      e.preventDefault();
      e.stopPropagation();
      if (e.shiftKey) this.redo();
      else this.undo();
      return;
    }
    if (mod && key === 'y') {
      if (typing) return;
      e.preventDefault();
      this.redo();
      return;
    }
    if (mod && key === 's') {
      e.preventDefault();
      void this.save();
      return;
    }
    if (typing || mod || e.altKey) return;
    if (e.key === 'Escape' && (this.v || this.mode !== 'idle' || !this.help.hidden)) {
      e.preventDefault();
      e.stopPropagation();
      if (!this.help.hidden) this.toggleHelp(false);
      else void this.cancel();
      return;
    }
    if (e.key === '?') {
      this.toggleHelp();
      return;
    }
    if (e.key === 'Delete' && e.shiftKey) {
      void this.deleteSelected();
      return;
    }
    const actions: Record<string, () => void> = {
      e: () => void this.editSelected(),
      n: () => void this.drawNew(),
      s: () => this.startSplit(),
      m: () => this.startMerge(),
      p: () => void this.preview(),
    };
    if (actions[key] && !e.shiftKey) {
      e.preventDefault();
      actions[key]();
    }
  }

  toggleHelp(show = this.help.hidden): void {
    this.help.hidden = !show;
    this.renderHelp();
  }

  // ----------------------------------------------------------------- render

  private renderHelp(): void {
    const rows: [string, MessageKey][] = [
      ['E', 'edit.key.edit'],
      ['N', 'edit.key.new'],
      ['S', 'edit.key.split'],
      ['M', 'edit.key.merge'],
      ['Shift+Delete', 'edit.key.delete'],
      ['P', 'edit.key.preview'],
      ['Ctrl+S', 'edit.key.save'],
      ['Ctrl+Z', 'edit.key.undo'],
      ['Ctrl+Shift+Z / Ctrl+Y', 'edit.key.redo'],
      ['Esc', 'edit.key.cancel'],
      ['?', 'edit.key.help'],
    ];
    const dl = el('dl', { className: 'edit-help-list' });
    for (const [k, m] of rows) dl.append(el('dt', {}, el('kbd', { textContent: k })), el('dd', { textContent: t(m) }));
    this.help.replaceChildren(
      el('h3', { textContent: t('edit.help.title') }),
      dl,
      el('p', { className: 'muted', textContent: t('edit.help.mouse') }),
      btn(t('edit.close'), () => this.toggleHelp(false), { id: 'edit-help-close' }),
    );
  }

  render(): void {
    this.renderToolbar();
    this.renderPanel();
    if (!this.help.hidden) this.renderHelp();
  }

  private renderToolbar(): void {
    const on = (m: EditMode) => (this.mode === m ? 'on' : '');
    const s = this.v?.s;
    const fileInput = el('input', {
      type: 'file',
      accept: '.geojson,.json,.gpkg,application/geo+json,application/json,application/geopackage+sqlite3',
      id: 'edit-import-file',
      hidden: true,
    });
    fileInput.addEventListener('change', () => {
      const f = fileInput.files?.[0];
      if (f) void this.importFile(f);
      fileInput.value = '';
    });
    this.toolbar.replaceChildren(
      btn(t('edit.tool.edit'), () => void this.editSelected(), {
        id: 'edit-vertices',
        title: `${t('edit.key.edit')} (E)`,
        cls: on('vertices'),
      }),
      btn(t('edit.tool.new'), () => void this.drawNew(), { id: 'edit-new', title: `${t('edit.key.new')} (N)`, cls: on('draw') }),
      btn(t('edit.tool.split'), () => this.startSplit(), { id: 'edit-split', title: `${t('edit.key.split')} (S)`, cls: on('split') }),
      btn(t('edit.tool.merge'), () => this.startMerge(), { id: 'edit-merge', title: `${t('edit.key.merge')} (M)`, cls: on('merge') }),
      btn(t('edit.tool.delete'), () => void this.deleteSelected(), { id: 'edit-delete', title: `${t('edit.key.delete')} (Shift+Delete)` }),
      el('span', { className: 'edit-sep' }),
      btn('↶', () => this.undo(), { id: 'edit-undo', title: `${t('edit.key.undo')} (Ctrl+Z)` }),
      btn('↷', () => this.redo(), { id: 'edit-redo', title: `${t('edit.key.redo')} (Ctrl+Shift+Z)` }),
      el('span', { className: 'edit-sep' }),
      btn(t('edit.tool.import'), () => fileInput.click(), { id: 'edit-import', title: t('edit.import.title') }),
      btn(t('edit.tool.export'), () => void this.exportVisible(), { id: 'edit-export', title: t('edit.export.title') }),
      btn('?', () => this.toggleHelp(), { id: 'edit-help-button', title: t('edit.key.help') }),
      fileInput,
    );
    const undo = this.toolbar.querySelector<HTMLButtonElement>('#edit-undo')!;
    const redo = this.toolbar.querySelector<HTMLButtonElement>('#edit-redo')!;
    undo.disabled = !s?.undo.length;
    redo.disabled = !s?.redo.length;
  }

  private renderPanel(): void {
    const v = this.v;
    const s = v?.s;
    const p = this.panel;
    const parts: Node[] = [];
    const hint = (): string | null => {
      switch (this.mode) {
        case 'vertices':
          return t('edit.hint.vertices');
        case 'draw':
          return t('edit.hint.draw');
        case 'split':
          return t('edit.hint.split');
        case 'merge':
          return t('edit.hint.merge');
        default:
          return null;
      }
    };
    const h = hint();
    if (!s) {
      const msg = this.idleMessage;
      if (!h && !msg && !this.importReport) {
        p.hidden = true;
        return;
      }
      p.hidden = false;
      parts.push(
        el(
          'div',
          { className: 'edit-head' },
          el('h2', { textContent: t('edit.title') }),
          this.mode !== 'idle'
            ? btn(t('edit.cancel'), () => void this.cancel(), { id: 'edit-cancel' })
            : btn(
                t('edit.close'),
                () => {
                  this.idleMessage = null;
                  this.importReport = null;
                  this.render();
                },
                { id: 'edit-close' },
              ),
        ),
      );
      if (h) parts.push(el('p', { className: 'edit-hint', textContent: h }));
      if (msg) parts.push(el('p', { className: msg.error ? 'edit-msg error' : 'edit-msg', id: 'edit-message', textContent: msg.text }));
      if (this.importReport)
        parts.push(importView(this.importReport, { select: (id) => this.host.select(id), zoom: (items) => this.zoomToCreated(items) }));
      p.replaceChildren(...parts);
      return;
    }
    p.hidden = false;
    const title = s.kind === 'new' ? t('edit.title.new') : t('edit.title.edit');
    parts.push(
      el(
        'div',
        { className: 'edit-head' },
        el('h2', { textContent: title }),
        el('span', { className: `badge badge-l${Math.min(s.level, 3)}`, textContent: `L${s.level}` }),
      ),
    );
    if (h) parts.push(el('p', { className: 'edit-hint', textContent: h }));
    if (v.message)
      parts.push(el('p', { className: v.message.error ? 'edit-msg error' : 'edit-msg', id: 'edit-message', textContent: v.message.text }));
    if (v.conflict) parts.push(conflictView(v.conflict, { reload: () => void this.reload(), reapply: () => void this.reapply() }));
    parts.push(formView(s, { save: () => void this.save(), renumber: () => void this.renumber(), changed: () => this.render() }));
    if (s.problems)
      parts.push(problemsView(s.problems, { zoom: (bb) => this.host.map.fitBBox(bb, { padding: 80, maxZoom: 19, duration: 400 }) }));
    const save = btn(t('edit.save'), () => void this.save(), { id: 'edit-save', cls: 'btn-primary', title: 'Ctrl+S' });
    save.disabled = v.busy || !!v.conflict;
    const previewB = btn(t('edit.preview'), () => void this.preview(), { id: 'edit-preview', title: 'P' });
    previewB.disabled = v.busy || (!s.geometry && !s.original);
    parts.push(
      el(
        'div',
        { className: 'edit-actions' },
        previewB,
        save,
        btn(t('edit.cancel'), () => void this.cancel(), { id: 'edit-cancel' }),
      ),
    );
    if (s.moved.size)
      parts.push(el('p', { className: 'muted edit-note', textContent: t('edit.movedAlong').replace('{n}', String(s.moved.size)) }));
    if (this.importReport)
      parts.push(importView(this.importReport, { select: (id) => this.host.select(id), zoom: (items) => this.zoomToCreated(items) }));
    // Keep focus in the form across re-renders.
    const active = document.activeElement as HTMLElement | null;
    const focusId = active && p.contains(active) ? active.id : null;
    p.replaceChildren(...parts);
    if (focusId) document.getElementById(focusId)?.focus();
  }
}
