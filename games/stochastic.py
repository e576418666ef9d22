"""Bayesian stochastic games and their unit-sum variant (MATH.md §5).

A :class:`StochasticGame` has finite states ``S`` observed by all, an initial distribution ``μ_0``,
types ``t ∼ Ω`` drawn once (player ``i`` sees ``t_i``), simultaneous actions, transitions
``P(s' | s, a)`` and rewards ``r_i(t_i, s, a)``, with a discount ``γ ∈ [0, 1)`` or a horizon ``H``.
The type prior is a finite table (as in :class:`~powergames.games.BayesianGame`) or, for continuous
reward distributions such as i.i.d. uniform state rewards, a :class:`StateRewardSampler`.

A normal-form Bayesian game is the case ``|S| = 1``, ``H = 1``
(:meth:`StochasticGame.from_bayesian` and :meth:`StochasticGame.as_bayesian`).

A :class:`StochasticUnitSumGame` has a hidden ``X`` drawn once and never observed, and per-step
shares ``s_i(x, s, a) ≥ 0`` with ``Σ_i s_i = 1``. Its symmetry (MATH.md §5) is stated through seat
swaps: for each adjacent pair of seats ``(j, j+1)`` the map of states that relabels the two players'
parts of the state; the game is symmetric when every swap commutes with ``P``, the shares and ``μ_0``
(adjacent transpositions generate every permutation, so checking them suffices).

Longer than the package's usual ~500 lines: the general class, its unit-sum variant (which shares and extends its validation) and their random generators are read together.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from powergames.games.bayesian import BayesianGame, as_bayesian
from powergames.games.checks import (
    SUM_TOL,
    as_float_array,
    check_distribution,
    check_positive_int,
    check_rng,
    first_index,
)

FloatArray = npt.NDArray[np.float64]

#: Largest number of array entries a builder or a conversion allocates (2^27 float64 = 1 GiB).
MAX_ENTRIES = 1 << 27


def check_size(name: str, shape: Sequence[int], limit: int = MAX_ENTRIES) -> int:
    """Refuse an allocation of more than ``limit`` entries before it happens.

    Args:
        name: what would be allocated, used in the message.
        shape: its shape.
        limit: the largest number of entries allowed.

    Returns:
        The number of entries.
    """
    size = math.prod(int(d) for d in shape)
    if size > limit:
        raise ValueError(
            f"{name} would have shape {tuple(int(d) for d in shape)} = {size:,} entries, more than "
            f"the limit of {limit:,}; use a smaller game"
        )
    return size


def _check_dynamics(transitions: Any) -> tuple[FloatArray, int, tuple[int, ...]]:
    """Validate ``P`` of shape ``(S, k_0, …, k_{n-1}, S)``: non-negative rows summing to 1."""
    p = as_float_array("transitions", transitions)
    if p.ndim < 3:
        raise ValueError(
            "transitions must have shape (S, k_0, ..., k_{n-1}, S) with at least one player; "
            f"got shape {p.shape}"
        )
    s = p.shape[0]
    if s < 1 or p.shape[-1] != s:
        raise ValueError(
            f"transitions must start and end with the state axis (S, ..., S); got shape {p.shape}"
        )
    ks = tuple(int(k) for k in p.shape[1:-1])
    if any(k < 1 for k in ks):
        raise ValueError(f"every player needs at least one action, got action axes {ks}")
    if np.any(p < 0):
        idx = first_index(p < 0)
        raise ValueError(
            f"transitions must be non-negative; P(s'={idx[-1]} | s={idx[0]}, a={idx[1:-1]}) = "
            f"{p[idx]}"
        )
    total = p.sum(axis=-1)
    bad = np.abs(total - 1.0) > SUM_TOL
    if np.any(bad):
        idx = first_index(bad)
        raise ValueError(
            f"transitions must sum to 1 over next states (tolerance {SUM_TOL:g}); at s={idx[0]}, "
            f"a={idx[1:]} they sum to {float(total[idx])!r}"
        )
    return p, s, ks


def _check_time(discount: Any, horizon: Any) -> tuple[float | None, int | None]:
    if (discount is None) == (horizon is None):
        raise ValueError(
            "give exactly one of discount (γ in [0, 1)) and horizon (an integer H >= 1); got "
            f"discount={discount!r}, horizon={horizon!r}"
        )
    if discount is not None:
        if isinstance(discount, bool) or not isinstance(discount, int | float | np.floating):
            raise TypeError(f"discount must be a number in [0, 1), got {type(discount).__name__}")
        g = float(discount)
        if not 0 <= g < 1:
            raise ValueError(f"discount must be in [0, 1), got {discount!r}")
        return g, None
    return None, check_positive_int("horizon", horizon)


def _check_initial(initial: Any, n_states: int) -> FloatArray:
    if initial is None:
        mu = np.full(n_states, 1.0 / n_states)
        mu.setflags(write=False)
        return mu
    return check_distribution("initial", initial, shape=(n_states,))


@dataclass(frozen=True)
class StateRewardSampler:
    """A continuous type prior: every player's type is a state-reward function ``R_i ∼ D``.

    ``r_i(t_i, s, a) = R_i(s)``, with ``R_i(s)`` drawn i.i.d. over states and players from ``D``
    (uniform on ``[low, high]`` by default, or ``draw(rng, shape)``). This is POWERplay's reward
    model (MATH.md §5).

    Args:
        low: lower end of the uniform distribution.
        high: upper end (``> low``).
        draw: optionally, a function ``(rng, shape) -> array`` drawing i.i.d. rewards instead.
        name: a label for reports.
    """

    low: float = 0.0
    high: float = 1.0
    draw: Callable[[np.random.Generator, tuple[int, ...]], Any] | None = None
    name: str = "uniform"

    def __post_init__(self) -> None:
        lo, hi = float(self.low), float(self.high)
        if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
            raise ValueError(f"low and high must be finite with low < high, got {lo!r}, {hi!r}")
        if self.draw is not None and not callable(self.draw):
            raise TypeError(f"draw must be callable, got {type(self.draw).__name__}")
        object.__setattr__(self, "low", lo)
        object.__setattr__(self, "high", hi)

    def sample(self, rng: Any, size: int, n_states: int) -> FloatArray:
        """``size`` state-reward functions, shape ``(size, n_states)``."""
        rng = check_rng(rng)
        size = check_positive_int("size", size)
        check_size("reward samples", (size, n_states))
        if self.draw is None:
            return rng.uniform(self.low, self.high, size=(size, n_states))
        out = as_float_array("draw(rng, shape)", self.draw(rng, (size, n_states)))
        if out.shape != (size, n_states):
            raise ValueError(
                f"draw(rng, shape) must return shape {(size, n_states)}, got {out.shape}"
            )
        return out


@dataclass(frozen=True)
class StochasticGame:
    """An n-player Bayesian stochastic game (MATH.md §5).

    Args:
        transitions: shape ``(S, k_0, …, k_{n-1}, S)``; ``transitions[s, a_0, …, s'] = P(s' | s, a)``.
        rewards: ``n`` arrays, ``rewards[i]`` of shape ``(T_i, S, k_0, …, k_{n-1})`` with
            ``rewards[i][t_i, s, a] = r_i(t_i, s, a)``; ``None`` with a ``reward_sampler``.
        initial: shape ``(S,)``, ``μ_0``; uniform when ``None``.
        prior: shape ``(T_0, …, T_{n-1})``, the joint type prior ``Ω``; ``None`` when every player
            has one type.
        discount: ``γ ∈ [0, 1)`` — give exactly one of ``discount`` and ``horizon``.
        horizon: ``H ≥ 1`` steps.
        reward_sampler: a :class:`StateRewardSampler` (continuous types) instead of ``rewards``.

    Attributes:
        n_players, n_states, n_actions ``(k_0, …)``, n_types ``(T_0, …)`` (``None`` for a sampler),
        type_marginals (list of ``(T_i,)``), type_support (list of ``(T_i,)`` bool).

    Raises:
        ValueError: shapes that disagree (naming the array and the expected shape), rows of ``P``
            not summing to 1, non-finite values, a bad discount or horizon.
        TypeError: rewards not a sequence of arrays.
    """

    # ``rewards``, ``prior`` and ``n_types`` are ``None`` only in a game with a ``reward_sampler``
    # (the functions that need a type table check :attr:`has_types_table`); ``initial`` is always
    # an array after validation.
    transitions: FloatArray
    rewards: Any = None  # tuple of (T_i, S, k…) arrays after validation
    initial: Any = None  # an (S,) array after validation
    prior: Any = None  # a (T_0, …) array after validation
    discount: float | None = None
    horizon: int | None = None
    reward_sampler: StateRewardSampler | None = None
    n_players: int = field(init=False)
    n_states: int = field(init=False)
    n_actions: tuple[int, ...] = field(init=False)
    n_types: tuple[int, ...] = field(init=False)
    type_marginals: list[FloatArray] = field(init=False, repr=False, compare=False)
    type_support: list[npt.NDArray[np.bool_]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        p, s, ks = _check_dynamics(self.transitions)
        n = len(ks)
        discount, horizon = _check_time(self.discount, self.horizon)
        initial = _check_initial(self.initial, s)
        if self.reward_sampler is not None:
            if not isinstance(self.reward_sampler, StateRewardSampler):
                raise TypeError(
                    "reward_sampler must be a StateRewardSampler, got "
                    f"{type(self.reward_sampler).__name__}"
                )
            if self.rewards is not None or self.prior is not None:
                raise ValueError("give either rewards (with a prior) or a reward_sampler, not both")
            arrays = None
            n_types = None
            prior = None
            marginals: list[FloatArray] = []
            support: list[npt.NDArray[np.bool_]] = []
        else:
            rewards = self.rewards
            if isinstance(rewards, np.ndarray) or not isinstance(rewards, Sequence):
                raise TypeError(
                    "rewards must be a sequence with one array per player (shape (T_i, S, k_0, "
                    f"..., k_{{n-1}})), got {type(rewards).__name__}"
                )
            if len(rewards) != n:
                raise ValueError(
                    f"rewards must hold one array per player ({n}, from the transitions' action "
                    f"axes), got {len(rewards)}"
                )
            arrays = tuple(as_float_array(f"rewards[{i}]", r) for i, r in enumerate(rewards))
            for i, r in enumerate(arrays):
                if r.ndim != n + 2 or r.shape[1:] != (s, *ks) or r.shape[0] < 1:
                    raise ValueError(
                        f"rewards[{i}] must have shape (T_{i}, S, k_0, ..., k_{n - 1}) = "
                        f"(T_{i}, {s}, {', '.join(map(str, ks))}) with T_{i} >= 1; got {r.shape}"
                    )
            n_types = tuple(int(r.shape[0]) for r in arrays)
            if self.prior is None:
                if any(t != 1 for t in n_types):
                    raise ValueError(
                        f"a prior over type profiles is needed when a player has several types "
                        f"(n_types={n_types})"
                    )
                prior = np.ones((1,) * n)
                prior.setflags(write=False)
            else:
                prior = check_distribution("prior", self.prior, shape=n_types)
            marginals, support = [], []
            for i in range(n):
                m = prior.sum(axis=tuple(j for j in range(n) if j != i)) if n > 1 else prior.copy()
                m = np.asarray(m, dtype=np.float64).reshape(n_types[i])
                m.setflags(write=False)
                sup = m > 0
                sup.setflags(write=False)
                marginals.append(m)
                support.append(sup)
        for name, value in (
            ("transitions", p),
            ("rewards", arrays),
            ("initial", initial),
            ("prior", prior),
            ("discount", discount),
            ("horizon", horizon),
            ("n_players", n),
            ("n_states", s),
            ("n_actions", ks),
            ("n_types", n_types),
            ("type_marginals", marginals),
            ("type_support", support),
        ):
            object.__setattr__(self, name, value)

    # ------------------------------------------------------------------ the game protocol
    @property
    def action_sizes(self) -> tuple[int, ...]:
        """``(k_0, …, k_{n-1})``."""
        return self.n_actions

    @property
    def type_sizes(self) -> tuple[int, ...] | None:
        """``(T_0, …, T_{n-1})`` (``None`` for a continuous type prior)."""
        return self.n_types

    @property
    def is_unit_sum(self) -> bool:
        """``False``: the unit-sum variant is :class:`StochasticUnitSumGame`."""
        return False

    @property
    def total_weight(self) -> float:
        """``Σ_τ γ^τ = 1/(1 − γ)``, or ``H``: the value of a reward of 1 at every step."""
        if self.discount is not None:
            return 1.0 / (1.0 - self.discount)
        assert self.horizon is not None
        return float(self.horizon)

    @property
    def has_types_table(self) -> bool:
        """Whether the types are a finite table (else a reward sampler)."""
        return self.rewards is not None

    def _need_table(self, what: str) -> None:
        if self.rewards is None:
            raise ValueError(
                f"{what} needs a finite type table; this game's types come from a reward sampler "
                "(use the sampled forms in powergames.theory.stochastic_power)"
            )

    # ------------------------------------------------------------------ conversions
    @classmethod
    def from_bayesian(cls, game: Any) -> StochasticGame:
        """The one-state, one-step stochastic game of a Bayesian (or normal-form) game.

        ``r_i(t_i, 0, a) = r_i(t_i, a)``, ``P(0 | 0, a) = 1``, ``μ_0 = (1,)``, ``H = 1``; a profile of
        ``(T_i, k_i)`` arrays becomes ``(T_i, 1, k_i)``.
        """
        b = as_bayesian(game)
        check_size("transitions", (1, *b.n_actions, 1))
        p = np.ones((1, *b.n_actions, 1))
        return cls(
            transitions=p,
            rewards=tuple(r[:, None] for r in b.rewards),
            initial=np.ones(1),
            prior=b.prior,
            horizon=1,
        )

    def as_bayesian(self) -> BayesianGame:
        """The Bayesian game of a one-state, one-step game (the inverse of :meth:`from_bayesian`).

        Raises:
            ValueError: unless ``n_states == 1`` and ``horizon == 1`` with a type table.
        """
        if self.n_states != 1 or self.horizon != 1:
            raise ValueError(
                "only a one-state, one-step game (n_states == 1, horizon == 1) is a Bayesian game; "
                f"this one has n_states={self.n_states}, horizon={self.horizon}, "
                f"discount={self.discount}"
            )
        self._need_table("as_bayesian")
        return BayesianGame(self.prior, tuple(r[:, 0] for r in self.rewards))

    # ------------------------------------------------------------------ facts
    @property
    def scale_tol(self) -> float:
        """``SUM_TOL · max(1, max |r|)``: tolerance for equality facts, relative to the scale."""
        if self.rewards is None:
            assert self.reward_sampler is not None
            return SUM_TOL * max(1.0, abs(self.reward_sampler.low), abs(self.reward_sampler.high))
        return SUM_TOL * max(1.0, max(float(np.abs(r).max()) for r in self.rewards))

    def constant_sum_value(self, tol: float | None = None) -> float | None:
        """``c`` if ``Σ_i r_i(t_i, s, a) = c`` for every ``s``, ``a`` and every type profile of
        positive prior probability (within ``tol``), else ``None`` (MATH.md §5)."""
        self._need_table("constant_sum_value")
        tol = self.scale_tol if tol is None else tol
        c: float | None = None
        for t in np.argwhere(self.prior > 0):
            total = sum(self.rewards[i][t[i]] for i in range(self.n_players))
            if c is None:
                c = float(total.flat[0])
            if np.any(np.abs(total - c) > tol):
                return None
        return c

    @property
    def is_constant_sum(self) -> bool:
        """Whether the game is constant-sum on the prior's support (a checked fact)."""
        return self.constant_sum_value() is not None

    # ------------------------------------------------------------------ profiles
    def validate_profile(self, profile: Any, name: str = "profile") -> list[FloatArray]:
        """Check a Markov behaviour profile: per player ``(T_i, S, k_i)`` (``σ_i(a_i | t_i, s)``).

        A player's ``(S, k_i)`` array (a type-independent Markov policy) is accepted and broadcast
        over its types.

        Returns:
            The list of validated ``(T_i, S, k_i)`` arrays (read-only).
        """
        self._need_table("validate_profile")
        if isinstance(profile, np.ndarray) or not isinstance(profile, Sequence):
            raise TypeError(
                f"{name} must be a list with one (T_i, S, k_i) array per player, got "
                f"{type(profile).__name__}"
            )
        if len(profile) != self.n_players:
            raise ValueError(
                f"{name} must have one strategy per player ({self.n_players}), got {len(profile)}"
            )
        out = []
        for i, sigma in enumerate(profile):
            t, k, s = self.n_types[i], self.n_actions[i], self.n_states
            arr = as_float_array(f"{name}[{i}]", sigma)
            if arr.shape == (s, k):
                arr = np.broadcast_to(arr, (t, s, k))
            if arr.shape != (t, s, k):
                raise ValueError(
                    f"{name}[{i}] must have shape (T_{i}, S, k_{i}) = {(t, s, k)} or (S, k_{i}) = "
                    f"{(s, k)}, got {arr.shape}"
                )
            out.append(check_distribution(f"{name}[{i}]", arr, shape=(t, s, k), axis=2))
        return out

    def uniform_profile(self) -> list[FloatArray]:
        """Every type of every player mixes uniformly in every state: ``(T_i, S, k_i)`` arrays."""
        self._need_table("uniform_profile")
        return [
            np.full((t, self.n_states, k), 1.0 / k) for t, k in zip(self.n_types, self.n_actions)
        ]

    def random_profile(self, rng: Any, pure: bool = False) -> list[FloatArray]:
        """A random Markov profile (Dirichlet rows, or one-hot with ``pure``)."""
        self._need_table("random_profile")
        rng = check_rng(rng)
        out = []
        for t, k in zip(self.n_types, self.n_actions):
            if pure:
                a = np.zeros((t, self.n_states, k))
                idx = rng.integers(k, size=(t, self.n_states))
                np.put_along_axis(a, idx[..., None], 1.0, axis=2)
            else:
                a = rng.exponential(size=(t, self.n_states, k))
                a /= a.sum(axis=2, keepdims=True)
            out.append(a)
        return out

    def with_rewards(self, rewards: Sequence[Any], prior: Any = None) -> StochasticGame:
        """The same dynamics with other rewards (and prior)."""
        return StochasticGame(
            self.transitions, tuple(rewards), self.initial, prior, self.discount, self.horizon
        )

    def __repr__(self) -> str:
        time = (
            f"discount={self.discount}" if self.discount is not None else f"horizon={self.horizon}"
        )
        return (
            f"StochasticGame(n_players={self.n_players}, n_states={self.n_states}, "
            f"n_actions={self.n_actions}, n_types={self.n_types}, {time})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StochasticGame):
            return False
        same_rewards = (self.rewards is None and other.rewards is None) or (
            self.rewards is not None
            and other.rewards is not None
            and len(self.rewards) == len(other.rewards)
            and all(np.array_equal(a, b) for a, b in zip(self.rewards, other.rewards))
        )
        return (
            np.array_equal(self.transitions, other.transitions)
            and same_rewards
            and np.array_equal(self.initial, other.initial)
            and (
                (self.prior is None and other.prior is None)
                or (
                    self.prior is not None
                    and other.prior is not None
                    and np.array_equal(self.prior, other.prior)
                )
            )
            and self.discount == other.discount
            and self.horizon == other.horizon
            and self.reward_sampler == other.reward_sampler
        )

    def __hash__(self) -> int:
        return hash((self.transitions.tobytes(), self.n_states, self.discount, self.horizon))


# ---------------------------------------------------------------------- the unit-sum variant
@dataclass(frozen=True)
class StochasticUnitSumGame:
    """A stochastic unit-sum game with a hidden ``X`` (MATH.md §5).

    Args:
        transitions: ``(S, k_0, …, k_{n-1}, S)``, as in :class:`StochasticGame` (``X`` does not move
            the state).
        shares: ``(n_x, S, n, k_0, …, k_{n-1})``; ``shares[x, s, i, a] = s_i(x, s, a) ≥ 0`` summing to
            1 over ``i``.
        x_prior: ``(n_x,)``, the distribution of ``X``; uniform when ``None``.
        initial: ``(S,)``, ``μ_0``; uniform when ``None``.
        discount / horizon: exactly one, as in :class:`StochasticGame`.
        seat_swaps: optionally ``(n − 1, S)`` integer array: ``seat_swaps[j, s]`` is the state ``s``
            with the parts of players ``j`` and ``j + 1`` exchanged (an involution). Needed by
            :meth:`is_symmetric`.
    """

    transitions: FloatArray
    shares: FloatArray
    x_prior: Any = None  # an (n_x,) array after validation
    initial: Any = None  # an (S,) array after validation
    discount: float | None = None
    horizon: int | None = None
    seat_swaps: npt.NDArray[np.intp] | None = None
    n_players: int = field(init=False)
    n_states: int = field(init=False)
    n_actions: tuple[int, ...] = field(init=False)
    n_x: int = field(init=False)

    def __post_init__(self) -> None:
        p, s, ks = _check_dynamics(self.transitions)
        n = len(ks)
        discount, horizon = _check_time(self.discount, self.horizon)
        initial = _check_initial(self.initial, s)
        sh = as_float_array("shares", self.shares)
        if sh.ndim != n + 3 or sh.shape[1:] != (s, n, *ks) or sh.shape[0] < 1:
            raise ValueError(
                f"shares must have shape (n_x, S, n, k_0, ..., k_{n - 1}) = (n_x, {s}, {n}, "
                f"{', '.join(map(str, ks))}) with n_x >= 1; got {sh.shape}"
            )
        if np.any(sh < 0):
            idx = first_index(sh < 0)
            raise ValueError(
                f"shares must be non-negative; s_{idx[2]}(x={idx[0]}, s={idx[1]}, a={idx[3:]}) = "
                f"{sh[idx]}"
            )
        total = sh.sum(axis=2)
        bad = np.abs(total - 1.0) > SUM_TOL
        if np.any(bad):
            idx = first_index(bad)
            raise ValueError(
                f"shares must sum to 1 over players (tolerance {SUM_TOL:g}); at x={idx[0]}, "
                f"s={idx[1]}, a={idx[2:]} they sum to {float(total[idx])!r}"
            )
        n_x = sh.shape[0]
        if self.x_prior is None:
            xp = np.full(n_x, 1.0 / n_x)
            xp.setflags(write=False)
        else:
            xp = check_distribution("x_prior", self.x_prior, shape=(n_x,))
        swaps = None
        if self.seat_swaps is not None:
            sw = np.asarray(self.seat_swaps)
            if sw.shape != (n - 1, s) or sw.dtype.kind not in "iu":
                raise ValueError(
                    f"seat_swaps must be an integer array of shape (n - 1, S) = {(n - 1, s)}, got "
                    f"{sw.shape} of {sw.dtype}"
                )
            if np.any((sw < 0) | (sw >= s)):
                raise ValueError(f"seat_swaps entries must be state indices in [0, {s})")
            if n > 1 and np.any(np.take_along_axis(sw, sw, axis=1) != np.arange(s)):
                raise ValueError(
                    "every seat swap must be an involution (swapping twice is identity)"
                )
            swaps = sw.astype(np.intp)
            swaps.setflags(write=False)
        for name, value in (
            ("transitions", p),
            ("shares", sh),
            ("x_prior", xp),
            ("initial", initial),
            ("discount", discount),
            ("horizon", horizon),
            ("seat_swaps", swaps),
            ("n_players", n),
            ("n_states", s),
            ("n_actions", ks),
            ("n_x", n_x),
        ):
            object.__setattr__(self, name, value)

    @property
    def is_unit_sum(self) -> bool:
        """``True``."""
        return True

    @property
    def total_weight(self) -> float:
        """``1/(1 − γ)`` or ``H``: a coalition's value if it held every share at every step."""
        if self.discount is not None:
            return 1.0 / (1.0 - self.discount)
        assert self.horizon is not None
        return float(self.horizon)

    def game_at(self, x: int) -> StochasticGame:
        """The stochastic game with ``X = x`` known: rewards ``r_i(s, a) = s_i(x, s, a)``, one type."""
        if isinstance(x, bool) or not isinstance(x, int | np.integer) or not 0 <= x < self.n_x:
            raise ValueError(f"x must be an integer in [0, {self.n_x}), got {x!r}")
        sh = self.shares[int(x)]
        rewards = tuple(sh[:, i][None] for i in range(self.n_players))
        return StochasticGame(
            self.transitions, rewards, self.initial, None, self.discount, self.horizon
        )

    def as_stochastic(self) -> StochasticGame:
        """The game with ``X`` integrated out under ``x_prior`` (exact for every value: nobody
        observes ``X`` and it does not move the state), one type per player; constant-sum with
        ``c = 1``."""
        mean = np.tensordot(self.x_prior, self.shares, axes=1)
        rewards = tuple(mean[:, i][None] for i in range(self.n_players))
        return StochasticGame(
            self.transitions, rewards, self.initial, None, self.discount, self.horizon
        )

    def is_symmetric(self, tol: float = 1e-9) -> bool:
        """Whether every seat swap commutes with ``P``, the shares and ``μ_0`` (MATH.md §5).

        For the swap ``q`` of seats ``j, j+1`` with state map ``m``: ``P(m s' | m s, q a) = P(s' | s,
        a)``, ``s_{q(i)}(x, m s, q a) = s_i(x, s, a)`` and ``μ_0(m s) = μ_0(s)``.

        Raises:
            ValueError: if the game has no ``seat_swaps``.
        """
        if self.n_players == 1:
            return True
        if self.seat_swaps is None:
            raise ValueError("is_symmetric needs seat_swaps (the state map of each seat swap)")
        n = self.n_players
        if len(set(self.n_actions)) != 1:
            return False
        for j in range(n - 1):
            m = self.seat_swaps[j]
            axes = list(range(n))
            axes[j], axes[j + 1] = axes[j + 1], axes[j]
            # P'(s, a, s') = P(m s, q a, m s')
            p = self.transitions[m][..., m]
            p = np.transpose(p, (0, *(a + 1 for a in axes), n + 1))
            if np.any(np.abs(p - self.transitions) > tol):
                return False
            sh = self.shares[:, m]
            sh = sh[:, :, axes]  # player axis: s'_i = s_{q(i)}
            sh = np.transpose(sh, (0, 1, 2, *(a + 3 for a in axes)))
            if np.any(np.abs(sh - self.shares) > tol):
                return False
            if np.any(np.abs(self.initial[m] - self.initial) > tol):
                return False
        return True

    def __repr__(self) -> str:
        time = (
            f"discount={self.discount}" if self.discount is not None else f"horizon={self.horizon}"
        )
        return (
            f"StochasticUnitSumGame(n_players={self.n_players}, n_states={self.n_states}, "
            f"n_actions={self.n_actions}, n_x={self.n_x}, {time})"
        )

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, StochasticUnitSumGame)
            and np.array_equal(self.transitions, other.transitions)
            and np.array_equal(self.shares, other.shares)
            and np.array_equal(self.x_prior, other.x_prior)
            and np.array_equal(self.initial, other.initial)
            and self.discount == other.discount
            and self.horizon == other.horizon
        )

    def __hash__(self) -> int:
        return hash((self.shares.tobytes(), self.transitions.tobytes()))


# ---------------------------------------------------------------------- product state spaces
def product_states(n_local: int, n_players: int) -> npt.NDArray[np.intp]:
    """All joint states of ``n_players`` with ``n_local`` local states each, shape ``(L^n, n)``
    (C order: ``state = Σ_i l_i L^{n-1-i}``)."""
    n_local = check_positive_int("n_local", n_local)
    n_players = check_positive_int("n_players", n_players)
    check_size("product states", (n_local**n_players, n_players))
    return np.array(list(itertools.product(range(n_local), repeat=n_players)), dtype=np.intp)


def seat_swaps_of(states: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
    """The seat-swap maps of a state space whose state ``s`` is the tuple ``states[s]`` of per-player
    parts: ``out[j, s]`` = the index of ``states[s]`` with entries ``j`` and ``j + 1`` exchanged.

    Raises:
        ValueError: if a swapped tuple is not a state.
    """
    states = np.asarray(states)
    index = {tuple(int(v) for v in row): k for k, row in enumerate(states)}
    n = states.shape[1]
    out = np.empty((max(n - 1, 0), len(states)), dtype=np.intp)
    for j in range(n - 1):
        for k, row in enumerate(states):
            r = list(int(v) for v in row)
            r[j], r[j + 1] = r[j + 1], r[j]
            if tuple(r) not in index:
                raise ValueError(
                    f"state {tuple(row)} with seats {j}, {j + 1} swapped is not a state"
                )
            out[j, k] = index[tuple(r)]
    return out


def _relabel(perm: Sequence[int], states: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
    """For a permutation ``p`` of seats, the state map ``m[s]``: player ``j``'s part moved to seat
    ``p(j)``."""
    index = {tuple(int(v) for v in row): k for k, row in enumerate(states)}
    out = np.empty(len(states), dtype=np.intp)
    n = len(perm)
    for k, row in enumerate(states):
        new = [0] * n
        for j in range(n):
            new[perm[j]] = int(row[j])
        out[k] = index[tuple(new)]
    return out


def random_symmetric_stochastic_unit_sum_game(
    n_players: int,
    n_local: int,
    n_actions: int,
    n_x: int,
    rng: Any,
    *,
    discount: float | None = 0.8,
    horizon: int | None = None,
) -> StochasticUnitSumGame:
    """A random symmetric stochastic unit-sum game on a product state space (MATH.md §5).

    Each player has one of ``n_local`` local states (a position); the state is the tuple of them
    (``L^n`` states). Random transitions, shares and ``μ_0`` are averaged over the ``n!`` seat
    relabellings, which makes every relabelling commute with them exactly.

    Args:
        n_players: ``n`` (at most 5: the average runs over ``n!`` permutations).
        n_local: ``L``.
        n_actions: ``k``, the same for every player.
        n_x: number of values of the hidden ``X``.
        rng: a ``numpy.random.Generator`` or an int seed.
        discount, horizon: as in :class:`StochasticGame` (give ``horizon`` with ``discount=None``).

    Returns:
        A :class:`StochasticUnitSumGame` with ``seat_swaps`` for which :meth:`is_symmetric` holds.
    """
    rng = check_rng(rng)
    n = check_positive_int("n_players", n_players)
    if n > 5:
        raise ValueError(f"n_players must be <= 5 (the symmetrisation averages n!), got {n}")
    L = check_positive_int("n_local", n_local)
    k = check_positive_int("n_actions", n_actions)
    n_x = check_positive_int("n_x", n_x)
    S = L**n
    check_size("transitions", (S, *(k,) * n, S))
    check_size("shares", (n_x, S, n, *(k,) * n))
    states = product_states(L, n)
    p = rng.exponential(size=(S, *(k,) * n, S)) * (rng.random((S, *(k,) * n, S)) < 0.6)
    p[..., 0] += p.sum(axis=-1) == 0
    p /= p.sum(axis=-1, keepdims=True)
    sh = rng.exponential(size=(n_x, S, n, *(k,) * n))
    sh /= sh.sum(axis=2, keepdims=True)
    mu = rng.exponential(size=S)
    mu /= mu.sum()
    perms = list(itertools.permutations(range(n)))
    p_sym = np.zeros_like(p)
    sh_sym = np.zeros_like(sh)
    mu_sym = np.zeros_like(mu)
    for perm in perms:
        m = _relabel(perm, states)
        # b_{p(j)} = a_j: the array indexed by a, read at b, has axis p(j) moved to position j
        act = [perm[j] for j in range(n)]
        pp = np.transpose(p[m][..., m], (0, *(a + 1 for a in act), n + 1))
        p_sym += pp
        # s'_i(x, s, a) = s_{p(i)}(x, m s, b)
        ss = sh[:, m][:, :, list(perm)]
        ss = np.transpose(ss, (0, 1, 2, *(a + 3 for a in act)))
        sh_sym += ss
        mu_sym += mu[m]
    g = len(perms)
    return StochasticUnitSumGame(
        p_sym / g,
        sh_sym / g,
        _simplex(rng, n_x),
        mu_sym / g,
        discount=discount,
        horizon=horizon,
        seat_swaps=seat_swaps_of(states) if n > 1 else np.zeros((0, S), dtype=np.intp),
    )


def _simplex(rng: np.random.Generator, size: int) -> FloatArray:
    w = rng.exponential(size=size)
    return w / w.sum()


# ---------------------------------------------------------------------- random games
def random_stochastic_game(
    n_states: int,
    n_types: Sequence[int],
    n_actions: Sequence[int],
    rng: Any,
    kind: str = "general",
    *,
    discount: float | None = 0.8,
    horizon: int | None = None,
    constant: float | None = None,
    sparsity: float = 0.4,
) -> StochasticGame:
    """A random Bayesian stochastic game.

    * ``"general"``: a correlated random prior (entries zeroed with probability 0.3, never all),
      normal rewards.
    * ``"constant_sum"``: as :func:`~powergames.games.random_bayesian_game` does for one-shot games
      — every type reveals a latent ``z``, the prior lives on type profiles that agree on ``z``, and
      ``r_i(t_i, s, a) = R_i(z(t_i), s, a)`` with ``Σ_i R_i(z, s, a) = c`` — so the game is
      constant-sum on the prior's support while the types still carry private, payoff-irrelevant
      detail on which strategies may depend (the belief case of MATH.md §5).

    Transitions are random with entries zeroed with probability ``sparsity`` (never a whole row).
    """
    rng = check_rng(rng)
    S = check_positive_int("n_states", n_states)
    n_types = tuple(check_positive_int(f"n_types[{i}]", t) for i, t in enumerate(n_types))
    ks = tuple(check_positive_int(f"n_actions[{i}]", k) for i, k in enumerate(n_actions))
    n = len(ks)
    if n < 1 or len(n_types) != n:
        raise ValueError(
            f"n_types and n_actions need one entry per player (n >= 1), got {n_types}, {ks}"
        )
    if not 0 <= sparsity < 1:
        raise ValueError(f"sparsity must be in [0, 1), got {sparsity!r}")
    check_size("transitions", (S, *ks, S))
    for i, t in enumerate(n_types):
        check_size(f"rewards[{i}]", (t, S, *ks))
    p = rng.exponential(size=(S, *ks, S)) * (rng.random((S, *ks, S)) >= sparsity)
    p[..., 0] += p.sum(axis=-1) == 0
    p /= p.sum(axis=-1, keepdims=True)
    mu = _simplex(rng, S)
    if kind == "general":
        prior = rng.exponential(size=n_types) * (rng.random(n_types) >= 0.3)
        if prior.sum() == 0:
            prior.flat[rng.integers(prior.size)] = 1.0
        rewards = tuple(rng.normal(size=(t, S, *ks)) for t in n_types)
        return StochasticGame(p, rewards, mu, prior / prior.sum(), discount, horizon)
    if kind != "constant_sum":
        raise ValueError(f"kind must be 'general' or 'constant_sum', got {kind!r}")
    m = int(rng.integers(1, min(n_types) + 1))
    latent = [
        rng.permutation(np.concatenate([np.arange(m), rng.integers(0, m, size=t - m)]))
        for t in n_types
    ]
    grids = np.meshgrid(*latent, indexing="ij")
    consistent = np.all([g == grids[0] for g in grids], axis=0)
    prior = rng.exponential(size=n_types) * consistent
    c = float(rng.normal()) if constant is None else float(constant)
    table = rng.normal(size=(m, n, S, *ks))
    table[:, -1] = c - table[:, :-1].sum(axis=1)
    rewards = tuple(table[latent[i], i] for i in range(n))
    return StochasticGame(p, rewards, mu, prior / prior.sum(), discount, horizon)


__all__ = [
    "MAX_ENTRIES",
    "StateRewardSampler",
    "StochasticGame",
    "StochasticUnitSumGame",
    "check_size",
    "product_states",
    "random_stochastic_game",
    "random_symmetric_stochastic_unit_sum_game",
    "seat_swaps_of",
]
