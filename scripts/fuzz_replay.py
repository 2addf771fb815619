#!/usr/bin/env python3
"""Replays what a fuzz run learnt and names its slowest input.

  scripts/fuzz_replay.py validate [passes]

Runs the built fuzz binary (fuzz/target/x86_64-unknown-linux-gnu/release/<target>)
over every input in fuzz/runs/<target>/, `passes` times (default 3), takes each
input's least time (libFuzzer prints whole milliseconds) and prints the slowest. The
least of several replays discounts a machine shared with other work, where a
single execution's wall-clock time mostly measures being descheduled.
"""
import glob
import os
import re
import subprocess
import sys

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fuzz")
os.chdir(here)
t = sys.argv[1]
passes = int(sys.argv[2]) if len(sys.argv) > 2 else 3
files = sorted(glob.glob(f"runs/{t}/*"))
best = {}
for _ in range(passes):
    out = subprocess.run([f"target/x86_64-unknown-linux-gnu/release/{t}", *files],
                         capture_output=True, text=True).stderr
    for f, ms in re.findall(r"Executed (\S+) in (\d+) ms", out):
        best[f] = min(best.get(f, 10**9), int(ms))
f, ms = max(best.items(), key=lambda kv: kv[1])
print(f"{t}: {len(best)} inputs, slowest (least of {passes} replays) {ms} ms: "
      f"{os.path.basename(f)} ({os.path.getsize(f)} B)")
