#!/usr/bin/env python3
"""City-scale memory and speed of `gridd serve`, two builds side by side (issue 15).

    server/benches/city.py --build before=/path/to/old/gridd --build after=target/release/gridd

For each build: `gridd synth --grids-l3 100000 --buildings 1000000` into its own
GeoPackage (once; kept in --work until --clean; or, with --database-url, one PostGIS
database for all builds), then rounds of: start `gridd serve`
on it (default options, as a user would), time until it answers, read the whole
process's VmRSS / VmHWM from /proc; warm up with lookups (an HTTP batch of
pseudo-random points, best of 3), tiles (a fixed list of grid and building tiles at a
few zooms, each fetched once cold and once warm, one keep-alive connection,
`Accept-Encoding: gzip`), one coverage audit (timed, then once more); read VmRSS /
VmHWM again; stop it. The builds alternate (round 1: before, after; round 2: before,
after, …) so both see the same load. Prints a JSON line per run and a table; tile
bodies are compared between builds (SHA-256 of the decompressed bytes).

Only 127.0.0.1 is contacted. Needs Python 3 only (no packages).
"""

import argparse
import gzip
import hashlib
import http.client
import json
import math
import os
import random
import signal
import statistics
import subprocess
import sys
import time


def log(*a):
    print(f"[city {time.strftime('%H:%M:%S')}]", *a, file=sys.stderr, flush=True)


def status(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM"):
                out[k] = int(v.split()[0]) / 1024.0  # MiB
    return out


def tile_of(lon, lat, z):
    n = 2**z
    x = int((lon + 180.0) / 360.0 * n)
    r = math.radians(lat)
    y = int((1.0 - math.log(math.tan(r) + 1.0 / math.cos(r)) / math.pi) / 2.0 * n)
    return x, y


def tile_list(bounds, per_zoom, seed=7):
    """A fixed pseudo-random list of (set, z, x, y) inside the bounds."""
    rnd = random.Random(seed)
    w, s, e, n = bounds
    out = []
    for tset, zooms in (("grids", (12, 14, 16)), ("buildings", (14, 16))):
        for z in zooms:
            x0, y1 = tile_of(w, s, z)
            x1, y0 = tile_of(e, n, z)
            all_tiles = [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
            rnd.shuffle(all_tiles)
            for x, y in sorted(all_tiles[:per_zoom]):
                out.append((tset, z, x, y))
    rnd.shuffle(out)
    return out


class Conn:
    def __init__(self, port):
        self.port = port
        self.c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

    def request(self, method, path, body=None, headers=None):
        for attempt in (0, 1):
            try:
                self.c.request(method, path, body=body, headers=headers or {})
                r = self.c.getresponse()
                data = r.read()
                return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data
            except (http.client.HTTPException, ConnectionError):
                if attempt:
                    raise
                self.c.close()
                self.c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)


def wait_ready(port, proc, limit=600):
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        if proc.poll() is not None:
            raise RuntimeError(f"gridd exited with {proc.returncode}")
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/tiles/grids.json")
            r = c.getresponse()
            body = r.read()
            c.close()
            if r.status == 200:
                return json.loads(body)
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.05)
    raise RuntimeError("gridd did not answer in time")


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


def store_args(args, gpkg):
    """The store options of every gridd command: the PostGIS database when given
    (shared by the builds), else the build's own GeoPackage."""
    return ["--database-url", args.database_url] if args.database_url else ["--gpkg", gpkg]


def one_run(label, gridd, gpkg, port, args, points_csv):
    env = dict(os.environ, RUST_LOG="warn,gridd=info")
    t0 = time.monotonic()
    proc = subprocess.Popen(
        [gridd, "serve", *store_args(args, gpkg), "--addr", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=open(os.path.join(args.work, f"serve-{label}.log"), "w"),
        env=env,
    )
    try:
        tj = wait_ready(port, proc)
        startup = time.monotonic() - t0
        time.sleep(1.0)
        after_start = status(proc.pid)
        log(f"{label}: up in {startup:.1f} s, VmRSS {after_start['VmRSS']:.0f} MiB, VmHWM {after_start['VmHWM']:.0f} MiB")
        conn = Conn(port)

        # Lookups: one HTTP batch, best of 3.
        lk = []
        for _ in range(3):
            t = time.monotonic()
            st, _, data = conn.request(
                "POST",
                "/api/v1/lookup?format=ndjson",
                body=points_csv,
                headers={"Content-Type": "text/csv"},
            )
            lk.append(time.monotonic() - t)
            assert st == 200, (st, data[:200])
        lookup_digest = hashlib.sha256(data).hexdigest()
        n_points = points_csv.count(b"\n") - 1
        after_lookups = status(proc.pid)
        log(f"{label}: lookups {n_points} points best {min(lk):.3f} s ({n_points / min(lk) / 1e6:.2f} M/s); VmRSS {after_lookups['VmRSS']:.0f} MiB, VmHWM {after_lookups['VmHWM']:.0f} MiB")

        # Tiles: cold, then warm, gzip.
        tiles = tile_list(tj["bounds"], args.tiles_per_zoom)
        lat = {"cold": {}, "warm": {}}
        digests = {}
        sizes = {}
        for mode in ("cold", "warm"):
            for tset, z, x, y in tiles:
                t = time.monotonic()
                st, h, data = conn.request(
                    "GET", f"/tiles/{tset}/{z}/{x}/{y}.mvt", headers={"Accept-Encoding": "gzip"}
                )
                dt = (time.monotonic() - t) * 1000.0
                assert st in (200, 204), st
                lat[mode].setdefault(f"{tset} z{z}", []).append(dt)
                raw = gzip.decompress(data) if h.get("content-encoding") == "gzip" else data
                digests[f"{tset}/{z}/{x}/{y}"] = hashlib.sha256(raw).hexdigest()
                sizes.setdefault(f"{tset} z{z}", []).append(len(data))
        tile_stats = {
            mode: {k: {"p50": pct(v, 50), "p90": pct(v, 90), "mean": statistics.fmean(v), "n": len(v)} for k, v in d.items()}
            for mode, d in lat.items()
        }
        for mode in ("cold", "warm"):
            allv = [x for v in lat[mode].values() for x in v]
            tile_stats[mode]["all"] = {"p50": pct(allv, 50), "p90": pct(allv, 90), "mean": statistics.fmean(allv), "n": len(allv)}
        after_tiles = status(proc.pid)
        log(f"{label}: tiles cold mean {tile_stats['cold']['all']['mean']:.2f} ms, warm mean {tile_stats['warm']['all']['mean']:.3f} ms ({len(tiles)} tiles); VmRSS {after_tiles['VmRSS']:.0f} MiB, VmHWM {after_tiles['VmHWM']:.0f} MiB")

        # The audit, twice.
        au = []
        for _ in range(2):
            t = time.monotonic()
            st, _, data = conn.request("GET", "/api/v1/coverage")
            au.append(time.monotonic() - t)
            assert st == 200, (st, data[:300])
        log(f"{label}: audit {au[0]:.2f} s, {au[1]:.2f} s")
        time.sleep(1.0)
        after_warm = status(proc.pid)
        log(f"{label}: after warm-up VmRSS {after_warm['VmRSS']:.0f} MiB, VmHWM {after_warm['VmHWM']:.0f} MiB")
        return {
            "label": label,
            "startup_s": startup,
            "rss_start_mib": after_start["VmRSS"],
            "hwm_start_mib": after_start["VmHWM"],
            "rss_lookups_mib": after_lookups["VmRSS"],
            "hwm_lookups_mib": after_lookups["VmHWM"],
            "rss_tiles_mib": after_tiles["VmRSS"],
            "hwm_tiles_mib": after_tiles["VmHWM"],
            "rss_warm_mib": after_warm["VmRSS"],
            "hwm_warm_mib": after_warm["VmHWM"],
            "lookup_points": n_points,
            "lookup_s": lk,
            "lookup_mps": n_points / min(lk) / 1e6,
            "lookup_digest": lookup_digest,
            "tiles": tile_stats,
            "tile_bytes_mean": {k: statistics.fmean(v) for k, v in sizes.items()},
            "audit_s": au,
            "_digests": digests,
        }
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", action="append", required=True, help="label=path/to/gridd (in order)")
    ap.add_argument("--work", default="/tmp/gridd-city", help="folder for the GeoPackages and logs")
    ap.add_argument("--grids-l3", type=int, default=100_000)
    ap.add_argument("--buildings", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--points", type=int, default=500_000)
    ap.add_argument("--tiles-per-zoom", type=int, default=60)
    ap.add_argument("--port", type=int, default=18090)
    ap.add_argument("--out", default=None, help="write the runs as JSON here")
    ap.add_argument("--clean", action="store_true", help="delete the GeoPackages at the end")
    ap.add_argument("--database-url", help="measure on this PostgreSQL + PostGIS database instead "
                    "(one for all builds, filled by the first build's synth when empty)")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    builds = [b.split("=", 1) for b in args.build]

    with open("/proc/loadavg") as f:
        log("load average at start:", " ".join(f.read().split()[:3]))
    gpkgs = {}
    for label, gridd in builds:
        g = os.path.join(args.work, f"{label}.gpkg")
        gpkgs[label] = g
        if args.database_url and len(gpkgs) > 1:
            continue  # one database for all builds
        if args.database_url or not os.path.exists(g):
            where = "PostGIS" if args.database_url else g
            log(f"{label}: gridd synth --grids-l3 {args.grids_l3} --buildings {args.buildings} → {where}")
            t = time.monotonic()
            r = subprocess.run(
                [gridd, "synth", *store_args(args, g), "--grids-l3", str(args.grids_l3), "--buildings", str(args.buildings)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            if r.returncode != 0:
                if args.database_url and "exist" in r.stderr:
                    log(f"{label}: the database already holds the synthetic city")
                else:
                    sys.exit(f"synth failed: {r.stderr}")
            else:
                log(f"{label}: synth took {time.monotonic() - t:.0f} s")

    # Points over the synthetic city's extent (known from its parameters through TileJSON
    # bounds on the first start; here: the default centre and a generous box).
    rnd = random.Random(42)
    runs = []
    points_csv = None
    for rnd_i in range(args.rounds):
        for label, gridd in builds:
            if points_csv is None:
                # First start: read the bounds, build the points once for all runs.
                proc = subprocess.Popen([gridd, "serve", *store_args(args, gpkgs[label]), "--addr", f"127.0.0.1:{args.port}"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                try:
                    w, s, e, n = wait_ready(args.port, proc)["bounds"]
                finally:
                    proc.terminate()
                    proc.wait()
                lines = ["lon,lat"] + [
                    f"{w + rnd.random() * (e - w):.7f},{s + rnd.random() * (n - s):.7f}" for _ in range(args.points)
                ]
                points_csv = ("\n".join(lines) + "\n").encode()
            with open("/proc/loadavg") as f:
                load = " ".join(f.read().split()[:3])
            log(f"round {rnd_i + 1}: {label} (load {load})")
            r = one_run(label, gridd, gpkgs[label], args.port, args, points_csv)
            r["round"] = rnd_i + 1
            r["load"] = load
            runs.append(r)
            print(json.dumps({k: v for k, v in r.items() if not k.startswith("_")}), flush=True)

    # Same tiles and answers from every build?
    first = {}
    for r in runs:
        first.setdefault(r["label"], r)
    labels = list(first)
    for other in labels[1:]:
        a, b = first[labels[0]], first[other]
        diff = [k for k in a["_digests"] if a["_digests"][k] != b["_digests"].get(k)]
        log(f"tiles differing between {labels[0]} and {other}: {len(diff)} of {len(a['_digests'])}" + (f" (e.g. {diff[:5]})" if diff else ""))
        log(f"lookup answers identical between {labels[0]} and {other}: {a['lookup_digest'] == b['lookup_digest']}")

    # Table.
    print()
    print("| build | round | load | startup s | VmRSS after start MiB (HWM) | VmRSS after warm-up MiB (HWM) | lookups M/s | tiles cold mean / p90 ms | tiles warm mean / p90 ms | audit s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in runs:
        c, w = r["tiles"]["cold"]["all"], r["tiles"]["warm"]["all"]
        print(
            f"| {r['label']} | {r['round']} | {r['load']} | {r['startup_s']:.1f} | {r['rss_start_mib']:.0f} ({r['hwm_start_mib']:.0f}) | "
            f"{r['rss_warm_mib']:.0f} ({r['hwm_warm_mib']:.0f}) | {r['lookup_mps']:.2f} | {c['mean']:.2f} / {c['p90']:.2f} | "
            f"{w['mean']:.3f} / {w['p90']:.3f} | {min(r['audit_s']):.2f} |"
        )
    print()
    keys = sorted({k for r in runs for k in r["tiles"]["cold"] if k != "all"})
    print("| build | round | " + " | ".join(f"{k} cold / warm p50 ms" for k in keys) + " |")
    print("|---|---|" + "---|" * len(keys))
    for r in runs:
        print(f"| {r['label']} | {r['round']} | " + " | ".join(
            f"{r['tiles']['cold'][k]['p50']:.2f} / {r['tiles']['warm'][k]['p50']:.3f}" for k in keys) + " |")
    if args.out:
        with open(args.out, "w") as f:
            json.dump([{k: v for k, v in r.items() if not k.startswith("_")} for r in runs], f, indent=1)
    if args.clean and not args.database_url:
        for g in gpkgs.values():
            for suffix in ("", "-wal", "-shm"):
                try:
                    os.remove(g + suffix)
                except FileNotFoundError:
                    pass


if __name__ == "__main__":
    main()
