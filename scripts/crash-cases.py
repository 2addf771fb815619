#!/usr/bin/env python3
"""Crash check of case intake (issue 11): kill -9 in the middle of a 10,000-case intake.

    scripts/crash-cases.py [--gridd /work/target-bench/release/gridd] [--stores postgis,gpkg]
        [--cases 10000] [--connections 16] [--kill-at 0.3-0.7] [--seed 11]

Per store (a fresh PostgreSQL database on the cluster of `scripts/pg.sh`, or a fresh
GeoPackage file):

  1. `gridd serve --demo` on it; an API token for the demo account `operator`
     (`gridd token create`); --cases report bodies at interior points of the L3 grids
     (server/benches/cases.py makes them: seeded, jittered, all checked inside by the
     server's lookup), each with its own `Idempotency-Key`;
  2. --connections keep-alive connections send them, one after the other each; every
     2xx answer (acknowledged: committed) is recorded with its case id and number;
  3. once a random fraction (--kill-at, default between 30 % and 70 %) of the cases is
     acknowledged, `kill -9` the server; the requests then written but unanswered are
     counted (they may or may not have been committed);
  4. restart gridd on the same store (no --demo), then check:
       - every acknowledged case: `GET /api/v1/cases/{id}` answers it with its number,
         `GET /api/v1/cases/{id}/history` holds its `report` step;
       - case numbers (`2026-000123`) and ids unique over every case in the store
         (`GET /api/v1/cases`, paged), one `report` step per case in the event log
         (`GET /api/v1/case-events`, paged);
       - the unanswered ones re-sent with their keys: 200 `replayed: true` (it had been
         committed) or 201 (it had not); both counted; sent once more: 200, same case;
       - a sample of acknowledged ones re-sent: 200 `replayed: true`, same case;
       - the cases never sent before the kill sent now (201), so that the store ends
         with exactly --cases cases, one per key;
  5. exits non-zero on any acknowledged case or step missing, a duplicate number, id or
     report step, or a key that made two cases.

Only 127.0.0.1 is contacted. Python 3 standard library only.
"""

import argparse
import asyncio
import gzip
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "server", "benches"))
import cases as bench  # noqa: E402


def log(*a):
    print(f"[crash {time.strftime('%H:%M:%S')}]", *a, file=sys.stderr, flush=True)


class Client:
    """One keep-alive HTTP/1.1 connection on raw sockets (reconnects when closed)."""

    def __init__(self, port, tok):
        self.port, self.tok = port, tok
        self.r = self.w = None

    async def request(self, method, path, body=None, headers=None):
        if self.w is None:
            self.r, self.w = await asyncio.open_connection("127.0.0.1", self.port, limit=1 << 22)
        h = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
             f"Authorization: Bearer {self.tok}\r\nAccept: application/json\r\nAccept-Encoding: gzip\r\n")
        for k, v in (headers or {}).items():
            h += f"{k}: {v}\r\n"
        if body is not None:
            h += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        try:
            self.w.write(h.encode() + b"\r\n" + (body or b""))
            status, data, close = await bench.read_response(self.r)
        except BaseException:
            self.close()
            raise
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        if close:
            self.close()
        return status, data

    def close(self):
        if self.w is not None:
            self.w.close()
        self.r = self.w = None


async def intake(port, tok, bodies, keys, conns, kill_n, proc, state):
    """Sends the bodies until kill_n are acknowledged, then kills the server."""
    nxt = [0]
    acked = [0]
    killed = asyncio.Event()

    async def one_conn():
        c = Client(port, tok)
        while not killed.is_set():
            i = nxt[0]
            if i >= len(bodies):
                break
            nxt[0] += 1
            state[i] = ("sent",)
            try:
                status, data = await c.request("POST", "/api/v1/cases", bodies[i], {"Idempotency-Key": keys[i]})
            except (OSError, asyncio.IncompleteReadError, ValueError):
                state[i] = ("unanswered",)
                if killed.is_set():
                    break
                continue
            if 200 <= status < 300:
                d = json.loads(data)
                state[i] = ("ack", status, d["case"]["id"], d["case"]["number"], d["replayed"])
                acked[0] += 1
                if not killed.is_set() and acked[0] >= kill_n:
                    # In flight at this instant: written, no answer yet.
                    state["_in_flight_at_kill"] = sum(1 for s in list(state.values()) if isinstance(s, tuple) and s[0] == "sent")
                    state["_kill_time"] = time.monotonic()
                    os.kill(proc.pid, signal.SIGKILL)
                    killed.set()
            else:
                state[i] = ("refused", status, data[:300].decode(errors="replace"))
        c.close()

    await asyncio.gather(*(one_conn() for _ in range(conns)))


async def pooled(port, tok, jobs, conns):
    """Runs `await job(client)` for every job over conns connections; results in order."""
    out = [None] * len(jobs)
    it = iter(range(len(jobs)))

    async def worker():
        c = Client(port, tok)
        for i in it:
            out[i] = await jobs[i](c)
        c.close()

    await asyncio.gather(*(worker() for _ in range(conns)))
    return out


async def verify(port, tok, bodies, keys, state, conns, rnd):
    failures = []
    acked = {i: s for i, s in state.items() if isinstance(i, int) and s[0] == "ack"}
    unanswered = sorted(i for i, s in state.items() if isinstance(i, int) and s[0] in ("sent", "unanswered"))
    never = [i for i in range(len(bodies)) if i not in state]
    refused = {i: s for i, s in state.items() if isinstance(i, int) and s[0] == "refused"}

    # 1. Every acknowledged case and its report step.
    def check(i, s):
        async def job(c):
            _, _, cid, number, _ = s
            st, data = await c.request("GET", f"/api/v1/cases/{cid}")
            if st != 200:
                return f"case {cid} ({number}, key {keys[i]}): GET answered {st}"
            got = json.loads(data)
            if got["number"] != number:
                return f"case {cid}: number {got['number']} != acknowledged {number}"
            st, data = await c.request("GET", f"/api/v1/cases/{cid}/history")
            if st != 200:
                return f"case {cid}: history answered {st}"
            steps = json.loads(data)
            if sum(1 for x in steps if x["kind"] == "report") != 1:
                return f"case {cid}: history {[x['kind'] for x in steps]} (want one report step)"
            return None
        return job

    res = await pooled(port, tok, [check(i, s) for i, s in acked.items()], conns)
    lost = [r for r in res if r]
    failures += lost

    # 2. The store as a whole: ids, numbers, one report step each.
    c = Client(port, tok)
    cases, before = [], None
    while True:
        q = "/api/v1/cases?limit=1000" + (f"&before_id={before}" if before else "")
        st, data = await c.request("GET", q)
        assert st == 200, (st, data[:300])
        page = json.loads(data)
        cases += page
        if len(page) < 1000:
            break
        before = page[-1]["id"]
    steps, after = [], 0
    while True:
        st, data = await c.request("GET", f"/api/v1/case-events?after={after}&limit=5000")
        assert st == 200, (st, data[:300])
        page = json.loads(data)
        steps += page
        if not page:
            break
        after = page[-1]["seq"]
    c.close()
    ids = [x["id"] for x in cases]
    numbers = [(x["subdistrict_id"], x["number"]) for x in cases]
    if len(set(ids)) != len(ids):
        failures.append(f"{len(ids) - len(set(ids))} duplicate case ids in the list")
    if len(set(numbers)) != len(numbers):
        failures.append(f"{len(numbers) - len(set(numbers))} duplicate case numbers")
    reports = [x["case_id"] for x in steps if x["kind"] == "report"]
    seqs = [x["seq"] for x in steps]
    if len(set(seqs)) != len(seqs):
        failures.append("duplicate step numbers in the event log")
    if sorted(reports) != sorted(ids):
        failures.append(f"report steps ({len(reports)}) do not match the cases ({len(ids)}) one to one")
    stored_before_resend = len(ids)

    # 3. The unanswered ones, re-sent with their keys (twice).
    def resend(i):
        async def job(c):
            st, data = await c.request("POST", "/api/v1/cases", bodies[i], {"Idempotency-Key": keys[i]})
            d = json.loads(data) if data[:1] == b"{" else {}
            return st, d.get("case", {}).get("id"), d.get("replayed")
        return job

    first = await pooled(port, tok, [resend(i) for i in unanswered], conns)
    committed = sum(1 for st, _, rp in first if st == 200 and rp)
    not_committed = sum(1 for st, _, rp in first if st == 201 and not rp)
    odd = [(unanswered[k], r) for k, r in enumerate(first) if not ((r[0] == 200 and r[2]) or (r[0] == 201 and not r[2]))]
    if odd:
        failures.append(f"re-sent unanswered intakes answered oddly: {odd[:5]}")
    second = await pooled(port, tok, [resend(i) for i in unanswered], conns)
    for k, (a, b) in enumerate(zip(first, second)):
        if not (b[0] == 200 and b[2] and b[1] == a[1]):
            failures.append(f"key {keys[unanswered[k]]}: second re-send {b}, first {a}")
    # 4. A sample of the acknowledged ones: replayed, same case.
    sample = rnd.sample(sorted(acked), min(500, len(acked)))
    again = await pooled(port, tok, [resend(i) for i in sample], conns)
    for i, r in zip(sample, again):
        if not (r[0] == 200 and r[2] and r[1] == acked[i][2]):
            failures.append(f"key {keys[i]} (acknowledged case {acked[i][2]}): re-sent answered {r}")
    # 5. The rest of the intake.
    rest = await pooled(port, tok, [resend(i) for i in never], conns)
    bad_rest = [r for r in rest if r[0] != 201]
    if bad_rest:
        failures.append(f"{len(bad_rest)} of the never-sent intakes not 201: {bad_rest[:5]}")
    # 6. One case per key, --cases in all.
    c = Client(port, tok)
    final, before = [], None
    while True:
        q = "/api/v1/cases?limit=1000" + (f"&before_id={before}" if before else "")
        st, data = await c.request("GET", q)
        page = json.loads(data)
        final += page
        if len(page) < 1000:
            break
        before = page[-1]["id"]
    c.close()
    expected_total = len(bodies) - len(refused)
    fnum = [(x["subdistrict_id"], x["number"]) for x in final]
    if len(final) != expected_total:
        failures.append(f"the store holds {len(final)} cases after the re-sends; want {expected_total} (one per key)")
    if len(set(fnum)) != len(fnum):
        failures.append(f"{len(fnum) - len(set(fnum))} duplicate case numbers after the re-sends")
    return {
        "acknowledged": len(acked),
        "acknowledged_found": len(acked) - len(lost),
        "lost": len(lost),
        "lost_sample": lost[:5],
        "refused": len(refused),
        "refused_sample": list(refused.values())[:3],
        "in_flight_at_kill": state.get("_in_flight_at_kill"),
        "unanswered": len(unanswered),
        "unanswered_committed": committed,
        "unanswered_not_committed": not_committed,
        "never_sent_before_kill": len(never),
        "stored_after_restart": stored_before_resend,
        "stored_final": len(final),
        "numbers_unique": len(set(fnum)) == len(fnum),
        "report_steps": len(reports),
        "failures": failures,
    }


def run_store(kind, args, work, tag):
    store, drop = bench.fresh_store(kind, args, work, tag)
    proc, port, _ = bench.start_gridd(args.gridd, store, work, f"crash-{kind}-{tag}")
    try:
        tok = bench.token(args.gridd, store)
        rnd = random.Random(args.seed)
        grids = bench.anchors(port, rnd)
        pts = bench.make_points(grids, args.cases, rnd, 300.0)
        bad = bench.verify_points(port, pts)
        if bad:
            sys.exit(f"{len(bad)} points outside their grid")
        cats = bench.categories(port, tok, rnd, 6)
        bodies = bench.bodies(pts, cats, rnd)
        keys = [f"crash-{os.getpid()}-{tag}-{i:05d}" for i in range(len(bodies))]
        lo, _, hi = args.kill_at.partition("-")
        frac = random.Random(f"{args.seed}-{kind}").uniform(float(lo), float(hi or lo))
        kill_n = max(1, int(frac * args.cases))
        log(f"{kind}: {args.cases} intakes on {args.connections} connections, kill -9 after {kill_n} acknowledged")
        state = {}
        t0 = time.monotonic()
        asyncio.run(intake(port, tok, bodies, keys, args.connections, kill_n, proc, state))
        proc.wait()
        t_kill = state.get("_kill_time", time.monotonic()) - t0
        log(f"{kind}: killed after {t_kill:.1f} s (exit {proc.returncode}); restarting")
        proc, port, _ = start_plain(args.gridd, store, work, f"crash-{kind}-{tag}-restart")
        res = asyncio.run(verify(port, tok, bodies, keys, state, args.connections, rnd))
        res.update({"store": kind, "cases": args.cases, "connections": args.connections,
                    "kill_after_acknowledged": kill_n, "kill_after_s": t_kill, "killed_exit": -9})
        return res
    finally:
        bench.stop(proc)
        if not args.keep:
            try:
                drop()
            except subprocess.CalledProcessError:
                pass


def start_plain(gridd, store, work, label):
    """gridd serve on an existing store (no --demo: nothing is loaded or reset)."""
    import http.client
    import re
    out_path = os.path.join(work, f"serve-{label}.log")
    out = open(out_path, "w+")
    proc = subprocess.Popen([gridd, "serve", *store, "--addr", "127.0.0.1:0", "--web-dir", "/nonexistent"],
                            stdout=out, stderr=subprocess.STDOUT, env=dict(os.environ, RUST_LOG="warn"))
    t0 = time.monotonic()
    while time.monotonic() - t0 < 600:
        out.seek(0)
        m = re.search(r"http://127\.0\.0\.1:([0-9]+)", out.read())
        if m:
            try:
                c = http.client.HTTPConnection("127.0.0.1", int(m.group(1)), timeout=5)
                c.request("GET", "/health")
                c.getresponse().read()
                return proc, int(m.group(1)), out_path
            except OSError:
                pass
        if proc.poll() is not None:
            out.seek(0)
            sys.exit(f"gridd did not restart: {out.read()[-2000:]}")
        time.sleep(0.1)
    sys.exit("gridd did not restart in time")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gridd", default="/work/target-bench/release/gridd")
    ap.add_argument("--stores", default="postgis,gpkg")
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--kill-at", default="0.3-0.7", help="fraction acknowledged when killed: F or LO-HI (random)")
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--database-url", help="admin URL of the PostgreSQL cluster (default: scripts/pg.sh start)")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--out")
    args = ap.parse_args()
    log(f"seed {args.seed}")
    work = tempfile.mkdtemp(prefix="gridd-crash-cases-")
    runs, failed = [], False
    for i, kind in enumerate(args.stores.split(",")):
        r = run_store(kind.strip(), args, work, str(i))
        runs.append(r)
        print(json.dumps(r, ensure_ascii=False), flush=True)
        if r["failures"] or r["lost"]:
            failed = True
            log(f"{kind}: FAILED: {r['failures'][:10]}")
        else:
            log(f"{kind}: {r['acknowledged']} acknowledged, all found after kill -9 (0 lost); "
                f"{r['unanswered']} unanswered at the kill: {r['unanswered_committed']} had been committed, "
                f"{r['unanswered_not_committed']} not; {r['stored_final']} cases in the end, numbers unique")
    print()
    print("| store | cases | conns | killed after (acknowledged / s) | acknowledged | found after restart | lost | "
          "in flight at kill | unanswered: committed / not | refused | final cases | numbers unique |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in runs:
        print(f"| {r['store']} | {r['cases']} | {r['connections']} | {r['kill_after_acknowledged']} / {r['kill_after_s']:.1f} | "
              f"{r['acknowledged']} | {r['acknowledged_found']} | {r['lost']} | {r['in_flight_at_kill']} | "
              f"{r['unanswered_committed']} / {r['unanswered_not_committed']} | {r['refused']} | {r['stored_final']} | "
              f"{'yes' if r['numbers_unique'] else 'NO'} |")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(runs, f, indent=1, ensure_ascii=False)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
