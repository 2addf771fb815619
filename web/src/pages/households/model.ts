// The households page's rules, pure (unit-tested): which grids a user is
// offered (their own first), each household's standing this year from the
// server's due and overdue lists, the list's filters and search, the visit
// form's time, and the server's refusals worded by field and by row.

import type { Grant } from '../../app/auth';
import type { TreeNode } from '../../api';
import type { Compliance, Household, Listed } from './api';

// ------------------------------------------------------------------ grids

/** A grid the page offers, in tree order, with its depth and whether it is the user's own. */
export interface GridChoice {
  id: number;
  code: string;
  name: string;
  level: number;
  subdistrictId: number;
  households: number | null;
  /** One of the user's grid-worker grids, or below one. */
  mine: boolean;
}

/** The grid ids a user's grants name (`grid:42`). */
export function grantedGrids(grants: readonly Grant[]): Set<number> {
  const out = new Set<number>();
  for (const g of grants) {
    const m = /^grid:(\d+)$/.exec(g.scope);
    if (m) out.add(Number(m[1]));
  }
  return out;
}

/** Whether a grant reaches beyond single grids (`all`, `subdistrict:1`). */
export function hasWideGrant(grants: readonly Grant[]): boolean {
  return grants.some((g) => !/^grid:\d+$/.test(g.scope));
}

/**
 * The grids of the tree a user may choose: their own grids (and every grid
 * below them) first, then — for a user whose grants reach wider — every other
 * grid. Subdistricts (level 0) are not choices.
 */
export function gridChoices(tree: readonly TreeNode[], grants: readonly Grant[]): GridChoice[] {
  const own = grantedGrids(grants);
  const wide = hasWideGrant(grants);
  const mine: GridChoice[] = [];
  const rest: GridChoice[] = [];
  const walk = (n: TreeNode, sd: number, under: boolean) => {
    const isMine = under || own.has(n.id);
    if (n.level > 0) {
      const c: GridChoice = {
        id: n.id,
        code: n.code,
        name: n.name,
        level: n.level,
        subdistrictId: sd,
        households: n.households ?? null,
        mine: isMine,
      };
      if (isMine) mine.push(c);
      else if (wide) rest.push(c);
    }
    for (const ch of n.children) walk(ch, sd, isMine);
  };
  for (const root of tree) walk(root, root.id, false);
  return [...mine, ...rest];
}

/** The grid to open first: the one asked for if offered, else the user's first own grid, else the first. */
export function initialGrid(choices: readonly GridChoice[], asked: number | undefined): GridChoice | null {
  return choices.find((c) => c.id === asked) ?? choices.find((c) => c.mine) ?? choices[0] ?? null;
}

// ------------------------------------------------------------------ standing

/** A household's standing this year, as the page shows it. */
export type Standing = 'overdue' | 'due' | 'done' | 'unknown';

export interface Row {
  household: Household;
  standing: Standing;
  special: boolean;
  /** Visits that count this year (from the lists; null when not listed). */
  visits: number | null;
  /** The newest visit known (Unix seconds). */
  lastVisit: number | null;
  /** A visit was recorded here in this session (入户走访). */
  visitedNow: boolean;
}

/** The due and overdue lists by household. */
export function listedOf(c: Compliance | null): Map<number, { listed: Listed; standing: 'due' | 'overdue' }> {
  const out = new Map<number, { listed: Listed; standing: 'due' | 'overdue' }>();
  if (!c) return out;
  for (const l of c.due) out.set(l.household_id, { listed: l, standing: 'due' });
  for (const l of c.overdue) out.set(l.household_id, { listed: l, standing: 'overdue' });
  return out;
}

/**
 * Each household's row. A household on neither list is done — unless the
 * lists were cut short (more due or overdue than listed) or not given, when
 * its standing is unknown. `lastVisits` holds visits the page knows of itself
 * (recorded here, or read with a household's details).
 */
export function rowsOf(
  households: readonly Household[],
  c: Compliance | null,
  lastVisits: ReadonlyMap<number, number> = new Map(),
  visitedNow: ReadonlySet<number> = new Set(),
): Row[] {
  const listed = listedOf(c);
  const complete = !!c && c.lists && c.due.length >= c.due_count && c.overdue.length >= c.overdue_count;
  return households.map((h) => {
    const l = listed.get(h.id);
    const known = lastVisits.get(h.id) ?? null;
    const fromList = l?.listed.last_visit ?? null;
    const last = known === null ? fromList : fromList === null ? known : Math.max(known, fromList);
    return {
      household: h,
      standing: l ? l.standing : complete ? 'done' : 'unknown',
      special: h.special.length > 0,
      visits: l ? l.listed.visits : null,
      lastVisit: last,
      visitedNow: visitedNow.has(h.id),
    };
  });
}

export const FILTERS = ['all', 'open', 'due', 'overdue', 'special'] as const;
export type Filter = (typeof FILTERS)[number];

const ORDER: Record<Standing, number> = { overdue: 0, due: 1, unknown: 2, done: 3 };

/** Text searched: address, unit, room and the people's names. */
function haystack(h: Household): string {
  return [h.address, h.unit, h.room, ...h.people.map((p) => p.name)].join(' ').toLowerCase();
}

/** The rows a filter and a search keep: overdue first, then due, each in address order. */
export function filterRows(rows: readonly Row[], filter: Filter, search: string): Row[] {
  const words = search.trim().toLowerCase().split(/\s+/).filter(Boolean);
  return rows
    .filter((r) => {
      if (filter === 'due' && r.standing !== 'due') return false;
      if (filter === 'overdue' && r.standing !== 'overdue') return false;
      if (filter === 'open' && r.standing !== 'due' && r.standing !== 'overdue') return false;
      if (filter === 'special' && !r.special) return false;
      if (!words.length) return true;
      const hay = haystack(r.household);
      return words.every((w) => hay.includes(w));
    })
    .sort(
      (a, b) =>
        ORDER[a.standing] - ORDER[b.standing] ||
        a.household.address.localeCompare(b.household.address, 'zh-CN') ||
        a.household.unit.localeCompare(b.household.unit, 'zh-CN', { numeric: true }) ||
        a.household.room.localeCompare(b.household.room, 'zh-CN', { numeric: true }) ||
        a.household.id - b.household.id,
    );
}

/** How many rows each filter keeps (for the filter buttons). */
export function filterCounts(rows: readonly Row[]): Record<Filter, number> {
  const out: Record<Filter, number> = { all: rows.length, open: 0, due: 0, overdue: 0, special: 0 };
  for (const r of rows) {
    if (r.standing === 'due') out.due++;
    if (r.standing === 'overdue') out.overdue++;
    if (r.standing === 'due' || r.standing === 'overdue') out.open++;
    if (r.special) out.special++;
  }
  return out;
}

// ------------------------------------------------------------------ the visit form's time

const pad = (n: number) => String(n).padStart(2, '0');

/** A Unix time as a `datetime-local` input's value (local time, to the minute). */
export function toLocalInput(unix: number): string {
  const d = new Date(unix * 1000);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A `datetime-local` value (local time) as Unix seconds; null when not a time. */
export function fromLocalInput(value: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value.trim());
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map((x) => Number(x ?? 0));
  const t = new Date(y, mo - 1, d, h, mi, s).getTime();
  return Number.isNaN(t) ? null : Math.floor(t / 1000);
}

/**
 * The time to send: none (the server's now) when the field still shows the
 * minute the form opened at, else the time entered.
 */
export function visitTime(value: string, openedAt: number): number | null | 'bad' {
  if (value.trim() === '' || value === toLocalInput(openedAt)) return null;
  return fromLocalInput(value) ?? 'bad';
}

// ------------------------------------------------------------------ refusals

/** One refused field of a problem+json (`errors[]`). */
export interface FieldProblem {
  field: string;
  reason: string;
}

export function fieldProblems(problem: unknown): FieldProblem[] {
  const errs = (problem as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errs)) return [];
  return errs
    .filter((e): e is FieldProblem => typeof e === 'object' && e !== null && typeof (e as FieldProblem).field === 'string')
    .map((e) => ({ field: e.field, reason: String(e.reason ?? '') }));
}

/** The form field a refused field belongs to (`case.category` → `case`). */
export function formField(field: string): string {
  if (field.startsWith('case.')) return 'case';
  if (field.startsWith('photos')) return 'photos';
  return field;
}

/** A bad row of an import: its row number as a spreadsheet shows it (the header is 1), the column and the reason. */
export interface RowProblem {
  /** null: about the file as a whole. */
  row: number | null;
  column: string | null;
  reason: string;
}

/** The import's refusal, row by row in row order (`rows[12].phone`, `rows[3]`, `rows`, `body`). */
export function rowProblems(problem: unknown): RowProblem[] {
  return fieldProblems(problem)
    .map((e) => {
      const m = /^rows\[(\d+)\](?:\.(\w+))?$/.exec(e.field);
      if (m) return { row: Number(m[1]), column: m[2] ?? null, reason: e.reason };
      return { row: null, column: e.field === 'rows' || e.field === 'body' ? null : e.field, reason: e.reason };
    })
    .sort((a, b) => (a.row ?? Infinity) - (b.row ?? Infinity));
}

/**
 * The server words its reasons in English; the page says those it knows in
 * Chinese (a pattern and its wording, `{row}` the row the reason names). The
 * English page shows the server's own text.
 */
export const REASONS_ZH: [RegExp, string][] = [
  [/is in the future/, '走访时间晚于当前时间：只能登记已完成的走访'],
  [/^no such building/, '没有这个楼栋'],
  [/^no such household/, '没有这个住户'],
  [/^is required/, '必填'],
  [/the same identity number as row (\d+)/, '身份证号与第 {row} 行重复'],
  [/identity number is already on record/, '该身份证号已登记'],
  [/household \(building, unit, room\) is already on record/, '该住户（楼栋、单元、室）已登记'],
  [/an identity number has 18 characters/, '身份证号应为 18 位'],
  [/check digit/, '身份证号校验码不符'],
  [/birth date/, '身份证号中的出生日期无效'],
  [/region code/, '身份证号前两位不是有效的省级行政区代码'],
  [/^character \d+ must be a digit/, '身份证号只能是数字（末位可为 X）'],
  [/a mobile number has 11 digits/, '手机号应为 11 位'],
  [/a mobile number starts with/, '手机号应以 13 至 19 开头'],
  [/may hold only digits/, '电话只能包含数字、空格和连字符'],
  [/landline/, '固定电话号码格式不对'],
  [/^unknown kind/, '未知的特殊家庭类型'],
  [/differs from row (\d+)/, '与同一住户的第 {row} 行不一致'],
  [/the required column/, '缺少必需的列'],
  [/no column named/, '表头中没有映射中填写的列'],
  [/characters long; at most/, '内容过长'],
  [/Excel \(\.xlsx\)/, '无法读取该 Excel 文件，请另存为“CSV UTF-8”后导入'],
  [/bad rows in all/, '错误行过多，只列出了前一部分'],
  [/^not CSV/, '不是有效的 CSV 文件'],
];

/** A server reason in Chinese, or null when the page has no wording for it. */
export function reasonZh(reason: string): string | null {
  for (const [re, text] of REASONS_ZH) {
    const m = re.exec(reason);
    if (m) return text.replace('{row}', m[1] ?? '');
  }
  return null;
}
