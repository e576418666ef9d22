"""Fuzzed bad arguments to the agents' constructors: a clean ValueError/TypeError naming the
argument, or a working object — never another exception (MemoryError, an IndexError from NumPy)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from powergames.agents.best_response import BestResponseDynamics
from powergames.agents.copying import EmpiricalCopyingPolicy
from powergames.agents.fictitious_play import FictitiousPlay
from powergames.agents.fixed import MajorityPolicy, MixedPolicy, PurePolicy, UniformPolicy
from powergames.agents.hedge import Hedge
from powergames.agents.regret_matching import RegretMatching

BAD = st.one_of(
    st.sampled_from([np.nan, np.inf, -np.inf, True, False, None, "3", b"3", 1 + 2j, [], [2], (0,)]),
    st.integers(-(10**15), 10**15),
    st.floats(allow_nan=True, allow_infinity=True),
    st.just(np.datetime64("2020-01-01")),
    st.just(np.array([0.5, 0.5j])),
)

CONSTRUCTORS = {
    "UniformPolicy.n_actions": (lambda v: UniformPolicy(v), "n_actions"),
    "PurePolicy.action": (lambda v: PurePolicy(v, 3), "action"),
    "PurePolicy.n_actions": (lambda v: PurePolicy(0, v), "n_actions"),
    "MixedPolicy.strategy": (lambda v: MixedPolicy([v, 0.5]), "strategy"),
    "MajorityPolicy.n_members": (lambda v: MajorityPolicy(v, 3), ""),
    "RegretMatching.n_actions": (lambda v: RegretMatching(v), "n_actions"),
    "RegretMatching.exploration": (lambda v: RegretMatching(3, exploration=v), "exploration"),
    "Hedge.learning_rate": (lambda v: Hedge(3, learning_rate=v), "learning_rate"),
    "FictitiousPlay.n_types": (lambda v: FictitiousPlay(3, n_types=v), "n_types"),
    "BestResponseDynamics.period": (lambda v: BestResponseDynamics(3, period=v), "period"),
    "EmpiricalCopyingPolicy.window": (lambda v: EmpiricalCopyingPolicy(3, 1, 2, v), "window"),
}


@pytest.mark.parametrize("name", sorted(CONSTRUCTORS))
@settings(max_examples=60, deadline=None)
@given(value=BAD)
def test_bad_arguments_give_clean_errors(name: str, value: object) -> None:
    build, argument = CONSTRUCTORS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a ComplexWarning would be a silent coercion
        try:
            build(value)
        except (ValueError, TypeError) as exc:
            assert argument in str(exc), f"{name}({value!r}): {exc}"
