"""Policies that need the run's other agents: Theorem 2's copying of a live agent, and the
Policy adapter of a Stable-Baselines3 model.

* :class:`CopyingPolicy` — the coalition-copying policy of MATH.md §1 (Theorem 2) against the
  *current* strategy of its target agents: ``k−1`` sub-coalitions each draw their members'
  actions from the target's joint policy, leftovers play ``leftover`` (uniform by default).
  (The empirical form is :class:`powergames.agents.copying.EmpiricalCopyingPolicy`.)
* :class:`SB3Policy` — the :class:`~powergames.agents.policy.Policy` face of an SB3 model: its
  exact action distribution per observation, read from the policy network.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from powergames.agents.policy import sample_action

FloatArray = npt.NDArray[np.float64]

#: Largest dense joint a copying policy returns from ``strategy`` (beyond: ``coalition_policy``).
MAX_DENSE_JOINT = 1 << 16


def _targets(spec: Any, target: Any) -> list[int]:
    if target is None:
        return [s.index for s in spec.all_specs if s.index != spec.index]
    targets = [target] if isinstance(target, int) else list(target)
    for t in targets:
        if not isinstance(t, int) or not 0 <= t < len(spec.all_specs) or t == spec.index:
            raise ValueError(
                f"agents[{spec.index}].params.target: must name other agents by index, got {target!r}"
            )
    return targets


class _CopyBase:
    """Shared machinery: member bookkeeping and the structured Theorem 2 policy."""

    def __init__(self, spec: Any, target: Any, leftover: Any, k: int | None) -> None:
        self.spec_index = spec.index
        self.n_members = len(spec.seats)
        self.targets = _targets(spec, target)
        self.target_seats = [list(spec.all_specs[t].seats) for t in self.targets]
        self.target_names = [spec.all_specs[t].name for t in self.targets]
        self.n_actions = (
            spec.n_actions[0] if isinstance(spec.n_actions, tuple) else int(spec.n_actions)
        )
        self.leftover = None if leftover is None else np.asarray(leftover, dtype=np.float64)
        self.k = k
        self._resolve = spec.resolve

    def _opponent_joints(self, observation: Any) -> list[Any]:
        raise NotImplementedError

    def coalition_policy(self, observation: Any = None) -> Any:
        """The exact structured policy (a ``CoalitionPolicy``) at ``observation``."""
        from powergames.envs.games.coalitions import coalition_copying_policy

        return coalition_copying_policy(
            self._opponent_joints(observation), self.n_members, k=self.k, leftover=self.leftover
        )

    def strategy(self, observation: Any) -> FloatArray | None:
        """The dense joint ``(k,)*m`` (``None`` when larger than :data:`MAX_DENSE_JOINT`)."""
        if self.n_actions**self.n_members > MAX_DENSE_JOINT:
            return None
        return np.asarray(self.coalition_policy(observation).joint(), dtype=np.float64)

    def act(self, observation: Any, rng: np.random.Generator) -> npt.NDArray[np.int64]:
        """One draw of the members' actions, shape ``(m,)``."""
        return np.asarray(self.coalition_policy(observation).sample(1, rng)[0], dtype=np.int64)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_resolve"] = None  # re-attached by the runner after loading
        return state


class CopyingPolicy(_CopyBase):
    """Theorem 2's coalition copying of the target agents' current strategies.

    Args:
        spec: the agent's :class:`~powergames.training.builders.AgentSpec`.
        target: an agent index, a list of them, or ``None`` (every other agent, pooled as ``c_2``).
        leftover: the leftover members' strategy ``(k,)`` (uniform when ``None``).
        k: Theorem 2's ``k`` (the largest possible when ``None``).
    """

    def _opponent_joints(self, observation: Any) -> list[Any]:
        out = []
        for t in self.targets:
            policy = self._resolve(t)
            pol = getattr(policy, "coalition_policy", None)
            joint = pol(observation) if pol is not None else policy.strategy(observation)
            if joint is None:
                raise ValueError(
                    f"agents[{self.spec_index}] copies agents[{t}], which exposes no strategy"
                )
            out.append(joint)
        return out

    def update(
        self, observation: Any, action: Any, reward: float, next_observation: Any, info: Any
    ) -> None:
        """Copying the current strategy needs no learning."""

    def __repr__(self) -> str:
        return f"CopyingPolicy(members={self.n_members}, targets={self.targets})"


class SB3Policy:
    """A Stable-Baselines3 model seen through the Policy protocol.

    ``strategy`` reads the exact action distribution from the policy network (categorical
    probabilities; for ``MultiDiscrete`` coalition actions the product of the members'
    categoricals). ``update`` does nothing: the model learns in its own ``learn`` loop. The model
    is attached after construction (``policy.model = model``) and is not pickled with the policy.

    Args:
        action_shape: ``(k,)`` or ``(k,)*m``.
    """

    def __init__(self, action_shape: Sequence[int]) -> None:
        self.action_shape = tuple(int(k) for k in action_shape)
        self.model: Any = None
        self._cache: dict[bytes, FloatArray] = {}
        self._cache_version: int = -1

    def strategy(self, observation: Any) -> FloatArray:
        """The model's action distribution at ``observation`` (shape ``action_shape``)."""
        import torch as th

        if self.model is None:
            raise ValueError("SB3Policy has no model attached yet")
        version = int(getattr(self.model, "_n_updates", 0))
        if version != self._cache_version:
            self._cache.clear()
            self._cache_version = version
        obs = np.asarray(observation, dtype=np.float32).reshape(1, -1)
        key = obs.tobytes()
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        policy = self.model.policy
        with th.no_grad():
            obs_t = th.as_tensor(obs.copy(), device=policy.device)
            dist = policy.get_distribution(obs_t).distribution
        if isinstance(dist, list | tuple):  # MultiCategorical: independent members
            joint = np.ones(())
            for d in dist:
                joint = np.multiply.outer(joint, d.probs[0].double().cpu().numpy())
        else:
            joint = dist.probs[0].double().cpu().numpy()
        joint = np.clip(joint, 0.0, None)
        joint = (joint / joint.sum()).reshape(self.action_shape)
        if len(self._cache) < 4096:
            self._cache[key] = joint
        return joint

    def act(self, observation: Any, rng: np.random.Generator) -> Any:
        """Sample from :meth:`strategy` with ``rng`` (training actions come from SB3 itself)."""
        return sample_action(self.strategy(observation), rng)

    def update(self, *args: Any, **kwargs: Any) -> None:
        """The model learns in ``learn``; nothing to do per transition."""

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["model"] = None
        state["_cache"] = {}
        state["_cache_version"] = -1
        return state

    def __repr__(self) -> str:
        return f"SB3Policy({type(self.model).__name__ if self.model is not None else 'detached'})"
