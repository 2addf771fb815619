#!/usr/bin/env python3
"""Case intake under load, PostGIS and GeoPackage side by side in one run (issue 11).

    server/benches/cases.py [--gridd /work/target-bench/release/gridd] [--stores postgis,gpkg]
        [--connections 64] [--subscribers 100] [--warmup 3] [--seconds 20]
        [--generator python|wrk] [--idempotency] [--rounds 1] [--retries 3] [--quiet-wait 300]
        [--database-url ADMIN_URL] [--out runs.json]

The target (issue 11): case intake through `POST /api/v1/cases` persisted in PostGIS
at 64 connections, with 100 subscribers reading the event feed: at least 2,000
cases/s with p99 under 50 ms; the GeoPackage store's figure beside it.

Per store, one after the other in the same run:

  1. a fresh store: a new PostgreSQL database on the cluster of `scripts/pg.sh` (gridd's
     migrations create PostGIS in it), or a new GeoPackage file;
  2. `gridd serve --demo --demo-password … --addr 127.0.0.1:0` on it, the port read from
     what it prints; an API token for the demo account `operator` (operator over the
     demo subdistrict) from `gridd token create` on the same store;
  3. the points: one interior point per level 3 grid (`GET /api/v1/grids?level=3`),
     reports spread over them at random (seeded) with a jitter of at most --jitter-m
     metres, each kept only when it stays inside its own L3 grid (checked here, ray
     casting), then every point checked by the server (`POST /api/v1/lookup`, batch):
     inside, and the L3 grid on its path; categories: a few active codes of
     `GET /api/v1/case-categories`, sources hotline / walk-in / patrol;
  4. --subscribers SSE connections to `GET /api/v1/events` (operator token, HTTP/1.1,
     `Accept-Encoding: gzip`) in their own process, all answered before any intake;
  5. --connections keep-alive HTTP/1.1 connections in another process, each sending
     one `POST /api/v1/cases` after the other (`Accept-Encoding: gzip`, Bearer token)
     for --warmup + --seconds; latency per request (write to last byte of the answer);
     only requests started after the warm-up are measured, only 2xx counted;
  6. when the load stops: every subscriber should have received one `report` event
     per 201 answered since it subscribed (warm-up included); the subscribers wait for
     that (at most --drain s) and say how long it took;
  7. gridd's VmRSS (/proc/PID/status) after start, with the subscribers connected, and
     after the load; the CPU seconds of gridd, PostgreSQL (all `postgres` processes),
     the load generator and the subscriber process over the measured window.

Everything runs on this machine: the load generator and the subscribers share its
cores with gridd and PostgreSQL (the CPU columns say who used what). Before each
store it waits (at most --quiet-wait s) for the machine to be idle, and measures again
(at most --retries times) when other work took more than --max-disturbance cores
during the window. On PostGIS it also reports PostgreSQL's transactions per case,
cases per commit (about the group commit's batch size) and how case_record's indexes
were used (index tuples read per case: the duplicate look-up's plan).

--generator wrk uses `wrk` (Debian package) with a Lua script for the POSTs (the
subscribers stay in Python); its latency percentiles include non-2xx answers (there
were none when the error table is empty).

Only 127.0.0.1 is contacted. Python 3 standard library only.
"""

import argparse
import asyncio
import gzip
import http.client
import json
import math
import multiprocessing as mp
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PASSWORD = "bench-demo-password"
SOURCES = ["hotline", "hotline", "hotline", "walk_in", "patrol"]
PROBLEMS = [
    "路灯不亮", "井盖缺失", "垃圾满溢未清运", "占道经营", "道路破损积水", "绿化带毁坏",
    "违规张贴小广告", "共享单车乱停放", "噪音扰民", "消防通道被占用",
]


def log(*a):
    print(f"[cases {time.strftime('%H:%M:%S')}]", *a, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- processes, stores


def proc_status(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM"):
                out[k] = int(v.split()[0]) / 1024.0  # MiB
    return out


TICK = os.sysconf("SC_CLK_TCK")


def cpu_of(pid):
    """utime + stime of a process, seconds."""
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / TICK


def all_cpu():
    """{pid: (comm, CPU seconds)} of every process."""
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                raw = f.read()
            comm = raw[raw.index("(") + 1 : raw.rindex(")")]
            parts = raw.rsplit(")", 1)[1].split()
            out[int(d)] = (comm, (int(parts[11]) + int(parts[12])) / TICK)
        except (OSError, ValueError):
            pass
    return out


def postgres_cpu():
    """CPU seconds of every process named postgres (the cluster's backends come and go:
    only those alive at both readings are comparable, so compare sums per pid)."""
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/comm") as f:
                if f.read().strip() != "postgres":
                    continue
            out[int(d)] = cpu_of(int(d))
        except OSError:
            pass
    return out


def machine_cpu():
    """(busy, total, irq + softirq, iowait) jiffies of the whole machine (guest
    columns are already in user)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    idle = v[3] + v[4]
    return sum(v) - idle, sum(v), v[5] + v[6], v[4]


def wait_quiet(limit):
    """Waits (at most limit s) until the machine is nearly idle (other work on it, a
    build or a test run, takes cores from the measurement); the busy cores seen last."""
    t0 = time.monotonic()
    while True:
        a = machine_cpu()
        time.sleep(4.0)
        b = machine_cpu()
        busy = (b[0] - a[0]) / max(1, b[1] - a[1]) * os.cpu_count()
        if busy < 0.15 or time.monotonic() - t0 >= limit:
            if busy >= 0.15:
                log(f"the machine is still busy ({busy:.2f} cores in use by others); measuring anyway")
            return round(busy, 2)
        log(f"waiting for a quiet machine ({busy:.2f} cores busy)")
        time.sleep(8.0)


def admin_url(args):
    if args.database_url:
        return args.database_url
    return subprocess.run([os.path.join(ROOT, "scripts/pg.sh"), "start"], check=True,
                          capture_output=True, text=True).stdout.strip().splitlines()[-1]


def with_db(url, name):
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


def psql(url, sql):
    subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-qtA", "-c", sql], check=True,
                   stdout=subprocess.DEVNULL)


def pg_xacts(store):
    """(commits, rollbacks) of the store's database (PostgreSQL's statistics, flushed
    by the backends within about a second)."""
    out = subprocess.run(["psql", store[1], "-qtA", "-c",
                          "SELECT xact_commit, xact_rollback FROM pg_stat_database WHERE datname = current_database()"],
                         capture_output=True, text=True, check=True).stdout.strip()
    a, b = out.split("|")
    return int(a), int(b)


def fresh_store(kind, args, work, tag):
    if kind == "postgis":
        admin = admin_url(args)
        name = f"gridd_bench_cases_{os.getpid()}_{tag}"
        psql(admin, f"DROP DATABASE IF EXISTS {name}")
        psql(admin, f"CREATE DATABASE {name}")
        url = with_db(admin, name)
        return ["--database-url", url], lambda: psql(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    path = os.path.join(work, f"cases-{tag}.gpkg")
    for s in ("", "-wal", "-shm"):
        if os.path.exists(path + s):
            os.remove(path + s)
    return ["--gpkg", path], lambda: None


def start_gridd(gridd, store, work, label):
    out_path = os.path.join(work, f"serve-{label}.log")
    out = open(out_path, "w+")
    env = dict(os.environ, RUST_LOG=os.environ.get("RUST_LOG", "warn"))
    proc = subprocess.Popen(
        [gridd, "serve", *store, "--demo", "--demo-password", PASSWORD, "--addr", "127.0.0.1:0",
         "--web-dir", "/nonexistent"],
        stdout=out, stderr=subprocess.STDOUT, env=env)
    t0 = time.monotonic()
    while time.monotonic() - t0 < 900:
        out.seek(0)
        m = re.search(r"http://127\.0\.0\.1:([0-9]+)", out.read())
        if m:
            port = int(m.group(1))
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                c.request("GET", "/health")
                c.getresponse().read()
                return proc, port, out_path
            except OSError:
                pass
        if proc.poll() is not None:
            out.seek(0)
            sys.exit(f"gridd exited: {out.read()[-2000:]}")
        time.sleep(0.1)
    proc.kill()
    sys.exit("gridd did not start")


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def token(gridd, store):
    return token_of(gridd, store, "operator")


def token_of(gridd, store, account):
    """A new API token for one of the demo accounts."""
    r = subprocess.run([gridd, "token", "create", account, "--name", "bench", *store],
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"gridd token create failed: {r.stderr}")
    return [l for l in r.stdout.split() if l.startswith("gridd_")][0]


def get(port, path, tok=None, method="GET", body=None, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    h = {"Accept-Encoding": "gzip"}
    if tok:
        h["Authorization"] = "Bearer " + tok
    h.update(headers or {})
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    if r.getheader("content-encoding") == "gzip":
        data = gzip.decompress(data)
    c.close()
    return r.status, data


# ---------------------------------------------------------------- the reports


def rings_of(geom):
    if geom["type"] == "Polygon":
        return [geom["coordinates"]]
    if geom["type"] == "MultiPolygon":
        return geom["coordinates"]
    return []


def inside(polys, x, y):
    """Even-odd rule over every ring (holes included) of any of the polygons."""
    for rings in polys:
        odd = False
        for ring in rings:
            n = len(ring)
            j = n - 1
            for i in range(n):
                xi, yi = ring[i][0], ring[i][1]
                xj, yj = ring[j][0], ring[j][1]
                if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
                    odd = not odd
                j = i
        if odd:
            return True
    return False


def anchors(port, rnd):
    st, data = get(port, "/api/v1/grids?level=3")
    assert st == 200, (st, data[:300])
    out = []
    for f in json.loads(data)["features"]:
        polys = rings_of(f["geometry"])
        if not polys:
            continue
        outer = polys[0][0][:-1]
        cx = sum(p[0] for p in outer) / len(outer)
        cy = sum(p[1] for p in outer) / len(outer)
        if not inside(polys, cx, cy):
            xs = [p[0] for r in polys for p in r[0]]
            ys = [p[1] for r in polys for p in r[0]]
            for _ in range(1000):
                cx = rnd.uniform(min(xs), max(xs))
                cy = rnd.uniform(min(ys), max(ys))
                if inside(polys, cx, cy):
                    break
            else:
                continue
        out.append({"id": f["properties"]["id"], "polys": polys, "x": cx, "y": cy})
    return out


def make_points(grids, n, rnd, jitter_m):
    pts = []
    for _ in range(n):
        g = rnd.choice(grids)
        for _ in range(50):
            r = jitter_m * math.sqrt(rnd.random())
            a = rnd.random() * 2 * math.pi
            x = round(g["x"] + r * math.cos(a) / (111_320.0 * math.cos(math.radians(g["y"]))), 7)
            y = round(g["y"] + r * math.sin(a) / 111_320.0, 7)
            if inside(g["polys"], x, y):
                break
        else:
            x, y = g["x"], g["y"]
        pts.append((g["id"], x, y))
    return pts


def verify_points(port, pts):
    """The server's own lookup: every point inside, its L3 grid on the path."""
    csv = "lon,lat\n" + "".join(f"{x},{y}\n" for _, x, y in pts)
    st, data = get(port, "/api/v1/lookup?format=ndjson", method="POST", body=csv.encode(),
                   headers={"Content-Type": "text/csv"})
    assert st == 200, (st, data[:300])
    lines = [json.loads(l) for l in data.decode().splitlines() if l.strip()]
    assert len(lines) == len(pts), (len(lines), len(pts))
    bad = [i for i, (l, p) in enumerate(zip(lines, pts)) if not l.get("inside") or p[0] not in l.get("path", [])]
    return bad


def categories(port, tok, rnd, k):
    st, data = get(port, "/api/v1/case-categories", tok)
    assert st == 200, (st, data[:300])
    codes = sorted(c["code"] for c in json.loads(data) if c.get("active", True))
    pick = [c for c in ("SJ-01-01",) if c in codes]
    rest = [c for c in codes if c not in pick]
    rnd.shuffle(rest)
    return pick + rest[: max(0, k - len(pick))]


def bodies(pts, cats, rnd):
    out = []
    for i, (_, x, y) in enumerate(pts):
        b = {
            "source": rnd.choice(SOURCES),
            "category": rnd.choice(cats),
            "description": f"{rnd.choice(PROBLEMS)}，市民来电反映，请尽快处理（压测 {i}）",
            "address": f"测试路 {rnd.randint(1, 300)} 号附近",
            "location": {"lon": x, "lat": y},
        }
        if rnd.random() < 0.5:
            b["reporter"] = {"name": "测试市民", "phone": f"138{rnd.randint(0, 99_999_999):08d}"}
        out.append(json.dumps(b, ensure_ascii=False, separators=(",", ":")).encode())
    return out


# ---------------------------------------------------------------- HTTP on raw sockets


async def read_response(reader):
    """(status, body bytes, close) of one HTTP/1.1 answer (Content-Length or chunked)."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    hl = head.lower()
    i = hl.find(b"\r\ncontent-length:")
    if i >= 0:
        n = int(hl[i + 17 : hl.index(b"\r\n", i + 2)])
        body = await reader.readexactly(n)
    elif b"\r\ntransfer-encoding: chunked" in hl:
        parts = []
        while True:
            line = await reader.readuntil(b"\r\n")
            size = int(line.split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            parts.append((await reader.readexactly(size + 2))[:-2])
        body = b"".join(parts)
    else:
        body = b""
    return status, body, b"\r\nconnection: close" in hl


def post_head(port, tok, n):
    return (f"POST /api/v1/cases HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Authorization: Bearer {tok}\r\nContent-Type: application/json\r\n"
            f"Accept: application/json\r\nAccept-Encoding: gzip\r\nContent-Length: {n}\r\n").encode()


async def poster(i, port, tok, bodies_, conns, t_end, idem, samples, errors):
    """One connection: one POST after the other until t_end. samples gets
    (t_start, t_done, status) per request."""
    reader = writer = None
    k = i
    while True:
        t0 = time.monotonic()
        if t0 >= t_end:
            break
        if writer is None:
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 20)
            except OSError as e:
                errors[f"connect {type(e).__name__}"] = errors.get(f"connect {type(e).__name__}", 0) + 1
                await asyncio.sleep(0.01)
                continue
        body = bodies_[k % len(bodies_)]
        extra = f"Idempotency-Key: bench-{os.getpid()}-{i}-{k}\r\n".encode() if idem else b""
        k += conns
        t0 = time.monotonic()
        try:
            writer.write(post_head(port, tok, len(body)) + extra + b"\r\n" + body)
            status, _, close = await read_response(reader)
        except (OSError, asyncio.IncompleteReadError, ValueError) as e:
            errors[type(e).__name__] = errors.get(type(e).__name__, 0) + 1
            writer.close()
            reader = writer = None
            continue
        samples.append((t0, time.monotonic(), status))
        if close:
            writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


def generator_main(port, tok, bodies_, conns, t_start, t_end, idem, conn):
    """The load generator process: sends its samples, errors and CPU seconds back."""
    async def run():
        samples, errors = [], {}
        await asyncio.sleep(max(0.0, t_start - time.monotonic()))
        c0 = time.process_time()
        await asyncio.gather(*(poster(i, port, tok, bodies_, conns, t_end, idem, samples, errors)
                               for i in range(conns)))
        return samples, errors, time.process_time() - c0
    samples, errors, cpu = asyncio.run(run())
    conn.send((samples, errors, cpu))
    conn.close()


# ---------------------------------------------------------------- subscribers


class Sub:
    __slots__ = ("events", "reports", "first", "last", "status", "reached", "mode", "ids", "kinds", "last_at")

    def __init__(self):
        self.events = self.reports = 0
        self.first = self.last = None
        self.status = None
        self.reached = None
        self.last_at = None
        self.mode = "fast"
        self.ids = None
        self.kinds = {}


def parse_events(text, sub):
    """Full parse of complete SSE events (the checked subscriber): every id kept."""
    for block in text.split("\n\n"):
        ev = {}
        for line in block.split("\n"):
            if not line or line.startswith(":"):
                continue
            k, _, v = line.partition(":")
            ev[k] = v[1:] if v.startswith(" ") else v
        if ev.get("event") != "case":
            continue
        sub.events += 1
        seq = int(ev["id"])
        sub.ids.append(seq)
        d = json.loads(ev["data"])
        kind = d["step"]["kind"]
        assert d["step"]["seq"] == seq and d["case"]["id"] == d["step"]["case_id"]
        sub.kinds[kind] = sub.kinds.get(kind, 0) + 1
        if kind == "report":
            sub.reports += 1
        if sub.first is None:
            sub.first = seq
        sub.last = seq


async def subscriber(i, port, tok, sub, ready, full):
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 22)
    writer.write((f"GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                  f"Authorization: Bearer {tok}\r\nAccept: text/event-stream\r\n"
                  f"Accept-Encoding: gzip\r\nCache-Control: no-cache\r\n\r\n").encode())
    head = await reader.readuntil(b"\r\n\r\n")
    sub.status = int(head[9:12])
    hl = head.lower()
    chunked = b"\r\ntransfer-encoding: chunked" in hl
    gz = b"\r\ncontent-encoding: gzip" in hl
    ready()
    if sub.status != 200:
        writer.close()
        return
    if full or gz:
        # Exact: de-chunk, gunzip, parse every event.
        sub.mode = "full"
        sub.ids = []
        z = zlib.decompressobj(16 + zlib.MAX_WBITS) if gz else None
        raw = b""
        text = ""
        try:
            while True:
                data = await reader.read(1 << 16)
                if not data:
                    break
                raw += data
                payload = []
                if chunked:
                    while True:
                        j = raw.find(b"\r\n")
                        if j < 0:
                            break
                        size = int(raw[:j].split(b";")[0], 16)
                        if len(raw) < j + 2 + size + 2:
                            break
                        payload.append(raw[j + 2 : j + 2 + size])
                        raw = raw[j + 2 + size + 2 :]
                else:
                    payload.append(raw)
                    raw = b""
                p = b"".join(payload)
                if z is not None:
                    p = z.decompress(p)
                text += p.decode()
                cut = text.rfind("\n\n")
                if cut >= 0:
                    sub.last_at = time.monotonic()
                    parse_events(text[: cut + 2], sub)
                    text = text[cut + 2 :]
        except (OSError, asyncio.CancelledError):
            pass
        return
    # Fast: count whole events in the raw stream. The chunk framing (`\r\n<hex>\r\n`)
    # falls between events (hyper writes each SSE event as one chunk; the checked
    # subscriber verifies this run's stream), so `event: case\n` is never split by it.
    pending = b""
    try:
        while True:
            data = await reader.read(1 << 16)
            if not data:
                break
            buf = pending + data
            cut = buf.rfind(b"\n\n")
            if cut < 0:
                pending = buf
                continue
            done, pending = buf[: cut + 2], buf[cut + 2 :]
            n = done.count(b"event: case\n")
            if n:
                sub.last_at = time.monotonic()
                sub.events += n
                sub.reports += done.count(b'"kind":"report"')
                j = done.rfind(b"\nid: ")
                sub.last = int(done[j + 5 : done.index(b"\n", j + 5)])
                if sub.first is None:
                    j = done.find(b"\nid: ")
                    sub.first = int(done[j + 5 : done.index(b"\n", j + 5)])
    except (OSError, asyncio.CancelledError):
        pass


def subscribers_main(port, tok, n, n_full, conn):
    """The subscriber process: connects n, says when all are answered, counts until
    told how many report events to expect, waits (bounded) for them, sends results."""
    async def run():
        subs = [Sub() for _ in range(n)]
        answered = [0]
        all_ready = asyncio.Event()

        def ready():
            answered[0] += 1
            if answered[0] == n:
                all_ready.set()
        loop = asyncio.get_running_loop()
        tasks = []
        for i in range(n):
            tasks.append(asyncio.create_task(subscriber(i, port, tok, subs[i], ready, i < n_full)))
            await asyncio.sleep(0.005)
        await asyncio.wait_for(all_ready.wait(), 120)
        conn.send(("ready", [s.status for s in subs]))
        c0 = time.process_time()
        # The expected count (and drain limit) arrive when the load has stopped.
        msg = await loop.run_in_executor(None, conn.recv)
        expected, t_load_end, drain = msg
        c_window = time.process_time() - c0
        deadline = time.monotonic() + drain
        while time.monotonic() < deadline:
            for s in subs:
                if s.reached is None and s.reports >= expected:
                    # When its last event arrived, after the last intake was answered.
                    s.reached = (s.last_at or t_load_end) - t_load_end
            if all(s.reached is not None for s in subs):
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.5)  # anything beyond the expected shows up as extra
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        out = []
        for s in subs:
            d = {"events": s.events, "reports": s.reports, "first": s.first, "last": s.last,
                 "reached_s": s.reached, "mode": s.mode}
            if s.ids is not None:
                ids = s.ids
                d["dups"] = len(ids) - len(set(ids))
                d["gaps"] = sum(1 for a, b in zip(ids, ids[1:]) if b != a + 1)
                d["ordered"] = all(a < b for a, b in zip(ids, ids[1:]))
                d["kinds"] = s.kinds
            out.append(d)
        return out, c_window
    try:
        out, cpu = asyncio.run(run())
        conn.send(("done", out, cpu))
    except Exception as e:  # noqa: BLE001 - report to the parent
        conn.send(("error", repr(e)))
    conn.close()


# ---------------------------------------------------------------- wrk


WRK_LUA = r"""
-- cases.py's POST /api/v1/cases load for wrk: bodies from a file, one per line,
-- statuses counted per thread, latency percentiles in done().
local bodies = {}
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local f = io.open(args[1], "r")
  for line in f:lines() do table.insert(bodies, line) end
  f:close()
  token = args[2]
  idem = args[3] == "1"
  n = id
  statuses = {}
end

function request()
  n = n + 2
  local b = bodies[(n % #bodies) + 1]
  local h = { ["Content-Type"] = "application/json", ["Accept"] = "application/json",
              ["Accept-Encoding"] = "gzip", ["Authorization"] = "Bearer " .. token }
  if idem then h["Idempotency-Key"] = "wrk-" .. id .. "-" .. n .. "-" .. tostring(os.time()) end
  return wrk.format("POST", "/api/v1/cases", h, b)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    for k, v in pairs(s) do counts[tostring(k)] = (counts[tostring(k)] or 0) + v end
  end
  local parts = {}
  for k, v in pairs(counts) do table.insert(parts, string.format('"%s":%d', k, v)) end
  local e = summary.errors
  io.write(string.format('WRK {"statuses":{%s},"requests":%d,"duration_us":%d,' ..
    '"p50_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%f,' ..
    '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\n',
    table.concat(parts, ","), summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), latency.max, latency.mean,
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def wrk_run(port, tok, bodies_, conns, seconds, idem, work):
    bf = os.path.join(work, "bodies.ndjson")
    if not os.path.exists(bf):
        with open(bf, "wb") as f:
            f.write(b"\n".join(bodies_) + b"\n")
    lua = os.path.join(work, "cases.lua")
    with open(lua, "w") as f:
        f.write(WRK_LUA)
    cmd = ["wrk", "-t2", f"-c{conns}", f"-d{int(round(seconds))}s", "--timeout", "10s", "-s", lua,
           f"http://127.0.0.1:{port}", "--", bf, tok, "1" if idem else "0"]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return p


def wrk_result(p):
    out = p.stdout.read()
    _, _, ru = os.wait4(p.pid, 0)
    p.returncode = 0
    p.wrk_cpu = ru.ru_utime + ru.ru_stime
    m = re.search(r"^WRK (\{.*\})$", out, re.M)
    if not m:
        sys.exit(f"wrk: {out}")
    return json.loads(m.group(1)), out


# ---------------------------------------------------------------- one store


def pct(sorted_v, p):
    if not sorted_v:
        return float("nan")
    return sorted_v[min(len(sorted_v) - 1, max(0, math.ceil(p / 100 * len(sorted_v)) - 1))]


def measure(kind, args, work, tag):
    store, drop = fresh_store(kind, args, work, tag)
    load_before = wait_quiet(args.quiet_wait)
    log(f"{kind}: starting gridd serve --demo on a fresh store")
    proc, port, serve_log = start_gridd(args.gridd, store, work, f"{kind}-{tag}")
    try:
        rss_start = proc_status(proc.pid)
        tok = token(args.gridd, store)
        rnd = random.Random(args.seed)
        grids = anchors(port, rnd)
        pts = make_points(grids, args.bodies, rnd, args.jitter_m)
        bad = verify_points(port, pts)
        if len(bad) > len(pts) // 100:
            sys.exit(f"{len(bad)} of {len(pts)} points not inside their L3 grid by the server's lookup (e.g. {pts[bad[0]]})")
        if bad:  # on an edge within rounding: left out
            log(f"{kind}: {len(bad)} points on a grid's edge by the server's lookup left out")
            drop_ = set(bad)
            pts = [p for i, p in enumerate(pts) if i not in drop_]
        cats = categories(port, tok, rnd, args.categories)
        bs = bodies(pts, cats, rnd)
        log(f"{kind}: {len(grids)} L3 grids, {len(pts)} report bodies (all inside their grid), categories {cats}")

        # Subscribers first, all answered before any intake.
        sub_parent, sub_child = mp.Pipe()
        subp = None
        if args.subscribers:
            subp = mp.Process(target=subscribers_main, args=(port, tok, args.subscribers, args.checked, sub_child))
            subp.start()
            msg = sub_parent.recv()
            if msg[0] != "ready":
                sys.exit(f"subscribers: {msg}")
            statuses = msg[1]
            if any(s != 200 for s in statuses):
                sys.exit(f"subscribers answered {sorted(set(statuses))}")
        time.sleep(0.5)
        rss_subs = proc_status(proc.pid)

        t_start = time.monotonic() + 0.5
        t_warm = t_start + args.warmup
        t_end = t_warm + args.seconds
        if args.generator == "python":
            gen_parent, gen_child = mp.Pipe()
            genp = mp.Process(target=generator_main,
                              args=(port, tok, bs, args.connections, t_start, t_end, args.idempotency, gen_child))
            genp.start()
            time.sleep(max(0.0, t_warm - time.monotonic()))
        else:
            time.sleep(max(0.0, t_start - time.monotonic()))
            wp = wrk_run(port, tok, bs, args.connections, args.warmup, args.idempotency, work)
            warm_res, _ = wrk_result(wp)
            t_warm = time.monotonic()
            wp = wrk_run(port, tok, bs, args.connections, args.seconds, args.idempotency, work)
        # The measured window starts.
        gen_pid = genp.pid if args.generator == "python" else wp.pid
        c_gen0 = cpu_of(gen_pid) if args.generator == "python" else 0.0
        c_sub0 = cpu_of(subp.pid) if subp is not None else 0.0
        x0 = pg_xacts(store) if kind == "postgis" else None
        c_gridd0 = cpu_of(proc.pid)
        all0 = all_cpu()
        c_pg0 = postgres_cpu() if kind == "postgis" else {}
        m0 = machine_cpu()
        w0 = time.monotonic()
        if args.generator == "python":
            time.sleep(max(0.0, t_end - time.monotonic()))
        else:
            res, wrk_out = wrk_result(wp)
            t_end = time.monotonic()
        w1 = time.monotonic()
        c_gridd1 = cpu_of(proc.pid)
        all1 = all_cpu()
        x1 = pg_xacts(store) if kind == "postgis" else None
        if args.generator == "python":
            c_gen1 = cpu_of(gen_pid)
        else:  # wrk has exited: its rusage
            c_gen0, c_gen1 = 0.0, wp.wrk_cpu
        c_sub1 = cpu_of(subp.pid) if subp is not None else 0.0
        c_pg1 = postgres_cpu() if kind == "postgis" else {}
        m1 = machine_cpu()
        window = w1 - w0
        pg_cpu = sum(c_pg1[p] - c_pg0.get(p, 0.0) for p in c_pg1)

        if args.generator == "python":
            samples, errors, gen_cpu = gen_parent.recv()
            genp.join()
            t_done = max((s[1] for s in samples), default=t_end)
            all_ok = sum(1 for s in samples if s[2] == 201)
            win = [s for s in samples if s[0] >= t_warm and s[0] < t_end]
            ok = [s for s in samples if 200 <= s[2] < 300 and t_warm <= s[1] <= t_end]
            lat = sorted((s[1] - s[0]) * 1000.0 for s in win if 200 <= s[2] < 300)
            by_status = {}
            for s in win:
                if not 200 <= s[2] < 300:
                    by_status[str(s[2])] = by_status.get(str(s[2]), 0) + 1
            for k, v in errors.items():
                by_status[k] = by_status.get(k, 0) + v
            r = {
                "cases_per_s": len(ok) / args.seconds,
                "requests": len(win),
                "p50_ms": pct(lat, 50), "p99_ms": pct(lat, 99), "max_ms": lat[-1] if lat else float("nan"),
                "mean_ms": statistics.fmean(lat) if lat else float("nan"),
                "errors": by_status,
                "generator_cpu_s": gen_cpu,
                "generator_cpu_note": "whole run (warm-up included)",
            }
            expected = all_ok
        else:
            st = {k: v for k, v in res["statuses"].items()}
            n2 = sum(v for k, v in st.items() if k.startswith("2"))
            r = {
                "cases_per_s": n2 / (res["duration_us"] / 1e6),
                "requests": res["requests"],
                "p50_ms": res["p50_us"] / 1000, "p99_ms": res["p99_us"] / 1000, "max_ms": res["max_us"] / 1000,
                "mean_ms": res["mean_us"] / 1000,
                "errors": {**{k: v for k, v in st.items() if not k.startswith("2")},
                           **{f"wrk {k}": res[k] for k in ("connect", "read", "write", "timeout") if res[k]}},
                "generator_cpu_s": None,
                "generator_cpu_note": "wrk (not measured per process)",
            }
            expected = sum(v for k, v in st.items() if k == "201") + sum(
                v for k, v in warm_res["statuses"].items() if k == "201")
            t_done = time.monotonic()
        rss_load = proc_status(proc.pid)
        # Every case of this fresh store was reported after the subscribers were
        # answered; ids count up from 1: the newest id is the number of report steps.
        # (wrk leaves requests in flight when it stops: wait until no more commit.)
        newest = -1
        while True:
            st, data = get(port, "/api/v1/cases?limit=1", tok)
            now_ = json.loads(data)[0]["id"] if st == 200 and data.strip() != b"[]" else 0
            if now_ == newest:
                break
            newest = now_
            time.sleep(0.5)
        r["answered_201"] = expected
        r["stored_cases"] = newest
        expected = newest

        subs_out = None
        sub_cpu = None
        if subp is not None:
            sub_parent.send((expected, t_done, args.drain))
            msg = sub_parent.recv()
            subp.join()
            if msg[0] != "done":
                sys.exit(f"subscribers: {msg}")
            subs_out, sub_cpu = msg[1], msg[2]
        rss_end = proc_status(proc.pid)
        busy = (m1[0] - m0[0]) / max(1, (m1[1] - m0[1])) * os.cpu_count()
        total = max(1, m1[1] - m0[1])
        softirq = (m1[2] - m0[2]) / total * os.cpu_count()
        iowait = (m1[3] - m0[3]) / total * os.cpu_count()
        gen_cores = (c_gen1 - c_gen0) / window if c_gen1 is not None else None
        sub_cores = (c_sub1 - c_sub0) / window
        r.update({
            "store": kind,
            "generator": args.generator,
            "connections": args.connections,
            "subscribers": args.subscribers,
            "seconds": args.seconds,
            "idempotency": args.idempotency,
            "expected_events": expected,
            "rss_start_mib": rss_start["VmRSS"],
            "rss_subscribed_mib": rss_subs["VmRSS"],
            "rss_after_load_mib": rss_load["VmRSS"],
            "rss_end_mib": rss_end["VmRSS"],
            "hwm_mib": rss_end["VmHWM"],
            "cpu_window_s": window,
            "gridd_cores": (c_gridd1 - c_gridd0) / window,
            "postgres_cores": pg_cpu / window if kind == "postgis" else None,
            "machine_busy_cores": busy,
            "subscriber_cpu_s_window": sub_cpu,
            "generator_cores": gen_cores,
            "subscriber_cores": sub_cores,
            "load_before": load_before,
            "pg_xacts_per_case": ((x1[0] + x1[1] - x0[0] - x0[1]) / max(1, r["cases_per_s"] * args.seconds)) if x0 else None,
            "pg_rollbacks": (x1[1] - x0[1]) if x0 else None,
            # Commits are the writer's batches (and little else): cases per commit is
            # about the mean batch size; the read-only transactions end in rollbacks.
            "pg_cases_per_commit": (r["cases_per_s"] * args.seconds / max(1, x1[0] - x0[0])) if x0 else None,
            "irq_softirq_cores": softirq,
            "iowait_cores": iowait,
        })
        known = r["gridd_cores"] + (r["postgres_cores"] or 0) + (gen_cores or 0) + sub_cores
        # Other processes (a build or test run of somebody else's), and busy time no
        # process is charged with (the kernel's softirq work for loopback TCP, mostly).
        mine = {proc.pid, gen_pid, os.getpid()} | ({subp.pid} if subp is not None else set())
        deltas = {p: (c, t - all0.get(p, (c, 0.0))[1]) for p, (c, t) in all1.items()}
        others = sum(t for p, (c, t) in deltas.items() if p not in mine and c != "postgres")
        r["other_processes_cores"] = others / window
        if kind == "postgis":
            roles = {}
            for p_, (c, t) in deltas.items():
                if c != "postgres" or t <= 0:
                    continue
                try:
                    with open(f"/proc/{p_}/cmdline", "rb") as f:
                        title = f.read().replace(b"\0", b" ").decode(errors="replace")
                except OSError:
                    title = "postgres: (gone)"
                role = "backends" if " gridd_bench_cases_" in title else title.partition("postgres: ")[2].split(" ")[0] or "postmaster"
                roles[role] = roles.get(role, 0.0) + t / window
            r["postgres_cores_by_role"] = {k: round(v, 3) for k, v in sorted(roles.items(), key=lambda kv: -kv[1])}
        r["other_processes_top"] = sorted(((round(t / window, 2), c) for p, (c, t) in deltas.items()
                                           if p not in mine and c != "postgres" and t > 0), reverse=True)[:5]
        r["unattributed_cores"] = busy - known - others / window if gen_cores is not None else None
        # Somebody else's work during the window (processes that ran through it, and
        # short-lived ones, which only show as busy time charged to nobody alive).
        r["disturbance_cores"] = r["other_processes_cores"] + max(0.0, r["unattributed_cores"] or 0.0)
        if subs_out:
            rep = [s["reports"] for s in subs_out]
            reached = [s["reached_s"] for s in subs_out]
            r.update({
                "events_min": min(rep), "events_max": max(rep),
                "events_total": sum(rep), "events_expected_total": expected * len(subs_out),
                "subscribers_complete": sum(1 for x in rep if x == expected),
                "subscribers_short": sum(1 for x in rep if x < expected),
                "subscribers_over": sum(1 for x in rep if x > expected),
                "other_events": sum(s["events"] - s["reports"] for s in subs_out),
                "drain_max_s": max((x for x in reached if x is not None), default=None),
                "drain_all": all(x is not None for x in reached),
                "checked": [s for s in subs_out if s["mode"] == "full"],
            })
        if kind == "postgis":
            # How the duplicate look-up was planned: index tuples read per index of
            # case_record over the run (the near query should read a few per intake).
            time.sleep(1.0)  # backends flush their statistics within about a second
            out = subprocess.run(["psql", store[1], "-qtA", "-F", "|", "-c",
                                  "SELECT indexrelname, idx_scan, idx_tup_read FROM pg_stat_user_indexes "
                                  "WHERE relname = 'case_record' AND idx_scan > 0 ORDER BY 1"],
                                 capture_output=True, text=True).stdout.split()
            n = max(1, r["stored_cases"])
            r["pg_case_record_index_use"] = {
                l.split("|")[0]: {"scans_per_case": round(int(l.split("|")[1]) / n, 2),
                                  "tuples_read_per_case": round(int(l.split("|")[2]) / n, 1)}
                for l in out if l.count("|") == 2}
        # The server's log: warnings and errors during the run.
        with open(serve_log) as f:
            lines = [l.rstrip() for l in f if re.search(r"\b(WARN|ERROR)\b", l)]
        r["server_warnings"] = len(lines)
        r["server_warning_sample"] = lines[:5]
        return r
    finally:
        stop(proc)
        if not args.keep:
            try:
                drop()
            except subprocess.CalledProcessError:
                pass


def fmt(v, f="{:.1f}"):
    return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else f.format(v)


def table(runs):
    print("| round | store | generator | conns | subs | cases/s (2xx) | p50 ms | p99 ms | max ms | errors | "
          "events min/expected per subscriber | subscribers complete | drain s | VmRSS start → subscribed → after load MiB | "
          "gridd cores | postgres cores | generator cores | subscribers cores | other processes cores | kernel unattributed cores (softirq) | busy before | PG transactions per case | cases per PG commit |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in runs:
        errs = ", ".join(f"{k}: {v}" for k, v in sorted(r["errors"].items())) or "none"
        ev = f"{r['events_min']} / {r['expected_events']}" if "events_min" in r else "–"
        sc = f"{r['subscribers_complete']} of {r['subscribers']}" if "events_min" in r else "–"
        print(f"| {r.get('round', 1)} | {r['store']} | {r['generator']} | {r['connections']} | {r['subscribers']} | {r['cases_per_s']:.0f} | "
              f"{fmt(r['p50_ms'], '{:.1f}')} | {fmt(r['p99_ms'], '{:.1f}')} | {fmt(r['max_ms'], '{:.0f}')} | {errs} | {ev} | {sc} | "
              f"{fmt(r.get('drain_max_s'), '{:.2f}')} | {r['rss_start_mib']:.0f} → {r['rss_subscribed_mib']:.0f} → {r['rss_after_load_mib']:.0f} | "
              f"{r['gridd_cores']:.2f} | {fmt(r['postgres_cores'], '{:.2f}')} | {fmt(r.get('generator_cores'), '{:.2f}')} | "
              f"{r['subscriber_cores']:.2f} | {r['other_processes_cores']:.2f} | {fmt(r['unattributed_cores'], '{:.2f}')} ({r['irq_softirq_cores']:.2f}) | {r['load_before']:.2f} | {fmt(r['pg_xacts_per_case'], '{:.2f}')} | {fmt(r['pg_cases_per_commit'], '{:.1f}')} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gridd", default="/work/target-bench/release/gridd")
    ap.add_argument("--stores", default="postgis,gpkg")
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--subscribers", type=int, default=100)
    ap.add_argument("--checked", type=int, default=2, help="subscribers that parse every event (ids checked)")
    ap.add_argument("--warmup", type=float, default=3.0)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--drain", type=float, default=60.0, help="most seconds to wait for the subscribers after the load")
    ap.add_argument("--generator", choices=("python", "wrk"), default="python")
    ap.add_argument("--idempotency", action="store_true", help="an Idempotency-Key on every intake")
    ap.add_argument("--bodies", type=int, default=20_000)
    ap.add_argument("--categories", type=int, default=6)
    ap.add_argument("--jitter-m", type=float, default=300.0)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--database-url", help="admin URL of the PostgreSQL cluster (default: scripts/pg.sh start)")
    ap.add_argument("--work", default=None)
    ap.add_argument("--keep", action="store_true", help="keep the stores")
    ap.add_argument("--out", help="write the runs as JSON here")
    ap.add_argument("--rounds", type=int, default=1, help="rounds (each: every store once, in order)")
    ap.add_argument("--retries", type=int, default=3,
                    help="measure a store again (at most this often) when other work disturbed the window")
    ap.add_argument("--max-disturbance", type=float, default=0.15, help="cores of other work tolerated in the window")
    ap.add_argument("--quiet-wait", type=float, default=300.0,
                    help="most seconds to wait for other work on the machine to stop before each store")
    args = ap.parse_args()
    if args.generator == "wrk" and not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")
    work = args.work or tempfile.mkdtemp(prefix="gridd-cases-bench-")
    os.makedirs(work, exist_ok=True)
    with open("/proc/loadavg") as f:
        log("load average at start:", " ".join(f.read().split()[:3]))
    runs = []
    order = [(rnd_i, kind) for rnd_i in range(args.rounds) for kind in args.stores.split(",")]
    for i, (rnd_i, kind) in enumerate(order):
        for attempt in range(1, args.retries + 2):
            r = measure(kind.strip(), args, work, f"{i}_{attempt}")
            r["attempt"] = attempt
            r["round"] = rnd_i + 1
            if r["disturbance_cores"] <= args.max_disturbance or attempt > args.retries:
                break
            log(f"{kind}: other work took {r['disturbance_cores']:.2f} cores during the window; measuring again")
            r["discarded"] = True
            print(json.dumps(r, ensure_ascii=False), flush=True)
        runs.append(r)
        print(json.dumps(r, ensure_ascii=False), flush=True)
        log(f"{kind}: {r['cases_per_s']:.0f} cases/s, p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, errors {r['errors']}, "
            f"events min {r.get('events_min')} / {r['expected_events']}")
    print()
    table(runs)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(runs, f, indent=1, ensure_ascii=False)
    if not args.work and not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
