// The command center's pure parts (no DOM, unit-tested): which steps of the
// loop a role is offered from a stage, how close a case is to its deadline,
// the board's filters and search, and how the live feed's events change the
// board. The server decides every step; this only keeps the page from
// offering what it would refuse.

import type { Case, CaseCategory, CaseStage, CaseStepBody, CaseUnit } from '../../api';

/** Every stage, in the order of the loop. */
export const STAGES = [
  'reported',
  'filed',
  'dispatched',
  'handling',
  'result_reported',
  'deferred',
  'closed',
  'evaluated',
  'explained',
  'refused',
  'merged',
] as const satisfies readonly CaseStage[];

/** The stages of a case still in the loop (the server's `open=true`). */
export const OPEN_STAGES = [
  'reported',
  'filed',
  'dispatched',
  'handling',
  'result_reported',
  'deferred',
] as const satisfies readonly CaseStage[];

export function isOpen(stage: CaseStage): boolean {
  return (OPEN_STAGES as readonly string[]).includes(stage);
}

/** The steps a caller asks for (`action` of POST /cases/{id}/steps), in the order the drawer offers them. */
export const STEP_ACTIONS = [
  'file',
  'refuse',
  'merge',
  'dispatch',
  'accept',
  'report_result',
  'verify',
  'escalate',
  'defer',
  'resume',
  'explain',
  'evaluate',
] as const;
export type StepAction = (typeof STEP_ACTIONS)[number];

/** The server's action each step needs (`cases/lifecycle.rs`, `action_of`). */
export const STEP_NEEDS: Record<StepAction, 'dispatch_case' | 'handle_case' | 'verify_case'> = {
  file: 'dispatch_case',
  refuse: 'dispatch_case',
  merge: 'dispatch_case',
  dispatch: 'dispatch_case',
  accept: 'handle_case',
  report_result: 'handle_case',
  verify: 'verify_case',
  escalate: 'dispatch_case',
  defer: 'dispatch_case',
  resume: 'dispatch_case',
  explain: 'dispatch_case',
  evaluate: 'dispatch_case',
};

/** The stages each step may start from (`cases/lifecycle.rs`, `from_of`; docs/cases.md). */
export const STEP_FROM: Record<StepAction, readonly CaseStage[]> = {
  file: ['reported'],
  refuse: ['reported'],
  merge: ['reported', 'filed'],
  dispatch: ['filed', 'dispatched', 'handling'],
  accept: ['dispatched'],
  report_result: ['dispatched', 'handling'],
  verify: ['result_reported'],
  escalate: ['filed', 'dispatched', 'handling', 'result_reported'],
  defer: ['dispatched', 'handling'],
  resume: ['deferred'],
  explain: ['filed', 'dispatched', 'handling', 'deferred'],
  evaluate: ['closed', 'explained'],
};

/**
 * The steps offered from a stage to a session with these server actions
 * (`/auth/me`'s `actions`): valid from the stage, and only those the role may take.
 */
export function offeredActions(stage: CaseStage, serverActions: readonly string[]): StepAction[] {
  const have = new Set(serverActions);
  return STEP_ACTIONS.filter((a) => STEP_FROM[a].includes(stage) && have.has(STEP_NEEDS[a]));
}

// ------------------------------------------------------------ deadlines

/** How close an open case is to its deadline. */
export type Due = 'overdue' | 'near' | 'ok' | 'none';

/** "Near" its deadline: within two hours. */
export const NEAR_SECS = 2 * 3600;

/** Overdue once the deadline has passed; near within two hours of it; none when closed or without a deadline (not filed, deferred). */
export function dueOf(c: Pick<Case, 'stage' | 'deadline'>, now: number): Due {
  if (!isOpen(c.stage) || c.deadline === null || c.deadline === undefined) return 'none';
  if (c.deadline < now) return 'overdue';
  if (c.deadline - now <= NEAR_SECS) return 'near';
  return 'ok';
}

/** A span of seconds as hours and minutes (`{h: 2, m: 5}`), rounded down to the minute. */
export function span(secs: number): { d: number; h: number; m: number } {
  const s = Math.max(0, Math.floor(secs));
  return { d: Math.floor(s / 86400), h: Math.floor((s % 86400) / 3600), m: Math.floor((s % 3600) / 60) };
}

// --------------------------------------------------------------- board

/** The board's time filter: reported today, in the last 7 or 30 days (Asia/Shanghai days), or any time (''). */
export const BOARD_TIMES = ['today', '7d', '30d'] as const;
export type BoardTime = (typeof BOARD_TIMES)[number] | '';

export interface BoardFilters {
  /** A stage, or '' for any open stage. */
  stage: string;
  /** A category code, or ''. */
  category: string;
  /** A source, or ''. */
  source: string;
  /** A grid id (any level): only the cases in its subtree (their `grid_path` holds it); null for any. */
  grid: number | null;
  /** A department's code (a unit of the subdistrict): only the cases dispatched to it; '' for any. */
  unit: string;
  /** Only overdue cases. */
  overdue: boolean;
  /** When reported: today, the last 7 or 30 days, or '' for any time. */
  time: BoardTime;
  /** Words that the number, address or description must all contain. */
  text: string;
}

export const NO_FILTERS: BoardFilters = {
  stage: '',
  category: '',
  source: '',
  grid: null,
  unit: '',
  overdue: false,
  time: '',
  text: '',
};

/** Whether any of the board's filters is on. */
export function isFiltered(f: BoardFilters): boolean {
  return !!(f.stage || f.category || f.source || f.grid !== null || f.unit || f.overdue || f.time || f.text.trim());
}

/** The offset of Asia/Shanghai from UTC (no daylight saving time since 1991). */
export const SHANGHAI_OFFSET_SECS = 8 * 3600;

/** Unix seconds of the Asia/Shanghai midnight of the day `now` (Unix seconds) falls on, whatever the browser's zone. */
export function shanghaiDayStart(now: number): number {
  const local = Math.floor(now) + SHANGHAI_OFFSET_SECS;
  return local - (((local % 86400) + 86400) % 86400) - SHANGHAI_OFFSET_SECS;
}

/** The earliest `reported_at` the time filter lets through at `now` (whole Asia/Shanghai days, today included), or null. */
export function sinceOf(time: BoardTime, now: number): number | null {
  const days = time === 'today' ? 1 : time === '7d' ? 7 : time === '30d' ? 30 : 0;
  return days ? shanghaiDayStart(now) - (days - 1) * 86400 : null;
}

/** Whether a case passes the board's filters. */
export function matches(c: Case, f: BoardFilters, now: number): boolean {
  if (f.stage && c.stage !== f.stage) return false;
  if (f.category && c.category !== f.category) return false;
  if (f.source && c.source !== f.source) return false;
  if (f.grid !== null && !c.grid_path.includes(f.grid)) return false;
  if (f.unit && !c.units.some((u) => u.kind === 'department' && u.code === f.unit)) return false;
  if (f.overdue && dueOf(c, now) !== 'overdue') return false;
  const since = sinceOf(f.time, now);
  if (since !== null && c.reported_at < since) return false;
  const words = f.text.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length) {
    const hay = `${c.number}\n${c.address}\n${c.description}`.toLowerCase();
    if (!words.every((w) => hay.includes(w))) return false;
  }
  return true;
}

/**
 * The board's filters as the case tiles take them (GET /case-tiles?…, the
 * names of GET /cases), so the map's clusters count only what passes: every
 * filter but the text search, which the server does not know (the points are
 * filtered by id for it: layers.ts). Empty ones are left out.
 */
export interface CaseTileFilters {
  stage?: string;
  category?: string;
  source?: string;
  grid?: number;
  department?: string;
  overdue?: boolean;
  since?: number;
  until?: number;
}

export function tileFilters(f: BoardFilters, now: number): CaseTileFilters {
  const q: CaseTileFilters = {};
  if (f.stage) q.stage = f.stage;
  if (f.category) q.category = f.category;
  if (f.source) q.source = f.source;
  if (f.grid !== null) q.grid = f.grid;
  if (f.unit) q.department = f.unit;
  if (f.overdue) q.overdue = true;
  const since = sinceOf(f.time, now);
  if (since !== null) q.since = since;
  return q;
}

// ---------------------------------------------------------------- sort

/** The board's orders, the default first. */
export const BOARD_SORTS = ['newest', 'oldest', 'deadline', 'supervision'] as const;
export type BoardSort = (typeof BOARD_SORTS)[number];

/** Newest first: by the time it was reported, then by id. */
export function newestFirst(a: Case, b: Case): number {
  return b.reported_at - a.reported_at || b.id - a.id;
}

/** Oldest first: by the time it was reported, then by id. */
export function oldestFirst(a: Case, b: Case): number {
  return a.reported_at - b.reported_at || a.id - b.id;
}

/** The deadline a case is sorted by: none (not filed, deferred, finished) sorts after every deadline. */
const deadlineKey = (c: Case): number =>
  isOpen(c.stage) && c.deadline !== null && c.deadline !== undefined ? c.deadline : Number.POSITIVE_INFINITY;

/** Deadline soonest first (the most overdue first of all), the cases without a deadline last; then by id. */
export function deadlineFirst(a: Case, b: Case): number {
  const da = deadlineKey(a);
  const db = deadlineKey(b);
  if (da !== db) return da < db ? -1 : 1;
  return a.id - b.id;
}

/** Supervision first (2 领导小组, then 1 督办, then none), each by deadline as `deadlineFirst`. */
export function supervisionFirst(a: Case, b: Case): number {
  return (b.supervision ?? 0) - (a.supervision ?? 0) || deadlineFirst(a, b);
}

const COMPARE: Record<BoardSort, (a: Case, b: Case) => number> = {
  newest: newestFirst,
  oldest: oldestFirst,
  deadline: deadlineFirst,
  supervision: supervisionFirst,
};

/** A copy of the cases in a board order (every order ends on the id, so it is total and stable). */
export function sortCases(cases: Iterable<Case>, sort: BoardSort): Case[] {
  return [...cases].sort(COMPARE[sort] ?? newestFirst);
}

/** Whether a string is one of the board's orders. */
export function isBoardSort(s: string): s is BoardSort {
  return (BOARD_SORTS as readonly string[]).includes(s);
}

/** The cases that pass the filters, in the board's order (newest first unless told). */
export function filterCases(cases: Iterable<Case>, f: BoardFilters, now: number, sort: BoardSort = 'newest'): Case[] {
  return sortCases(
    [...cases].filter((c) => matches(c, f, now)),
    sort,
  );
}

/** What an event did to the board. */
export type Change = 'added' | 'updated' | 'removed' | 'ignored';

/**
 * The board's cases: the open cases the session may read, kept up to date
 * from the live feed. Every event carries the whole case after its step, so
 * an event is applied by the case's version: an older or repeated one changes
 * nothing, and a case that left the loop (closed, explained, refused, merged)
 * is never brought back by an earlier event arriving late.
 */
export class BoardState {
  readonly cases = new Map<number, Case>();
  /** Cases that left the open list, with the version they left at. */
  private readonly gone = new Map<number, number>();

  /** Start again from a list the server answered (GET /cases?open=true). */
  reset(list: readonly Case[]): void {
    this.cases.clear();
    this.gone.clear();
    for (const c of list) if (isOpen(c.stage)) this.cases.set(c.id, c);
  }

  /** Apply a case as an event (or a step's answer) has it now. */
  apply(c: Case): Change {
    const prev = this.cases.get(c.id);
    if (prev && prev.version >= c.version) return 'ignored';
    const left = this.gone.get(c.id);
    if (left !== undefined && left >= c.version) return 'ignored';
    if (!isOpen(c.stage)) {
      this.gone.set(c.id, c.version);
      if (!prev) return 'ignored';
      this.cases.delete(c.id);
      return 'removed';
    }
    this.gone.delete(c.id);
    this.cases.set(c.id, c);
    return prev ? 'updated' : 'added';
  }

  byNumber(number: string): Case | undefined {
    for (const c of this.cases.values()) if (c.number === number) return c;
    return undefined;
  }

  /** How many are overdue now. */
  overdue(now: number): number {
    let n = 0;
    for (const c of this.cases.values()) if (dueOf(c, now) === 'overdue') n++;
    return n;
  }
}

// ---------------------------------------------------------- categories

export interface CategoryGroup {
  /** `class:major`, e.g. `event:市容环境`. */
  key: string;
  class: CaseCategory['class'];
  major: string;
  items: CaseCategory[];
}

/** Categories by class and major class (大类), in the order the server lists them; `activeOnly` for new reports. */
export function groupCategories(list: readonly CaseCategory[], activeOnly = false): CategoryGroup[] {
  const groups = new Map<string, CategoryGroup>();
  for (const c of list) {
    if (activeOnly && !c.active) continue;
    const key = `${c.class}:${c.major}`;
    let g = groups.get(key);
    if (!g) {
      g = { key, class: c.class, major: c.major, items: [] };
      groups.set(key, g);
    }
    g.items.push(c);
  }
  return [...groups.values()];
}

// --------------------------------------------------------------- steps

/** What a step's form holds (only the fields of that step are read). */
export interface StepValues {
  category?: string;
  urgency?: string;
  note?: string;
  reason?: string;
  into?: string;
  units?: CaseUnit[];
  photos?: number[];
  passed?: boolean | null;
  approver?: string;
  explanation?: string;
  score?: number | null;
}

/** Kinds of the fields of a step's form. */
export type FieldKind = 'text' | 'textarea' | 'category' | 'urgency' | 'units' | 'photos' | 'passed' | 'score' | 'case';

export interface FieldSpec {
  name: keyof StepValues;
  kind: FieldKind;
  /** The server refuses the step without it (docs/cases.md). */
  required?: boolean;
}

/** Each step's fields, as the server reads them. */
export const STEP_FIELDS: Record<StepAction, readonly FieldSpec[]> = {
  file: [
    { name: 'category', kind: 'category' },
    { name: 'urgency', kind: 'urgency' },
    { name: 'note', kind: 'textarea' },
  ],
  refuse: [{ name: 'reason', kind: 'textarea', required: true }],
  merge: [
    { name: 'into', kind: 'case', required: true },
    { name: 'note', kind: 'textarea' },
  ],
  dispatch: [
    { name: 'units', kind: 'units', required: true },
    { name: 'note', kind: 'textarea' },
  ],
  accept: [{ name: 'note', kind: 'textarea' }],
  report_result: [
    { name: 'note', kind: 'textarea', required: true },
    { name: 'photos', kind: 'photos' },
  ],
  verify: [
    { name: 'passed', kind: 'passed', required: true },
    { name: 'note', kind: 'textarea' },
    { name: 'photos', kind: 'photos' },
  ],
  escalate: [{ name: 'note', kind: 'textarea', required: true }],
  defer: [
    { name: 'reason', kind: 'textarea', required: true },
    { name: 'approver', kind: 'text', required: true },
  ],
  resume: [{ name: 'note', kind: 'textarea' }],
  explain: [{ name: 'explanation', kind: 'textarea', required: true }],
  evaluate: [
    { name: 'score', kind: 'score', required: true },
    { name: 'note', kind: 'textarea' },
  ],
};

const text = (v: string | undefined) => (v ?? '').trim();

/**
 * The body of POST /cases/{id}/steps for a step, its form's values and the
 * version of the case the form was built from. Empty optional fields are left
 * out; missing required text is sent empty, so the server names it (the two
 * choices a body cannot leave open are asked first: `missingChoices`).
 */
export function stepBody(action: StepAction, v: StepValues, version: number): CaseStepBody {
  const note = text(v.note);
  switch (action) {
    case 'file': {
      const body: CaseStepBody = { action, version, note };
      if (v.category) body.category = v.category;
      if (v.urgency) body.urgency = v.urgency as 'normal' | 'same_day' | 'immediate';
      return body;
    }
    case 'refuse':
      return { action, version, reason: text(v.reason) };
    case 'merge':
      return { action, version, into: text(v.into), note };
    case 'dispatch':
      return { action, version, units: v.units ?? [], note };
    case 'accept':
    case 'escalate':
    case 'resume':
      return { action, version, note };
    case 'report_result':
      return { action, version, note, photos: v.photos ?? [] };
    case 'verify':
      return { action, version, passed: v.passed === true, note, photos: v.photos ?? [] };
    case 'defer':
      return { action, version, reason: text(v.reason), approver: text(v.approver) };
    case 'explain':
      return { action, version, explanation: text(v.explanation) };
    case 'evaluate':
      return { action, version, score: v.score ?? 0, note };
  }
}

/**
 * What the form itself must ask for before sending: a choice the body cannot
 * leave open (verified or not, a score). Everything else is the server's to
 * refuse (422, each field named).
 */
export function missingChoices(action: StepAction, v: StepValues): { field: string; reason: string }[] {
  if (action === 'verify' && typeof v.passed !== 'boolean') return [{ field: 'passed', reason: 'required' }];
  if (action === 'evaluate' && !(typeof v.score === 'number' && v.score >= 1 && v.score <= 5))
    return [{ field: 'score', reason: 'required' }];
  return [];
}

/** Two units are the same unit. */
export function sameUnit(a: CaseUnit, b: CaseUnit): boolean {
  return a.kind === 'grid' ? b.kind === 'grid' && a.grid_id === b.grid_id : b.kind === 'department' && a.code === b.code;
}

/** A unit's key (`grid:20`, `department:emergency`), as the evaluation names units. */
export function unitKey(u: CaseUnit): string {
  return u.kind === 'grid' ? `grid:${u.grid_id}` : `department:${u.code}`;
}

/**
 * The units the dispatch form lists: the proposed ones first (checked, in the
 * proposal's order: the first leads), then the case's grids and the
 * subdistrict's departments that were not proposed.
 */
export function dispatchChoices(
  proposal: readonly CaseUnit[],
  gridPath: readonly number[],
  departments: readonly string[],
): { unit: CaseUnit; proposed: boolean }[] {
  const out: { unit: CaseUnit; proposed: boolean }[] = proposal.map((unit) => ({ unit, proposed: true }));
  const more: CaseUnit[] = [
    ...[...gridPath].reverse().map((grid_id): CaseUnit => ({ kind: 'grid', grid_id })),
    ...departments.map((code): CaseUnit => ({ kind: 'department', code })),
  ];
  for (const unit of more) if (!out.some((o) => sameUnit(o.unit, unit))) out.push({ unit, proposed: false });
  return out;
}

// -------------------------------------------------------------- intake

/** A version 4 UUID from 16 random bytes (an `Idempotency-Key`). */
export function uuid4(bytes: Uint8Array): string {
  const b = Uint8Array.from(bytes.subarray(0, 16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A fresh Idempotency-Key (getRandomValues works without a secure context, unlike randomUUID). */
export function newKey(): string {
  return uuid4(crypto.getRandomValues(new Uint8Array(16)));
}

/** Unix seconds of local midnight of the day `now` (Unix seconds) falls on. */
export function startOfToday(now: number): number {
  const d = new Date(now * 1000);
  d.setHours(0, 0, 0, 0);
  return Math.floor(d.getTime() / 1000);
}
