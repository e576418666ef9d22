"""Full-information Markov self-play in stochastic games (agents/markov_play.py, MATH.md §5)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from powergames.agents.hedge import Hedge
from powergames.agents.markov_play import markov_action_values, markov_profile, markov_self_play
from powergames.agents.regret_matching import RegretMatching
from powergames.games.stochastic import random_stochastic_game
from powergames.training.evaluators import PowerEvaluator, evaluate_power


def _brute_q(game, player, profile, sweeps=3000):
    """Q_i by plain loops: iterative policy evaluation per type profile, then the backup."""
    n, S, ks = game.n_players, game.n_states, game.n_actions
    gamma = game.discount
    q = np.zeros((game.n_types[player], S, ks[player]))
    w_sum = np.zeros(game.n_types[player])
    for t in itertools.product(*(range(T) for T in game.n_types)):
        w = game.prior[t]
        if w == 0:
            continue
        r = game.rewards[player][t[player]]

        def prob(s, a, t=t):
            return np.prod([profile[j][t[j], s, a[j]] for j in range(n)])

        v = np.zeros(S)
        for _ in range(sweeps):
            new = np.zeros(S)
            for s in range(S):
                for a in itertools.product(*(range(k) for k in ks)):
                    new[s] += prob(s, a) * (r[(s, *a)] + gamma * game.transitions[(s, *a)] @ v)
            v = new
        for s in range(S):
            for a in itertools.product(*(range(k) for k in ks)):
                others = np.prod([profile[j][t[j], s, a[j]] for j in range(n) if j != player])
                back = r[(s, *a)] + gamma * game.transitions[(s, *a)] @ v
                q[t[player], s, a[player]] += w * others * back
        w_sum[t[player]] += w
    seen = w_sum > 0
    q[seen] /= w_sum[seen, None, None]
    return q


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n_types=st.tuples(st.integers(1, 2), st.integers(1, 2)),
    n_actions=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    player=st.integers(0, 1),
)
def test_action_values_match_brute_force(seed, n_types, n_actions, player) -> None:
    game = random_stochastic_game(2, n_types, n_actions, seed, discount=0.6)
    profile = game.random_profile(np.random.default_rng(seed + 1))
    got = markov_action_values(game, player, profile)
    np.testing.assert_allclose(got, _brute_q(game, player, profile), atol=1e-8)


def test_action_values_average_to_the_state_values() -> None:
    game = random_stochastic_game(3, (1, 1, 1), (2, 3, 2), 4, discount=0.7)
    profile = game.random_profile(np.random.default_rng(0))
    from powergames.theory.stochastic_values import profile_values

    values = profile_values(game, profile)
    for i in range(3):
        q = markov_action_values(game, i, profile)
        np.testing.assert_allclose((q * profile[i]).sum(-1), values.per_type[i], atol=1e-10)


def _learners(game, cls, **kw):
    S = game.n_states
    return [
        cls((k,), n_types=T * S, layout={"type": slice(0, T * S)}, **kw)
        for T, k in zip(game.n_types, game.n_actions)
    ]


@pytest.mark.parametrize(
    ("cls", "kw"), [(RegretMatching, {"plus": True, "averaging": "linear"}), (Hedge, {})]
)
def test_self_play_closes_the_scarcity_gap_with_nash_conv(cls, kw) -> None:
    game = random_stochastic_game(3, (1, 1), (3, 3), 2, "constant_sum", discount=0.5, constant=1.0)
    learners = _learners(game, cls, **kw)
    rows = []
    for budget in (0, 20, 200, 800):
        markov_self_play(game, learners, budget)
        avg = markov_profile(game, learners, average=budget > 0)
        rows.append(evaluate_power(game, avg))
    for row in rows:
        assert row["power/c_total"] == pytest.approx(1.0 / (1 - 0.5), abs=1e-12)
        assert abs(row["power/sum_minus_c"] - row["power/nash_conv"]) < 1e-9
        assert row["power/nash_conv"] >= -1e-9
    conv = [r["power/nash_conv"] for r in rows]
    assert conv[-1] < 0.1 * conv[0]


def test_power_evaluator_reads_markov_profiles_and_types() -> None:
    game = random_stochastic_game(2, (2, 2), (2, 2), 7, "constant_sum", discount=0.6, constant=0.3)
    profile = game.random_profile(np.random.default_rng(3))
    row = evaluate_power(game, profile)
    from powergames.theory.stochastic_power import stochastic_power_report

    rep = stochastic_power_report(game, profile)
    for i in range(2):
        assert row[f"power/p{i}"] == pytest.approx(rep.power[i], abs=1e-12)
        assert row[f"power/achieved/p{i}"] == pytest.approx(rep.achieved[i], abs=1e-12)
        if game.n_types[i] > 1:
            for t in range(game.n_types[i]):
                assert row[f"power/p{i}/t{t}"] == pytest.approx(
                    rep.type_power[i][t] @ game.initial, abs=1e-12
                )
    assert row["power/c"] == pytest.approx(0.3) and row["power/c_total"] == pytest.approx(0.3 / 0.4)
    assert PowerEvaluator().applies(game, [[0], [1]]) is None


def test_bad_inputs_are_named() -> None:
    game = random_stochastic_game(2, (1, 1), (2, 2), 0, discount=0.6)
    profile = game.random_profile(np.random.default_rng(0))
    with pytest.raises(ValueError, match="player"):
        markov_action_values(game, 2, profile)
    with pytest.raises(TypeError, match="player"):
        markov_action_values(game, 1.0, profile)
    horizon = random_stochastic_game(2, (1, 1), (2, 2), 0, discount=None, horizon=3)
    with pytest.raises(ValueError, match="discount"):
        markov_action_values(horizon, 0, profile)
    with pytest.raises(ValueError, match="iterations"):
        markov_self_play(game, _learners(game, Hedge), -1)
    with pytest.raises(ValueError, match="one learner per player"):
        markov_self_play(game, _learners(game, Hedge)[:1], 1)
    with pytest.raises(ValueError, match=r"learners\[0\]"):
        markov_profile(game, [Hedge((2,)), Hedge((2,))])


def test_stochastic_shares_sum_to_one_and_match_the_achieved_values() -> None:
    from powergames.games.stochastic import random_symmetric_stochastic_unit_sum_game
    from powergames.training.evaluators import EvalContext, SharesEvaluator

    game = random_symmetric_stochastic_unit_sum_game(2, 2, 3, 2, 5, discount=0.6)
    rng = np.random.default_rng(1)
    profile = [rng.dirichlet(np.ones(3), size=game.n_states) for _ in range(2)]
    ev = SharesEvaluator()
    assert ev.applies(game, [[0], [1]]) is None
    assert ev.applies(game, [[0, 1]]) is not None
    row = ev.evaluate(EvalContext(game, [[0], [1]], None, profile, profile))
    for x in range(game.n_x):
        assert row[f"share/c0/x{x}"] + row[f"share/c1/x{x}"] == pytest.approx(1.0, abs=1e-12)
    power = evaluate_power(game, profile)  # X integrated out: achieved values over W
    for i in range(2):
        assert row[f"share/c{i}/mean"] == pytest.approx(
            power[f"power/achieved/p{i}"] * (1 - 0.6), abs=1e-10
        )
        assert row[f"share/c{i}/min_x"] <= row[f"share/c{i}/mean"] + 1e-12
    general = random_stochastic_game(2, (1, 1), (2, 2), 0, discount=0.6)
    assert "unit-sum" in SharesEvaluator().applies(general, [[0], [1]])
