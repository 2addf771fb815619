// The public grid page (网格公示, no sign-in): a grid's boundary on the map,
// its code, name, level, the grid it belongs to and the grids within it, its
// duties (clause 9) and service domains (clause 7), and its service team's
// names, roles and the phones marked public — all from GET /published/grids/{id},
// which carries no other personal data. A print stylesheet turns the page into
// the grid's A4 notice (公示牌) with a QR code of this page (SVG from the server).

import type { MapMouseEvent } from 'maplibre-gl';
import { ApiError, api, type PublishedGrid, type TreeNode } from '../api';
import { inspect } from '../app/inspect';
import type { PageFactory } from '../app/router';
import { formatRoute, type Route } from '../app/routes';
import { levelName, onLangChange, t, tf } from '../i18n';
import { btn, el } from '../lib/dom';
import { asBBox, geometryBBox } from '../lib/geom';
import { FOCUS_SOURCE, GridMap } from '../map/map';

interface Flat {
  id: number;
  code: string;
  name: string;
  level: number;
}

function flatten(tree: TreeNode[]): Flat[] {
  const out: Flat[] = [];
  const walk = (nodes: TreeNode[]) => {
    for (const n of nodes) {
      out.push({ id: n.id, code: n.code, name: n.name, level: n.level });
      walk(n.children);
    }
  };
  for (const r of tree) walk(r.children);
  return out;
}

/** The team's rows as shown: role, name, the phone marked public (else a dash), in the order given. */
export function teamRows(p: Pick<PublishedGrid, 'team'>): [string, string, string][] {
  return p.team.map((m) => [m.role_zh, m.name, m.phone ?? '—']);
}

/** The service domains as shown: 民生保障（7.1）. */
export function serviceLabels(p: Pick<PublishedGrid, 'services'>): string[] {
  return p.services.map((x) => `${x[1] ?? ''}（${x[0] ?? ''}）`);
}

/** The team: role, name, the phone marked public (else a dash). */
function teamTable(p: PublishedGrid, id = 'public-team'): HTMLElement {
  if (!p.team.length) return el('p', { className: 'muted', id, textContent: t('page.public.teamNone') });
  const head = el(
    'tr',
    {},
    el('th', { textContent: t('page.public.role') }),
    el('th', { textContent: t('page.public.person') }),
    el('th', { textContent: t('page.public.phone') }),
  );
  const rows = teamRows(p).map(([role, name, phone], i) =>
    el(
      'tr',
      { dataset: { role: p.team[i]?.role ?? '' } },
      el('td', { textContent: role }),
      el('td', { textContent: name }),
      el('td', { textContent: phone }),
    ),
  );
  return el('table', { className: 'public-team', id }, el('thead', {}, head), el('tbody', {}, ...rows));
}

/** The level's duties, clause by clause. */
function dutyList(p: PublishedGrid, id = 'public-duties'): HTMLElement {
  return el(
    'div',
    { className: 'public-duties', id },
    ...p.duties.map((d) =>
      el(
        'section',
        { dataset: { clause: d.clause } },
        el('h3', { textContent: `${d.clause} ${d.title}` }),
        el('ul', {}, ...d.items.map((i) => el('li', { textContent: i[1] ?? '' }))),
      ),
    ),
  );
}

/** The six service domains. */
function serviceList(p: PublishedGrid): HTMLElement {
  return el('ul', { className: 'public-services', id: 'public-services' }, ...serviceLabels(p).map((x) => el('li', { textContent: x })));
}

export const publicPage: PageFactory = (root, route, router) => {
  let current: Route = route;
  let gm: GridMap | null = null;
  let gone = false;
  let grids: Flat[] = [];
  let feature: PublishedGrid | null = null;
  /** The notice's QR code (the grid's), once fetched. */
  let qr: Element | null = null;
  let error: string | null = null;
  let query = '';
  /** Each grid's parent, from the tree (which holds no personal data). */
  const parents = new Map<number, number | null>();
  const card = el('section', { className: 'public-card', id: 'public-card' });
  card.setAttribute('aria-live', 'polite');
  const mapEl = el('div', { className: 'map public-map', id: 'map' });
  mapEl.setAttribute('role', 'region');
  /** The A4 notice: shown only in print (style.css). */
  const notice = el('section', { className: 'public-notice', id: 'public-notice' });
  root.append(el('div', { className: 'public-page' }, card, mapEl), notice);
  inspect.page = { map: null, selected: () => current.grid ?? null };

  const show = (r: Route) => router.go(r);

  const render = () => {
    document.title = `${t('page.public.title')} · ${t('app.title')}`;
    mapEl.setAttribute('aria-label', t('map.aria'));
    const parts: Node[] = [el('h1', { id: 'page-title', textContent: t('page.public.title') })];
    if (current.grid === undefined) {
      parts.push(el('p', { className: 'muted', textContent: t('page.public.intro') }));
      const input = el('input', { type: 'search', id: 'public-search', value: query, placeholder: t('page.public.search') });
      input.setAttribute('aria-label', t('page.public.search'));
      const list = el('ul', { className: 'public-list', id: 'public-list' });
      const fill = () => {
        const q = query.trim().toLowerCase();
        const hits = grids.filter((g) => !q || g.code.includes(q) || g.name.toLowerCase().includes(q)).slice(0, 50);
        list.replaceChildren(
          ...hits.map((g) =>
            el(
              'li',
              {},
              el('a', { href: formatRoute({ page: 'public', grid: g.id }), textContent: `${g.name}` }),
              el('span', { className: 'muted', textContent: ` ${g.code} · L${g.level}` }),
            ),
          ),
        );
        if (!hits.length) list.append(el('li', { className: 'muted', textContent: t('page.public.none') }));
      };
      input.addEventListener('input', () => {
        query = input.value;
        fill();
      });
      fill();
      parts.push(input, list);
    } else if (error) {
      parts.push(el('p', { className: 'details-error', role: 'alert', textContent: error }));
      parts.push(el('a', { href: formatRoute({ page: 'public' }), textContent: t('page.public.back') }));
    } else if (feature) {
      const p = feature;
      const dl = el('dl', { className: 'details-list', id: 'public-facts' });
      const row = (label: string, value: Node | string, field: string) => {
        const dd = el('dd', {}, value);
        dd.dataset.field = field;
        dl.append(el('dt', { textContent: label }), dd);
      };
      row(t('page.public.name'), p.name, 'name');
      row(t('page.public.code'), el('code', { textContent: p.code }), 'code');
      row(t('page.public.level'), levelName(p.level), 'level');
      const parent = grids.find((g) => g.id === p.parent_id);
      if (parent)
        row(
          t('page.public.parent'),
          el('a', { href: formatRoute({ page: 'public', grid: parent.id }), textContent: `${parent.name} (${parent.code})` }),
          'parent',
        );
      parts.push(dl);
      const kids = grids.filter((g) => parents.get(g.id) === p.id);
      if (kids.length) {
        parts.push(el('h2', { textContent: t('page.public.children') }));
        parts.push(
          el(
            'ul',
            { className: 'public-list' },
            ...kids.map((g) =>
              el('li', {}, el('a', { href: formatRoute({ page: 'public', grid: g.id }), textContent: `${g.name} (${g.code})` })),
            ),
          ),
        );
      }
      parts.push(
        el('p', {
          className: p.published ? 'muted' : 'plan-issue',
          id: 'public-status',
          textContent: p.published ? t('page.public.published') : t('page.public.unpublished'),
        }),
      );
      parts.push(el('h2', { textContent: t('page.public.team') }), teamTable(p));
      parts.push(el('h2', { textContent: t('page.public.duties') }), dutyList(p));
      parts.push(el('h2', { textContent: t('page.public.services') }), serviceList(p));
      parts.push(
        el(
          'p',
          {},
          btn(t('page.public.print'), () => window.print(), { id: 'public-print' }),
        ),
      );
      parts.push(el('a', { href: formatRoute({ page: 'public' }), textContent: t('page.public.back') }));
    } else {
      parts.push(el('p', { className: 'muted', textContent: t('status.loading') }));
    }
    card.replaceChildren(...parts);
    renderNotice();
  };

  const renderNotice = () => {
    if (!feature || current.grid === undefined) {
      notice.replaceChildren();
      return;
    }
    const p = feature;
    notice.replaceChildren(
      el('h1', { textContent: `${t('page.public.notice')} · ${p.name}` }),
      el('p', { className: 'notice-facts', textContent: `${t('page.public.code')} ${p.code} · ${p.level_zh}` }),
      el('h2', { textContent: t('page.public.team') }),
      teamTable(p, 'notice-team'),
      el('h2', { textContent: t('page.public.duties') }),
      dutyList(p, 'notice-duties'),
      el('figure', { className: 'notice-qr', id: 'notice-qr' }, qr ?? '', el('figcaption', { textContent: t('page.public.scan') })),
      el('p', { className: 'muted', textContent: t('page.public.standard') }),
    );
  };

  const load = async () => {
    feature = null;
    error = null;
    render();
    if (current.grid === undefined) {
      gm?.setOverlay(FOCUS_SOURCE, { type: 'FeatureCollection', features: [] });
      gm?.select(null);
      return;
    }
    qr = null;
    const id = current.grid;
    try {
      const f = await api.publishedGrid(id);
      if (gone || current.grid !== id) return;
      feature = f;
      gm?.setOverlay(FOCUS_SOURCE, { type: 'Feature', geometry: f.geometry, properties: { id: f.id } });
      const bb = geometryBBox(f.geometry);
      if (bb && gm && !current.view) gm.fitBBox(bb, { padding: 40, maxZoom: 18, duration: 0 });
    } catch (err) {
      error =
        err instanceof ApiError && err.status === 404
          ? tf('page.public.missing', { id: current.grid })
          : String((err as Error).message ?? err);
    }
    render();
    if (feature) void loadQr(id);
  };

  const loadQr = async (id: number) => {
    try {
      const text = await api.publishedQr(id);
      if (gone || current.grid !== id) return;
      const svg = new DOMParser().parseFromString(text, 'image/svg+xml').documentElement;
      // Only an SVG, and none of its scripts or handlers (there are none: the server draws rects).
      if (svg.nodeName !== 'svg' || svg.querySelector('script, foreignObject')) return;
      qr = document.importNode(svg, true);
      renderNotice();
    } catch {
      // The notice prints without its code; the page itself is unaffected.
    }
  };

  void (async () => {
    try {
      const tree = await api.tree();
      grids = flatten(tree);
      const walk = (nodes: TreeNode[], parent: number | null) => {
        for (const n of nodes) {
          parents.set(n.id, parent);
          walk(n.children, n.id);
        }
      };
      for (const r of tree) walk(r.children, null);
    } catch (err) {
      error = err instanceof ApiError && err.unreachable ? t('status.unreachable') : String((err as Error).message ?? err);
    }
    try {
      gm = await GridMap.create(mapEl);
    } catch {
      gm = null;
    }
    if (gone) {
      gm?.remove();
      return;
    }
    if (gm) {
      const m = gm;
      if (inspect.page) inspect.page.map = m.map;
      await m.ready;
      if (current.view) m.map.jumpTo({ center: [current.view.lng, current.view.lat], zoom: current.view.zoom });
      else {
        const subs = await api.subdistricts().catch(() => []);
        const bb = asBBox(subs[0]?.bbox);
        if (bb && current.grid === undefined) m.fitBBox(bb, { padding: 20, duration: 0 });
      }
      m.map.on('click', (e: MapMouseEvent) => {
        const g = m.pickGrid(e.point);
        if (g) show({ page: 'public', grid: Number(g.id) });
      });
      m.map.on('mousemove', (e: MapMouseEvent) => {
        m.map.getCanvas().style.cursor = m.pickGrid(e.point) ? 'pointer' : '';
      });
    }
    await load();
  })();
  const stop = onLangChange(render);
  return {
    update(r) {
      const gridChanged = r.grid !== current.grid;
      current = r;
      if (gridChanged) void load();
    },
    unmount() {
      gone = true;
      stop();
      gm?.remove();
      inspect.page = null;
    },
  };
};
