// The figures of the command center's analysis maps (analysis.ts), as pure
// functions: the period, which grids the caller may read cases of, cases per
// 1,000 households by grid and their classes, and the hot spots of a set of
// case points.
//
// What counts: the cases the list API answers (GET /api/v1/cases with
// `since`/`until`, i.e. by the time they were *reported*), open and finished,
// except merged duplicates (stage `merged`: their report lives on in the case
// they were merged into, so counting them would count one problem twice). A
// case counts in every grid of its `grid_path` (rolled up the tree, as the
// evaluation's `group_by=grid` does). The evaluation (GET /case-stats) is not
// used: it counts cases *filed* (立案) in the period by `filed_at`, and leaves
// out those never filed (still 信息收集, refused, merged).
//
// Classes: five classes of equal width with a round step (1, 1.2, 1.5, 2,
// 2.5, 3, 4, 5, 6 or 8 × 10ⁿ), the largest such step at most a quarter of the
// period's highest rate, so the highest rate falls in the fifth (open) class.
// The first class starts at 0 (grids without a case are in it).

import type { Case, TreeNode } from '../../api';

export const DAY_SECS = 86_400;
/** The relative periods the operator picks from. */
export const PERIOD_DAYS = [7, 30, 90] as const;
/** Hot spots are of this many days back. */
export const HOT_DAYS = 30;
/** Hot spots: the side of a cell points are clustered in, metres. */
export const HOT_CELL_M = 100;
/** How many hot spots are listed. */
export const HOT_TOP = 5;
/** The number of classes of the choropleth. */
export const CLASSES = 5;

export type Period = { days: number } | { from: string; to: string };

/** A period as the list's `since` (included) and `until` (excluded), Unix seconds; null for bad dates. */
export function periodRange(p: Period, now: number): { since: number; until?: number } | null {
  if ('days' in p) return { since: Math.floor(now) - p.days * DAY_SECS };
  const from = localDay(p.from, 0);
  const to = localDay(p.to, 1);
  if (from === null || to === null || from >= to) return null;
  return { since: from, until: to };
}

/** Midnight (local time) of a `YYYY-MM-DD` day plus `plus` days, Unix seconds; null when not a day. */
function localDay(s: string, plus: number): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(y, mo - 1, d);
  if (date.getFullYear() !== y || date.getMonth() !== mo - 1 || date.getDate() !== d) return null;
  date.setDate(date.getDate() + plus);
  return Math.floor(date.getTime() / 1000);
}

/** A day as `YYYY-MM-DD` in local time (for the date inputs). */
export function dayString(unix: number): string {
  const d = new Date(unix * 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

// ------------------------------------------------------------------ grids

export interface GridInfo {
  id: number;
  code: string;
  name: string;
  level: number;
  subdistrictId: number;
  /** The grid's ancestors and itself, L1 first. */
  path: number[];
  /** Households rolled up the tree; null when unknown. */
  households: number | null;
}

/** Every grid of GET /tree (subdistricts at the roots). */
export function flattenTree(roots: readonly TreeNode[]): GridInfo[] {
  const out: GridInfo[] = [];
  const walk = (nodes: readonly TreeNode[], subdistrictId: number, above: number[]) => {
    for (const n of nodes) {
      const path = [...above, n.id];
      out.push({
        id: n.id,
        code: n.code,
        name: n.name,
        level: n.level,
        subdistrictId,
        path,
        households: n.households ?? null,
      });
      walk(n.children, subdistrictId, path);
    }
  };
  for (const root of roots) walk(root.children, root.id, []);
  return out;
}

/** The roles that read cases (the server's table: ReadCases). */
export const CASE_ROLES: readonly string[] = ['subdistrict_admin', 'operator', 'grid_worker', 'department', 'auditor'];

export interface GrantLike {
  role: string;
  scope: string;
}

/**
 * Whether the caller's grants cover every case of a grid: a case-reading
 * role over `all`, the grid's subdistrict, or the grid or one above it. A
 * grid above the granted one (an L1 over a worker's L2) is not covered: its
 * figure would be only part of it.
 */
export function mayRead(grants: readonly GrantLike[], g: Pick<GridInfo, 'subdistrictId' | 'path'>): boolean {
  return grants.some((x) => {
    if (!CASE_ROLES.includes(x.role)) return false;
    if (x.scope === 'all') return true;
    const [kind, id] = x.scope.split(':');
    if (kind === 'subdistrict') return Number(id) === g.subdistrictId;
    if (kind === 'grid') return g.path.includes(Number(id));
    return false;
  });
}

/** Whether the figures are only of the cases dispatched to the caller's units (a department account). */
export function departmentOnly(grants: readonly GrantLike[]): boolean {
  return grants.some((x) => x.role === 'department') && !grants.some((x) => x.role !== 'department' && CASE_ROLES.includes(x.role));
}

// ------------------------------------------------------------------ cases

/** Whether a case counts in the analysis (every case but a merged duplicate). */
export function counts(c: Pick<Case, 'stage'>): boolean {
  return c.stage !== 'merged';
}

/** Cases per grid, rolled up the tree: a case counts once in every grid of its path. */
export function casesByGrid(cases: Iterable<Pick<Case, 'stage' | 'grid_path'>>): Map<number, number> {
  const out = new Map<number, number>();
  for (const c of cases) {
    if (!counts(c)) continue;
    for (const g of new Set(c.grid_path)) out.set(g, (out.get(g) ?? 0) + 1);
  }
  return out;
}

export type RateStatus = 'rate' | 'empty' | 'hidden';

export interface RateRow {
  id: number;
  name: string;
  code: string;
  /** Cases of the period; null when the caller may not read them all. */
  cases: number | null;
  households: number | null;
  /** Cases per 1,000 households; null without households or figures. */
  rate: number | null;
  /** `rate`: has a rate; `empty`: no households (无住户); `hidden`: not the caller's to see. */
  status: RateStatus;
  /** Its class, 0 to CLASSES - 1; -1 without a rate. */
  cls: number;
}

/** Cases per 1,000 households. */
export function rate(cases: number, households: number): number {
  return (cases / households) * 1000;
}

/** The rows of one level: every grid of it, its cases, households, rate and class. */
export function rateRows(
  grids: readonly GridInfo[],
  level: number,
  byGrid: ReadonlyMap<number, number>,
  readable: (g: GridInfo) => boolean,
): { rows: RateRow[]; breaks: number[] } {
  const rows: RateRow[] = [];
  for (const g of grids) {
    if (g.level !== level) continue;
    const hh = g.households;
    const seen = readable(g);
    const cases = seen ? (byGrid.get(g.id) ?? 0) : null;
    const status: RateStatus = !seen ? 'hidden' : hh === null || hh <= 0 ? 'empty' : 'rate';
    const r = status === 'rate' && cases !== null && hh ? rate(cases, hh) : null;
    rows.push({ id: g.id, name: g.name, code: g.code, cases, households: hh, rate: r, status, cls: -1 });
  }
  const breaks = classBreaks(rows.flatMap((r) => (r.rate === null ? [] : [r.rate])));
  for (const r of rows) if (r.rate !== null) r.cls = classOf(r.rate, breaks);
  return { rows, breaks };
}

const STEPS = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8];

/** A number without the noise of binary fractions (0.36000000000000004 → 0.36). */
const clean = (n: number) => Number(n.toPrecision(10));

/** The round step: the largest of STEPS × 10ⁿ at most `x` (1 when x is 0). */
export function roundStep(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return 1;
  const mag = 10 ** Math.floor(Math.log10(x));
  let best = mag;
  for (const s of STEPS) if (clean(s * mag) <= x) best = clean(s * mag);
  return best;
}

/** The lower bounds of classes 2…5 (see the header): four breaks. */
export function classBreaks(rates: readonly number[]): number[] {
  const max = rates.reduce((m, r) => Math.max(m, r), 0);
  const step = roundStep(max / (CLASSES - 1));
  return Array.from({ length: CLASSES - 1 }, (_, i) => clean(step * (i + 1)));
}

/** The class of a rate: how many breaks are at or below it. */
export function classOf(r: number, breaks: readonly number[]): number {
  let c = 0;
  for (const b of breaks) if (r >= b) c++;
  return c;
}

/** A number with at most `digits` decimals, trailing zeros dropped. */
export function trimmed(n: number, digits = 2): string {
  return String(Number(n.toFixed(digits)));
}

/** The legend's classes: `[from, to)` of each (the last one has no end). */
export function classRanges(breaks: readonly number[]): { from: number; to: number | null }[] {
  const lows = [0, ...breaks];
  return lows.map((from, i) => ({ from, to: i + 1 < lows.length ? lows[i + 1] : null }));
}

// --------------------------------------------------------------- hot spots

export interface HotSpot {
  /** The mean of its points. */
  lon: number;
  lat: number;
  count: number;
  /** The L3 grid most of its cases lie in (else the deepest grid they lie in); null outside every grid. */
  grid: number | null;
  /** The newest report of it (Unix seconds). */
  newest: number;
  /** Its cell (`x:y`). */
  cell: string;
}

const M_PER_DEG_LAT = 110_574;
const M_PER_DEG_LON = 111_320;

/**
 * The hottest places: the cases put in square cells of `cellM` metres (on a
 * plane through the points' mean latitude), the cells ranked by how many
 * cases they hold, then by the newest report, then by cell. Merged duplicates
 * are left out.
 */
export function hotSpots(
  cases: readonly Pick<Case, 'lon' | 'lat' | 'grid_path' | 'reported_at' | 'stage'>[],
  cellM = HOT_CELL_M,
  top = HOT_TOP,
): HotSpot[] {
  const pts = cases.filter((c) => counts(c) && Number.isFinite(c.lon) && Number.isFinite(c.lat));
  if (!pts.length) return [];
  const lat0 = pts.reduce((s, c) => s + c.lat, 0) / pts.length;
  const mx = M_PER_DEG_LON * Math.cos((lat0 * Math.PI) / 180);
  const cells = new Map<
    string,
    { x: number; y: number; n: number; lon: number; lat: number; newest: number; grids: Map<number, number> }
  >();
  for (const c of pts) {
    const x = Math.floor((c.lon * mx) / cellM);
    const y = Math.floor((c.lat * M_PER_DEG_LAT) / cellM);
    const key = `${x}:${y}`;
    let cell = cells.get(key);
    if (!cell) {
      cell = { x, y, n: 0, lon: 0, lat: 0, newest: 0, grids: new Map() };
      cells.set(key, cell);
    }
    cell.n++;
    cell.lon += c.lon;
    cell.lat += c.lat;
    cell.newest = Math.max(cell.newest, c.reported_at);
    const g = c.grid_path[2] ?? c.grid_path[c.grid_path.length - 1];
    if (g !== undefined) cell.grids.set(g, (cell.grids.get(g) ?? 0) + 1);
  }
  const spots: HotSpot[] = [...cells].map(([key, c]) => {
    let grid: number | null = null;
    let most = 0;
    for (const [g, n] of c.grids) {
      if (n > most || (n === most && grid !== null && g < grid)) {
        grid = g;
        most = n;
      }
    }
    return { lon: c.lon / c.n, lat: c.lat / c.n, count: c.n, grid, newest: c.newest, cell: key };
  });
  spots.sort((a, b) => b.count - a.count || b.newest - a.newest || (a.cell < b.cell ? -1 : a.cell > b.cell ? 1 : 0));
  return spots.slice(0, top);
}

// ---------------------------------------------------------------- reading

/** The list API's largest page. */
export const PAGE = 1000;
/** At most this many pages are read for one period (then the figures say they are cut). */
export const MAX_PAGES = 50;

/**
 * Every case of a period, newest first, page by page (`before_id` the last
 * id of the page before) until a page is short or `maxPages` are read.
 */
export async function readAll(
  page: (q: { since: number; until?: number; before_id?: number; limit: number }) => Promise<Case[]>,
  range: { since: number; until?: number },
  maxPages = MAX_PAGES,
): Promise<{ cases: Case[]; truncated: boolean }> {
  const cases: Case[] = [];
  let before: number | undefined;
  for (let i = 0; i < maxPages; i++) {
    const q = { ...range, limit: PAGE, ...(before === undefined ? {} : { before_id: before }) };
    const got = await page(q);
    cases.push(...got);
    if (got.length < PAGE) return { cases, truncated: false };
    before = got.reduce((m, c) => Math.min(m, c.id), Number.POSITIVE_INFINITY);
  }
  return { cases, truncated: true };
}
