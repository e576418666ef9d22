"""The copying majority's share of the quickstart's ``copying`` run (issue 16's target: under 2 %).

Run ``python benchmarks/copying_share.py``: trains the quickstart's ``copying`` experiment (a PPO
minority of 2 against the coalition-copying majority of 3, budget 16,384) once under ``cProfile``
and reports the cumulative time of ``OracleCopyingPolicy.act`` as a share of the whole profile,
beside its share of the run's CPU time measured without the profiler (``time.thread_time`` around
every call). Both are ratios measured in the same process, so the machine's load cancels out to
first order.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

import one_thread  # noqa: F401  (first: one BLAS/OpenMP thread before NumPy loads)

# isort: split

import yaml  # noqa: E402

from powergames.agents import copying  # noqa: E402
from powergames.cli import main as cli  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def copying_config(out: Path) -> Path:
    config = yaml.safe_load((ROOT / "configs" / "quickstart.yaml").read_text())
    config["experiments"] = {"copying": config["experiments"]["copying"]}
    config.pop("overview", None)
    path = out / "copying.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def train(config: Path, runs: Path) -> None:
    code = cli(["train", str(config), "--runs-dir", str(runs), "--jobs", "1", "--quiet"])
    if code:
        raise SystemExit(f"training failed with exit code {code}")


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        config = copying_config(out)

        # 1. share of a cProfile profile (the measure)
        profiler = cProfile.Profile()
        profiler.runcall(train, config, out / "profiled")
        stats = pstats.Stats(profiler)
        total = stats.total_tt  # type: ignore[attr-defined]
        act = sum(
            row[3]
            for (path, _, name), row in stats.stats.items()  # type: ignore[attr-defined]
            if path.endswith("agents/copying.py") and name == "act"
        )

        # 2. share of the CPU time, no profiler
        spent = [0.0, 0]
        original = copying.OracleCopyingPolicy.act

        def timed(self, observation, rng):  # type: ignore[no-untyped-def]
            start = time.thread_time()
            try:
                return original(self, observation, rng)
            finally:
                spent[0] += time.thread_time() - start
                spent[1] += 1

        copying.OracleCopyingPolicy.act = timed  # type: ignore[method-assign]
        start = time.thread_time()
        try:
            train(config, out / "timed")
        finally:
            copying.OracleCopyingPolicy.act = original  # type: ignore[method-assign]
        cpu = time.thread_time() - start

    print("| measure | copying agent (s) | whole run (s) | share |")
    print("|---|---|---|---|")
    print(f"| cProfile cumulative time | {act:.2f} | {total:.1f} | {100 * act / total:.2f} % |")
    print(
        f"| thread CPU time, no profiler ({spent[1]:,} calls, {1e6 * spent[0] / spent[1]:.1f} µs "
        f"each) | {spent[0]:.2f} | {cpu:.1f} | {100 * spent[0] / cpu:.2f} % |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
