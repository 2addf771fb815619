import { describe, expect, test } from 'vitest';
import type { Polygon } from 'geojson';
import { applyOp, closeRing, diffRing, hasEdge, hasVertex, openRing, snap, touches, type Pos, type VertexOp } from './topo';

const square: Pos[] = [
  [0, 0],
  [1, 0],
  [1, 1],
  [0, 1],
];
const poly = (r: Pos[]): Polygon => ({ type: 'Polygon', coordinates: [closeRing(r)] });

describe('rings', () => {
  test('open and close are inverse', () => {
    expect(openRing(closeRing(square))).toEqual(square);
    expect(closeRing(square).at(-1)).toEqual([0, 0]);
  });
});

describe('diffRing', () => {
  test('nothing changed', () => expect(diffRing(square, square)).toBeNull());
  test('one vertex moved', () => {
    const b: Pos[] = [
      [0, 0],
      [1.5, 0],
      [1, 1],
      [0, 1],
    ];
    expect(diffRing(square, b)).toEqual([{ kind: 'move', from: [1, 0], to: [1.5, 0] }]);
  });
  test('a midpoint inserted and dragged is an insert then a move', () => {
    const b: Pos[] = [
      [0, 0],
      [0.5, -0.2],
      [1, 0],
      [1, 1],
      [0, 1],
    ];
    expect(diffRing(square, b)).toEqual([
      {
        kind: 'insert',
        at: [0.5, 0],
        between: [
          [0, 0],
          [1, 0],
        ],
      },
      { kind: 'move', from: [0.5, 0], to: [0.5, -0.2] },
    ]);
  });
  test('a vertex deleted', () => {
    expect(
      diffRing(square, [
        [0, 0],
        [1, 1],
        [0, 1],
      ]),
    ).toEqual([{ kind: 'delete', at: [1, 0] }]);
  });
  test('two vertices moved at once is not a vertex operation', () => {
    expect(
      diffRing(square, [
        [0, 0],
        [2, 0],
        [2, 2],
        [0, 1],
      ]),
    ).toBe('other');
  });
});

describe('operations on neighbours', () => {
  const right = poly([
    [1, 0],
    [2, 0],
    [2, 1],
    [1, 1],
  ]);
  test('a shared vertex and edge are found', () => {
    expect(hasVertex(right, [1, 0])).toBe(true);
    expect(hasEdge(right, [1, 1], [1, 0])).toBe(true);
    expect(hasEdge(right, [0, 0], [1, 0])).toBe(false);
  });
  test('a move of a shared vertex moves the neighbour too', () => {
    const op: VertexOp = { kind: 'move', from: [1, 0], to: [1.2, 0] };
    expect(touches(right, op)).toBe(true);
    expect(applyOp(right, op).coordinates[0][0]).toEqual([1.2, 0]);
  });
  test('an insert on a shared edge goes into the neighbour', () => {
    const op: VertexOp = {
      kind: 'insert',
      at: [1, 0.5],
      between: [
        [1, 0],
        [1, 1],
      ],
    };
    expect(openRing(applyOp(right, op).coordinates[0])).toEqual([
      [1, 0],
      [2, 0],
      [2, 1],
      [1, 1],
      [1, 0.5],
    ]);
  });
  test('a delete never leaves fewer than three vertices', () => {
    const tri = poly([
      [0, 0],
      [1, 0],
      [0, 1],
    ]);
    expect(openRing(applyOp(tri, { kind: 'delete', at: [1, 0] }).coordinates[0])).toHaveLength(3);
  });
});

describe('snap', () => {
  const id = (lng: number, lat: number) => ({ x: lng, y: lat });
  const back = (x: number, y: number) => ({ lng: x, lat: y });
  const geoms = [poly(square)];
  test('to the nearest vertex within reach', () => expect(snap({ x: 1.05, y: 0.02 }, geoms, id, back, 0.1)).toEqual([1, 0]));
  test('else to the nearest point on an edge', () => expect(snap({ x: 0.5, y: 0.05 }, geoms, id, back, 0.1)).toEqual([0.5, 0]));
  test('nothing out of reach', () => expect(snap({ x: 5, y: 5 }, geoms, id, back, 0.1)).toBeNull());
  test('a skipped vertex (the dragged one) is not a target', () =>
    expect(snap({ x: 1.01, y: 0.01 }, geoms, id, back, 0.1, (p) => p[0] === 1 && p[1] === 0)).not.toEqual([1, 0]));
});
