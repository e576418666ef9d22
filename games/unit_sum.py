"""Unit-sum games with a hidden state X (MATH.md §1)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from powergames.games.base import Contexts
from powergames.games.checks import (
    SUM_TOL,
    as_float_array,
    check_distribution,
    check_profile,
    first_index,
    frozen,
)
from powergames.games.normal_form import NormalFormGame, contract_profile


@dataclass(frozen=True)
class UnitSumGame:
    """A unit-sum game: ``s_i(x, a) ≥ 0`` and ``Σ_i s_i(x, a) = 1`` for every state ``x`` and profile ``a``.

    No player observes ``X``; it is drawn from ``prior``.

    Args:
        shares: shape ``(n_states, n_players, k_0, …, k_{n-1})``; ``shares[x, i, a_0, …] = s_i(x, a)``.
            Action sets may differ in size between players.
        prior: shape ``(n_states,)``, a distribution over ``X``; uniform when ``None``.

    Raises:
        ValueError: wrong shape, a negative or non-finite share, shares not summing to one within
            ``SUM_TOL`` (the message gives the first offending ``(x, a)``), or a prior that is not a
            distribution.
    """

    shares: npt.NDArray[np.float64]
    prior: npt.NDArray[np.float64] | None = None
    n_states: int = field(init=False)
    n_players: int = field(init=False)
    n_actions: tuple[int, ...] = field(init=False)
    contexts: Contexts = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        s = as_float_array("shares", self.shares)
        if s.ndim < 3 or s.shape[1] != s.ndim - 2:
            raise ValueError(
                "shares must have shape (n_states, n_players, k_0, ..., k_{n-1}) with one action axis "
                f"per player; got shape {s.shape}"
            )
        if s.shape[0] < 1 or any(k < 1 for k in s.shape[2:]):
            raise ValueError(
                f"shares needs at least one state and one action per player, got {s.shape}"
            )
        if np.any(s < 0):
            idx = first_index(s < 0)
            raise ValueError(
                f"shares must be non-negative; s_{idx[1]}(x={idx[0]}, a={idx[2:]}) = {s[idx]}"
            )
        total = s.sum(axis=1)
        bad = np.abs(total - 1.0) > SUM_TOL
        if np.any(bad):
            idx = first_index(bad)
            raise ValueError(
                f"shares must sum to 1 over players (tolerance {SUM_TOL:g}); at x={idx[0]}, "
                f"a={idx[1:]} they sum to {float(total[idx])!r}"
            )
        n_states = s.shape[0]
        if self.prior is None:
            prior = np.full(n_states, 1.0 / n_states)
            prior = frozen(prior)
        else:
            prior = check_distribution("prior", self.prior, shape=(n_states,))
        object.__setattr__(self, "shares", s)
        object.__setattr__(self, "prior", prior)
        object.__setattr__(self, "n_states", n_states)
        object.__setattr__(self, "n_players", s.shape[1])
        object.__setattr__(self, "n_actions", tuple(s.shape[2:]))
        object.__setattr__(self, "contexts", Contexts.hidden_state(prior, s.shape[1]))

    # ------------------------------------------------------------------ the Game protocol
    @property
    def action_sizes(self) -> tuple[int, ...]:
        """``(k_0, …, k_{n-1})``."""
        return self.n_actions

    @property
    def type_sizes(self) -> tuple[int, ...]:
        """All 1: ``X`` is hidden from everyone, nobody has a type."""
        return (1,) * self.n_players

    per_type = False
    is_unit_sum = True
    count_form = False

    def context_payoff_tensor(self) -> npt.NDArray[np.float64]:
        """The share tensor ``s_i(x, a)`` as stored, shape ``(S, n, k_0, …)`` (read-only)."""
        return self.shares

    def payoffs_at(self, ctx: int, joint: tuple[int, ...]) -> npt.NDArray[np.float64]:
        """Shares ``s(x, a)`` at state ``x = ctx`` and a pure joint action, shape ``(n,)`` (unchecked)."""
        return self.shares[(ctx, slice(None)) + tuple(joint)]

    def payoffs_batch(
        self, ctx: npt.NDArray[np.int64], actions: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.float64]:
        """Shares for a batch: states ``(B,)``, joint actions ``(B, n)`` → ``(B, n)`` (unchecked)."""
        return self.shares[(ctx, slice(None)) + tuple(actions.T)]

    def validate_profile(
        self, profile: Any, name: str = "profile"
    ) -> list[npt.NDArray[np.float64]]:
        """Check an independent mixed profile: a list of ``(k_i,)`` distributions."""
        return check_profile(name, profile, self.n_actions)

    def expected_shares(self, profile: Any) -> npt.NDArray[np.float64]:
        """Expected shares per state.

        Implements MATH.md (1.4).

        Args:
            profile: an independent profile (list of ``(k_i,)`` arrays) or a joint distribution
                (one array of shape ``(k_0, …, k_{n-1})``).

        Returns:
            Shape ``(n_states, n_players)``: ``E_a[s_i(x, a)]``.
        """
        if isinstance(profile, np.ndarray):
            joint = check_distribution("profile", profile, shape=self.n_actions)
            return np.tensordot(self.shares, joint, axes=self.n_players)
        return contract_profile(self.shares, self.validate_profile(profile))

    def state_game(self, x: int) -> NormalFormGame:
        """The normal-form game played when ``X = x`` (payoffs = shares)."""
        if isinstance(x, bool) or not isinstance(x, int | np.integer) or not 0 <= x < self.n_states:
            raise ValueError(f"x must be an integer state in [0, {self.n_states}), got {x!r}")
        return NormalFormGame(self.shares[int(x)])

    def as_normal_form(self) -> NormalFormGame:
        """The game with ``X`` integrated out under the prior: ``u_i(a) = E_x[s_i(x, a)]`` (constant sum 1).

        Implements MATH.md (1.12).
        """
        return NormalFormGame(np.tensordot(self.contexts.prior, self.shares, axes=1))

    def __repr__(self) -> str:
        return (
            f"UnitSumGame(n_states={self.n_states}, n_players={self.n_players}, "
            f"n_actions={self.n_actions})"
        )

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, UnitSumGame)
            and np.array_equal(self.shares, other.shares)
            and np.array_equal(self.contexts.prior, other.contexts.prior)
        )

    def __hash__(self) -> int:
        return hash((self.shares.shape, self.shares.tobytes(), self.contexts.prior.tobytes()))
