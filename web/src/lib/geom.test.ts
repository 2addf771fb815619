import { describe, expect, test } from 'vitest';
import { asBBox, geometryBBox, labelPoint } from './geom';

describe('geometry helpers', () => {
  test('bbox of a multipolygon, null for an empty one', () => {
    expect(
      geometryBBox({
        type: 'MultiPolygon',
        coordinates: [
          [
            [
              [0, 0],
              [1, 0],
              [1, 1],
              [0, 0],
            ],
          ],
          [
            [
              [3, -1],
              [4, -1],
              [4, 2],
              [3, -1],
            ],
          ],
        ],
      }),
    ).toEqual([0, -1, 4, 2]);
    expect(geometryBBox({ type: 'MultiPolygon', coordinates: [] })).toBeNull();
  });

  test("the API's bbox (number[] | null) as the map's four numbers, or null", () => {
    expect(asBBox([24.93, 60.16, 24.95, 60.18])).toEqual([24.93, 60.16, 24.95, 60.18]);
    expect(asBBox(null)).toBeNull();
    expect(asBBox(undefined)).toBeNull();
    expect(asBBox([1, 2, 3])).toBeNull();
    expect(asBBox([1, 2, 3, NaN])).toBeNull();
  });

  test('the label point of a U shape lies inside it, not at the centroid', () => {
    // A U: the bbox centre (1.5, 1.5) is in the notch.
    const u = {
      type: 'Polygon' as const,
      coordinates: [
        [
          [0, 0],
          [3, 0],
          [3, 3],
          [2, 3],
          [2, 1],
          [1, 1],
          [1, 3],
          [0, 3],
          [0, 0],
        ],
      ],
    };
    const [x, y] = labelPoint(u)!;
    const inNotch = x > 1 && x < 2 && y > 1;
    expect(inNotch).toBe(false);
    expect(x >= 0 && x <= 3 && y >= 0 && y <= 3).toBe(true);
  });
});
