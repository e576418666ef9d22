"""Theorem 2 with context-dependent policies on small tabular gridworlds (MATH.md §5): the exact
value of the policy-copying majority, and rollouts of the environment against it."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import seeds
from hypothesis import given, settings
from hypothesis import strategies as st

from powergames.envs.stochastic_env import StochasticGameEnv
from powergames.games.gridworld import resource_gridworld
from powergames.theory.stochastic_coalitions import (
    egocentric_policy,
    policy_copying_profile,
    stochastic_coalition_values,
)

LAYOUTS = {2: ["a.", ".b"], 3: ["a.b"]}


@settings(max_examples=15, deadline=None)
@given(seeds(), st.sampled_from([2, 3]), st.booleans())
def test_copying_majority_gets_its_guarantee_on_small_grids(seed, n, pure):
    rng = np.random.default_rng(seed)
    grid, game = resource_gridworld(LAYOUTS[n], n, discount=0.8)
    assert game.is_symmetric()
    k = n  # k - 1 = n - 1 single-player copies of a one-player minority
    raw = rng.dirichlet(np.ones(5), size=game.n_states)
    if pure:
        raw = np.eye(5)[rng.integers(5, size=game.n_states)]
    pol = egocentric_policy(game, [n - 1], raw)
    cs, ps = policy_copying_profile(game, [n - 1], pol, [[i] for i in range(n - 1)])
    vals = stochastic_coalition_values(game, cs, ps)
    majority = vals.normalised[:, 1:].sum(axis=1)
    assert np.all(majority >= (k - 1) / k - 1e-9)


def test_rollouts_agree_with_the_exact_copying_value():
    rng = np.random.default_rng(11)
    grid, game = resource_gridworld(LAYOUTS[2], 2, discount=0.7)
    pol = rng.dirichlet(np.ones(5), size=game.n_states)  # any policy is egocentric with 2 agents
    cs, ps = policy_copying_profile(game, [1], pol, [[0]])
    exact = stochastic_coalition_values(game, cs, ps)
    length = 40  # tail 0.7^40 / 0.3 < 2e-6
    env = StochasticGameEnv(game, max_cycles=length)
    env.reset(seed=5)
    per_x: dict[int, list[float]] = {0: [], 1: []}
    policies = {"player_0": ps[cs.index([0])], "player_1": ps[cs.index([1])]}
    for _ in range(3000):
        env.reset()
        x = env._x
        total = 0.0
        disc = 1.0
        while env.agents:
            s = env.state_index
            acts = {a: int(rng.choice(5, p=policies[a][s])) for a in env.agents}
            _, rew, _, _, _ = env.step(acts)
            total += disc * rew["player_0"]
            disc *= 0.7
        per_x[x].append(total)
    tail = 0.7**length / 0.3
    for x, returns in per_x.items():
        r = np.array(returns)
        se = r.std(ddof=1) / np.sqrt(len(r))
        assert abs(r.mean() - exact.values[x, cs.index([0])]) <= 5 * se + tail


def test_resource_gridworld_needs_a_resource():
    with pytest.raises(ValueError, match="resource cell"):
        resource_gridworld(["..", ".."], 2)
