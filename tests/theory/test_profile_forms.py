"""A one-type player's strategy may be given as ``(k_i,)`` or ``(1, k_i)`` to every function that
takes a profile, with the same result (``current_profile`` returns ``(1, k_i)``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from powergames import theory as T
from powergames.agents.fixed import MixedPolicy
from powergames.agents.profile import current_profile
from powergames.envs import GameEnv
from powergames.games import interpolated_game, random_bayesian_game

#: the public profile-taking functions of theory/, each as ``f(game, profile)``
NORMAL_FORM: dict[str, Callable[[Any, Any], Any]] = {
    "power": T.power,
    "nash_conv": T.nash_conv,
    "achieved_value": T.achieved_value,
    "is_bayes_nash": T.is_bayes_nash,
    "power_report": T.power_report,
    "best_response": lambda g, p: T.best_response(g, 0, p),
    "interim_utility": lambda g, p: T.interim_utility(g, 1, p),
    "welfare": T.welfare,
    "coordination_gap": T.coordination_gap,
    "utility_covariance": T.utility_covariance,
    "ca_report": T.ca_report,
    "alignment_report": T.alignment_report,
    "surplus": T.surplus,
}
BAYESIAN = ("power", "nash_conv", "achieved_value", "is_bayes_nash", "power_report",
            "best_response", "interim_utility")  # fmt: skip


def same(a: Any, b: Any) -> bool:
    """Exact equality of results: arrays, numbers, dataclass reports, containers."""
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        return type(a) is type(b) and all(
            same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a)
        )
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray | float | int | np.floating):
        return bool(np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True))
    return bool(a == b)


def distributions(k: int) -> st.SearchStrategy[np.ndarray]:
    return (
        st.lists(st.integers(0, 9), min_size=k, max_size=k)
        .filter(sum)
        .map(lambda w: np.asarray(w, dtype=np.float64) / sum(w))
    )


@pytest.mark.parametrize("name", sorted(NORMAL_FORM))
@settings(max_examples=15, deadline=None)
@given(data=st.data(), lam=st.floats(0, 1), seed=st.integers(0, 50), k=st.integers(2, 3))
def test_normal_form_functions_take_both_forms(
    name: str, data: st.DataObject, lam: float, seed: int, k: int
) -> None:
    game = interpolated_game(lam, rng=seed, n_actions=k)
    flat = [data.draw(distributions(k)) for _ in range(2)]
    rows = [s.reshape(1, -1) for s in flat]
    mixed = [flat[0], rows[1]]
    f = NORMAL_FORM[name]
    expected = f(game, flat)
    assert same(f(game, rows), expected)
    assert same(f(game, mixed), expected)


@pytest.mark.parametrize("name", BAYESIAN)
@settings(max_examples=15, deadline=None)
@given(data=st.data(), seed=st.integers(0, 50))
def test_a_one_type_player_of_a_bayesian_game_takes_both_forms(
    name: str, data: st.DataObject, seed: int
) -> None:
    game = random_bayesian_game([2, 1], [2, 3], rng=seed)
    typed = np.stack([data.draw(distributions(2)) for _ in range(2)])
    one = data.draw(distributions(3))
    f = NORMAL_FORM[name]
    assert same(f(game, [typed, one]), f(game, [typed, one.reshape(1, -1)]))


def test_wrong_shapes_are_still_refused() -> None:
    game = interpolated_game(0.5, rng=1, n_actions=2)
    with pytest.raises(ValueError, match=r"profile\[0\]"):
        T.power(game, [np.full((2, 2), 0.5), np.full(2, 0.5)])  # two rows for a one-type player
    with pytest.raises(ValueError, match=r"profile\[1\]"):
        T.nash_conv(game, [np.full(2, 0.5), np.full((1, 3), 1 / 3)])  # three actions, not two


def test_current_profile_feeds_power_on_a_normal_form_game() -> None:
    game = interpolated_game(0.3, rng=2, n_actions=2)
    env = GameEnv(game)
    strategies = [np.array([0.25, 0.75]), np.array([0.6, 0.4])]
    policies = [MixedPolicy(s) for s in strategies]
    prof = current_profile(policies, env)
    assert [p.shape for p in prof] == [(1, 2), (1, 2)]
    np.testing.assert_array_equal(T.power(game, prof), T.power(game, strategies))
    assert T.nash_conv(game, prof) == T.nash_conv(game, strategies)
