"""Shared hypothesis strategies and fixtures: random games of every family."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

settings.register_profile(
    "ci", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=15, deadline=None)
settings.register_profile("thorough", max_examples=400, deadline=None)
# HYPOTHESIS_PROFILE=dev for a fast local loop, =thorough before a release; CI uses "ci".
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@st.composite
def seeds(draw) -> int:
    """A seed for ``np.random.default_rng``."""
    return draw(st.integers(min_value=0, max_value=2**32 - 1))


@st.composite
def action_counts(draw, n_players: int, max_k: int = 4) -> tuple[int, ...]:
    """Per-player action counts ``(k_0, …, k_{n-1})``."""
    return tuple(draw(st.integers(1, max_k)) for _ in range(n_players))


# ---------------------------------------------------------------------- random games of every family
# Each strategy draws a seed and returns ``(game, rng)``: the game and a generator seeded from the same
# draw, for the test's own random profiles (hypothesis shrinks the seed).


@st.composite
def normal_form_games(draw, min_players=1, max_players=3, max_k=3, integer=False):
    """A ``NormalFormGame`` with normal (or, with ``integer``, small integer — many ties) payoffs."""
    from powergames.games import NormalFormGame

    seed = draw(seeds())
    n = draw(st.integers(min_players, max_players))
    rng = np.random.default_rng(seed)
    ks = tuple(int(k) for k in rng.integers(1, max_k + 1, size=n))
    if integer:
        payoffs = rng.integers(-3, 4, size=(n, *ks)).astype(float)
    else:
        payoffs = rng.normal(size=(n, *ks))
    return NormalFormGame(payoffs), rng


@st.composite
def unit_sum_games(draw, min_players=2, max_players=3, max_k=3, max_states=3):
    """A dense ``UnitSumGame`` with random shares (some exactly 0) and a random prior."""
    from powergames.games import UnitSumGame

    rng = np.random.default_rng(draw(seeds()))
    n = draw(st.integers(min_players, max_players))
    ks = tuple(int(k) for k in rng.integers(1, max_k + 1, size=n))
    n_states = draw(st.integers(1, max_states))
    shares = np.moveaxis(random_simplex(rng, (n_states, *ks, n)), -1, 1)
    return UnitSumGame(shares, random_simplex(rng, (n_states,), sparse=False)), rng


@st.composite
def symmetric_games(draw, min_players=2, max_players=6, max_k=3, max_states=3):
    """A ``SymmetricUnitSumGame`` in count form (``random_symmetric_unit_sum_game``)."""
    from powergames.games import random_symmetric_unit_sum_game

    rng = np.random.default_rng(draw(seeds()))
    n = draw(st.integers(min_players, max_players))
    k = draw(st.integers(1, max_k))
    n_states = draw(st.integers(1, max_states))
    return random_symmetric_unit_sum_game(n, k, n_states, rng), rng


@st.composite
def bayesian_games(draw, kind="general", min_players=2, max_players=3, max_types=3, max_actions=3):
    """A ``BayesianGame`` of the given class (``random_bayesian_game``: correlated priors, some
    zero-probability types)."""
    from powergames.games import random_bayesian_game

    rng = np.random.default_rng(draw(seeds()))
    n = draw(st.integers(min_players, max_players))
    n_types = tuple(int(x) for x in rng.integers(1, max_types + 1, size=n))
    n_actions = tuple(int(x) for x in rng.integers(1, max_actions + 1, size=n))
    return random_bayesian_game(n_types, n_actions, rng, kind), rng


def random_simplex(
    rng: np.random.Generator, shape: tuple[int, ...], sparse: bool = True
) -> np.ndarray:
    """Random distributions along the last axis; with ``sparse`` some entries are exactly 0."""
    p = rng.exponential(size=shape)
    if sparse:
        p = p * (rng.random(shape) < 0.7)
        p[..., 0] += p.sum(axis=-1) == 0
    return p / p.sum(axis=-1, keepdims=True)


@pytest.fixture
def rng() -> np.random.Generator:
    """A fixed-seed generator for example-based tests."""
    return np.random.default_rng(12345)
