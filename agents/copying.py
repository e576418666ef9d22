"""Theorem 2's coalition-copying policy as an agent, in an oracle and an empirical form.

In a symmetric unit-sum game a coalition ``c_1`` with at least a ``(k−1)/k`` fraction of the players
facing one other coalition ``c_2`` with policy ``π_2`` gets ``r_1(x) ≥ (k−1)/k`` for every ``x`` by
splitting into ``k−1`` sub-coalitions of ``|c_2|`` players that each copy ``π_2`` independently
(MATH.md §1). The construction itself is
:func:`powergames.theory.theorem_policies.coalition_copying_policy`; this module only decides *which*
``π_2`` is copied:

* :class:`OracleCopyingPolicy` copies the other coalition's **current** policy, read from it at every
  step (it is given the opponent's policy object, or a fixed joint). The guarantee then holds
  exactly at every step whatever the opponent does, learning opponents included. The opponent may
  be bound after construction (:meth:`OracleCopyingPolicy.set_target`), e.g. to an SB3 learner's
  policy that only exists once its model has been built.
* :class:`EmpiricalCopyingPolicy` copies the other coalition's **observed play**: the empirical
  distribution of its last ``window`` joint actions (:class:`EmpiricalJointPolicy`; each
  sub-coalition replays one uniformly drawn past joint action of ``c_2``). Against an opponent with
  a fixed policy ``π_2`` the guarantee is approached as the window fills: shares lie in ``[0, 1]``, so
  replacing ``(k−1)`` copies of ``π_2`` by copies of ``π̂`` moves ``r_1`` by at most
  ``(k−1)·TV(π̂, π_2)``, i.e. ``r_1(x) ≥ (k−1)/k − (k−1)·TV(π̂, π_2)``, and
  ``E[TV] ≤ ½ √((M−1)/W)`` for ``M`` joint actions and a full window of ``W`` i.i.d. draws.
  Before anything has been observed every member plays ``leftover`` (uniform by default).

Both are coalition agents: ``act`` returns the members' actions ``(m,)`` (members in increasing
player order), ``strategy`` the dense joint ``(k,)*m`` (``None`` for very large coalitions), and
``coalition_policy`` the exact structured policy evaluators pass to ``coalition_values``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from powergames.agents.fixed import CoalitionAgent
from powergames.agents.joint_sampler import Sampler, joint_sampler
from powergames.agents.policy import Action, Layout
from powergames.games.checks import check_distribution, check_positive_int, check_rng
from powergames.games.counts import CountDistribution, composition_index, compositions
from powergames.theory.coalition_policies import (
    MAX_JOINT_ENTRIES,
    CoalitionPolicy,
    IndependentPolicy,
    JointPolicy,
    ProductPolicy,
)
from powergames.theory.theorem_policies import coalition_copying_policy, max_guarantee_k


class EmpiricalJointPolicy(CoalitionPolicy):
    """The empirical joint distribution of observed joint actions (each row weighted ``1/W``).

    Args:
        samples: shape ``(W, m)``, ``W ≥ 1`` observed joint actions of ``m`` players.
        n_actions: ``k``.

    Raises:
        ValueError: if ``samples`` is empty or holds actions outside ``[0, k)``.
    """

    def __init__(self, samples: npt.ArrayLike, n_actions: int) -> None:
        arr = np.asarray(samples)
        if arr.ndim != 2 or arr.shape[0] < 1 or arr.shape[1] < 1:
            raise ValueError(f"samples must have shape (W >= 1, m >= 1), got {arr.shape}")
        self.n_actions = check_positive_int("n_actions", n_actions)
        if arr.dtype.kind not in "iu" or np.any((arr < 0) | (arr >= self.n_actions)):
            raise ValueError(f"samples must be integer actions in [0, {self.n_actions})")
        self.samples = arr.astype(np.int64)
        self.samples.setflags(write=False)
        self.n_members = arr.shape[1]

    @property
    def window(self) -> int:
        """``W``, the number of observed joint actions."""
        return self.samples.shape[0]

    def joint(self) -> npt.NDArray[np.float64]:
        self._check_joint_size()
        shape = (self.n_actions,) * self.n_members
        flat = np.ravel_multi_index(tuple(self.samples.T), shape)
        size = self.n_actions**self.n_members
        return (np.bincount(flat, minlength=size) / self.window).reshape(shape)

    def count_distribution(self) -> CountDistribution:
        k, m = self.n_actions, self.n_members
        counts = np.stack([(self.samples == a).sum(axis=1) for a in range(k)], axis=1)
        rank = composition_index(counts, total=m)
        probs = np.bincount(rank, minlength=len(compositions(m, k))) / self.window
        return CountDistribution(m, k, probs)

    def sample(self, n_samples: int, rng: np.random.Generator) -> npt.NDArray[np.int64]:
        rows = check_rng(rng).integers(self.window, size=n_samples)
        return self.samples[rows].copy()

    def __repr__(self) -> str:
        return f"EmpiricalJointPolicy(window={self.window}, n_members={self.n_members})"


def _opponent_now(value: Any, observation: Any) -> CoalitionPolicy | npt.NDArray[np.float64]:
    """One opponent's current policy: a CoalitionPolicy, or its joint as a float array (unchecked)."""
    if isinstance(value, CoalitionPolicy):
        return value
    if hasattr(value, "coalition_policy"):
        return value.coalition_policy(observation)
    if hasattr(value, "strategy") and callable(value.strategy):
        dist = value.strategy(observation)
        if dist is None:
            raise ValueError(
                f"the opponent {value!r} exposes no strategy: the oracle copying policy needs the "
                "other coalition's current policy (use EmpiricalCopyingPolicy to copy observed play)"
            )
        return np.asarray(dist, dtype=np.float64)
    return np.asarray(value, dtype=np.float64)


def _opponent_view(value: Any, observation: Any) -> CoalitionPolicy:
    """The current policy of one opponent: a fixed joint / CoalitionPolicy or a Policy's strategy."""
    now = _opponent_now(value, observation)
    if isinstance(now, CoalitionPolicy):
        return now
    name = "opponent strategy" if hasattr(value, "strategy") else "opponent"
    return JointPolicy(now, name=name)


#: Copying policies an oracle copier keeps (one per distinct opponent joint it has seen).
_COPY_CACHE_MAX = 4096


class OracleCopyingPolicy(CoalitionAgent):
    """Theorem 2's copying policy given the other coalition's current policy (the oracle form).

    The opponent is read live at every call: a learning opponent's updates are followed at once.
    It may be left unbound at construction (``opponent=None``) and bound later with
    :meth:`set_target` — the route when the opponent's policy object is created after the
    copier (an SB3 learner's :class:`~powergames.agents.sb3.SB3Policy` exists only once its
    model and vectorised environment do, and the environment's other agents — the copier
    among them — are needed to build those).

    Args:
        opponent: the other coalition ``c_2``: a policy object whose ``strategy(observation)`` is its
            current joint ``(k,)*|c_2|`` (any :class:`~powergames.agents.policy.Policy`, learners
            included, or a coalition agent with ``coalition_policy``), a fixed joint array, a
            :class:`~powergames.theory.coalition_policies.CoalitionPolicy`, or a sequence of these (the
            other coalitions pooled into one ``c_2``, members in block order); ``None`` to bind it
            later with :meth:`set_target`.
        coalition_size: ``|c_1|``.
        k: the guarantee parameter (largest admissible when ``None``: see
            :func:`~powergames.theory.theorem_policies.max_guarantee_k`).
        leftover: the leftover members' mixed strategy ``(n_actions,)`` (uniform by default).
        opponent_observation: maps this agent's observation to the one the opponent's
            ``strategy`` is queried with (identity by default).

    Raises:
        ValueError: if the coalition is too small for ``k`` against the opponent (checked when the
            opponent is bound and its policy can be read without an observation, else at the
            first step).
    """

    #: Derived, not saved: rebuilt from the opponents on first use after a restore.
    __snapshot_exclude__ = ("_copies", "_by_version", "_versions")

    def __init__(
        self,
        opponent: Any,
        coalition_size: int,
        *,
        k: int | None = None,
        leftover: npt.ArrayLike | None = None,
        opponent_observation: Callable[[Any], Any] | None = None,
    ) -> None:
        self.coalition_size = check_positive_int("coalition_size", coalition_size)
        self.k = k
        self.leftover = leftover
        self.opponent_observation = opponent_observation
        self.opponents: list[Any] = []
        self._copies: dict[tuple[Any, ...], tuple[ProductPolicy, Sampler | None]] = {}
        self._by_version: dict[Any, tuple[ProductPolicy, Sampler | None]] = {}
        self._versions: tuple[Any, ...] | None = None
        if opponent is not None:
            self.set_target(opponent)

    def set_target(self, opponent: Any) -> None:
        """Bind (or re-bind) the opponent ``c_2`` whose current policy is copied.

        Args:
            opponent: as the constructor's ``opponent`` (not ``None``). Policy objects are kept by
                reference, so later changes to them (learning, a model attached afterwards) are
                followed.

        Raises:
            ValueError: no opponent given, or the coalition is too small for ``k`` (when the
                opponent's policy can be read without an observation).
        """
        opponents = (
            list(opponent)
            if isinstance(opponent, Sequence) and not isinstance(opponent, np.ndarray)
            else [opponent]
        )
        if not opponents or any(o is None for o in opponents):
            raise ValueError("opponent must name at least one policy")
        self.opponents = opponents
        try:  # validate the sizes now where the opponents' policy can be read without an observation
            pi2 = self.opponent_policy(None)
        except (TypeError, ValueError, AttributeError, IndexError):
            pi2 = None  # it needs a real observation (or a model not attached yet): first step
        if pi2 is not None:
            coalition_copying_policy(pi2, self.coalition_size, self.k, self.leftover)

    @property
    def bound(self) -> bool:
        """Whether an opponent has been bound."""
        return bool(self.opponents)

    def opponent_policy(self, observation: Any) -> CoalitionPolicy:
        """``π_2`` now: the opponents' current policies pooled into one.

        Raises:
            ValueError: if no opponent has been bound yet.
        """
        if not self.opponents:
            raise ValueError(
                "OracleCopyingPolicy has no opponent to copy yet: bind one with set_target()"
            )
        obs = (
            observation
            if self.opponent_observation is None
            else self.opponent_observation(observation)
        )
        parts = [_opponent_view(o, obs) for o in self.opponents]
        return parts[0] if len(parts) == 1 else ProductPolicy(parts)

    def coalition_policy(self, observation: Any) -> ProductPolicy:
        """The copying policy for the opponents' current ``π_2``."""
        return self._copying(observation)[0]

    def act(self, observation: Any, rng: np.random.Generator) -> npt.NDArray[np.int64]:
        """One draw of the members' actions, shape ``(m,)``: ``coalition_policy(obs).sample(1, rng)[0]``."""
        policy, draw = self._copying(observation)
        rng = check_rng(rng)
        return policy.sample(1, rng)[0] if draw is None else draw(rng)

    def _copying(self, observation: Any) -> tuple[ProductPolicy, Sampler | None]:
        """The copying policy for the opponents' current ``π_2`` and its compiled sampler.

        The opponents are read at every call; when each gives its joint as an array (a learner's
        ``strategy``, a fixed joint), the policy built for those exact bytes is reused, so a
        learner that has not changed costs one lookup instead of a rebuild and a validation.
        Opponents with a ``version`` token (:attr:`~powergames.agents.sb3.SB3Policy.version`,
        which changes with every update of the model) are not even read again for an
        observation already seen since their last update.
        """
        if not self.opponents:
            self.opponent_policy(observation)  # raises: nothing bound yet
        obs = (
            observation
            if self.opponent_observation is None
            else self.opponent_observation(observation)
        )
        # opponents with a version token (SB3 learners: it changes with every update): one
        # lookup by (versions, observation), no strategy read, until the next update
        opponents = self.opponents
        versions = (
            (getattr(opponents[0], "version", None),)
            if len(opponents) == 1
            else tuple(getattr(o, "version", None) for o in opponents)
        )
        seen = None
        keyed = None not in versions and (obs is None or isinstance(obs, np.ndarray))
        if keyed:
            if versions != self._versions:
                self._by_version.clear()
                self._versions = versions
            seen = None if obs is None else (obs.shape, obs.dtype.str, obs.tobytes())
            hit = self._by_version.get(seen)
            if hit is not None:
                return hit
        entry = self._build(obs)
        if keyed and len(self._by_version) < _COPY_CACHE_MAX:
            self._by_version[seen] = entry
        return entry

    def _build(self, obs: Any) -> tuple[ProductPolicy, Sampler | None]:
        """The copying policy (and sampler) for what the opponents play at ``obs`` now."""
        now = [_opponent_now(o, obs) for o in self.opponents]
        key = None
        if not any(isinstance(v, CoalitionPolicy) for v in now):
            key = tuple((v.shape, v.tobytes()) for v in now)  # type: ignore[union-attr]
            hit = self._copies.get(key)
            if hit is not None:
                return hit
        parts = [
            v if isinstance(v, CoalitionPolicy) else _opponent_view(o, obs)
            for v, o in zip(now, self.opponents)
        ]
        opponent = parts[0] if len(parts) == 1 else ProductPolicy(parts)
        policy = coalition_copying_policy(opponent, self.coalition_size, self.k, self.leftover)
        entry = (policy, joint_sampler(policy))
        if key is not None:
            if len(self._copies) >= _COPY_CACHE_MAX:
                self._copies.clear()
            self._copies[key] = entry
        return entry

    def __repr__(self) -> str:
        return f"OracleCopyingPolicy(coalition_size={self.coalition_size}, k={self.k})"


class EmpiricalCopyingPolicy(CoalitionAgent):
    """Theorem 2's copying policy built from the other coalition's observed joint actions.

    Args:
        coalition_size: ``|c_1|``.
        opponent_size: ``|c_2|`` (all other players, pooled).
        n_actions: ``k_a``, the common number of actions.
        window: ``W``, how many of the most recent observed joint actions of ``c_2`` are copied.
        k: the guarantee parameter (largest admissible when ``None``).
        leftover: the leftover members' mixed strategy (and everyone's before any observation);
            uniform by default.
        opponents: the opponents' player indices (increasing). With ``layout`` their previous
            actions are read from the observation's ``"prev_actions"`` block; without it from
            ``info["joint_action"]`` (the env's record of the round just played).
        layout: this agent's observation layout; with ``opponents`` it lets :meth:`update` read
            ``c_2``'s last joint action from ``next_observation`` (``"prev_actions"``: a one-hot block
            of ``k_a`` entries per player, all zeros before the first round — the layout of
            :class:`powergames.envs.game_env.GameEnv` with ``history="actions"``).
        opponent_actions: alternatively, a callable ``(next_observation, info) -> (|c_2|,)`` array
            (or ``None`` when nothing was observed) that extracts ``c_2``'s last joint action.

    Raises:
        ValueError: if the coalition is too small for ``k`` (see ``coalition_copying_policy``).
    """

    def __init__(
        self,
        coalition_size: int,
        opponent_size: int,
        n_actions: int,
        window: int,
        *,
        k: int | None = None,
        leftover: npt.ArrayLike | None = None,
        opponents: Sequence[int] | None = None,
        layout: Layout | None = None,
        opponent_actions: Callable[[Any, Mapping[str, Any] | None], Any] | None = None,
    ) -> None:
        self.coalition_size = check_positive_int("coalition_size", coalition_size)
        self.opponent_size = check_positive_int("opponent_size", opponent_size)
        self.n_actions = check_positive_int("n_actions", n_actions)
        self.window = check_positive_int("window", window)
        if k is None:
            k = max_guarantee_k(self.coalition_size, self.coalition_size + self.opponent_size)
        self.k = k
        na = self.n_actions
        self.leftover = check_distribution(
            "leftover", np.full(na, 1.0 / na) if leftover is None else leftover, shape=(na,)
        )
        if opponents is not None and len(opponents) != self.opponent_size:
            raise ValueError(
                f"opponents must list {self.opponent_size} player indices, got {list(opponents)}"
            )
        if layout is not None and opponents is not None and "prev_actions" not in layout:
            raise ValueError(
                "reading opponents' actions from observations needs a layout with a "
                "'prev_actions' block (GameEnv(history='actions'))"
            )
        self.opponents = None if opponents is None else [int(i) for i in opponents]
        self.layout = layout
        self.opponent_actions = opponent_actions
        self._history: deque[npt.NDArray[np.int64]] = deque(maxlen=self.window)
        # validate k against the sizes now, not at the first step
        coalition_copying_policy(
            IndependentPolicy(self.opponent_size, self.leftover), self.coalition_size, self.k
        )

    @property
    def history(self) -> npt.NDArray[np.int64]:
        """The observed joint actions in the window, oldest first, shape ``(≤ W, |c_2|)``."""
        if not self._history:
            return np.zeros((0, self.opponent_size), dtype=np.int64)
        return np.stack(self._history)

    def observe_opponent(self, actions: npt.ArrayLike) -> None:
        """Record one observed joint action of ``c_2``, shape ``(|c_2|,)``."""
        a = np.asarray(actions).reshape(-1)
        if a.size != self.opponent_size:
            raise ValueError(
                f"opponent actions must have {self.opponent_size} entries, got {a.size}"
            )
        if np.any(a != np.round(a)) or np.any((a < 0) | (a >= self.n_actions)):
            raise ValueError(f"opponent actions must be integers in [0, {self.n_actions}), got {a}")
        self._history.append(a.astype(np.int64))

    def empirical_policy(self) -> EmpiricalJointPolicy | None:
        """``π̂``: the empirical joint over the window, or ``None`` before any observation."""
        if not self._history:
            return None
        return EmpiricalJointPolicy(self.history, self.n_actions)

    def coalition_policy(self, observation: Any = None) -> CoalitionPolicy:
        """The copying policy for ``π̂`` (everyone plays ``leftover`` before any observation)."""
        emp = self.empirical_policy()
        if emp is None:
            return IndependentPolicy(self.coalition_size, self.leftover)
        return coalition_copying_policy(emp, self.coalition_size, self.k, self.leftover)

    def strategy(self, observation: Any) -> npt.NDArray[np.float64] | None:
        """The dense joint ``(k_a,)*|c_1|`` (``None`` when larger than ``max_joint_size``)."""
        if self.n_actions**self.coalition_size > min(self.max_joint_size, MAX_JOINT_ENTRIES):
            return None
        return self.coalition_policy(observation).joint()

    def _read_opponents(self, next_observation: Any, info: Mapping[str, Any] | None) -> Any:
        if self.opponent_actions is not None:
            return self.opponent_actions(next_observation, info)
        if self.opponents is None:
            raise ValueError(
                "EmpiricalCopyingPolicy.update needs opponents= and layout= (or opponent_actions=) "
                "to read the other coalition's actions; or call observe_opponent directly"
            )
        if self.layout is None:  # the env's info: the joint action of the round just played
            if not info or "joint_action" not in info:
                return None
            return np.asarray([info["joint_action"][i] for i in self.opponents])
        block = np.asarray(next_observation, dtype=np.float64).reshape(-1)[
            self.layout["prev_actions"]
        ]
        if block.size % self.n_actions:
            raise ValueError(
                f"the 'prev_actions' block has {block.size} entries, not one-hot blocks of "
                f"{self.n_actions} per player"
            )
        onehot = block.reshape(-1, self.n_actions)[self.opponents]
        if not np.any(onehot):
            return None  # zeros before the first round: nothing observed yet
        return np.argmax(onehot, axis=1)

    def update(
        self,
        observation: Any,
        action: Action,
        reward: float,
        next_observation: Any,
        info: Mapping[str, Any] | None,
    ) -> None:
        """Record ``c_2``'s joint action of the step just played (read from ``next_observation``)."""
        acts = self._read_opponents(next_observation, info)
        if acts is not None:
            self.observe_opponent(acts)

    def __repr__(self) -> str:
        return (
            f"EmpiricalCopyingPolicy(coalition_size={self.coalition_size}, "
            f"opponent_size={self.opponent_size}, window={self.window}, k={self.k})"
        )
