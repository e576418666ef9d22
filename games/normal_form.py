"""The general n-player normal-form game (MATH.md §3: utilities ``u_i(a)``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from powergames.games.base import Contexts
from powergames.games.checks import (
    as_float_array,
    check_distribution,
    check_profile,
    payoff_tol,
)


def contract_profile(
    tensor: npt.NDArray[np.float64], profile: Sequence[npt.NDArray[np.float64]]
) -> npt.NDArray[np.float64]:
    """Contract the trailing action axes of ``tensor`` with an independent mixed profile.

    Implements MATH.md (2.1).

    Args:
        tensor: shape ``(..., k_0, …, k_{n-1})``.
        profile: ``n`` arrays, entry ``i`` of shape ``(k_i,)``.

    Returns:
        Shape ``(...)``: ``Σ_a tensor[..., a] Π_i profile[i][a_i]``. Axes are contracted last-first with
        matrix-vector products, so no intermediate is larger than ``tensor`` itself.
    """
    out = tensor
    for sigma in reversed(profile):
        out = out @ sigma
    return out


@dataclass(frozen=True)
class NormalFormGame:
    """An n-player normal-form game with payoffs ``u_i(a)``.

    Args:
        payoffs: shape ``(n_players, k_0, …, k_{n-1})``; ``payoffs[i, a_0, …, a_{n-1}] = u_i(a)``.

    Raises:
        ValueError: if the shape does not match ``n_players`` action axes or an entry is not finite.
    """

    payoffs: npt.NDArray[np.float64]
    n_players: int = field(init=False)
    n_actions: tuple[int, ...] = field(init=False)
    contexts: Contexts = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        arr = as_float_array("payoffs", self.payoffs)
        if arr.ndim < 2 or arr.shape[0] != arr.ndim - 1:
            raise ValueError(
                "payoffs must have shape (n_players, k_0, ..., k_{n-1}) with one action axis per player; "
                f"got shape {arr.shape}"
            )
        if any(k < 1 for k in arr.shape[1:]):
            raise ValueError(
                f"payoffs: every player needs at least one action, got shape {arr.shape}"
            )
        object.__setattr__(self, "payoffs", arr)
        object.__setattr__(self, "n_players", arr.shape[0])
        object.__setattr__(self, "n_actions", tuple(arr.shape[1:]))
        object.__setattr__(self, "contexts", Contexts.none(arr.shape[0]))

    # ------------------------------------------------------------------ the Game protocol
    @property
    def action_sizes(self) -> tuple[int, ...]:
        """``(k_0, …, k_{n-1})``."""
        return self.n_actions

    @property
    def type_sizes(self) -> tuple[int, ...]:
        """All 1: a normal-form game has no types."""
        return (1,) * self.n_players

    per_type = False
    is_unit_sum = False
    count_form = False

    def context_payoff_tensor(self) -> npt.NDArray[np.float64]:
        """``u_i(a)`` as one context: ``payoffs[None]``, shape ``(1, n, k_0, …)`` (read-only view)."""
        return self.payoffs[None]

    def payoffs_at(self, ctx: int, joint: tuple[int, ...]) -> npt.NDArray[np.float64]:
        """``u(a)`` at a pure joint action, shape ``(n,)`` (unchecked; ``ctx`` is ignored)."""
        return self.payoffs[(slice(None),) + tuple(joint)]

    def payoffs_batch(
        self, ctx: npt.NDArray[np.int64], actions: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.float64]:
        """``u(a)`` for a batch of joint actions ``(B, n)`` → ``(B, n)`` (unchecked)."""
        return self.payoffs[(slice(None),) + tuple(actions.T)].T

    def as_normal_form(self) -> NormalFormGame:
        """The game itself."""
        return self

    # ------------------------------------------------------------------ facts about the game
    @property
    def welfare(self) -> npt.NDArray[np.float64]:
        """``Σ_i u_i(a)``, shape ``(k_0, …, k_{n-1})``.

        Implements MATH.md (3.1).
        """
        return self.payoffs.sum(axis=0)

    @property
    def scale_tol(self) -> float:
        """Absolute tolerance for equality facts, relative to the payoffs' scale (:func:`payoff_tol`).

        ``SUM_TOL · (max u − min u) + ROUNDING_TOL · max |u|``: a game and any positive affine
        rescaling of it get the same facts (MATH.md (2.10)).
        """
        return payoff_tol(self.payoffs)

    def constant_sum_value(self, tol: float | None = None) -> float | None:
        """The constant ``c`` if ``Σ_i u_i(a) = c`` for every profile (within ``tol``), else ``None``.

        Implements MATH.md (2.6).

        Args:
            tol: absolute tolerance; default :attr:`scale_tol`, so a game and its rescaling agree.
        """
        tol = self.scale_tol if tol is None else tol
        w = self.welfare
        c = float(w.flat[0])
        return c if np.all(np.abs(w - c) <= tol) else None

    @property
    def is_constant_sum(self) -> bool:
        """Whether ``Σ_i u_i(a)`` is the same for every pure profile (checked, not declared)."""
        return self.constant_sum_value() is not None

    @property
    def is_common_payoff(self) -> bool:
        """Whether every player's payoff array is the same."""
        return bool(np.allclose(self.payoffs, self.payoffs[0], rtol=0, atol=self.scale_tol))

    # ------------------------------------------------------------------ profiles
    def validate_profile(
        self, profile: Any, name: str = "profile"
    ) -> list[npt.NDArray[np.float64]]:
        """Check an independent mixed profile: a list of ``(k_i,)`` distributions."""
        return check_profile(name, profile, self.n_actions)

    def validate_joint(self, joint: Any, name: str = "joint") -> npt.NDArray[np.float64]:
        """Check a joint (correlated) distribution of shape ``(k_0, …, k_{n-1})``."""
        return check_distribution(name, joint, shape=self.n_actions)

    def expected_payoffs(self, profile: Any) -> npt.NDArray[np.float64]:
        """Expected payoffs ``E[u_i(a)]`` under a mixed profile.

        Implements MATH.md (3.1).

        Args:
            profile: either an independent profile (a list of ``n`` arrays of shape ``(k_i,)``) or a
                joint distribution (one array of shape ``(k_0, …, k_{n-1})``), e.g. a correlated profile.

        Returns:
            Shape ``(n_players,)``.

        Example:
            >>> from powergames.games import matching_pennies
            >>> matching_pennies().expected_payoffs([[0.5, 0.5], [0.5, 0.5]]).tolist()
            [0.0, 0.0]
        """
        if isinstance(profile, np.ndarray):
            joint = self.validate_joint(profile, "profile")
            return np.tensordot(self.payoffs, joint, axes=self.n_players)
        return contract_profile(self.payoffs, self.validate_profile(profile))

    def pure_payoffs(self, actions: Sequence[int]) -> npt.NDArray[np.float64]:
        """Payoffs at a pure profile, shape ``(n_players,)``."""
        if len(actions) != self.n_players:
            raise ValueError(
                f"actions must have one entry per player ({self.n_players}), got {len(actions)}"
            )
        for i, (a, k) in enumerate(zip(actions, self.n_actions)):
            if isinstance(a, bool) or not isinstance(a, int | np.integer) or not 0 <= a < k:
                raise ValueError(f"actions[{i}] must be an integer in [0, {k}), got {a!r}")
        return self.payoffs[(slice(None),) + tuple(int(a) for a in actions)].copy()

    def __repr__(self) -> str:
        return f"NormalFormGame(n_players={self.n_players}, n_actions={self.n_actions})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NormalFormGame) and np.array_equal(self.payoffs, other.payoffs)

    def __hash__(self) -> int:
        return hash((self.payoffs.shape, self.payoffs.tobytes()))
