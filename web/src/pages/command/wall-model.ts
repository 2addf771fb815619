// The wall mode's pure parts (大屏模式, wall.ts; no DOM, unit-tested): the
// views it rotates through and how often, the overdue list it shows, the
// counters by grid and the newest reports.
//
// What the figures are: open and overdue are the open cases the page holds
// (live from the feed), by the grids of their `grid_path` (L1 first, then L2);
// today's intake is the cases reported since local midnight (GET /cases with
// `since`, as the page's own counter); the on-time rate is the evaluation's
// (GET /case-stats?group_by=grid, rolled up the tree, of the cases filed in
// the last 30 days, as the page's counter).

import type { Case, CaseFigures } from '../../api';
import { dueOf } from './model';

/** The views, in the order they rotate: the map of open cases, the overdue list, the counters by grid. */
export const WALL_VIEWS = ['map', 'overdue', 'grids'] as const;
export type WallView = (typeof WALL_VIEWS)[number];

/** Seconds a view stays by default (`&rotate=` changes it; 0 stops the rotation). */
export const ROTATE_DEFAULT_S = 20;
export const ROTATE_MIN_S = 2;
export const ROTATE_MAX_S = 3600;

/** The seconds a view stays for a route's `rotate`: the default when absent, 0 (no rotation) kept, else within bounds. */
export function rotateSecs(rotate: number | undefined): number {
  if (rotate === undefined || !Number.isFinite(rotate)) return ROTATE_DEFAULT_S;
  if (rotate <= 0) return 0;
  return Math.min(ROTATE_MAX_S, Math.max(ROTATE_MIN_S, Math.round(rotate)));
}

/** The view `step` places after `view` (a negative step goes back), around the ring. */
export function nextView(view: WallView, step = 1): WallView {
  const n = WALL_VIEWS.length;
  const i = WALL_VIEWS.indexOf(view);
  return WALL_VIEWS[(((i + step) % n) + n) % n];
}

// ------------------------------------------------------------- overdue

export interface OverdueList {
  /** Overdue cases, the longest overdue first, at most `max`. */
  overdue: Case[];
  /** Overdue cases that did not fit. */
  more: number;
  /** Cases near their deadline, the soonest first, filling the rows left. */
  near: Case[];
}

/** What the overdue view lists at `now`: the overdue cases first, then those near the deadline, `max` rows in all. */
export function overdueList(cases: Iterable<Case>, now: number, max: number): OverdueList {
  const overdue: Case[] = [];
  const near: Case[] = [];
  for (const c of cases) {
    const due = dueOf(c, now);
    if (due === 'overdue') overdue.push(c);
    else if (due === 'near') near.push(c);
  }
  const byDeadline = (a: Case, b: Case) => (a.deadline ?? 0) - (b.deadline ?? 0) || a.id - b.id;
  overdue.sort(byDeadline);
  near.sort(byDeadline);
  const shown = overdue.slice(0, max);
  return { overdue: shown, more: overdue.length - shown.length, near: near.slice(0, Math.max(0, max - shown.length)) };
}

// --------------------------------------------------------------- grids

/** A grid as the wall names it (from the published tree). */
export interface WallGrid {
  id: number;
  code: string;
  name: string;
  level: number;
}

export interface GridRow {
  id: number;
  name: string;
  level: number;
  /** Reported today (null: not known yet). */
  today: number | null;
  open: number;
  overdue: number;
  /** The on-time rate, 0 to 1 (null: no case due; undefined: not known yet). */
  onTime: number | null | undefined;
}

export interface GridTable {
  /** Every L1 grid, in the order of their codes. */
  l1: GridRow[];
  /** The L2 grids with something to show (open, overdue or reported today), the busiest first, at most `maxL2`. */
  l2: GridRow[];
  /** Busy L2 grids that did not fit. */
  moreL2: number;
}

/**
 * The counters by grid at `now`: `open` are the open cases, `today` the cases
 * reported today (null while unknown), `stats` the evaluation's rows by grid
 * id (null while unknown). A case counts in each grid of its path.
 */
export function gridTable(
  grids: Iterable<WallGrid>,
  open: Iterable<Case>,
  today: readonly Case[] | null,
  stats: ReadonlyMap<string, CaseFigures> | null,
  now: number,
  maxL2: number,
): GridTable {
  const rows = new Map<number, GridRow>();
  for (const g of grids) {
    if (g.level !== 1 && g.level !== 2) continue;
    const fig = stats ? stats.get(String(g.id)) : undefined;
    rows.set(g.id, {
      id: g.id,
      name: g.name,
      level: g.level,
      today: today ? 0 : null,
      open: 0,
      overdue: 0,
      onTime: stats ? (fig?.on_time_rate ?? null) : undefined,
    });
  }
  const codes = new Map<number, string>();
  for (const g of grids) codes.set(g.id, g.code);
  const upper = (c: Case) =>
    c.grid_path
      .slice(0, 2)
      .map((id) => rows.get(id))
      .filter((r): r is GridRow => !!r);
  for (const c of open) {
    const late = dueOf(c, now) === 'overdue';
    for (const r of upper(c)) {
      r.open++;
      if (late) r.overdue++;
    }
  }
  for (const c of today ?? []) for (const r of upper(c)) r.today = (r.today ?? 0) + 1;
  const byCode = (a: GridRow, b: GridRow) => (codes.get(a.id) ?? '').localeCompare(codes.get(b.id) ?? '') || a.id - b.id;
  const all = [...rows.values()];
  const l1 = all.filter((r) => r.level === 1).sort(byCode);
  const busy = all
    .filter((r) => r.level === 2 && (r.open > 0 || r.overdue > 0 || (r.today ?? 0) > 0))
    .sort((a, b) => b.overdue - a.overdue || b.open - a.open || (b.today ?? 0) - (a.today ?? 0) || byCode(a, b));
  const l2 = busy.slice(0, maxL2);
  return { l1, l2, moreL2: busy.length - l2.length };
}

/** The evaluation's rows by their key (a grid id for `group_by=grid`). */
export function statsByKey(rows: readonly { key: string; figures: CaseFigures }[]): Map<string, CaseFigures> {
  return new Map(rows.map((r) => [r.key, r.figures]));
}

// -------------------------------------------------------------- latest

/** The `n` newest reports among the open cases (the feed keeps them current). */
export function latest(cases: Iterable<Case>, n: number): Case[] {
  return [...cases].sort((a, b) => b.reported_at - a.reported_at || b.id - a.id).slice(0, n);
}
