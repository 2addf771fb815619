import { describe, expect, test } from 'vitest';
import { caseColor, caseTilesUrl, DUE_COLORS, nextReloadAt, pulseAt, RELOAD_MS, STAGE_COLORS } from './layers';

describe('case layers', () => {
  test('the tile address is absolute, with a version the server ignores', () => {
    expect(caseTilesUrl('http://127.0.0.1:8080', 3)).toBe('http://127.0.0.1:8080/api/v1/case-tiles/{z}/{x}/{y}.mvt?v=3');
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
