// Small geometry helpers in longitude/latitude degrees (display only: nothing
// here measures areas or distances).

import type { Geometry, Position } from 'geojson';
import type { BBox } from '../api';

function eachPosition(g: Geometry, fn: (p: Position) => void): void {
  switch (g.type) {
    case 'Point':
      fn(g.coordinates);
      break;
    case 'MultiPoint':
    case 'LineString':
      g.coordinates.forEach(fn);
      break;
    case 'MultiLineString':
    case 'Polygon':
      g.coordinates.forEach((r) => r.forEach(fn));
      break;
    case 'MultiPolygon':
      g.coordinates.forEach((p) => p.forEach((r) => r.forEach(fn)));
      break;
    case 'GeometryCollection':
      g.geometries.forEach((x) => eachPosition(x, fn));
      break;
  }
}

/** A bbox as the API sends it (`number[] | null`) as the map takes it, or null when it is not four numbers. */
export function asBBox(b: readonly number[] | null | undefined): BBox | null {
  return b && b.length === 4 && b.every(Number.isFinite) ? [b[0], b[1], b[2], b[3]] : null;
}

/** Bounding box [minLon, minLat, maxLon, maxLat] of any geometry, or null if empty. */
export function geometryBBox(g: Geometry): BBox | null {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  eachPosition(g, ([x, y]) => {
    if (x < minX) minX = x;
    if (y < minY) minY = y;
    if (x > maxX) maxX = x;
    if (y > maxY) maxY = y;
  });
  return minX === Infinity ? null : [minX, minY, maxX, maxY];
}

function polygons(g: Geometry): Position[][][] {
  if (g.type === 'Polygon') return [g.coordinates];
  if (g.type === 'MultiPolygon') return g.coordinates;
  return [];
}

/**
 * A point guaranteed to lie inside a (multi)polygon, for labels and clicks:
 * scan a few horizontal lines across the largest part and take the middle of
 * the widest inside span (centroids of concave shapes can fall outside).
 */
export function labelPoint(g: Geometry): [number, number] | null {
  let best: { x: number; y: number; w: number } | null = null;
  for (const rings of polygons(g)) {
    const bb = geometryBBox({ type: 'Polygon', coordinates: rings });
    if (!bb) continue;
    const [, minY, , maxY] = bb;
    const lines = 9;
    for (let i = 1; i <= lines; i++) {
      // Favour the middle line: visit order 5,4,6,3,7,… via weighting below.
      const y = minY + ((maxY - minY) * i) / (lines + 1);
      const xs: number[] = [];
      for (const ring of rings) {
        for (let k = 0, j = ring.length - 1; k < ring.length; j = k++) {
          const [x1, y1] = ring[j];
          const [x2, y2] = ring[k];
          if (y1 > y !== y2 > y) xs.push(x1 + ((y - y1) * (x2 - x1)) / (y2 - y1));
        }
      }
      xs.sort((a, b) => a - b);
      const centrality = 1 - Math.abs(i - (lines + 1) / 2) / (lines + 1);
      for (let k = 0; k + 1 < xs.length; k += 2) {
        const w = (xs[k + 1] - xs[k]) * (0.6 + 0.4 * centrality);
        if (!best || w > best.w) best = { x: (xs[k] + xs[k + 1]) / 2, y, w };
      }
    }
  }
  return best ? [best.x, best.y] : null;
}
