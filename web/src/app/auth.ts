// The one sign-in state of the app. Today nobody signs in and everything is
// allowed, as before accounts exist; issue 10 (accounts) fills in `signIn`,
// the user and the role table, and every page already asks `can(action)`.

/** The roles of the standard's grid management (DB32/T 2763-2015) and of the product. */
export const ROLES = ['subdistrict_admin', 'planner', 'operator', 'grid_worker', 'department', 'auditor', 'public'] as const;
export type Role = (typeof ROLES)[number];

/** What a page may offer; a page asks before it shows a control. */
export const ACTIONS = [
  'grids.view',
  'grids.edit',
  'grids.import',
  'coverage.view',
  'cases.view',
  'cases.handle',
  'field.patrol',
  'admin.users',
  'admin.categories',
  'admin.calendars',
  'public.view',
] as const;
export type Action = (typeof ACTIONS)[number];

export interface User {
  id: number;
  name: string;
  role: Role;
}

/** What each role may do once accounts exist (issue 10 confirms it with the server's rules). */
export const PERMISSIONS: Record<Role, readonly Action[]> = {
  subdistrict_admin: ACTIONS,
  planner: ['grids.view', 'grids.edit', 'grids.import', 'coverage.view', 'public.view'],
  operator: ['grids.view', 'coverage.view', 'cases.view', 'cases.handle', 'public.view'],
  grid_worker: ['grids.view', 'field.patrol', 'cases.view', 'public.view'],
  department: ['grids.view', 'cases.view', 'cases.handle', 'public.view'],
  auditor: ['grids.view', 'coverage.view', 'cases.view', 'public.view'],
  public: ['public.view'],
};

type Listener = (user: User | null) => void;

let user: User | null = null;
const listeners = new Set<Listener>();

/** The signed-in user, or null. */
export function currentUser(): User | null {
  return user;
}

/**
 * Whether the UI may offer an action. With nobody signed in (no accounts
 * yet) everything is allowed, as the app behaved before issue 10.
 */
export function can(action: Action, who: User | null = user): boolean {
  if (who === null) return true;
  return PERMISSIONS[who.role].includes(action);
}

/** Set the signed-in user (issue 10: after POST /auth/sign-in; null signs out). */
export function setUser(next: User | null): void {
  user = next;
  for (const fn of listeners) fn(user);
}

export function onUserChange(fn: Listener): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
