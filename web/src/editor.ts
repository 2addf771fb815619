// The grid editor: vertex editing with snapping and topological moves, drawing
// a new grid, split by a line, merge of adjacent siblings, delete, undo/redo,
// the attribute form, the coverage preview before saving, stale-edit conflicts,
// import of GeoJSON / GeoPackage files (server side, all or nothing) and GeoJSON export.
//
// Terra Draw draws and edits the working geometry on the map. Everything it
// edits is TRUE geometry fetched from GET /api/v1/grids/{id} (and the
// neighbours from GET /api/v1/grids?bbox=…), never tile geometry. Split,
// merge and shared-vertex moves are server operations that return every
// grid they changed.

import type { Map as MlMap } from 'maplibre-gl';
import type { Feature, FeatureCollection, Geometry, LineString, MultiPolygon, Polygon, Position } from 'geojson';
import {
  TerraDraw,
  TerraDrawLineStringMode,
  TerraDrawPolygonMode,
  TerraDrawSelectMode,
  type TerraDrawMouseEvent,
} from 'terra-draw';
import { TerraDrawMapLibreGLAdapter } from 'terra-draw-maplibre-gl-adapter';
import { ApiError, api, getJson, reasonHeader, sendFile, sendJson, type GridFeature, type ProblemDetails } from './api';
import { geometryBBox } from './geom';
import { kindName, levelName, t, type MessageKey } from './i18n';
import { EDIT_SOURCES, hideGrids, setOverlay } from './map';
import { applyOp, closeRing, diffRing, openRing, samePos, snap, touches, type Pos, type VertexOp } from './topo';

export type EditMode = 'idle' | 'vertices' | 'draw' | 'split' | 'merge';

export interface Person {
  name: string;
  role: string;
  phone: string;
}

export interface Attrs {
  name: string;
  code: string;
  kind: string;
  households: number | null;
  /** True when the planner typed households instead of taking the buildings' sum. */
  householdsOverride: boolean;
  responsible: Person[];
}

/** One problem of a coverage preview (server: coverage::Problem). */
export interface CoverageProblem {
  kind: string;
  severity?: string;
  level?: number;
  grids?: { id: number; code: string }[];
  geometry?: Geometry | null;
  area_m2?: number;
  width_m?: number;
  message?: string;
  fix?: string;
  suggestion?: string;
}

interface PreviewReport {
  breaks?: CoverageProblem[];
  fixes?: CoverageProblem[];
  after?: CoverageProblem[];
  problems?: CoverageProblem[];
}

interface Snapshot {
  geometry: Polygon | null;
  ops: VertexOp[];
  others: [number, Polygon | MultiPolygon][];
}

interface Session {
  kind: 'edit' | 'new';
  gridId: number | null;
  version: number | null;
  level: number;
  parentId: number | null;
  subdistrictId: number;
  original: Polygon | MultiPolygon | null;
  geometry: Polygon | null;
  attrs: Attrs;
  originalAttrs: Attrs | null;
  /** Vertex operations since the session began, in order. */
  ops: VertexOp[];
  /** True when the geometry changed in a way that is not a sequence of vertex operations. */
  freeform: boolean;
  /** Grids around, true geometry (every level): snapping targets and topological partners. */
  others: Map<number, GridFeature>;
  /** Drafts of the others that move along with shared vertices. */
  moved: Map<number, Polygon | MultiPolygon>;
  undo: Snapshot[];
  redo: Snapshot[];
  problems: CoverageProblem[] | null;
  conflict: { current: GridFeature } | null;
  busy: boolean;
  message: { text: string; error?: boolean } | null;
}

export interface EditorHost {
  map: MlMap;
  selected(): number | null;
  select(id: number | null): void;
  subdistrictId(): number | null;
  subdistrictBBox(): [number, number, number, number] | null;
  visibleLevel(): number | 'all';
  /** After a write: reload tiles, tree, labels. */
  refresh(): Promise<void>;
  showError(err: unknown): void;
}

const TD_SELECT = 'select';
const TD_POLYGON = 'polygon';
const TD_LINE = 'linestring';

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> & { dataset?: Record<string, string> } = {},
  ...children: (Node | string | null | undefined | false)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  const { dataset, ...rest } = props;
  Object.assign(e, rest);
  if (dataset) for (const [k, v] of Object.entries(dataset)) e.dataset[k] = v;
  for (const c of children) if (c) e.append(c);
  return e;
}

function btn(label: string, onClick: () => void, opts: { id?: string; title?: string; cls?: string } = {}): HTMLButtonElement {
  const b = el('button', { type: 'button', className: `btn btn-small ${opts.cls ?? ''}`.trim(), textContent: label });
  if (opts.id) b.id = opts.id;
  if (opts.title) b.title = opts.title;
  b.addEventListener('click', onClick);
  return b;
}

function problemText(err: unknown): string {
  if (err instanceof ApiError) {
    const p: ProblemDetails | null = err.problem;
    const fields = (p?.errors ?? []).map((e) => `${e.field}: ${e.reason}${e.coordinate ? ` @ ${e.coordinate.join(',')}` : ''}`);
    if (err.status === 404 || err.status === 405) {
      return `${t('edit.err.missing')} (HTTP ${err.status}) ${err.message}`;
    }
    return [err.message, ...fields].join(' · ');
  }
  return err instanceof Error ? err.message : String(err);
}

/** What an import answered: the grids it created, or why the whole file was refused. */
export interface ImportReport {
  file: string;
  /** The parent, as "name (code)". */
  parent: string;
  status: 'busy' | 'done' | 'refused';
  created: { id: number; code: string; name: string; level: number; bbox: [number, number, number, number] | null }[];
  /** Every bad feature (index into the file's features; null for the file as a whole). */
  errors: { index: number | null; field: string; reason: string }[];
  detail: string | null;
}

/** A GeoPackage is an SQLite file: check its header rather than trust the name. */
async function isGeoPackage(file: Blob): Promise<boolean> {
  const head = new Uint8Array(await file.slice(0, 16).arrayBuffer());
  return new TextDecoder().decode(head) === 'SQLite format 3\u0000';
}

function emptyAttrs(): Attrs {
  return { name: '', code: '', kind: 'residential', households: null, householdsOverride: false, responsible: [] };
}

export class Editor {
  private draw: TerraDraw | null = null;
  private mode: EditMode = 'idle';
  private s: Session | null = null;
  /** Ring of the Terra Draw feature before the last change (vertex diffing). */
  private lastRing: Pos[] | null = null;
  private tdFeatureId: string | number | null = null;
  private restoring = false;
  private mergeFirst: number | null = null;
  private snapGeoms: (Polygon | MultiPolygon)[] = [];
  private readonly toolbar: HTMLElement;
  private readonly panel: HTMLElement;
  private readonly help: HTMLElement;
  private readonly dialog: HTMLDialogElement;

  constructor(private readonly host: EditorHost, root: HTMLElement) {
    this.toolbar = el('div', { id: 'edit-toolbar', className: 'edit-toolbar' });
    this.toolbar.setAttribute('role', 'toolbar');
    this.panel = el('section', { id: 'edit-panel', className: 'edit-panel', hidden: true });
    this.panel.setAttribute('aria-live', 'polite');
    this.help = el('div', { id: 'edit-help', className: 'edit-help', hidden: true });
    this.help.setAttribute('role', 'dialog');
    this.dialog = el('dialog', { id: 'edit-dialog', className: 'edit-dialog' });
    root.append(this.toolbar, this.panel, this.help, this.dialog);
    document.addEventListener('keydown', (e) => this.onKey(e), true);
    this.render();
  }

  // ------------------------------------------------------------ public API

  /** Test hook and host queries: what the editor is doing. */
  state(): {
    mode: EditMode;
    session: null | { kind: string; gridId: number | null; dirty: boolean; ops: number; problems: number | null; conflict: boolean; busy: boolean; undo: number; redo: number };
  } {
    const s = this.s;
    return {
      mode: this.mode,
      session: s && {
        kind: s.kind,
        gridId: s.gridId,
        dirty: this.dirty(),
        ops: s.ops.length,
        problems: s.problems ? s.problems.length : null,
        conflict: !!s.conflict,
        busy: s.busy,
        undo: s.undo.length,
        redo: s.redo.length,
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
    this.render();
  }

  /** The selection changed in the host. */
  selectionChanged(): void {
    if (!this.s && this.mode === 'idle') this.render();
  }

  // --------------------------------------------------------------- Terra Draw

  private ensureDraw(): TerraDraw {
    if (this.draw) return this.draw;
    const snapping = {
      toCustom: (event: TerraDrawMouseEvent, ctx: { currentCoordinate?: number }) => this.snapTo(event, ctx.currentCoordinate),
    };
    const draw = new TerraDraw({
      adapter: new TerraDrawMapLibreGLAdapter({ map: this.host.map, coordinatePrecision: 9 }),
      modes: [
        new TerraDrawSelectMode({
          modeName: TD_SELECT,
          keyEvents: null,
          allowManualDeselection: false,
          flags: {
            [TD_POLYGON]: {
              feature: {
                draggable: false,
                coordinates: {
                  draggable: true,
                  deletable: true,
                  midpoints: { draggable: true },
                  snappable: snapping,
                },
              },
            },
          },
          styles: {
            selectedPolygonColor: '#e76f00',
            selectedPolygonFillOpacity: 0.15,
            selectedPolygonOutlineColor: '#e76f00',
            selectedPolygonOutlineWidth: 3,
            selectionPointColor: '#ffffff',
            selectionPointOutlineColor: '#e76f00',
            selectionPointWidth: 4,
            midPointColor: '#e76f00',
            midPointWidth: 3,
          },
        }),
        new TerraDrawPolygonMode({
          modeName: TD_POLYGON,
          snapping,
          styles: { fillColor: '#e76f00', fillOpacity: 0.15, outlineColor: '#e76f00', outlineWidth: 3 },
        }),
        new TerraDrawLineStringMode({
          modeName: TD_LINE,
          snapping,
          styles: { lineStringColor: '#b00020', lineStringWidth: 3 },
        }),
      ],
    });
    draw.start();
    draw.on('finish', (id, ctx) => this.onFinish(id, ctx.mode, ctx.action));
    this.draw = draw;
    return draw;
  }

  private snapTo(event: TerraDrawMouseEvent, dragged?: number): Position | undefined {
    if (!this.snapGeoms.length) return undefined;
    const map = this.host.map;
    // A dragged vertex must not snap back onto its own (shared) old position.
    const own = this.mode === 'vertices' && dragged !== undefined && this.lastRing ? this.lastRing[dragged] : null;
    const p = snap(
      { x: event.containerX, y: event.containerY },
      this.snapGeoms,
      (lng, lat) => map.project([lng, lat]),
      (x, y) => map.unproject([x, y]),
      10,
      own ? (q) => samePos(q, own) : undefined,
    );
    return p ?? undefined;
  }

  private tdRing(): Pos[] | null {
    if (!this.draw || this.tdFeatureId === null) return null;
    const f = this.draw.getSnapshotFeature(this.tdFeatureId);
    if (!f || f.geometry.type !== 'Polygon') return null;
    return openRing(f.geometry.coordinates[0]);
  }

  private onFinish(id: string | number, mode: string, action: string): void {
    const s = this.s;
    if (!this.draw) return;
    if (this.mode === 'draw' && mode === TD_POLYGON && action === 'draw' && s) {
      const f = this.draw.getSnapshotFeature(id);
      if (!f || f.geometry.type !== 'Polygon') return;
      this.pushUndo();
      s.geometry = f.geometry as Polygon;
      s.problems = null;
      this.tdFeatureId = id;
      this.lastRing = openRing(s.geometry.coordinates[0]);
      // Go on editing the drawn polygon's vertices.
      this.mode = 'vertices';
      this.draw.setMode(TD_SELECT);
      this.draw.selectFeature(id);
      this.render();
      return;
    }
    if (this.mode === 'split' && mode === TD_LINE && action === 'draw') {
      const f = this.draw.getSnapshotFeature(id);
      this.draw.removeFeatures([id]);
      if (f && f.geometry.type === 'LineString') void this.doSplit(f.geometry as LineString);
      return;
    }
    if (this.mode === 'vertices' && s && id === this.tdFeatureId && !this.restoring) {
      const ring = this.tdRing();
      if (!ring || !this.lastRing) return;
      const ops = diffRing(this.lastRing, ring);
      if (ops === null) return;
      this.pushUndo();
      if (ops === 'other') {
        s.freeform = true;
      } else {
        for (const op of ops) {
          s.ops.push(op);
          // Topological editing: neighbours sharing the vertex (or edge) move along.
          for (const [oid, f] of s.others) {
            const cur = s.moved.get(oid) ?? f.geometry;
            if (touches(cur, op)) s.moved.set(oid, applyOp(cur, op));
          }
        }
      }
      s.geometry = { type: 'Polygon', coordinates: [closeRing(ring), ...(s.geometry?.coordinates.slice(1) ?? [])] };
      this.lastRing = ring;
      s.problems = null;
      this.drawContext();
      this.render();
    }
  }

  private loadIntoDraw(geometry: Polygon | null): void {
    const draw = this.ensureDraw();
    this.restoring = true;
    try {
      draw.clear();
      this.tdFeatureId = null;
      this.lastRing = null;
      if (!geometry) return;
      const id = draw.getFeatureId();
      // Terra Draw edits simple polygons: the outer ring is edited, holes are
      // kept as they are and put back on saving.
      const outer: Polygon = { type: 'Polygon', coordinates: [clone(geometry.coordinates[0])] };
      const res = draw.addFeatures([{ type: 'Feature', id, geometry: outer, properties: { mode: TD_POLYGON } }]);
      if (!res[0]?.valid) {
        this.setMessage(`${t('edit.err.invalidGeometry')} ${res[0]?.reason ?? ''}`, true);
        return;
      }
      this.tdFeatureId = id;
      this.lastRing = openRing(geometry.coordinates[0]);
      draw.setMode(TD_SELECT);
      draw.selectFeature(id);
    } finally {
      this.restoring = false;
    }
  }

  private stopDraw(): void {
    if (!this.draw) return;
    this.draw.clear();
    this.draw.setMode(TD_SELECT);
    this.tdFeatureId = null;
    this.lastRing = null;
  }

  // ----------------------------------------------------------- undo / redo

  private snapshot(): Snapshot {
    const s = this.s!;
    return { geometry: clone(s.geometry), ops: [...s.ops], others: clone([...s.moved.entries()]) };
  }

  private pushUndo(): void {
    const s = this.s;
    if (!s) return;
    s.undo.push(this.snapshot());
    s.redo = [];
  }

  private restore(snap: Snapshot): void {
    const s = this.s!;
    s.geometry = snap.geometry;
    s.ops = snap.ops;
    s.moved = new Map(snap.others);
    s.problems = null;
    if (s.geometry) {
      this.mode = 'vertices';
      this.loadIntoDraw(s.geometry);
    } else {
      this.stopDraw();
      if (s.kind === 'new') {
        this.mode = 'draw';
        this.ensureDraw().setMode(TD_POLYGON);
      }
    }
    this.drawContext();
    this.render();
  }

  undo(): void {
    const s = this.s;
    if (!s || !s.undo.length) return;
    s.redo.push(this.snapshot());
    this.restore(s.undo.pop()!);
  }

  redo(): void {
    const s = this.s;
    if (!s || !s.redo.length) return;
    s.undo.push(this.snapshot());
    this.restore(s.redo.pop()!);
  }

  // -------------------------------------------------------------- sessions

  private dirty(): boolean {
    const s = this.s;
    if (!s) return false;
    if (s.kind === 'new') return !!s.geometry;
    return s.ops.length > 0 || s.freeform || JSON.stringify(s.attrs) !== JSON.stringify(s.originalAttrs);
  }

  private async loadOthers(bbox: [number, number, number, number]): Promise<Map<number, GridFeature>> {
    // A margin around the edited area, so snapping finds the neighbours' edges.
    const dx = (bbox[2] - bbox[0]) * 0.5 + 0.0005;
    const dy = (bbox[3] - bbox[1]) * 0.5 + 0.0003;
    const fc = await api.grids({ bbox: [bbox[0] - dx, bbox[1] - dy, bbox[2] + dx, bbox[3] + dy] });
    const out = new Map<number, GridFeature>();
    for (const f of fc.features ?? []) out.set(f.properties.id, f);
    return out;
  }

  private attrsOf(p: Record<string, unknown>): Attrs {
    const responsible = Array.isArray(p.responsible)
      ? (p.responsible as Partial<Person>[]).map((r) => ({ name: r.name ?? '', role: r.role ?? '', phone: r.phone ?? '' }))
      : [];
    return {
      name: String(p.name ?? ''),
      code: String(p.code ?? ''),
      kind: String(p.kind ?? 'residential'),
      households: typeof p.households === 'number' ? p.households : null,
      householdsOverride: p.households !== null && p.households !== undefined,
      responsible,
    };
  }

  /** Begin editing the selected grid's vertices and attributes. */
  async editSelected(): Promise<void> {
    const id = this.host.selected();
    if (id === null) {
      this.setMessage(t('edit.needSelection'), true);
      return;
    }
    if (this.s && !(await this.discardOk())) return;
    this.s = null;
    try {
      const f = (await api.grid(id)) as unknown as GridFeature & { properties: Record<string, unknown> };
      const bbox = geometryBBox(f.geometry);
      const others = bbox ? await this.loadOthers(bbox) : new Map<number, GridFeature>();
      others.delete(id);
      const attrs = this.attrsOf(f.properties);
      this.s = {
        kind: 'edit',
        gridId: id,
        version: f.properties.version,
        level: f.properties.level,
        parentId: f.properties.parent_id ?? null,
        subdistrictId: Number((f.properties as Record<string, unknown>).subdistrict_id ?? this.host.subdistrictId()),
        original: f.geometry,
        geometry: f.geometry.type === 'Polygon' ? clone(f.geometry) : null,
        attrs,
        originalAttrs: clone(attrs),
        ops: [],
        freeform: false,
        others,
        moved: new Map(),
        undo: [],
        redo: [],
        problems: null,
        conflict: null,
        busy: false,
        message: null,
      };
      this.snapGeoms = [...others.values()].map((o) => o.geometry);
      hideGrids(this.host.map, [id]);
      if (f.geometry.type === 'Polygon') {
        this.mode = 'vertices';
        this.loadIntoDraw(this.s.geometry);
      } else {
        this.mode = 'idle';
        this.setMessage(t('edit.multiPolygon'));
      }
      void this.loadHouseholds();
      this.drawContext();
      this.render();
    } catch (err) {
      this.setMessage(problemText(err), true);
    }
  }

  /** Begin drawing a new grid under the selected grid (or an L1 grid under the subdistrict). */
  async drawNew(): Promise<void> {
    if (this.s && !(await this.discardOk())) return;
    this.s = null;
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
      const others = bbox ? await this.loadOthers(bbox) : new Map<number, GridFeature>();
      this.s = {
        kind: 'new',
        gridId: null,
        version: null,
        level,
        parentId,
        subdistrictId: sid,
        original: null,
        geometry: null,
        attrs: emptyAttrs(),
        originalAttrs: null,
        ops: [],
        freeform: false,
        others,
        moved: new Map(),
        undo: [],
        redo: [],
        problems: null,
        conflict: null,
        busy: false,
        message: null,
      };
      this.snapGeoms = [...others.values()].map((o) => o.geometry);
      this.stopDraw();
      this.mode = 'draw';
      this.ensureDraw().setMode(TD_POLYGON);
      this.render();
      void this.suggestCode();
    } catch (err) {
      this.setMessage(problemText(err), true);
    }
  }

  private async suggestCode(): Promise<void> {
    const s = this.s;
    if (!s || s.kind !== 'new') return;
    try {
      const path = s.parentId !== null ? `grids/${s.parentId}/next-code` : `subdistricts/${s.subdistrictId}/next-code`;
      const r = await getJson<{ code: string; sequence: number }>(path);
      if (this.s === s && !s.attrs.code) {
        s.attrs.code = r.code;
        this.render();
      }
    } catch {
      // The endpoint may not exist yet: the planner types the code.
      if (this.s === s) {
        s.message = { text: t('edit.noNextCode') };
        this.render();
      }
    }
  }

  private async loadHouseholds(): Promise<void> {
    const s = this.s;
    if (!s || s.gridId === null) return;
    try {
      const r = await getJson<{ households?: number }>(`grids/${s.gridId}/buildings`);
      if (this.s === s && typeof r.households === 'number') {
        (s as Session & { buildingHouseholds?: number }).buildingHouseholds = r.households;
        this.render();
      }
    } catch {
      // Not available: households stay manual.
    }
  }

  private async discardOk(): Promise<boolean> {
    if (!this.dirty()) return true;
    const r = await this.ask(t('edit.discard.title'), t('edit.discard.body'));
    return r.ok;
  }

  /** End the session (after a save, or discarding it). */
  end(): void {
    this.s = null;
    this.mode = 'idle';
    this.mergeFirst = null;
    this.snapGeoms = [];
    this.stopDraw();
    hideGrids(this.host.map, []);
    this.clearOverlays();
    this.render();
  }

  async cancel(): Promise<void> {
    if (this.mode === 'merge' || this.mode === 'split') {
      this.mode = this.s ? 'vertices' : 'idle';
      this.mergeFirst = null;
      if (this.s?.geometry) this.loadIntoDraw(this.s.geometry);
      else this.stopDraw();
      this.render();
      return;
    }
    if (!this.s) return;
    if (!(await this.discardOk())) return;
    this.end();
  }

  // ------------------------------------------------------------ overlays

  private clearOverlays(): void {
    const empty: FeatureCollection = { type: 'FeatureCollection', features: [] };
    setOverlay(this.host.map, EDIT_SOURCES.problems, empty);
    setOverlay(this.host.map, EDIT_SOURCES.conflict, empty);
    setOverlay(this.host.map, EDIT_SOURCES.context, empty);
  }

  private drawContext(): void {
    const s = this.s;
    const features: Feature[] = [];
    if (s) for (const [id, g] of s.moved) features.push({ type: 'Feature', id, geometry: g, properties: { id } });
    setOverlay(this.host.map, EDIT_SOURCES.context, { type: 'FeatureCollection', features });
    // Snap to the neighbours as they are now (shared vertices moved along).
    if (s) this.snapGeoms = [...s.others].map(([id, f]) => s.moved.get(id) ?? f.geometry);
    hideGrids(this.host.map, s ? [...(s.gridId !== null ? [s.gridId] : []), ...s.moved.keys()] : []);
  }

  private drawProblems(): void {
    const s = this.s;
    const features: Feature[] = [];
    for (const p of s?.problems ?? []) {
      if (p.geometry) features.push({ type: 'Feature', geometry: p.geometry, properties: { kind: p.kind } });
    }
    setOverlay(this.host.map, EDIT_SOURCES.problems, { type: 'FeatureCollection', features });
  }

  // ------------------------------------------------------------- preview

  private draftFeature(): Feature<Polygon | MultiPolygon> | null {
    const s = this.s;
    if (!s) return null;
    const geometry = s.geometry ?? (s.original as Polygon | MultiPolygon | null);
    if (!geometry) return null;
    const a = s.attrs;
    const properties: Record<string, unknown> = {
      code: a.code,
      name: a.name,
      level: s.level,
      parent_id: s.parentId,
      kind: a.kind,
      households: a.householdsOverride ? a.households : null,
      responsible: a.responsible.filter((r) => r.name.trim()),
    };
    if (s.gridId !== null) properties.id = s.gridId;
    if (s.kind === 'new' && s.parentId === null) properties.subdistrict_id = s.subdistrictId;
    return { type: 'Feature', geometry, properties };
  }

  /** Run the coverage preview of the draft; problems are drawn and listed. */
  async preview(): Promise<CoverageProblem[] | null> {
    const s = this.s;
    const f = this.draftFeature();
    if (!s || !f) return null;
    try {
      const r = await sendJson<PreviewReport>('POST', 'coverage/preview', f);
      let problems = r.breaks ?? r.problems ?? [];
      // A shared vertex moves in the neighbours too (the server does it on
      // save), so a problem between the edited grid and those neighbours only
      // is an artefact of previewing one grid at a time.
      if (s.moved.size) {
        const together = new Set<number>([s.gridId ?? -1, ...s.moved.keys()]);
        problems = problems.filter(
          (p) => !(p.kind === 'overlap' || p.kind === 'gap') || !(p.grids ?? []).every((g) => together.has(g.id)),
        );
      }
      if (this.s !== s) return null;
      s.problems = problems;
      s.message = null;
      this.drawProblems();
      this.render();
      return problems;
    } catch (err) {
      if (this.s === s) this.setMessage(`${t('edit.previewFailed')} ${problemText(err)}`, true);
      return null;
    }
  }

  // ---------------------------------------------------------------- save

  private topological(): boolean {
    const s = this.s!;
    return s.kind === 'edit' && !s.freeform && s.ops.length > 0 && s.moved.size > 0;
  }

  async save(): Promise<void> {
    const s = this.s;
    if (!s || s.busy) return;
    if (s.kind === 'new' && !s.geometry) {
      this.setMessage(t('edit.drawFirst'), true);
      return;
    }
    if (s.kind === 'new' && (!s.attrs.name || !s.attrs.code)) {
      this.setMessage(t('edit.needNameCode'), true);
      return;
    }
    s.busy = true;
    this.render();
    try {
      const geometryChanged = s.kind === 'new' || s.ops.length > 0 || s.freeform;
      let reason: string | null = null;
      if (geometryChanged) {
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
      if (this.s === s) {
        s.busy = false;
        this.render();
      }
    }
  }

  private async write(reason: string | null): Promise<void> {
    const s = this.s!;
    const f = this.draftFeature()!;
    const headers = reasonHeader(reason);
    try {
      let savedId: number | null = s.gridId;
      if (s.kind === 'new') {
        const created = await sendJson<GridFeature>('POST', 'grids', f, headers);
        savedId = created?.properties?.id ?? null;
      } else if (this.topological()) {
        await this.writeOps(headers);
        // Attributes (if changed) go with a PUT of the saved geometry.
        if (JSON.stringify(s.attrs) !== JSON.stringify(s.originalAttrs)) {
          const cur = await api.grid(s.gridId!);
          await this.put({ ...f, geometry: cur.geometry }, cur.properties.version, headers);
        }
      } else {
        await this.put(f, s.version!, headers);
      }
      const msg = t('edit.saved');
      this.end();
      await this.host.refresh();
      if (savedId !== null) this.host.select(savedId);
      this.setMessage(msg);
    } catch (err) {
      if (err instanceof ApiError && err.status === 409 && s.gridId !== null && this.s === s) {
        await this.showConflict(err);
        return;
      }
      this.setMessage(problemText(err), true);
    }
  }

  private async put(f: Feature, version: number, headers: Record<string, string>): Promise<void> {
    const s = this.s!;
    await sendJson('PUT', `grids/${s.gridId}`, f, { 'If-Match': `"${version}"`, ...headers });
  }

  /** Send the vertex operations to the topological endpoints, in order. */
  private async writeOps(headers: Record<string, string>): Promise<void> {
    const s = this.s!;
    const versions = new Map<number, number>([[s.gridId!, s.version!]]);
    for (const [id, g] of s.others) versions.set(id, g.properties.version);
    // Which grids each op touches, tracked on the original geometries.
    const geoms = new Map<number, Polygon | MultiPolygon>([[s.gridId!, s.original!]]);
    for (const [id, g] of s.others) geoms.set(id, g.geometry);
    for (const op of s.ops) {
      const involved: Record<string, number> = {};
      for (const [id, g] of geoms) if (touches(g, op)) involved[String(id)] = versions.get(id)!;
      let body: unknown;
      let path: string;
      if (op.kind === 'move') {
        path = 'edits/move-vertex';
        body = { from: op.from, to: op.to, versions: involved };
      } else if (op.kind === 'insert') {
        path = 'edits/insert-vertex';
        body = { at: op.at, versions: involved };
      } else {
        path = 'edits/delete-vertex';
        body = { at: op.at, versions: involved };
      }
      const r = await sendJson<{ changed?: GridFeature[] }>('POST', path, body, headers);
      for (const [id, g] of geoms) if (touches(g, op)) geoms.set(id, applyOp(g, op));
      for (const c of r?.changed ?? []) {
        versions.set(c.properties.id, c.properties.version);
        geoms.set(c.properties.id, c.geometry);
      }
    }
  }

  // ------------------------------------------------------------- conflict

  private async showConflict(err: ApiError): Promise<void> {
    const s = this.s!;
    try {
      const current = await api.grid(s.gridId!);
      s.conflict = { current: current as unknown as GridFeature };
      setOverlay(this.host.map, EDIT_SOURCES.conflict, {
        type: 'FeatureCollection',
        features: [{ type: 'Feature', geometry: current.geometry, properties: {} }],
      });
      s.message = { text: `${t('edit.conflict')} ${err.problem?.current_version ?? current.properties.version}`, error: true };
    } catch (e) {
      s.message = { text: problemText(e), error: true };
    }
    this.render();
  }

  /** Drop the planner's draft and edit the other version. */
  async reload(): Promise<void> {
    const s = this.s;
    if (!s || s.gridId === null) return;
    const id = s.gridId;
    this.end();
    this.host.select(id);
    await this.host.refresh();
    await this.editSelected();
  }

  /** Save the planner's version over the other one (re-PUT with the new version). */
  async reapply(): Promise<void> {
    const s = this.s;
    if (!s || !s.conflict) return;
    s.version = s.conflict.current.properties.version;
    if (this.topological()) {
      // Topological operations are re-sent with the current versions.
      for (const [id] of s.others) {
        try {
          const cur = await api.grid(id);
          s.others.set(id, { ...s.others.get(id)!, properties: { ...s.others.get(id)!.properties, version: cur.properties.version } });
        } catch {
          // leave it: the server answers 409 again if it matters
        }
      }
    }
    s.conflict = null;
    setOverlay(this.host.map, EDIT_SOURCES.conflict, { type: 'FeatureCollection', features: [] });
    s.busy = true;
    this.render();
    try {
      await this.write(null);
    } finally {
      if (this.s === s) {
        s.busy = false;
        this.render();
      }
    }
  }

  // ---------------------------------------------------- split, merge, delete

  startSplit(): void {
    const id = this.s?.gridId ?? this.host.selected();
    if (id === null) {
      this.setMessage(t('edit.needSelection'), true);
      return;
    }
    if (this.s && this.dirty()) {
      this.setMessage(t('edit.saveFirst'), true);
      return;
    }
    this.mode = 'split';
    const draw = this.ensureDraw();
    draw.clear();
    this.tdFeatureId = null;
    draw.setMode(TD_LINE);
    this.render();
  }

  private async doSplit(line: LineString): Promise<void> {
    const id = this.s?.gridId ?? this.host.selected();
    if (id === null) return;
    try {
      const cur = await api.grid(id);
      const r = await sendJson<{ changed?: GridFeature[]; created?: GridFeature[] }>('POST', `grids/${id}/split`, {
        line,
        version: cur.properties.version,
      });
      this.end();
      await this.host.refresh();
      const created = r?.created ?? [];
      this.host.select(id);
      this.setMessage(t('edit.splitDone').replace('{n}', String(1 + created.length)));
    } catch (err) {
      this.mode = this.s ? 'vertices' : 'idle';
      if (this.s?.geometry) this.loadIntoDraw(this.s.geometry);
      else this.stopDraw();
      this.setMessage(problemText(err), true);
    }
  }

  startMerge(): void {
    const id = this.s?.gridId ?? this.host.selected();
    if (id === null) {
      this.setMessage(t('edit.needSelection'), true);
      return;
    }
    if (this.s && this.dirty()) {
      this.setMessage(t('edit.saveFirst'), true);
      return;
    }
    if (this.s) this.end();
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
        t('edit.merge.body').replace('{a}', `${a.properties.name} (${a.properties.code})`).replace('{b}', `${b.properties.name} (${b.properties.code})`),
      );
      if (!ok.ok) return;
      const r = await sendJson<{ changed?: GridFeature[]; deleted?: number[] }>('POST', 'grids/merge', {
        ids: [first, other],
        versions: { [String(first)]: a.properties.version, [String(other)]: b.properties.version },
      });
      this.mode = 'idle';
      this.mergeFirst = null;
      await this.host.refresh();
      const kept = r?.changed?.[0]?.properties.id ?? first;
      this.host.select(kept);
      this.setMessage(t('edit.mergeDone'));
    } catch (err) {
      this.setMessage(problemText(err), true);
    }
  }

  async deleteSelected(): Promise<void> {
    const id = this.s?.gridId ?? this.host.selected();
    if (id === null) {
      this.setMessage(t('edit.needSelection'), true);
      return;
    }
    try {
      const g = await api.grid(id);
      const ok = await this.ask(t('edit.delete.title'), t('edit.delete.body').replace('{g}', `${g.properties.name} (${g.properties.code})`));
      if (!ok.ok) return;
      await sendJson('DELETE', `grids/${id}`, undefined, { 'If-Match': `"${g.properties.version}"` });
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
    const s = this.s;
    if (!s || s.gridId === null) return;
    const ok = await this.ask(t('edit.renumber.title'), t('edit.renumber.body'));
    if (!ok.ok) return;
    try {
      const r = await sendJson<{ changes?: { id: number; old_code: string; new_code: string }[] }>(
        'POST',
        `grids/${s.gridId}/renumber`,
        {},
      );
      const lines = (r?.changes ?? []).map((c) => `${c.old_code} → ${c.new_code}`);
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
    if (this.s || this.mode !== 'idle') {
      if (this.s && !(await this.discardOk())) return null;
      this.end();
    }
    const parentId = this.host.selected();
    const sid = this.host.subdistrictId();
    if (parentId === null && sid === null) return null;
    const gpkg = await isGeoPackage(file);
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
    );
    if (!ok.ok) return null;
    const report: ImportReport = { file: file.name, parent: target, status: 'busy', created: [], errors: [], detail: null };
    this.importReport = report;
    this.idleMessage = null;
    this.render();
    const path = parentId !== null ? `grids/${parentId}/import` : `subdistricts/${sid}/import`;
    try {
      const r = await sendFile<{ created?: GridFeature[] }>(path, file, gpkg ? 'application/geopackage+sqlite3' : 'application/geo+json');
      report.status = 'done';
      report.created = (r?.created ?? []).map((f) => ({
        id: f.properties.id,
        code: f.properties.code,
        name: f.properties.name,
        level: f.properties.level,
        bbox: geometryBBox(f.geometry),
      }));
    } catch (err) {
      report.status = 'refused';
      if (err instanceof ApiError) {
        report.detail = err.status === 404 || err.status === 405 ? problemText(err) : err.message;
        report.errors = (err.problem?.errors ?? []).map((e) => {
          const m = /^features\[(\d+)\]\.?(.*)$/.exec(e.field);
          return { index: m ? Number(m[1]) : null, field: m ? m[2] : e.field, reason: e.reason };
        });
      } else {
        report.detail = problemText(err);
      }
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
    const bbs = items.map((c) => c.bbox).filter((b): b is [number, number, number, number] => !!b);
    if (!bbs.length) return;
    const bb = bbs.reduce((a, b) => [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])]);
    this.host.map.fitBounds([[bb[0], bb[1]], [bb[2], bb[3]]], { padding: 80, maxZoom: 19, duration: 500 });
  }

  private importReport: ImportReport | null = null;

  async exportVisible(): Promise<void> {
    const level = this.host.visibleLevel();
    const sid = this.host.subdistrictId();
    const q = new URLSearchParams();
    if (level !== 'all') q.set('level', String(level));
    if (sid !== null) q.set('subdistrict', String(sid));
    try {
      const fc = await getJson<FeatureCollection>(`grids?${q}`);
      const blob = new Blob([JSON.stringify(fc)], { type: 'application/geo+json' });
      const a = el('a', { href: URL.createObjectURL(blob), download: `grids-${level === 'all' ? 'all' : `l${level}`}.geojson` });
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
    opts: { reason?: boolean; info?: boolean } = {},
  ): Promise<{ ok: boolean; reason: string }> {
    return new Promise((resolve) => {
      const d = this.dialog;
      const reason = el('textarea', { id: 'edit-reason', rows: 3, placeholder: t('edit.reason.placeholder') });
      const ok = btn(opts.info ? t('edit.close') : t('edit.ok'), () => {
        if (opts.reason && !reason.value.trim()) {
          reason.focus();
          reason.classList.add('invalid');
          return;
        }
        d.close();
        resolve({ ok: true, reason: reason.value.trim() });
      }, { id: 'edit-dialog-ok', cls: 'btn-primary' });
      const cancel = btn(t('edit.cancel'), () => {
        d.close();
        resolve({ ok: false, reason: '' });
      }, { id: 'edit-dialog-cancel' });
      d.replaceChildren(
        el('h3', { textContent: title }),
        el('p', { className: 'edit-dialog-body', textContent: body }),
        ...(opts.reason ? [el('label', { className: 'field' }, el('span', { textContent: t('edit.reason') }), reason)] : []),
        el('div', { className: 'edit-dialog-actions' }, opts.info ? null : cancel, ok),
      );
      d.onclose = () => resolve({ ok: false, reason: '' });
      d.showModal();
      (opts.reason ? reason : ok).focus();
    });
  }

  private setMessage(text: string, error = false): void {
    if (this.s) this.s.message = { text, error };
    else this.idleMessage = { text, error };
    this.render();
  }

  private idleMessage: { text: string; error?: boolean } | null = null;

  // ---------------------------------------------------------------- keyboard

  private onKey(e: KeyboardEvent): void {
    const target = e.target as HTMLElement | null;
    const typing = !!target && (target.closest('input, textarea, select, [contenteditable="true"]') !== null);
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
    if (e.key === 'Escape' && (this.s || this.mode !== 'idle' || !this.help.hidden)) {
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
    const s = this.s;
    const fileInput = el('input', { type: 'file', accept: '.geojson,.json,.gpkg,application/geo+json,application/json,application/geopackage+sqlite3', id: 'edit-import-file', hidden: true });
    fileInput.addEventListener('change', () => {
      const f = fileInput.files?.[0];
      if (f) void this.importFile(f);
      fileInput.value = '';
    });
    this.toolbar.replaceChildren(
      btn(t('edit.tool.edit'), () => void this.editSelected(), { id: 'edit-vertices', title: `${t('edit.key.edit')} (E)`, cls: on('vertices') }),
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
    const s = this.s;
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
      parts.push(el('div', { className: 'edit-head' }, el('h2', { textContent: t('edit.title') }), this.mode !== 'idle' ? btn(t('edit.cancel'), () => void this.cancel(), { id: 'edit-cancel' }) : btn(t('edit.close'), () => { this.idleMessage = null; this.importReport = null; this.render(); }, { id: 'edit-close' })));
      if (h) parts.push(el('p', { className: 'edit-hint', textContent: h }));
      if (msg) parts.push(el('p', { className: msg.error ? 'edit-msg error' : 'edit-msg', id: 'edit-message', textContent: msg.text }));
      if (this.importReport) parts.push(this.renderImport());
      p.replaceChildren(...parts);
      return;
    }
    p.hidden = false;
    const title = s.kind === 'new' ? t('edit.title.new') : t('edit.title.edit');
    parts.push(
      el('div', { className: 'edit-head' }, el('h2', { textContent: title }), el('span', { className: `badge badge-l${Math.min(s.level, 3)}`, textContent: `L${s.level}` })),
    );
    if (h) parts.push(el('p', { className: 'edit-hint', textContent: h }));
    if (s.message) parts.push(el('p', { className: s.message.error ? 'edit-msg error' : 'edit-msg', id: 'edit-message', textContent: s.message.text }));
    if (s.conflict) parts.push(this.renderConflict());
    parts.push(this.renderForm());
    if (s.problems) parts.push(this.renderProblems());
    const save = btn(t('edit.save'), () => void this.save(), { id: 'edit-save', cls: 'btn-primary', title: 'Ctrl+S' });
    save.disabled = s.busy || !!s.conflict;
    const previewB = btn(t('edit.preview'), () => void this.preview(), { id: 'edit-preview', title: 'P' });
    previewB.disabled = s.busy || (!s.geometry && !s.original);
    parts.push(el('div', { className: 'edit-actions' }, previewB, save, btn(t('edit.cancel'), () => void this.cancel(), { id: 'edit-cancel' })));
    if (s.moved.size) parts.push(el('p', { className: 'muted edit-note', textContent: t('edit.movedAlong').replace('{n}', String(s.moved.size)) }));
    if (this.importReport) parts.push(this.renderImport());
    // Keep focus in the form across re-renders.
    const active = document.activeElement as HTMLElement | null;
    const focusId = active && p.contains(active) ? active.id : null;
    p.replaceChildren(...parts);
    if (focusId) document.getElementById(focusId)?.focus();
  }

  private renderImport(): HTMLElement {
    const r = this.importReport!;
    const box = el('div', { className: `edit-import-report ${r.status}`, id: 'edit-import-report', dataset: { status: r.status } });
    const fill = (key: MessageKey, n = 0) =>
      t(key).replace('{file}', r.file).replace('{parent}', r.parent).replace('{n}', String(n));
    if (r.status === 'busy') {
      box.append(el('p', { className: 'edit-hint', textContent: fill('edit.import.busy') }));
      return box;
    }
    if (r.status === 'done') {
      box.append(el('p', { className: 'edit-msg', textContent: fill('edit.import.done', r.created.length) }));
      const ul = el('ul', { className: 'edit-created' });
      for (const c of r.created) {
        const b = btn(`${c.code} ${c.name}`, () => {
          this.host.select(c.id);
          this.zoomToCreated([c]);
        }, { cls: 'edit-created-grid' });
        b.dataset.id = String(c.id);
        ul.append(el('li', {}, el('span', { className: `badge badge-l${Math.min(c.level, 3)}`, textContent: `L${c.level}` }), b));
      }
      box.append(ul);
      if (r.created.length > 1) box.append(btn(t('edit.import.zoomAll'), () => this.zoomToCreated(r.created), { id: 'edit-import-zoom' }));
      return box;
    }
    box.append(el('p', { className: 'edit-msg error', textContent: fill(r.errors.length ? 'edit.import.refused' : 'edit.import.refusedOther', r.errors.length) }));
    if (r.errors.length) {
      const ul = el('ul', { className: 'edit-failures' });
      for (const e of r.errors) {
        const where = e.index === null ? (e.field || t('edit.import.file')) : `${t('edit.import.feature')} #${e.index}${e.field ? ` · ${e.field}` : ''}`;
        ul.append(el('li', { dataset: { index: e.index === null ? '' : String(e.index) } }, el('strong', { textContent: where }), `: ${e.reason}`));
      }
      box.append(ul);
    } else if (r.detail) {
      box.append(el('p', { className: 'edit-failures', textContent: r.detail }));
    }
    return box;
  }

  private renderConflict(): HTMLElement {
    const c = this.s!.conflict!;
    return el(
      'div',
      { className: 'edit-conflict', id: 'edit-conflict' },
      el('strong', { textContent: t('edit.conflict.title') }),
      el('p', { textContent: t('edit.conflict.body').replace('{v}', String(c.current.properties.version)) }),
      el(
        'div',
        { className: 'edit-actions' },
        btn(t('edit.conflict.reload'), () => void this.reload(), { id: 'edit-conflict-reload' }),
        btn(t('edit.conflict.reapply'), () => void this.reapply(), { id: 'edit-conflict-reapply', cls: 'btn-primary' }),
      ),
    );
  }

  private renderProblems(): HTMLElement {
    const list = this.s!.problems!;
    const box = el('div', { className: 'edit-problems', id: 'edit-problems' });
    if (!list.length) {
      box.append(el('p', { className: 'ok', textContent: t('edit.problems.none') }));
      return box;
    }
    box.append(el('strong', { className: 'warn', textContent: t('edit.problems.title').replace('{n}', String(list.length)) }));
    const ul = el('ul');
    for (const p of list) {
      const kindKey = `edit.problem.${p.kind}` as MessageKey;
      const kindLabel = (() => {
        try {
          const v = t(kindKey);
          return v ?? p.kind;
        } catch {
          return p.kind;
        }
      })();
      const meas: string[] = [];
      if (p.area_m2 !== undefined) meas.push(`${p.area_m2.toFixed(1)} m²`);
      if (p.width_m !== undefined) meas.push(`${t('edit.width')} ${p.width_m.toFixed(1)} m`);
      const grids = (p.grids ?? []).map((g) => g.code).join(', ');
      const li = el(
        'li',
        { dataset: { kind: p.kind } },
        el('span', { className: 'problem-kind', textContent: kindLabel }),
        meas.length ? el('span', { className: 'muted', textContent: ` ${meas.join(' · ')}` }) : null,
        grids ? el('div', { className: 'muted', textContent: grids }) : null,
        p.message ? el('div', { textContent: p.message }) : null,
        p.fix || p.suggestion ? el('div', { className: 'muted', textContent: `→ ${p.fix ?? p.suggestion}` }) : null,
      );
      if (p.geometry) {
        li.tabIndex = 0;
        li.addEventListener('click', () => {
          const bb = geometryBBox(p.geometry!);
          if (bb) this.host.map.fitBounds([[bb[0], bb[1]], [bb[2], bb[3]]], { padding: 80, maxZoom: 19, duration: 400 });
        });
      }
      ul.append(li);
    }
    box.append(ul);
    return box;
  }

  private renderForm(): HTMLElement {
    const s = this.s!;
    const a = s.attrs;
    const form = el('form', { className: 'edit-form', id: 'edit-form' });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.save();
    });
    const field = (label: string, input: HTMLElement, extra?: Node | null) =>
      el('label', { className: 'field' }, el('span', { textContent: label }), input, extra ?? null);
    const text = (id: string, value: string, onInput: (v: string) => void) => {
      const i = el('input', { id, type: 'text', value });
      i.addEventListener('input', () => onInput(i.value));
      return i;
    };
    form.append(field(t('details.name'), text('edit-name', a.name, (v) => (a.name = v))));
    form.append(field(t('details.level'), el('output', { id: 'edit-level', textContent: levelName(s.level) })));
    const code = text('edit-code', a.code, (v) => (a.code = v));
    const renumber = s.gridId !== null ? btn(t('edit.renumber'), () => void this.renumber(), { id: 'edit-renumber', title: t('edit.renumber.title') }) : null;
    form.append(field(t('details.code'), code, renumber));
    const kind = el('select', { id: 'edit-kind' });
    for (const k of ['residential', 'scattered', 'commercial', 'other']) {
      const o = el('option', { value: k, textContent: kindName(k) });
      if (k === a.kind) o.selected = true;
      kind.append(o);
    }
    kind.addEventListener('change', () => (a.kind = kind.value));
    form.append(field(t('details.kind'), kind));
    const hh = el('input', { id: 'edit-households', type: 'number', min: '0', step: '1', value: a.households === null ? '' : String(a.households) });
    const fromBuildings = (s as Session & { buildingHouseholds?: number }).buildingHouseholds;
    hh.disabled = !a.householdsOverride && fromBuildings !== undefined;
    if (hh.disabled && fromBuildings !== undefined) hh.value = String(fromBuildings);
    hh.addEventListener('input', () => {
      a.households = hh.value === '' ? null : Number(hh.value);
      a.householdsOverride = true;
    });
    const override = el('input', { type: 'checkbox', id: 'edit-households-override', checked: a.householdsOverride || fromBuildings === undefined });
    override.addEventListener('change', () => {
      a.householdsOverride = override.checked;
      if (!override.checked) a.households = null;
      this.render();
    });
    const hhNote = el(
      'span',
      { className: 'inline muted' },
      override,
      fromBuildings !== undefined ? ` ${t('edit.households.override')} (${t('edit.households.fromBuildings')}: ${fromBuildings})` : ` ${t('edit.households.manual')}`,
    );
    form.append(field(t('details.households'), hh, hhNote));
    // Responsible people and contacts.
    const people = el('fieldset', { className: 'edit-people', id: 'edit-people' }, el('legend', { textContent: t('edit.responsible') }));
    a.responsible.forEach((r, i) => {
      const rowEl = el('div', { className: 'person' });
      const mk = (key: keyof Person, ph: MessageKey) => {
        const inp = el('input', { type: key === 'phone' ? 'tel' : 'text', value: r[key], placeholder: t(ph), id: `edit-person-${i}-${key}` });
        inp.addEventListener('input', () => (r[key] = inp.value));
        return inp;
      };
      rowEl.append(
        mk('name', 'edit.person.name'),
        mk('role', 'edit.person.role'),
        mk('phone', 'edit.person.phone'),
        btn('×', () => {
          a.responsible.splice(i, 1);
          this.render();
        }, { title: t('edit.person.remove') }),
      );
      people.append(rowEl);
    });
    people.append(
      btn(t('edit.person.add'), () => {
        a.responsible.push({ name: '', role: '', phone: '' });
        this.render();
      }, { id: 'edit-person-add' }),
    );
    form.append(people);
    return form;
  }
}
