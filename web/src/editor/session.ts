// The editing session: what the planner is changing, as plain data with pure
// operations (no DOM, no map, no server). The draft geometry, the vertex
// operations since the session began, the neighbours' copies that move along
// with a shared vertex (topological editing), undo/redo snapshots, and which
// grids (with which versions) each operation touches when it is saved.

import type { Polygon } from 'geojson';
import type { CoverageProblem, GridDraft, GridDraftProps, GridFeature, GridGeometry, MoveVertexBody, VertexAtBody } from '../api';
import { applyOp, closeRing, diffRing, openRing, touches, type Pos, type VertexOp } from './topo';

/** The grid kinds the server knows. */
export const KINDS = ['residential', 'scattered', 'commercial', 'other'] as const;
export type Kind = (typeof KINDS)[number];

export interface Person {
  name: string;
  role: string;
  phone: string;
}

export interface Attrs {
  name: string;
  code: string;
  kind: Kind;
  households: number | null;
  /** True when the planner typed households instead of taking the buildings' sum. */
  householdsOverride: boolean;
  responsible: Person[];
}

interface Snapshot {
  geometry: Polygon | null;
  ops: VertexOp[];
  moved: [number, GridGeometry][];
}

export interface Session {
  kind: 'edit' | 'new';
  gridId: number | null;
  version: number | null;
  level: number;
  parentId: number | null;
  subdistrictId: number;
  /** The grid's geometry when the session began (null for a new grid). */
  original: GridGeometry | null;
  /** The draft (a Polygon: Terra Draw edits one outer ring; holes are kept). */
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
  moved: Map<number, GridGeometry>;
  undo: Snapshot[];
  redo: Snapshot[];
  /** The coverage preview's problems of the draft (null: not checked since the last change). */
  problems: CoverageProblem[] | null;
  /** Households from the buildings in the grid, when the server has them. */
  buildingHouseholds?: number;
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

function isKind(k: unknown): k is Kind {
  return typeof k === 'string' && (KINDS as readonly string[]).includes(k);
}

export function emptyAttrs(): Attrs {
  return { name: '', code: '', kind: 'residential', households: null, householdsOverride: false, responsible: [] };
}

/** The form's attributes of a grid as the API gives it. */
export function attrsOf(p: Record<string, unknown>): Attrs {
  const responsible = Array.isArray(p.responsible)
    ? (p.responsible as Partial<Person>[]).map((r) => ({ name: r.name ?? '', role: r.role ?? '', phone: r.phone ?? '' }))
    : [];
  return {
    name: typeof p.name === 'string' ? p.name : '',
    code: typeof p.code === 'string' ? p.code : '',
    kind: isKind(p.kind) ? p.kind : 'residential',
    households: typeof p.households === 'number' ? p.households : null,
    householdsOverride: p.households !== null && p.households !== undefined,
    responsible,
  };
}

function base(): Pick<Session, 'ops' | 'freeform' | 'moved' | 'undo' | 'redo' | 'problems'> {
  return { ops: [], freeform: false, moved: new Map(), undo: [], redo: [], problems: null };
}

/** A session editing an existing grid (its true geometry) among its neighbours. */
export function editSession(grid: GridFeature, others: Map<number, GridFeature>): Session {
  const p = grid.properties;
  const neighbours = new Map(others);
  neighbours.delete(p.id);
  const attrs = attrsOf(p);
  return {
    ...base(),
    kind: 'edit',
    gridId: p.id,
    version: p.version,
    level: p.level,
    parentId: p.parent_id,
    subdistrictId: p.subdistrict_id,
    original: grid.geometry,
    geometry: grid.geometry.type === 'Polygon' ? clone(grid.geometry) : null,
    attrs,
    originalAttrs: clone(attrs),
    others: neighbours,
  };
}

/** A session drawing a new grid at a level, under a parent (null: an L1 grid of the subdistrict). */
export function newSession(level: number, parentId: number | null, subdistrictId: number, others: Map<number, GridFeature>): Session {
  return {
    ...base(),
    kind: 'new',
    gridId: null,
    version: null,
    level,
    parentId,
    subdistrictId,
    original: null,
    geometry: null,
    attrs: emptyAttrs(),
    originalAttrs: null,
    others,
  };
}

/** The outer ring of the draft, open (as Terra Draw's vertices). */
export function draftRing(s: Session): Pos[] | null {
  return s.geometry ? openRing(s.geometry.coordinates[0]) : null;
}

function snapshot(s: Session): Snapshot {
  return { geometry: clone(s.geometry), ops: [...s.ops], moved: clone([...s.moved.entries()]) };
}

function restore(s: Session, snap: Snapshot): void {
  s.geometry = snap.geometry;
  s.ops = snap.ops;
  s.moved = new Map(snap.moved);
  s.problems = null;
}

/** Remember the state before a change (and forget what could be redone). */
export function pushUndo(s: Session): void {
  s.undo.push(snapshot(s));
  s.redo = [];
}

/** Step back; false when there is nothing to undo. */
export function undo(s: Session): boolean {
  const snap = s.undo.pop();
  if (!snap) return false;
  s.redo.push(snapshot(s));
  restore(s, snap);
  return true;
}

/** Step forward again; false when there is nothing to redo. */
export function redo(s: Session): boolean {
  const snap = s.redo.pop();
  if (!snap) return false;
  s.undo.push(snapshot(s));
  restore(s, snap);
  return true;
}

/** A new grid's polygon was drawn. */
export function setDrawn(s: Session, polygon: Polygon): void {
  pushUndo(s);
  s.geometry = clone(polygon);
  s.problems = null;
}

/**
 * The draft's outer ring changed (Terra Draw finished a vertex drag, insert
 * or delete). Records the vertex operations and moves the neighbours that
 * share the vertex or edge. Returns false when nothing changed.
 */
export function changeRing(s: Session, ring: Pos[]): boolean {
  const before = draftRing(s);
  if (!before) return false;
  const ops = diffRing(before, ring);
  if (ops === null) return false;
  pushUndo(s);
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
  s.problems = null;
  return true;
}

/** The neighbours as they are now (moved along or not): the snapping targets. */
export function snapTargets(s: Session): GridGeometry[] {
  return [...s.others].map(([id, f]) => s.moved.get(id) ?? f.geometry);
}

/** Grids the map must not draw from tiles: the edited one and the neighbours moving along. */
export function hiddenGrids(s: Session): number[] {
  return [...(s.gridId !== null ? [s.gridId] : []), ...s.moved.keys()];
}

export function attrsChanged(s: Session): boolean {
  return JSON.stringify(s.attrs) !== JSON.stringify(s.originalAttrs);
}

/** Whether there is anything to save (or lose). */
export function dirty(s: Session): boolean {
  if (s.kind === 'new') return !!s.geometry;
  return s.ops.length > 0 || s.freeform || attrsChanged(s);
}

export function geometryChanged(s: Session): boolean {
  return s.kind === 'new' || s.ops.length > 0 || s.freeform;
}

/** True when saving goes through the topological endpoints (a vertex shared with a neighbour moved). */
export function topological(s: Session): boolean {
  return s.kind === 'edit' && !s.freeform && s.ops.length > 0 && s.moved.size > 0;
}

/** The draft as the server takes it (POST / PUT /grids, POST /coverage/preview). */
export function draftFeature(s: Session): (GridDraft & { geometry: GridGeometry; properties: GridDraftProps }) | null {
  const geometry = s.geometry ?? s.original;
  if (!geometry) return null;
  const a = s.attrs;
  const properties: GridDraftProps = {
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

/**
 * The preview checks one grid at a time: for a topological move, overlaps and
 * gaps between the edited grid and the neighbours that move along with it are
 * artefacts (the server moves those neighbours too on saving), so drop them.
 */
export function previewProblems(s: Session, problems: CoverageProblem[]): CoverageProblem[] {
  if (!s.moved.size) return problems;
  const together = new Set<number>([s.gridId ?? -1, ...s.moved.keys()]);
  return problems.filter((p) => !(p.kind === 'overlap' || p.kind === 'gap') || !(p.grids ?? []).every((g) => together.has(g.id)));
}

/**
 * Which grids, at which versions, each vertex operation touches, as the
 * editor knows them (the loaded geometry and versions of the edited grid and
 * its neighbours, not the atlas's current ones): the `versions` the server's
 * vertex endpoints require. Tracks the geometry through the operations and
 * takes the new versions from each answer.
 */
export class VersionBook {
  private readonly geoms = new Map<number, GridGeometry>();
  private readonly versions = new Map<number, number>();

  constructor(s: Session) {
    if (s.gridId !== null && s.original && s.version !== null) {
      this.geoms.set(s.gridId, s.original);
      this.versions.set(s.gridId, s.version);
    }
    for (const [id, g] of s.others) {
      this.geoms.set(id, g.geometry);
      this.versions.set(id, g.properties.version);
    }
  }

  /** The versions of every grid that has the operation's vertex or edge. */
  involved(op: VertexOp): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [id, g] of this.geoms) if (touches(g, op)) out[String(id)] = this.versions.get(id)!;
    return out;
  }

  /** The operation was saved: move the geometry along and take the versions the server answered. */
  applied(op: VertexOp, changed: GridFeature[]): void {
    for (const [id, g] of this.geoms) if (touches(g, op)) this.geoms.set(id, applyOp(g, op));
    for (const c of changed) {
      this.versions.set(c.properties.id, c.properties.version);
      this.geoms.set(c.properties.id, c.geometry);
    }
  }
}

/** The server's body of one vertex operation with the versions it must name. */
export function vertexBody(op: Extract<VertexOp, { kind: 'move' }>, versions: Record<string, number>): MoveVertexBody;
export function vertexBody(op: Exclude<VertexOp, { kind: 'move' }>, versions: Record<string, number>): VertexAtBody;
export function vertexBody(op: VertexOp, versions: Record<string, number>): MoveVertexBody | VertexAtBody;
export function vertexBody(op: VertexOp, versions: Record<string, number>): MoveVertexBody | VertexAtBody {
  return op.kind === 'move' ? { from: op.from, to: op.to, versions } : { at: op.at, versions };
}

/** A neighbour's version changed (after a conflict): later saves name the new one. */
export function updateVersion(s: Session, id: number, version: number): void {
  if (id === s.gridId) s.version = version;
  const f = s.others.get(id);
  if (f) s.others.set(id, { ...f, properties: { ...f.properties, version } });
}
