#!/usr/bin/env python3
"""GEOS coverage validation (shapely >= 2.2, GEOS >= 3.12) on the benchmark data.

Reads the grids GeoJSON written by `cargo bench -p gridd --bench coverage`, projects
it to metres (equirectangular at the centre, as gridd does) and runs, per level,
`coverage_is_valid` and `coverage_invalid_edges` with gap_width = the tolerance.
Prints one JSON object. GEOS validation demands exact edge matching and checks
neither nesting nor sizes: it is an oracle for speed and for how strict it is.
"""
import json
import math
import sys
import time

import numpy as np
import shapely


def main(path, tolerance):
    with open(path) as f:
        fc = json.load(f)
    geoms = shapely.from_geojson([json.dumps(x["geometry"]) for x in fc["features"]])
    levels = np.array([x["properties"]["level"] for x in fc["features"]])
    x0, y0, x1, y1 = shapely.total_bounds(geoms)
    lon0, lat0 = (x0 + x1) / 2, (y0 + y1) / 2
    kx = 111_320.0 * math.cos(math.radians(lat0))
    ky = 110_574.0
    metric = shapely.transform(geoms, lambda c: np.column_stack(((c[:, 0] - lon0) * kx, (c[:, 1] - lat0) * ky)))
    out = {"shapely": shapely.__version__, "geos": shapely.geos_version_string, "levels": []}
    total = 0.0
    for level in sorted(set(levels.tolist())):
        g = metric[levels == level]
        t = time.perf_counter()
        valid = shapely.coverage_is_valid(g, gap_width=tolerance)
        t_valid = time.perf_counter() - t
        t = time.perf_counter()
        edges = shapely.coverage_invalid_edges(g, gap_width=tolerance)
        t_edges = time.perf_counter() - t
        total += t_valid + t_edges
        bad = int(np.count_nonzero(~shapely.is_empty(edges)))
        out["levels"].append({
            "level": int(level), "grids": int(len(g)), "valid": bool(valid),
            "polygons_with_invalid_edges": bad,
            "is_valid_s": t_valid, "invalid_edges_s": t_edges,
        })
    out["total_s"] = total
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 0.5)
