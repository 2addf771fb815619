import { describe, expect, test } from 'vitest';
import { auditQuery, changedKeys, nextDay, startOfDay } from './audit';

describe('the audit log page', () => {
  test('dates become RFC 3339 times at local midnight, "to" includes its whole day', () => {
    expect(startOfDay('2026-12-01', 480)).toBe('2026-12-01T00:00:00+08:00');
    expect(startOfDay('2026-12-01', -90)).toBe('2026-12-01T00:00:00-01:30');
    expect(nextDay('2026-12-31')).toBe('2027-01-01');
    expect(nextDay('2028-02-28')).toBe('2028-02-29');
    const q = auditQuery({ entity: 'grid', entityId: ' 33 ', actor: 'planner', since: '2026-12-01', until: '2026-12-02', limit: 50 });
    expect(q).toMatchObject({ entity: 'grid', entity_id: '33', actor: 'planner', limit: 50 });
    expect(q.since).toMatch(/^2026-12-01T00:00:00[+-]\d\d:\d\d$/);
    expect(q.until).toMatch(/^2026-12-03T00:00:00[+-]\d\d:\d\d$/);
  });

  test('empty filters are left out', () => {
    expect(auditQuery({ entity: '', entityId: '', actor: ' ', since: '', until: '', limit: 200 })).toEqual({ limit: 200 });
  });

  test('what changed: the keys whose values differ', () => {
    expect(changedKeys({ name: 'a', code: '1', n: [1] }, { name: 'b', code: '1', n: [1], kind: 'x' })).toEqual(['kind', 'name']);
    expect(changedKeys(null, { name: 'b' })).toEqual(['name']);
    expect(changedKeys(null, null)).toEqual([]);
    // A grid is logged as a Feature without geometry: its properties are compared one by one.
    const grid = (name: string, version: number) => ({ type: 'Feature', properties: { id: 33, name, code: '1', version } });
    expect(changedKeys(grid('旧', 1), grid('新', 2))).toEqual(['name', 'version']);
    expect(changedKeys({ a: { x: 1 } }, { a: { x: 2 } })).toEqual(['a.x']);
  });
});
