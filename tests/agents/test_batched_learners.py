"""The batched learners against the learners themselves: every row's actions and state bit for bit."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from powergames.agents.batched_learners import BatchedLearners, batch_key
from powergames.agents.best_response import BestResponseDynamics
from powergames.agents.copying import EmpiricalCopyingPolicy
from powergames.agents.fictitious_play import FictitiousPlay
from powergames.agents.hedge import Hedge
from powergames.agents.regret_matching import RegretMatching

STATE = ("_current", "_avg_sum", "_avg_weight", "_n_updates")
EXTRA = {
    RegretMatching: ("_regret",),
    Hedge: ("_cumulative",),
    FictitiousPlay: ("_cumulative",),
    BestResponseDynamics: ("_sampled_sum", "_sampled_count"),
}


@st.composite
def learner_setups(draw) -> tuple[type, dict[str, Any], int, int]:
    cls = draw(st.sampled_from(sorted(EXTRA, key=lambda c: c.__name__)))
    opts: dict[str, Any] = {
        "exploration": draw(st.sampled_from([0.02, 0.1, 0.5, 1.0])),
        "averaging": draw(st.sampled_from(["uniform", "linear"])),
    }
    if cls is RegretMatching:
        opts["plus"] = draw(st.booleans())
    elif cls is Hedge:
        opts["learning_rate"] = draw(st.sampled_from([None, 0.05, 1.5]))
        opts["payoff_range"] = draw(st.sampled_from([1.0, 3.0]))
    elif cls is BestResponseDynamics:
        opts["period"] = draw(st.integers(1, 5))
        opts["margin"] = draw(st.sampled_from([0.0, 0.05]))
    k = draw(st.integers(1, 12))
    n_types = draw(st.integers(1, 3))
    return cls, opts, k, n_types


@given(setup=learner_setups(), seed=st.integers(0, 2**32 - 1), rows=st.integers(1, 7))
def test_every_row_is_its_learner(setup, seed: int, rows: int) -> None:
    cls, opts, k, n_types = setup
    layout = {"type": slice(0, n_types)}
    master = np.random.default_rng(seed)
    rewards = master.normal(size=(60, rows)) * master.choice([1.0, 10.0])
    types = master.integers(0, n_types, size=(60, rows))
    streams = master.integers(0, 2**32, size=rows)

    def make() -> list[Any]:
        kw = {"n_types": n_types, "layout": layout} if n_types > 1 else {}
        return [cls(k, **opts, **kw) for _ in range(rows)]

    alone, stacked = make(), make()
    batch = BatchedLearners.from_learners(stacked)
    rngs = [np.random.default_rng(s) for s in streams]
    uniforms = np.stack([np.random.default_rng(s).random(60) for s in streams], axis=1)
    eye = np.eye(n_types, dtype=np.float32)
    for step in range(60):
        acts = []
        for m, lr in enumerate(alone):
            obs = eye[types[step, m]]
            a = lr.act(obs, rngs[m])
            lr.update(obs, a, float(rewards[step, m]), obs)
            acts.append(a)
        t = None if n_types == 1 else types[step]
        b = batch.behaviour(t)
        a = batch.sample(b, uniforms[step])
        assert a.tolist() == acts
        batch.update(t, a, rewards[step], b)
    batch.check_finite()
    batch.write_back()
    for x, y in zip(alone, stacked):
        assert x.iterations == y.iterations
        for name in STATE + EXTRA[cls]:
            ax, ay = getattr(x, name), getattr(y, name)
            assert ax.dtype == ay.dtype and np.array_equal(ax, ay), name
        assert np.array_equal(x.average_strategy(), y.average_strategy())


def test_mixed_or_unknown_learners_are_refused() -> None:
    with pytest.raises(ValueError, match="one class"):
        BatchedLearners([RegretMatching(3), Hedge(3)])
    with pytest.raises(ValueError, match="one class"):
        BatchedLearners([RegretMatching(3), RegretMatching(3, exploration=0.5)])
    with pytest.raises(ValueError, match="non-empty"):
        BatchedLearners([])
    assert batch_key(EmpiricalCopyingPolicy.__new__(EmpiricalCopyingPolicy)) is None


def test_zero_probability_action_is_reported() -> None:
    lr = RegretMatching(2, exploration=0.0, initial=[1.0, 0.0])
    batch = BatchedLearners([lr])
    b = batch.behaviour(None)
    with np.errstate(divide="ignore", invalid="ignore"):  # an action b gives probability 0
        batch.update(None, np.array([1]), np.array([1.0]), b)
    with pytest.raises(ValueError, match="probability 0"):
        batch.check_finite()
