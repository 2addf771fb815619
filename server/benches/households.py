#!/usr/bin/env python3
"""Households (issue 14): importing 100,000 households from CSV through
`POST /api/v1/households/import` (every row checked, all in one transaction),
and the visit-compliance lists for those 100,000 households
(`GET /api/v1/visits/compliance`), on PostGIS and the GeoPackage; side by side in
the same run with the anchors: PostgreSQL's own bulk load (`COPY … FROM STDIN`)
of the same rows into tables shaped like `household` and `household_person`,
and one SQL `GROUP BY` computing the same due/overdue lists and per-grid counts.

    server/benches/households.py [--gridd /work/target-bench/release/gridd] [--stores postgis,gpkg]
        [--households 100000] [--runs 5] [--out runs.json]

Per store: a fresh store and `gridd serve --demo` (server/benches/cases.py's
helpers; `GRIDD_ID_KEY` set), an API token for the demo administrator. The file:
--households households over the demo's 446 buildings in proportion to their
estimates, 1–4 people each (about 2.5), one in ten special — the shape of
`gridd::households::synthetic`, made here in Python (a valid GB 11643 number
and a mobile per person, Chinese headers), ~22 MB. Timed: the import request
(upload, every row checked, the building placed, stored, committed). Then the
households are dated 1 January (SQL) and about 1.6 visits a household over the
year are written by SQL (quarters at random, one in eight not at home), and the
compliance request is timed --runs times (all lists, `limit=200000`). Python 3
standard library only (sqlite3 for the GeoPackage anchor); only 127.0.0.1 is
contacted.
"""

import argparse
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cases as cb  # noqa: E402

KEY = "6b" * 32
JAN1 = 1_767_196_800  # 2026-01-01 00:00 +08:00
Q = [JAN1, 1_774_972_800, 1_782_835_200, 1_790_784_000, 1_798_732_800]
NOW = 1_796_316_000  # 2026-12-03, a Thursday in the fourth quarter
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳"]
KINDS = ["残疾人", "孤寡老人", "失独家庭", "单亲家庭", "低保户", "帮教人员"]


def log(*a):
    print(f"[households {time.strftime('%H:%M:%S')}]", *a, file=sys.stderr, flush=True)


def id_of(k):
    """Person k's identity number (as synthetic::id_of)."""
    import datetime
    d = datetime.date(1940, 1, 1) + datetime.timedelta(days=k % 20_000)
    first = f"320508{d:%Y%m%d}{(k // 20_000 + 1) % 1000:03}"
    s = sum(int(c) * w for c, w in zip(first, WEIGHTS))
    return first + "10X98765432"[s % 11]


def make_file(buildings, n, rnd):
    """CSV text, and the rows for the anchor (households, people)."""
    usable = [(b, e) for b, e in buildings if e > 0] or [(b, 1) for b, _ in buildings]
    total = sum(e for _, e in usable)
    plan = [[b, e * n // total] for b, e in usable]
    i = 0
    while sum(p[1] for p in plan) < n:
        plan[i % len(plan)][1] += 1
        i += 1
    lines = ["楼栋号,单元,室,姓名,手机号,身份证号,与户主关系,特殊家庭,地址"]
    hh, people = [], []
    person = 0
    for b, count in plan:
        for h in range(count):
            unit, room = h // 60 + 1, f"{(h % 60) // 4 + 1}{h % 4 + 1:02}"
            special = KINDS[rnd.randrange(6)] if rnd.random() < 0.1 else ""
            hh.append((len(hh) + 1, b, unit, room))
            for p in range(rnd.randint(1, 4)):
                person += 1
                name = rnd.choice(SURNAMES) + rnd.choice(GIVEN)
                phone = f"13{rnd.randrange(10**9):09}"
                lines.append(f"{b},{unit},{room},{name},{phone},{id_of(person)},"
                             f"{'户主' if p == 0 else '子女'},{special if p == 0 else ''},")
                people.append((len(hh), p, name, phone))
    return "\n".join(lines) + "\n", hh, people


VISITS_SQL = """
INSERT INTO household_visit (subdistrict_id, {id}household_id, worker_id, worker_name, at, outcome,
    note, photos, record_confirmed, recorded_at)
SELECT subdistrict_id, {idv}id, 1, 'bench', at,
       CASE WHEN (id * 7 + k) % 8 = 0 THEN 'not_home' ELSE 'visited' END, '', '',
       {confirmed}, at
FROM (SELECT h.subdistrict_id, h.id, k.k,
             {q0} + ((h.id * 2654435761 + k.k * 40503) % ({now} - {q0})) AS at
      FROM household h, (SELECT 1 AS k UNION ALL SELECT 2) k
      WHERE (h.id + k.k) % 5 <> 0) x
"""

# The anchor: the same due/overdue lists and per-grid counts in one statement.
ANCHOR_SQL = """
WITH v AS (
  SELECT household_id,
         count(*) AS n,
         max(CASE WHEN at >= {q0} AND at < {q1} THEN 1 ELSE 0 END) AS v1,
         max(CASE WHEN at >= {q1} AND at < {q2} THEN 1 ELSE 0 END) AS v2,
         max(CASE WHEN at >= {q2} AND at < {q3} THEN 1 ELSE 0 END) AS v3,
         max(CASE WHEN at >= {q3} AND at < {q4} THEN 1 ELSE 0 END) AS v4
  FROM household_visit
  WHERE outcome = 'visited' AND at >= {q0} AND at < {q4} AND at <= {now}
  GROUP BY household_id),
s AS (SELECT DISTINCT household_id FROM household_special),
st AS (
  SELECT h.id, h.grid_id,
         CASE WHEN s.household_id IS NOT NULL AND (
                (coalesce(v.v1, 0) = 0 AND {q1} > h.created_at AND {now} >= {q1}) OR
                (coalesce(v.v2, 0) = 0 AND {q2} > h.created_at AND {now} >= {q2}) OR
                (coalesce(v.v3, 0) = 0 AND {q3} > h.created_at AND {now} >= {q3}))
              THEN 'overdue'
              WHEN coalesce(v.n, 0) < 2 OR (s.household_id IS NOT NULL AND coalesce(v.v4, 0) = 0)
              THEN 'due' ELSE 'done' END AS standing
  FROM household h LEFT JOIN v ON v.household_id = h.id LEFT JOIN s ON s.household_id = h.id)
SELECT grid_id, standing, count(*), {agg} FROM st GROUP BY grid_id, standing
"""


def anchor_sql(kind):
    agg = "string_agg(id::text, ',')" if kind == "postgis" else "group_concat(id)"
    return ANCHOR_SQL.format(q0=Q[0], q1=Q[1], q2=Q[2], q3=Q[3], q4=Q[4], now=NOW, agg=agg)


def timed_psql(url, sql):
    t = time.monotonic()
    out = subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-qtA", "-c", sql],
                         check=True, capture_output=True, text=True).stdout
    return time.monotonic() - t, out


def copy_anchor(url, hh, people, work):
    """PostgreSQL COPY of the same households and people into tables like ours."""
    hp, pp = os.path.join(work, "hh.csv"), os.path.join(work, "people.csv")
    rnd = random.Random(5)
    with open(hp, "w") as f:
        for i, b, u, r in hh:
            f.write(f"1,{10_000_000 + i},{b},33,\"\",{u},{r},{JAN1}\n")
    with open(pp, "w") as f:
        for h, o, name, phone in people:
            f.write(f"1,{10_000_000 + h},{o},{name},{phone},\\x{rnd.getrandbits(256):064x},"
                    f"320508********1234,子女\n")
    cb.psql(url, "DROP TABLE IF EXISTS anchor_household, anchor_person; "
                 "CREATE TABLE anchor_household (LIKE household INCLUDING DEFAULTS INCLUDING INDEXES); "
                 "CREATE TABLE anchor_person (LIKE household_person INCLUDING DEFAULTS INCLUDING INDEXES)")
    t = time.monotonic()
    subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-qtA",
                    "-c", f"\\copy anchor_household FROM '{hp}' WITH (FORMAT csv)",
                    "-c", f"\\copy anchor_person FROM '{pp}' WITH (FORMAT csv)"], check=True)
    secs = time.monotonic() - t
    cb.psql(url, "DROP TABLE anchor_household, anchor_person")
    return {"households": len(hh), "people": len(people), "seconds": secs}


def measure(kind, args, work, tag):
    store, drop = cb.fresh_store(kind, args, work, f"hh{tag}")
    proc, port, _ = cb.start_gridd(args.gridd, store, work, f"households-{kind}-{tag}")
    try:
        tok = cb.token_of(args.gridd, store, "admin")
        st, data = cb.get(port, "/api/v1/buildings")
        feats = json.loads(data)["features"]
        buildings = [(f["properties"]["id"], f["properties"]["households"]) for f in feats]
        st, data = cb.get(port, "/api/v1/grids?level=1")
        sd = json.loads(data)["features"][0]["properties"]["subdistrict_id"]
        text, hh, people = make_file(buildings, args.households, random.Random(14))
        body = text.encode()
        log(f"{kind}: {len(hh)} households, {len(people)} rows, {len(body) / 1e6:.1f} MB")
        cb.wait_quiet(args.quiet_wait)
        g0 = cb.cpu_of(proc.pid)
        t = time.monotonic()
        st, ans = cb.get(port, f"/api/v1/households/import?subdistrict={sd}", tok, "POST", body,
                         {"Content-Type": "text/csv"})
        import_s = time.monotonic() - t
        g1 = cb.cpu_of(proc.pid)
        if st != 201:
            sys.exit(f"import: {st} {ans[:2000]}")
        ans = json.loads(ans)
        log(f"{kind}: import {import_s:.2f} s: {ans}")
        # A year of visits, by SQL; households on record from 1 January.
        if kind == "postgis":
            url = store[1]
            cb.psql(url, f"UPDATE household SET created_at = {JAN1}")
            cb.psql(url, VISITS_SQL.format(id="", idv="", q0=Q[0], now=NOW,
                                           confirmed="(id % 20 <> 0)"))
            n_visits = int(subprocess.run(["psql", url, "-qtA", "-c", "SELECT count(*) FROM household_visit"],
                                          capture_output=True, text=True, check=True).stdout)
        else:
            db = sqlite3.connect(store[1])
            db.execute(f"UPDATE household SET created_at = {JAN1}")
            db.execute(VISITS_SQL.format(id="id, ", idv="id * 2 + k - 2, ", q0=Q[0], now=NOW,
                                         confirmed="(id % 20 <> 0)"))
            db.commit()
            n_visits = db.execute("SELECT count(*) FROM household_visit").fetchone()[0]
            db.close()
        # The test clock is not on: "now" is the server's (3 December 2026 or later).
        times, answer = [], None
        for _ in range(args.runs):
            t = time.monotonic()
            st, data = cb.get(port, "/api/v1/visits/compliance?year=2026&limit=200000", tok)
            times.append(time.monotonic() - t)
            if st != 200:
                sys.exit(f"compliance: {st} {data[:2000]}")
            answer = json.loads(data)
        run = {
            "store": kind, "households": ans["households"], "people": ans["people"],
            "csv_mb": len(body) / 1e6, "import_s": import_s, "import_gridd_cores": (g1 - g0) / import_s,
            "visits": n_visits, "compliance_s": times, "compliance_median_s": statistics.median(times),
            "due": answer["due_count"], "overdue": answer["overdue_count"],
            "listed": len(answer["due"]) + len(answer["overdue"]), "grids": len(answer["grids"]),
            "compliance_mb": len(data) / 1e6,
            "accuracy": answer["total"]["accuracy"]["rate"], "collection": answer["total"]["collection"]["rate"],
        }
        if kind == "postgis":
            run["anchor_copy"] = copy_anchor(store[1], hh, people, work)
            at = []
            for _ in range(args.runs):
                s, out = timed_psql(store[1], anchor_sql(kind))
                at.append(s)
            run["anchor_groupby_s"] = statistics.median(at)
            rows = [l.split("|") for l in out.splitlines() if l]
            run["anchor_due"] = sum(int(r[2]) for r in rows if r[1] == "due")
            run["anchor_overdue"] = sum(int(r[2]) for r in rows if r[1] == "overdue")
        else:
            db = sqlite3.connect(store[1])
            at = []
            for _ in range(args.runs):
                t = time.monotonic()
                rows = db.execute(anchor_sql(kind)).fetchall()
                at.append(time.monotonic() - t)
            db.close()
            run["anchor_groupby_s"] = statistics.median(at)
            run["anchor_due"] = sum(r[2] for r in rows if r[1] == "due")
            run["anchor_overdue"] = sum(r[2] for r in rows if r[1] == "overdue")
        log(json.dumps(run))
        return run
    finally:
        cb.stop(proc)
        drop()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gridd", default="/work/target-bench/release/gridd")
    ap.add_argument("--stores", default="postgis,gpkg")
    ap.add_argument("--households", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--quiet-wait", type=float, default=60)
    ap.add_argument("--database-url")
    ap.add_argument("--out")
    args = ap.parse_args()
    os.environ["GRIDD_ID_KEY"] = KEY
    runs = []
    with tempfile.TemporaryDirectory() as work:
        for kind in args.stores.split(","):
            runs.append(measure(kind, args, work, str(len(runs))))
    print("| store | households (people) | CSV MB | import s | anchor: COPY s | visits | compliance s (median) "
          "| due / overdue listed | anchor: GROUP BY s (due / overdue) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in runs:
        a = r.get("anchor_copy")
        print(f"| {r['store']} | {r['households']:,} ({r['people']:,}) | {r['csv_mb']:.1f} | {r['import_s']:.2f} "
              f"| {'–' if not a else format(a['seconds'], '.2f')} | {r['visits']:,} | {r['compliance_median_s']:.3f} "
              f"| {r['due']:,} / {r['overdue']:,} | {r['anchor_groupby_s']:.3f} "
              f"({r['anchor_due']:,} / {r['anchor_overdue']:,}) |")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(runs, f, indent=1)


if __name__ == "__main__":
    main()
