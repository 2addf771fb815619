import { describe, expect, test } from 'vitest';
import type { TreeNode } from '../../api';
import type { Compliance, Household, Listed } from './api';
import {
  REASONS_ZH,
  filterCounts,
  filterRows,
  fromLocalInput,
  gridChoices,
  initialGrid,
  reasonZh,
  rowProblems,
  rowsOf,
  toLocalInput,
  visitTime,
} from './model';
import { dataRows } from './import';

const node = (id: number, level: number, children: TreeNode[] = []): TreeNode => ({ id, code: `C${id}`, name: `N${id}`, level, children });

// A subdistrict (1) with two L1 grids (10, 20), each with an L2 grid (11, 21).
const TREE: TreeNode[] = [node(1, 0, [node(10, 1, [node(11, 2)]), node(20, 1, [node(21, 2)])])];

describe('the grids offered', () => {
  test('a grid worker gets their grid and those below it, nothing else', () => {
    const c = gridChoices(TREE, [{ role: 'grid_worker', scope: 'grid:20' }]);
    expect(c.map((g) => g.id)).toEqual([20, 21]);
    expect(c.every((g) => g.mine)).toBe(true);
    expect(c[0].subdistrictId).toBe(1);
  });

  test('a wider grant gets every grid, their own first', () => {
    const c = gridChoices(TREE, [
      { role: 'grid_worker', scope: 'grid:20' },
      { role: 'operator', scope: 'subdistrict:1' },
    ]);
    expect(c.map((g) => [g.id, g.mine])).toEqual([
      [20, true],
      [21, true],
      [10, false],
      [11, false],
    ]);
    expect(gridChoices(TREE, [{ role: 'subdistrict_admin', scope: 'all' }]).map((g) => g.id)).toEqual([10, 11, 20, 21]);
  });

  test('the grid asked for if offered, else the first own one', () => {
    const c = gridChoices(TREE, [
      { role: 'grid_worker', scope: 'grid:20' },
      { role: 'operator', scope: 'all' },
    ]);
    expect(initialGrid(c, 11)?.id).toBe(11);
    expect(initialGrid(c, 99)?.id).toBe(20);
    expect(initialGrid(c, undefined)?.id).toBe(20);
    expect(initialGrid([], 1)).toBeNull();
  });
});

const hh = (id: number, address: string, room: string, names: string[], special: string[] = []): Household => ({
  id,
  subdistrict_id: 1,
  grid_id: 11,
  building_id: 100 + id,
  address,
  unit: '1',
  room,
  special,
  special_zh: special.map(() => '独居老人'),
  people: names.map((name) => ({ name, phone: null, id_number_masked: '110105********002X', relation: null })),
  created_at: 0,
});

const listed = (id: number, visits: number, last: number | null): Listed => ({
  household_id: id,
  grid_id: 11,
  building_id: 100 + id,
  special: false,
  visits,
  last_visit: last,
  year: 'due',
  quarters: ['not_required', 'not_required', 'not_required', 'not_required'],
});

const compliance = (due: Listed[], overdue: Listed[], extra: Partial<Compliance> = {}): Compliance =>
  ({
    year: 2026,
    now: 0,
    quarter: null,
    grid_id: 11,
    total: {} as Compliance['total'],
    grids: [],
    workers: [],
    due,
    overdue,
    due_count: due.length,
    overdue_count: overdue.length,
    lists: true,
    ...extra,
  }) as Compliance;

const HOUSEHOLDS = [
  hh(1, '和平路 8 号', '301', ['张三', '李四']),
  hh(2, '和平路 8 号', '101', ['王五'], ['elderly_alone']),
  hh(3, '长江路 2 号', '202', ['赵六']),
];

describe('standing and the list', () => {
  test('a household on neither complete list is done; listed ones are due or overdue', () => {
    const rows = rowsOf(HOUSEHOLDS, compliance([listed(1, 1, 500)], [listed(3, 0, null)]));
    expect(rows.map((r) => [r.household.id, r.standing, r.visits, r.lastVisit])).toEqual([
      [1, 'due', 1, 500],
      [2, 'done', null, null],
      [3, 'overdue', 0, null],
    ]);
  });

  test('when the lists are cut short or not given, the others are unknown', () => {
    const cut = compliance([listed(1, 1, 500)], [], { due_count: 5 });
    expect(rowsOf(HOUSEHOLDS, cut).map((r) => r.standing)).toEqual(['due', 'unknown', 'unknown']);
    expect(rowsOf(HOUSEHOLDS, compliance([], [], { lists: false })).map((r) => r.standing)).toEqual(['unknown', 'unknown', 'unknown']);
    expect(rowsOf(HOUSEHOLDS, null).map((r) => r.standing)).toEqual(['unknown', 'unknown', 'unknown']);
  });

  test('a visit recorded here is the last visit, and marks the household visited', () => {
    const rows = rowsOf(HOUSEHOLDS, compliance([listed(1, 1, 500)], []), new Map([[1, 900]]), new Set([1]));
    expect(rows[0].lastVisit).toBe(900);
    expect(rows[0].visitedNow).toBe(true);
    expect(rows[1].visitedNow).toBe(false);
  });

  test('filters, search by address or name, overdue first then address order', () => {
    const rows = rowsOf(HOUSEHOLDS, compliance([listed(1, 1, 500)], [listed(3, 0, null)]));
    expect(filterRows(rows, 'all', '').map((r) => r.household.id)).toEqual([3, 1, 2]);
    expect(filterRows(rows, 'open', '').map((r) => r.household.id)).toEqual([3, 1]);
    expect(filterRows(rows, 'due', '').map((r) => r.household.id)).toEqual([1]);
    expect(filterRows(rows, 'overdue', '').map((r) => r.household.id)).toEqual([3]);
    expect(filterRows(rows, 'special', '').map((r) => r.household.id)).toEqual([2]);
    expect(filterRows(rows, 'all', '李四').map((r) => r.household.id)).toEqual([1]);
    expect(filterRows(rows, 'all', '和平路 101').map((r) => r.household.id)).toEqual([2]);
    expect(filterRows(rows, 'all', '  长江路 ').map((r) => r.household.id)).toEqual([3]);
    expect(filterRows(rows, 'due', '长江路')).toEqual([]);
    expect(filterCounts(rows)).toEqual({ all: 3, open: 2, due: 1, overdue: 1, special: 1 });
  });
});

describe('the visit time', () => {
  test('a datetime-local value and back, to the minute', () => {
    const t = Math.floor(new Date(2026, 11, 3, 9, 5).getTime() / 1000);
    expect(toLocalInput(t)).toBe('2026-12-03T09:05');
    expect(fromLocalInput('2026-12-03T09:05')).toBe(t);
    expect(fromLocalInput('2026-12-03T09:05:30')).toBe(t + 30);
    expect(fromLocalInput('yesterday')).toBeNull();
  });

  test('unchanged means the server’s now; a changed time is sent; a bad one is caught', () => {
    const opened = Math.floor(new Date(2026, 11, 3, 9, 5, 42).getTime() / 1000);
    expect(visitTime(toLocalInput(opened), opened)).toBeNull();
    expect(visitTime('', opened)).toBeNull();
    expect(visitTime('2026-12-04T09:05', opened)).toBe(Math.floor(new Date(2026, 11, 4, 9, 5).getTime() / 1000));
    expect(visitTime('2026-13-04', opened)).toBe('bad');
  });
});

describe('refusals', () => {
  test('an import’s bad rows in row order, with column and reason', () => {
    const problem = {
      errors: [
        { field: 'rows[7].phone', reason: 'a mobile number has 11 digits, this one has 10' },
        { field: 'rows[3]', reason: 'x' },
        { field: 'rows', reason: '120 bad rows in all; the first 100 reasons are listed' },
        { field: 'rows[3].building', reason: 'no such building' },
      ],
    };
    expect(rowProblems(problem)).toEqual([
      { row: 3, column: null, reason: 'x' },
      { row: 3, column: 'building', reason: 'no such building' },
      { row: 7, column: 'phone', reason: 'a mobile number has 11 digits, this one has 10' },
      { row: null, column: null, reason: '120 bad rows in all; the first 100 reasons are listed' },
    ]);
    expect(rowProblems(null)).toEqual([]);
    expect(rowProblems({ errors: 'nope' })).toEqual([]);
  });

  test('the server’s reasons the page words in Chinese', () => {
    expect(reasonZh('is in the future (86400 s after the server\u2019s clock); a visit is recorded once made')).toMatch(/晚于当前时间/);
    expect(reasonZh('the same identity number as row 4')).toBe('身份证号与第 4 行重复');
    expect(reasonZh('a mobile number has 11 digits, this one has 7')).toBe('手机号应为 11 位');
    expect(reasonZh('something new')).toBeNull();
    for (const [, text] of REASONS_ZH) expect(text).toMatch(/[\u4e00-\u9fff]/);
  });

  test('data rows of a CSV: the header and empty lines do not count', () => {
    expect(dataRows('楼栋号,室,姓名\n1,101,张三\n,,\n1,102,李四\n')).toBe(2);
    expect(dataRows('')).toBe(0);
  });
});
