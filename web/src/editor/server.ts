// The editor's server operations, each one call (or one ordered series) of
// the typed API client. They take the session's data and answer what the
// server answered; the view decides what to show.

import type { FeatureCollection, LineString } from 'geojson';
import { ApiError, api, type BBox, type CoverageProblem, type EditResult, type FeatureRepair, type GridFeature } from '../api';
import { geometryBBox } from '../lib/geom';
import { attrsChanged, draftFeature, previewProblems, topological, VersionBook, vertexBody, type Session } from './session';

/** The grids around an area (all levels), with a margin so snapping finds the neighbours' edges. */
export async function gridsAround(bbox: BBox): Promise<Map<number, GridFeature>> {
  const dx = (bbox[2] - bbox[0]) * 0.5 + 0.0005;
  const dy = (bbox[3] - bbox[1]) * 0.5 + 0.0003;
  const fc = await api.grids({ bbox: [bbox[0] - dx, bbox[1] - dy, bbox[2] + dx, bbox[3] + dy] });
  const out = new Map<number, GridFeature>();
  for (const f of fc.features) out.set(f.properties.id, f);
  return out;
}

/** The coverage preview of the session's draft: the problems the edit would create. */
export async function previewDraft(s: Session): Promise<CoverageProblem[]> {
  const f = draftFeature(s);
  if (!f) return [];
  const r = await api.preview(f);
  return previewProblems(s, r.breaks ?? r.problems ?? []);
}

/** Save the session: create, PUT, or the vertex operations in order. Returns the saved grid's id. */
export async function saveSession(s: Session, reason: string | null): Promise<number | null> {
  const f = draftFeature(s)!;
  if (s.kind === 'new') {
    const created = await api.createGrid(f, reason);
    return created.properties.id;
  }
  if (topological(s)) {
    await writeOps(s, reason);
    // Attributes (if changed) go with a PUT of the saved geometry.
    if (attrsChanged(s)) {
      const cur = await api.grid(s.gridId!);
      await api.putGrid(s.gridId!, { ...f, geometry: cur.geometry }, cur.properties.version, reason);
    }
    return s.gridId;
  }
  await api.putGrid(s.gridId!, f, s.version!, reason);
  return s.gridId;
}

/**
 * Send the vertex operations to the topological endpoints, in order, each
 * naming the versions of every grid the editor believes has the vertex or edge.
 */
export async function writeOps(s: Session, reason: string | null): Promise<void> {
  const book = new VersionBook(s);
  for (const op of s.ops) {
    const versions = book.involved(op);
    const r =
      op.kind === 'move'
        ? await api.moveVertex(vertexBody(op, versions), reason)
        : op.kind === 'insert'
          ? await api.insertVertex(vertexBody(op, versions), reason)
          : await api.deleteVertex(vertexBody(op, versions), reason);
    book.applied(op, r.changed);
  }
}

/** The grid's current state (after a stale edit). */
export function currentGrid(id: number): Promise<GridFeature> {
  return api.grid(id);
}

/** Split a grid by a line, from its current version. */
export async function splitGrid(id: number, line: LineString): Promise<EditResult> {
  const cur = await api.grid(id);
  return api.split(id, line, cur.properties.version);
}

/** Merge two adjacent siblings; each named with the version the planner saw. */
export function mergeGrids(a: GridFeature, b: GridFeature): Promise<EditResult> {
  return api.merge([a.properties.id, b.properties.id], {
    [String(a.properties.id)]: a.properties.version,
    [String(b.properties.id)]: b.properties.version,
  });
}

/** A GeoPackage is an SQLite file: check its header rather than trust the name. */
export async function isGeoPackage(file: Blob): Promise<boolean> {
  const head = new Uint8Array(await file.slice(0, 16).arrayBuffer());
  return new TextDecoder().decode(head) === 'SQLite format 3\u0000';
}

/** What an import answered: the grids it created, or why the whole file was refused. */
export interface ImportReport {
  file: string;
  /** The parent, as "name (code)". */
  parent: string;
  status: 'busy' | 'done' | 'refused';
  created: { id: number; code: string; name: string; level: number; bbox: BBox | null }[];
  /** Every bad feature (index into the file's features; null for the file as a whole). */
  errors: { index: number | null; feature: string | null; field: string; reason: string }[];
  /** What the server repaired, per feature (only with repair). */
  repairs: FeatureRepair[];
  detail: string | null;
}

/** Import a file under a grid or the subdistrict and fill the report with the answer. */
export async function importInto(
  parent: { grid: number } | { subdistrict: number },
  file: File,
  repair: boolean,
  report: ImportReport,
): Promise<void> {
  const gpkg = await isGeoPackage(file);
  try {
    const r = await api.importFile(parent, file, gpkg ? 'application/geopackage+sqlite3' : 'application/geo+json', repair);
    report.status = 'done';
    report.created = r.created.map((f) => ({
      id: f.properties.id,
      code: f.properties.code,
      name: f.properties.name,
      level: f.properties.level,
      bbox: geometryBBox(f.geometry),
    }));
    report.repairs = r.repairs;
  } catch (err) {
    report.status = 'refused';
    if (err instanceof ApiError) {
      report.detail = err.message;
      report.errors = (err.problem?.errors ?? []).map((e) => {
        const m = /^features\[(\d+)\]\.?(.*)$/.exec(e.field);
        return { index: m ? Number(m[1]) : null, feature: e.feature ?? null, field: m ? m[2] : e.field, reason: e.reason };
      });
    } else {
      report.detail = err instanceof Error ? err.message : String(err);
    }
  }
}

/** The grids of a level (all levels with 'all') as a GeoJSON file to download. */
export async function exportGrids(level: number | 'all', subdistrict: number | null): Promise<{ name: string; blob: Blob }> {
  const fc: FeatureCollection = await api.grids({ level: level === 'all' ? undefined : level, subdistrict: subdistrict ?? undefined });
  return {
    name: `grids-${level === 'all' ? 'all' : `l${level}`}.geojson`,
    blob: new Blob([JSON.stringify(fc)], { type: 'application/geo+json' }),
  };
}
