import { describe, expect, test } from 'vitest';
import { trackTilesUrl, clockOf, dayOf, dayRange, patrolClass, shiftWeek, shortGroups, summary, trackAt, weekOf, weekStart } from './model';
import { texts } from './text';

/** 2026-12-07 09:00 +08:00, a Monday (the server's tests' T0). */
const T0 = 1_796_605_200_000;
const H = 3_600_000;

describe('weeks and days in China time', () => {
  test('a week begins on Monday 00:00 +08:00, which is Sunday 16:00 UTC', () => {
    expect(weekOf(T0)).toBe('2026-W50');
    const start = T0 - 9 * H;
    expect(weekStart('2026-W50')).toBe(start);
    expect(weekOf(start)).toBe('2026-W50');
    expect(weekOf(start - 1)).toBe('2026-W49');
    // Sunday 23:30 local is the old week though it is Sunday in UTC, as Monday 00:10 is.
    expect(weekOf(start - 30 * 60_000)).toBe('2026-W49');
    expect(weekOf(start + 10 * 60_000)).toBe('2026-W50');
  });

  test('years with 53 weeks and weeks across the new year', () => {
    expect(weekStart('2026-W53')).not.toBeNull();
    expect(weekStart('2025-W53')).toBeNull();
    expect(shiftWeek('2026-W53', 1)).toBe('2027-W01');
    expect(shiftWeek('2027-W01', -1)).toBe('2026-W53');
    expect(shiftWeek('2026-W49', 1)).toBe('2026-W50');
    // 2027-01-01 is a Friday: still week 53 of 2026.
    expect(weekOf(Date.UTC(2027, 0, 1, 4))).toBe('2026-W53');
    expect(weekStart('2026-W54')).toBeNull();
    expect(weekStart('yesterday')).toBeNull();
  });

  test('a day runs from 00:00 to 24:00 China time', () => {
    expect(dayOf(T0)).toBe('2026-12-07');
    // 23:30 UTC on the 6th is 07:30 on the 7th in China.
    expect(dayOf(Date.UTC(2026, 11, 6, 23, 30))).toBe('2026-12-07');
    const [from, to] = dayRange('2026-12-07')!;
    expect(from).toBe(T0 - 9 * H);
    expect(to - from).toBe(24 * H);
    expect(dayRange('2026-02-30')).toBeNull();
    expect(dayRange('7 Dec')).toBeNull();
    expect(clockOf(T0 + 61_000)).toBe('09:01:01');
    expect(clockOf(T0, false)).toBe('09:00');
  });
});

describe('the track at a playback time', () => {
  const fixes = [
    { time_ms: 0, lon: 0, lat: 0 },
    { time_ms: 10_000, lon: 10, lat: 0 },
    { time_ms: 20_000, lon: 10, lat: 10 },
    // Ten minutes of silence: the line breaks.
    { time_ms: 620_000, lon: 20, lat: 10 },
    { time_ms: 630_000, lon: 30, lat: 10 },
  ];

  test('nothing before the first fix; the whole day after the last', () => {
    expect(trackAt(fixes, -1)).toEqual({ lines: [], dot: null });
    const all = trackAt(fixes, Infinity);
    expect(all.lines).toEqual([
      [
        [0, 0],
        [10, 0],
        [10, 10],
      ],
      [
        [20, 10],
        [30, 10],
      ],
    ]);
    expect(all.dot).toEqual([30, 10]);
  });

  test('between two fixes the line ends at the dot, placed by time', () => {
    const r = trackAt(fixes, 15_000);
    expect(r.dot).toEqual([10, 5]);
    expect(r.lines).toEqual([
      [
        [0, 0],
        [10, 0],
        [10, 5],
      ],
    ]);
    expect(trackAt(fixes, 10_000).lines).toEqual([
      [
        [0, 0],
        [10, 0],
      ],
    ]);
  });

  test('in a gap the dot waits at the last fix', () => {
    const r = trackAt(fixes, 300_000);
    expect(r.dot).toEqual([10, 10]);
    expect(r.lines).toHaveLength(1);
    const after = trackAt(fixes, 625_000);
    expect(after.lines).toHaveLength(2);
    expect(after.lines[1]).toEqual([
      [20, 10],
      [25, 10],
    ]);
  });
});

describe('the week’s choropleth', () => {
  test('classes: none, one, two or more', () => {
    expect([0, 1, 2, 3, 9].map(patrolClass)).toEqual([0, 1, 2, 2, 2]);
  });

  test('short grids grouped by L2, then L1; parents with none short are left out', () => {
    const parents = [
      { grid: 1, level: 1, grids: 4, short_grids: [11, 12, 21] },
      { grid: 10, level: 2, grids: 2, short_grids: [11, 12] },
      { grid: 20, level: 2, grids: 2, short_grids: [21] },
      { grid: 30, level: 2, grids: 3, short_grids: [] },
    ];
    expect(shortGroups(parents).map((g) => [g.grid, g.level, g.short])).toEqual([
      [10, 2, [11, 12]],
      [20, 2, [21]],
      [1, 1, [11, 12, 21]],
    ]);
    const g = (patrols: number) => ({
      grid: patrols,
      patrols,
      patrolled_by: [],
      workers: [],
      duration_ms: 0,
      distance_m: 0,
      short: patrols < 2,
    });
    expect(summary([g(0), g(1), g(2)])).toEqual({ all: 3, short: 2 });
  });
});

describe('the words', () => {
  test('every key in both languages, with the same placeholders', () => {
    const ph = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    expect(Object.keys(texts.en).sort()).toEqual(Object.keys(texts.zh).sort());
    for (const [k, v] of Object.entries(texts.zh)) {
      expect(v.trim(), k).not.toBe('');
      expect(ph(texts.en[k as keyof typeof texts.zh]), k).toEqual(ph(v));
    }
  });
});

describe('the address', () => {
  test('#/patrols and #/field, with a map view, and nothing below them', async () => {
    const { formatRoute, parseRoute } = await import('../../app/routes');
    expect(parseRoute('#/patrols')).toEqual({ page: 'patrols' });
    const r = parseRoute('#/patrols?map=15.00/31.300000/120.600000');
    expect(r).toEqual({ page: 'patrols', view: { zoom: 15, lat: 31.3, lng: 120.6 } });
    expect(formatRoute(r)).toBe('#/patrols?map=15.00/31.300000/120.600000');
    expect(parseRoute('#/patrols/x').page).toBe('notfound');
    expect(parseRoute('#/field').page).toBe('field');
  });
});

describe('the tracks tiles', () => {
  test('a worker’s day, under the page’s own prefix', () => {
    expect(trackTilesUrl('http://h:8080/gridd/index.html#/patrols', '2026-12-07', 8)).toBe(
      'http://h:8080/gridd/api/v1/track-tiles/{z}/{x}/{y}.mvt?day=2026-12-07&worker=8',
    );
  });
});

describe('a live position', () => {
  test('as the feed sends it, or nothing', async () => {
    const { parsePosition } = await import('./live');
    const data = '{"n":17,"worker":7,"lon":24.95,"lat":60.17,"time_ms":1796605200000,"subdistrict_id":1,"grid_path":[3,5,12]}';
    expect(parsePosition(data)).toMatchObject({ worker: 7, lon: 24.95, lat: 60.17, time_ms: 1796605200000, grid_path: [3, 5, 12] });
    expect(parsePosition('{"worker":7,"lon":"x","lat":1,"time_ms":1}')).toBeNull();
    expect(parsePosition('not json')).toBeNull();
  });
});
