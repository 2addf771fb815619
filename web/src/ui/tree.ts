// The hierarchy tree (subdistrict → L1 → L2 → L3), an ARIA tree with a roving
// tabindex: ↑/↓ move, → expands or enters, ← collapses or goes to the parent,
// Home/End jump, Enter/Space select. Selection follows the keyboard focus.

import type { TreeNode } from '../api';
import { formatNumber, t } from '../i18n';

interface Item {
  key: string;
  node: TreeNode;
  /** Grid id, or null for a subdistrict root. */
  gridId: number | null;
  depth: number;
  parent: Item | null;
  children: Item[];
  li: HTMLLIElement;
  row: HTMLDivElement;
  group: HTMLUListElement | null;
  expanded: boolean;
  hidden: boolean;
}

export interface TreeCallbacks {
  /** A grid was picked in the tree (click or keyboard). */
  onSelectGrid: (id: number) => void;
  /** A subdistrict root was picked. */
  onSelectSubdistrict: (id: number) => void;
}

export class GridTree {
  private readonly root: HTMLUListElement;
  private items: Item[] = [];
  private readonly byGrid = new Map<number, Item>();
  private byLi = new WeakMap<HTMLLIElement, Item>();
  private selected: Item | null = null;
  private focused: Item | null = null;
  private filterText = '';

  constructor(
    container: HTMLUListElement,
    private readonly cb: TreeCallbacks,
  ) {
    this.root = container;
    this.root.setAttribute('role', 'tree');
    this.root.addEventListener('keydown', (e) => this.onKey(e));
    this.root.addEventListener('click', (e) => this.onClick(e));
  }

  /** Replace the content with a new tree (one root per subdistrict). */
  render(roots: TreeNode[]): void {
    this.root.replaceChildren();
    this.items = [];
    this.byGrid.clear();
    this.byLi = new WeakMap();
    this.selected = null;
    this.focused = null;
    for (const node of roots) this.root.append(this.build(node, 1, null).li);
    // Subdistricts start open, showing their communities.
    for (const item of this.items) if (item.depth === 1) this.setExpanded(item, true);
    const first = this.items[0];
    if (first) this.setFocusable(first);
    if (this.filterText) this.filter(this.filterText);
  }

  /** Re-render labels after a language switch, keeping state. */
  relabel(): void {
    for (const item of this.items) this.fillRow(item);
  }

  gridName(id: number): { name: string; code: string } | null {
    const it = this.byGrid.get(id);
    return it ? { name: it.node.name, code: it.node.code } : null;
  }

  /** Whether a grid has children (null: not in the tree). */
  hasChildren(id: number): boolean | null {
    const it = this.byGrid.get(id);
    return it ? it.node.children.length > 0 : null;
  }

  parentGridId(id: number): number | null {
    return this.byGrid.get(id)?.parent?.gridId ?? null;
  }

  /** Highlight a grid: expand its ancestors and scroll it into view. */
  select(id: number | null, opts: { focus?: boolean } = {}): void {
    if (this.selected) {
      this.selected.row.classList.remove('selected');
      this.selected.li.setAttribute('aria-selected', 'false');
    }
    this.selected = null;
    if (id === null) return;
    const item = this.byGrid.get(id);
    if (!item) return;
    for (let p = item.parent; p; p = p.parent) this.setExpanded(p, true);
    if (item.hidden) this.clearFilter();
    this.selected = item;
    item.row.classList.add('selected');
    item.li.setAttribute('aria-selected', 'true');
    this.setFocusable(item);
    if (opts.focus) item.row.focus({ preventScroll: true });
    item.row.scrollIntoView({ block: 'nearest' });
  }

  /** Scroll the selected item into view again (after the layout changed). */
  revealSelected(): void {
    this.selected?.row.scrollIntoView({ block: 'nearest' });
  }

  /** Show only items whose name or code contains `text`, plus their ancestors. */
  filter(text: string): number {
    this.filterText = text.trim().toLowerCase();
    let shown = 0;
    const q = this.filterText;
    const visit = (item: Item): boolean => {
      let any = false;
      for (const c of item.children) any = visit(c) || any;
      const self = !q || item.node.name.toLowerCase().includes(q) || item.node.code.toLowerCase().includes(q);
      const show = self || any;
      item.hidden = !show;
      item.li.hidden = !show;
      if (show) shown++;
      if (q && any) this.setExpanded(item, true);
      return show;
    };
    for (const item of this.items) if (!item.parent) visit(item);
    return shown;
  }

  private clearFilter(): void {
    this.filterText = '';
    this.filter('');
    this.root.dispatchEvent(new CustomEvent('filtercleared', { bubbles: true }));
  }

  private build(node: TreeNode, depth: number, parent: Item | null): Item {
    const isGrid = depth > 1;
    const li = document.createElement('li');
    li.setAttribute('role', 'treeitem');
    li.setAttribute('aria-level', String(depth));
    li.setAttribute('aria-selected', 'false');
    li.className = `tree-item depth-${depth}`;
    const row = document.createElement('div');
    row.className = 'tree-row';
    row.tabIndex = -1;
    row.style.setProperty('--depth', String(depth - 1));
    li.append(row);
    const key = isGrid ? `g:${node.id}` : `s:${node.id}`;
    li.dataset.key = key;
    if (isGrid) {
      li.dataset.gridId = String(node.id);
      li.dataset.code = node.code;
    }
    const item: Item = {
      key,
      node,
      gridId: isGrid ? node.id : null,
      depth,
      parent,
      children: [],
      li,
      row,
      group: null,
      expanded: false,
      hidden: false,
    };
    this.items.push(item);
    this.byLi.set(li, item);
    if (isGrid) this.byGrid.set(node.id, item);
    const kids = node.children;
    if (kids.length) {
      const group = document.createElement('ul');
      group.setAttribute('role', 'group');
      group.hidden = true;
      item.group = group;
      li.setAttribute('aria-expanded', 'false');
      for (const k of kids) {
        const child = this.build(k, depth + 1, item);
        group.append(child.li);
        item.children.push(child);
      }
      li.append(group);
    }
    this.fillRow(item);
    return item;
  }

  private fillRow(item: Item): void {
    const { node, row } = item;
    const caret = document.createElement('span');
    caret.className = 'caret';
    caret.setAttribute('aria-hidden', 'true');
    if (!item.children.length) caret.classList.add('leaf');
    const badge = document.createElement('span');
    badge.className = 'badge';
    if (item.gridId === null) {
      badge.textContent = t('tree.subdistrict');
      badge.classList.add('badge-sub');
    } else {
      const level = node.level ?? item.depth - 1;
      badge.textContent = `L${level}`;
      badge.classList.add(`badge-l${level}`);
    }
    const text = document.createElement('span');
    text.className = 'tree-text';
    const name = document.createElement('span');
    name.className = 'tree-name';
    name.textContent = node.name;
    const code = document.createElement('span');
    code.className = 'tree-code';
    code.textContent = node.code;
    text.append(name, code);
    row.replaceChildren(caret, badge, text);
    if (item.gridId !== null && node.households !== undefined && node.households !== null) {
      const hh = document.createElement('span');
      hh.className = 'tree-hh';
      hh.textContent = `${formatNumber(node.households)} ${t('tree.households')}`;
      row.append(hh);
    }
  }

  private setExpanded(item: Item, expanded: boolean): void {
    if (!item.group) return;
    item.expanded = expanded;
    item.group.hidden = !expanded;
    item.li.setAttribute('aria-expanded', String(expanded));
  }

  private setFocusable(item: Item): void {
    if (this.focused && this.focused !== item) this.focused.row.tabIndex = -1;
    this.focused = item;
    item.row.tabIndex = 0;
  }

  private visibleItems(): Item[] {
    const out: Item[] = [];
    const walk = (list: Item[]) => {
      for (const it of list) {
        if (it.hidden) continue;
        out.push(it);
        if (it.expanded) walk(it.children);
      }
    };
    walk(this.items.filter((i) => !i.parent));
    return out;
  }

  private itemOf(target: EventTarget | null): Item | null {
    const li = (target as HTMLElement | null)?.closest?.('li[role="treeitem"]') as HTMLLIElement | null;
    if (!li) return null;
    return this.byLi.get(li) ?? null;
  }

  private activate(item: Item): void {
    this.setFocusable(item);
    item.row.focus({ preventScroll: true });
    item.row.scrollIntoView({ block: 'nearest' });
    if (item.gridId !== null) this.cb.onSelectGrid(item.gridId);
    else this.cb.onSelectSubdistrict(item.node.id);
  }

  private onClick(e: MouseEvent): void {
    const item = this.itemOf(e.target);
    if (!item) return;
    const onCaret = (e.target as HTMLElement).classList.contains('caret');
    if (onCaret) {
      this.setExpanded(item, !item.expanded);
      this.setFocusable(item);
      return;
    }
    // Clicking a row also opens it, so one can walk down with the mouse.
    if (item.group && !item.expanded) this.setExpanded(item, true);
    this.activate(item);
  }

  private onKey(e: KeyboardEvent): void {
    const current = this.itemOf(e.target) ?? this.focused;
    if (!current) return;
    const visible = this.visibleItems();
    const i = visible.indexOf(current);
    let handled = true;
    switch (e.key) {
      case 'ArrowDown':
        if (i + 1 < visible.length) this.activate(visible[i + 1]);
        break;
      case 'ArrowUp':
        if (i > 0) this.activate(visible[i - 1]);
        break;
      case 'ArrowRight':
        if (current.group && !current.expanded) this.setExpanded(current, true);
        else if (current.expanded) {
          const child = current.children.find((c) => !c.hidden);
          if (child) this.activate(child);
        }
        break;
      case 'ArrowLeft':
        if (current.expanded) this.setExpanded(current, false);
        else if (current.parent) this.activate(current.parent);
        break;
      case 'Home':
        if (visible.length) this.activate(visible[0]);
        break;
      case 'End':
        if (visible.length) this.activate(visible[visible.length - 1]);
        break;
      case 'Enter':
      case ' ':
        this.activate(current);
        break;
      default:
        handled = false;
    }
    if (handled) {
      e.preventDefault();
      e.stopPropagation();
    }
  }
}
