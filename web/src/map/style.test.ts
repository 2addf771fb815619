import { describe, expect, test } from 'vitest';
import type { StyleSpecification } from 'maplibre-gl';
import { byState, kindFill, KIND_COLORS, patchServerStyle, SELECTED_COLOR } from './style';
// GET /styles/default.json of `gridd serve --demo` (host replaced), as the server writes it.
import served from './server-style.fixture.json';

const serverStyle = (): StyleSpecification => ({
  version: 8,
  sources: { grids: { type: 'vector', url: 'x' } },
  layers: [
    {
      id: 'grids_l1-fill',
      type: 'fill',
      source: 'grids',
      'source-layer': 'grids_l1',
      paint: { 'fill-color': '#c0392b', 'fill-opacity': 0.06 },
    },
    { id: 'grids_l1-line', type: 'line', source: 'grids', 'source-layer': 'grids_l1', paint: { 'line-color': '#c0392b', 'line-width': 3 } },
    { id: 'subdistrict-line', type: 'line', source: 'grids', 'source-layer': 'subdistrict', paint: { 'line-color': '#222222' } },
  ],
});

describe('feature-state expressions', () => {
  test('a constant becomes a case on the states, in order', () => {
    expect(
      byState(3, [
        ['selected', () => 6],
        ['hover', () => 4],
      ]),
    ).toEqual(['case', ['boolean', ['feature-state', 'selected'], false], 6, ['boolean', ['feature-state', 'hover'], false], 4, 3]);
  });

  test('a zoom curve stays on top with a case at each stop', () => {
    const curve = ['interpolate', ['linear'], ['zoom'], 12, 1, 18, 8];
    expect(byState(curve as never, [['selected', (v) => (v as number) * 2]])).toEqual([
      'interpolate',
      ['linear'],
      ['zoom'],
      12,
      ['case', ['boolean', ['feature-state', 'selected'], false], 2, 1],
      18,
      ['case', ['boolean', ['feature-state', 'selected'], false], 16, 8],
    ]);
  });
});

describe('the server style patch', () => {
  test('reads the colours before adding feature state, and changes nothing twice', () => {
    const style = serverStyle();
    const facts = patchServerStyle(style);
    expect(facts.levelColors[1]).toBe('#c0392b');
    expect(facts.levelWidths[1]).toBe(3);
    expect(facts.boundaryColor).toBe('#222222');
    const line = style.layers[1] as { paint: Record<string, unknown> };
    expect(JSON.stringify(line.paint['line-color'])).toContain(SELECTED_COLOR);
    const once = JSON.stringify(style);
    patchServerStyle(style);
    expect(JSON.stringify(style)).toBe(once);
  });

  test('kind colours come from the style metadata when the server names them', () => {
    const style = { ...serverStyle(), metadata: { 'gridd:kind-colors': { residential: '#000000' } } };
    expect(patchServerStyle(style).kindColors.residential).toBe('#000000');
    expect(JSON.stringify(kindFill({ residential: '#000000' }))).toContain('#000000');
  });
});

describe("the server's own style", () => {
  const style = () => JSON.parse(JSON.stringify(served)) as StyleSpecification;

  test('already carries every feature-state expression: the patch changes nothing', () => {
    const s = style();
    patchServerStyle(s);
    expect(s).toEqual(style());
  });

  test('the legend reads the level colours and widths under the feature-state cases', () => {
    const facts = patchServerStyle(style());
    expect(facts.levelColors).toEqual({ 1: '#c0392b', 2: '#d35400', 3: '#2471a3', 4: '#7d3c98', 5: '#117a65' });
    expect(facts.levelWidths).toEqual({ 1: 3, 2: 2, 3: 1, 4: 0.8, 5: 0.6 });
    expect(facts.boundaryColor).toBe('#222222');
  });

  test('the kind colours come from its metadata', () => {
    const s = style();
    expect(Object.keys((s.metadata as Record<string, object>)['gridd:kind-colors']).sort()).toEqual(Object.keys(KIND_COLORS).sort());
    expect(patchServerStyle(s).kindColors).toEqual((s.metadata as Record<string, unknown>)['gridd:kind-colors']);
  });

  test('what the patch would add is what the server wrote', () => {
    // Strip the server's expressions back to plain values: the patch must rebuild them exactly.
    const bare = style();
    for (const l of bare.layers as { id: string; paint?: Record<string, unknown> }[]) {
      if (!/^grids_l\d-(fill|line)$/.test(l.id) || !l.paint) continue;
      for (const [k, v] of Object.entries(l.paint)) if (Array.isArray(v) && v[0] === 'case') l.paint[k] = v[v.length - 1];
    }
    delete bare.metadata;
    patchServerStyle(bare);
    expect(bare.layers).toEqual(style().layers);
  });
});
