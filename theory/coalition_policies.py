"""Structured coalition policies: joint, shared-action, i.i.d., exchangeable and product (MATH.md §1).

A coalition policy ``π_j ∈ Δ(𝒜^{c_j})`` is a *joint* distribution over the members' actions
(MATH.md (1.4)). Each class here gives three exact views of one: its joint array (small
coalitions), its distribution of action counts (any size; what a symmetric game's values need,
MATH.md (1.9)) and samples (for Monte Carlo checks).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from powergames.games.checks import check_distribution, check_positive_int, check_rng, frozen
from powergames.games.counts import (
    CountDistribution,
    check_count_size,
    composition_index,
    compositions,
    convolve_many,
    multinomial_pmf,
)

#: Largest joint array (entries) a structured policy materialises in :meth:`CoalitionPolicy.joint`.
MAX_JOINT_ENTRIES = 2**24

__all__ = [
    "MAX_JOINT_ENTRIES",
    "CoalitionPolicy",
    "ExchangeablePolicy",
    "IndependentPolicy",
    "JointPolicy",
    "ProductPolicy",
    "SharedActionPolicy",
    "pooled_policy",
]


class CoalitionPolicy:
    """A joint policy of one coalition: members play ``sample``'s actions, in member order.

    Subclasses provide ``n_members``, ``n_actions`` and the three views below; all are exact.
    """

    n_members: int
    n_actions: int

    def __setattr__(self, name: str, value: Any) -> None:
        # validated once at construction: an attribute set there is never reassigned
        if name in self.__dict__:
            raise AttributeError(
                f"{type(self).__name__}.{name} cannot be changed after construction (policies "
                "are immutable; build a new one)"
            )
        object.__setattr__(self, name, value)

    def count_distribution(self) -> CountDistribution:
        """The exact distribution of the members' action counts."""
        raise NotImplementedError

    def joint(self) -> npt.NDArray[np.float64]:
        """The exact joint distribution, shape ``(k,)*n_members`` (members in order)."""
        raise NotImplementedError

    def sample(self, n_samples: int, rng: np.random.Generator) -> npt.NDArray[np.int64]:
        """``n_samples`` independent draws of the members' actions, shape ``(n_samples, n_members)``."""
        raise NotImplementedError

    @property
    def action_sizes(self) -> tuple[int, ...]:
        """The members' action counts (all ``n_actions``)."""
        return (self.n_actions,) * self.n_members

    def _check_joint_size(self) -> None:
        size = self.n_actions**self.n_members
        if size > MAX_JOINT_ENTRIES:
            raise ValueError(
                f"{type(self).__name__}: the joint over {self.n_members} members with "
                f"{self.n_actions} actions has {size} entries, more than {MAX_JOINT_ENTRIES}"
            )


def _joint_count_distribution(probs: np.ndarray, k: int) -> CountDistribution:
    m = probs.ndim
    profiles = np.indices(probs.shape).reshape(m, -1).T
    counts = np.stack([(profiles == a).sum(axis=1) for a in range(k)], axis=1)
    rank = composition_index(counts, total=m) if m else np.zeros(1, dtype=np.int64)
    dist = np.bincount(rank, weights=probs.ravel(), minlength=len(compositions(m, k)))
    return CountDistribution.trusted(m, k, np.asarray(dist, dtype=np.float64))


class JointPolicy(CoalitionPolicy):
    """An arbitrary joint distribution given as a dense array (members may correlate).

    Args:
        probs: shape ``(k_0, …, k_{m-1})`` — one axis per member in increasing player order — non-negative
            and summing to one.
        name: the argument name used in error messages.
    """

    def __init__(self, probs: Any, name: str = "probs") -> None:
        arr = check_distribution(name, probs)
        if arr.ndim == 0:
            raise ValueError(f"{name} must have one axis per coalition member, got a scalar")
        self.probs = arr
        self.n_members = arr.ndim
        self._sizes = tuple(arr.shape)
        self.n_actions = arr.shape[0] if len(set(arr.shape)) == 1 else -1

    @property
    def action_sizes(self) -> tuple[int, ...]:
        return self._sizes

    def count_distribution(self) -> CountDistribution:
        if self.n_actions < 0:
            raise ValueError(f"counts need equal action sets; this joint has shape {self._sizes}")
        return _joint_count_distribution(self.probs, self.n_actions)

    def joint(self) -> npt.NDArray[np.float64]:
        return self.probs

    def sample(self, n_samples: int, rng: np.random.Generator) -> npt.NDArray[np.int64]:
        n_samples = check_positive_int("n_samples", n_samples, minimum=0)
        rng = check_rng(rng)
        flat = rng.choice(self.probs.size, size=n_samples, p=self.probs.ravel())
        return np.stack(np.unravel_index(flat, self._sizes), axis=1).astype(np.int64)

    def __repr__(self) -> str:
        return f"JointPolicy(shape={self._sizes})"


class SharedActionPolicy(CoalitionPolicy):
    """Everyone in the coalition plays one action ``a``, drawn from ``p`` (Theorem 1 with ``p`` uniform).

    Args:
        n_members: coalition size.
        n_actions: ``k``.
        p: shape ``(k,)``; uniform when ``None``.
    """

    def __init__(self, n_members: int, n_actions: int, p: Any = None) -> None:
        self.n_members = check_positive_int("n_members", n_members)
        self.n_actions = check_positive_int("n_actions", n_actions)
        k = self.n_actions
        uniform = np.full(k, 1.0 / k)
        uniform = frozen(uniform)
        self.p = uniform if p is None else check_distribution("p", p, shape=(k,))

    def count_distribution(self) -> CountDistribution:
        k, m = self.n_actions, self.n_members
        probs = np.zeros(len(compositions(m, k)))
        probs[composition_index(m * np.eye(k, dtype=np.int64), total=m)] = self.p
        return CountDistribution.trusted(m, k, probs)

    def joint(self) -> npt.NDArray[np.float64]:
        self._check_joint_size()
        out = np.zeros((self.n_actions,) * self.n_members)
        for a in range(self.n_actions):
            out[(a,) * self.n_members] = self.p[a]
        return out

    def sample(self, n_samples: int, rng: np.random.Generator) -> npt.NDArray[np.int64]:
        n_samples = check_positive_int("n_samples", n_samples, minimum=0)
        rng = check_rng(rng)
        a = rng.choice(self.n_actions, size=n_samples, p=self.p)
        return np.repeat(a[:, None], self.n_members, axis=1).astype(np.int64)

    def __repr__(self) -> str:
        return f"SharedActionPolicy(n_members={self.n_members}, p={np.round(self.p, 4).tolist()})"


class IndependentPolicy(CoalitionPolicy):
    """Members draw i.i.d. from one mixed strategy (no correlation); counts are multinomial.

    Args:
        n_members: coalition size.
        strategy: shape ``(k,)``.
    """

    def __init__(self, n_members: int, strategy: Any) -> None:
        self.n_members = check_positive_int("n_members", n_members)
        self.strategy = check_distribution("strategy", strategy)
        if self.strategy.ndim != 1:
            raise ValueError(f"strategy must have shape (k,), got {self.strategy.shape}")
        self.n_actions = len(self.strategy)

    def count_distribution(self) -> CountDistribution:
        return CountDistribution.trusted(
            self.n_members, self.n_actions, multinomial_pmf(self.n_members, self.strategy)
        )

    def joint(self) -> npt.NDArray[np.float64]:
        self._check_joint_size()
        out = np.ones(())
        for _ in range(self.n_members):
            out = np.multiply.outer(out, self.strategy)
        return out

    def sample(self, n_samples: int, rng: np.random.Generator) -> npt.NDArray[np.int64]:
        n_samples = check_positive_int("n_samples", n_samples, minimum=0)
        rng = check_rng(rng)
        return rng.choice(self.n_actions, size=(n_samples, self.n_members), p=self.strategy)

    def __repr__(self) -> str:
        return f"IndependentPolicy(n_members={self.n_members}, strategy={np.round(self.strategy, 4).tolist()})"


class ExchangeablePolicy(CoalitionPolicy):
    """Draw a count vector from a distribution, then hand the actions to the members in random order.

    Any correlation that treats members alike is of this form; e.g. "all on one action" or "split as
    evenly as possible".

    Args:
        counts: a :class:`CountDistribution` (or its ``probs`` with ``n_members``/``n_actions`` given).
    """

    def __init__(
        self,
        counts: CountDistribution | Any,
        n_members: int | None = None,
        n_actions: int | None = None,
    ) -> None:
        if not isinstance(counts, CountDistribution):
            if n_members is None or n_actions is None:
                raise TypeError(
                    "give a CountDistribution, or probs together with n_members and n_actions"
                )
            n = check_positive_int("n_members", n_members, minimum=0)
            k = check_positive_int("n_actions", n_actions)
            size = check_count_size(n, k)
            counts = CountDistribution.trusted(
                n, k, check_distribution("counts", counts, shape=(size,))
            )
        if counts.n_members < 1:
            raise ValueError("an exchangeable policy needs at least one member")
        self.counts = counts
        self.n_members = counts.n_members
        self.n_actions = counts.n_actions

    def count_distribution(self) -> CountDistribution:
        return self.counts

    def joint(self) -> npt.NDArray[np.float64]:
        self._check_joint_size()
        m, k = self.n_members, self.n_actions
        profiles = np.indices((k,) * m).reshape(m, -1).T
        counts = np.stack([(profiles == a).sum(axis=1) for a in range(k)], axis=1)
        ways = np.array(
            [math.factorial(m) // math.prod(math.factorial(int(c)) for c in row) for row in counts]
        )
        probs = self.counts.probs[composition_index(counts, total=m)] / ways
        return probs.reshape((k,) * m)

    def sample(self, n_samples: int, rng: np.random.Generator) -> npt.NDArray[np.int64]:
        n_samples = check_positive_int("n_samples", n_samples, minimum=0)
        rng = check_rng(rng)
        rows = rng.choice(len(self.counts.probs), size=n_samples, p=self.counts.probs)
        bounds = np.cumsum(self.counts.counts[rows], axis=1)
        positions = np.arange(self.n_members)
        ordered = (positions[None, :, None] >= bounds[:, None, :]).sum(axis=2)
        return rng.permuted(ordered, axis=1).astype(np.int64)

    def __repr__(self) -> str:
        return f"ExchangeablePolicy(n_members={self.n_members}, n_actions={self.n_actions})"


class ProductPolicy(CoalitionPolicy):
    """Independent blocks: members are split into consecutive blocks, each playing its own policy.

    Args:
        parts: the blocks' policies (or dense joint arrays), in member order: the first
            ``parts[0].n_members`` members play ``parts[0]``, and so on.
    """

    def __init__(self, parts: Sequence[CoalitionPolicy]) -> None:
        if isinstance(parts, np.ndarray) or not isinstance(parts, Sequence) or not parts:
            raise TypeError("parts must be a non-empty sequence of policies or joint arrays")
        parts = [
            p if isinstance(p, CoalitionPolicy) else JointPolicy(p, name=f"parts[{t}]")
            for t, p in enumerate(parts)
        ]
        ks = {p.n_actions for p in parts}
        if len(ks) != 1 or -1 in ks:
            raise ValueError(f"all parts need the same number of actions, got {sorted(ks)}")
        self.parts = parts
        self.n_members = sum(p.n_members for p in parts)
        self.n_actions = ks.pop()

    def count_distribution(self) -> CountDistribution:
        # one count distribution per distinct part (Theorem 2's copies share one), multiplied as
        # spectra by _convolve_many when the FFT pays off
        seen: dict[int, CountDistribution] = {}
        for p in self.parts:
            if id(p) not in seen:
                seen[id(p)] = p.count_distribution()
        return convolve_many([seen[id(p)] for p in self.parts])

    def joint(self) -> npt.NDArray[np.float64]:
        self._check_joint_size()
        out = np.ones(())
        for p in self.parts:
            out = np.multiply.outer(out, p.joint())
        return out

    def sample(self, n_samples: int, rng: np.random.Generator) -> npt.NDArray[np.int64]:
        n_samples = check_positive_int("n_samples", n_samples, minimum=0)
        rng = check_rng(rng)
        return np.concatenate([p.sample(n_samples, rng) for p in self.parts], axis=1)

    def __repr__(self) -> str:
        return f"ProductPolicy({', '.join(repr(p) for p in self.parts)})"


def pooled_policy(policies: Sequence[CoalitionPolicy | Any]) -> CoalitionPolicy:
    """Several independent coalitions' policies seen as one joint policy (members in block order)."""
    parts = [p if isinstance(p, CoalitionPolicy) else JointPolicy(p) for p in policies]
    return parts[0] if len(parts) == 1 else ProductPolicy(parts)
