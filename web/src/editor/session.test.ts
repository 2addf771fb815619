import { describe, expect, test } from 'vitest';
import type { GridFeature } from '../api';
import {
  VersionBook,
  changeRing,
  dirty,
  draftFeature,
  editSession,
  hiddenGrids,
  newSession,
  previewProblems,
  redo,
  setDrawn,
  topological,
  undo,
  vertexBody,
} from './session';
import { closeRing, type Pos } from './topo';

function grid(id: number, ring: Pos[], version = 1, extra: Partial<GridFeature['properties']> = {}): GridFeature {
  return {
    type: 'Feature',
    id,
    geometry: { type: 'Polygon', coordinates: [closeRing(ring)] },
    properties: {
      id,
      subdistrict_id: 1,
      code: `3205089900010${id}`,
      name: `g${id}`,
      level: 3,
      parent_id: 7,
      households: null,
      households_total: null,
      population: null,
      responsible: [],
      kind: 'residential',
      version,
      created_at: '2026-01-01T00:00:00Z',
      updated_at: '2026-01-01T00:00:00Z',
      ...extra,
    },
  };
}

// Two squares sharing the edge x = 1, and one far away.
const left = grid(
  1,
  [
    [0, 0],
    [1, 0],
    [1, 1],
    [0, 1],
  ],
  4,
);
const right = grid(
  2,
  [
    [1, 0],
    [2, 0],
    [2, 1],
    [1, 1],
  ],
  9,
);
const far = grid(
  3,
  [
    [5, 5],
    [6, 5],
    [6, 6],
    [5, 6],
  ],
  2,
);
const around = () =>
  new Map<number, GridFeature>([
    [1, left],
    [2, right],
    [3, far],
  ]);

describe('an edit session', () => {
  test('starts clean, without the edited grid among its neighbours', () => {
    const s = editSession(left, around());
    expect(dirty(s)).toBe(false);
    expect([...s.others.keys()]).toEqual([2, 3]);
    expect(s.version).toBe(4);
  });

  test('moving a shared vertex moves the neighbour along and hides both from the tiles', () => {
    const s = editSession(left, around());
    expect(
      changeRing(s, [
        [0, 0],
        [1.1, 0],
        [1, 1],
        [0, 1],
      ]),
    ).toBe(true);
    expect(s.ops).toEqual([{ kind: 'move', from: [1, 0], to: [1.1, 0] }]);
    expect([...s.moved.keys()]).toEqual([2]);
    expect(s.moved.get(2)!.coordinates[0][0]).toEqual([1.1, 0]);
    expect(hiddenGrids(s)).toEqual([1, 2]);
    expect(topological(s)).toBe(true);
    expect(dirty(s)).toBe(true);
  });

  test('an unchanged ring records nothing', () => {
    const s = editSession(left, around());
    expect(
      changeRing(s, [
        [0, 0],
        [1, 0],
        [1, 1],
        [0, 1],
      ]),
    ).toBe(false);
    expect(s.undo).toHaveLength(0);
  });

  test('undo and redo restore the draft, the operations and the neighbours', () => {
    const s = editSession(left, around());
    changeRing(s, [
      [0, 0],
      [1.1, 0],
      [1, 1],
      [0, 1],
    ]);
    expect(undo(s)).toBe(true);
    expect(s.ops).toEqual([]);
    expect(s.moved.size).toBe(0);
    expect(s.geometry!.coordinates[0][1]).toEqual([1, 0]);
    expect(undo(s)).toBe(false);
    expect(redo(s)).toBe(true);
    expect(s.ops).toHaveLength(1);
    expect(s.moved.get(2)!.coordinates[0][0]).toEqual([1.1, 0]);
    expect(redo(s)).toBe(false);
  });

  test('a new change forgets what could be redone', () => {
    const s = editSession(left, around());
    changeRing(s, [
      [0, 0],
      [1.1, 0],
      [1, 1],
      [0, 1],
    ]);
    undo(s);
    changeRing(s, [
      [-0.1, 0],
      [1, 0],
      [1, 1],
      [0, 1],
    ]);
    expect(s.redo).toHaveLength(0);
  });

  test('moving an unshared vertex is not topological: a plain PUT', () => {
    const s = editSession(left, around());
    changeRing(s, [
      [-0.1, 0],
      [1, 0],
      [1, 1],
      [0, 1],
    ]);
    expect(s.moved.size).toBe(0);
    expect(topological(s)).toBe(false);
  });

  test('holes are kept when the outer ring changes', () => {
    const holed = grid(4, [
      [0, 0],
      [3, 0],
      [3, 3],
      [0, 3],
    ]);
    holed.geometry = {
      type: 'Polygon',
      coordinates: [
        closeRing([
          [0, 0],
          [3, 0],
          [3, 3],
          [0, 3],
        ]),
        closeRing([
          [1, 1],
          [2, 1],
          [2, 2],
          [1, 2],
        ]),
      ],
    };
    const s = editSession(holed, new Map());
    changeRing(s, [
      [0, 0],
      [3.5, 0],
      [3, 3],
      [0, 3],
    ]);
    expect(s.geometry!.coordinates).toHaveLength(2);
  });
});

describe('versions of a vertex operation', () => {
  test('name every grid that has the vertex, at the version the editor loaded', () => {
    const s = editSession(left, around());
    changeRing(s, [
      [0, 0],
      [1.1, 0],
      [1, 1],
      [0, 1],
    ]);
    const book = new VersionBook(s);
    expect(book.involved(s.ops[0])).toEqual({ '1': 4, '2': 9 });
    expect(vertexBody(s.ops[0], book.involved(s.ops[0]))).toEqual({ from: [1, 0], to: [1.1, 0], versions: { '1': 4, '2': 9 } });
  });

  test('an insert names the grids whose edge passes there', () => {
    const s = editSession(left, around());
    changeRing(s, [
      [0, 0],
      [1, 0],
      [1, 0.5],
      [1, 1],
      [0, 1],
    ]);
    const book = new VersionBook(s);
    expect(s.ops[0].kind).toBe('insert');
    expect(book.involved(s.ops[0])).toEqual({ '1': 4, '2': 9 });
  });

  test('later operations take the versions the server answered', () => {
    const s = editSession(left, around());
    changeRing(s, [
      [0, 0],
      [1.1, 0],
      [1, 1],
      [0, 1],
    ]);
    changeRing(s, [
      [0, 0],
      [1.2, 0],
      [1, 1],
      [0, 1],
    ]);
    const book = new VersionBook(s);
    const [first, second] = s.ops;
    book.applied(first, [
      grid(
        1,
        [
          [0, 0],
          [1.1, 0],
          [1, 1],
          [0, 1],
        ],
        5,
      ),
      grid(
        2,
        [
          [1.1, 0],
          [2, 0],
          [2, 1],
          [1, 1],
        ],
        10,
      ),
    ]);
    expect(book.involved(second)).toEqual({ '1': 5, '2': 10 });
  });

  test('a grid the operation does not touch is not named', () => {
    const s = editSession(left, around());
    changeRing(s, [
      [-0.1, 0],
      [1, 0],
      [1, 1],
      [0, 1],
    ]);
    expect(new VersionBook(s).involved(s.ops[0])).toEqual({ '1': 4 });
  });
});

describe('the draft', () => {
  test('a new grid under the subdistrict names it; the form fills the properties', () => {
    const s = newSession(1, null, 42, new Map());
    expect(dirty(s)).toBe(false);
    expect(draftFeature(s)).toBeNull();
    setDrawn(s, {
      type: 'Polygon',
      coordinates: [
        closeRing([
          [0, 0],
          [1, 0],
          [1, 1],
        ]),
      ],
    });
    s.attrs.name = 'n';
    s.attrs.code = '320508990007';
    s.attrs.responsible = [
      { name: '张三', role: '网格员', phone: '1' },
      { name: ' ', role: '', phone: '' },
    ];
    const f = draftFeature(s)!;
    expect(f.properties).toMatchObject({ level: 1, parent_id: null, subdistrict_id: 42, code: '320508990007', households: null });
    expect(f.properties.responsible).toHaveLength(1);
    expect(dirty(s)).toBe(true);
  });

  test('households go only when typed over the buildings’ sum', () => {
    const s = editSession(
      grid(
        1,
        [
          [0, 0],
          [1, 0],
          [1, 1],
        ],
        1,
        { households: null },
      ),
      new Map(),
    );
    s.attrs.households = 12;
    expect(draftFeature(s)!.properties.households).toBeNull();
    s.attrs.householdsOverride = true;
    expect(draftFeature(s)!.properties.households).toBe(12);
  });
});

describe('the preview', () => {
  test('drops overlaps and gaps among grids that move together, keeps the rest', () => {
    const s = editSession(left, around());
    changeRing(s, [
      [0, 0],
      [1.1, 0],
      [1, 1],
      [0, 1],
    ]);
    const problems = [
      {
        kind: 'overlap',
        grids: [
          { id: 1, code: 'a' },
          { id: 2, code: 'b' },
        ],
      },
      {
        kind: 'overlap',
        grids: [
          { id: 1, code: 'a' },
          { id: 3, code: 'c' },
        ],
      },
      { kind: 'outside_parent', grids: [{ id: 1, code: 'a' }] },
    ];
    expect(previewProblems(s, problems).map((p) => p.grids!.map((g) => g.id))).toEqual([[1, 3], [1]]);
  });
});
