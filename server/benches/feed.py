#!/usr/bin/env python3
"""The live feed under many subscribers (issue 12): 1,000 SSE subscribers while cases
change at 100 per second, PostGIS and GeoPackage one after the other in one run.

    server/benches/feed.py [--gridd /work/target-bench/release/gridd] [--stores postgis,gpkg]
        [--subscribers 1000] [--procs 2] [--rate 100] [--warmup 5] [--seconds 30]
        [--connections 8] [--database-url ADMIN_URL] [--out runs.json]

The target (issue 12): every event delivered to every subscriber allowed to see it,
p99 delivery under 200 ms, memory per subscriber stated.

Per store:

  1. a fresh store and `gridd serve --demo` on it (as server/benches/cases.py, whose
     helpers this script imports), an API token for `operator` (the demo subdistrict);
     the reports: points inside the demo's L3 grids, checked by the server's lookup;
  2. gridd's VmRSS with no subscriber (after 2 s of rest), then --subscribers
     connections to `GET /api/v1/events` (HTTP/1.1, `Accept-Encoding: gzip`, the
     operator's token: each may see every case) spread over --procs processes, each
     an epoll loop on non-blocking sockets; VmRSS again once all are answered and 2 s
     later: (connected − none) / subscribers is the memory per subscriber (none is
     read after 5 s of rest; VmRSS is read again at the load's peak and 2 s after the
     subscribers closed);
  3. the changes: `POST /api/v1/cases` at --rate per second, open loop (request i is
     sent at t0 + i / rate, over --connections keep-alive connections, a new one
     opened when all are busy), for --warmup + --seconds; each 201 gives the case id,
     the time its request was sent and the time its answer arrived;
  4. every subscriber notes, per event, the case id (from the frame's data) and the
     time the bytes holding it were read. Delivery latency of an event to a subscriber
     = read time − the time its request was *sent* (so it includes the write and its
     commit: an upper bound of what a browser sees after the change) and, beside it,
     read time − the time the 201 arrived; over every (event, subscriber) pair of the
     requests sent after the warm-up;
  5. when the load stops, subscribers wait (at most --drain s) until each has every
     case answered 201; missing deliveries are counted per subscriber;
  6. CPU seconds of gridd, the generator and the subscriber processes over the window.

Every process runs on this machine and shares its two cores (the CPU columns say who
used what). Only 127.0.0.1 is contacted. Python 3 standard library only.
"""

import argparse
import array
import asyncio
import gzip
import json
import multiprocessing as mp
import os
import random
import re
import select
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cases as cb  # noqa: E402  (the intake benchmark's helpers)

CASE_ID = re.compile(rb'data: \{"step":\{"seq":\d+,"case_id":(\d+),"subdistrict_id":\d+,"version":\d+,"kind":"report"')
ANSWER_ID = re.compile(rb'^\{"case":\{"id":(\d+),')


def log(*a):
    print(f"[feed {time.strftime('%H:%M:%S')}]", *a, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- subscribers


def subscribers_main(port, who, conn):
    """One process of subscribers: an epoll loop over one SSE connection per
    (group, token) of `who`. Sends ("ready", n_ok) once every connection is answered,
    then on ("stop", {group: expected ids}, drain s, sent, answered, t_measure)
    drains and sends the results."""
    def req(tok):
        return (f"GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                f"Authorization: Bearer {tok}\r\nAccept: text/event-stream\r\n"
                f"Accept-Encoding: gzip\r\nCache-Control: no-cache\r\n\r\n").encode()
    n = len(who)
    ep = select.epoll()
    socks, pending, headed, status, group = {}, {}, {}, {}, {}
    ids = {}  # fd -> array of case ids
    times = {}  # fd -> array of read times
    for g, tok in who:
        s = socket.create_connection(("127.0.0.1", port))
        s.setblocking(False)
        socks[s.fileno()] = s
        group[s.fileno()] = (g, req(tok))
    for fd, s in socks.items():
        while True:
            try:
                s.send(group[fd][1])
                break
            except BlockingIOError:
                time.sleep(0.001)
        pending[fd] = b""
        headed[fd] = False
        ids[fd] = array.array("q")
        times[fd] = array.array("d")
        ep.register(fd, select.EPOLLIN)
    answered = 0
    told_ready = False
    stop = None
    deadline = None
    while True:
        if not told_ready and answered == n:
            conn.send(("ready", sum(1 for v in status.values() if v == 200)))
            told_ready = True
        if stop is None and conn.poll():
            stop = conn.recv()
            expected = stop[1]
            deadline = time.monotonic() + stop[2]
        if stop is not None:
            done = all(len(set(ids[fd])) >= len(expected[group[fd][0]]) for fd in ids if status.get(fd) == 200)
            if done or time.monotonic() > deadline:
                break
        for fd, _ in ep.poll(0.05):
            s = socks[fd]
            try:
                data = s.recv(1 << 18)
            except BlockingIOError:
                continue
            t = time.monotonic()
            if not data:
                ep.unregister(fd)
                continue
            buf = pending[fd] + data
            if not headed[fd]:
                j = buf.find(b"\r\n\r\n")
                if j < 0:
                    pending[fd] = buf
                    continue
                status[fd] = int(buf[9:12])
                if b"content-encoding: gzip" in buf[:j].lower():
                    status[fd] = "gzip"  # not expected: the feed is not compressed
                headed[fd] = True
                answered += 1
                buf = buf[j + 4:]
            cut = buf.rfind(b"\n\n")
            if cut < 0:
                pending[fd] = buf
                continue
            done_b, pending[fd] = buf[: cut + 2], buf[cut + 2:]
            for m in CASE_ID.finditer(done_b):
                ids[fd].append(int(m.group(1)))
                times[fd].append(t)
    # Results: the latencies of the measured requests, missing deliveries.
    sent, got, t_measure = stop[3], stop[4], stop[5]
    lat_sent, lat_answer = array.array("d"), array.array("d")
    missing, dup, leaked, per_group = [], 0, 0, {}
    for fd in ids:
        if status.get(fd) != 200:
            continue
        g = group[fd][0]
        want = expected[g]
        per_group[g] = per_group.get(g, 0) + 1
        seen = set()
        for cid, t in zip(ids[fd], times[fd]):
            if cid in seen:
                dup += 1
                continue
            seen.add(cid)
            ts = sent.get(cid)
            if ts is not None and ts >= t_measure:
                lat_sent.append(t - ts)
                lat_answer.append(t - got[cid])
        missing.append(len(want - seen))
        leaked += len(seen - want)
    conn.send(("done", {"status": {str(k): v for k, v in _count(status.values()).items()},
                        "missing": missing, "dup": dup, "leaked": leaked, "groups": per_group, "lat_sent": lat_sent.tobytes(),
                        "lat_answer": lat_answer.tobytes(), "cpu": time.process_time()}))
    for s in socks.values():
        s.close()


def _count(vals):
    out = {}
    for v in vals:
        out[v] = out.get(v, 0) + 1
    return out


# ---------------------------------------------------------------- the changes


def generator_main(port, tok, bodies_, rate, conns, t_start, t_end, conn):
    async def run():
        sent, got, paths, errors = {}, {}, {}, {}
        free = asyncio.Queue()
        opened = [0]

        async def connection():
            r, w = await asyncio.open_connection("127.0.0.1", port, limit=1 << 20)
            opened[0] += 1
            return r, w

        for _ in range(conns):
            free.put_nowait(await connection())

        async def one(i):
            body = bodies_[i % len(bodies_)]
            rw = free.get_nowait() if not free.empty() else await connection()
            r, w = rw
            t0 = time.monotonic()
            try:
                w.write(cb.post_head(port, tok, len(body)) + b"\r\n" + body)
                status, data, close = await cb.read_response(r)
            except (OSError, asyncio.IncompleteReadError, ValueError) as e:
                errors[type(e).__name__] = errors.get(type(e).__name__, 0) + 1
                w.close()
                return
            t1 = time.monotonic()
            if close:
                w.close()
            else:
                free.put_nowait(rw)
            if status != 201:
                errors[f"HTTP {status}"] = errors.get(f"HTTP {status}", 0) + 1
                return
            if data[:2] == b"\x1f\x8b":
                data = gzip.decompress(data)
            m = ANSWER_ID.match(data)
            cid = int(m.group(1))
            paths[cid] = json.loads(data)["case"]["grid_path"]
            sent[cid] = t0
            got[cid] = t1

        await asyncio.sleep(max(0.0, t_start - time.monotonic()))
        c0 = time.process_time()
        tasks, i = [], 0
        while True:
            t = t_start + i / rate
            if t >= t_end:
                break
            now = time.monotonic()
            if t > now:
                await asyncio.sleep(t - now)
            tasks.append(asyncio.ensure_future(one(i)))
            i += 1
        await asyncio.gather(*tasks)
        late = 0
        return sent, got, paths, errors, time.process_time() - c0, opened[0], i

    conn.send(asyncio.run(run()))


# ---------------------------------------------------------------- one store


def pct(v, p):
    if not v:
        return None
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


def measure(kind, args, work, tag):
    store, drop = cb.fresh_store(kind, args, work, tag)
    proc, port, out_path = cb.start_gridd(args.gridd, store, work, f"feed-{kind}-{tag}")
    try:
        tok = cb.token(args.gridd, store)
        wtok = cb.token_of(args.gridd, store, "worker")
        st, me = cb.get(port, "/api/v1/auth/me", wtok)
        assert st == 200, (st, me[:300])
        scopes = [g["scope"] for g in json.loads(me)["user"]["grants"]]
        assert len(scopes) == 1 and scopes[0].startswith("grid:"), scopes
        worker_grid = int(scopes[0][5:])
        rnd = random.Random(args.seed)
        grids = cb.anchors(port, rnd)
        pts = cb.make_points(grids, args.bodies, rnd, 300.0)
        bad = cb.verify_points(port, pts)
        pts = [p for i, p in enumerate(pts) if i not in set(bad)]
        cats = cb.categories(port, tok, rnd, 6)
        bodies_ = cb.bodies(pts, cats, rnd)
        time.sleep(5)
        rss_none = cb.proc_status(proc.pid)["VmRSS"]

        # Every --worker-every th subscriber is the grid worker (one L1 grid), the
        # others the operator (the whole subdistrict).
        who = [("worker", wtok) if args.worker_every and i % args.worker_every == args.worker_every - 1
               else ("operator", tok) for i in range(args.subscribers)]
        pipes, subs = [], []
        t0 = time.monotonic()
        for k in range(args.procs):
            a, b = mp.Pipe()
            p = mp.Process(target=subscribers_main, args=(port, who[k::args.procs], b), daemon=True)
            p.start()
            pipes.append(a)
            subs.append(p)
        ok = 0
        for a in pipes:
            msg = a.recv()
            assert msg[0] == "ready"
            ok += msg[1]
        connect_s = time.monotonic() - t0
        rss_conn = cb.proc_status(proc.pid)["VmRSS"]
        time.sleep(2)
        rss_conn2 = cb.proc_status(proc.pid)["VmRSS"]
        log(f"{kind}: {ok}/{args.subscribers} subscribers answered 200 in {connect_s:.1f} s; "
            f"VmRSS {rss_none:.1f} → {rss_conn2:.1f} MiB")

        cpu_g0 = cb.cpu_of(proc.pid)
        cpu_s0 = sum(cb.cpu_of(p.pid) for p in subs)
        t_start = time.monotonic() + 0.5
        t_measure = t_start + args.warmup
        t_end = t_measure + args.seconds
        a, b = mp.Pipe()
        gen = mp.Process(target=generator_main,
                         args=(port, tok, bodies_, args.rate, args.connections, t_start, t_end, b), daemon=True)
        gen.start()
        rss_peak = 0.0
        while gen.is_alive() and not a.poll(0.5):
            rss_peak = max(rss_peak, cb.proc_status(proc.pid)["VmRSS"])
        sent, got, paths, errors, cpu_gen, opened, n_req = a.recv()
        gen.join()
        cpu_g1 = cb.cpu_of(proc.pid)
        cpu_s1 = sum(cb.cpu_of(p.pid) for p in subs)
        window = t_end - t_start
        rss_load = cb.proc_status(proc.pid)["VmRSS"]
        log(f"{kind}: {len(sent)}/{n_req} changes answered 201, errors {errors}; draining")
        t_drain = time.monotonic()
        expected = {"operator": set(sent), "worker": {c for c in sent if worker_grid in paths[c]}}
        for a2 in pipes:
            a2.send(("stop", expected, args.drain, sent, got, t_measure))
        results = [a2.recv()[1] for a2 in pipes]
        drain_s = time.monotonic() - t_drain
        for p in subs:
            p.join(10)
        time.sleep(2)
        rss_closed = cb.proc_status(proc.pid)["VmRSS"]
        lat_s, lat_a = array.array("d"), array.array("d")
        missing, dup, status, leaked, groups = [], 0, {}, 0, {}
        for r in results:
            leaked += r["leaked"]
            for k, v in r["groups"].items():
                groups[k] = groups.get(k, 0) + v
            lat_s.frombytes(r["lat_sent"])
            lat_a.frombytes(r["lat_answer"])
            missing += r["missing"]
            dup += r["dup"]
            for k, v in r["status"].items():
                status[k] = status.get(k, 0) + v
        ls, la = sorted(lat_s), sorted(lat_a)
        measured = sum(1 for t in sent.values() if t >= t_measure)
        measured_w = sum(1 for c, t in sent.items() if t >= t_measure and worker_grid in paths[c])
        exp_deliv = measured * groups.get("operator", 0) + measured_w * groups.get("worker", 0)
        run = {
            "store": kind, "tag": tag, "subscribers": args.subscribers, "answered_200": ok,
            "status": status, "rate": args.rate, "changes": len(sent), "requests": n_req,
            "measured_changes": measured, "errors": errors, "connections_opened": opened,
            "deliveries_measured": len(ls), "expected_deliveries": exp_deliv, "groups": groups,
            "worker_grid": worker_grid, "worker_cases": len(expected["worker"]),
            "out_of_scope_deliveries": leaked,
            "missing_total": sum(missing), "subscribers_missing_any": sum(1 for m in missing if m),
            "duplicates": dup, "drain_s": round(drain_s, 2),
            "delivery_from_send_ms": {p: round(pct(ls, p) * 1000, 1) for p in (50, 90, 99, 99.9)} | {
                "max": round(ls[-1] * 1000, 1)} if ls else None,
            "delivery_from_answer_ms": {p: round(pct(la, p) * 1000, 1) for p in (50, 90, 99, 99.9)} | {
                "max": round(la[-1] * 1000, 1)} if la else None,
            "intake_ms": {p: round(pct(sorted(got[c] - sent[c] for c in sent), p) * 1000, 1) for p in (50, 99)},
            "rss_mib": {"no_subscribers": round(rss_none, 1), "connected": round(rss_conn, 1),
                        "connected_2s": round(rss_conn2, 1), "peak_load": round(rss_peak, 1),
                        "after_load": round(rss_load, 1),
                        "subscribers_closed": round(rss_closed, 1)},
            "kib_per_subscriber": round((rss_conn2 - rss_none) * 1024 / max(1, ok), 1),
            "cpu_cores": {"gridd": round((cpu_g1 - cpu_g0) / window, 2),
                          "subscribers": round((cpu_s1 - cpu_s0) / window, 2),
                          "generator": round(cpu_gen / window, 2)},
            "connect_s": round(connect_s, 1),
        }
        log(json.dumps(run, ensure_ascii=False))
        return run
    finally:
        cb.stop(proc)
        if not args.keep:
            drop()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gridd", default="/work/target-bench/release/gridd")
    ap.add_argument("--stores", default="postgis,gpkg")
    ap.add_argument("--subscribers", type=int, default=1000)
    ap.add_argument("--procs", type=int, default=2, help="subscriber processes")
    ap.add_argument("--rate", type=float, default=100.0, help="changes per second")
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--worker-every", type=int, default=10,
                    help="every n-th subscriber is the demo grid worker (0: none)")
    ap.add_argument("--warmup", type=float, default=5.0)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--drain", type=float, default=30.0)
    ap.add_argument("--bodies", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--database-url")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--out")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="gridd-feed-")
    runs = [measure(kind, args, work, str(i)) for i, kind in enumerate(args.stores.split(","))]
    print("| store | subscribers | changes/s | delivered | p50 / p99 / max from send (ms) | p99 from answer (ms) | KiB/subscriber | gridd cores |")
    print("|---|---|---|---|---|---|---|---|")
    for r in runs:
        d, a = r["delivery_from_send_ms"], r["delivery_from_answer_ms"]
        print(f"| {r['store']} | {r['answered_200']} | {r['rate']:.0f} | "
              f"{r['deliveries_measured']:,}/{r['expected_deliveries']:,} (missing {r['missing_total']}, out of scope {r['out_of_scope_deliveries']}) | "
              f"{d[50]} / {d[99]} / {d['max']} | {a[99]} | {r['kib_per_subscriber']} | {r['cpu_cores']['gridd']} |")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(runs, f, indent=1, ensure_ascii=False)


if __name__ == "__main__":
    main()
