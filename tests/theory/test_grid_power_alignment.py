"""POWER maps and the alignment study on a gridworld against an independent brute force: value
iteration loops over cells and moves written here (no GridWorld, no solver of the package), and
the endpoints the maths fixes (MATH.md §5)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from powergames.games.gridworld import GridWorld
from powergames.theory.grid_power_alignment import (
    alignment_study,
    correlated_state_rewards,
    pearson,
    single_agent_power,
    two_agent_power,
)

MOVES = [(-1, 0), (1, 0), (0, -1), (0, 1), (0, 0)]


def _step_table(layout):
    """``next[c][m]``: the open cell move ``m`` leads to from open cell ``c`` (walls block)."""
    cells = [(r, c) for r, row in enumerate(layout) for c, ch in enumerate(row) if ch != "#"]
    index = {cell: i for i, cell in enumerate(cells)}
    return [[index.get((r + dr, c + dc), i) for dr, dc in MOVES] for i, (r, c) in enumerate(cells)]


def _vi_single(layout, reward, g, tol=1e-13):
    """``V*`` of one agent with state reward ``reward (C,)``."""
    nxt = _step_table(layout)
    v = np.zeros(len(nxt))
    while True:
        new = np.array([reward[c] + g * max(v[t] for t in nxt[c]) for c in range(len(nxt))])
        if np.abs(new - v).max() < tol:
            return new
        v = new


def _joint(layout):
    nxt = _step_table(layout)
    states = list(itertools.product(range(len(nxt)), repeat=2))
    index = {s: i for i, s in enumerate(states)}
    go = [[[index[(nxt[ca][a], nxt[cb][b])] for b in range(5)] for a in range(5)] for ca, cb in states]  # fmt: skip
    return states, go


def _vi_two(layout, r_a, r_b, g, b_policy, tol=1e-13):
    """Brute force of the protocol: B's optimal values against uniform A (and its greedy policy
    when ``b_policy == "optimal"``), then A's best-response values against B's policy."""
    states, go = _joint(layout)
    S = len(states)
    vb = np.zeros(S)
    while True:  # B against uniform A
        qb = np.array([[r_b[s] + g * np.mean([vb[go[s][a][b]] for a in range(5)]) for b in range(5)] for s in range(S)])  # fmt: skip
        new = qb.max(axis=1)
        if np.abs(new - vb).max() < tol:
            vb = new
            break
        vb = new
    pol = np.full((S, 5), 0.2)
    if b_policy == "optimal":
        pol = np.eye(5)[qb.argmax(axis=1)]
    va = np.zeros(S)
    while True:  # A against B's policy
        new = np.array([r_a[s] + g * max(sum(pol[s, b] * va[go[s][a][b]] for b in range(5)) for a in range(5)) for s in range(S)])  # fmt: skip
        if np.abs(new - va).max() < tol:
            return new, vb
        va = new


def _team(layout, r, g, tol=1e-13):
    """``max_{π_A, π_B} V_R``: one controller choosing both moves."""
    states, go = _joint(layout)
    v = np.zeros(len(states))
    while True:
        new = np.array([r[s] + g * max(v[go[s][a][b]] for a in range(5) for b in range(5)) for s in range(len(states))])  # fmt: skip
        if np.abs(new - v).max() < tol:
            return new
        v = new


LAYOUTS = [["..", ".."], ["..", ".#"]]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_single_agent_map_equals_brute_force(layout):
    g = 0.6
    grid = GridWorld.build(layout, 1)
    rewards = np.random.default_rng(1).random((5, grid.n_states))
    est = single_agent_power(grid, rewards, g)
    want = np.mean([(1 - g) / g * (_vi_single(layout, r, g) - r) for r in rewards], axis=0)
    np.testing.assert_allclose(est.mean, want, atol=1e-9)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("other", ["uniform", "optimal"])
def test_two_agent_maps_equal_brute_force(layout, other):
    g = 0.7
    grid = GridWorld.build(layout, 2)
    ra, rb = correlated_state_rewards(3, 3, grid.n_states, [0.0, 0.5, 1.0])
    for j in range(3):
        pa, pb = two_agent_power(grid, ra, rb[j], g, other)
        want_a, want_b = [], []
        for m in range(3):
            va, vb = _vi_two(layout, ra[m], rb[j, m], g, other)
            want_a.append((1 - g) / g * (va - ra[m]))
            want_b.append((1 - g) / g * (vb - rb[j, m]))
        np.testing.assert_allclose(pa.per_type, want_a, atol=1e-9)
        np.testing.assert_allclose(pb.per_type, want_b, atol=1e-9)
        np.testing.assert_allclose(pa.mean, np.mean(want_a, axis=0), atol=1e-9)


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), g=st.sampled_from([0.3, 0.6, 0.85]))
def test_equal_rewards_give_a_at_least_b_and_at_most_the_team_optimum(seed, g):
    """ρ = 1 ⇒ R_A = R_B: A playing B's seed policy (uniform) earns B's optimal value, so
    POWER_A(s) ≥ POWER_B(s) per sample and state; no pair of policies beats the team optimum."""
    layout = ["..", ".."]
    grid = GridWorld.build(layout, 2)
    ra, rb = correlated_state_rewards(seed, 2, grid.n_states, [1.0])
    assert np.array_equal(ra, rb[0])
    pa, pb = two_agent_power(grid, ra, rb[0], g, "optimal")
    assert np.all(pa.per_type >= pb.per_type - 1e-12)
    for m in range(2):
        team = (1 - g) / g * (_team(layout, ra[m], g) - ra[m])
        assert np.all(pa.per_type[m] <= team + 1e-9)


def test_with_b_uniform_a_power_does_not_depend_on_rho():
    """A's problem with B uniform involves R_A = U only, the same draw for every ρ."""
    grid = GridWorld.build(["..", ".#"], 2)
    ra, rb = correlated_state_rewards(0, 4, grid.n_states, [0.0, 0.3, 1.0])
    maps = [two_agent_power(grid, ra, rb[j], 0.6, "uniform")[0].mean for j in range(3)]
    assert np.array_equal(maps[0], maps[1]) and np.array_equal(maps[0], maps[2])


@pytest.mark.parametrize("rho", [0.0, 0.4, 1.0])
def test_sampled_rewards_have_correlation_rho_and_uniform_marginals(rho):
    ra, rb = correlated_state_rewards(5, 20_000, 3, [rho])
    for s in range(3):
        r = float(pearson(ra[:, s], rb[0, :, s]))
        assert abs(r - rho) <= 5 * max(1 - rho**2, 1e-3) / np.sqrt(20_000) + 1e-12
        assert abs(rb[0, :, s].mean() - 0.5) < 5 * np.sqrt(1 / 12 / 20_000)


def test_study_endpoints_and_intervals():
    st_ = alignment_study(["..", ".."], discount=0.6, n_samples=6, rhos=[0.0, 1.0], seed=2, n_boot=50)  # fmt: skip
    assert st_.reward_corr[-1] == pytest.approx(1.0)
    assert np.all(st_.a_optimal[-1].mean >= st_.b_power[-1].mean - 1e-12)
    for corr, ci in ((st_.corr_optimal, st_.corr_optimal_ci), (st_.corr_uniform, st_.corr_uniform_ci)):  # fmt: skip
        assert np.all((-1 <= corr) & (corr <= 1)) and np.all(ci[:, 0] <= ci[:, 1])
        assert np.all((-1 < ci) & (ci < 1))


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match="rhos"):
        correlated_state_rewards(0, 3, 4, [1.5])
    grid = GridWorld.build(["..", ".."], 2)
    ra, rb = correlated_state_rewards(0, 2, grid.n_states, [0.5])
    with pytest.raises(ValueError, match="other"):
        two_agent_power(grid, ra, rb[0], 0.6, "greedy")
    with pytest.raises(ValueError, match="discount"):
        two_agent_power(grid, ra, rb[0], 1.0, "uniform")
    with pytest.raises(ValueError, match="one-agent"):
        single_agent_power(grid, ra, 0.6)
