// The patrol pages' arithmetic, pure (unit-tested): ISO weeks and days in
// China Standard Time (UTC+08:00, no daylight saving: the server's calendar,
// patrols/audit.rs), a day's track cut at a playback time, the choropleth's
// classes and the short grids grouped under their L2 and L1 grids.

import type { AuditGrid, AuditParent, StoredFix } from './api';

/** China Standard Time minus UTC, ms. */
export const CHINA_OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;

/** A calendar day in China time, `YYYY-MM-DD`, of an instant. */
export function dayOf(ms: number): string {
  return new Date(ms + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}

/** The instants a China-time day `YYYY-MM-DD` runs over: [from, to). Null when it is no day. */
export function dayRange(day: string): [number, number] | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return null;
  const utc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (dayOf(utc) !== day) return null;
  const from = utc - CHINA_OFFSET_MS;
  return [from, from + DAY_MS];
}

/** The ISO 8601 week (`2026-W49`, Monday to Sunday in China time) of an instant. */
export function weekOf(ms: number): string {
  const local = new Date(ms + CHINA_OFFSET_MS);
  const day = (local.getUTCDay() + 6) % 7; // Monday 0
  // The week's Thursday decides its year.
  const thursday = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate()) + (3 - day) * DAY_MS;
  const year = new Date(thursday).getUTCFullYear();
  const week = Math.floor((thursday - Date.UTC(year, 0, 1)) / WEEK_MS) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** The first instant of an ISO week (Monday 00:00 +08:00), or null when it is no week. */
export function weekStart(week: string): number | null {
  const m = /^(\d{4})-W(\d{2})$/.exec(week);
  if (!m) return null;
  const year = Number(m[1]);
  const n = Number(m[2]);
  // 4 January is always in week 1.
  const jan4 = Date.UTC(year, 0, 4);
  const monday1 = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * DAY_MS;
  const start = monday1 + (n - 1) * WEEK_MS - CHINA_OFFSET_MS;
  return n >= 1 && weekOf(start) === week ? start : null;
}

/** The week `by` weeks after (before, when negative) another. */
export function shiftWeek(week: string, by: number): string {
  const start = weekStart(week);
  return start === null ? week : weekOf(start + by * WEEK_MS + DAY_MS);
}

/** Clock time in China time, `HH:MM:SS` (or `HH:MM`). */
export function clockOf(ms: number, seconds = true): string {
  const s = new Date(ms + CHINA_OFFSET_MS).toISOString().slice(11, seconds ? 19 : 16);
  return s;
}

/** Fixes closer in time than this are joined by the line; a longer silence breaks it (the audit's gap). */
export const DEFAULT_GAP_MS = 5 * 60_000;

export type Position = [number, number];

/**
 * A day's counted fixes cut at time `t`: the lines walked up to then (broken
 * where fixes are more than `gapMs` apart), ending at the dot, where the
 * worker was at `t` (between two fixes: on the straight line between them, by
 * time). Before the first fix nothing is drawn; in a gap the dot stays at the
 * last fix before it.
 */
export function trackAt(fixes: readonly Pick<StoredFix, 'time_ms' | 'lon' | 'lat'>[], t: number, gapMs = DEFAULT_GAP_MS) {
  const lines: Position[][] = [];
  let dot: Position | null = null;
  let line: Position[] = [];
  for (let i = 0; i < fixes.length; i++) {
    const f = fixes[i];
    if (f.time_ms > t) {
      const prev = fixes[i - 1];
      if (prev && f.time_ms - prev.time_ms <= gapMs && dot) {
        const k = (t - prev.time_ms) / (f.time_ms - prev.time_ms);
        dot = [prev.lon + (f.lon - prev.lon) * k, prev.lat + (f.lat - prev.lat) * k];
        if (k > 0) line.push(dot);
      }
      break;
    }
    const prev = fixes[i - 1];
    if (prev && f.time_ms - prev.time_ms > gapMs) {
      if (line.length > 1) lines.push(line);
      line = [];
    }
    line.push([f.lon, f.lat]);
    dot = [f.lon, f.lat];
  }
  if (line.length > 1) lines.push(line);
  return { lines, dot };
}

/** The choropleth's class of a grid's patrols in a week: 0, 1, or 2 for two and more. */
export function patrolClass(patrols: number): 0 | 1 | 2 {
  return patrols <= 0 ? 0 : patrols === 1 ? 1 : 2;
}

/** The classes' colours: none, one, two or more (red, amber, green; readable in grey by lightness). */
export const CLASS_COLORS = ['#d7301f', '#fdae61', '#1a9850'] as const;
/** The outline of a grid short of its patrols. */
export const SHORT_COLOR = '#7f0000';

export interface ShortGroup {
  grid: number;
  level: number;
  /** Audited grids below it. */
  grids: number;
  /** Those short, by id. */
  short: number[];
}

/**
 * The audit's parents that have short grids below them, L2 first then L1 (as
 * the audit lists them), each with its short grids.
 */
export function shortGroups(parents: readonly AuditParent[]): ShortGroup[] {
  return parents
    .filter((p) => p.short_grids.length > 0)
    .map((p) => ({ grid: p.grid, level: p.level, grids: p.grids, short: [...p.short_grids] }))
    .sort((a, b) => b.level - a.level || a.grid - b.grid);
}

/** Counts of the audit's grids: all and the short ones. */
export function summary(grids: readonly AuditGrid[]): { all: number; short: number } {
  return { all: grids.length, short: grids.filter((g) => g.short).length };
}

/**
 * The address of the day's `tracks` tiles of one worker, relative to the page
 * (the app may live under a prefix); the session cookie goes with MapLibre's
 * same-origin requests.
 */
export function trackTilesUrl(base: string, day: string, worker: number): string {
  const q = new URLSearchParams({ day, worker: String(worker) });
  return `${new URL('api/v1/track-tiles/', base).href}{z}/{x}/{y}.mvt?${q.toString()}`;
}
