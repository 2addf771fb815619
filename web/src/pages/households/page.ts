// The households page (住户走访, #/households, #/households/grid/{id}): for the
// roles the server lets read households or their figures. Choose a grid (the
// grid worker's own first), see its figures this year (who is due and who is
// overdue: every household twice a calendar year, special households every
// quarter; the collection rate and the accuracy), its households (address,
// unit and room, the people with identity numbers masked as the server sends
// them, the special kinds, the last visit, the standing), filter and search
// them, and record a visit from a phone. Administrators import households.
// Only what the server sends is shown; nothing personal goes into the address.

import { ApiError, api, type TreeNode } from '../../api';
import { can, currentUser } from '../../app/auth';
import { inspect } from '../../app/inspect';
import type { Page, PageFactory } from '../../app/router';
import type { Route } from '../../app/routes';
import { formatNumber, onLangChange, t, tf, type MessageKey } from '../../i18n';
import { el } from '../../lib/dom';
import { householdsApi, type Compliance, type Figures, type Household, type Visit } from './api';
import { formatRate, formatTime, standingText } from './format';
import { ImportPanel } from './import';
import { FILTERS, filterCounts, filterRows, gridChoices, initialGrid, rowsOf, type Filter, type GridChoice, type Row } from './model';
import { VisitForm, householdLabel, roomOf } from './visit';
import './households.css';

/** The quarter lists the page can show: the year's overall standing, or one quarter's. */
const QUARTERS = [0, 1, 2, 3, 4] as const;

export const householdsPage: PageFactory = (root, route, router): Page => {
  let current: Route = route;
  let gone = false;
  let tree: TreeNode[] = [];
  let choices: GridChoice[] = [];
  let grid: GridChoice | null = null;
  let households: Household[] = [];
  let compliance: Compliance | null = null;
  let loadError: string | null = null;
  let statsError: string | null = null;
  let loading = false;
  let filter: Filter = 'all';
  let search = '';
  let quarter = 0;
  let notice: string | null = null;
  const lastVisits = new Map<number, number>();
  const visitedNow = new Set<number>();
  /** Households' visits read here, and the households whose history is open. */
  const histories = new Map<number, Visit[]>();
  const openHistory = new Set<number>();
  let abort: AbortController | null = null;
  const mayList = can('households.list');
  const mayVisit = can('households.visit');
  const mayImport = can('households.import');

  const wrap = el('div', { className: 'plan-page hh-page' });
  const card = el('section', { className: 'plan-card hh-card', id: 'households' });
  wrap.append(card);
  root.append(wrap);

  const form = new VisitForm({
    households: () => households,
    saved: (v: Visit) => {
      lastVisits.set(v.household_id, Math.max(v.at, lastVisits.get(v.household_id) ?? 0));
      if (v.outcome === 'visited') visitedNow.add(v.household_id);
      histories.delete(v.household_id);
      openHistory.delete(v.household_id);
      const h = households.find((x) => x.id === v.household_id);
      notice = tf('hh.visit.saved', { what: h ? householdLabel(h) : String(v.household_id), outcome: v.outcome_zh });
      if (v.case_id) notice += ` ${tf('hh.visit.caseOpened', { id: v.case_id })}`;
      render();
      // The figures and the lists are the server's: read them again.
      void loadStats();
    },
  });
  wrap.append(form.dialog);

  const importer = mayImport
    ? new ImportPanel({
        subdistricts: () => tree.filter((n) => n.level === 0).map((n) => ({ id: n.id, name: n.name })),
        imported: () => void loadGrid(),
      })
    : null;
  if (importer) wrap.append(importer.root);

  inspect.page = {
    map: null,
    selected: () => grid?.id ?? null,
  };

  // ------------------------------------------------------------- loading

  const loadStats = async (): Promise<void> => {
    if (!grid) return;
    const id = grid.id;
    try {
      const c = await householdsApi.compliance({ grid: id, quarter: quarter || undefined });
      if (gone || grid?.id !== id) return;
      compliance = c;
      statsError = null;
    } catch (err) {
      if (gone) return;
      statsError = errorText(err);
    }
    render();
  };

  const loadGrid = async (): Promise<void> => {
    abort?.abort();
    if (!grid) {
      render();
      return;
    }
    const ctrl = new AbortController();
    abort = ctrl;
    const id = grid.id;
    loading = true;
    loadError = null;
    render();
    const list = mayList ? householdsApi.ofGrid(id, ctrl.signal) : Promise.resolve([] as Household[]);
    const stats = householdsApi.compliance({ grid: id, quarter: quarter || undefined }, ctrl.signal);
    const [l, s] = await Promise.allSettled([list, stats]);
    if (gone || ctrl.signal.aborted) return;
    loading = false;
    if (l.status === 'fulfilled') households = l.value;
    else {
      households = [];
      loadError = errorText(l.reason);
    }
    if (s.status === 'fulfilled') {
      compliance = s.value;
      statsError = null;
    } else {
      compliance = null;
      statsError = errorText(s.reason);
    }
    render();
  };

  const start = async () => {
    try {
      tree = await api.tree();
    } catch (err) {
      if (gone) return;
      loadError = errorText(err);
      render();
      return;
    }
    if (gone) return;
    choices = gridChoices(tree, currentUser()?.grants ?? []);
    grid = initialGrid(choices, current.grid);
    importer?.refresh();
    if (grid && grid.id !== current.grid) router.record({ page: 'households', grid: grid.id });
    await loadGrid();
  };

  const choose = (id: number) => {
    const g = choices.find((c) => c.id === id) ?? null;
    if (!g || g.id === grid?.id) return;
    grid = g;
    households = [];
    compliance = null;
    notice = null;
    router.record({ page: 'households', grid: g.id });
    void loadGrid();
  };

  // ------------------------------------------------------------- view

  const gridPicker = () => {
    const sel = el('select', { id: 'hh-grid' });
    const mine = choices.filter((c) => c.mine);
    const rest = choices.filter((c) => !c.mine);
    const opt = (c: GridChoice) =>
      el('option', {
        value: String(c.id),
        textContent: `${'　'.repeat(Math.max(0, c.level - 1))}${c.name} · ${c.code}`,
        selected: c.id === grid?.id,
      });
    if (mine.length) sel.append(el('optgroup', { label: t('hh.grid.mine') }, ...mine.map(opt)));
    if (rest.length) sel.append(el('optgroup', { label: mine.length ? t('hh.grid.other') : t('hh.grid.all') }, ...rest.map(opt)));
    sel.addEventListener('change', () => choose(Number(sel.value)));
    const q = el('select', { id: 'hh-quarter' });
    for (const k of QUARTERS)
      q.append(
        el('option', { value: String(k), textContent: k ? tf('hh.quarter', { q: k }) : t('hh.quarter.year'), selected: k === quarter }),
      );
    q.addEventListener('change', () => {
      quarter = Number(q.value);
      void loadStats();
    });
    return el(
      'div',
      { className: 'hh-bar' },
      el('label', { className: 'hh-form-row hh-grow' }, el('span', { textContent: t('hh.grid') }), sel),
      el('label', { className: 'hh-form-row' }, el('span', { textContent: t('hh.quarter.label') }), q),
    );
  };

  const stat = (id: string, label: string, value: string, cls = '') =>
    el(
      'div',
      { className: `hh-stat ${cls}`.trim(), id },
      el('span', { className: 'hh-stat-value', textContent: value }),
      el('span', { textContent: label }),
    );

  const rateStat = (id: string, label: MessageKey, r: Figures['collection']) => {
    const s = stat(id, t(label), formatRate(r.rate), r.rate === null || r.rate === undefined ? '' : r.met ? 'hh-met' : 'hh-unmet');
    s.title = tf('hh.rate.title', { count: formatNumber(r.count), of: formatNumber(r.of), target: formatRate(r.target) });
    s.append(el('span', { className: 'muted hh-target', textContent: tf('hh.rate.target', { target: formatRate(r.target) }) }));
    return s;
  };

  const summary = () => {
    const box = el('section', { id: 'hh-summary', className: 'hh-summary' });
    box.setAttribute('aria-label', t('hh.summary'));
    if (statsError) {
      box.append(el('p', { className: 'details-error', textContent: statsError }));
      return box;
    }
    if (!compliance) {
      box.append(el('p', { className: 'muted', textContent: t('status.loading') }));
      return box;
    }
    const f = compliance.total;
    const tl = f.tally;
    box.append(
      el('h2', {
        textContent:
          tf('hh.summary.year', { year: compliance.year }) +
          (compliance.quarter ? ` · ${tf('hh.quarter', { q: compliance.quarter })}` : ''),
      }),
      el(
        'div',
        { className: 'hh-stats' },
        stat('hh-stat-households', t('hh.stat.households'), formatNumber(tl.households)),
        stat('hh-stat-overdue', t('hh.stat.overdue'), formatNumber(compliance.overdue_count), compliance.overdue_count ? 'hh-unmet' : ''),
        stat('hh-stat-due', t('hh.stat.due'), formatNumber(compliance.due_count)),
        stat('hh-stat-done', t('hh.stat.done'), formatNumber(tl.done)),
        stat('hh-stat-special', t('hh.stat.special'), formatNumber(tl.special)),
        stat('hh-stat-year', t('hh.stat.year'), formatRate(f.year_rate)),
        rateStat('hh-stat-collection', 'hh.stat.collection', f.collection),
        rateStat('hh-stat-accuracy', 'hh.stat.accuracy', f.accuracy),
      ),
      el('p', { className: 'muted hh-rule', textContent: t('hh.rule') }),
    );
    const q = f.quarter_rates.map((r, i) => `${tf('hh.quarter', { q: i + 1 })} ${formatRate(r)}`).join(' · ');
    if (tl.special) box.append(el('p', { className: 'muted', id: 'hh-quarter-rates', textContent: `${t('hh.stat.quarters')}：${q}` }));
    const below = compliance.grids.filter((g) => g.parent_id === grid?.id);
    if (below.length) {
      const head = el(
        'tr',
        {},
        ...(['hh.grid', 'hh.stat.households', 'hh.stat.overdue', 'hh.stat.due', 'hh.stat.year'] as const).map((k) =>
          el('th', { scope: 'col', textContent: t(k) }),
        ),
      );
      const rows = below.map((g) =>
        el(
          'tr',
          { dataset: { grid: String(g.grid_id) } },
          el('td', { textContent: `${g.name} · ${g.code}` }),
          el('td', { textContent: formatNumber(g.figures.tally.households) }),
          el('td', { textContent: formatNumber(g.figures.tally.overdue) }),
          el('td', { textContent: formatNumber(g.figures.tally.due) }),
          el('td', { textContent: formatRate(g.figures.year_rate) }),
        ),
      );
      box.append(
        el(
          'details',
          { className: 'hh-below' },
          el('summary', { textContent: tf('hh.below', { n: below.length }) }),
          el(
            'div',
            { className: 'audit-table-wrap' },
            el('table', { id: 'hh-below', className: 'audit-table' }, el('thead', {}, head), el('tbody', {}, ...rows)),
          ),
        ),
      );
    }
    if (!compliance.lists) box.append(el('p', { className: 'muted', textContent: t('hh.countsOnly') }));
    return box;
  };

  const badge = (r: Row) => {
    const b = el('span', { className: `hh-badge hh-${r.standing}`, textContent: standingText(r.standing) });
    b.dataset.standing = r.standing;
    return b;
  };

  /** A household's visits, read when first opened (GET /households/{id}). */
  const historyOf = (id: number) => {
    const list = el('ol', { className: 'hh-history' });
    const box = el('details', { className: 'hh-history-box' }, el('summary', { textContent: t('hh.history') }), list);
    box.open = openHistory.has(id);
    const fill = () => {
      const visits = histories.get(id);
      if (!visits) {
        list.replaceChildren(el('li', { className: 'muted', textContent: t('status.loading') }));
        return;
      }
      if (!visits.length) {
        list.replaceChildren(el('li', { className: 'muted', textContent: t('hh.never') }));
        return;
      }
      list.replaceChildren(
        ...visits.map((v) =>
          el(
            'li',
            { dataset: { outcome: v.outcome } },
            el('span', { textContent: `${formatTime(v.at)} · ${v.outcome_zh} · ${v.worker_name}` }),
            v.record_confirmed ? el('span', { className: 'hh-tag', textContent: t('hh.confirmed') }) : null,
            v.case_id ? el('span', { className: 'muted', textContent: ` ${tf('hh.caseOf', { id: v.case_id })}` }) : null,
            v.note ? el('p', { className: 'hh-note', textContent: v.note }) : null,
            v.photos.length
              ? el(
                  'p',
                  { className: 'hh-note' },
                  ...v.photos.map((p, i) =>
                    el('a', {
                      href: api.casePhotoUrl(p),
                      target: '_blank',
                      rel: 'noopener',
                      textContent: `${t('hh.visit.photo')} ${i + 1} `,
                    }),
                  ),
                )
              : null,
          ),
        ),
      );
    };
    const load = async () => {
      fill();
      if (histories.has(id)) return;
      try {
        const d = await householdsApi.one(id);
        histories.set(id, d.visits);
        const newest = d.visits[0]?.at;
        if (newest !== undefined && newest > (lastVisits.get(id) ?? 0)) {
          lastVisits.set(id, newest);
          render();
          return;
        }
      } catch (err) {
        list.replaceChildren(el('li', { className: 'details-error', textContent: errorText(err) }));
        return;
      }
      fill();
    };
    box.addEventListener('toggle', () => {
      if (box.open) {
        openHistory.add(id);
        void load();
      } else openHistory.delete(id);
    });
    if (box.open) fill();
    return box;
  };

  const householdItem = (r: Row) => {
    const h = r.household;
    const place = el(
      'div',
      { className: 'hh-place' },
      el('strong', { className: 'hh-address', textContent: h.address || tf('hh.building', { id: h.building_id }) }),
      el('span', { className: 'hh-room', textContent: roomOf(h) }),
    );
    const tags = el('div', { className: 'hh-tags' }, badge(r));
    if (r.visitedNow) tags.append(el('span', { className: 'hh-badge hh-visited', textContent: t('hh.visitedNow') }));
    for (const k of h.special_zh) tags.append(el('span', { className: 'hh-tag', textContent: k }));
    const people = el('ul', { className: 'hh-people' });
    for (const p of h.people) {
      people.append(
        el(
          'li',
          {},
          el('span', { className: 'hh-name', textContent: p.name }),
          p.relation ? el('span', { className: 'muted', textContent: ` (${p.relation})` }) : null,
          p.id_number_masked ? el('span', { className: 'hh-id', textContent: p.id_number_masked }) : null,
          p.phone ? el('span', { className: 'hh-phone', textContent: p.phone }) : null,
        ),
      );
    }
    const visits = r.visits === null ? '' : ` · ${tf('hh.visits', { n: r.visits })}`;
    // Not on a list and no visit known here: the last visit is in its history.
    const lastText = r.lastVisit ? formatTime(r.lastVisit) : r.visits === 0 ? t('hh.never') : t('value.none');
    const last = el('p', { className: 'muted hh-last', textContent: `${t('hh.lastVisit')}：${lastText}${visits}` });
    const li = el(
      'li',
      { className: 'hh-item', dataset: { id: String(h.id), standing: r.standing, visited: r.visitedNow ? '1' : '0' } },
      place,
      tags,
      people,
      last,
      historyOf(h.id),
    );
    if (mayVisit) {
      const b = el('button', { type: 'button', className: 'btn btn-primary hh-visit-btn', textContent: t('hh.visit.open') });
      b.addEventListener('click', () => form.open(h.id));
      li.append(b);
    }
    return li;
  };

  const listView = () => {
    const rows = rowsOf(households, compliance, lastVisits, visitedNow);
    const counts = filterCounts(rows);
    const bar = el('div', { className: 'hh-filters', role: 'group' });
    bar.setAttribute('aria-label', t('hh.filter'));
    for (const f of FILTERS) {
      const b = el('button', {
        type: 'button',
        className: `btn btn-small${f === filter ? ' on' : ''}`,
        textContent: `${t(`hh.filter.${f}`)} ${counts[f]}`,
      });
      b.dataset.filter = f;
      b.setAttribute('aria-pressed', String(f === filter));
      b.addEventListener('click', () => {
        filter = f;
        render();
      });
      bar.append(b);
    }
    const input = el('input', { id: 'hh-search', type: 'search', value: search, placeholder: t('hh.search'), autocomplete: 'off' });
    input.setAttribute('aria-label', t('hh.search'));
    input.addEventListener('input', () => {
      search = input.value;
      renderList();
    });
    const list = el('ul', { id: 'hh-list', className: 'hh-list' });
    const state = el('p', { id: 'hh-status', className: 'muted' });
    state.setAttribute('role', 'status');
    const renderList = () => {
      const shown = filterRows(rows, filter, search);
      list.replaceChildren(...shown.map(householdItem));
      state.textContent = loading
        ? t('status.loading')
        : households.length === 0
          ? t('hh.none')
          : shown.length === 0
            ? t('hh.noMatch')
            : tf('hh.count', { n: shown.length, of: households.length });
    };
    renderList();
    return [bar, input, state, list];
  };

  const render = () => {
    if (gone) return;
    document.title = `${t('hh.title')} · ${t('app.title')}`;
    const parts: (HTMLElement | null)[] = [el('h1', { id: 'page-title', textContent: t('hh.title') })];
    if (!choices.length && !loadError)
      parts.push(el('p', { className: 'muted', textContent: tree.length ? t('hh.noGrid') : t('status.loading') }));
    if (choices.length) parts.push(gridPicker());
    if (notice) {
      const n = el('p', { id: 'hh-notice', className: 'hh-ok', textContent: notice });
      n.setAttribute('role', 'status');
      parts.push(n);
    }
    if (grid) parts.push(summary());
    if (loadError) parts.push(el('p', { id: 'hh-error', className: 'details-error', role: 'alert', textContent: loadError }));
    if (grid && mayList && !loadError) parts.push(...listView());
    card.replaceChildren(...parts.filter((p): p is HTMLElement => p !== null));
  };

  render();
  void start();
  const stop = onLangChange(render);
  return {
    update(r: Route) {
      current = r;
      if (r.grid !== undefined && r.grid !== grid?.id) choose(r.grid);
    },
    unmount() {
      gone = true;
      abort?.abort();
      form.close();
      stop();
      inspect.page = null;
    },
  };
};

function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.unreachable) return t('status.unreachable');
    if (err.status === 403) return t('hh.forbidden');
    return tf('hh.problem', { detail: err.message });
  }
  return String((err as Error)?.message ?? err);
}
