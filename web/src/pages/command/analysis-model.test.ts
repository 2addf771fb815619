import { describe, expect, test } from 'vitest';
import type { Case, TreeNode } from '../../api';
import {
  casesByGrid,
  classBreaks,
  classOf,
  classRanges,
  dayString,
  departmentOnly,
  flattenTree,
  hotSpots,
  mayRead,
  PAGE,
  periodRange,
  rate,
  rateRows,
  readAll,
  roundStep,
  trimmed,
} from './analysis-model';

const node = (id: number, level: number, households: number | null, children: TreeNode[] = []): TreeNode => ({
  id,
  code: `c${id}`,
  name: `grid ${id}`,
  level,
  households,
  children,
});

// Subdistrict 1: L1 #1 (L2 #7 (L3 #33, #34), L2 #8 (L3 #35)), L1 #2 (L2 #9 without households (L3 #36)).
const TREE: TreeNode[] = [
  {
    id: 1,
    code: 's1',
    name: 'sub',
    level: 0,
    children: [
      node(1, 1, 876, [node(7, 2, 624, [node(33, 3, 347), node(34, 3, 277)]), node(8, 2, 252, [node(35, 3, 252)])]),
      node(2, 1, 0, [node(9, 2, 0, [node(36, 3, null)])]),
    ],
  },
];

const aCase = (over: Partial<Case>): Case => ({ id: 1, stage: 'reported', lon: 0, lat: 0, grid_path: [], reported_at: 0, ...over }) as Case;

describe('the period', () => {
  test('the last n days end now; a date range is of whole local days, the end day included', () => {
    expect(periodRange({ days: 7 }, 1_000_000.7)).toEqual({ since: 1_000_000 - 7 * 86_400 });
    const r = periodRange({ from: '2026-11-01', to: '2026-11-30' }, 0)!;
    expect(r.since).toBe(new Date(2026, 10, 1).getTime() / 1000);
    expect(r.until).toBe(new Date(2026, 11, 1).getTime() / 1000);
    expect(
      periodRange({ from: '2026-11-05', to: '2026-11-05' }, 0)!.until! - periodRange({ from: '2026-11-05', to: '2026-11-05' }, 0)!.since,
    ).toBeGreaterThan(82_000);
  });

  test('a start after the end, an empty or impossible day: no period', () => {
    expect(periodRange({ from: '2026-11-30', to: '2026-11-01' }, 0)).toBeNull();
    expect(periodRange({ from: '', to: '2026-11-01' }, 0)).toBeNull();
    expect(periodRange({ from: '2026-02-30', to: '2026-03-01' }, 0)).toBeNull();
  });

  test('a day for the date inputs, in local time', () => {
    expect(dayString(new Date(2026, 0, 9, 23, 59).getTime() / 1000)).toBe('2026-01-09');
  });
});

describe('grids and who may read their cases', () => {
  const grids = flattenTree(TREE);
  const byId = new Map(grids.map((g) => [g.id, g]));

  test('the tree flattened: every grid with its path from L1 and its subdistrict', () => {
    expect(grids.map((g) => g.id)).toEqual([1, 7, 33, 34, 8, 35, 2, 9, 36]);
    expect(byId.get(33)).toMatchObject({ level: 3, path: [1, 7, 33], subdistrictId: 1, households: 347 });
    expect(byId.get(36)!.households).toBeNull();
  });

  test('a grid is covered by a case-reading role over all, its subdistrict, it or a grid above it', () => {
    expect(mayRead([{ role: 'operator', scope: 'subdistrict:1' }], byId.get(33)!)).toBe(true);
    expect(mayRead([{ role: 'operator', scope: 'subdistrict:2' }], byId.get(33)!)).toBe(false);
    expect(mayRead([{ role: 'auditor', scope: 'all' }], byId.get(36)!)).toBe(true);
    const worker = [{ role: 'grid_worker', scope: 'grid:7' }];
    expect(mayRead(worker, byId.get(7)!)).toBe(true);
    expect(mayRead(worker, byId.get(34)!)).toBe(true);
    // The L1 above and a sibling are not the worker's (the L1's figure would be only part of it).
    expect(mayRead(worker, byId.get(1)!)).toBe(false);
    expect(mayRead(worker, byId.get(8)!)).toBe(false);
    // A planner reads no cases.
    expect(mayRead([{ role: 'planner', scope: 'all' }], byId.get(33)!)).toBe(false);
  });

  test('a department account sees only the cases dispatched to it', () => {
    expect(departmentOnly([{ role: 'department', scope: 'subdistrict:1' }])).toBe(true);
    expect(
      departmentOnly([
        { role: 'department', scope: 'subdistrict:1' },
        { role: 'operator', scope: 'all' },
      ]),
    ).toBe(false);
    expect(departmentOnly([{ role: 'operator', scope: 'all' }])).toBe(false);
  });
});

describe('cases per 1,000 households', () => {
  const grids = flattenTree(TREE);
  const cases = [
    aCase({ grid_path: [1, 7, 33] }),
    aCase({ grid_path: [1, 7, 33], stage: 'closed' }),
    aCase({ grid_path: [1, 7, 33], stage: 'refused' }),
    aCase({ grid_path: [1, 7, 34] }),
    // A merged duplicate does not count; a case outside every grid counts nowhere.
    aCase({ grid_path: [1, 7, 34], stage: 'merged' }),
    aCase({ grid_path: [] }),
    aCase({ grid_path: [2, 9, 36] }),
  ];

  test('cases roll up the tree, once per grid', () => {
    const by = casesByGrid(cases);
    expect(Object.fromEntries(by)).toEqual({ 1: 4, 7: 4, 33: 3, 34: 1, 2: 1, 9: 1, 36: 1 });
    expect(casesByGrid([aCase({ grid_path: [1, 1] })]).get(1)).toBe(1);
  });

  test('each grid of the level: cases ÷ households × 1,000, its class; no households and hidden grids have none', () => {
    const { rows, breaks } = rateRows(grids, 3, casesByGrid(cases), (g) => g.id !== 35);
    const by = Object.fromEntries(rows.map((r) => [r.id, r]));
    expect(rows.map((r) => r.id)).toEqual([33, 34, 35, 36]);
    expect(by[33]).toMatchObject({ cases: 3, households: 347, status: 'rate' });
    expect(by[33].rate).toBeCloseTo(8.6455, 4);
    expect(by[34].rate).toBeCloseTo(3.6101, 4);
    expect(by[35]).toMatchObject({ cases: null, rate: null, status: 'hidden', cls: -1 });
    expect(by[36]).toMatchObject({ cases: 1, rate: null, status: 'empty', cls: -1 });
    // Highest rate 8.65: step 2 (a quarter of it is 2.16).
    expect(breaks).toEqual([2, 4, 6, 8]);
    expect(by[33].cls).toBe(4);
    expect(by[34].cls).toBe(1);
  });

  test('a grid without cases has rate 0, in the first class', () => {
    const { rows } = rateRows(grids, 2, casesByGrid([aCase({ grid_path: [1, 7] })]), () => true);
    expect(rows.map((r) => [r.id, r.cases, r.rate, r.cls, r.status])).toEqual([
      [7, 1, rate(1, 624), 4, 'rate'],
      [8, 0, 0, 0, 'rate'],
      [9, 0, null, -1, 'empty'],
    ]);
  });
});

describe('class breaks: five classes of a round width', () => {
  test('the step is the largest round number at most a quarter of the highest rate', () => {
    expect(roundStep(2.16)).toBe(2);
    expect(roundStep(0.9)).toBe(0.8);
    expect(roundStep(0.13)).toBe(0.12);
    expect(roundStep(37)).toBe(30);
    expect(roundStep(100)).toBe(100);
    expect(roundStep(0)).toBe(1);
    expect(classBreaks([0.5, 0.52])).toEqual([0.12, 0.24, 0.36, 0.48]);
    expect(classBreaks([150])).toEqual([30, 60, 90, 120]);
    expect(classBreaks([])).toEqual([1, 2, 3, 4]);
  });

  test('the highest rate always falls in the fifth class; a break belongs to the class above it', () => {
    for (const max of [0.01, 0.7, 1, 3.3, 8.6455, 15.5, 99.9, 1234]) {
      const b = classBreaks([0, max / 3, max]);
      expect(classOf(max, b), String(max)).toBe(4);
      expect(classOf(0, b)).toBe(0);
    }
    expect(classOf(2, [2, 4, 6, 8])).toBe(1);
    expect(classOf(1.999, [2, 4, 6, 8])).toBe(0);
  });

  test('the legend’s ranges', () => {
    expect(classRanges([2, 4, 6, 8])).toEqual([
      { from: 0, to: 2 },
      { from: 2, to: 4 },
      { from: 4, to: 6 },
      { from: 6, to: 8 },
      { from: 8, to: null },
    ]);
    expect(trimmed(8.645533)).toBe('8.65');
    expect(trimmed(0.24000000000000002)).toBe('0.24');
    expect(trimmed(10)).toBe('10');
  });
});

describe('hot spots', () => {
  // Helsinki: at 60° N, 0.001° of longitude is about 56 m, of latitude about 111 m.
  const at = (lon: number, lat: number, over: Partial<Case> = {}) => aCase({ lon, lat, ...over });

  test('the cell with most cases first, at the mean of its points, named by the L3 grid most of them lie in', () => {
    const spots = hotSpots([
      at(24.95001, 60.17001, { grid_path: [1, 7, 33], reported_at: 10 }),
      at(24.95002, 60.17002, { grid_path: [1, 7, 33], reported_at: 11 }),
      at(24.95003, 60.17003, { grid_path: [1, 7, 34, 99], reported_at: 12 }),
      at(24.96001, 60.18001, { grid_path: [2, 9], reported_at: 50 }),
      at(24.96002, 60.18002, { grid_path: [2, 9], reported_at: 51 }),
      at(24.97, 60.19, { grid_path: [], reported_at: 99 }),
    ]);
    expect(spots.map((s) => [s.count, s.grid])).toEqual([
      [3, 33],
      [2, 9],
      [1, null],
    ]);
    expect(spots[0].lon).toBeCloseTo(24.95002, 6);
    expect(spots[0].lat).toBeCloseTo(60.17002, 6);
  });

  test('points more than a cell apart are separate places; ties go to the newest report; at most five', () => {
    // 0.002° of longitude at 60° N is about 111 m: never in one 100 m cell.
    const pts = Array.from({ length: 7 }, (_, i) => at(24.9 + i * 0.002, 60.17, { reported_at: i, grid_path: [1, 7, 30 + i] }));
    const spots = hotSpots(pts);
    expect(spots.length).toBe(5);
    expect(spots.map((s) => s.grid)).toEqual([36, 35, 34, 33, 32]);
    expect(spots.every((s) => s.count === 1)).toBe(true);
  });

  test('merged duplicates and cases without a place are left out', () => {
    expect(hotSpots([at(24.95, 60.17, { stage: 'merged' }), at(Number.NaN, 60.17)])).toEqual([]);
    expect(hotSpots([])).toEqual([]);
  });
});

describe('reading every case of a period', () => {
  test('page by page below the last id, until a short page', async () => {
    const all = Array.from({ length: 2 * PAGE + 5 }, (_, i) => aCase({ id: 3000 - i }));
    const asked: unknown[] = [];
    const got = await readAll(
      (q) => {
        asked.push(q);
        const from = q.before_id === undefined ? all : all.filter((c) => c.id < q.before_id!);
        return Promise.resolve(from.slice(0, q.limit));
      },
      { since: 100, until: 200 },
    );
    expect(got.truncated).toBe(false);
    expect(got.cases.length).toBe(2 * PAGE + 5);
    expect(asked).toEqual([
      { since: 100, until: 200, limit: PAGE },
      { since: 100, until: 200, limit: PAGE, before_id: 3000 - PAGE + 1 },
      { since: 100, until: 200, limit: PAGE, before_id: 3000 - 2 * PAGE + 1 },
    ]);
  });

  test('cut after the most pages, and says so', async () => {
    const full = Array.from({ length: PAGE }, (_, i) => aCase({ id: PAGE - i }));
    const got = await readAll(() => Promise.resolve(full), { since: 0 }, 2);
    expect(got).toMatchObject({ truncated: true });
    expect(got.cases.length).toBe(2 * PAGE);
  });
});
