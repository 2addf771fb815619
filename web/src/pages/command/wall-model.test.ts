import { describe, expect, test } from 'vitest';
import type { Case, CaseFigures } from '../../api';
import {
  gridTable,
  latest,
  nextView,
  overdueList,
  ROTATE_DEFAULT_S,
  ROTATE_MAX_S,
  ROTATE_MIN_S,
  rotateSecs,
  statsByKey,
  WALL_VIEWS,
  type WallGrid,
} from './wall-model';

const NOW = 1_796_234_400;
const H = 3600;

/** A case as the API answers it, with what a test names. */
function kase(over: Partial<Case> & { id: number }): Case {
  return {
    subdistrict_id: 1,
    number: `2026-${String(over.id).padStart(6, '0')}`,
    version: 1,
    stage: 'filed',
    source: 'hotline',
    category: 'SJ-01-01',
    urgency: 'normal',
    lon: 24.94,
    lat: 60.17,
    grid_path: [1, 7, 40],
    address: '',
    description: '',
    reported_at: NOW - H,
    deadline: NOW + 10 * H,
    deferred_secs: 0,
    ever_deferred: false,
    units: [],
    supervision: 0,
    rework: 0,
    overdue_recorded: false,
    updated_at: NOW - H,
    ...over,
  } as Case;
}

function figures(onTime: number | null): CaseFigures {
  return {
    cases: 1,
    due: 1,
    closed: 1,
    closed_on_time: 1,
    on_time_base: 1,
    reworked: 0,
    reworks: 0,
    overdue: 0,
    open: 0,
    escalated: 0,
    leading_group: 0,
    on_time_rate: onTime,
  } as CaseFigures;
}

describe('the rotation', () => {
  test('the map, the overdue list, the grids, and round again; backwards too', () => {
    expect(WALL_VIEWS).toEqual(['map', 'overdue', 'grids']);
    expect(nextView('map')).toBe('overdue');
    expect(nextView('overdue')).toBe('grids');
    expect(nextView('grids')).toBe('map');
    expect(nextView('map', -1)).toBe('grids');
    expect(nextView('overdue', -1)).toBe('map');
    expect(nextView('grids', 4)).toBe('map');
  });

  test('20 s unless the address says; 0 stops it; kept within bounds', () => {
    expect(rotateSecs(undefined)).toBe(ROTATE_DEFAULT_S);
    expect(ROTATE_DEFAULT_S).toBe(20);
    expect(rotateSecs(Number.NaN)).toBe(ROTATE_DEFAULT_S);
    expect(rotateSecs(0)).toBe(0);
    expect(rotateSecs(2)).toBe(2);
    expect(rotateSecs(1)).toBe(ROTATE_MIN_S);
    expect(rotateSecs(45)).toBe(45);
    expect(rotateSecs(99_999)).toBe(ROTATE_MAX_S);
  });
});

describe('the overdue view', () => {
  test('the longest overdue first, then those near the deadline, never more rows than fit', () => {
    const cases = [
      kase({ id: 1, deadline: NOW - H }),
      kase({ id: 2, deadline: NOW - 5 * H }),
      kase({ id: 3, deadline: NOW + H }), // near
      kase({ id: 4, deadline: NOW + 10 * H }), // ok
      kase({ id: 5, stage: 'reported', deadline: null }), // not filed
      kase({ id: 6, deadline: NOW + 0.5 * H }), // near, sooner
      kase({ id: 7, stage: 'deferred', deadline: null }),
    ];
    const all = overdueList(cases, NOW, 10);
    expect(all.overdue.map((c) => c.id)).toEqual([2, 1]);
    expect(all.near.map((c) => c.id)).toEqual([6, 3]);
    expect(all.more).toBe(0);
    const three = overdueList(cases, NOW, 3);
    expect(three.overdue.map((c) => c.id)).toEqual([2, 1]);
    expect(three.near.map((c) => c.id)).toEqual([6]);
    const one = overdueList(cases, NOW, 1);
    expect(one.overdue.map((c) => c.id)).toEqual([2]);
    expect(one.more).toBe(1);
    expect(one.near).toEqual([]);
  });

  test('nothing overdue: an empty list', () => {
    expect(overdueList([kase({ id: 1 })], NOW, 10)).toEqual({ overdue: [], more: 0, near: [] });
  });
});

describe('the counters by grid', () => {
  const grids: WallGrid[] = [
    { id: 2, code: '002', name: '克卢维社区', level: 1 },
    { id: 1, code: '001', name: '卡利奥社区', level: 1 },
    { id: 7, code: '001001', name: '卡利奥社区第1网格', level: 2 },
    { id: 8, code: '001002', name: '卡利奥社区第2网格', level: 2 },
    { id: 9, code: '002001', name: '克卢维社区第1网格', level: 2 },
    { id: 40, code: '001001001', name: 'L3', level: 3 },
  ];

  test('every L1 grid in code order; open and overdue by the grid path; today and the on-time rate once known', () => {
    const open = [
      kase({ id: 1, grid_path: [1, 7, 40], deadline: NOW - H }),
      kase({ id: 2, grid_path: [1, 7, 40] }),
      kase({ id: 3, grid_path: [2, 9] }),
      kase({ id: 4, grid_path: [] }),
    ];
    const before = gridTable(grids, open, null, null, NOW, 10);
    expect(before.l1.map((r) => [r.name, r.open, r.overdue, r.today, r.onTime])).toEqual([
      ['卡利奥社区', 2, 1, null, undefined],
      ['克卢维社区', 1, 0, null, undefined],
    ]);
    // L3 grids are not listed; an L2 grid without cases neither.
    expect(before.l2.map((r) => r.id)).toEqual([7, 9]);

    const today = [kase({ id: 3, grid_path: [2, 9] }), kase({ id: 9, stage: 'closed', grid_path: [2, 8] })];
    const stats = statsByKey([
      { key: '1', figures: figures(0.75) },
      { key: '7', figures: figures(null) },
    ]);
    const after = gridTable(grids, open, today, stats, NOW, 10);
    expect(after.l1.map((r) => [r.id, r.today, r.onTime])).toEqual([
      [1, 0, 0.75],
      [2, 2, null],
    ]);
    // The busiest first: overdue, then open, then today's reports.
    expect(after.l2.map((r) => [r.id, r.overdue, r.open, r.today])).toEqual([
      [7, 1, 2, 0],
      [9, 0, 1, 1],
      [8, 0, 0, 1],
    ]);
    expect(after.moreL2).toBe(0);
  });

  test('the L2 list stops at its rows and says how many more', () => {
    const open = [kase({ id: 1, grid_path: [1, 7] }), kase({ id: 2, grid_path: [1, 8] }), kase({ id: 3, grid_path: [2, 9] })];
    const t = gridTable(grids, open, null, null, NOW, 2);
    expect(t.l2).toHaveLength(2);
    expect(t.moreL2).toBe(1);
  });
});

describe('the newest reports', () => {
  test('by the time reported, newest first', () => {
    const cases = [
      kase({ id: 1, reported_at: NOW - 3 * H }),
      kase({ id: 2, reported_at: NOW - H }),
      kase({ id: 3, reported_at: NOW - 2 * H }),
      kase({ id: 4, reported_at: NOW - H }),
    ];
    expect(latest(cases, 3).map((c) => c.id)).toEqual([4, 2, 3]);
    expect(latest([], 3)).toEqual([]);
  });
});
