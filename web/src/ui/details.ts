// The details panel of the selected grid. It shows what the map already knows
// at once, then completes it (population, timestamps) from GET /grids/{id}.

import { ApiError, api, type GridProperties, type GridSummary } from '../api';
import { formatDate, formatNumber, kindName, levelName, t } from '../i18n';

export interface DetailsCallbacks {
  onClear: () => void;
  onZoom: (id: number) => void;
  onSelectParent: (id: number) => void;
  parentOf: (props: GridSummary) => { id: number; name: string; code: string } | null;
  /** Whether the grid has children: then its households are the ones rolled up the tree. */
  hasChildren: (id: number) => boolean;
  /** Called after every render (the panel's height may have changed). */
  onRendered?: () => void;
}

/** What the panel shows: what the map or tree knew at once, completed from GET /grids/{id}. */
type Shown = GridSummary & Partial<Omit<GridProperties, keyof GridSummary>>;

export class DetailsPanel {
  private props: Shown | null = null;
  private loading = false;
  private error: string | null = null;
  private abort: AbortController | null = null;

  constructor(
    private readonly el: HTMLElement,
    private readonly cb: DetailsCallbacks,
  ) {
    this.render();
  }

  /** Show a grid; `known` is what the map or tree already has about it. */
  show(id: number, known: GridSummary | null): void {
    this.abort?.abort();
    const ctrl = new AbortController();
    this.abort = ctrl;
    this.props = known ? { ...known } : null;
    this.loading = true;
    this.error = null;
    this.render();
    api.grid(id, ctrl.signal).then(
      (f) => {
        if (ctrl.signal.aborted) return;
        this.props = { ...(this.props ?? {}), ...f.properties, id };
        this.loading = false;
        this.render();
      },
      (err: unknown) => {
        if (ctrl.signal.aborted) return;
        this.loading = false;
        this.error = err instanceof ApiError ? err.message : String(err);
        this.render();
      },
    );
  }

  clear(): void {
    this.abort?.abort();
    this.abort = null;
    this.props = null;
    this.loading = false;
    this.error = null;
    this.render();
  }

  render(): void {
    const p = this.props;
    const head = document.createElement('div');
    head.className = 'details-head';
    const h = document.createElement('h2');
    h.textContent = t('details.title');
    head.append(h);
    if (!p && !this.loading && !this.error) {
      const empty = document.createElement('p');
      empty.className = 'details-empty';
      empty.textContent = t('details.none');
      this.el.replaceChildren(head, empty);
      this.cb.onRendered?.();
      return;
    }
    if (p) {
      const actions = document.createElement('div');
      actions.className = 'details-actions';
      actions.append(
        button(t('details.zoom'), '', () => this.cb.onZoom(p.id)),
        button(t('details.clear'), t('details.clear.title'), () => this.cb.onClear()),
      );
      head.append(actions);
    }
    const body: HTMLElement[] = [];
    if (p) {
      const title = document.createElement('div');
      title.className = 'details-title';
      const swatch = document.createElement('span');
      swatch.className = `badge badge-l${p.level}`;
      swatch.textContent = `L${p.level}`;
      const name = document.createElement('span');
      name.className = 'details-name';
      name.dataset.field = 'name';
      name.textContent = p.name;
      title.append(swatch, name);
      body.push(title);

      const dl = document.createElement('dl');
      dl.className = 'details-list';
      const row = (key: Parameters<typeof t>[0], value: string | Node, field: string) => {
        const dt = document.createElement('dt');
        dt.textContent = t(key);
        const dd = document.createElement('dd');
        dd.dataset.field = field;
        dd.append(value);
        dl.append(dt, dd);
      };
      const code = document.createElement('code');
      code.textContent = p.code;
      row('details.code', code, 'code');
      row('details.level', levelName(p.level), 'level');
      row('details.kind', kindName(p.kind), 'kind');
      // A grid with children counts the households of its whole subtree (the server's households_total).
      if (this.cb.hasChildren(p.id)) {
        const total = p.households_total;
        const note = document.createElement('span');
        note.className = 'muted';
        note.textContent = ` ${t('details.households.total')}`;
        const value = document.createElement('span');
        value.textContent = total === undefined && this.loading ? '…' : formatNumber(total);
        const frag = document.createDocumentFragment();
        frag.append(value, note);
        row('details.households', frag, 'households');
      } else {
        row('details.households', formatNumber(p.households), 'households');
      }
      row('details.population', this.loading && p.population === undefined ? '…' : formatNumber(p.population), 'population');
      row('details.version', p.version === undefined ? t('value.none') : String(p.version), 'version');
      const parent = this.cb.parentOf(p);
      if (parent) {
        const a = document.createElement('button');
        a.type = 'button';
        a.className = 'link';
        a.textContent = `${parent.name} (${parent.code})`;
        a.addEventListener('click', () => this.cb.onSelectParent(parent.id));
        row('details.parent', a, 'parent');
      } else {
        row('details.parent', t('value.none'), 'parent');
      }
      if (p.updated_at) row('details.updated', formatDate(p.updated_at), 'updated');
      body.push(dl);
    } else if (this.loading) {
      const msg = document.createElement('p');
      msg.className = 'details-empty';
      msg.textContent = t('details.loading');
      body.push(msg);
    }
    if (this.error) {
      const err = document.createElement('p');
      err.className = 'details-error';
      err.setAttribute('role', 'alert');
      err.textContent = this.error;
      body.push(err);
    }
    this.el.replaceChildren(head, ...body);
    this.cb.onRendered?.();
  }
}

function button(label: string, title: string, onClick: () => void): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'btn btn-small';
  b.textContent = label;
  if (title) b.title = title;
  b.addEventListener('click', onClick);
  return b;
}
