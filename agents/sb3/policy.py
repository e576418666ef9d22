"""The Policy face of an SB3 model (exact action distributions), and uniform play over a space."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gymnasium
import numpy as np
import numpy.typing as npt
from stable_baselines3.common.base_class import BaseAlgorithm

from powergames.agents.policy import sample_action
from powergames.games.checks import check_rng

FloatArray = npt.NDArray[np.float64]


# ============================================================================ the policy face
class SB3Policy:
    """A Stable-Baselines3 model through the :class:`~powergames.agents.policy.Policy` protocol.

    Args:
        model: the SB3 model.
        action_shape: the agent's action shape: ``(k,)`` or ``(k,)*m`` for a coalition; when the
            model acts in ``Discrete(k**m)`` (a flattened joint), ``act`` returns the unravelled
            member actions. ``None``: from the model's action space.
        members: whether ``act`` returns an array of member actions (a coalition's
            ``MultiDiscrete`` action, even with one member) rather than an ``int``; ``None``: when
            the model's action space is ``MultiDiscrete``.
    """

    #: Rebuilt, not saved: the model is saved on its own, the cache is derived.
    __snapshot_exclude__ = ("model", "_cache", "_cache_key")

    def __init__(
        self,
        model: BaseAlgorithm,
        action_shape: Sequence[int] | None = None,
        *,
        members: bool | None = None,
    ) -> None:
        self.model = model
        space = model.action_space
        self.members = (
            isinstance(space, gymnasium.spaces.MultiDiscrete) if members is None else bool(members)
        )
        if action_shape is None:
            if isinstance(space, gymnasium.spaces.Discrete):
                action_shape = (int(space.n),)
            elif isinstance(space, gymnasium.spaces.MultiDiscrete):
                action_shape = tuple(int(k) for k in space.nvec)
            else:
                raise TypeError(f"SB3Policy needs a discrete action space, got {space}")
        self.action_shape = tuple(int(k) for k in action_shape)
        self._cache: dict[bytes, FloatArray] = {}
        self._cache_key: tuple[int, int] | None = None

    @property
    def version(self) -> tuple[int, int] | None:
        """A token that changes whenever the model's parameters may have: ``(id(model), updates)``.

        SB3 counts its gradient updates in ``_n_updates``; ``None`` without a model. Copiers key
        what they derive from :meth:`strategy` on it (with the observation).
        """
        if self.model is None:
            return None
        return (id(self.model), int(getattr(self.model, "_n_updates", 0)))

    def strategy(self, observation: Any) -> FloatArray:
        """The model's exact action distribution at ``observation``, shape ``action_shape``.

        Results are cached per observation until the model's parameters change (SB3 counts its
        gradient updates in ``_n_updates``), so a copier reading a learner's strategy every step
        costs one forward pass per distinct observation and update.

        Raises:
            ValueError: if no model is attached.
        """
        if self.model is None:
            raise ValueError("this SB3Policy has no model attached (load the model first)")
        key = (id(self.model), int(getattr(self.model, "_n_updates", 0)))
        if key != self._cache_key:
            self._cache.clear()
            self._cache_key = key
        obs = np.asarray(observation, dtype=np.float32)
        tag = obs.tobytes() + repr(obs.shape).encode()
        hit = self._cache.get(tag)
        if hit is None:
            hit = self._distribution(obs)
            hit.setflags(write=False)
            if len(self._cache) < 4096:
                self._cache[tag] = hit
        return hit.copy()

    def _distribution(self, obs: npt.NDArray[np.float32]) -> FloatArray:
        import torch as th

        policy = self.model.policy
        obs_t, _ = policy.obs_to_tensor(obs)
        with th.no_grad():
            if hasattr(policy, "get_distribution"):
                dist = policy.get_distribution(obs_t).distribution  # type: ignore[operator]
                if isinstance(dist, list | tuple):  # MultiCategorical: independent members
                    joint = np.ones(())
                    for d in dist:
                        joint = np.multiply.outer(joint, d.probs[0].double().cpu().numpy())
                else:
                    joint = dist.probs[0].double().cpu().numpy()
            elif hasattr(policy, "q_net"):  # DQN-style: greedy in the Q-values
                q = policy.q_net(obs_t)[0].double().cpu().numpy()  # type: ignore[operator]
                joint = np.zeros_like(q)
                joint[int(np.argmax(q))] = 1.0
            else:
                raise TypeError(f"cannot read an action distribution from {type(policy).__name__}")
        joint = np.clip(joint, 0.0, None)
        return (joint / joint.sum()).reshape(self.action_shape)

    def act(self, observation: Any, rng: np.random.Generator) -> Any:
        """Sample :meth:`strategy` with ``rng`` (members' actions ``(m,)`` for a coalition)."""
        action = sample_action(self.strategy(observation), check_rng(rng))
        return np.atleast_1d(np.asarray(action, dtype=np.int64)) if self.members else action

    def update(self, *args: Any, **kwargs: Any) -> None:
        """SB3 models learn inside their own ``learn`` loop."""

    def __repr__(self) -> str:
        model = type(self.model).__name__ if self.model is not None else "detached"
        return f"SB3Policy({model}, action_shape={self.action_shape})"


class UniformAct:
    """Uniform random play over an action space, drawing from the caller's generator."""

    def __init__(self, space: gymnasium.spaces.Discrete | gymnasium.spaces.MultiDiscrete) -> None:
        self.space = space

    def act(self, observation: Any, rng: np.random.Generator) -> Any:
        if isinstance(self.space, gymnasium.spaces.Discrete):
            return int(rng.integers(self.space.n))
        assert isinstance(self.space, gymnasium.spaces.MultiDiscrete)
        return rng.integers(self.space.nvec).astype(np.int64)

    def strategy(self, observation: Any) -> FloatArray:
        if isinstance(self.space, gymnasium.spaces.Discrete):
            return np.full(int(self.space.n), 1.0 / int(self.space.n))
        assert isinstance(self.space, gymnasium.spaces.MultiDiscrete)
        shape = tuple(int(k) for k in self.space.nvec)
        return np.full(shape, 1.0 / float(np.prod(shape)))

    def update(self, *args: Any, **kwargs: Any) -> None:
        pass
