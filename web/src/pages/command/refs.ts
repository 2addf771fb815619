// The reference data the command center names things with: categories (code →
// class, major and minor class), grids (id → name, from the published tree,
// which holds no personal data) and each subdistrict's units (code → name).
// Loaded once per page; whatever fails to load is shown by its code.

import { api, type Case, type CaseCategory, type CaseUnit, type CaseUnitInfo, type Subdistrict, type TreeNode } from '../../api';
import { t } from '../../i18n';
import { classNameOf } from './format';

export interface GridName {
  id: number;
  code: string;
  name: string;
  level: number;
}

export class Refs {
  categoryList: CaseCategory[] = [];
  readonly categories = new Map<string, CaseCategory>();
  readonly grids = new Map<number, GridName>();
  subdistricts: Subdistrict[] = [];
  private readonly units = new Map<number, CaseUnitInfo[]>();

  async load(signal?: AbortSignal): Promise<void> {
    const [cats, tree, subs] = await Promise.all([
      api.caseCategories(signal).catch(() => [] as CaseCategory[]),
      api.tree(signal).catch(() => [] as TreeNode[]),
      api.subdistricts(signal).catch(() => [] as Subdistrict[]),
    ]);
    this.categoryList = cats;
    for (const c of cats) this.categories.set(c.code, c);
    const walk = (nodes: TreeNode[]) => {
      for (const n of nodes) {
        this.grids.set(n.id, { id: n.id, code: n.code, name: n.name, level: n.level });
        walk(n.children);
      }
    };
    for (const root of tree) walk(root.children);
    this.subdistricts = subs;
    await Promise.all(subs.map((s) => this.unitsOf(s.id, signal)));
  }

  /** A subdistrict's units (departments), loaded once. */
  async unitsOf(subdistrict: number, signal?: AbortSignal): Promise<CaseUnitInfo[]> {
    const known = this.units.get(subdistrict);
    if (known) return known;
    const list = await api.caseUnits(subdistrict, signal).catch(() => [] as CaseUnitInfo[]);
    this.units.set(subdistrict, list);
    return list;
  }

  /** The minor class (小类) of a category, e.g. 暴露垃圾. */
  categoryName(code: string): string {
    return this.categories.get(code)?.minor ?? code;
  }

  /** A category in full: 事件 · 市容环境 · 暴露垃圾. */
  categoryLong(code: string): string {
    const c = this.categories.get(code);
    return c ? `${classNameOf(c.class)} · ${c.major} · ${c.minor}` : code;
  }

  gridName(id: number): string {
    return this.grids.get(id)?.name ?? `#${id}`;
  }

  /** The smallest grid a case lies in, or that it lies in none. */
  gridOf(c: Pick<Case, 'grid_path'>): string {
    const leaf = c.grid_path[c.grid_path.length - 1];
    return leaf === undefined ? t('cmd.grid.none') : this.gridName(leaf);
  }

  /** Every grid a case lies in, L1 first. */
  gridPath(c: Pick<Case, 'grid_path'>): string {
    return c.grid_path.length ? c.grid_path.map((g) => this.gridName(g)).join(' › ') : t('cmd.grid.none');
  }

  unitName(u: CaseUnit, subdistrict: number): string {
    if (u.kind === 'grid') return this.gridName(u.grid_id);
    return this.units.get(subdistrict)?.find((x) => x.code === u.code)?.name ?? u.code;
  }

  /** The codes of a subdistrict's units that cases go to (every one but the command center itself). */
  departmentCodes(subdistrict: number): string[] {
    return (this.units.get(subdistrict) ?? []).filter((u) => u.kind !== 'command_center').map((u) => u.code);
  }
}
