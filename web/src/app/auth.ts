// The one sign-in state of the app: who is signed in and what they may do, as
// the server's `GET /api/v1/auth/me` (or the sign-in answer) says. `can(action)`
// is decided from the server's `actions` list, never guessed from a role on
// the client; a visitor who is not signed in gets the server's anonymous
// actions (published information only). Pure: the calls that fill it are in
// src/app/session.ts.

/** The roles of the standard's grid management (DB32/T 2763-2015) and of the product. */
export const ROLES = ['subdistrict_admin', 'planner', 'operator', 'grid_worker', 'department', 'auditor', 'public'] as const;
export type Role = (typeof ROLES)[number];

/** What a page may offer; a page asks before it shows a control. */
export const ACTIONS = [
  'grids.view',
  'grids.edit',
  'grids.import',
  'grids.history',
  'coverage.view',
  'audit.view',
  'personal.view',
  'cases.view',
  'cases.report',
  'cases.handle',
  'field.patrol',
  'admin.users',
  'admin.categories',
  'admin.calendars',
  'public.view',
  'households.view',
  'households.list',
  'households.visit',
  'households.import',
  'patrols.view',
] as const;
export type Action = (typeof ACTIONS)[number];

/** The server's action names (`domain/access.rs`, `Action`), as `/auth/me` lists them. */
export const SERVER_ACTIONS = [
  'read_published',
  'lookup',
  'read_coverage',
  'read_code_history',
  'edit_grids',
  'import_grids',
  'read_audit_log',
  'read_personal',
  'manage_accounts',
  'report_case',
  'read_cases',
  'read_reporter',
  'dispatch_case',
  'handle_case',
  'verify_case',
  'read_case_stats',
  'manage_case_setup',
  'record_track',
  'manage_tracks',
  'read_patrols',
  'read_households',
  'manage_households',
  'record_visit',
  'read_household_stats',
  'manage_teams',
] as const;
export type ServerAction = (typeof SERVER_ACTIONS)[number];

/** What each of the server's actions opens in the app. */
export const FROM_SERVER: Record<ServerAction, readonly Action[]> = {
  read_published: ['grids.view', 'public.view'],
  lookup: [],
  read_coverage: ['coverage.view'],
  read_code_history: ['grids.history'],
  edit_grids: ['grids.edit'],
  import_grids: ['grids.import'],
  read_audit_log: ['audit.view'],
  read_personal: ['personal.view'],
  manage_accounts: ['admin.users'],
  report_case: ['cases.report'],
  read_cases: ['cases.view'],
  read_reporter: [],
  dispatch_case: ['cases.handle'],
  handle_case: ['cases.handle'],
  verify_case: ['cases.handle'],
  read_case_stats: ['cases.view'],
  manage_case_setup: ['admin.categories', 'admin.calendars'],
  record_track: ['field.patrol'],
  manage_tracks: [],
  read_patrols: ['patrols.view'],
  read_households: ['households.view', 'households.list'],
  manage_households: ['households.view', 'households.import'],
  record_visit: ['households.visit'],
  read_household_stats: ['households.view'],
  manage_teams: [],
};

/**
 * The field page (patrols: issue 13) opens by the server's `record_track`; it
 * also opens to the roles that hold it, for a server from before that action.
 * Cases open by the server's case actions.
 */
export const TO_COME: Partial<Record<Role, readonly Action[]>> = {
  subdistrict_admin: ['field.patrol'],
  grid_worker: ['field.patrol'],
};

/** A role over a scope of the grid tree (`all`, `subdistrict:1`, `grid:42`). */
export interface Grant {
  role: Role;
  scope: string;
  /** The role's Chinese title as the server writes it. */
  role_zh?: string;
}

export interface User {
  id: number;
  name: string;
  display_name?: string | null;
  grants: Grant[];
}

/** The answer of `GET /api/v1/auth/me` and of `POST /api/v1/auth/sign-in`. */
export interface SessionAnswer {
  user: User | null;
  actions: string[];
  csrf_token?: string | null;
  /** Unix seconds. */
  expires_at?: number | null;
}

/** What the server lets a visitor who is not signed in do (and what the app assumes before it has asked). */
export const ANONYMOUS: SessionAnswer = { user: null, actions: ['read_published', 'lookup'], csrf_token: null, expires_at: null };

export interface Session {
  user: User | null;
  /** The server's actions, as sent. */
  serverActions: readonly string[];
  /** The app's actions they open. */
  actions: ReadonlySet<Action>;
  csrfToken: string | null;
  expiresAt: number | null;
}

/** The app's actions of a server answer (unknown server actions are ignored). */
export function actionsOf(answer: SessionAnswer): Set<Action> {
  const out = new Set<Action>();
  for (const a of answer.actions) {
    const opens = (FROM_SERVER as Record<string, readonly Action[] | undefined>)[a];
    for (const x of opens ?? []) out.add(x);
  }
  for (const g of answer.user?.grants ?? []) for (const x of TO_COME[g.role] ?? []) out.add(x);
  return out;
}

export function sessionOf(answer: SessionAnswer): Session {
  return {
    user: answer.user,
    serverActions: [...answer.actions],
    actions: actionsOf(answer),
    csrfToken: answer.user ? (answer.csrf_token ?? null) : null,
    expiresAt: answer.expires_at ?? null,
  };
}

type Listener = (user: User | null) => void;

let session: Session = sessionOf(ANONYMOUS);
const listeners = new Set<Listener>();

/** The signed-in user, or null. */
export function currentUser(): User | null {
  return session.user;
}

export function currentSession(): Session {
  return session;
}

/** The token every write of this session carries (`X-CSRF-Token`), or null. */
export function csrfToken(): string | null {
  return session.csrfToken;
}

/** Whether the UI may offer an action: the server's answer decides. */
export function can(action: Action, who: Session = session): boolean {
  return who.actions.has(action);
}

/** The roles a user holds, each once, in the product's order. */
export function rolesOf(user: User): Role[] {
  const held = new Set(user.grants.map((g) => g.role));
  return ROLES.filter((r) => held.has(r));
}

/** Set the session from the server's answer (sign-in, `/auth/me`); `ANONYMOUS` signs out. */
export function setSession(answer: SessionAnswer): void {
  const before = session;
  session = sessionOf(answer);
  // The same user with the same rights (a fresh CSRF token, a later expiry):
  // nothing a page shows changed, so no page is rebuilt (an edit under way survives).
  const same =
    before.user?.id === session.user?.id &&
    before.serverActions.length === session.serverActions.length &&
    before.serverActions.every((a, i) => a === session.serverActions[i]);
  if (same && (before.user !== null) === (session.user !== null)) return;
  for (const fn of listeners) fn(session.user);
}

/** Call `fn` after every change of the session (sign-in, sign-out, expiry); returns the stop function. */
export function onUserChange(fn: Listener): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
