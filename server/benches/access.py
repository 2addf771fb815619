#!/usr/bin/env python3
"""What the access guard costs per request, side by side with a build without it.

  server/benches/access.py --build before=/path/to/gridd --build after=/path/to/gridd \
      [--rounds 2] [--requests 2000]

Each build serves the demo subdistrict from its own fresh GeoPackage
(`serve --demo`, with `--demo-password …` for builds whose `serve --help` lists
it, i.e. builds with accounts). Per round and
build, on one keep-alive connection with `Accept-Encoding: gzip`, one request
after another:

  lookup       GET /api/v1/lookup?lon=&lat=        public: no credential looked up
  grid         GET /api/v1/grids/{L3}              public
  history      GET /api/v1/grids/{L3}/code-history signed in (API token) where the
                                                    build has accounts
  renumber     POST /api/v1/grids/{L3}/renumber    a write that changes nothing,
                                                    signed in where it can be

Prints mean / p50 / p99 in ms per kind. Builds alternate (before, after, before, …).
"""

import argparse
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

PASSWORD = "bench-demo-password"


def start(binary, work):
    gpkg = os.path.join(work, "demo.gpkg")
    if os.path.exists(gpkg):
        os.remove(gpkg)
    help_text = subprocess.run([binary, "serve", "--help"], capture_output=True, text=True).stdout
    args = [binary, "serve", "--demo", "--gpkg", gpkg, "--addr", "127.0.0.1:0", "--web-dir", "/nonexistent"]
    accounts = "--demo-password" in help_text
    if accounts:
        args += ["--demo-password", PASSWORD]
    out = open(os.path.join(work, "out"), "w+")
    proc = subprocess.Popen(args, stdout=out, stderr=subprocess.DEVNULL)
    for _ in range(600):
        out.seek(0)
        m = re.search(r"http://([0-9.]+):([0-9]+)/", out.read())
        if m:
            return proc, m.group(1), int(m.group(2)), accounts
        if proc.poll() is not None:
            sys.exit(f"{binary} exited")
        time.sleep(0.1)
    sys.exit(f"{binary} did not start")


def request(conn, method, path, headers, body=None):
    conn.request(method, path, body=body, headers=headers)
    r = conn.getresponse()
    data = r.read()
    return r.status, data


def token(host, port):
    """Signs in as the demo admin and issues an API token (what programs use)."""
    c = http.client.HTTPConnection(host, port)
    body = json.dumps({"name": "admin", "password": PASSWORD})
    c.request("POST", "/api/v1/auth/sign-in", body=body, headers={"content-type": "application/json"})
    r = c.getresponse()
    me = json.loads(r.read())
    assert r.status == 200, me
    cookie = r.getheader("set-cookie").split(";")[0]
    status, data = request(
        c,
        "POST",
        "/api/v1/tokens",
        {"content-type": "application/json", "cookie": cookie, "x-csrf-token": me["csrf_token"]},
        json.dumps({"account": "admin", "name": "bench"}),
    )
    assert status == 201, data
    return json.loads(data)["token"]


def measure(binary, work, n):
    proc, host, port, accounts = start(binary, work)
    try:
        c = http.client.HTTPConnection(host, port)
        base = {"accept-encoding": "gzip"}
        status, data = request(c, "GET", "/api/v1/grids?level=3", base)
        import gzip

        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        f = json.loads(data)["features"][0]
        gid = f["properties"]["id"]
        ring = f["geometry"]["coordinates"][0]
        if isinstance(ring[0][0], list):
            ring = ring[0]
        lon = sum(p[0] for p in ring[:-1]) / (len(ring) - 1)
        lat = sum(p[1] for p in ring[:-1]) / (len(ring) - 1)
        signed = dict(base)
        if accounts:
            signed["authorization"] = "Bearer " + token(host, port)
        kinds = [
            ("lookup", "GET", f"/api/v1/lookup?lon={lon}&lat={lat}", base),
            ("grid", "GET", f"/api/v1/grids/{gid}", base),
            ("history", "GET", f"/api/v1/grids/{gid}/code-history", signed),
            ("renumber", "POST", f"/api/v1/grids/{gid}/renumber", signed),
        ]
        out = {}
        for name, method, path, headers in kinds:
            times = []
            for i in range(n):
                t0 = time.perf_counter()
                status, _ = request(c, method, path, headers)
                times.append((time.perf_counter() - t0) * 1000)
                assert status == 200, (name, status)
            times.sort()
            out[name] = (
                statistics.fmean(times),
                times[len(times) // 2],
                times[min(len(times) - 1, int(len(times) * 0.99))],
            )
        return out
    finally:
        proc.terminate()
        proc.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", action="append", required=True, help="name=path")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--requests", type=int, default=2000)
    a = ap.parse_args()
    builds = [b.split("=", 1) for b in a.build]
    work = tempfile.mkdtemp(prefix="gridd-access-bench-")
    try:
        print("| build | round | kind | mean ms | p50 ms | p99 ms |")
        print("|---|---|---|---|---|---|")
        for r in range(1, a.rounds + 1):
            for name, path in builds:
                res = measure(path, work, a.requests)
                for kind, (mean, p50, p99) in res.items():
                    print(f"| {name} | {r} | {kind} | {mean:.3f} | {p50:.3f} | {p99:.3f} |", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
