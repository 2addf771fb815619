#!/usr/bin/env python3
"""Anchors for the point-in-grid benchmark, on the same grids and points as
`cargo bench -p gridd --bench lookup` (which writes target/lookup-bench/):

  * GEOS STRtree via shapely (PyPI, `pip install shapely`): per level
    `STRtree.query(points, predicate="covered_by")`, then the smallest code per
    point and level, vectorised with numpy;
  * PostGIS: GiST index, per level `ST_Covers ... ORDER BY code LIMIT 1`;
  * gridd over HTTP: `POST /api/v1/lookup` with 1,000,000 points (CSV and JSON),
    end to end with curl, against `target/release/gridd serve` on a GeoPackage
    loaded with the same grids.

Usage: server/benches/lookup_anchors.py [DATABASE_URL]   (default: scripts/pg.sh url)
Prints one line per measurement. Deterministic inputs; timings are wall clock.
"""
import json, os, random, subprocess, sys, tempfile, time
from pathlib import Path

import numpy as np
import shapely

root = Path(__file__).resolve().parents[2]
data = root / "target" / "lookup-bench"
grids = json.loads((data / "grids.geojson").read_text())["features"]
pts = np.loadtxt(data / "points.csv", delimiter=",", skiprows=1)
n = len(pts)
print(f"grids: {len(grids)}, points: {n}")


levels = []
for level in (1, 2, 3):
    fs = [f for f in grids if f["properties"]["level"] == level]
    geoms = shapely.from_geojson([json.dumps(f["geometry"]) for f in fs])
    codes = np.array([int(f["properties"]["code"]) for f in fs], dtype=np.float64)
    levels.append((shapely.STRtree(geoms), codes))
points = shapely.points(pts)


def shapely_paths():
    """Query time only: trees built beforehand, as gridd's index is."""
    t0 = time.perf_counter()
    out = []
    for tree, codes in levels:
        pi, gi = tree.query(points, predicate="covered_by")
        best = np.full(n, -1, dtype=np.int64)
        order = np.lexsort((codes[gi], pi))  # by point, then code
        pi, gi = pi[order], gi[order]
        first = np.ones(len(pi), dtype=bool)
        first[1:] = pi[1:] != pi[:-1]
        best[pi[first]] = gi[first]
        out.append(best)
    return time.perf_counter() - t0


t = min(shapely_paths() for _ in range(3))
print(f"shapely {shapely.__version__} (GEOS {shapely.geos_version_string}) STRtree, 3 levels, smallest code: "
      f"{n / t:,.0f} full-path lookups/s ({t * 1000:.0f} ms for {n})")

url = sys.argv[1] if len(sys.argv) > 1 else subprocess.run(
    [str(root / "scripts" / "pg.sh"), "url"], capture_output=True, text=True).stdout.strip()
if url:
    def psql(sql, stdin=None):
        return subprocess.run(["psql", url, "-q", "-v", "ON_ERROR_STOP=1", "-At", "-c", sql],
                              input=stdin, capture_output=True, text=True, check=True).stdout
    psql("DROP SCHEMA IF EXISTS lookup_bench CASCADE; CREATE SCHEMA lookup_bench;"
         "CREATE TABLE lookup_bench.grid (id bigint, code text, level smallint, geom geometry(Geometry, 4326));"
         "CREATE TABLE lookup_bench.pts (i bigint, x float8, y float8);")
    rows = "\n".join(f'{f["properties"]["id"]}\t{f["properties"]["code"]}\t{f["properties"]["level"]}\t{json.dumps(f["geometry"])}'
                     for f in grids)
    psql("CREATE TEMP TABLE g (id bigint, code text, level smallint, gj text); "
         "COPY g FROM STDIN; INSERT INTO lookup_bench.grid SELECT id, code, level, ST_SetSRID(ST_GeomFromGeoJSON(gj), 4326) FROM g;",
         stdin=rows + "\n")
    psql("COPY lookup_bench.pts FROM STDIN", stdin="\n".join(f"{i}\t{float(x)!r}\t{float(y)!r}" for i, (x, y) in enumerate(pts)) + "\n")
    psql("CREATE INDEX ON lookup_bench.grid USING gist (geom); ANALYZE lookup_bench.grid; ANALYZE lookup_bench.pts;")
    q = ("SELECT count(l1) + count(l2) + count(l3) FROM (SELECT "
         + ", ".join(f"(SELECT id FROM lookup_bench.grid g WHERE g.level = {l} AND ST_Covers(g.geom, p.g) ORDER BY code LIMIT 1) AS l{l}"
                     for l in (1, 2, 3))
         + " FROM (SELECT ST_SetSRID(ST_MakePoint(x, y), 4326) AS g FROM lookup_bench.pts) p) q")
    psql(q)  # warm
    t0 = time.perf_counter()
    psql(q)
    t = time.perf_counter() - t0
    print(f"PostGIS GiST + ST_Covers, 3 levels, smallest code, one backend: {n / t:,.0f} full-path lookups/s ({t * 1000:.0f} ms for {n})")
    psql("DROP SCHEMA lookup_bench CASCADE")

gridd = root / "target" / "release" / "gridd"
if gridd.exists():
    tmp = Path(tempfile.mkdtemp(prefix="lookup-bench-"))
    gpkg = str(tmp / "bench.gpkg")
    env = {**os.environ, "DATABASE_URL": ""}
    env.pop("DATABASE_URL")
    subprocess.run([str(gridd), "import", "subdistrict", str(data / "subdistrict.geojson"), "--gpkg", gpkg], env=env, check=True, capture_output=True)
    subprocess.run([str(gridd), "import", "grids", str(data / "grids.geojson"), "--gpkg", gpkg], env=env, check=True, capture_output=True)
    srv = subprocess.Popen([str(gridd), "serve", "--gpkg", gpkg, "--addr", "127.0.0.1:0", "--web-dir", str(tmp)],
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = srv.stdout.readline()
        base = line.split("http://")[1].split("/")[0]
        rnd = random.Random(7)
        x0, y0 = pts[:, 0].min(), pts[:, 1].min()
        x1, y1 = pts[:, 0].max(), pts[:, 1].max()
        million = [(x0 + (x1 - x0) * rnd.random(), y0 + (y1 - y0) * rnd.random()) for _ in range(1_000_000)]
        (tmp / "m.csv").write_text("lon,lat\n" + "".join(f"{x:.7f},{y:.7f}\n" for x, y in million))
        (tmp / "m.json").write_text("[" + ",".join(f"[{x:.7f},{y:.7f}]" for x, y in million) + "]")
        for name, ct, extra in (("m.csv", "text/csv", ""), ("m.json", "application/json", ""), ("m.csv", "text/csv", "&detail=full")):
            best = None
            for _ in range(3):
                r = subprocess.run(["curl", "-s", "-o", str(tmp / "out"), "-w", "%{http_code} %{time_total} %{size_download}",
                                    "-H", f"content-type: {ct}", "--data-binary", f"@{tmp / name}",
                                    f"http://{base}/api/v1/lookup?format=ndjson{extra}"], capture_output=True, text=True, check=True)
                code, secs, size = r.stdout.split()
                assert code == "200", r.stdout
                best = min(best or 1e9, float(secs))
            lines = sum(1 for _ in open(tmp / "out"))
            print(f"gridd HTTP POST /lookup, 1,000,000 points as {name[2:].upper()}{extra or ''}: {best:.2f} s end to end "
                  f"({1_000_000 / best:,.0f} points/s, {int(size) / 1e6:.0f} MB answered, {lines} answers)")
    finally:
        srv.terminate()
        srv.wait()
