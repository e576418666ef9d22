"""Shared hypothesis strategies and fixtures: random games of every family."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

settings.register_profile(
    "ci", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=15, deadline=None)
settings.load_profile("ci")


@st.composite
def seeds(draw) -> int:
    """A seed for ``np.random.default_rng``."""
    return draw(st.integers(min_value=0, max_value=2**32 - 1))


@st.composite
def action_counts(draw, n_players: int, max_k: int = 4) -> tuple[int, ...]:
    """Per-player action counts ``(k_0, …, k_{n-1})``."""
    return tuple(draw(st.integers(1, max_k)) for _ in range(n_players))


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
