// The command center's wall mode (大屏模式, `#/command?wall=1&rotate=20`): for
// the big screen of the command center. Full screen when entered by a click
// (the Fullscreen API needs one; opened by its address on a wall PC it fills
// the window, and a small button asks for full screen), large type, no
// controls of the page (no navigation, board, filters, forms or drawer). The
// counters stay on top; below them the views take turns every `rotate`
// seconds: (a) the map of open cases, (b) the overdue cases, (c) the counters
// by grid. Everything comes from what the page already holds, kept live by its
// feed, and from the API for today's intake and the on-time rate by grid.
// Escape, or the small exit button, leaves it (in full screen the browser's
// Escape ends full screen, which leaves it too); the arrow keys turn the views
// by hand. The page keeps its map: the wall borrows the map's element while it
// is shown and gives it back.

import { api, type Case } from '../../api';
import type { Route } from '../../app/routes';
import { lang, setLang, t, tf } from '../../i18n';
import { el } from '../../lib/dom';
import { asBBox } from '../../lib/geom';
import type { GridMap } from '../../map/map';
import { stageBadge } from './board';
import { dueText, formatTime } from './format';
import type { LiveState } from './live';
import { dueOf, startOfToday, type BoardState } from './model';
import type { Refs } from './refs';
import { gridTable, latest, nextView, overdueList, rotateSecs, statsByKey, WALL_VIEWS, type GridRow, type WallView } from './wall-model';

/** The most cases a list query answers (as the page's). */
const LIMIT = 1000;
/** Rows of the overdue view. */
const OVERDUE_ROWS = 10;
/** L2 grids of the grid view. */
const L2_ROWS = 10;
/** Newest reports in the foot. */
const LATEST = 3;
/** The grid view's figures from the API are read again at most this often when it comes round. */
const GRIDS_FRESH_MS = 5000;
const GRIDS_DEBOUNCE_MS = 800;

/** What the wall reads from the page. */
export interface WallHost {
  readonly state: BoardState;
  readonly refs: Refs;
  /** The server's clock, Unix seconds. */
  now(): number;
  /** The page's counters: today's intake and the on-time rate (null: none; undefined: not read yet). */
  counts(): { today: number | null; onTime: number | null | undefined; loaded: boolean; truncated: boolean };
  live(): LiveState;
  /** The page's map, once it is there. */
  map(): GridMap | null;
  /** Leave the wall (back to the page's address). */
  exit(): void;
}

/** Ask for full screen (on a click: browsers allow it only then); the wall works without it. */
export function requestFullscreen(): void {
  const d = document.documentElement;
  if (document.fullscreenElement || typeof d.requestFullscreen !== 'function') return;
  d.requestFullscreen().catch(() => undefined);
}

/** The page's button that enters the wall mode: full screen first (the click allows it), then the address. */
export function wallButton(go: () => void): HTMLButtonElement {
  const b = el('button', { type: 'button', className: 'btn', id: 'wall-start' });
  b.addEventListener('click', () => {
    requestFullscreen();
    go();
  });
  return b;
}

/** Show or leave the wall as the route says; answers the wall shown now (or null). */
export function syncWall(wall: Wall | null, r: Route, page: HTMLElement, mapWrap: HTMLElement, host: () => WallHost): Wall | null {
  if (!r.wall) {
    wall?.leave();
    return null;
  }
  if (wall) {
    wall.setRotate(r.rotate);
    return wall;
  }
  const w = new Wall(host(), r.rotate);
  w.enter(page, mapWrap);
  return w;
}

type Counter = 'today' | 'open' | 'overdue' | 'on-time';

export class Wall {
  readonly root: HTMLElement;
  private view: WallView = 'map';
  private secs: number;
  private rotateTimer: ReturnType<typeof setInterval> | null = null;
  private readonly clockTimer: ReturnType<typeof setInterval>;
  private gridsTimer: ReturnType<typeof setTimeout> | null = null;
  private home: { parent: HTMLElement; next: Node | null; page: HTMLElement; mapWrap: HTMLElement } | null = null;
  /** Where the page's map looked before the wall (given back with it). */
  private pageView: { center: [number, number]; zoom: number } | null = null;
  private full = false;
  private left = false;
  private readonly abort = new AbortController();
  /** Today's reports and the evaluation by grid, as last read (null: not yet). */
  private today: Case[] | null = null;
  private stats: ReturnType<typeof statsByKey> | null = null;
  private gridsAt = 0;
  private gridsFor: number | null | undefined = undefined;

  private readonly title = el('h1', { className: 'wall-title', id: 'wall-title' });
  private readonly clock = el('span', { className: 'wall-clock', id: 'wall-clock' });
  private readonly liveEl = el('span', { className: 'cmd-live wall-live', id: 'wall-live' });
  private readonly counterEls = new Map<Counter, { box: HTMLElement; value: HTMLElement; label: HTMLElement }>();
  private readonly counterList = el('div', { className: 'wall-counters', id: 'wall-counters' });
  private readonly views = new Map<WallView, HTMLElement>();
  private readonly viewTitles = new Map<WallView, HTMLElement>();
  private readonly mapSlot = el('div', { className: 'wall-map-slot' });
  private readonly mapCount = el('span', { className: 'wall-view-sub', id: 'wall-map-count' });
  private readonly overdueBody = el('div', { className: 'wall-view-body', id: 'wall-overdue' });
  private readonly overdueCount = el('span', { className: 'wall-view-sub', id: 'wall-overdue-count' });
  private readonly gridsBody = el('div', { className: 'wall-view-body wall-grids', id: 'wall-grids' });
  private readonly dots = el('ol', { className: 'wall-dots', id: 'wall-dots' });
  private readonly rotateEl = el('span', { className: 'wall-rotate', id: 'wall-rotate' });
  private readonly progress = el('div', { className: 'wall-progress', id: 'wall-progress' });
  private readonly latestEl = el('div', { className: 'wall-latest', id: 'wall-latest' });
  private readonly tools = el('div', { className: 'wall-tools', id: 'wall-tools' });
  private readonly fullButton = el('button', { type: 'button', className: 'btn btn-small wall-tool', id: 'wall-fullscreen' });
  private readonly langButton = el('button', { type: 'button', className: 'btn btn-small wall-tool', id: 'wall-lang' });
  private readonly exitButton = el('button', { type: 'button', className: 'btn btn-small wall-tool', id: 'wall-exit' });

  constructor(
    private readonly host: WallHost,
    rotate: number | undefined,
  ) {
    this.secs = rotateSecs(rotate);
    this.root = el('section', { className: 'wall', id: 'wall' });
    this.root.setAttribute('aria-labelledby', 'wall-title');
    for (const key of ['today', 'open', 'overdue', 'on-time'] as const) {
      const value = el('span', { className: 'wall-counter-value' });
      const label = el('span', { className: 'wall-counter-label' });
      const box = el('div', { className: 'wall-counter', dataset: { counter: key } }, value, label);
      this.counterEls.set(key, { box, value, label });
      this.counterList.append(box);
    }
    this.counterList.setAttribute('role', 'group');
    this.fullButton.addEventListener('click', () => requestFullscreen());
    this.langButton.addEventListener('click', () => setLang(lang() === 'zh' ? 'en' : 'zh'));
    this.exitButton.addEventListener('click', () => this.host.exit());
    this.tools.append(this.fullButton, this.langButton, this.exitButton);
    this.tools.setAttribute('role', 'group');

    const head = el(
      'header',
      { className: 'wall-head' },
      el('div', { className: 'wall-brand' }, this.title, el('div', { className: 'wall-meta' }, this.clock, this.liveEl)),
      this.counterList,
    );
    const viewEl = (v: WallView, ...body: HTMLElement[]) => {
      const h = el('h2', { className: 'wall-view-title' });
      this.viewTitles.set(v, h);
      const sub = v === 'map' ? this.mapCount : v === 'overdue' ? this.overdueCount : null;
      const section = el(
        'section',
        { className: `wall-view wall-view-${v}`, dataset: { view: v } },
        el('div', { className: 'wall-view-head' }, h, sub),
        ...body,
      );
      this.views.set(v, section);
      return section;
    };
    const stage = el(
      'div',
      { className: 'wall-stage' },
      viewEl('map', this.mapSlot),
      viewEl('overdue', this.overdueBody),
      viewEl('grids', this.gridsBody),
    );
    const foot = el(
      'footer',
      { className: 'wall-foot' },
      el('div', { className: 'wall-turns' }, this.dots, this.progress, this.rotateEl),
      this.latestEl,
      this.tools,
    );
    this.root.append(head, stage, foot);
    this.clockTimer = setInterval(() => this.renderClock(), 1000);
  }

  /** Cover the page with the wall, borrowing its map (`mapWrap`) for the map view. */
  enter(page: HTMLElement, mapWrap: HTMLElement): void {
    const parent = mapWrap.parentElement;
    if (!parent || !page.parentElement) return;
    this.home = { parent, next: mapWrap.nextSibling, page, mapWrap };
    this.mapSlot.append(mapWrap);
    page.hidden = true;
    page.after(this.root);
    document.documentElement.classList.add('wall-mode');
    this.full = !!document.fullscreenElement;
    document.addEventListener('fullscreenchange', this.onFullscreen);
    document.addEventListener('keydown', this.onKey);
    this.show('map');
    // The whole subdistrict on the wall's map, laid out with its counters (the page's view is given back on leaving).
    const gm = this.host.map();
    if (gm) {
      const c = gm.map.getCenter();
      this.pageView = { center: [c.lng, c.lat], zoom: gm.map.getZoom() };
      gm.map.resize();
      const bb = asBBox(this.host.refs.subdistricts[0]?.bbox);
      if (bb) gm.fitBBox(bb, { padding: 24, duration: 0 });
    }
  }

  /** Give the map back and show the page again (full screen ends too). */
  leave(): void {
    if (this.left) return;
    this.left = true;
    this.abort.abort();
    this.stopRotation();
    clearInterval(this.clockTimer);
    if (this.gridsTimer) clearTimeout(this.gridsTimer);
    document.removeEventListener('fullscreenchange', this.onFullscreen);
    document.removeEventListener('keydown', this.onKey);
    document.documentElement.classList.remove('wall-mode');
    if (document.fullscreenElement && typeof document.exitFullscreen === 'function') void document.exitFullscreen().catch(() => undefined);
    const home = this.home;
    if (home) {
      home.parent.insertBefore(home.mapWrap, home.next && home.next.parentNode === home.parent ? home.next : null);
      home.page.hidden = false;
    }
    const gm = this.host.map();
    if (gm) {
      gm.map.resize();
      if (this.pageView) gm.map.jumpTo(this.pageView);
    }
    this.root.remove();
    document.title = `${t('page.command.title')} · ${t('app.title')}`;
  }

  /** Another `rotate` in the address. */
  setRotate(rotate: number | undefined): void {
    const secs = rotateSecs(rotate);
    if (secs === this.secs) return;
    this.secs = secs;
    this.show(this.view);
  }

  /** Show a view and start its time. */
  show(view: WallView): void {
    this.view = view;
    this.root.dataset.view = view;
    this.root.dataset.rotate = String(this.secs);
    for (const [v, section] of this.views) {
      const on = v === view;
      section.classList.toggle('active', on);
      section.setAttribute('aria-hidden', String(!on));
    }
    this.stopRotation();
    if (this.secs > 0) this.rotateTimer = setInterval(() => this.show(nextView(this.view)), this.secs * 1000);
    // The bar that fills until the next view: a new element restarts its animation.
    const bar = el('span', { className: 'wall-progress-bar' });
    if (this.secs > 0) bar.style.animationDuration = `${this.secs}s`;
    this.progress.replaceChildren(bar);
    this.progress.hidden = this.secs === 0;
    // The figures by grid are read again when they come round (unless just read and nothing was reported since).
    if (view === 'grids' && (Date.now() - this.gridsAt > GRIDS_FRESH_MS || this.host.counts().today !== this.gridsFor))
      void this.loadGrids();
    this.render();
  }

  /** Draw what the page holds now (after every change of the page: an event, a tick, the language). */
  render(): void {
    if (this.left) return;
    const h = this.host;
    const now = h.now();
    const c = h.counts();
    document.title = `${t('cmd.wall.title')} · ${t('app.title')}`;
    this.root.setAttribute('aria-label', t('cmd.wall.title'));
    setText(this.title, t('cmd.wall.title'));
    this.renderClock();
    const live = h.live();
    setText(this.liveEl, live === 'on' ? t('cmd.live.on') : live === 'connecting' ? t('cmd.live.connecting') : t('cmd.live.off'));
    this.liveEl.className = `cmd-live wall-live ${live}`;
    this.liveEl.dataset.state = live;

    const open = h.state.cases.size;
    const overdue = h.state.overdue(now);
    const more = (n: number, cut: boolean) => (cut ? tf('cmd.count.more', { n }) : String(n));
    const values: Record<Counter, [string, string]> = {
      today: [t('cmd.count.today'), c.today === null ? t('value.none') : more(c.today, c.today >= LIMIT)],
      open: [t('cmd.count.open'), c.loaded ? more(open, c.truncated) : t('value.none')],
      overdue: [t('cmd.count.overdue'), c.loaded ? String(overdue) : t('value.none')],
      'on-time': [t('cmd.count.onTime'), rate(c.onTime)],
    };
    for (const [key, [label, value]] of Object.entries(values) as [Counter, [string, string]][]) {
      const e = this.counterEls.get(key)!;
      setText(e.label, label);
      setText(e.value, value);
    }
    this.counterEls.get('overdue')!.box.classList.toggle('warn', overdue > 0);
    this.counterList.setAttribute('aria-label', t('cmd.counters'));

    for (const [v, title] of this.viewTitles) setText(title, t(`cmd.wall.view.${v}`));
    setText(this.mapCount, tf('cmd.wall.map.count', { n: open }));
    setText(this.overdueCount, tf('cmd.wall.overdue.count', { n: overdue }));
    if (this.view === 'overdue') this.renderOverdue(now);
    if (this.view === 'grids') {
      this.renderGrids(now);
      // A new report changes today's intake: read the figures by grid again.
      if (c.today !== this.gridsFor && this.gridsAt > 0) this.gridsSoon();
    }
    this.renderFoot();
    this.tools.setAttribute('aria-label', t('cmd.wall.tools'));
    this.fullButton.hidden = this.full || typeof document.documentElement.requestFullscreen !== 'function';
    setText(this.fullButton, t('cmd.wall.fullscreen'));
    setText(this.langButton, t('lang.switch'));
    this.langButton.title = t('lang.switch.title');
    this.langButton.lang = lang() === 'zh' ? 'en' : 'zh-CN';
    setText(this.exitButton, t('cmd.wall.exit'));
    this.exitButton.title = t('cmd.wall.exitTitle');
  }

  private renderClock(): void {
    const d = new Date(this.host.now() * 1000);
    const text = d.toLocaleString(lang() === 'zh' ? 'zh-CN' : 'en-GB', {
      month: 'short',
      day: 'numeric',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
    });
    setText(this.clock, text);
  }

  private renderOverdue(now: number): void {
    const { refs, state } = this.host;
    const list = overdueList(state.cases.values(), now, OVERDUE_ROWS);
    const head = el(
      'tr',
      {},
      ...(['number', 'category', 'grid', 'stage', 'due'] as const).map((k) =>
        el('th', { scope: 'col', textContent: t(`cmd.wall.col.${k}`) }),
      ),
    );
    const row = (c: Case) => {
      const due = dueOf(c, now);
      return el(
        'tr',
        { className: `wall-case due-${due}`, dataset: { number: c.number, due } },
        el('td', { className: 'wall-num', textContent: c.number }),
        el('td', { textContent: refs.categoryName(c.category) }),
        el('td', { textContent: refs.gridOf(c) }),
        el('td', {}, stageBadge(c.stage)),
        el('td', { className: `wall-due due-${due}`, textContent: dueText(c, now) }),
      );
    };
    const rows: HTMLElement[] = list.overdue.map(row);
    if (list.near.length)
      rows.push(
        el('tr', { className: 'wall-subhead' }, el('th', { colSpan: 5, scope: 'colgroup', textContent: t('cmd.wall.overdue.near') })),
        ...list.near.map(row),
      );
    const parts: HTMLElement[] = [];
    if (!list.overdue.length)
      parts.push(el('p', { className: 'wall-good', id: 'wall-overdue-none', textContent: t('cmd.wall.overdue.none') }));
    if (rows.length) parts.push(el('table', { className: 'wall-table' }, el('thead', {}, head), el('tbody', {}, ...rows)));
    if (list.more > 0) parts.push(el('p', { className: 'wall-note', textContent: tf('cmd.wall.overdue.more', { n: list.more }) }));
    this.overdueBody.replaceChildren(...parts);
  }

  private renderGrids(now: number): void {
    const { refs, state } = this.host;
    const table = gridTable(refs.grids.values(), state.cases.values(), this.today, this.stats, now, L2_ROWS);
    const head = el(
      'tr',
      {},
      el('th', { scope: 'col', textContent: t('cmd.wall.col.grid') }),
      ...(['today', 'open', 'overdue', 'onTime'] as const).map((k) =>
        el('th', { scope: 'col', className: 'wall-n', textContent: t(`cmd.wall.col.${k}`) }),
      ),
    );
    const num = (n: number | null) => (n === null ? t('value.none') : String(n));
    const row = (r: GridRow) =>
      el(
        'tr',
        { className: r.overdue > 0 ? 'wall-grid warn' : 'wall-grid', dataset: { grid: String(r.id), level: String(r.level) } },
        el('th', { scope: 'row', textContent: r.name }),
        el('td', { className: 'wall-n', dataset: { col: 'today' }, textContent: num(r.today) }),
        el('td', { className: 'wall-n', dataset: { col: 'open' }, textContent: String(r.open) }),
        el('td', { className: 'wall-n wall-n-overdue', dataset: { col: 'overdue' }, textContent: String(r.overdue) }),
        el('td', { className: 'wall-n', dataset: { col: 'on-time' }, textContent: rate(r.onTime) }),
      );
    const block = (id: string, title: string, rows: GridRow[], notes: string[]) =>
      el(
        'div',
        { className: 'wall-grid-block', id },
        el('h3', { textContent: title }),
        el('table', { className: 'wall-table' }, el('thead', {}, head.cloneNode(true) as HTMLElement), el('tbody', {}, ...rows.map(row))),
        ...notes.map((n) => el('p', { className: 'wall-note', textContent: n })),
      );
    const l2Notes = [
      ...(table.l2.length ? [] : [t('cmd.wall.grids.none')]),
      ...(table.moreL2 > 0 ? [tf('cmd.wall.grids.more', { n: table.moreL2 })] : []),
      t('cmd.wall.grids.note'),
    ];
    this.gridsBody.replaceChildren(
      block('wall-grids-l1', t('cmd.wall.grids.l1'), table.l1, []),
      block('wall-grids-l2', t('cmd.wall.grids.l2'), table.l2, l2Notes),
    );
  }

  private renderFoot(): void {
    const { refs, state } = this.host;
    this.dots.setAttribute('aria-label', t('cmd.wall.views'));
    this.dots.replaceChildren(
      ...WALL_VIEWS.map((v) => {
        const li = el('li', { className: v === this.view ? 'on' : '', textContent: t(`cmd.wall.view.${v}`), dataset: { view: v } });
        if (v === this.view) li.setAttribute('aria-current', 'step');
        return li;
      }),
    );
    setText(this.rotateEl, this.secs > 0 ? tf('cmd.wall.rotate', { s: this.secs }) : t('cmd.wall.still'));
    const newest = latest(state.cases.values(), LATEST);
    const items = newest.map((c) =>
      el(
        'li',
        { dataset: { number: c.number } },
        el('span', { className: 'wall-num', textContent: c.number }),
        ` ${refs.categoryName(c.category)} · ${refs.gridOf(c)} · ${formatTime(c.reported_at)}`,
      ),
    );
    this.latestEl.replaceChildren(
      el('span', { className: 'wall-latest-label', textContent: t('cmd.wall.latest') }),
      items.length ? el('ol', { className: 'wall-latest-list' }, ...items) : el('span', { textContent: t('cmd.wall.latest.none') }),
    );
  }

  /** Read today's reports and the evaluation by grid (for the grid view). */
  private async loadGrids(): Promise<void> {
    this.gridsAt = Date.now();
    const at = this.host.now();
    this.gridsFor = this.host.counts().today;
    const signal = this.abort.signal;
    const [today, stats] = await Promise.allSettled([
      api.cases({ since: startOfToday(at), limit: LIMIT }, signal),
      api.caseStats({ from: Math.floor(at - 30 * 86400), group_by: 'grid' }, signal),
    ]);
    if (this.left) return;
    if (today.status === 'fulfilled') this.today = today.value;
    if (stats.status === 'fulfilled') this.stats = statsByKey(stats.value.rows);
    this.render();
  }

  private gridsSoon(): void {
    if (this.gridsTimer) return;
    this.gridsFor = this.host.counts().today;
    this.gridsTimer = setTimeout(() => {
      this.gridsTimer = null;
      void this.loadGrids();
    }, GRIDS_DEBOUNCE_MS);
  }

  private stopRotation(): void {
    if (this.rotateTimer) clearInterval(this.rotateTimer);
    this.rotateTimer = null;
  }

  private readonly onFullscreen = () => {
    if (document.fullscreenElement) this.full = true;
    else if (this.full) {
      // Full screen ended (the browser's Escape): the wall ends with it.
      this.full = false;
      this.host.exit();
      return;
    }
    this.render();
  };

  private readonly onKey = (e: KeyboardEvent) => {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.key === 'Escape') {
      e.preventDefault();
      this.host.exit();
    } else if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
      e.preventDefault();
      this.show(nextView(this.view, e.key === 'ArrowRight' ? 1 : -1));
    }
  };
}

function setText(e: HTMLElement, text: string): void {
  if (e.textContent !== text) e.textContent = text;
}

function rate(r: number | null | undefined): string {
  return r === undefined || r === null ? t('value.none') : `${(r * 100).toFixed(1)}%`;
}
