// Vertex bookkeeping for the editor, in longitude/latitude (true geometry from
// the API). A vertex edit is recorded as an operation (move / insert / delete)
// so that it can be sent to the server's topological endpoints, which apply it
// to every grid sharing the vertex; the same operation is applied here to the
// neighbours' copies so the planner sees them move along.

import type { MultiPolygon, Polygon, Position } from 'geojson';

export type Pos = [number, number];

export type VertexOp =
  { kind: 'move'; from: Pos; to: Pos } | { kind: 'insert'; at: Pos; between: [Pos, Pos] } | { kind: 'delete'; at: Pos };

/** Vertices closer than this (degrees, ~1 mm) are the same vertex. */
const SAME = 1e-8;

export function samePos(a: Position, b: Position): boolean {
  return Math.abs(a[0] - b[0]) <= SAME && Math.abs(a[1] - b[1]) <= SAME;
}

export function openRing(ring: Position[]): Pos[] {
  const r = ring.map((p) => [p[0], p[1]] as Pos);
  if (r.length > 1 && samePos(r[0], r[r.length - 1])) r.pop();
  return r;
}

export function closeRing(r: Pos[]): Pos[] {
  return r.length ? [...r, [r[0][0], r[0][1]]] : r;
}

/**
 * The operation that turns ring `a` into ring `b` (both open), when they differ
 * by one vertex moved, inserted or deleted; null when nothing changed; 'other'
 * for anything else (a whole-feature drag, several vertices at once).
 */
export function diffRing(a: Pos[], b: Pos[]): VertexOp[] | null | 'other' {
  if (a.length === b.length) {
    const diff: number[] = [];
    for (let i = 0; i < a.length; i++) if (!samePos(a[i], b[i])) diff.push(i);
    if (diff.length === 0) return null;
    if (diff.length === 1) return [{ kind: 'move', from: a[diff[0]], to: b[diff[0]] }];
    return 'other';
  }
  if (b.length === a.length + 1) {
    // Find i such that b without b[i] equals a.
    for (let i = 0; i < b.length; i++) {
      let ok = true;
      for (let k = 0, j = 0; k < b.length; k++) {
        if (k === i) continue;
        if (!samePos(a[j++], b[k])) {
          ok = false;
          break;
        }
      }
      if (ok) {
        const prev = a[(i - 1 + a.length) % a.length];
        const next = a[i % a.length];
        const mid: Pos = [(prev[0] + next[0]) / 2, (prev[1] + next[1]) / 2];
        const ops: VertexOp[] = [{ kind: 'insert', at: mid, between: [prev, next] }];
        if (!samePos(mid, b[i])) ops.push({ kind: 'move', from: mid, to: b[i] });
        return ops;
      }
    }
    return 'other';
  }
  if (b.length === a.length - 1) {
    for (let i = 0; i < a.length; i++) {
      let ok = true;
      for (let k = 0, j = 0; k < a.length; k++) {
        if (k === i) continue;
        if (!samePos(a[k], b[j++])) {
          ok = false;
          break;
        }
      }
      if (ok) return [{ kind: 'delete', at: a[i] }];
    }
  }
  return 'other';
}

function rings(g: Polygon | MultiPolygon): Position[][] {
  return g.type === 'Polygon' ? g.coordinates : g.coordinates.flat();
}

export function hasVertex(g: Polygon | MultiPolygon, p: Position): boolean {
  return rings(g).some((r) => r.some((q) => samePos(q, p)));
}

/** Whether segment a–b (either direction) is an edge of the geometry. */
export function hasEdge(g: Polygon | MultiPolygon, a: Position, b: Position): boolean {
  for (const r of rings(g)) {
    for (let i = 0; i + 1 < r.length; i++) {
      if ((samePos(r[i], a) && samePos(r[i + 1], b)) || (samePos(r[i], b) && samePos(r[i + 1], a))) return true;
    }
  }
  return false;
}

/** Whether an operation touches this geometry (it shares the vertex or the edge). */
export function touches(g: Polygon | MultiPolygon, op: VertexOp): boolean {
  switch (op.kind) {
    case 'move':
      return hasVertex(g, op.from);
    case 'delete':
      return hasVertex(g, op.at);
    case 'insert':
      return hasEdge(g, op.between[0], op.between[1]);
  }
}

function applyToRing(ring: Position[], op: VertexOp): Position[] {
  const r = openRing(ring);
  switch (op.kind) {
    case 'move':
      for (let i = 0; i < r.length; i++) if (samePos(r[i], op.from)) r[i] = [op.to[0], op.to[1]];
      break;
    case 'delete': {
      const i = r.findIndex((q) => samePos(q, op.at));
      if (i >= 0 && r.length > 3) r.splice(i, 1);
      break;
    }
    case 'insert': {
      const [a, b] = op.between;
      for (let i = 0; i < r.length; i++) {
        const p = r[i];
        const q = r[(i + 1) % r.length];
        if ((samePos(p, a) && samePos(q, b)) || (samePos(p, b) && samePos(q, a))) {
          r.splice(i + 1, 0, [op.at[0], op.at[1]]);
          break;
        }
      }
      break;
    }
  }
  return closeRing(r);
}

/** The geometry with the operation applied (every ring that has the vertex or edge). */
export function applyOp<G extends Polygon | MultiPolygon>(g: G, op: VertexOp): G {
  const geom: Polygon | MultiPolygon = g;
  const out: Polygon | MultiPolygon =
    geom.type === 'Polygon'
      ? { ...geom, coordinates: geom.coordinates.map((r) => applyToRing(r, op)) }
      : { ...geom, coordinates: geom.coordinates.map((p) => p.map((r) => applyToRing(r, op))) };
  return out as G;
}

/** Nearest point to `p` on segment a–b, in screen pixels. */
function nearestOnSegment(p: [number, number], a: [number, number], b: [number, number]): [number, number] {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len = dx * dx + dy * dy;
  const t = len === 0 ? 0 : Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len));
  return [a[0] + t * dx, a[1] + t * dy];
}

/**
 * Snap a pointer position to the nearest vertex of the given geometries
 * (within `px` pixels), else to the nearest point on one of their edges,
 * else null. `project` maps lon/lat to screen pixels and `unproject` back.
 */
export function snap(
  pointer: { x: number; y: number },
  geoms: (Polygon | MultiPolygon)[],
  project: (lng: number, lat: number) => { x: number; y: number },
  unproject: (x: number, y: number) => { lng: number; lat: number },
  px = 10,
  skip?: (p: Position) => boolean,
): Pos | null {
  let best: { d: number; p: Pos } | null = null;
  const P: [number, number] = [pointer.x, pointer.y];
  for (const g of geoms) {
    for (const r of rings(g)) {
      for (const v of r) {
        if (skip?.(v)) continue;
        const s = project(v[0], v[1]);
        const d = Math.hypot(s.x - P[0], s.y - P[1]);
        if (d <= px && (!best || d < best.d)) best = { d, p: [v[0], v[1]] };
      }
    }
  }
  if (best) return best.p;
  let edge: { d: number; s: [number, number] } | null = null;
  for (const g of geoms) {
    for (const r of rings(g)) {
      for (let i = 0; i + 1 < r.length; i++) {
        if (skip?.(r[i]) || skip?.(r[i + 1])) continue;
        const a = project(r[i][0], r[i][1]);
        const b = project(r[i + 1][0], r[i + 1][1]);
        const s = nearestOnSegment(P, [a.x, a.y], [b.x, b.y]);
        const d = Math.hypot(s[0] - P[0], s[1] - P[1]);
        if (d <= px && (!edge || d < edge.d)) edge = { d, s };
      }
    }
  }
  if (edge) {
    const ll = unproject(edge.s[0], edge.s[1]);
    return [ll.lng, ll.lat];
  }
  return null;
}
