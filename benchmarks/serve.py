"""Benchmark: matches served over loopback against the same matches run in-process.

Run ``python benchmarks/serve.py [--matches 50] [--steps 200] [--soak-minutes 10]
[--soak-steps 20]`` (needs the ``[serve]`` extra); it prints a markdown section for BENCHMARKS.md.

* **served**: one ``powergames serve`` process (uvicorn, one event loop) hosts ``--matches``
  matches at once of the 2-player matching-pennies game, seat 0 ``remote``, seat 1 ``uniform``;
  one client process drives all remote seats concurrently (asyncio + httpx, long-poll ``observe``
  then ``act``, uniform random actions). Steps/s = all steps of all matches / wall time from the
  first ``act`` to the last; step latency = the client's time from sending ``act`` for step ``t``
  to holding the ``act`` observation of step ``t+1`` (the server's loop turn, two HTTP round trips),
  p50/p99 over every step of every match.
* **baseline**: the same matches (same configs, seeds and each match's recorded remote actions
  through ``kind: replay``) run in-process with ``run_experiment``, one after another in one
  process, writing the same run directory (evaluations, plots). Ratio = served steps/s /
  in-process steps/s.
* **soak** (``--soak-minutes``): rounds of ``--matches`` concurrent matches (``--soak-steps``
  steps each) back to back for that long against one server process; the server's resident memory
  (``VmRSS``) after each round and the count of errors (non-2xx answers, failed matches).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def config(name: str, steps: int, seed: int) -> dict:
    return {
        "name": name,
        "seed": seed,
        "budget": steps,
        "eval": {"every": steps, "samples": 100, "evaluators": ["shares", "power"]},
        "env": {"id": "powergames/matching-pennies-v0", "kwargs": {}},
        "agents": [
            {"kind": "remote", "seats": [0], "params": {"deadline": 60}},
            {"kind": "uniform", "seats": [1]},
        ],
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def play_round(
    url: str, names: list[str], steps: int, seed: int, errors: list[str], retried: list[str]
):
    import httpx

    latencies: list[float] = []
    first_act: list[float] = []
    rng = np.random.default_rng(seed)
    limits = httpx.Limits(max_connections=len(names) * 2, max_keepalive_connections=len(names) * 2)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as http:
        for name in names:
            r = await http.post("/v1/matches", json={"config": config(name, steps, seed)})
            if r.status_code != 201:
                errors.append(f"create {name}: {r.status_code} {r.text[:200]}")

        async def seat(name: str) -> None:
            r = await http.post(f"/v1/matches/{name}/join", json={"seat": 0})
            if r.status_code != 200:
                errors.append(f"join {name}: {r.status_code}")
                return
            token = r.json()["token"]
            h = {"Authorization": f"Bearer {token}"}
            sent = None
            while True:
                try:  # observe is idempotent: a transport error is retried (and counted)
                    r = await http.get(
                        f"/v1/matches/{name}/seats/0/observe", params={"wait": 10}, headers=h
                    )
                except httpx.TransportError as exc:
                    retried.append(f"observe {name}: {type(exc).__name__}")
                    continue
                if r.status_code != 200:
                    errors.append(f"observe {name}: {r.status_code}")
                    return
                obs = r.json()
                if obs["status"] == "finished":
                    return
                if obs["status"] != "act":
                    continue
                now = time.perf_counter()
                if sent is not None:
                    latencies.append(now - sent)
                else:
                    first_act.append(now)
                action = int(rng.integers(2))
                sent = time.perf_counter()
                try:
                    r = await http.post(
                        f"/v1/matches/{name}/seats/0/act",
                        json={"step": obs["step"], "action": action},
                        headers=h,
                    )
                except httpx.TransportError as exc:  # observe again: a 409 tells if it was taken
                    retried.append(f"act {name}: {type(exc).__name__}")
                    continue
                if r.status_code != 200:
                    errors.append(f"act {name}: {r.status_code} {r.text[:100]}")
                    return

        t0 = time.perf_counter()
        await asyncio.gather(*(seat(n) for n in names))
        t1 = time.perf_counter()
        for name in names:
            r = await http.get(f"/v1/matches/{name}/result")
            if r.json()["status"] != "finished":
                errors.append(f"{name}: {r.json()['status']}")
    start = min(first_act) if first_act else t0
    return latencies, t1 - start, t1 - t0


def in_process(runs: Path, names: list[str], steps: int, seed: int, tmp: Path) -> float:
    import powergames.serve.seats  # noqa: F401 - the replay kind
    from powergames.training.config import build_suite
    from powergames.training.experiment import run_experiment

    exps = []
    for name in names:
        cfg = config(name, steps, seed)
        cfg["agents"][0] = {
            "kind": "replay",
            "seats": [0],
            "params": {"journal": str(runs / name / "remote_actions.jsonl"), "seat": 0},
        }
        exps.append(build_suite(cfg).experiments[0])
    t0 = time.perf_counter()
    for exp in exps:
        run_experiment(exp, tmp / exp.name, progress=False, quiet=True, plots=True)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--matches", type=int, default=50)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--soak-minutes", type=float, default=0.0)
    ap.add_argument("--soak-steps", type=int, default=20, help="steps per match in soak rounds")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="pg-serve-bench-"))
    runs = tmp / "runs"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    dummy = tmp / "idle.yaml"  # the server needs one match to start: a tiny one, played below
    from powergames.training.config import dump_yaml

    dummy.write_text(dump_yaml(config("idle", 1, 0)))
    server = subprocess.Popen(
        [sys.executable, "-m", "powergames.cli", "serve", str(dummy), "--runs-dir", str(runs), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert server.stdout.readline().startswith("powergames serve on"), server.stderr.read()
    errors: list[str] = []
    retried: list[str] = []
    try:
        names = [f"b{i:03d}" for i in range(args.matches)]
        lat, wall, total = asyncio.run(play_round(url, names, args.steps, 1, errors, retried))
        served_rate = args.matches * args.steps / wall
        local_time = in_process(runs, names, args.steps, 1, tmp / "local")
        local_rate = args.matches * args.steps / local_time
        lat_ms = np.asarray(lat) * 1000
        print(
            f"first phase: served {served_rate:.1f} steps/s, p50 {np.percentile(lat_ms, 50):.1f} ms, "
            f"p99 {np.percentile(lat_ms, 99):.1f} ms; in-process {local_rate:.1f} steps/s; "
            f"errors {len(errors)}, retried {len(retried)}",
            file=sys.stderr,
            flush=True,
        )
        rss0 = rss_mb(server.pid)
        soak = []
        t_end = time.monotonic() + 60 * args.soak_minutes
        r = 0
        while time.monotonic() < t_end:
            r += 1
            batch = [f"s{r:04d}_{i:03d}" for i in range(args.matches)]
            t = time.perf_counter()
            asyncio.run(play_round(url, batch, args.soak_steps, 100 + r, errors, retried))
            soak.append((r, time.perf_counter() - t, rss_mb(server.pid)))
            print(
                f"soak round {r}: {soak[-1][1]:.1f} s, RSS {soak[-1][2]:.0f} MB",
                file=sys.stderr,
                flush=True,
            )
            for name in batch:  # keep the disk bounded; the server keeps its match records
                shutil.rmtree(runs / name / "checkpoints", ignore_errors=True)
                shutil.rmtree(runs / name / "tb", ignore_errors=True)
    finally:
        server.terminate()
        server.wait(30)
    print("## serve\n")
    print(
        f"Matches over loopback (`powergames serve`, one uvicorn process) against the same matches "
        f"in-process. Machine: {platform.machine()}, {os.cpu_count()} cores (shared); Python "
        f"{platform.python_version()}. Reproduce: `python benchmarks/serve.py --matches "
        f"{args.matches} --steps {args.steps} --soak-minutes {args.soak_minutes:g} --soak-steps "
        f"{args.soak_steps}`.\n"
    )
    print(
        f"{args.matches} concurrent matches of matching pennies (seat 0 remote, seat 1 uniform), "
        f"{args.steps} steps each, evaluations (shares, POWER) at the end; the in-process baseline "
        "replays each match's recorded remote actions (`kind: replay`) with `run_experiment`, one "
        "match after another, in the same run.\n"
    )
    print("| | steps/s | p50 step latency (ms) | p99 step latency (ms) | wall (s) |")
    print("|---|---|---|---|---|")
    print(
        f"| served, {args.matches} concurrent | {served_rate:.0f} | {np.percentile(lat_ms, 50):.1f} | "
        f"{np.percentile(lat_ms, 99):.1f} | {total:.1f} |"
    )
    print(f"| in-process (baseline) | {local_rate:.0f} | — | — | {local_time:.1f} |")
    print(f"\nRatio served / in-process steps/s: **{served_rate / local_rate:.3f}**.\n")
    if soak:
        rss = [m for _, _, m in soak]
        print(
            f"Soak: {len(soak)} rounds of {args.matches} concurrent matches of {args.soak_steps} "
            f"steps in {args.soak_minutes:g} min ({len(soak) * args.matches * args.soak_steps} "
            f"steps, {len(soak) * args.matches} matches); server "
            f"RSS after the first benchmark {rss0:.0f} MB, after soak round 1 {rss[0]:.0f} MB, "
            f"median {statistics.median(rss):.0f} MB, last {rss[-1]:.0f} MB, max {max(rss):.0f} MB; "
            f"errors: {len(errors)}; transport errors retried by the client: {len(retried)}.\n"
        )
        print("| round | wall (s) | server RSS (MB) |\n|---|---|---|")
        step = max(1, len(soak) // 10)
        for r_, w, m in soak[::step] + ([soak[-1]] if (len(soak) - 1) % step else []):
            print(f"| {r_} | {w:.1f} | {m:.0f} |")
    elif errors:
        print(f"errors: {len(errors)}")
    if errors:
        print("\nFirst errors: " + "; ".join(errors[:5]))
    json.dump({"errors": errors}, sys.stderr)


if __name__ == "__main__":
    main()
