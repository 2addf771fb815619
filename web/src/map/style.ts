// The map's style comes whole from the server (GET /styles/default.json: its
// sources, layers and colours). The app adds only its interaction layers
// (coverage problems, editor overlays) and drives hover, selection and the
// editor's hidden grids through feature state on the tiles' feature ids.
//
// The server's style carries the feature-state expressions the app drives on
// its grid layers (`grids_l{n}-fill`, `grids_l{n}-line`, n = 1…5; the exact
// ones are `stateful*` below) and the kind colours in
// `metadata["gridd:kind-colors"]` (server/src/http/tiles.rs, fn
// default_style). `patchServerStyle` reads the legend's colours under those
// expressions and adds an expression only where one is missing (a style edited
// by hand, an older server); on the server's own style it changes nothing
// (style.test.ts, and the browser test against the live server).

import type { ExpressionSpecification, StyleSpecification } from 'maplibre-gl';

/** A layer with its paint as a plain record (the patch reads and writes any paint property). */
type Painted = { id: string; paint?: Record<string, unknown> };

export const LEVELS = [1, 2, 3, 4, 5] as const;

/** Layer ids of the server's style. */
export const serverLayer = {
  gridFill: (level: number) => `grids_l${level}-fill`,
  gridLine: (level: number) => `grids_l${level}-line`,
  boundaryLine: 'subdistrict-line',
} as const;

/** Feature-state keys the app sets on the `grids` source. */
export type GridState = 'selected' | 'hover' | 'hidden';

export const SELECTED_COLOR = '#e6007e';
export const HOVER_COLOR = '#222222';

/** Kind colours when the style does not carry them as metadata["gridd:kind-colors"]. */
export const KIND_COLORS: Record<string, string> = {
  residential: '#e8a33d',
  scattered: '#9c7a4f',
  commercial: '#d1495b',
  other: '#8d99ae',
};
export const KIND_FALLBACK = '#b7b1a6';

type Expr = ExpressionSpecification;
type Value = number | string | Expr;

const state = (key: GridState): Expr => ['boolean', ['feature-state', key], false];

/**
 * Wrap a paint value in a feature-state `case`. A zoom curve stays at the top
 * (MapLibre requires it there) and each of its stops gets the case instead.
 */
export function byState(base: Value, cases: [GridState, (v: Value) => Value][]): Value {
  if (Array.isArray(base) && (base[0] === 'interpolate' || base[0] === 'step') && isZoom(base)) {
    const head = base[0] === 'interpolate' ? base.slice(0, 3) : base.slice(0, 2);
    const rest = base.slice(head.length);
    const out: unknown[] = [...head];
    if (base[0] === 'step') out.push(byState(rest.shift() as Value, cases));
    for (let i = 0; i < rest.length; i += 2) out.push(rest[i], byState(rest[i + 1] as Value, cases));
    return out as Expr;
  }
  const flat: unknown[] = ['case'];
  for (const [key, f] of cases) flat.push(state(key), f(base));
  flat.push(base);
  return flat as Expr;
}

function isZoom(e: unknown[]): boolean {
  const input = e[0] === 'interpolate' ? e[2] : e[1];
  return Array.isArray(input) && input[0] === 'zoom';
}

const plus = (d: number) => (v: Value) => (typeof v === 'number' ? v + d : (['+', v, d] as Expr));

/** fill-color of a grid fill layer: selected grids tinted. */
export const statefulFillColor = (base: Value) => byState(base, [['selected', () => SELECTED_COLOR]]);
/** fill-opacity: hidden grids (being edited) vanish, the selected one shows. */
export const statefulFillOpacity = (base: Value) =>
  byState(base, [
    ['hidden', () => 0],
    ['selected', () => 0.22],
  ]);
/** line-color: the selected grid, then the hovered one. */
export const statefulLineColor = (base: Value) =>
  byState(base, [
    ['selected', () => SELECTED_COLOR],
    ['hover', () => HOVER_COLOR],
  ]);
/** line-width: wider when selected or hovered. */
export const statefulLineWidth = (base: Value) =>
  byState(base, [
    ['selected', plus(3)],
    ['hover', plus(1)],
  ]);
/** line-opacity: hidden grids vanish. */
export const statefulLineOpacity = (base: Value) => byState(base, [['hidden', () => 0]]);

const usesState = (v: unknown): boolean => JSON.stringify(v ?? null).includes('"feature-state"');

/** What the server's style said before the patch: per level, the colours the legend shows. */
export interface StyleFacts {
  levelColors: Record<number, string>;
  levelWidths: Record<number, number>;
  boundaryColor: string;
  kindColors: Record<string, string>;
}

/** The value without its feature-state cases: each such `case` replaced by its fallback (the last item), at any depth. */
function stateless(v: unknown): unknown {
  if (!Array.isArray(v)) return v;
  if (v[0] === 'case' && usesState(v)) return stateless(v[v.length - 1]);
  return v.map(stateless);
}

function firstColor(v: unknown, fallback: string): string {
  const base = stateless(v);
  if (typeof base === 'string') return base;
  const s = JSON.stringify(base ?? '');
  const m = /"(#[0-9a-fA-F]{3,8})"/.exec(s);
  return m ? m[1] : fallback;
}

function firstNumber(v: unknown, fallback: number): number {
  const base = stateless(v);
  return typeof base === 'number' ? base : fallback;
}

/**
 * Patch the server's style in place (see the header): feature-state
 * expressions on the grid layers where they are missing. Returns the facts
 * the legend needs, read from the style as the server sent it.
 */
export function patchServerStyle(style: StyleSpecification): StyleFacts {
  const facts: StyleFacts = {
    levelColors: {},
    levelWidths: {},
    boundaryColor: '#222222',
    kindColors: { ...KIND_COLORS, ...((style.metadata as Record<string, unknown> | undefined)?.['gridd:kind-colors'] ?? {}) },
  };
  const byId = new Map<string, Painted>(style.layers.map((l) => [l.id, l as Painted]));
  for (const level of LEVELS) {
    const fill = byId.get(serverLayer.gridFill(level));
    const line = byId.get(serverLayer.gridLine(level));
    if (line) {
      const p = (line.paint ??= {});
      facts.levelColors[level] = firstColor(p['line-color'], '#555555');
      facts.levelWidths[level] = firstNumber(p['line-width'], 1);
      if (!usesState(p['line-color'])) p['line-color'] = statefulLineColor((p['line-color'] as Value) ?? '#555555');
      if (!usesState(p['line-width'])) p['line-width'] = statefulLineWidth((p['line-width'] as Value) ?? 1);
      if (!usesState(p['line-opacity'])) p['line-opacity'] = statefulLineOpacity((p['line-opacity'] as Value) ?? 1);
    }
    if (fill) {
      const p = (fill.paint ??= {});
      if (!usesState(p['fill-color']))
        p['fill-color'] = statefulFillColor((p['fill-color'] as Value) ?? facts.levelColors[level] ?? '#555555');
      if (!usesState(p['fill-opacity'])) p['fill-opacity'] = statefulFillOpacity((p['fill-opacity'] as Value) ?? 0.1);
    }
  }
  const boundary = byId.get(serverLayer.boundaryLine);
  if (boundary) facts.boundaryColor = firstColor(boundary.paint?.['line-color'], facts.boundaryColor);
  return facts;
}

/** fill-color of a grid fill layer when filling by kind (selection kept). */
export function kindFill(kindColors: Record<string, string>): Value {
  const pairs = Object.entries(kindColors).flat();
  return statefulFillColor(['match', ['coalesce', ['get', 'kind'], ''], ...pairs, KIND_FALLBACK] as unknown as Expr);
}
