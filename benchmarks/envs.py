"""Environment throughput: agent-steps per second of the Parallel env and of the batched env.

Run ``python benchmarks/envs.py`` (add ``--quick`` for a short run); prints the ``## envs`` markdown
section of BENCHMARKS.md. Every action is generated before timing, so only ``step`` / ``reset`` are
timed. Each figure is the best of several interleaved repetitions (the machine is shared).

Baselines measured in the same run:
* PettingZoo's ``pettingzoo.classic.rps_v2`` parallel env (an AEC env converted to parallel; needs
  ``pygame``, which it imports for rendering: ``pip install -e ".[bench]"``);
* a minimal hand-written ``ParallelEnv`` whose ``step`` only builds constant dicts (the floor of
  the API itself).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from typing import Any

import one_thread  # noqa: E402, F401  (first: one BLAS/OpenMP thread before NumPy loads)

# isort: split

import numpy as np  # noqa: E402
from pettingzoo import ParallelEnv  # noqa: E402

from powergames.envs import BatchedGameEnv, make  # noqa: E402
from powergames.games.symmetric import majority_game  # noqa: E402

#: Player counts of the large-n rows (games in count form, issue 16).
LARGE = (20, 100)


class MinimalParallelEnv(ParallelEnv):
    """The cheapest conforming ParallelEnv: ``step`` returns fresh dicts of constants, never ends."""

    metadata = {"name": "minimal_v0"}

    def __init__(self, n_agents: int = 2) -> None:
        self.possible_agents = [f"player_{i}" for i in range(n_agents)]
        self.agents = self.possible_agents[:]
        self._obs = np.zeros(3, dtype=np.float32)

    def reset(self, seed: int | None = None, options: dict | None = None) -> tuple[dict, dict]:
        self.agents = self.possible_agents[:]
        return {a: self._obs for a in self.agents}, {a: {} for a in self.agents}

    def step(self, actions: dict) -> tuple[dict, dict, dict, dict, dict]:
        agents = self.agents
        return (
            {a: self._obs for a in agents},
            {a: 0.0 for a in agents},
            {a: False for a in agents},
            {a: False for a in agents},
            {a: {} for a in agents},
        )


class ConformingMinimalEnv(MinimalParallelEnv):
    """The cheapest ParallelEnv that keeps the conventions strict clients rely on (issue 14): a fresh
    writable observation array per agent and one info dict per agent with the same keys at reset
    and step. Everything else is constant, as in :class:`MinimalParallelEnv`."""

    metadata = {"name": "minimal_conforming_v0"}

    def reset(self, seed: int | None = None, options: dict | None = None) -> tuple[dict, dict]:
        self.agents = self.possible_agents[:]
        obs = self._obs
        return (
            {a: obs.copy() for a in self.agents},
            {a: {"round": 0, "joint_action": ()} for a in self.agents},
        )

    def step(self, actions: dict) -> tuple[dict, dict, dict, dict, dict]:
        agents = self.agents
        obs = self._obs
        return (
            {a: obs.copy() for a in agents},
            {a: 0.0 for a in agents},
            {a: False for a in agents},
            {a: False for a in agents},
            {a: {"round": 0, "joint_action": ()} for a in agents},
        )


def _rps_env(max_cycles: int) -> Any:
    try:
        from pettingzoo.classic import rps_v2
    except ImportError as exc:  # pygame missing
        print(f"cannot import pettingzoo.classic.rps_v2 ({exc}); pip install -e '.[bench]'")
        return None
    return rps_v2.parallel_env(max_cycles=max_cycles)


def parallel_rate(env: Any, plan: list[dict], episodes: int, max_cycles: int) -> float:
    """Agent-steps per second over ``episodes`` episodes of ``max_cycles`` steps (resets included)."""
    env.reset(seed=0)
    n_agents = len(plan[0])
    start = time.perf_counter()
    for _ in range(episodes):
        env.reset()
        for actions in plan[:max_cycles]:
            env.step(actions)
    return episodes * max_cycles * n_agents / (time.perf_counter() - start)


def best_of(fns: dict[str, Callable[[], float]], repeats: int) -> dict[str, float]:
    """Interleave the candidates ``repeats`` times; keep each one's best rate."""
    return {name: max(r) for name, r in all_rates(fns, repeats).items()}


def all_rates(fns: dict[str, Callable[[], float]], repeats: int) -> dict[str, list[float]]:
    """Interleave the candidates ``repeats`` times; every rate of each."""
    out: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            out[name].append(fn())
    return out


def batched_rate(env: BatchedGameEnv, plans: list[np.ndarray], steps: int) -> float:
    env.reset(seed=0)
    agent_steps = env.n_envs * env.n_players * steps
    start = time.perf_counter()
    for s in range(steps):
        env.step(plans[s % len(plans)])
    return agent_steps / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args(argv)
    repeats = 3 if args.quick else 9
    episodes = 50 if args.quick else 200
    rng = np.random.default_rng(0)

    # ---------------------------------------------------------------- Parallel env, 2 players
    cycles = 100
    plan2 = [
        {"player_0": int(a), "player_1": int(b)} for a, b in rng.integers(0, 3, size=(cycles, 2))
    ]
    candidates: dict[str, Callable[[], float]] = {}
    conforming = {
        "2": ConformingMinimalEnv(2),
        "one-shot": ConformingMinimalEnv(2),
        "5": ConformingMinimalEnv(5),
    }
    envs = {
        "minimal ParallelEnv (constant dicts)": MinimalParallelEnv(2),
        "pettingzoo.classic.rps_v2": _rps_env(cycles),
        "powergames/rock-paper-scissors-v0": make(
            "powergames/rock-paper-scissors-v0", max_cycles=cycles
        ),
        "powergames/unit-sum-v0 (hidden X)": make("powergames/unit-sum-v0", max_cycles=cycles),
        "powergames/bayesian-v0 (types every round)": make(
            "powergames/bayesian-v0", max_cycles=cycles
        ),
    }
    for name, env in envs.items():
        if env is None:
            continue
        p = plan2 if "rps" not in name and "rock" not in name else plan2
        if name.startswith("powergames/unit") or name.startswith("powergames/bayesian"):
            p = [{k: v % 2 for k, v in d.items()} for d in plan2]
        candidates[name] = lambda env=env, p=p: parallel_rate(env, p, episodes, cycles)
    minimal_one_shot = MinimalParallelEnv(2)
    candidates["minimal ParallelEnv, one-shot (reset every step)"] = lambda: parallel_rate(
        minimal_one_shot, plan2, episodes * cycles, 1
    )
    one_shot = make("powergames/rock-paper-scissors-v0", max_cycles=1)
    candidates["powergames/rock-paper-scissors-v0, one-shot (reset every step)"] = lambda: (
        parallel_rate(one_shot, plan2, episodes * cycles, 1)
    )
    minimal5 = MinimalParallelEnv(5)
    plan5 = [
        {f"player_{i}": int(a) for i, a in enumerate(row)}
        for row in rng.integers(0, 3, size=(cycles, 5))
    ]
    candidates["minimal ParallelEnv, 5 agents"] = lambda: parallel_rate(
        minimal5, plan5, episodes, cycles
    )
    candidates["conforming minimal, 2 agents"] = lambda: parallel_rate(
        conforming["2"], plan2, episodes, cycles
    )
    candidates["conforming minimal, one-shot"] = lambda: parallel_rate(
        conforming["one-shot"], plan2, episodes * cycles, 1
    )
    candidates["conforming minimal, 5 agents"] = lambda: parallel_rate(
        conforming["5"], plan5, episodes, cycles
    )
    majority5 = make("powergames/majority-v0", n_players=5, n_actions=3, max_cycles=cycles)
    candidates["powergames/majority-v0 (n=5, k=3)"] = lambda: parallel_rate(
        majority5, plan5, episodes, cycles
    )
    for n in LARGE:
        plan = [
            {f"player_{i}": int(a) for i, a in enumerate(row)}
            for row in rng.integers(0, 3, size=(cycles, n))
        ]
        few = max(episodes // 4, 5)
        for label, env in (
            (f"minimal ParallelEnv, {n} agents", MinimalParallelEnv(n)),
            (f"conforming minimal, {n} agents", ConformingMinimalEnv(n)),
            (
                f"powergames/majority-v0 (n={n}, k=3)",
                make("powergames/majority-v0", n_players=n, n_actions=3, max_cycles=cycles),
            ),
        ):
            candidates[label] = lambda env=env, plan=plan, few=few: parallel_rate(
                env, plan, few, cycles
            )
    every = all_rates(candidates, repeats)
    rates = {name: max(r) for name, r in every.items()}
    medians = {name: float(np.median(r)) for name, r in every.items()}

    # ---------------------------------------------------------------- batched, 5-player majority
    game = majority_game(5, 3)
    n_envs = 8192
    plans = [rng.integers(0, 3, size=(n_envs, 5)) for _ in range(8)]
    steps = 20 if args.quick else 60
    batched = {
        "dense table": BatchedGameEnv(game, n_envs, max_cycles=1),
        "pure_shares_batch": BatchedGameEnv(game, n_envs, max_cycles=1, use_table=False),
        "dense table, 10 rounds": BatchedGameEnv(game, n_envs, max_cycles=10),
    }
    brates = best_of(
        {k: (lambda e=e: batched_rate(e, plans, steps)) for k, e in batched.items()}, repeats
    )

    rps = rates.get("pettingzoo.classic.rps_v2")
    lines = [
        "## envs",
        "",
        "Agent-steps per second (one agent's action in one round = one agent-step) of the PettingZoo "
        "`ParallelEnv` (`GameEnv`) and of `BatchedGameEnv`.",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, one thread; Python "
        f"{platform.python_version()}, NumPy {np.__version__}.",
        'Reproduce: `python benchmarks/envs.py` (the rps baseline needs `pip install -e ".[bench]"` '
        "for pygame, which rps imports).",
        "",
        f"Setup: actions generated in advance (one list of {cycles} action dicts replayed each "
        f"episode); episodes of {cycles} rounds, each started by `reset()`; best of {repeats} "
        "interleaved repetitions. Baselines in the same run: a minimal `ParallelEnv` returning "
        "constant dicts (the floor of the API), a *conforming* minimal env that also returns a "
        "fresh observation array and an info dict per agent (the conventions of issue 14, so the "
        "floor of any env that keeps them), and PettingZoo's `rps_v2` (AEC converted to parallel).",
        "",
        "Ratios: best over best (median over median in brackets).",
        "",
        "| env | agents | agent-steps/s (best) | minimal / env (same agents, same resets) "
        "| conforming minimal / env | env / rps_v2 |",
        "|---|---|---|---|---|---|",
    ]
    for name, rate in rates.items():
        if name.startswith("conforming"):
            continue
        n_agents = next((n for n in (5, *LARGE) if f"n={n}," in name or f" {n} agents" in name), 2)
        if n_agents == 2 and "one-shot" in name:
            ref = "minimal ParallelEnv, one-shot (reset every step)"
            cref = "conforming minimal, one-shot"
        elif n_agents == 2:
            ref = "minimal ParallelEnv (constant dicts)"
            cref = "conforming minimal, 2 agents"
        else:
            ref = f"minimal ParallelEnv, {n_agents} agents"
            cref = f"conforming minimal, {n_agents} agents"
        vs_rps = f"{rate / rps:.1f}x" if rps else "n/a"
        lines.append(
            f"| {name} | {n_agents} | {rate:,.0f} | {rates[ref] / rate:.2f} "
            f"({medians[ref] / medians[name]:.2f}) | {rates[cref] / rate:.2f} "
            f"({medians[cref] / medians[name]:.2f}) | {vs_rps} |"
        )
    lines += [
        "",
        f"Batched: `BatchedGameEnv(majority_game(5, 3), n_envs={n_envs})`, one-shot unless stated "
        f"(automatic reset every step, which also builds the final observations), {steps} steps of "
        "pre-generated `(B, 5)` action arrays, best of the same repetitions. Baseline: the Parallel "
        "env on the same game above.",
        "",
        "| batched variant | agent-steps/s | vs Parallel env, same game |",
        "|---|---|---|",
    ]
    base = rates["powergames/majority-v0 (n=5, k=3)"]
    for name, rate in brates.items():
        lines.append(f"| {name} | {rate:,.0f} | {rate / base:,.0f}x |")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
