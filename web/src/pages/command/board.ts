// The case board (案件看板): the open cases as a list — number, category,
// stage, grid, when reported, the deadline or how overdue — with filters
// (stage, category, source, grid subtree, unit, overdue, when reported) and a
// search over number, address and description, in an order chosen (newest
// first, oldest first, deadline soonest, supervision). The page hands it the
// filtered, sorted cases after every change (a live event, a filter); each row
// is a link to the case's address, which opens the drawer.

import type { Case } from '../../api';
import { formatRoute } from '../../app/routes';
import { t, tf } from '../../i18n';
import { el } from '../../lib/dom';
import { classNameOf, dueText, formatFullTime, formatTime, sourceName, stageName } from './format';
import { STAGE_COLORS } from './layers';
import {
  BOARD_SORTS,
  BOARD_TIMES,
  dueOf,
  groupCategories,
  isBoardSort,
  NO_FILTERS,
  OPEN_STAGES,
  type BoardFilters,
  type BoardSort,
  type BoardTime,
} from './model';
import type { Refs } from './refs';

const SOURCES = ['walk_in', 'hotline', 'patrol', 'visit', 'open311', 'api'] as const;

export interface BoardView {
  total: number;
  loaded: boolean;
  truncated: boolean;
  error: string | null;
}

export class Board {
  readonly root: HTMLElement;
  private readonly list: HTMLUListElement;
  private readonly count: HTMLElement;
  private readonly form: HTMLFormElement;
  /** Cases added by the live feed lately (their rows are marked for a moment). */
  private readonly fresh = new Map<number, number>();

  constructor(
    private readonly refs: Refs,
    private readonly filters: BoardFilters,
    /** The board's order (not a filter: "clear" keeps it). */
    private readonly order: { sort: BoardSort },
    private readonly onFilters: () => void,
  ) {
    this.root = el('section', { className: 'cmd-board', id: 'case-board' });
    this.root.setAttribute('aria-labelledby', 'board-title');
    this.count = el('p', { className: 'muted cmd-board-count', id: 'board-count' });
    this.count.setAttribute('role', 'status');
    this.form = el('form', { className: 'cmd-filters', id: 'board-filters' });
    this.form.setAttribute('role', 'search');
    this.form.addEventListener('submit', (e) => e.preventDefault());
    this.list = el('ul', { className: 'cmd-list', id: 'case-list' });
    this.build();
  }

  /** (Re)build the head and filters in the current language, keeping the filters' values. */
  build(): void {
    const f = this.filters;
    const field = (label: string, input: HTMLElement, cls = 'cmd-field') =>
      el('label', { className: cls }, el('span', { textContent: label }), input);
    const text = el('input', {
      type: 'search',
      id: 'board-text',
      value: f.text,
      placeholder: t('cmd.filter.textPlaceholder'),
      autocomplete: 'off',
    });
    text.addEventListener('input', () => {
      f.text = text.value;
      this.onFilters();
    });
    const stage = el('select', { id: 'board-stage' });
    stage.append(el('option', { value: '', textContent: t('cmd.filter.any') }));
    for (const s of OPEN_STAGES) stage.append(el('option', { value: s, textContent: stageName(s), selected: f.stage === s }));
    const category = el('select', { id: 'board-category' });
    category.append(el('option', { value: '', textContent: t('cmd.filter.any') }));
    for (const g of groupCategories(this.refs.categoryList)) {
      const og = el('optgroup', { label: `${classNameOf(g.class)} · ${g.major}` });
      for (const c of g.items) og.append(el('option', { value: c.code, textContent: c.minor, selected: f.category === c.code }));
      category.append(og);
    }
    const source = el('select', { id: 'board-source' });
    source.append(el('option', { value: '', textContent: t('cmd.filter.any') }));
    for (const s of SOURCES) source.append(el('option', { value: s, textContent: sourceName(s), selected: f.source === s }));
    // The L1 and L2 grids of the published tree (its order: each L1 followed by its L2s, indented).
    const grid = el('select', { id: 'board-grid' });
    grid.append(el('option', { value: '', textContent: t('cmd.filter.any') }));
    for (const g of this.refs.grids.values()) {
      if (g.level !== 1 && g.level !== 2) continue;
      const indent = g.level === 2 ? '\u3000' : '';
      grid.append(el('option', { value: String(g.id), textContent: `${indent}${g.name}`, selected: f.grid === g.id }));
    }
    // The departments of the session's subdistricts (every unit but the command center), each once.
    const unit = el('select', { id: 'board-unit' });
    unit.append(el('option', { value: '', textContent: t('cmd.filter.any') }));
    const seen = new Set<string>();
    for (const sd of this.refs.subdistricts) {
      for (const code of this.refs.departmentCodes(sd.id)) {
        if (seen.has(code)) continue;
        seen.add(code);
        const name = this.refs.unitName({ kind: 'department', code }, sd.id);
        unit.append(el('option', { value: code, textContent: name, selected: f.unit === code }));
      }
    }
    // A unit the list does not hold (its units could not be read) stays chosen.
    if (f.unit && !seen.has(f.unit)) unit.append(el('option', { value: f.unit, textContent: f.unit, selected: true }));
    const time = el('select', { id: 'board-time' });
    time.append(el('option', { value: '', textContent: t('cmd.filter.time.any') }));
    for (const x of BOARD_TIMES) time.append(el('option', { value: x, textContent: t(`cmd.filter.time.${x}`), selected: f.time === x }));
    const overdue = el('input', { type: 'checkbox', id: 'board-overdue', checked: f.overdue });
    const onChange = () => {
      f.stage = stage.value;
      f.category = category.value;
      f.source = source.value;
      f.grid = grid.value ? Number(grid.value) : null;
      f.unit = unit.value;
      f.time = time.value as BoardTime;
      f.overdue = overdue.checked;
      this.onFilters();
    };
    for (const x of [stage, category, source, grid, unit, time, overdue]) x.addEventListener('change', onChange);
    const sort = el('select', { id: 'board-sort' });
    for (const x of BOARD_SORTS) sort.append(el('option', { value: x, textContent: t(`cmd.sort.${x}`), selected: this.order.sort === x }));
    sort.addEventListener('change', () => {
      if (isBoardSort(sort.value)) this.order.sort = sort.value;
      this.onFilters();
    });
    const clear = el('button', { type: 'button', id: 'board-clear', className: 'btn btn-small', textContent: t('cmd.filter.clear') });
    clear.addEventListener('click', () => {
      Object.assign(f, NO_FILTERS);
      this.build();
      this.onFilters();
    });
    this.form.replaceChildren(
      field(t('cmd.filter.text'), text, 'cmd-field cmd-field-wide'),
      field(t('cmd.filter.stage'), stage),
      field(t('cmd.filter.category'), category),
      field(t('cmd.filter.source'), source),
      field(t('cmd.filter.grid'), grid),
      field(t('cmd.filter.unit'), unit),
      field(t('cmd.filter.time'), time),
      el('label', { className: 'cmd-check' }, overdue, el('span', { textContent: t('cmd.filter.overdue') })),
      clear,
      field(t('cmd.sort'), sort, 'cmd-field cmd-sort'),
    );
    this.list.setAttribute('aria-label', t('cmd.board.aria'));
    this.root.replaceChildren(
      el('div', { className: 'cmd-board-head' }, el('h2', { id: 'board-title', textContent: t('cmd.board.title') }), this.count),
      this.form,
      this.list,
    );
  }

  /** Mark a case the live feed just brought. */
  flash(id: number): void {
    this.fresh.set(id, Date.now() + 4000);
  }

  /** Show these cases (already filtered and sorted) at `now`; `selected` is the number open in the drawer. */
  render(cases: readonly Case[], view: BoardView, now: number, selected: string | null): void {
    const focused = (document.activeElement as HTMLElement | null)?.closest<HTMLElement>('.cmd-item')?.dataset.number;
    const count = view.error
      ? view.error
      : !view.loaded
        ? t('cmd.board.loading')
        : `${tf('cmd.board.count', { n: view.total, shown: cases.length })}${view.truncated ? ` ${tf('cmd.board.truncated', { n: view.total })}` : ''}`;
    // A status region: changed only when what it says changes.
    if (this.count.textContent !== count) this.count.textContent = count;
    this.count.classList.toggle('details-error', !!view.error);
    this.root.dataset.loaded = String(view.loaded);
    const items: HTMLElement[] = [];
    const nowMs = Date.now();
    for (const c of cases) {
      const due = dueOf(c, now);
      const link = el(
        'a',
        { className: 'cmd-item-link', href: formatRoute({ page: 'command', caseNumber: c.number }) },
        el('span', { className: 'cmd-item-top' }, el('span', { className: 'cmd-num', textContent: c.number }), stageBadge(c.stage)),
        el('span', {
          className: 'cmd-item-cat',
          textContent: this.refs.categoryName(c.category),
          title: this.refs.categoryLong(c.category),
        }),
        el('span', {
          className: 'cmd-item-meta',
          textContent: `${this.refs.gridOf(c)} · ${tf('cmd.reported', { t: formatTime(c.reported_at) })}`,
          title: formatFullTime(c.reported_at),
        }),
        el('span', {
          className: `cmd-item-due due-${due}`,
          textContent: dueText(c, now),
          title: c.deadline ? `${t('case.deadline')} ${formatFullTime(c.deadline)}` : '',
        }),
      );
      if (c.number === selected) link.setAttribute('aria-current', 'true');
      const freshUntil = this.fresh.get(c.id);
      const isFresh = freshUntil !== undefined && freshUntil > nowMs;
      if (freshUntil !== undefined && !isFresh) this.fresh.delete(c.id);
      items.push(
        el(
          'li',
          {
            className: `cmd-item due-${due}${isFresh ? ' fresh' : ''}`,
            dataset: { id: String(c.id), number: c.number, stage: c.stage, due, version: String(c.version) },
          },
          link,
        ),
      );
    }
    if (!items.length && view.loaded && !view.error)
      items.push(el('li', { className: 'muted cmd-empty', textContent: view.total ? t('cmd.board.none') : t('cmd.board.empty') }));
    this.list.replaceChildren(...items);
    if (focused) this.list.querySelector<HTMLElement>(`.cmd-item[data-number="${focused}"] a`)?.focus();
  }
}

/** A stage as a coloured badge. */
export function stageBadge(stage: string): HTMLElement {
  const b = el('span', { className: 'stage-badge', textContent: stageName(stage) });
  b.dataset.stage = stage;
  b.style.setProperty('--stage', STAGE_COLORS[stage] ?? '#555555');
  return b;
}
