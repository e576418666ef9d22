"""Fixed (non-learning) policies: uniform, pure, any mixed strategy, and Theorem 1's majority policy.

Every policy here is a :class:`~powergames.agents.policy.StrategyPolicy`: ``act`` samples
``strategy(observation)`` with the caller's generator and ``update`` does nothing.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from powergames.agents.policy import (
    Action,
    Layout,
    StrategyPolicy,
    as_action_shape,
    flat_action,
    real_array,
    type_of,
)
from powergames.games.checks import check_distribution, check_positive_int, check_rng
from powergames.theory.coalition_policies import CoalitionPolicy, SharedActionPolicy
from powergames.theory.theorem_policies import theorem1_policy


class MixedPolicy(StrategyPolicy):
    """A fixed mixed strategy, optionally one per type.

    Args:
        strategy: one distribution — shape ``(k,)``, or a coalition's joint ``(k,)*m`` — used at every
            observation; or, with ``per_type=True``, a stack ``(T, …)`` with one distribution per type.
        per_type: whether the first axis of ``strategy`` indexes the agent's types.
        layout: the agent's observation layout, used to read its type (needed when ``per_type``
            and ``T > 1``).

    Raises:
        ValueError: if ``strategy`` is not a distribution (per type), or a per-type strategy with
            several types is given no layout with a ``"type"`` block.
    """

    def __init__(
        self, strategy: npt.ArrayLike, *, per_type: bool = False, layout: Layout | None = None
    ) -> None:
        arr: npt.NDArray[np.float64] = np.array(real_array("strategy", strategy))
        if per_type:
            if arr.ndim < 2:
                raise ValueError(
                    f"strategy with per_type=True must have shape (T, k, ...), got {arr.shape}"
                )
            n_types = int(arr.shape[0])
            flat = check_distribution("strategy", arr.reshape(n_types, -1), axis=1)
            arr = flat.reshape(arr.shape)
            if n_types > 1 and (layout is None or "type" not in layout):
                raise ValueError(
                    f"strategy has {n_types} types: pass the agent's observation layout "
                    "(with a 'type' block) so the policy can read its type"
                )
        else:
            arr = check_distribution("strategy", arr)[None]
        arr.setflags(write=False)
        self._table = arr
        self.layout = layout

    @property
    def table(self) -> npt.NDArray[np.float64]:
        """The strategy per type, shape ``(T, k)`` or ``(T, k, …, k)`` (read-only)."""
        return self._table

    def strategy(self, observation: Any) -> npt.NDArray[np.float64]:
        """The distribution for the type ``observation`` reveals (type 0 without a layout)."""
        t = type_of(observation, self.layout) if self._table.shape[0] > 1 else 0
        if t >= self._table.shape[0]:
            raise ValueError(
                f"observation has type {t}, the strategy covers {self._table.shape[0]}"
            )
        return self._table[t]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(shape={self._table.shape[1:]}, types={self._table.shape[0]})"


class UniformPolicy(MixedPolicy):
    """Every action (every joint action of a coalition) with equal probability.

    Args:
        n_actions: ``k`` for a single player, or the joint action shape ``(k,)*m`` of a coalition
            (members then play independently uniformly: the uniform joint is the product).
    """

    def __init__(self, n_actions: int | tuple[int, ...]) -> None:
        shape = as_action_shape("n_actions", n_actions)
        super().__init__(np.full(shape, 1.0 / int(np.prod(shape))))


class PurePolicy(MixedPolicy):
    """Always the same action (per type if ``per_type``).

    Args:
        action: an action index (a single player), a sequence of member actions (a coalition),
            or with ``per_type=True`` a sequence with one such action per type.
        n_actions: ``k`` or the joint action shape ``(k,)*m``.
        per_type: whether ``action`` lists one action per type.
        layout: the observation layout (needed with several types).
    """

    def __init__(
        self,
        action: Action,
        n_actions: int | tuple[int, ...],
        *,
        per_type: bool = False,
        layout: Layout | None = None,
    ) -> None:
        shape = as_action_shape("n_actions", n_actions)
        actions = list(action) if per_type else [action]
        table = np.zeros((len(actions), *shape))
        for t, a in enumerate(actions):
            table[t].reshape(-1)[flat_action(a, shape)] = 1.0
        super().__init__(table, per_type=True, layout=layout)
        self.actions = actions if per_type else action

    def act(self, observation: Any, rng: np.random.Generator) -> Action:
        """The fixed action (no randomness used)."""
        check_rng(rng)
        dist = self.strategy(observation)
        idx = int(np.argmax(dist.reshape(-1)))
        return idx if dist.ndim == 1 else np.asarray(np.unravel_index(idx, dist.shape))


def majority_joint(n_members: int, n_actions: int) -> npt.NDArray[np.float64]:
    """Theorem 1's majority policy as a dense joint: one action drawn uniformly, all play it.

    Args:
        n_members: the coalition size ``m``.
        n_actions: ``k``.

    Returns:
        Shape ``(k,)*m``: ``1/k`` on each diagonal profile ``(a, …, a)``, 0 elsewhere
        (:func:`powergames.theory.theorem_policies.theorem1_policy`'s joint).
    """
    return theorem1_policy(n_members, n_actions).joint()


class CoalitionAgent(StrategyPolicy):
    """Base for a coalition agent defined by a structured coalition policy.

    Subclasses implement :meth:`coalition_policy`, the exact policy of the coalition at an
    observation (a :class:`~powergames.theory.coalition_policies.CoalitionPolicy`: exact joint, exact
    count distribution, sampler). ``strategy`` returns its dense joint ``(k,)*m`` while that has at
    most ``max_joint_size`` entries and ``None`` beyond (evaluators then use
    ``coalition_policy``, which :func:`powergames.agents.profile.current_joint_policies` returns).
    """

    max_joint_size: int = 1 << 20

    def coalition_policy(self, observation: Any) -> CoalitionPolicy:  # pragma: no cover
        raise NotImplementedError

    def strategy(self, observation: Any) -> npt.NDArray[np.float64] | None:
        """The dense joint ``(k,)*m``, or ``None`` when it would exceed ``max_joint_size``."""
        pol = self.coalition_policy(observation)
        if pol.n_actions**pol.n_members > self.max_joint_size:
            return None
        return pol.joint()

    def act(self, observation: Any, rng: np.random.Generator) -> npt.NDArray[np.int64]:
        """One draw of the members' actions, shape ``(m,)`` (exact sampler, any coalition size)."""
        return self.coalition_policy(observation).sample(1, check_rng(rng))[0]


class MajorityPolicy(CoalitionAgent):
    """Theorem 1 (MATH.md §1): the coalition draws one action uniformly and every member plays it.

    In the majority game a coalition holding a strict majority then gets at least ``1 − 1/k``
    expected shares whatever the outsiders do. The policy is
    :func:`powergames.theory.theorem_policies.theorem1_policy`.

    Args:
        n_members: the coalition size ``m``.
        n_actions: ``k``.
        max_joint_size: the largest dense joint ``strategy`` returns (else ``None``).
    """

    def __init__(self, n_members: int, n_actions: int, *, max_joint_size: int = 1 << 20) -> None:
        self.n_members = check_positive_int("n_members", n_members)
        self.n_actions = check_positive_int("n_actions", n_actions)
        self.max_joint_size = check_positive_int("max_joint_size", max_joint_size)
        self._policy = theorem1_policy(self.n_members, self.n_actions)

    def coalition_policy(self, observation: Any = None) -> SharedActionPolicy:
        """The structured policy (every observation): ``theorem1_policy(m, k)``."""
        return self._policy

    @property
    def marginals(self) -> npt.NDArray[np.float64]:
        """Each member's marginal, shape ``(m, k)`` (all uniform)."""
        return np.full((self.n_members, self.n_actions), 1.0 / self.n_actions)

    def __repr__(self) -> str:
        return f"MajorityPolicy(n_members={self.n_members}, n_actions={self.n_actions})"
