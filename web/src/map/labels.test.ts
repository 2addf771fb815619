import type { SymbolLayerSpecification } from 'maplibre-gl';
import { describe, expect, test } from 'vitest';
import type { GridFeature } from '../api';
import { GRID_LABEL_LAYERS, GRID_LABEL_SOURCE, gridLabelLayers, gridLabelPoints, labelZoomRange } from './labels';

const square = (x: number, y: number, d = 1) => ({
  type: 'Polygon' as const,
  coordinates: [
    [
      [x, y],
      [x + d, y],
      [x + d, y + d],
      [x, y + d],
      [x, y],
    ],
  ],
});
const grid = (id: number, level: number, name: string, geometry = square(id, 0)) =>
  ({ geometry, properties: { id, level, name } }) as unknown as Pick<GridFeature, 'geometry' | 'properties'>;

describe('grid label points', () => {
  test('one point inside each L1 and L2 grid, with its name and level; L3 and nameless grids are not named', () => {
    const fc = gridLabelPoints([grid(1, 1, '一社区'), grid(2, 2, '一社区第1网格'), grid(3, 3, '第1-1网格'), grid(4, 2, '')]);
    expect(fc.features.map((f) => f.properties)).toEqual([
      { id: 1, level: 1, name: '一社区' },
      { id: 2, level: 2, name: '一社区第1网格' },
    ]);
    const [x, y] = fc.features[1].geometry.coordinates;
    expect(x).toBeGreaterThan(2);
    expect(x).toBeLessThan(3);
    expect(y).toBeGreaterThan(0);
    expect(y).toBeLessThan(1);
    expect(fc.features[1].id).toBe(2);
  });
  test('an L-shaped grid is named inside itself, not at its centre', () => {
    const l = {
      type: 'Polygon' as const,
      coordinates: [
        [
          [0, 0],
          [10, 0],
          [10, 1],
          [1, 1],
          [1, 10],
          [0, 10],
          [0, 0],
        ],
      ],
    };
    const [x, y] = gridLabelPoints([grid(1, 1, 'L', l as never)]).features[0].geometry.coordinates;
    expect(x <= 1 || y <= 1).toBe(true);
  });
});

describe('when names show', () => {
  test('with every level shown: L1 names below zoom 16, L2 names from 15.5', () => {
    expect(labelZoomRange(1, 'all')).toEqual([0, 16]);
    expect(labelZoomRange(2, 'all')).toEqual([15.5, 24]);
  });
  test('one level shown: its names only (L1 up to 17.5)', () => {
    expect(labelZoomRange(1, 1)).toEqual([0, 17.5]);
    expect(labelZoomRange(2, 1)).toBeNull();
    expect(labelZoomRange(2, 2)).toEqual([15.5, 24]);
    expect(labelZoomRange(1, 2)).toBeNull();
    expect(labelZoomRange(1, 3)).toBeNull();
    expect(labelZoomRange(2, 3)).toBeNull();
  });
});

describe('label layers', () => {
  const font = ['Noto Sans CJK SC Regular'];
  test('a symbol layer per level over the label source, in the font given, L1 on top', () => {
    const layers = gridLabelLayers(font) as SymbolLayerSpecification[];
    expect(layers.map((l) => l.id)).toEqual([GRID_LABEL_LAYERS[2], GRID_LABEL_LAYERS[1]]);
    for (const l of layers) {
      expect(l.type).toBe('symbol');
      expect(l.source).toBe(GRID_LABEL_SOURCE);
      expect(l.layout?.['text-field']).toEqual(['get', 'name']);
      expect(l.layout?.['text-font']).toEqual(font);
      expect(l.paint?.['text-halo-color']).toBe('#ffffff');
    }
    const l1 = layers[1];
    const l2 = layers[0];
    expect(l1.filter).toEqual(['==', ['get', 'level'], 1]);
    expect([l1.minzoom, l1.maxzoom]).toEqual([0, 16]);
    expect([l2.minzoom, l2.maxzoom]).toEqual([15.5, 24]);
    expect(Number(l1.layout?.['text-size'])).toBeGreaterThan(Number(l2.layout?.['text-size']));
  });
  test('collision-aware: a name never overlaps another', () => {
    for (const l of gridLabelLayers(font) as SymbolLayerSpecification[]) {
      expect(l.layout?.['text-allow-overlap']).toBeUndefined();
      expect(l.layout?.['text-ignore-placement']).toBeUndefined();
    }
  });
  test('no glyphs, no names', () => {
    expect(gridLabelLayers(null)).toEqual([]);
  });
});
