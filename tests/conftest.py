"""Shared hypothesis strategies and fixtures: random games of every family."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

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
# Each strategy draws the game's sizes and its values (hypothesis.extra.numpy arrays of bounded
# floats), so a failing example shrinks to a small game with simple numbers, and returns
# ``(game, rng)``: the game and a generator from a drawn seed, for the test's own random profiles.

#: Payoffs are drawn from [-PAYOFF_BOUND, PAYOFF_BOUND].
PAYOFF_BOUND = 10.0


def _floats(low: float, high: float):
    return st.floats(low, high, allow_nan=False, allow_infinity=False, allow_subnormal=False)


#: Payoffs are drawn on the grid 1/PAYOFF_GRID: no 1e-231 beside 1 (a test of rounding, not of the
#: theory), and a failure shrinks to numbers such as 0.5 or -3.
PAYOFF_GRID = 1024


def _payoffs(draw, shape):
    """Bounded payoffs in [-PAYOFF_BOUND, PAYOFF_BOUND] on the grid 1/PAYOFF_GRID."""
    top = int(PAYOFF_BOUND * PAYOFF_GRID)
    ints = draw(hnp.arrays(np.int64, shape, elements=st.integers(-top, top)))
    return ints / PAYOFF_GRID


def _weights(draw, shape, low=0.0, high=1.0):
    """Non-negative weights of the given shape: in ``[max(low, 0.05), high]``, or exactly 0 when
    ``low == 0`` (no tiny positive weights: a type of probability 1e-34 is a test of rounding, not
    of the theory)."""
    positive = _floats(max(low, 0.05), high)
    elements = st.one_of(st.just(0.0), positive) if low == 0.0 else positive
    return draw(hnp.arrays(np.float64, shape, elements=elements))


def _simplex(draw, shape, sparse=True):
    """Distributions along the last axis, drawn as weights (some exactly 0 when ``sparse``)."""
    w = _weights(draw, shape, 0.0 if sparse else 0.05, 1.0)
    empty = w.sum(axis=-1) == 0
    w[..., 0] = np.where(empty, 1.0, w[..., 0])
    return w / w.sum(axis=-1, keepdims=True)


@st.composite
def normal_form_games(draw, min_players=1, max_players=3, max_k=3, integer=False):
    """A ``NormalFormGame`` with bounded float (or, with ``integer``, small integer — many ties) payoffs."""
    from powergames.games import NormalFormGame

    n = draw(st.integers(min_players, max_players))
    ks = draw(action_counts(n, max_k))
    if integer:
        payoffs = draw(hnp.arrays(np.int64, (n, *ks), elements=st.integers(-3, 3))).astype(float)
    else:
        payoffs = _payoffs(draw, (n, *ks))
    return NormalFormGame(payoffs), np.random.default_rng(draw(seeds()))


@st.composite
def unit_sum_games(draw, min_players=2, max_players=3, max_k=3, max_states=3):
    """A dense ``UnitSumGame`` with drawn shares (some exactly 0) and a drawn prior."""
    from powergames.games import UnitSumGame

    n = draw(st.integers(min_players, max_players))
    ks = draw(action_counts(n, max_k))
    n_states = draw(st.integers(1, max_states))
    shares = np.moveaxis(_simplex(draw, (n_states, *ks, n)), -1, 1)
    prior = _simplex(draw, (n_states,), sparse=False)
    return UnitSumGame(shares, prior), np.random.default_rng(draw(seeds()))


@st.composite
def symmetric_games(draw, min_players=2, max_players=6, max_k=3, max_states=3):
    """A ``SymmetricUnitSumGame`` in count form from drawn positive weights ``w(x, a, c)``.

    Each player on action ``a`` at full counts ``m`` gets ``w(x, a, m − e_a) / Σ_b m_b w(x, b, m − e_b)``
    (as in ``random_symmetric_unit_sum_game``), so shares are symmetric and sum to one.
    """
    from powergames.games import SymmetricUnitSumGame, composition_index, compositions

    n = draw(st.integers(min_players, max_players))
    k = draw(st.integers(1, max_k))
    n_states = draw(st.integers(1, max_states))
    others = compositions(n - 1, k)
    weights = _weights(draw, (n_states, k, len(others)), 0.05, 20.0)
    full = compositions(n, k)
    z = np.zeros((n_states, len(full)))
    for b in range(k):
        rows = full[:, b] >= 1
        dropped = full[rows].copy()
        dropped[:, b] -= 1
        z[:, rows] += full[rows, b] * weights[:, b, composition_index(dropped, n - 1)]
    table = np.empty_like(weights)
    for a in range(k):
        m = others.copy()
        m[:, a] += 1
        table[:, a] = weights[:, a] / z[:, composition_index(m, n)]
    prior = _simplex(draw, (n_states,), sparse=False)
    return SymmetricUnitSumGame(n, table, prior=prior), np.random.default_rng(draw(seeds()))


@st.composite
def bayesian_games(draw, kind="general", min_players=2, max_players=3, max_types=3, max_actions=3):
    """A ``BayesianGame`` of the given class with drawn sizes, prior and rewards.

    ``"general"``: any prior (some zero-probability types), bounded rewards. ``"constant_sum"`` /
    ``"common_payoff"``: as ``random_bayesian_game``, a latent state revealed by every type, the
    prior on type profiles that agree on it, rewards ``R_i(state, a)`` with ``Σ_i R_i = c`` (or
    ``R_i = R_0``) — the class property holds on the prior's support.
    """
    from powergames.games import BayesianGame

    n = draw(st.integers(min_players, max_players))
    n_types = tuple(draw(st.integers(1, max_types)) for _ in range(n))
    n_actions = draw(action_counts(n, max_actions))
    rng = np.random.default_rng(draw(seeds()))
    if kind == "general":
        prior = _weights(draw, n_types)
        if prior.sum() == 0:
            prior.flat[0] = 1.0
        rewards = tuple(_payoffs(draw, (t, *n_actions)) for t in n_types)
        return BayesianGame(prior / prior.sum(), rewards), rng
    if kind not in ("constant_sum", "common_payoff"):
        raise ValueError(f"unknown kind {kind!r}")
    m = draw(st.integers(1, min(n_types)))
    states = []
    for t in n_types:  # a surjection types -> states: every state first, then drawn ones
        extra = [draw(st.integers(0, m - 1)) for _ in range(t - m)]
        states.append(np.array(list(range(m)) + extra))
    grids = np.meshgrid(*states, indexing="ij")
    consistent = np.all([g == grids[0] for g in grids], axis=0)
    prior = _weights(draw, n_types) * consistent
    for x in range(m):  # never a whole state of probability 0
        in_x = consistent & (grids[0] == x)
        if prior[in_x].sum() == 0:
            prior[in_x] = 1.0
    if kind == "common_payoff":
        base = _payoffs(draw, (m, *n_actions))
        table = np.stack([base] * n, axis=1)
    else:
        c = draw(st.integers(-20, 20)) / 2
        table = _payoffs(draw, (m, n, *n_actions))
        table[:, -1] = c - table[:, :-1].sum(axis=1)
    rewards = tuple(table[states[i], i] for i in range(n))
    return BayesianGame(prior / prior.sum(), rewards), rng


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
