import { afterEach, describe, expect, test } from 'vitest';
import {
  ACTIONS,
  ANONYMOUS,
  FROM_SERVER,
  SERVER_ACTIONS,
  can,
  csrfToken,
  currentUser,
  onUserChange,
  rolesOf,
  sessionOf,
  setSession,
  type Role,
  type SessionAnswer,
} from './auth';

afterEach(() => setSession(ANONYMOUS));

/** A server answer for a user with these grants and (only) these server actions. */
function answer(actions: string[], roles: Role[] = [], name = 'u'): SessionAnswer {
  return {
    user: { id: 1, name, display_name: `演示${name}`, grants: roles.map((role) => ({ role, scope: 'all' })) },
    actions,
    csrf_token: 'c0ffee',
    expires_at: 1764700000,
  };
}

// The server's role table (server/src/domain/access.rs, Role::actions), as /auth/me would list it.
const PLANNER = ['read_published', 'lookup', 'read_coverage', 'read_code_history', 'edit_grids', 'import_grids'];
const AUDITOR = ['read_published', 'lookup', 'read_coverage', 'read_code_history', 'read_audit_log'];
const OPERATOR = ['read_published', 'lookup', 'read_coverage'];
const WORKER = ['read_published', 'lookup'];

describe('sign-in state', () => {
  test('a visitor who is not signed in may only view published information', () => {
    expect(currentUser()).toBeNull();
    expect(csrfToken()).toBeNull();
    for (const a of ACTIONS) expect(can(a), a).toBe(a === 'grids.view' || a === 'public.view');
  });

  test('what the UI offers is what the server answered, whatever the roles', () => {
    setSession(answer(PLANNER, ['planner']));
    expect(can('grids.edit')).toBe(true);
    expect(can('grids.import')).toBe(true);
    expect(can('coverage.view')).toBe(true);
    expect(can('admin.users')).toBe(false);
    expect(can('audit.view')).toBe(false);
    // A role the client would guess everything for gets only what the server lists.
    setSession(answer(['read_published'], ['subdistrict_admin']));
    expect(can('grids.edit')).toBe(false);
    expect(can('admin.users')).toBe(false);
    expect(can('public.view')).toBe(true);
  });

  test('no edit, import or renumber for an auditor, operator or grid worker', () => {
    for (const [actions, role] of [
      [AUDITOR, 'auditor'],
      [OPERATOR, 'operator'],
      [WORKER, 'grid_worker'],
    ] as const) {
      const s = sessionOf(answer([...actions], [role]));
      expect(can('grids.edit', s), role).toBe(false);
      expect(can('grids.import', s), role).toBe(false);
      expect(can('grids.view', s), role).toBe(true);
    }
    expect(can('audit.view', sessionOf(answer(AUDITOR, ['auditor'])))).toBe(true);
    expect(can('coverage.view', sessionOf(answer(WORKER, ['grid_worker'])))).toBe(false);
  });

  test('every server action is mapped; manage_accounts opens the admin pages; unknown actions are ignored', () => {
    expect(Object.keys(FROM_SERVER).sort()).toEqual([...SERVER_ACTIONS].sort());
    const admin = sessionOf(answer([...SERVER_ACTIONS, 'a_future_action'], ['subdistrict_admin']));
    for (const a of ['grids.edit', 'grids.import', 'coverage.view', 'audit.view', 'personal.view', 'admin.users'] as const)
      expect(can(a, admin), a).toBe(true);
  });

  test('cases open by the server’s case actions, not by role names', () => {
    expect(can('cases.view', sessionOf(answer(OPERATOR, ['operator'])))).toBe(false);
    expect(can('cases.view', sessionOf(answer([...OPERATOR, 'read_cases'], ['operator'])))).toBe(true);
    expect(can('cases.handle', sessionOf(answer([...OPERATOR, 'dispatch_case'], ['operator'])))).toBe(true);
    expect(can('cases.handle', sessionOf(answer([...OPERATOR, 'read_cases'], ['operator'])))).toBe(false);
  });

  test('the field page (no server action yet) opens to the roles the server says a user holds', () => {
    expect(can('field.patrol', sessionOf(answer(WORKER, ['grid_worker'])))).toBe(true);
    expect(can('field.patrol', sessionOf(answer(PLANNER, ['planner'])))).toBe(false);
    expect(can('cases.view', sessionOf(ANONYMOUS))).toBe(false);
  });

  test('the CSRF token is the signed-in session’s; signing out drops it', () => {
    setSession(answer(PLANNER, ['planner']));
    expect(csrfToken()).toBe('c0ffee');
    setSession(ANONYMOUS);
    expect(csrfToken()).toBeNull();
    expect(can('grids.edit')).toBe(false);
  });

  test('roles are listed once each, in the product’s order', () => {
    const u = answer([], ['auditor', 'planner', 'auditor']).user!;
    expect(rolesOf(u)).toEqual(['planner', 'auditor']);
  });

  test('listeners hear sign-in and sign-out', () => {
    const seen: (string | null)[] = [];
    const stop = onUserChange((u) => seen.push(u?.name ?? null));
    setSession(answer(AUDITOR, ['auditor'], 'auditor'));
    setSession(ANONYMOUS);
    stop();
    setSession(answer(AUDITOR, ['auditor'], 'auditor'));
    expect(seen).toEqual(['auditor', null]);
  });

  test('a fresh token for the same user and rights updates the token without rebuilding pages', () => {
    const seen: (string | null)[] = [];
    setSession(answer(PLANNER, ['planner'], 'planner'));
    const stop = onUserChange((u) => seen.push(u?.name ?? null));
    setSession({ ...answer(PLANNER, ['planner'], 'planner'), csrf_token: 'fresh' });
    expect(csrfToken()).toBe('fresh');
    expect(seen).toEqual([]);
    // Other rights (the admin changed the grants) are a change pages must show.
    setSession(answer(OPERATOR, ['operator'], 'planner'));
    expect(seen).toEqual(['planner']);
    stop();
  });
});
