// The open cases on the shared map: one GeoJSON source (`cases`) of points,
// coloured by stage; a case past its deadline is red and pulses (a CSS ring
// over the map, so the map itself does not repaint for it), one within two
// hours of it is orange. The case open in the drawer is ringed, and the place
// of a report being made is marked.

import maplibregl, { type ExpressionSpecification, type GeoJSONSource, type MapMouseEvent } from 'maplibre-gl';
import type { Case } from '../../api';
import type { GridMap } from '../../map/map';
import { dueOf, type Due } from './model';

export const CASES_SOURCE = 'cases';
export const CASE_LAYERS = { halo: 'cases-halo', dot: 'cases-dot', selected: 'cases-selected', draft: 'cases-draft' } as const;
const DRAFT_SOURCE = 'cases-draft';

/** The colour of each stage (red and orange are kept for overdue and near the deadline). */
export const STAGE_COLORS: Record<string, string> = {
  reported: '#7a5af8',
  filed: '#2e6fd0',
  dispatched: '#0e9384',
  handling: '#3b7d23',
  result_reported: '#8a6a00',
  deferred: '#667085',
  closed: '#1f7a33',
  evaluated: '#1f7a33',
  explained: '#475467',
  refused: '#475467',
  merged: '#475467',
};
export const DUE_COLORS: Record<'overdue' | 'near', string> = { overdue: '#d92d20', near: '#f79009' };

/** The colour a case is drawn in now. */
export function caseColor(c: Case, due: Due): string {
  if (due === 'overdue' || due === 'near') return DUE_COLORS[due];
  return STAGE_COLORS[c.stage] ?? '#555555';
}

const EMPTY: GeoJSON.FeatureCollection = { type: 'FeatureCollection', features: [] };
const NONE = -1;

export class CaseLayers {
  private readonly pulses = new Map<number, maplibregl.Marker>();
  private selected = NONE;
  private ready = false;

  constructor(
    private readonly gm: GridMap,
    /** A case's dot was clicked. */
    private readonly onPick: (c: { id: number; number: string }) => void,
    /** Whether a click on the map is taken by something else now (a report being placed). */
    private readonly busy: () => boolean,
  ) {}

  /** Add the source and layers (once the style has loaded). */
  install(): void {
    const map = this.gm.map;
    map.addSource(CASES_SOURCE, { type: 'geojson', data: EMPTY });
    map.addSource(DRAFT_SOURCE, { type: 'geojson', data: EMPTY });
    const radius = (small: number, large: number) =>
      ['interpolate', ['linear'], ['zoom'], 12, small, 17, large] as unknown as ExpressionSpecification;
    map.addLayer({
      id: CASE_LAYERS.halo,
      type: 'circle',
      source: CASES_SOURCE,
      filter: ['in', ['get', 'due'], ['literal', ['overdue', 'near']]],
      paint: { 'circle-color': ['get', 'color'], 'circle-opacity': 0.25, 'circle-radius': radius(10, 16) },
    });
    map.addLayer({
      id: CASE_LAYERS.dot,
      type: 'circle',
      source: CASES_SOURCE,
      paint: {
        'circle-color': ['get', 'color'],
        'circle-radius': radius(5, 9),
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 2,
      },
    });
    map.addLayer({
      id: CASE_LAYERS.selected,
      type: 'circle',
      source: CASES_SOURCE,
      filter: ['==', ['get', 'id'], NONE],
      paint: {
        'circle-color': 'rgba(0,0,0,0)',
        'circle-radius': radius(10, 15),
        'circle-stroke-color': '#111111',
        'circle-stroke-width': 3,
      },
    });
    map.addLayer({
      id: CASE_LAYERS.draft,
      type: 'circle',
      source: DRAFT_SOURCE,
      paint: {
        'circle-color': '#e6007e',
        'circle-radius': 8,
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 3,
      },
    });
    map.on('click', CASE_LAYERS.dot, (e: MapMouseEvent & { features?: maplibregl.MapGeoJSONFeature[] }) => {
      if (this.busy()) return;
      const f = e.features?.[0];
      if (f) this.onPick({ id: Number(f.properties.id), number: String(f.properties.number) });
    });
    map.on('mouseenter', CASE_LAYERS.dot, () => {
      if (!this.busy()) map.getCanvas().style.cursor = 'pointer';
    });
    map.on('mouseleave', CASE_LAYERS.dot, () => {
      if (!this.busy()) map.getCanvas().style.cursor = '';
    });
    this.ready = true;
  }

  /** Draw these cases as they stand at `now` (Unix seconds). */
  setCases(cases: readonly Case[], now: number): void {
    if (!this.ready) return;
    const features: GeoJSON.Feature[] = [];
    const overdue = new Map<number, Case>();
    for (const c of cases) {
      const due = dueOf(c, now);
      if (due === 'overdue') overdue.set(c.id, c);
      features.push({
        type: 'Feature',
        id: c.id,
        geometry: { type: 'Point', coordinates: [c.lon, c.lat] },
        properties: { id: c.id, number: c.number, stage: c.stage, due, color: caseColor(c, due) },
      });
    }
    (this.gm.map.getSource(CASES_SOURCE) as GeoJSONSource | undefined)?.setData({ type: 'FeatureCollection', features });
    for (const [id, m] of this.pulses) {
      if (!overdue.has(id)) {
        m.remove();
        this.pulses.delete(id);
      }
    }
    for (const [id, c] of overdue) {
      const known = this.pulses.get(id);
      if (known) {
        known.setLngLat([c.lon, c.lat]);
        continue;
      }
      // The marker positions its element by a transform: the ring that scales is inside it.
      const el = document.createElement('div');
      el.className = 'case-pulse-at';
      el.setAttribute('aria-hidden', 'true');
      const ring = document.createElement('div');
      ring.className = 'case-pulse';
      el.append(ring);
      this.pulses.set(id, new maplibregl.Marker({ element: el }).setLngLat([c.lon, c.lat]).addTo(this.gm.map));
    }
  }

  /** Ring the case open in the drawer (or none). */
  select(id: number | null): void {
    this.selected = id ?? NONE;
    if (this.ready) this.gm.map.setFilter(CASE_LAYERS.selected, ['==', ['get', 'id'], this.selected]);
  }

  /** Mark where a report is being placed (or nowhere). */
  setDraft(at: [number, number] | null): void {
    if (!this.ready) return;
    const data: GeoJSON.FeatureCollection = at
      ? { type: 'FeatureCollection', features: [{ type: 'Feature', geometry: { type: 'Point', coordinates: at }, properties: {} }] }
      : EMPTY;
    (this.gm.map.getSource(DRAFT_SOURCE) as GeoJSONSource | undefined)?.setData(data);
  }

  /** The page is left: nothing is drawn any more (a late answer then changes nothing). */
  detach(): void {
    this.ready = false;
    for (const m of this.pulses.values()) m.remove();
    this.pulses.clear();
  }

  /** How many cases pulse now (for the tests' hook). */
  pulsing(): number {
    return this.pulses.size;
  }
}
