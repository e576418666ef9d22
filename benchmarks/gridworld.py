"""Benchmark: the resource gridworld env's agent-steps/s against a minimal ParallelEnv.

Prints a markdown section for BENCHMARKS.md. Reproduce with::

    python benchmarks/gridworld.py

The baseline is the least a PettingZoo ``ParallelEnv`` can do per step (written here): the same
spaces and agents, checks nothing, returns preallocated observations and zero rewards. Both envs
are stepped with the same precomputed random actions; ``ResourceGridEnv`` also computes the shares,
moves the agents and builds every egocentric window. The exact tabular form
(``StochasticGameEnv`` on ``resource_gridworld``) is timed beside it on a small grid, and the
batched form (``BatchedResourceGrid``, 256 copies per call) for rollouts. Rates are the best and
median over interleaved rounds, each timed by this process's CPU time (``time.process_time``:
on a shared machine, time spent descheduled is not charged to either env) and, for comparison, by
the wall clock; the header gives the load average.
"""

from __future__ import annotations

import os
import time

import one_thread  # noqa: E402, F401  (first: one BLAS/OpenMP thread before NumPy loads)

# isort: split

import numpy as np  # noqa: E402
from pettingzoo import ParallelEnv  # noqa: E402

from powergames.envs.gridworld import ResourceGridEnv  # noqa: E402
from powergames.envs.gridworld_batched import BatchedResourceGrid  # noqa: E402
from powergames.envs.stochastic_env import StochasticGameEnv  # noqa: E402
from powergames.games.gridworld import resource_gridworld  # noqa: E402


class MinimalEnv(ParallelEnv):
    """The baseline: a ParallelEnv that does nothing per step."""

    metadata = {"name": "minimal_v0"}

    def __init__(self, like: ParallelEnv, max_cycles: int) -> None:
        self.possible_agents = list(like.possible_agents)
        self.observation_spaces = {a: like.observation_space(a) for a in self.possible_agents}
        self.action_spaces = {a: like.action_space(a) for a in self.possible_agents}
        self.max_cycles = max_cycles
        self._obs = {a: np.zeros(s.shape, s.dtype) for a, s in self.observation_spaces.items()}

    def observation_space(self, agent):
        return self.observation_spaces[agent]

    def action_space(self, agent):
        return self.action_spaces[agent]

    def reset(self, seed=None, options=None):
        self.agents = list(self.possible_agents)
        self._t = 0
        return dict(self._obs), {a: {} for a in self.agents}

    def step(self, actions):
        self._t += 1
        done = self._t >= self.max_cycles
        agents = self.agents
        out = (
            dict(self._obs),
            dict.fromkeys(agents, 0.0),
            dict.fromkeys(agents, False),
            dict.fromkeys(agents, done),
            {a: {} for a in agents},
        )
        if done:
            self.agents = []
        return out


def agent_steps_per_second(
    env: ParallelEnv, actions: np.ndarray, max_cycles: int, clock=time.process_time
) -> float:
    env.reset(seed=0)
    agents = list(env.possible_agents)
    t0 = clock()
    steps = 0
    for row in actions:
        if not env.agents:
            env.reset()
        env.step({a: int(row[i]) for i, a in enumerate(agents)})
        steps += 1
    return steps * len(agents) / (clock() - t0)


def main() -> None:
    rounds, n_steps, max_cycles = 9, 5000, 50
    load = os.getloadavg()[0]
    rng = np.random.default_rng(0)
    rows = []
    cases = [
        (
            "ResourceGridEnv 8×8 torus, 4 agents, view 5×5",
            ResourceGridEnv(
                [
                    "a.......",
                    "........",
                    "...b....",
                    "........",
                    "....a...",
                    "........",
                    "......b.",
                    "........",
                ],
                n_agents=4,
                view_radius=2,
                max_cycles=max_cycles,
            ),
        ),
        (
            "ResourceGridEnv 16×16 torus, 8 agents, view 5×5",
            ResourceGridEnv(
                ["a" + "." * 15] + ["." * 16] * 7 + ["." * 8 + "b" + "." * 7] + ["." * 16] * 7,
                n_agents=8,
                view_radius=2,
                max_cycles=max_cycles,
            ),
        ),
    ]
    _, small = resource_gridworld(["a.", ".b"], 2, discount=0.9)
    cases.append(
        (
            "StochasticGameEnv on the exact 2×2 form, 2 agents (16 states)",
            StochasticGameEnv(small, max_cycles=max_cycles),
        )
    )
    for name, env in cases:
        actions = rng.integers(5, size=(n_steps, len(env.possible_agents)))
        base = MinimalEnv(env, max_cycles)
        ours, theirs, ours_wall, theirs_wall = [], [], [], []
        for _ in range(rounds):
            theirs.append(agent_steps_per_second(base, actions, max_cycles))
            ours.append(agent_steps_per_second(env, actions, max_cycles))
            theirs_wall.append(agent_steps_per_second(base, actions, max_cycles, time.perf_counter))
            ours_wall.append(agent_steps_per_second(env, actions, max_cycles, time.perf_counter))
        rows.append(
            f"| {name} | {max(ours):,.0f} | {np.median(ours):,.0f} | {max(theirs):,.0f} | "
            f"{max(theirs) / max(ours):.2f}× | {np.median(theirs) / np.median(ours):.2f}× | "
            f"{max(theirs_wall) / max(ours_wall):.2f}× |"
        )
    for name, src, n_envs in [
        ("BatchedResourceGrid 8×8 torus, 4 agents, view 5×5", cases[0][1], 256),
        ("BatchedResourceGrid 16×16 torus, 8 agents, view 5×5", cases[1][1], 256),
    ]:
        n = src.n_agents
        batched = BatchedResourceGrid(
            src.layout, n, n_envs=n_envs, view_radius=2, max_cycles=max_cycles
        )
        acts = rng.integers(5, size=(200, n_envs, n))
        base = MinimalEnv(src, max_cycles)
        base_actions = rng.integers(5, size=(n_steps, n))
        ours, theirs, ours_wall, theirs_wall = [], [], [], []
        for _ in range(rounds):
            theirs.append(agent_steps_per_second(base, base_actions, max_cycles))
            theirs_wall.append(
                agent_steps_per_second(base, base_actions, max_cycles, time.perf_counter)
            )
            for clock, into in ((time.process_time, ours), (time.perf_counter, ours_wall)):
                batched.reset(seed=0)
                t0 = clock()
                for row in acts:
                    batched.step(row)
                into.append(len(acts) * n_envs * n / (clock() - t0))
        rows.append(
            f"| {name}, {n_envs} copies | {max(ours):,.0f} | {np.median(ours):,.0f} | "
            f"{max(theirs):,.0f} | {max(theirs) / max(ours):.2f}× | "
            f"{np.median(theirs) / np.median(ours):.2f}× | "
            f"{max(theirs_wall) / max(ours_wall):.2f}× |"
        )
    print(
        "\n".join(
            [
                "## gridworld",
                "",
                f"`python benchmarks/gridworld.py`: {n_steps:,} parallel steps per round, best and median "
                f"of {rounds} interleaved rounds, CPU time of the process; baseline = a minimal "
                f"ParallelEnv with the same spaces. Load average at the start: {load:.1f}.",
                "",
                "| env | agent-steps/s (best) | (median) | minimal env (best) | slowdown (best) "
                "| slowdown (median) | slowdown (best, wall clock) |",
                "|---|---|---|---|---|---|---|",
                *rows,
                "",
            ]
        )
    )


if __name__ == "__main__":
    main()
