"""The worst-case evaluator: a learned coalition policy's exploitability as a coalition (MATH.md §1).

At each evaluation it reads every agent's exact joint policy and records, per coalition ``c_j``:

* ``worst/c<j>/value`` — the exact worst case ``min_x min_{π_{-j}} r_j(x)`` over every policy of the
  other agents (:func:`~powergames.theory.worst_cases.coalition_worst_case`);
* ``worst/c<j>/actual`` — ``min_x r_j(x)`` against the agents actually playing;
* ``worst/c<j>/exploitability`` — ``actual − value`` (``>= 0``): how much the others could take
  from ``c_j`` by changing their policies;
* ``worst/c<j>/guarantee`` — the coalition's optimal guarantee ``G``
  (:func:`~powergames.theory.guarantees.coalition_guarantee`; computed once per coalition, the game
  being fixed), and ``worst/c<j>/gap_to_guarantee`` = ``G − value`` (``>= 0``; ``0`` when the
  learned policy is as safe as a coalition of its size can be).

The evaluator follows :class:`~powergames.training.evaluators.Evaluator`; pass it to
:class:`~powergames.training.evaluators.EvalCallback` (or :func:`run_evaluators`) beside the
others. Selecting it by name in an experiment file needs one entry in ``EVALUATOR_CLASSES`` and in
the config's evaluator list.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from powergames.theory.coalition_values import coalition_values
from powergames.theory.guarantees import GuaranteeTooLarge, coalition_guarantee
from powergames.theory.worst_cases import coalition_worst_case
from powergames.training.evaluators import EvalContext, Evaluator, is_bayesian


class WorstCaseEvaluator(Evaluator):
    """Exact worst cases of the agents' coalition policies (module docstring).

    Args:
        coalitions: indices of the agents to evaluate (all when ``None``).
        guarantee: also record the optimal guarantee and the gap to it.
    """

    name = "worst_case"

    def __init__(self, coalitions: Sequence[int] | None = None, guarantee: bool = True) -> None:
        self.coalitions = None if coalitions is None else [int(j) for j in coalitions]
        self.guarantee = bool(guarantee)
        self._guarantees: dict[tuple[int, tuple[int, ...]], float] = {}

    def applies(self, game: Any, coalitions: Sequence[Sequence[int]]) -> str | None:
        if is_bayesian(game):
            return "worst cases are computed for unit-sum and normal-form games"
        if len(coalitions) < 2:
            return "a worst case needs other agents to face"
        return None

    def _guarantee_of(self, game: Any, members: tuple[int, ...]) -> float:
        key = (id(game), members)
        if key not in self._guarantees:
            try:
                self._guarantees[key] = coalition_guarantee(game, list(members)).value
            except GuaranteeTooLarge:
                self._guarantees[key] = float("nan")
        return self._guarantees[key]

    def evaluate(self, ctx: EvalContext) -> dict[str, float]:
        if ctx.joint_policies is None:
            raise ValueError("the worst-case evaluator needs every agent's exact joint strategy")
        coalitions = [sorted(c) for c in ctx.coalitions]
        actual = coalition_values(ctx.game, coalitions, list(ctx.joint_policies)).min(axis=0)
        chosen = range(len(coalitions)) if self.coalitions is None else self.coalitions
        out: dict[str, float] = {}
        for j in chosen:
            members = tuple(coalitions[j])
            wc = coalition_worst_case(ctx.game, list(members), ctx.joint_policies[j])
            p = f"worst/c{j}/"
            out[p + "value"] = wc.value
            out[p + "actual"] = float(actual[j])
            out[p + "exploitability"] = float(actual[j] - wc.value)
            if self.guarantee:
                g = self._guarantee_of(ctx.game, members)
                out[p + "guarantee"] = g
                out[p + "gap_to_guarantee"] = g - wc.value if np.isfinite(g) else float("nan")
        return out


__all__ = ["WorstCaseEvaluator"]
