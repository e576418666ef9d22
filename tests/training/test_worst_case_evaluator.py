"""The worst-case evaluator during real learning: a coalition's exploitability as it converges."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import random_simplex, seeds
from hypothesis import given, settings

from powergames.agents.hedge import Hedge
from powergames.games import majority_game, random_symmetric_unit_sum_game
from powergames.theory.coalition_values import coalition_values
from powergames.theory.guarantees import coalition_guarantee
from powergames.theory.worst_cases import coalition_worst_case
from powergames.training.evaluators import EvalContext, SharesEvaluator, run_evaluators
from powergames.training.worst_case_evaluator import WorstCaseEvaluator


def context(game, coalitions, joints) -> EvalContext:
    return EvalContext(game, coalitions, joints, None, None, np.random.default_rng(0))


@settings(max_examples=15)
@given(seeds())
def test_metrics_against_independent_computations(seed: int) -> None:
    rng = np.random.default_rng(seed)
    game = random_symmetric_unit_sum_game(5, 2, 2, rng)
    coalitions = [[0, 1, 2], [3, 4]]
    joints = [random_simplex(rng, (8,)).reshape(2, 2, 2), random_simplex(rng, (4,)).reshape(2, 2)]
    ev = WorstCaseEvaluator()
    assert ev.applies(game, coalitions) is None
    out = run_evaluators([ev, SharesEvaluator(samples=10)], context(game, coalitions, joints))
    actual = coalition_values(game, coalitions, joints).min(axis=0)
    for j, c in enumerate(coalitions):
        p = f"worst/c{j}/"
        assert out[p + "value"] == pytest.approx(coalition_worst_case(game, c, joints[j]).value)
        assert out[p + "actual"] == pytest.approx(out[f"share/c{j}/min_x"])
        assert out[p + "actual"] == pytest.approx(actual[j])
        assert out[p + "exploitability"] >= -1e-12
        assert out[p + "guarantee"] == pytest.approx(coalition_guarantee(game, c).value)
        assert out[p + "gap_to_guarantee"] >= -1e-9


def test_worst_case_approaches_the_guarantee_as_self_play_converges() -> None:
    """Hedge self-play between the coalition and the outsiders (full information) is no-regret in
    a constant-sum game, so the coalition's *average* policy's worst case rises to G."""
    game = majority_game(5, 3)
    coalitions = [[0, 1, 2], [3, 4]]
    dense = game.to_dense().shares[0]  # (n, 3, 3, 3, 3, 3)
    r1 = dense[:3].sum(axis=0).reshape(27, 9)  # the coalition's share: own joint × outsiders' joint
    us = Hedge((3, 3, 3), learning_rate=0.5)
    them = Hedge((3, 3), learning_rate=0.5)
    ev = WorstCaseEvaluator(coalitions=[0])
    history = []
    for t in range(1, 2001):
        mine, theirs = us.current_strategy()[0].reshape(-1), them.current_strategy()[0].reshape(-1)
        us.observe(r1 @ theirs)
        them.observe(1.0 - mine @ r1)
        if t in (10, 100, 2000):
            joints = [us.average_strategy()[0], them.average_strategy()[0]]
            history.append(ev.evaluate(context(game, coalitions, joints)))
    gaps = [h["worst/c0/gap_to_guarantee"] for h in history]
    assert all(g >= -1e-9 for g in gaps)
    assert gaps[-1] < gaps[0] and gaps[-1] < 0.02
    assert all(h["worst/c0/exploitability"] >= -1e-12 for h in history)


def test_does_not_apply() -> None:
    from powergames.games import random_bayesian_game

    ev = WorstCaseEvaluator()
    bg = random_bayesian_game((2, 2), (2, 2), np.random.default_rng(0))
    assert ev.applies(bg, [[0], [1]]) is not None
    assert ev.applies(majority_game(3, 2), [[0, 1, 2]]) is not None
    with pytest.raises(ValueError, match="exact joint"):
        ev.evaluate(EvalContext(majority_game(3, 2), [[0], [1, 2]], None, None, None))
