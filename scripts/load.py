#!/usr/bin/env python3
"""Load run for issue 16: heavy geometries beside ordinary requests.

Two heavy clients keep sending maximum-size geometries to a running `gridd serve`
(a store with the demo data, or any store with level 3 grids):

  create   POST /api/v1/grids               a valid ~99,000-vertex boundary (201)
  update   PUT  /api/v1/grids/{id}          another valid ~99,000-vertex boundary (200)
  bad put  PUT  /api/v1/grids/{id}          an invalid one: two vertices swapped (422)
  bad new  POST /api/v1/grids               an invalid one (422)
  preview  POST /api/v1/coverage/preview    valid, then invalid (200, 422)
  split    POST /api/v1/grids/{id}/split    a 10,000-position zigzag cut line across it
  delete   DELETE every piece

while a third client measures `GET /health` and an ordinary `PUT` of another grid
(level 3, a few hundred vertices, If-Match of its current version, one field
changed), one after the other, with a pause between rounds. Each client is its own
process (so Python's GIL couples no client to another). Prints the latency
percentiles of the measured requests and the throughput of the heavy clients, as
Markdown, and writes every sample to --raw as JSON when asked.

  scripts/load.py --url http://127.0.0.1:8080 --seconds 120
Python 3.11 standard library only.
"""

import argparse
import http.client
import json
import math
import multiprocessing as mp
import re
import sys
import time
import urllib.parse

JSON = {"Content-Type": "application/json"}


def connect(url):
    u = urllib.parse.urlsplit(url)
    return http.client.HTTPConnection(u.hostname, u.port or 80, timeout=600)


def request(conn, method, path, body=None, headers=None):
    """One request on a kept-alive connection: (status, headers, body bytes, seconds)."""
    h = dict(JSON) if body is not None else {}
    h.update(headers or {})
    if isinstance(body, str):
        body = body.encode()
    t0 = time.perf_counter()
    conn.request(method, path, body=body, headers=h)
    r = conn.getresponse()
    data = r.read()
    dt = time.perf_counter() - t0
    return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data, dt


def star(cx, cy, r, n, phase):
    """A smooth star-shaped ring of n distinct positions (closed: n + 1), valid."""
    k = math.cos(math.radians(cy))
    pts = []
    for i in range(n):
        t = 2 * math.pi * i / n
        rr = r * (1 + 0.08 * math.sin(7 * t + phase) + 0.03 * math.sin(31 * t))
        pts.append((cx + rr * math.cos(t) / k, cy + rr * math.sin(t)))
    pts.append(pts[0])
    return pts


def ring_json(pts):
    return "[" + ",".join(f"[{x!r},{y!r}]" for x, y in pts) + "]"


def polygon(pts):
    return '{"type":"Polygon","coordinates":[' + ring_json(pts) + "]}"


def invalid(pts):
    """Swaps two neighbouring vertices a quarter of the way round: a bow-tie."""
    q = list(pts)
    i = len(q) // 4
    q[i], q[i + 1] = q[i + 1], q[i]
    return q


def zigzag(cx, cy, r, n):
    """A cut line of n positions from west to east across the star at cy, zigzagging
    by a millionth of r (monotone in x, so it never crosses itself; so flat that it
    crosses the boundary once on each side: two pieces)."""
    k = math.cos(math.radians(cy))
    x0, x1 = cx - 1.6 * r / k, cx + 1.6 * r / k
    a = r * 1e-6
    return [
        (x0 + (x1 - x0) * i / (n - 1), cy + (a if i % 2 else -a)) for i in range(n)
    ]


def feature(props, geometry):
    return '{"type":"Feature","properties":' + json.dumps(props) + ',"geometry":' + geometry + "}"


def pct(xs, p):
    """Nearest-rank percentile."""
    s = sorted(xs)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]


def heavy(url, client, parent, vertices, line_n, seconds, preview, out):
    """A heavy client: the cycle in the module doc, until the time is up."""
    conn = connect(url)
    cx, cy, r = parent["cx"], parent["cy"], parent["r"]
    valid_a = polygon(star(cx, cy, r, vertices, 0.3 * client))
    valid_b = polygon(star(cx, cy, r * 0.9, vertices, 0.3 * client + 1))
    bad = polygon(invalid(star(cx, cy, r, vertices, 0.3 * client + 2)))
    cut = json.dumps({"type": "LineString", "coordinates": zigzag(cx, cy, r, line_n)})
    level = parent["level"] + 1
    stats = {}  # op -> [count, seconds, bytes sent, statuses]
    errors = []

    def op(name, method, path, body=None, headers=None, want=(200,)):
        st, h, data, dt = request(conn, method, path, body, headers)
        s = stats.setdefault(name, {"n": 0, "s": 0.0, "bytes": 0, "status": {}, "max": 0.0})
        s["n"] += 1
        s["s"] += dt
        s["max"] = max(s["max"], dt)
        s["bytes"] += len(body.encode() if isinstance(body, str) else body or b"")
        s["status"][str(st)] = s["status"].get(str(st), 0) + 1
        if st not in want:
            errors.append(f"{name}: {st} {data[:300]!r}")
        return st, h, data

    deadline = time.time() + seconds
    k = 0
    while time.time() < deadline:
        k += 1
        code = parent["code"] + f"{100 + k % 100:03d}"
        props = {"code": code, "name": f"load {client}", "level": level,
                 "parent_id": parent["id"], "households": 100}
        st, h, data = op("create 99k", "POST", "/api/v1/grids", feature(props, valid_a), want=(201,))
        if st != 201:
            time.sleep(1)
            continue
        gid = int(h["location"].rstrip("/").rsplit("/", 1)[1])
        ver = h["etag"]
        st, h, _ = op("update 99k", "PUT", f"/api/v1/grids/{gid}", feature(props, valid_b),
                      {"If-Match": ver})
        ver = h.get("etag", ver)
        op("update 99k invalid", "PUT", f"/api/v1/grids/{gid}", feature(props, bad),
           {"If-Match": ver}, want=(422,))
        op("create 99k invalid", "POST", "/api/v1/grids",
           feature(dict(props, code=parent["code"] + "999"), bad), want=(422,))
        # A new grid beside the stored one (its own code): the audit of its neighbourhood.
        new = dict(props, code=parent["code"] + "998")
        if preview:
            op("preview 99k", "POST", "/api/v1/coverage/preview", feature(new, valid_a))
            op("preview 99k invalid", "POST", "/api/v1/coverage/preview", feature(new, bad),
               want=(422,))
        st, h, data = op("split 99k by 10k line", "POST", f"/api/v1/grids/{gid}/split",
                         '{"version":' + ver.strip('"') + ',"line":' + cut + "}")
        ids = [(gid, ver)]
        if st == 200:
            ans = json.loads(data)
            ids = [(f["id"], f'"{f["properties"]["version"]}"') for f in ans["changed"] + ans["created"]]
        for i, v in ids:
            op("delete", "DELETE", f"/api/v1/grids/{i}", headers={"If-Match": v}, want=(200, 204))
    out.put({"client": client, "stats": stats, "errors": errors[:20], "n_errors": len(errors)})


def measure(url, grid_id, seconds, pause, out):
    """The ordinary client: GET /health, then PUT the grid, then pause."""
    conn = connect(url)
    st, h, data, _ = request(conn, "GET", f"/api/v1/grids/{grid_id}")
    assert st == 200, (st, data[:200])
    f = json.loads(data)
    ver = h["etag"]
    props = {k: v for k, v in f["properties"].items()
             if k in ("code", "name", "level", "parent_id", "kind", "households",
                      "population", "subdistrict_id", "responsible")}
    geometry = json.dumps(f["geometry"])
    health, put, errors = [], [], []
    deadline = time.time() + seconds
    n = 0
    while time.time() < deadline:
        n += 1
        st, _, data, dt = request(conn, "GET", "/health")
        health.append(dt)
        if st != 200:
            errors.append(f"health {st}")
        props["households"] = 1000 + n % 500
        st, h, data, dt = request(conn, "PUT", f"/api/v1/grids/{grid_id}",
                                  feature(props, geometry), {"If-Match": ver})
        put.append(dt)
        if st == 200:
            ver = h["etag"]
        else:
            errors.append(f"put {st} {data[:200]!r}")
            _, h, _, _ = request(conn, "GET", f"/api/v1/grids/{grid_id}")
            ver = h["etag"]
        time.sleep(pause)
    out.put({"client": "measure", "health": health, "put": put, "errors": errors[:20],
             "n_errors": len(errors), "vertices": sum(len(r) for r in f["geometry"]["coordinates"])
             if f["geometry"]["type"] == "Polygon" else None})


def pick(url, heavy):
    """The heavy clients' parents (one level 3 grid each, so their codes never meet)
    and the measured grid (the last level 3 grid by code)."""
    conn = connect(url)
    st, _, data, _ = request(conn, "GET", "/api/v1/grids?level=3")
    assert st == 200, (st, data[:200])
    grids = json.loads(data)["features"]
    assert len(grids) > heavy, "needs more level 3 grids (start with --demo)"

    def info(g):
        ring = g["geometry"]["coordinates"][0] if g["geometry"]["type"] == "Polygon" \
            else g["geometry"]["coordinates"][0][0]
        xs, ys = [p[0] for p in ring], [p[1] for p in ring]
        cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
        r = 0.35 * min(max(ys) - min(ys), (max(xs) - min(xs)) * math.cos(math.radians(cy)))
        p = g["properties"]
        return {"id": g["id"] if "id" in g else p["id"], "code": p["code"], "level": p["level"],
                "cx": cx, "cy": cy, "r": r}

    grids.sort(key=lambda g: g["properties"]["code"])
    infos = [info(g) for g in grids]
    measured = infos[-1]
    # Parents about 400 m apart and from the measured grid, so
    # no client's grids are in another's neighbourhood (an edit planned outside the
    # write lock is planned again when its neighbourhood changed meanwhile).
    far = lambda a, b: abs(a["cx"] - b["cx"]) > 0.008 or abs(a["cy"] - b["cy"]) > 0.004
    parents = []
    for g in infos[:-1]:
        if len(parents) < heavy and far(g, measured) and all(far(g, p) for p in parents):
            parents.append(g)
    assert len(parents) == heavy, "not enough level 3 grids far apart"
    return parents, measured


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", default="http://127.0.0.1:8080")
    ap.add_argument("--seconds", type=float, default=120)
    ap.add_argument("--vertices", type=int, default=99_000)
    ap.add_argument("--line", type=int, default=10_000, help="positions of the cut line")
    ap.add_argument("--heavy", type=int, default=2, help="heavy clients")
    ap.add_argument("--pause", type=float, default=0.05, help="seconds between measured rounds")
    ap.add_argument("--raw", help="write every measured sample here (JSON)")
    ap.add_argument("--no-preview", action="store_true",
                    help="leave the previews out of the heavy cycle (they take most of its "
                         "time, so without them heavy writes come several times as often)")
    a = ap.parse_args()

    parents, measured = pick(a.url, a.heavy)
    print(f"heavy clients: children of grids {[p['code'] for p in parents]}; "
          f"measured: PUT grid {measured['id']} ({measured['code']})", file=sys.stderr)
    out = mp.Queue()
    procs = [mp.Process(target=heavy, args=(a.url, c, parents[c], a.vertices, a.line, a.seconds, not a.no_preview, out))
             for c in range(a.heavy)]
    procs.append(mp.Process(target=measure, args=(a.url, measured["id"], a.seconds, a.pause, out)))
    t0 = time.time()
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    wall = time.time() - t0
    m = next(r for r in results if r["client"] == "measure")
    hv = [r for r in results if r["client"] != "measure"]

    ms = lambda x: f"{x * 1000:.1f} ms"
    print(f"\n{a.heavy} heavy clients ({a.vertices:,} vertices, cut line {a.line:,}) for "
          f"{wall:.0f} s; measured grid: {m['vertices']} positions\n")
    print("| request | n | p50 | p95 | p99 | max |")
    print("|---|---|---|---|---|---|")
    for name, xs in (("GET /health", m["health"]), ("PUT /api/v1/grids/{id}", m["put"])):
        print(f"| {name} | {len(xs)} | {ms(pct(xs, 50))} | {ms(pct(xs, 95))} | "
              f"{ms(pct(xs, 99))} | {ms(max(xs))} |")
    print(f"\nmeasuring client errors: {m['n_errors']} {m['errors']}\n")
    print("| heavy request | n (both clients) | per second | mean | max | MB sent | statuses |")
    print("|---|---|---|---|---|---|---|")
    names = []
    for r in hv:
        for k in r["stats"]:
            if k not in names:
                names.append(k)
    total = 0
    for k in names:
        ss = [r["stats"][k] for r in hv if k in r["stats"]]
        n = sum(s["n"] for s in ss)
        total += n
        secs = sum(s["s"] for s in ss)
        st = {}
        for s in ss:
            for c, v in s["status"].items():
                st[c] = st.get(c, 0) + v
        print(f"| {k} | {n} | {n / wall:.2f} | {ms(secs / n)} | {ms(max(s['max'] for s in ss))} | "
              f"{sum(s['bytes'] for s in ss) / 1e6:.0f} | "
              f"{', '.join(f'{c}×{v}' for c, v in sorted(st.items()))} |")
    print(f"\nheavy requests: {total} in {wall:.0f} s = {total / wall:.2f}/s; errors "
          f"{sum(r['n_errors'] for r in hv)} {[e for r in hv for e in r['errors']][:5]}")
    if a.raw:
        with open(a.raw, "w") as f:
            json.dump(results, f)


if __name__ == "__main__":
    main()
