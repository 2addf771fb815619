// The router: one page mounted at a time in the page container; a hash change
// to another route of the same page updates it in place (no remount, so the
// map stays), a change of page unmounts the old one.

import { formatRoute, parseRoute, sameRoute, type PageName, type Route } from './routes';

/** A mounted page. */
export interface Page {
  /** The route changed but names the same page (e.g. another grid selected). */
  update(route: Route): void;
  /** The page is left: remove its map, listeners and timers. */
  unmount(): void;
}

export type PageFactory = (root: HTMLElement, route: Route, router: Router) => Page;

export class Router {
  private current: { name: PageName; page: Page } | null = null;
  private route: Route = parseRoute(location.hash);
  private readonly listeners = new Set<(r: Route) => void>();

  constructor(
    private readonly root: HTMLElement,
    private readonly pages: Record<PageName, PageFactory>,
  ) {
    window.addEventListener('hashchange', () => this.apply(parseRoute(location.hash)));
  }

  start(): void {
    this.apply(parseRoute(location.hash));
  }

  now(): Route {
    return this.route;
  }

  /** Go to a route; `replace` keeps the browser history as it is (selection, map moves). */
  go(route: Route, opts: { replace?: boolean } = {}): void {
    const hash = formatRoute(route);
    if (opts.replace) {
      history.replaceState(null, '', hash);
      this.apply(route);
    } else if (location.hash !== hash) {
      location.hash = hash; // hashchange applies it
    } else {
      this.apply(route);
    }
  }

  /** Record a route in the address bar without telling the page (it already shows it). */
  record(route: Route): void {
    this.route = route;
    const hash = formatRoute(route);
    if (location.hash !== hash) history.replaceState(null, '', hash);
    for (const fn of this.listeners) fn(route);
  }

  onChange(fn: (r: Route) => void): void {
    this.listeners.add(fn);
  }

  private apply(route: Route): void {
    const canonical = formatRoute(route);
    // Legacy and empty hashes are rewritten to the canonical address.
    if (location.hash !== canonical) history.replaceState(null, '', canonical);
    const prev = this.route;
    this.route = route;
    if (this.current && this.current.name === route.page) {
      if (!sameRoute(prev, route)) this.current.page.update(route);
    } else {
      this.current?.page.unmount();
      this.root.replaceChildren();
      this.current = { name: route.page, page: this.pages[route.page](this.root, route, this) };
    }
    for (const fn of this.listeners) fn(route);
  }
}
