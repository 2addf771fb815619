// The app's addresses. Hash routes (`#/editor/grid/33?map=16.5/31.3/120.6`):
// the built app is plain relative files that work under any prefix, and every
// deep link (a grid, a case, a map view) survives a reload or a share.
// Pure functions: parse and format are inverse (unit-tested).

export const PAGES = [
  'editor',
  'coverage',
  'command',
  'field',
  'public',
  'admin',
  'audit',
  'households',
  'patrols',
  'signin',
  'notfound',
] as const;
export type PageName = (typeof PAGES)[number];

export const ADMIN_SECTIONS = ['users', 'categories', 'calendars'] as const;
export type AdminSection = (typeof ADMIN_SECTIONS)[number];

/** A map view: zoom, latitude, longitude (the order of MapLibre's own hash). */
export interface MapView {
  zoom: number;
  lat: number;
  lng: number;
}

export interface Route {
  page: PageName;
  /** A grid id (editor, coverage, public, households). */
  grid?: number;
  /** A case number such as 2026-000123 (command center). */
  caseNumber?: string;
  /** The command center's wall mode (大屏模式, `?wall=1`): never with a case open. */
  wall?: boolean;
  /** Wall mode: seconds each view stays (`&rotate=20`; 0: no rotation). */
  rotate?: number;
  /** An admin section. */
  section?: AdminSection;
  /** A map view to open at, instead of fitting the subdistrict. */
  view?: MapView;
  /** Sign-in: the address (a hash without `#`) to return to once signed in. */
  next?: string;
  /** Sign-in: why the page is shown (the session ended, or the page needs a sign-in). */
  reason?: SignInReason;
}

export const SIGN_IN_REASONS = ['expired', 'required'] as const;
export type SignInReason = (typeof SIGN_IN_REASONS)[number];

/** A case number: year, dash, six digits. */
export const CASE_NUMBER = /^\d{4}-\d{6}$/;

export const DEFAULT_ROUTE: Route = { page: 'editor' };

function parseView(v: string | null): MapView | undefined {
  if (!v) return undefined;
  const parts = v.split('/').map(Number);
  if (parts.length !== 3 || parts.some((n) => !Number.isFinite(n))) return undefined;
  const [zoom, lat, lng] = parts;
  if (zoom < 0 || zoom > 24 || Math.abs(lat) > 90 || Math.abs(lng) > 180) return undefined;
  return { zoom, lat, lng };
}

function parseId(s: string | undefined): number | undefined {
  return s && /^\d+$/.test(s) ? Number(s) : undefined;
}

/** The route a location hash names (anything unknown is the not-found page). */
export function parseRoute(hash: string): Route {
  const h = hash.replace(/^#/, '');
  // Links of the single-page app before routes: #grid=ID.
  const legacy = /^grid=(\d+)$/.exec(h);
  if (legacy) return { page: 'editor', grid: Number(legacy[1]) };
  if (h === '' || h === '/') return { ...DEFAULT_ROUTE };
  const q = h.indexOf('?');
  const pathPart = q < 0 ? h : h.slice(0, q);
  const queryPart = q < 0 ? '' : h.slice(q + 1);
  const params = new URLSearchParams(queryPart);
  const seg = pathPart
    .replace(/^\/+|\/+$/g, '')
    .split('/')
    .map(decodeURIComponent);
  const view = parseView(params.get('map'));
  const withView = (r: Route): Route => (view ? { ...r, view } : r);
  const [page, a, b, ...rest] = seg;
  if (rest.length) return { page: 'notfound' };
  switch (page) {
    case 'editor':
    case 'coverage':
    case 'public':
    case 'households': {
      if (a === undefined) return withView({ page });
      const grid = a === 'grid' ? parseId(b) : undefined;
      return grid === undefined ? { page: 'notfound' } : withView({ page, grid });
    }
    case 'command': {
      if (a === undefined) {
        if (params.get('wall') !== '1') return withView({ page });
        const rotate = params.get('rotate');
        return withView(rotate !== null && /^\d{1,5}$/.test(rotate) ? { page, wall: true, rotate: Number(rotate) } : { page, wall: true });
      }
      return a === 'case' && b && CASE_NUMBER.test(b) ? withView({ page, caseNumber: b }) : { page: 'notfound' };
    }
    case 'admin': {
      if (a === undefined) return { page };
      return (ADMIN_SECTIONS as readonly string[]).includes(a) && b === undefined
        ? { page, section: a as AdminSection }
        : { page: 'notfound' };
    }
    case 'field':
    case 'patrols':
      return a === undefined ? withView({ page }) : { page: 'notfound' };
    case 'audit':
      return a === undefined ? { page } : { page: 'notfound' };
    case 'signin': {
      if (a !== undefined) return { page: 'notfound' };
      const r: Route = { page };
      const next = params.get('next');
      // Only an address of the app itself (`/editor/…`), never another sign-in.
      if (next && next.startsWith('/') && !next.startsWith('//') && parseRoute(`#${next}`).page !== 'signin') r.next = next;
      const reason = params.get('reason');
      if ((SIGN_IN_REASONS as readonly (string | null)[]).includes(reason)) r.reason = reason as SignInReason;
      return r;
    }
    default:
      return { page: 'notfound' };
  }
}

function formatView(v: MapView): string {
  return `${v.zoom.toFixed(2)}/${v.lat.toFixed(6)}/${v.lng.toFixed(6)}`;
}

/** The location hash of a route (`#/…`). */
export function formatRoute(r: Route): string {
  let path: string;
  switch (r.page) {
    case 'editor':
    case 'coverage':
    case 'public':
    case 'households':
      path = r.grid === undefined ? `/${r.page}` : `/${r.page}/grid/${r.grid}`;
      break;
    case 'command':
      if (r.caseNumber) {
        path = `/command/case/${encodeURIComponent(r.caseNumber)}`;
        break;
      }
      if (r.wall) {
        const wall = `wall=1${r.rotate === undefined ? '' : `&rotate=${r.rotate}`}`;
        return `#/command?${r.view ? `map=${formatView(r.view)}&` : ''}${wall}`;
      }
      path = '/command';
      break;
    case 'admin':
      path = r.section ? `/admin/${r.section}` : '/admin';
      break;
    case 'signin': {
      const q = new URLSearchParams();
      if (r.next) q.set('next', r.next);
      if (r.reason) q.set('reason', r.reason);
      const qs = q.toString();
      return `#/signin${qs ? `?${qs}` : ''}`;
    }
    default:
      path = `/${r.page}`;
  }
  return `#${path}${r.view ? `?map=${formatView(r.view)}` : ''}`;
}

/** The address of a route as a sign-in's `next` (the hash without `#`). */
export function nextOf(r: Route): string {
  return formatRoute(r).slice(1);
}

/** Two routes name the same place (a map view counts as equal within its printed precision). */
export function sameRoute(a: Route, b: Route): boolean {
  return formatRoute(a) === formatRoute(b);
}
