"""The batched POWER/NashConv and the one-LP matrix game agree with the per-profile exact paths."""

from __future__ import annotations

import sys
from unittest import mock

import numpy as np
import pytest
from conftest import bayesian_games, normal_form_games, seeds
from hypothesis import given
from hypothesis import strategies as st

from powergames.games import NormalFormGame, matching_pennies, random_bayesian_game
from powergames.theory import (
    achieved_value,
    achieved_value_batch,
    best_response,
    nash_conv,
    nash_conv_batch,
    power,
    power_batch,
)
from powergames.theory.equilibria import _maxmin_strategy, matrix_game


def stacked(rng, game, batch):
    per_type = game.per_type
    out = []
    for t, k in zip(game.type_sizes, game.action_sizes):
        p = rng.dirichlet(np.ones(k), size=(batch, t))
        p[: batch // 3] = np.eye(k)[rng.integers(0, k, size=(batch // 3, t))]  # some pure rows
        out.append(p if per_type else p[:, 0])
    return out


@given(
    st.one_of(
        normal_form_games(max_players=4, max_k=3),
        bayesian_games("general"),
        bayesian_games("general", min_players=4, max_players=4, max_types=2, max_actions=2),
    ),
    st.integers(1, 7),
    st.sampled_from(["joint", "joint in chunks of 1", "einsum"]),
)
def test_batch_equals_per_profile(game_rng, batch, path):
    """Every batched path (the joint (type, action) tensor, in one chunk or one profile per
    chunk, and the einsum over the prior and the rewards) against the per-profile functions."""
    game, rng = game_rng
    profiles = stacked(rng, game, batch)
    module = sys.modules["powergames.theory.power_batch"]
    with (
        mock.patch.object(module, "_JOINT_MAX_ENTRIES", 0 if path == "einsum" else 1 << 20),
        mock.patch.object(module, "_CHUNK_ENTRIES", 1 if path.endswith("1") else 1 << 16),
    ):
        pw, ach, nc = (
            power_batch(game, profiles),
            achieved_value_batch(game, profiles),
            nash_conv_batch(game, profiles),
        )
    scale = max(
        1.0, max(float(np.abs(r).max()) for r in (getattr(game, "rewards", None) or [game.payoffs]))
    )
    for b in range(batch):
        one = [p[b] for p in profiles]
        np.testing.assert_allclose(pw[b], power(game, one), rtol=0, atol=1e-12 * scale)
        np.testing.assert_allclose(ach[b], achieved_value(game, one), rtol=0, atol=1e-12 * scale)
        assert abs(nc[b] - nash_conv(game, one)) <= 1e-11 * scale


@given(normal_form_games(max_players=5, max_k=4), st.integers(1, 9), st.integers(0, 3))
def test_normal_form_batch_in_chunks_equals_per_profile(game_rng, batch, chunk_exp):
    """The one-type contraction (either side of every player's split, in chunks of 1–8 profiles)
    against the per-profile NashConv and against a brute-force sum over joint actions."""
    game, rng = game_rng
    profiles = stacked(rng, game, batch)
    module = sys.modules["powergames.theory.power_batch"]
    worst = module._plan(tuple(game.action_sizes))[1]
    with mock.patch.object(module, "_CHUNK_ENTRIES", worst * 2**chunk_exp):
        nc, pw = nash_conv_batch(game, profiles), power_batch(game, profiles)
    payoffs = game.payoffs
    scale = max(1.0, float(np.abs(payoffs).max()))
    for b in range(batch):
        one = [p[b] for p in profiles]
        assert abs(nc[b] - nash_conv(game, one)) <= 1e-11 * scale
        for i in range(game.n_players):  # brute force: every own action against the others' mix
            others = [one[j] if j != i else np.ones(len(one[i])) for j in range(game.n_players)]
            weights = others[0]
            for o in others[1:]:
                weights = np.multiply.outer(weights, o)
            u = payoffs[i] * weights
            best = max(float(np.take(u, a, axis=i).sum()) for a in range(u.shape[i]))
            assert abs(pw[b, i] - best) <= 1e-11 * scale


def test_batch_input_errors():
    g = matching_pennies()
    with pytest.raises(TypeError, match="profiles must be a list"):
        nash_conv_batch(g, np.ones((2, 3, 2)))
    with pytest.raises(ValueError, match="profiles must have one array per player"):
        nash_conv_batch(g, [np.full((3, 2), 0.5)])
    with pytest.raises(ValueError, match=r"profiles\[1\] has 2 profiles"):
        nash_conv_batch(g, [np.full((3, 2), 0.5), np.full((2, 2), 0.5)])
    with pytest.raises(ValueError, match=r"profiles\[0\] must hold distributions"):
        nash_conv_batch(g, [np.full((3, 2), 0.6), np.full((3, 2), 0.5)])
    with pytest.raises(ValueError, match=r"profiles\[0\] must have shape \(B, 2\)"):
        nash_conv_batch(g, [np.full((3, 3), 1 / 3), np.full((3, 2), 0.5)])
    with pytest.raises(TypeError, match=r"profiles\[0\] must hold real numbers"):
        nash_conv_batch(g, [np.full((3, 2), "0.5"), np.full((3, 2), 0.5)])


@given(
    normal_form_games(min_players=2, max_players=2, max_k=6), st.sampled_from(["simplex", "ipm"])
)
def test_matrix_game_one_lp_equals_two_lps(game_rng, method):
    a = game_rng[0].payoffs[0]
    g = NormalFormGame(np.stack([a, -a]))
    x, y, v = matrix_game(a, method)
    span = float(np.ptp(a)) or 1.0
    assert nash_conv(g, [x, y]) <= 1e-9 * span
    _, v_old, _ = _maxmin_strategy(np.ones((1, 1)), a[None])
    assert abs(v - v_old) <= 1e-9 * span
    assert abs(float(x @ a @ y) - v) <= 1e-9 * span


@given(
    seeds(),
    st.tuples(st.integers(1, 4), st.integers(1, 4)),
    st.tuples(st.integers(1, 4), st.integers(1, 4)),
    st.sampled_from(["simplex", "ipm"]),
)
def test_bayesian_one_lp_opponent_from_duals_equals_its_own_lp(seed, n_types, n_actions, method):
    """The opponent's per-type strategy read from the duals of player 0's LP guarantees what the
    opponent's own LP guarantees, and with player 0's strategy it is an equilibrium."""
    rng = np.random.default_rng(seed)
    game = random_bayesian_game(n_types, n_actions, rng, "constant_sum")
    r1 = np.swapaxes(game.rewards[1], 1, 2)
    x, v0, y = _maxmin_strategy(game.prior, game.rewards[0], method)
    _, v1, _ = _maxmin_strategy(game.prior.T, r1, method)  # the opponent's own LP
    span = max(1.0, max(float(np.ptp(r)) for r in game.rewards))
    zero = ~game.type_support[1]
    y[zero] = best_response(game, 1, [x, y])[zero]
    assert nash_conv(game, [x, y]) <= 1e-9 * span
    ach = achieved_value(game, [x, y])
    assert abs(ach[0] - v0) <= 1e-9 * span
    assert abs(ach[1] - v1) <= 1e-9 * span
    assert np.all(y >= 0) and np.allclose(y.sum(axis=1), 1.0)
