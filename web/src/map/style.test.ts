import { describe, expect, test } from 'vitest';
import type { StyleSpecification } from 'maplibre-gl';
import { byState, kindFill, patchServerStyle, SELECTED_COLOR } from './style';

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
