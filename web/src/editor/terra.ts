// The Terra Draw adapter: the only module that talks to Terra Draw. It shows
// one polygon for vertex editing (select mode with draggable, deletable
// coordinates and midpoints), draws a new polygon or a split line, snaps to
// the given geometries (topo.snap) and reports finished changes as plain
// GeoJSON. What a change means is the session's business.

import type { Map as MlMap } from 'maplibre-gl';
import type { LineString, Polygon, Position } from 'geojson';
import { TerraDraw, TerraDrawLineStringMode, TerraDrawPolygonMode, TerraDrawSelectMode, type TerraDrawMouseEvent } from 'terra-draw';
import { TerraDrawMapLibreGLAdapter } from 'terra-draw-maplibre-gl-adapter';
import type { GridGeometry } from '../api';
import { openRing, samePos, snap, type Pos } from './topo';

const TD_SELECT = 'select';
const TD_POLYGON = 'polygon';
const TD_LINE = 'linestring';

export interface DrawEvents {
  /** The edited polygon's outer ring changed (a vertex moved, was inserted or deleted). */
  ringChanged(ring: Pos[]): void;
  /** A new polygon was drawn. */
  polygonDrawn(polygon: Polygon): void;
  /** A line was drawn (split mode). */
  lineDrawn(line: LineString): void;
}

export class DrawAdapter {
  private draw: TerraDraw | null = null;
  private featureId: string | number | null = null;
  /** The ring shown before the current drag (a dragged vertex must not snap back onto itself). */
  private shownRing: Pos[] | null = null;
  private restoring = false;
  private targets: GridGeometry[] = [];
  private mode: 'idle' | 'vertices' | 'polygon' | 'line' = 'idle';

  constructor(
    private readonly map: MlMap,
    private readonly events: DrawEvents,
  ) {}

  /** Geometries to snap to (the neighbours as they are now). */
  setSnapTargets(geoms: GridGeometry[]): void {
    this.targets = geoms;
  }

  private ensure(): TerraDraw {
    if (this.draw) return this.draw;
    const snapping = {
      toCustom: (event: TerraDrawMouseEvent, ctx: { currentCoordinate?: number }) => this.snapTo(event, ctx.currentCoordinate),
    };
    const draw = new TerraDraw({
      adapter: new TerraDrawMapLibreGLAdapter({ map: this.map, coordinatePrecision: 9 }),
      modes: [
        new TerraDrawSelectMode({
          modeName: TD_SELECT,
          keyEvents: null,
          allowManualDeselection: false,
          flags: {
            [TD_POLYGON]: {
              feature: {
                draggable: false,
                coordinates: { draggable: true, deletable: true, midpoints: { draggable: true }, snappable: snapping },
              },
            },
          },
          styles: {
            selectedPolygonColor: '#e76f00',
            selectedPolygonFillOpacity: 0.15,
            selectedPolygonOutlineColor: '#e76f00',
            selectedPolygonOutlineWidth: 3,
            selectionPointColor: '#ffffff',
            selectionPointOutlineColor: '#e76f00',
            selectionPointWidth: 4,
            midPointColor: '#e76f00',
            midPointWidth: 3,
          },
        }),
        new TerraDrawPolygonMode({
          modeName: TD_POLYGON,
          snapping,
          styles: { fillColor: '#e76f00', fillOpacity: 0.15, outlineColor: '#e76f00', outlineWidth: 3 },
        }),
        new TerraDrawLineStringMode({
          modeName: TD_LINE,
          snapping,
          styles: { lineStringColor: '#b00020', lineStringWidth: 3 },
        }),
      ],
    });
    draw.start();
    draw.on('finish', (id, ctx) => this.onFinish(id, ctx.mode, ctx.action));
    this.draw = draw;
    return draw;
  }

  private snapTo(event: TerraDrawMouseEvent, dragged?: number): Position | undefined {
    if (!this.targets.length) return undefined;
    const own = this.mode === 'vertices' && dragged !== undefined && this.shownRing ? this.shownRing[dragged] : null;
    const p = snap(
      { x: event.containerX, y: event.containerY },
      this.targets,
      (lng, lat) => this.map.project([lng, lat]),
      (x, y) => this.map.unproject([x, y]),
      10,
      own ? (q) => samePos(q, own) : undefined,
    );
    return p ?? undefined;
  }

  private onFinish(id: string | number, mode: string, action: string): void {
    const draw = this.draw;
    if (!draw) return;
    const f = draw.getSnapshotFeature(id);
    if (this.mode === 'polygon' && mode === TD_POLYGON && action === 'draw') {
      if (!f || f.geometry.type !== 'Polygon') return;
      // Go on editing the drawn polygon's vertices.
      this.featureId = id;
      this.shownRing = openRing(f.geometry.coordinates[0]);
      this.mode = 'vertices';
      draw.setMode(TD_SELECT);
      draw.selectFeature(id);
      this.events.polygonDrawn(f.geometry);
      return;
    }
    if (this.mode === 'line' && mode === TD_LINE && action === 'draw') {
      draw.removeFeatures([id]);
      if (f && f.geometry.type === 'LineString') this.events.lineDrawn(f.geometry);
      return;
    }
    if (this.mode === 'vertices' && id === this.featureId && !this.restoring) {
      if (!f || f.geometry.type !== 'Polygon') return;
      const ring = openRing(f.geometry.coordinates[0]);
      this.shownRing = ring;
      this.events.ringChanged(ring);
    }
  }

  /**
   * Show a polygon for vertex editing (its outer ring: holes are kept by the
   * session as they are). Returns Terra Draw's reason when it refuses the shape.
   */
  edit(geometry: Polygon): string | null {
    const draw = this.ensure();
    this.restoring = true;
    try {
      draw.clear();
      this.featureId = null;
      this.shownRing = null;
      const id = draw.getFeatureId();
      const outer: Polygon = { type: 'Polygon', coordinates: [JSON.parse(JSON.stringify(geometry.coordinates[0])) as Position[]] };
      const res = draw.addFeatures([{ type: 'Feature', id, geometry: outer, properties: { mode: TD_POLYGON } }]);
      if (!res[0]?.valid) return res[0]?.reason ?? 'invalid';
      this.featureId = id;
      this.shownRing = openRing(geometry.coordinates[0]);
      this.mode = 'vertices';
      draw.setMode(TD_SELECT);
      draw.selectFeature(id);
      return null;
    } finally {
      this.restoring = false;
    }
  }

  /** Draw a new polygon. */
  drawPolygon(): void {
    this.clear();
    this.mode = 'polygon';
    this.ensure().setMode(TD_POLYGON);
  }

  /** Draw a line (to split a grid). */
  drawLine(): void {
    this.clear();
    this.mode = 'line';
    this.ensure().setMode(TD_LINE);
  }

  /** Remove whatever is drawn. */
  clear(): void {
    this.mode = 'idle';
    this.featureId = null;
    this.shownRing = null;
    if (!this.draw) return;
    this.draw.clear();
    this.draw.setMode(TD_SELECT);
  }

  destroy(): void {
    if (this.draw) {
      try {
        this.draw.stop();
      } catch {
        // The map may already be gone.
      }
    }
    this.draw = null;
  }
}
