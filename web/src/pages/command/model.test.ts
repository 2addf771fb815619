import { describe, expect, test } from 'vitest';
import type { Case, CaseCategory } from '../../api';
import {
  BoardState,
  dispatchChoices,
  dueOf,
  filterCases,
  groupCategories,
  isBoardSort,
  isFiltered,
  missingChoices,
  NEAR_SECS,
  NO_FILTERS,
  offeredActions,
  STAGES,
  STEP_ACTIONS,
  STEP_FROM,
  shanghaiDayStart,
  sinceOf,
  sortCases,
  startOfToday,
  stepBody,
  tileFilters,
  uuid4,
  type BoardFilters,
} from './model';

const NOW = 1_796_234_400;

/** A case as the API answers it, with what a test names. */
function kase(over: Partial<Case> & { id: number }): Case {
  return {
    subdistrict_id: 1,
    number: `2026-${String(over.id).padStart(6, '0')}`,
    version: 1,
    stage: 'reported',
    source: 'hotline',
    category: 'SJ-01-01',
    urgency: 'normal',
    lon: 24.94,
    lat: 60.17,
    grid_path: [2, 20, 50],
    address: '',
    description: '',
    reported_at: NOW - over.id * 60,
    deferred_secs: 0,
    ever_deferred: false,
    units: [],
    supervision: 0,
    rework: 0,
    overdue_recorded: false,
    updated_at: NOW,
    deadline: null,
    ...over,
  };
}

const OPERATOR = ['read_cases', 'read_reporter', 'report_case', 'dispatch_case', 'handle_case', 'verify_case', 'read_case_stats'];
const WORKER = ['read_cases', 'report_case', 'handle_case', 'verify_case', 'read_case_stats'];
const DEPARTMENT = ['read_cases', 'report_case', 'handle_case', 'read_case_stats'];
const AUDITOR = ['read_cases', 'read_case_stats', 'read_audit_log'];

describe('the steps offered', () => {
  test('only the steps valid from the stage, as the server lists them (409 "allowed")', () => {
    // The server's table (cases/lifecycle.rs, from_of): reported → file, refuse, merge.
    expect(offeredActions('reported', OPERATOR)).toEqual(['file', 'refuse', 'merge']);
    expect(offeredActions('filed', OPERATOR)).toEqual(['merge', 'dispatch', 'escalate', 'explain']);
    expect(offeredActions('dispatched', OPERATOR)).toEqual(['dispatch', 'accept', 'report_result', 'escalate', 'defer', 'explain']);
    expect(offeredActions('handling', OPERATOR)).toEqual(['dispatch', 'report_result', 'escalate', 'defer', 'explain']);
    expect(offeredActions('result_reported', OPERATOR)).toEqual(['verify', 'escalate']);
    expect(offeredActions('deferred', OPERATOR)).toEqual(['resume', 'explain']);
    expect(offeredActions('closed', OPERATOR)).toEqual(['evaluate']);
    expect(offeredActions('explained', OPERATOR)).toEqual(['evaluate']);
    for (const end of ['evaluated', 'refused', 'merged'] as const) expect(offeredActions(end, OPERATOR)).toEqual([]);
  });

  test('only the steps the role has the action for', () => {
    // A grid worker handles and verifies; it never files, dispatches or escalates.
    expect(offeredActions('reported', WORKER)).toEqual([]);
    expect(offeredActions('dispatched', WORKER)).toEqual(['accept', 'report_result']);
    expect(offeredActions('result_reported', WORKER)).toEqual(['verify']);
    expect(offeredActions('closed', WORKER)).toEqual([]);
    // A department handles, does not verify.
    expect(offeredActions('handling', DEPARTMENT)).toEqual(['report_result']);
    expect(offeredActions('result_reported', DEPARTMENT)).toEqual([]);
    // An auditor only reads.
    for (const s of STAGES) expect(offeredActions(s, AUDITOR)).toEqual([]);
    expect(offeredActions('reported', [])).toEqual([]);
  });

  test('every step starts from a stage of the loop', () => {
    for (const a of STEP_ACTIONS) {
      expect(STEP_FROM[a].length, a).toBeGreaterThan(0);
      for (const s of STEP_FROM[a]) expect(STAGES, a).toContain(s);
    }
  });
});

describe('deadlines', () => {
  test('overdue once the deadline passed, near within two hours, else ok', () => {
    const filed = (deadline: number | null) => kase({ id: 1, stage: 'dispatched', deadline });
    expect(dueOf(filed(NOW - 1), NOW)).toBe('overdue');
    expect(dueOf(filed(NOW), NOW)).toBe('near');
    expect(dueOf(filed(NOW + NEAR_SECS), NOW)).toBe('near');
    expect(dueOf(filed(NOW + NEAR_SECS + 1), NOW)).toBe('ok');
    // Not filed yet, or deferred (the clock stopped): no deadline.
    expect(dueOf(filed(null), NOW)).toBe('none');
    expect(dueOf(kase({ id: 1, stage: 'reported' }), NOW)).toBe('none');
    // A finished case is never overdue on the board.
    expect(dueOf(kase({ id: 1, stage: 'closed', deadline: NOW - 3600 }), NOW)).toBe('none');
  });

  test('local midnight', () => {
    const midnight = startOfToday(NOW);
    expect(midnight).toBeLessThanOrEqual(NOW);
    expect(NOW - midnight).toBeLessThan(86400);
    expect(new Date(midnight * 1000).getHours()).toBe(0);
    expect(startOfToday(midnight)).toBe(midnight);
  });
});

describe('the board', () => {
  const cases = [
    kase({ id: 1, number: '2026-000001', address: '赫尔辛基路 1 号', description: '暴露垃圾一堆', stage: 'reported' }),
    kase({ id: 2, number: '2026-000002', category: 'BJ-01-01', description: '井盖缺失', stage: 'dispatched', deadline: NOW - 60 }),
    kase({ id: 3, number: '2026-000003', source: 'patrol', description: 'Manhole cover gone', stage: 'handling', deadline: NOW + 600 }),
    kase({ id: 4, number: '2026-000004', description: '路灯不亮', stage: 'dispatched', deadline: NOW + 86400 }),
  ];
  const f = (over: Partial<BoardFilters>): BoardFilters => ({ ...NO_FILTERS, ...over });
  const numbers = (list: Case[]) => list.map((c) => c.number);

  test('newest first; every filter narrows', () => {
    expect(numbers(filterCases(cases, NO_FILTERS, NOW))).toEqual(['2026-000001', '2026-000002', '2026-000003', '2026-000004']);
    expect(numbers(filterCases(cases, f({ stage: 'dispatched' }), NOW))).toEqual(['2026-000002', '2026-000004']);
    expect(numbers(filterCases(cases, f({ category: 'BJ-01-01' }), NOW))).toEqual(['2026-000002']);
    expect(numbers(filterCases(cases, f({ source: 'patrol' }), NOW))).toEqual(['2026-000003']);
    expect(numbers(filterCases(cases, f({ overdue: true }), NOW))).toEqual(['2026-000002']);
    expect(numbers(filterCases(cases, f({ stage: 'dispatched', overdue: true }), NOW))).toEqual(['2026-000002']);
  });

  test('the search looks in the number, the address and the description; every word must match', () => {
    expect(numbers(filterCases(cases, f({ text: '000003' }), NOW))).toEqual(['2026-000003']);
    expect(numbers(filterCases(cases, f({ text: '赫尔辛基' }), NOW))).toEqual(['2026-000001']);
    expect(numbers(filterCases(cases, f({ text: '井盖' }), NOW))).toEqual(['2026-000002']);
    expect(numbers(filterCases(cases, f({ text: 'MANHOLE  gone ' }), NOW))).toEqual(['2026-000003']);
    expect(numbers(filterCases(cases, f({ text: 'manhole 井盖' }), NOW))).toEqual([]);
    expect(numbers(filterCases(cases, f({ text: '   ' }), NOW))).toHaveLength(4);
  });

  test('a same-second tie is broken by the id (the newer case first)', () => {
    const a = kase({ id: 7, reported_at: NOW });
    const b = kase({ id: 8, reported_at: NOW });
    expect(filterCases([a, b], NO_FILTERS, NOW).map((c) => c.id)).toEqual([8, 7]);
  });
});

describe('the board’s grid, unit and time filters', () => {
  // 2026-12-03 10:00 in Shanghai (02:00 UTC).
  const T = Date.UTC(2026, 11, 3, 2, 0, 0) / 1000;
  const SH_MIDNIGHT = Date.UTC(2026, 11, 2, 16, 0, 0) / 1000;
  const f = (over: Partial<BoardFilters>): BoardFilters => ({ ...NO_FILTERS, ...over });
  const ids = (list: Case[]) => list.map((c) => c.id);
  const cases = [
    kase({ id: 1, grid_path: [1, 7, 40], reported_at: T - 60 }),
    kase({ id: 2, grid_path: [1, 8], reported_at: SH_MIDNIGHT, units: [{ kind: 'department', code: 'emergency' }] }),
    kase({ id: 3, grid_path: [2, 20, 50], reported_at: SH_MIDNIGHT - 1, units: [{ kind: 'grid', grid_id: 20 }] }),
    kase({
      id: 4,
      grid_path: [2, 21],
      reported_at: SH_MIDNIGHT - 6 * 86400,
      units: [
        { kind: 'grid', grid_id: 21 },
        { kind: 'department', code: 'municipal' },
      ],
    }),
    kase({ id: 5, grid_path: [], reported_at: SH_MIDNIGHT - 6 * 86400 - 1 }),
    kase({ id: 6, grid_path: [3], reported_at: SH_MIDNIGHT - 29 * 86400 - 1 }),
  ];

  test('the grid filter keeps the cases of its subtree (the grid anywhere on their path)', () => {
    expect(ids(filterCases(cases, f({ grid: 1 }), T))).toEqual([1, 2]);
    expect(ids(filterCases(cases, f({ grid: 7 }), T))).toEqual([1]);
    expect(ids(filterCases(cases, f({ grid: 40 }), T))).toEqual([1]);
    expect(ids(filterCases(cases, f({ grid: 2 }), T))).toEqual([3, 4]);
    expect(ids(filterCases(cases, f({ grid: 99 }), T))).toEqual([]);
  });

  test('the unit filter keeps the cases dispatched to that department (a grid’s team is not one)', () => {
    expect(ids(filterCases(cases, f({ unit: 'emergency' }), T))).toEqual([2]);
    expect(ids(filterCases(cases, f({ unit: 'municipal' }), T))).toEqual([4]);
    expect(ids(filterCases(cases, f({ unit: '20' }), T))).toEqual([]);
    expect(ids(filterCases(cases, f({ unit: 'emergency', grid: 2 }), T))).toEqual([]);
  });

  test('Asia/Shanghai days, whatever the browser’s zone', () => {
    expect(shanghaiDayStart(T)).toBe(SH_MIDNIGHT);
    expect(shanghaiDayStart(SH_MIDNIGHT)).toBe(SH_MIDNIGHT);
    expect(shanghaiDayStart(SH_MIDNIGHT - 1)).toBe(SH_MIDNIGHT - 86400);
    // 23:59:59 UTC is already the next day in Shanghai.
    expect(shanghaiDayStart(Date.UTC(2026, 11, 2, 23, 59, 59) / 1000)).toBe(SH_MIDNIGHT);
    expect(sinceOf('', T)).toBeNull();
    expect(sinceOf('today', T)).toBe(SH_MIDNIGHT);
    expect(sinceOf('7d', T)).toBe(SH_MIDNIGHT - 6 * 86400);
    expect(sinceOf('30d', T)).toBe(SH_MIDNIGHT - 29 * 86400);
  });

  test('the time filter: reported today, in the last 7 or 30 days (today counted), or any time', () => {
    expect(ids(filterCases(cases, f({ time: 'today' }), T))).toEqual([1, 2]);
    expect(ids(filterCases(cases, f({ time: '7d' }), T))).toEqual([1, 2, 3, 4]);
    expect(ids(filterCases(cases, f({ time: '30d' }), T))).toEqual([1, 2, 3, 4, 5]);
    expect(ids(filterCases(cases, f({ time: '' }), T))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  test('the tiles take every filter but the search, by the names of GET /cases, the empty ones left out', () => {
    expect(tileFilters(NO_FILTERS, T)).toEqual({});
    expect(tileFilters(f({ text: '井盖' }), T)).toEqual({});
    expect(
      tileFilters(
        f({ stage: 'filed', category: 'SJ-01-01', source: 'hotline', grid: 7, unit: 'emergency', overdue: true, time: '7d', text: 'x' }),
        T,
      ),
    ).toEqual({
      stage: 'filed',
      category: 'SJ-01-01',
      source: 'hotline',
      grid: 7,
      department: 'emergency',
      overdue: true,
      since: SH_MIDNIGHT - 6 * 86400,
    });
    // The same day, the same address (the tiles are not fetched again for the clock alone).
    expect(tileFilters(f({ time: 'today' }), T)).toEqual(tileFilters(f({ time: 'today' }), T + 3600));
  });

  test('isFiltered knows the new filters', () => {
    expect(isFiltered(f({ grid: 1 }))).toBe(true);
    expect(isFiltered(f({ unit: 'emergency' }))).toBe(true);
    expect(isFiltered(f({ time: 'today' }))).toBe(true);
  });
});

describe('the board’s orders', () => {
  const ids = (list: Case[]) => list.map((c) => c.id);
  const cases = [
    kase({ id: 1, reported_at: NOW - 100, stage: 'dispatched', deadline: NOW + 3600 }),
    kase({ id: 2, reported_at: NOW - 300, stage: 'reported' }),
    kase({ id: 3, reported_at: NOW - 200, stage: 'handling', deadline: NOW - 7200, supervision: 1 }),
    kase({ id: 4, reported_at: NOW - 100, stage: 'filed', deadline: NOW - 60 }),
    kase({ id: 5, reported_at: NOW - 400, stage: 'deferred', deadline: null, supervision: 2 }),
    kase({ id: 6, reported_at: NOW - 50, stage: 'filed', deadline: NOW + 3600, supervision: 1 }),
  ];

  test('newest first (the default), the same second newer id first', () => {
    expect(ids(sortCases(cases, 'newest'))).toEqual([6, 4, 1, 3, 2, 5]);
    expect(ids(filterCases(cases, NO_FILTERS, NOW))).toEqual([6, 4, 1, 3, 2, 5]);
  });

  test('oldest first, the same second older id first', () => {
    expect(ids(sortCases(cases, 'oldest'))).toEqual([5, 2, 3, 1, 4, 6]);
  });

  test('deadline soonest first: the most overdue first, no deadline last, ties by id', () => {
    expect(ids(sortCases(cases, 'deadline'))).toEqual([3, 4, 1, 6, 2, 5]);
  });

  test('supervision first (领导小组, 督办, none), each by deadline', () => {
    expect(ids(sortCases(cases, 'supervision'))).toEqual([5, 3, 6, 4, 1, 2]);
  });

  test('sorting copies, and is the same whatever order the cases come in', () => {
    const reversed = [...cases].reverse();
    for (const s of ['newest', 'oldest', 'deadline', 'supervision'] as const)
      expect(ids(sortCases(reversed, s)), s).toEqual(ids(sortCases(cases, s)));
    expect(ids(cases)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(ids(filterCases(cases, { ...NO_FILTERS, stage: 'filed' }, NOW, 'deadline'))).toEqual([4, 6]);
    expect(isBoardSort('deadline')).toBe(true);
    expect(isBoardSort('nonsense')).toBe(false);
  });
});

describe('live events on the board', () => {
  test('a new report is added, a changed case replaces the old one, a finished one leaves', () => {
    const s = new BoardState();
    s.reset([kase({ id: 1, version: 2, stage: 'filed' })]);
    expect(s.apply(kase({ id: 2 }))).toBe('added');
    expect(s.cases.size).toBe(2);
    expect(s.apply(kase({ id: 1, version: 3, stage: 'dispatched' }))).toBe('updated');
    expect(s.cases.get(1)?.stage).toBe('dispatched');
    expect(s.apply(kase({ id: 1, version: 9, stage: 'closed' }))).toBe('removed');
    expect(s.cases.has(1)).toBe(false);
    expect(s.byNumber('2026-000002')?.id).toBe(2);
  });

  test('an older or repeated event changes nothing, and never brings a finished case back', () => {
    const s = new BoardState();
    s.reset([kase({ id: 1, version: 3, stage: 'dispatched' })]);
    expect(s.apply(kase({ id: 1, version: 3, stage: 'dispatched' }))).toBe('ignored');
    expect(s.apply(kase({ id: 1, version: 2, stage: 'filed' }))).toBe('ignored');
    expect(s.cases.get(1)?.stage).toBe('dispatched');
    expect(s.apply(kase({ id: 1, version: 5, stage: 'refused' }))).toBe('removed');
    // A late event of an earlier version (e.g. read back after a reconnect).
    expect(s.apply(kase({ id: 1, version: 4, stage: 'handling' }))).toBe('ignored');
    expect(s.cases.has(1)).toBe(false);
    // A case that was never on the board and is already finished stays off it.
    expect(s.apply(kase({ id: 9, version: 4, stage: 'merged' }))).toBe('ignored');
    expect(s.cases.has(9)).toBe(false);
  });

  test('a reset starts from the list; events read meanwhile apply on top of it', () => {
    const s = new BoardState();
    s.reset([kase({ id: 1, version: 1 }), kase({ id: 2, version: 5, stage: 'closed' })]);
    expect([...s.cases.keys()]).toEqual([1]);
    // Buffered while the list was read: the list had version 1, the event brings 2.
    expect(s.apply(kase({ id: 1, version: 2, stage: 'filed' }))).toBe('updated');
    expect(s.apply(kase({ id: 1, version: 1 }))).toBe('ignored');
    expect(s.overdue(NOW)).toBe(0);
    s.apply(kase({ id: 3, stage: 'handling', deadline: NOW - 1 }));
    expect(s.overdue(NOW)).toBe(1);
  });
});

describe('step bodies', () => {
  test('each step sends its own fields with the version the form saw', () => {
    expect(stepBody('file', { category: 'BJ-01-01', urgency: '', note: ' ok ' }, 1)).toEqual({
      action: 'file',
      version: 1,
      category: 'BJ-01-01',
      note: 'ok',
    });
    expect(stepBody('file', { urgency: 'immediate' }, 4)).toEqual({ action: 'file', version: 4, urgency: 'immediate', note: '' });
    expect(stepBody('refuse', { reason: ' 重复 ' }, 1)).toEqual({ action: 'refuse', version: 1, reason: '重复' });
    expect(stepBody('merge', { into: '2026-000001' }, 2)).toEqual({ action: 'merge', version: 2, into: '2026-000001', note: '' });
    const units = [
      { kind: 'grid' as const, grid_id: 20 },
      { kind: 'department' as const, code: 'urban_management' },
    ];
    expect(stepBody('dispatch', { units, note: '' }, 2)).toEqual({ action: 'dispatch', version: 2, units, note: '' });
    expect(stepBody('report_result', { note: '已清理', photos: [7] }, 4)).toEqual({
      action: 'report_result',
      version: 4,
      note: '已清理',
      photos: [7],
    });
    expect(stepBody('verify', { passed: false, note: '未清理干净' }, 5)).toEqual({
      action: 'verify',
      version: 5,
      passed: false,
      note: '未清理干净',
      photos: [],
    });
    expect(stepBody('defer', { reason: '等待材料', approver: '王主任' }, 3)).toEqual({
      action: 'defer',
      version: 3,
      reason: '等待材料',
      approver: '王主任',
    });
    expect(stepBody('explain', { explanation: '需市级协调' }, 3)).toEqual({ action: 'explain', version: 3, explanation: '需市级协调' });
    expect(stepBody('evaluate', { score: 5 }, 6)).toEqual({ action: 'evaluate', version: 6, score: 5, note: '' });
    // A required text left empty is sent empty: the server names it (422).
    expect(stepBody('escalate', {}, 2)).toEqual({ action: 'escalate', version: 2, note: '' });
  });

  test('the choices a body cannot leave open are asked for first', () => {
    expect(missingChoices('verify', { passed: null })).toEqual([{ field: 'passed', reason: 'required' }]);
    expect(missingChoices('verify', { passed: false })).toEqual([]);
    expect(missingChoices('evaluate', { score: null })).toEqual([{ field: 'score', reason: 'required' }]);
    expect(missingChoices('evaluate', { score: 6 })).toEqual([{ field: 'score', reason: 'required' }]);
    expect(missingChoices('evaluate', { score: 1 })).toEqual([]);
    expect(missingChoices('refuse', {})).toEqual([]);
  });

  test('the dispatch form lists the proposal first (checked), then the other grids and departments once', () => {
    const proposal = [
      { kind: 'grid' as const, grid_id: 20 },
      { kind: 'department' as const, code: 'urban_management' },
    ];
    const choices = dispatchChoices(proposal, [2, 20, 50], ['emergency', 'urban_management']);
    expect(choices).toEqual([
      { unit: { kind: 'grid', grid_id: 20 }, proposed: true },
      { unit: { kind: 'department', code: 'urban_management' }, proposed: true },
      { unit: { kind: 'grid', grid_id: 50 }, proposed: false },
      { unit: { kind: 'grid', grid_id: 2 }, proposed: false },
      { unit: { kind: 'department', code: 'emergency' }, proposed: false },
    ]);
  });
});

describe('categories and keys', () => {
  test('categories are grouped by class and major class, in the server’s order; inactive ones only for filters', () => {
    const cat = (code: string, cls: CaseCategory['class'], major: string, active = true): CaseCategory => ({
      code,
      class: cls,
      domain: 'urban_management',
      major,
      minor: code,
      hours: 8,
      urgency: 'normal',
      route: 'department',
      department: 'municipal',
      active,
    });
    const list = [
      cat('BJ-03-01', 'component', '市容环境'),
      cat('SJ-01-01', 'event', '市容环境'),
      cat('BJ-03-02', 'component', '市容环境', false),
      cat('SJ-01-02', 'event', '市容环境'),
    ];
    const all = groupCategories(list);
    expect(all.map((g) => [g.key, g.items.map((c) => c.code)])).toEqual([
      ['component:市容环境', ['BJ-03-01', 'BJ-03-02']],
      ['event:市容环境', ['SJ-01-01', 'SJ-01-02']],
    ]);
    expect(groupCategories(list, true)[0].items.map((c) => c.code)).toEqual(['BJ-03-01']);
  });

  test('idempotency keys are version 4 UUIDs', () => {
    const key = uuid4(new Uint8Array(16).fill(0xff));
    expect(key).toBe('ffffffff-ffff-4fff-bfff-ffffffffffff');
    expect(uuid4(new Uint8Array(16))).toMatch(/^00000000-0000-4000-8000-000000000000$/);
  });
});

describe('isFiltered', () => {
  test('off with no filter, on with any one', () => {
    expect(isFiltered(NO_FILTERS)).toBe(false);
    expect(isFiltered({ ...NO_FILTERS, text: '  ' })).toBe(false);
    expect(isFiltered({ ...NO_FILTERS, stage: 'filed' })).toBe(true);
    expect(isFiltered({ ...NO_FILTERS, category: 'SJ-01-01' })).toBe(true);
    expect(isFiltered({ ...NO_FILTERS, source: 'hotline' })).toBe(true);
    expect(isFiltered({ ...NO_FILTERS, overdue: true })).toBe(true);
    expect(isFiltered({ ...NO_FILTERS, text: '井盖' })).toBe(true);
  });
});
