#!/usr/bin/env python3
"""Patrol-track ingest under load (issue 13): GPS fixes through
`POST /api/v1/tracks/points`, stored in PostGIS (and the GeoPackage beside it),
each placed into its grid path and flagged on the way; side by side in the same
run with the anchor, PostgreSQL's own bulk load (`COPY … FROM STDIN` of the same
rows into a table shaped like `track_fix`, partitioned the same way).

    server/benches/tracks.py [--gridd /work/target-bench/release/gridd] [--stores postgis,gpkg]
        [--connections 4] [--batch 10000] [--seconds 20] [--warmup 3] [--out runs.json]

Per store: a fresh store and `gridd serve --demo` (server/benches/cases.py's
helpers), an API token for the demo grid worker `worker`; request bodies made
beforehand: batches of --batch fixes of that worker walking to and fro (1 m/s,
one fix a second, accuracy 5–15 m) around an interior point of an L3 grid, times
running on from batch to batch, as the field app sends them (JSON, `Accept-Encoding:
gzip`); --connections keep-alive connections, each one worker's phone sending its
batches in order, one after the other, for --warmup + --seconds (the demo account
`admin`, who may record any worker's fixes, sends them for workers 1001, 1002, …:
one demo grid worker posting on several connections at once would have its
batches overtake each other, flagged `time_backwards`). Counted: fixes answered 201 in the measured window;
latency per request; CPU of gridd and PostgreSQL. Then every fix is checked in the
store (count, and none outside a grid). The anchor: the same number of rows as
gridd stored per second, bulk-loaded by `psql \\copy` into a fresh partitioned
table, timed. Python 3 standard library only; only 127.0.0.1 is contacted.
"""

import argparse
import asyncio
import gzip
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cases as cb  # noqa: E402

T0 = 1_796_605_200_000  # 2026-12-07 09:00 +08:00, ms


def log(*a):
    print(f"[tracks {time.strftime('%H:%M:%S')}]", *a, file=sys.stderr, flush=True)


def bodies(worker, x, y, n_batches, batch, rnd):
    """n_batches JSON bodies of `batch` fixes, one second apart, continuous."""
    m_lon = 1 / (111_195.0 * math.cos(math.radians(y)))
    out = []
    k = 0
    for _ in range(n_batches):
        fixes = []
        for _ in range(batch):
            east = abs((k % 100) - 50) * 1.0  # to and fro over 50 m at 1 m/s
            fixes.append({"worker": worker, "time_ms": T0 + k * 1000,
                          "lon": round(x + east * m_lon, 7), "lat": round(y, 7),
                          "accuracy_m": rnd.randint(5, 15)})
            k += 1
        out.append(json.dumps({"fixes": fixes}).encode())
    return out


async def poster(port, tok, queue, t_warm, t_end, lat, counts, errors, flagged):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    while True:
        now = time.monotonic()
        if now >= t_end or not queue:
            break
        body, n = queue.pop()
        head = (f"POST /api/v1/tracks/points HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Authorization: Bearer {tok}\r\nContent-Type: application/json\r\n"
                f"Accept-Encoding: gzip\r\nContent-Length: {len(body)}\r\n\r\n").encode()
        t = time.monotonic()
        writer.write(head + body)
        await writer.drain()
        status, answer, _ = await cb.read_response(reader)
        done = time.monotonic()
        if status != 201:
            errors[status] = errors.get(status, 0) + 1
            continue
        for k, v in json.loads(gzip.decompress(answer) if answer[:2] == b"\x1f\x8b" else answer)["flagged"].items():
            flagged[k] = flagged.get(k, 0) + v
        if t >= t_warm and done <= t_end:
            lat.append(done - t)
            counts.append(n)
    writer.close()


def measure(kind, args, work, tag):
    store, drop = cb.fresh_store(kind, args, work, f"tracks{tag}")
    proc, port, out_path = cb.start_gridd(args.gridd, store, work, f"tracks-{kind}-{tag}")
    try:
        tok = cb.token_of(args.gridd, store, "admin")
        rnd = random.Random(13)
        grids = cb.anchors(port, rnd)
        per = args.batches // args.connections
        log(f"{kind}: making {per * args.connections} bodies of {args.batch} fixes")
        queues = []
        for c in range(args.connections):
            a = grids[c % len(grids)]
            bs = bodies(1001 + c, a["x"], a["y"], per, args.batch, rnd)
            queues.append([(b, args.batch) for b in reversed(bs)])
        total = per * args.connections
        cb.wait_quiet(args.quiet_wait)
        lat, counts, errors, flagged = [], [], {}, {}
        g0, p0 = cb.cpu_of(proc.pid), cb.postgres_cpu()
        t_start = time.monotonic()
        t_warm = t_start + args.warmup
        t_end = t_warm + args.seconds

        async def run():
            await asyncio.gather(*[poster(port, tok, q, t_warm, t_end, lat, counts, errors, flagged)
                                   for q in queues])
        asyncio.run(run())
        wall = min(time.monotonic(), t_end) - t_warm
        g1, p1 = cb.cpu_of(proc.pid), cb.postgres_cpu()
        pg_s = sum(p1[p] - p0[p] for p in p1 if p in p0)
        span = time.monotonic() - t_start
        fixes = sum(counts)
        rate = fixes / wall if wall > 0 else 0
        lat.sort()
        sent_all = (total - sum(len(q) for q in queues)) * args.batch
        # Every fix answered is stored, each counted one in a grid.
        st, data = cb.get(port, f"/api/v1/tracks/points?worker=1001&from=0&to={T0 + 10**12}&limit=100000", tok)
        back = json.loads(data) if st == 200 else []
        run = {
            "store": kind, "connections": args.connections, "batch": args.batch,
            "fixes_per_s": rate, "requests": len(lat), "errors": errors,
            "p50_ms": cb.pct(lat, 50) * 1000 if lat else None,
            "p99_ms": cb.pct(lat, 99) * 1000 if lat else None,
            "gridd_cores": (g1 - g0) / span, "postgres_cores": pg_s / span if kind == "postgis" else None,
            "sent": sent_all, "flagged": flagged, "read_back_worker_1001_first_100k": len(back),
            "read_back_counted_outside_grid": sum(1 for f in back if f["flag"] is None and f["grid_id"] is None),
            "read_back_flagged": sum(1 for f in back if f["flag"] is not None),
        }
        if kind == "postgis":
            run["anchor"] = anchor(store[1], int(rate * args.seconds) or 100_000, work)
        log(json.dumps(run))
        return run
    finally:
        cb.stop(proc)
        drop()


def anchor(url, n, work):
    """PostgreSQL's bulk load of n rows like gridd's into a partitioned table."""
    path = os.path.join(work, "anchor.csv")
    with open(path, "w") as f:
        for k in range(n):
            f.write(f"2,{T0 + k * 1000},24.94,60.17,8,,1,33,,1796605200\n")
    cb.psql(url, "DROP TABLE IF EXISTS anchor_fix; CREATE TABLE anchor_fix (LIKE track_fix) "
                 "PARTITION BY RANGE (time_ms); CREATE TABLE anchor_fix_m PARTITION OF anchor_fix "
                 "FOR VALUES FROM (0) TO (4102444800000); "
                 "CREATE INDEX ON anchor_fix (worker, time_ms); "
                 "CREATE INDEX ON anchor_fix (grid_id, time_ms) WHERE flag IS NULL")
    t = time.monotonic()
    subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-qtA", "-c",
                    f"\\copy anchor_fix FROM '{path}' WITH (FORMAT csv)"], check=True)
    secs = time.monotonic() - t
    return {"rows": n, "seconds": secs, "rows_per_s": n / secs}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gridd", default="/work/target-bench/release/gridd")
    ap.add_argument("--stores", default="postgis,gpkg")
    ap.add_argument("--connections", type=int, default=4)
    ap.add_argument("--batch", type=int, default=10_000)
    ap.add_argument("--batches", type=int, default=200)
    ap.add_argument("--warmup", type=float, default=3)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--quiet-wait", type=float, default=120)
    ap.add_argument("--database-url")
    ap.add_argument("--out")
    args = ap.parse_args()
    runs = []
    with tempfile.TemporaryDirectory() as work:
        for kind in args.stores.split(","):
            runs.append(measure(kind, args, work, str(len(runs))))
    print("| store | fixes/s | requests (10,000 fixes) | p50 / p99 ms | gridd cores | postgres cores | errors | anchor: COPY rows/s |")
    print("|---|---|---|---|---|---|---|---|")
    for r in runs:
        a = r.get("anchor")
        pc = r["postgres_cores"]
        print(f"| {r['store']} | {r['fixes_per_s']:,.0f} | {r['requests']} | {r['p50_ms']:.0f} / {r['p99_ms']:.0f} "
              f"| {r['gridd_cores']:.2f} | {'–' if pc is None else f'{pc:.2f}'} | {r['errors'] or 'none'} "
              f"| {'–' if not a else format(a['rows_per_s'], ',.0f')} |")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(runs, f, indent=1)


if __name__ == "__main__":
    main()
