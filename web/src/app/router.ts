// The router: one page mounted at a time in the page container; a hash change
// to another route of the same page updates it in place (no remount, so the
// map stays), a change of page unmounts the old one. Each page names the
// action that opens it: a visitor who is not signed in is sent to the sign-in
// page (and back afterwards), a signed-in user whose role lacks the action
// sees the "no access" page. A change of who is signed in rebuilds the page,
// so it offers only what the new session may do.

import { can, currentUser, onUserChange, type Action } from './auth';
import { formatRoute, nextOf, parseRoute, sameRoute, type PageName, type Route } from './routes';

/** A mounted page. */
export interface Page {
  /** The route changed but names the same page (e.g. another grid selected). */
  update(route: Route): void;
  /** The page is left: remove its map, listeners and timers. */
  unmount(): void;
}

export type PageFactory = (root: HTMLElement, route: Route, router: Router) => Page;

/** A page of the route table: how to mount it and the action that opens it (null: anyone). */
export interface PageEntry {
  mount: PageFactory;
  needs: Action | null;
}

export class Router {
  private current: { name: PageName | 'forbidden'; page: Page } | null = null;
  private route: Route = parseRoute(location.hash);
  private readonly listeners = new Set<(r: Route) => void>();

  constructor(
    private readonly root: HTMLElement,
    private readonly pages: Record<PageName, PageEntry>,
    /** Shown instead of a page the signed-in role may not use. */
    private readonly forbidden: PageFactory,
  ) {
    window.addEventListener('hashchange', () => {
      const r = parseRoute(location.hash);
      if (!sameRoute(r, this.route) || !this.current) this.apply(r);
    });
    // The sign-in page goes on by itself once signed in; every other page is rebuilt.
    onUserChange(() => {
      if (this.current && this.route.page !== 'signin') this.remount();
    });
  }

  start(): void {
    this.apply(parseRoute(location.hash));
  }

  now(): Route {
    return this.route;
  }

  /** Whether the session may open a page. */
  mayOpen(page: PageName): boolean {
    const needs = this.pages[page].needs;
    return needs === null || can(needs);
  }

  /** Go to a route; `replace` keeps the browser history as it is (selection, map moves, sign-in). */
  go(route: Route, opts: { replace?: boolean } = {}): void {
    const hash = formatRoute(route);
    if (opts.replace) history.replaceState(null, '', hash);
    else if (location.hash !== hash) history.pushState(null, '', hash);
    this.apply(route);
  }

  /** Record a route in the address bar without telling the page (it already shows it). */
  record(route: Route): void {
    // A page records only its own address: when another page is shown, or the
    // address already names another page (a navigation whose hashchange has not
    // been handled yet), the record is stale and would undo that navigation.
    if (route.page !== this.route.page || parseRoute(location.hash).page !== route.page) return;
    this.route = route;
    const hash = formatRoute(route);
    if (location.hash !== hash) history.replaceState(null, '', hash);
    for (const fn of this.listeners) fn(route);
  }

  onChange(fn: (r: Route) => void): void {
    this.listeners.add(fn);
  }

  /** Build the current page anew (the session changed). */
  remount(): void {
    this.current?.page.unmount();
    this.current = null;
    this.apply(this.route);
  }

  private apply(route: Route): void {
    if (!this.mayOpen(route.page) && currentUser() === null) {
      // Sign in first, then come back here; the page itself is not kept in the history.
      route = { page: 'signin', next: nextOf(route), reason: 'required' };
    }
    const canonical = formatRoute(route);
    // Legacy and empty hashes are rewritten to the canonical address.
    if (location.hash !== canonical) history.replaceState(null, '', canonical);
    const prev = this.route;
    this.route = route;
    const name = this.mayOpen(route.page) ? route.page : 'forbidden';
    if (this.current && this.current.name === name && name !== 'forbidden') {
      if (!sameRoute(prev, route)) this.current.page.update(route);
    } else {
      this.current?.page.unmount();
      this.root.replaceChildren();
      const factory = name === 'forbidden' ? this.forbidden : this.pages[name].mount;
      this.current = { name, page: factory(this.root, route, this) };
    }
    for (const fn of this.listeners) fn(route);
  }
}
