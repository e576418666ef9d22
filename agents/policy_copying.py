"""Copying policies that copy *policies*: Theorem 2 with context-dependent strategies (MATH.md §5).

In a symmetric stochastic unit-sum game with egocentric observations (the resource gridworld,
:class:`powergames.envs.gridworld.ResourceGridEnv`), a majority ``c_1`` facing a minority ``c_2``
splits into ``k − 1`` copies of ``|c_2|`` members; member ``j`` of every copy runs minority member
``j``'s policy on *its own* observation, with its own randomness. Then ``c_2`` and the copies are
exchangeable and ``r_1(x) ≥ (k − 1)/k`` for every ``x`` (MATH.md §5, "Theorem 2 holds with policies
in place of actions"; ``k`` as in (1.11)): the minority's share is at most ``1/k``.

* :class:`PolicyCopyingMajority` is the **oracle** form: it is handed the minority's current
  per-member policies (:class:`MemberPolicy`: a batch of observations ``(B, D)`` to action
  probabilities ``(B, A)``) and reads them at every step. For an SB3 learner,
  :class:`SB3Network` is a copy of its policy network, refreshed whenever the learner has updated
  (SB3 counts its gradient updates in ``_n_updates``), so the copies always run the current network.
* :class:`powergames.agents.behaviour_cloning.CloningCopyingMajority` is the **empirical** form
  (copies of a behaviour-cloned policy).

**Seats.** The majority's members, in increasing seat order, are dealt out copy by copy: copy
``l ∈ {0, …, k − 2}`` is members ``l·|c_2|, …, (l + 1)·|c_2| − 1`` and its ``j``-th member copies
minority member ``j``. **Leftover rule:** the remaining ``|c_1| − (k − 1)·|c_2|`` members play the
fixed, observation-independent ``leftover`` distribution over moves (uniform by default) — a
policy that depends on no seat, as MATH.md §5's exchangeability argument needs.

**Randomness.** Each copy (and the leftover group) draws from its own generator, spawned from the
``seed`` given at construction, so copies never share a random stream with each other or with the
minority.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from powergames.games.checks import check_distribution, check_positive_int
from powergames.theory.theorem_policies import max_guarantee_k

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

__all__ = [
    "FunctionPolicy",
    "MemberPolicy",
    "PolicyCopyingMajority",
    "SB3Network",
    "copy_assignment",
    "sample_rows",
]


@runtime_checkable
class MemberPolicy(Protocol):
    """One player's Markov policy on its own observation, applied to a batch.

    ``probs(observations)`` maps ``(B, D)`` float observations to ``(B, A)`` action probabilities
    (each row a distribution).
    """

    def probs(self, observations: npt.ArrayLike) -> FloatArray: ...


def _check_batch(observations: npt.ArrayLike, dim: int | None = None) -> npt.NDArray[np.float32]:
    obs = np.asarray(observations, dtype=np.float32)
    if obs.ndim != 2:
        raise ValueError(f"observations must have shape (B, D), got {obs.shape}")
    if dim is not None and obs.shape[1] != dim:
        raise ValueError(f"observations must have {dim} features per row, got {obs.shape[1]}")
    if not np.all(np.isfinite(obs)):
        raise ValueError("observations must be finite")
    return obs


class FunctionPolicy:
    """A :class:`MemberPolicy` from a function ``(B, D) -> (B, A)`` (rows checked to be
    distributions): a known Markov policy, e.g. in tests."""

    def __init__(self, fn: Callable[[npt.NDArray[np.float32]], npt.ArrayLike], n_actions: int):
        if not callable(fn):
            raise TypeError(f"fn must be callable, got {type(fn).__name__}")
        self.fn = fn
        self.n_actions = check_positive_int("n_actions", n_actions)

    def probs(self, observations: npt.ArrayLike) -> FloatArray:
        obs = _check_batch(observations)
        p = np.asarray(self.fn(obs), dtype=np.float64)
        return check_distribution("policy output", p, (obs.shape[0], self.n_actions), axis=1)


class SB3Network:
    """The oracle's copy of an SB3 learner's policy network, refreshed when the learner updates.

    The copy is a separate ``torch`` module (so copies never touch the learner's own network or
    its gradients); before every use it compares the learner's ``_n_updates`` with the count it
    last copied at and reloads the learner's ``state_dict`` when they differ.

    Args:
        model: an SB3 model with a discrete action space (``PPO``, ``A2C``); ``None`` to attach one
            later with :meth:`attach` (a learner is built after its opponents).
    """

    def __init__(self, model: Any = None) -> None:
        self.model: Any = None
        self.network: Any = None
        self.copied_at: int | None = None
        self.refreshes = 0
        if model is not None:
            self.attach(model)

    def attach(self, model: Any) -> None:
        """Bind the learner whose network is copied (a fresh copy is taken)."""
        if not hasattr(model, "policy") or not hasattr(model.policy, "get_distribution"):
            raise TypeError(
                f"model must be an SB3 on-policy model with a policy network, got "
                f"{type(model).__name__}"
            )
        self.model = model
        # a fresh module of the learner's policy class, as SB3 builds it, holding a copy of the
        # learner's weights (a deep copy of the live module can hit non-leaf tensors)
        self.network = model.policy_class(
            model.observation_space, model.action_space, model.lr_schedule,
            **getattr(model, "policy_kwargs", {}),
        )  # fmt: skip
        self.network.load_state_dict(model.policy.state_dict())
        self.network.set_training_mode(False)
        self.copied_at = int(getattr(model, "_n_updates", 0))
        self.refreshes += 1

    def refresh(self) -> bool:
        """Reload the learner's weights if it has updated since the last copy; whether it did."""
        if self.model is None:
            raise ValueError("SB3Network has no learner attached: call attach(model) first")
        now = int(getattr(self.model, "_n_updates", 0))
        if now == self.copied_at:
            return False
        self.network.load_state_dict(self.model.policy.state_dict())
        self.copied_at = now
        self.refreshes += 1
        return True

    def probs(self, observations: npt.ArrayLike) -> FloatArray:
        """Action probabilities ``(B, A)`` of the learner's current network."""
        import torch as th

        self.refresh()
        obs = _check_batch(observations)
        with th.no_grad():
            dist = self.network.get_distribution(th.as_tensor(obs)).distribution
        p = dist.probs.double().cpu().numpy()
        return p / p.sum(axis=1, keepdims=True)


def sample_rows(probs: FloatArray, rng: np.random.Generator) -> IntArray:
    """One action per row of ``probs`` ``(B, A)`` by inversion with ``rng``; shape ``(B,)``."""
    cdf = np.cumsum(probs, axis=1)
    u = rng.random((probs.shape[0], 1)) * cdf[:, -1:]
    return np.minimum((u >= cdf).sum(axis=1), probs.shape[1] - 1).astype(np.int64)


def copy_assignment(
    majority_size: int, minority_size: int, k: int | None = None
) -> tuple[int, list[list[int]], list[int]]:
    """Theorem 2's seats within the majority (module docstring, "Seats").

    Args:
        majority_size: ``|c_1|``.
        minority_size: ``|c_2|``.
        k: the guarantee parameter; the largest admissible ``⌊|c_1|/|c_2|⌋ + 1`` (1.11) when
            ``None``.

    Returns:
        ``(k, copies, leftover)``: ``k``, the ``k − 1`` copies as lists of positions in the
        majority (position ``j`` of a copy copies minority member ``j``), and the leftover
        positions.

    Raises:
        ValueError: sizes below 1, or ``(k − 1)·|c_2| > |c_1|`` (too few members for ``k − 1``
            copies), or ``k < 2``.

    Example:
        >>> copy_assignment(5, 2)
        (3, [[0, 1], [2, 3]], [4])
    """
    big = check_positive_int("majority_size", majority_size)
    small = check_positive_int("minority_size", minority_size)
    if k is None:
        k = max_guarantee_k(big, big + small)
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 2:
        raise ValueError(f"k must be an integer >= 2 (at least one copy), got {k!r}")
    if (k - 1) * small > big:
        raise ValueError(
            f"k = {k} needs (k - 1)·|c_2| = {(k - 1) * small} majority members, but the majority "
            f"has {big} (largest admissible k: {max_guarantee_k(big, big + small)})"
        )
    copies = [list(range(c * small, (c + 1) * small)) for c in range(k - 1)]
    return int(k), copies, list(range((k - 1) * small, big))


class PolicyCopyingMajority:
    """Theorem 2's oracle copier with policies (module docstring).

    Args:
        minority: the minority's current per-member policies, one :class:`MemberPolicy` per
            member (length ``|c_2|``), kept by reference; ``None`` to bind later with
            :meth:`set_target`.
        majority_size: ``|c_1|``.
        minority_size: ``|c_2|`` (when ``minority`` is ``None``; else its length).
        n_actions: ``A``, the number of moves.
        k: the guarantee parameter (largest admissible when ``None``).
        leftover: the leftover members' fixed distribution ``(A,)`` (uniform by default).
        seed: seeds the copies' generators (one per copy, one for the leftover members).

    Raises:
        ValueError: bad sizes, ``k``, ``leftover`` or a minority of the wrong length.
    """

    def __init__(
        self,
        minority: Sequence[MemberPolicy] | None,
        majority_size: int,
        *,
        minority_size: int | None = None,
        n_actions: int = 5,
        k: int | None = None,
        leftover: npt.ArrayLike | None = None,
        seed: int | None = None,
    ) -> None:
        m = len(minority) if minority is not None else minority_size
        if m is None:
            raise ValueError("minority_size is required when minority is None")
        self.n_actions = check_positive_int("n_actions", n_actions)
        self.k, self.copies, self.leftover_seats = copy_assignment(majority_size, m, k)
        self.majority_size, self.minority_size = int(majority_size), int(m)
        na = self.n_actions
        self.leftover = check_distribution(
            "leftover", np.full(na, 1.0 / na) if leftover is None else leftover, shape=(na,)
        )
        # k - 1 copies + the leftover group: children 0 .. k-1 of the seed's SeedSequence
        self.rngs = [np.random.default_rng(c) for c in np.random.SeedSequence(seed).spawn(self.k)]
        self.minority: list[MemberPolicy] | None = None
        if minority is not None:
            self.set_target(minority)

    def set_target(self, minority: Sequence[MemberPolicy]) -> None:
        """Bind the minority's per-member policies (kept by reference: their updates are followed).

        Raises:
            TypeError: an entry without ``probs``.
            ValueError: not one policy per minority member.
        """
        pols = list(minority)
        if len(pols) != self.minority_size:
            raise ValueError(
                f"minority must give one policy per member ({self.minority_size}), got {len(pols)}"
            )
        for j, p in enumerate(pols):
            if not callable(getattr(p, "probs", None)):
                raise TypeError(f"minority[{j}] must have probs(observations), got {p!r}")
        self.minority = pols

    def member_policy(self, j: int) -> MemberPolicy | None:
        """The policy copy position ``j`` runs (``None``: leftover play)."""
        if self.minority is None:
            raise ValueError("PolicyCopyingMajority has no minority to copy: call set_target()")
        return self.minority[j]

    def probs(self, observations: npt.ArrayLike) -> FloatArray:
        """Each member's action distribution ``(B, |c_1|, A)`` for observations ``(B, |c_1|, D)``
        (the batch axis ``B`` runs over independent games; members act independently given their
        observations)."""
        obs = np.asarray(observations, dtype=np.float32)
        if obs.ndim != 3 or obs.shape[1] != self.majority_size:
            raise ValueError(
                f"observations must have shape (B, {self.majority_size}, D), got {obs.shape}"
            )
        B, _, D = obs.shape
        out = np.empty((B, self.majority_size, self.n_actions))
        out[:, self.leftover_seats] = self.leftover
        for j in range(self.minority_size):
            seats = [c[j] for c in self.copies]
            pol = self.member_policy(j)
            if pol is None:
                out[:, seats] = self.leftover
                continue
            # one batched call per minority member over every copy that runs it
            p = np.asarray(pol.probs(obs[:, seats].reshape(-1, D)), dtype=np.float64)
            if p.shape != (B * len(seats), self.n_actions):
                raise ValueError(
                    f"minority[{j}].probs returned shape {p.shape}, expected "
                    f"{(B * len(seats), self.n_actions)}"
                )
            out[:, seats] = p.reshape(B, len(seats), self.n_actions)
        return out

    def act(self, observations: npt.ArrayLike, rng: np.random.Generator | None = None) -> IntArray:
        """The members' moves ``(B, |c_1|)``: copy ``l`` draws from its own generator (or, when
        ``rng`` is given, e.g. in evaluations, every member draws independently from ``rng``)."""
        p = self.probs(observations)
        B = p.shape[0]
        out = np.empty((B, self.majority_size), dtype=np.int64)
        groups = [*self.copies, self.leftover_seats]
        for own, seats in zip(self.rngs, groups):
            if seats:
                flat = p[:, seats].reshape(-1, self.n_actions)
                out[:, seats] = sample_rows(flat, own if rng is None else rng).reshape(
                    B, len(seats)
                )
        return out

    def observe(self, observations: Any, actions: Any) -> None:
        """The oracle reads the minority's policy itself; observed play is not needed."""

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(majority_size={self.majority_size}, "
            f"minority_size={self.minority_size}, k={self.k})"
        )
