import { describe, expect, test, vi } from 'vitest';
import type { FeatureRepair } from '../api';
import { setLang } from '../i18n';
import { repairText } from './panel';

// A bow-tie split in two by the repair, as the server reports it (RepairReport).
const bowTie = (): FeatureRepair => ({
  index: 2,
  feature: 'code 320508990001001',
  report: {
    changed: true,
    self_intersections: [[120.6, 31.3]],
    spikes_removed: [],
    duplicate_points_dropped: 1,
    parts_before: 1,
    parts_after: 2,
    parts_added: 1,
    parts_dropped: 0,
    holes_added: 0,
    holes_dropped: 0,
    area_before_m2: 0,
    area_after_m2: 12345.67,
    area_difference_m2: 12345.67,
  },
});

describe('the import report of a repair', () => {
  test('names the feature and its areas in m², then only what changed (Chinese first)', () => {
    const r = repairText(bowTie());
    expect(r.title).toBe('要素 #2 (code 320508990001001)：面积 0.0 m² → 12,345.7 m²（变化 +12,345.7 m²）');
    expect(r.details).toEqual(['自相交 1 处', '删除重复点 1 个', '部分 1 → 2（拆出 1 个，去掉 0 个）']);
  });

  test('a shrinking repair shows a negative change, holes and spikes; English too', () => {
    const x = bowTie();
    x.feature = null;
    Object.assign(x.report, {
      self_intersections: [],
      spikes_removed: [
        [1, 2],
        [3, 4],
      ],
      duplicate_points_dropped: 0,
      parts_after: 1,
      parts_added: 0,
      holes_dropped: 1,
      area_before_m2: 500,
      area_after_m2: 480.25,
      area_difference_m2: -19.75,
    });
    expect(repairText(x).title).toBe('要素 #2：面积 500.0 m² → 480.3 m²（变化 -19.8 m²）');
    // The switch relabels the page: give it an empty one (the unit tests run without a DOM).
    vi.stubGlobal('document', { documentElement: {}, querySelectorAll: () => [] });
    setLang('en');
    try {
      const r = repairText(x);
      expect(r.title).toBe('Feature #2: area 500.0 m² → 480.3 m² (change -19.8 m²)');
      expect(r.details).toEqual(['2 spikes removed', 'holes: 0 added, 1 dropped']);
    } finally {
      setLang('zh');
      vi.unstubAllGlobals();
    }
  });

  test('an unchanged feature says so', () => {
    const x = bowTie();
    Object.assign(x.report, {
      changed: false,
      self_intersections: [],
      duplicate_points_dropped: 0,
      parts_after: 1,
      parts_added: 0,
      area_before_m2: 10,
      area_after_m2: 10,
      area_difference_m2: 0,
    });
    expect(repairText(x)).toEqual({
      title: '要素 #2 (code 320508990001001)：面积 10.0 m² → 10.0 m²（变化 0.0 m²）',
      details: ['几何未改动'],
    });
  });
});
