import { describe, expect, test } from 'vitest';
import { caseColor, caseTilesUrl, DUE_COLORS, nextReloadAt, pulseAt, RELOAD_MS, STAGE_COLORS } from './layers';

describe('case layers', () => {
  test('the tile address is absolute, with a version the server ignores', () => {
    expect(caseTilesUrl('http://127.0.0.1:8080', 3)).toBe('http://127.0.0.1:8080/api/v1/case-tiles/{z}/{x}/{y}.mvt?v=3');
  });
  test('the board’s filters go on the tile address in a fixed order, the empty ones left out, the version last', () => {
    const o = 'http://127.0.0.1:8080';
    const path = '/api/v1/case-tiles/{z}/{x}/{y}.mvt';
    expect(caseTilesUrl(o, 3, {})).toBe(`${o}${path}?v=3`);
    expect(caseTilesUrl(o, 4, { category: 'SJ-01-01' })).toBe(`${o}${path}?category=SJ-01-01&v=4`);
    const all = {
      since: 1_796_140_800,
      overdue: true,
      department: 'emergency',
      grid: 7,
      source: 'open311',
      category: 'BJ-01-01',
      stage: 'filed',
      until: 1_796_227_200,
    };
    expect(caseTilesUrl(o, 5, all)).toBe(
      `${o}${path}?stage=filed&category=BJ-01-01&source=open311&grid=7&department=emergency&overdue=true&since=1796140800&until=1796227200&v=5`,
    );
    // The same filters in another order: the same address.
    const reordered = Object.fromEntries(Object.entries(all).reverse());
    expect(caseTilesUrl(o, 5, reordered)).toBe(caseTilesUrl(o, 5, all));
    // Empty ones are left out; `overdue=false` is a filter of its own (only the others), so it is kept.
    expect(caseTilesUrl(o, 1, { stage: '', category: undefined, overdue: false })).toBe(`${o}${path}?overdue=false&v=1`);
    // Values are encoded.
    expect(caseTilesUrl(o, 1, { department: 'a&b c' })).toBe(`${o}${path}?department=a%26b+c&v=1`);
  });
  test('reloads are at most one per RELOAD_MS, the last never dropped', () => {
    expect(nextReloadAt(0, 10_000)).toBe(10_000);
    expect(nextReloadAt(10_000, 10_100)).toBe(10_000 + RELOAD_MS);
    expect(nextReloadAt(10_000, 10_000 + RELOAD_MS)).toBe(10_000 + RELOAD_MS);
  });
  test('the pulse grows and fades over a period, then starts again', () => {
    const a = pulseAt(0.1);
    const b = pulseAt(0.9);
    expect(b.radius).toBeGreaterThan(a.radius);
    expect(b.opacity).toBeLessThan(a.opacity);
    expect(pulseAt(1.1).radius).toBeCloseTo(a.radius);
    expect(pulseAt(1.1).opacity).toBeCloseTo(a.opacity);
  });
  test('overdue and near go before the stage colour', () => {
    expect(caseColor({ stage: 'filed' }, 'overdue')).toBe(DUE_COLORS.overdue);
    expect(caseColor({ stage: 'filed' }, 'near')).toBe(DUE_COLORS.near);
    expect(caseColor({ stage: 'filed' }, 'ok')).toBe(STAGE_COLORS.filed);
  });
});
