import { afterEach, describe, expect, test } from 'vitest';
import { ACTIONS, PERMISSIONS, ROLES, can, currentUser, onUserChange, setUser } from './auth';

afterEach(() => setUser(null));

describe('sign-in state', () => {
  test('with nobody signed in everything is allowed, as before accounts', () => {
    expect(currentUser()).toBeNull();
    for (const a of ACTIONS) expect(can(a)).toBe(true);
  });

  test('a signed-in role may do only what its table says', () => {
    setUser({ id: 1, name: '李四', role: 'public' });
    expect(can('public.view')).toBe(true);
    expect(can('grids.edit')).toBe(false);
    setUser({ id: 2, name: '王五', role: 'planner' });
    expect(can('grids.edit')).toBe(true);
    expect(can('admin.users')).toBe(false);
  });

  test('the subdistrict admin may do everything; every role may see the public page', () => {
    for (const a of ACTIONS) expect(can(a, { id: 1, name: 'a', role: 'subdistrict_admin' })).toBe(true);
    for (const r of ROLES) expect(PERMISSIONS[r]).toContain('public.view');
  });

  test('listeners hear sign-in and sign-out', () => {
    const seen: (string | null)[] = [];
    const stop = onUserChange((u) => seen.push(u?.role ?? null));
    setUser({ id: 1, name: 'a', role: 'auditor' });
    setUser(null);
    stop();
    setUser({ id: 1, name: 'a', role: 'auditor' });
    expect(seen).toEqual(['auditor', null]);
  });
});
