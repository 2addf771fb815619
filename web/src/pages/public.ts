// The public grid page (网格公示, no sign-in): a grid's boundary on the map,
// its code, name, level, the grid it belongs to and the grids within it, from
// the existing API. No personal data: responsible people and phones are not
// shown. Issue 14 adds the grid's duties and its service team's contacts.

import type { MapMouseEvent } from 'maplibre-gl';
import { ApiError, api, type GridFeature, type TreeNode } from '../api';
import { inspect } from '../app/inspect';
import type { PageFactory } from '../app/router';
import { formatRoute, type Route } from '../app/routes';
import { levelName, onLangChange, t, tf } from '../i18n';
import { el } from '../lib/dom';
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

export const publicPage: PageFactory = (root, route, router) => {
  let current: Route = route;
  let gm: GridMap | null = null;
  let gone = false;
  let grids: Flat[] = [];
  let feature: GridFeature | null = null;
  let error: string | null = null;
  let query = '';
  /** Each grid's parent, from the tree (which holds no personal data). */
  const parents = new Map<number, number | null>();
  const card = el('section', { className: 'public-card', id: 'public-card' });
  card.setAttribute('aria-live', 'polite');
  const mapEl = el('div', { className: 'map public-map', id: 'map' });
  mapEl.setAttribute('role', 'region');
  root.append(el('div', { className: 'public-page' }, card, mapEl));
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
      const p = feature.properties;
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
      parts.push(el('p', { className: 'plan-issue', id: 'public-later', textContent: t('page.public.later') }));
      parts.push(el('a', { href: formatRoute({ page: 'public' }), textContent: t('page.public.back') }));
    } else {
      parts.push(el('p', { className: 'muted', textContent: t('status.loading') }));
    }
    card.replaceChildren(...parts);
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
    try {
      const f = await api.grid(current.grid);
      if (gone) return;
      feature = f;
      gm?.setOverlay(FOCUS_SOURCE, { type: 'Feature', geometry: f.geometry, properties: { id: f.properties.id } });
      const bb = geometryBBox(f.geometry);
      if (bb && gm && !current.view) gm.fitBBox(bb, { padding: 40, maxZoom: 18, duration: 0 });
    } catch (err) {
      error =
        err instanceof ApiError && err.status === 404
          ? tf('page.public.missing', { id: current.grid })
          : String((err as Error).message ?? err);
    }
    render();
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
