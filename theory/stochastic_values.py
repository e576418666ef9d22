"""Values in stochastic games: Markov-profile evaluation and MDP solvers (MATH.md §5).

* :func:`joint_policy` / :func:`markov_chain`: a Markov profile at a type profile ``t`` induces the
  joint action distribution ``π(a | s) = Π_i σ_i(a_i | t_i, s)`` of shape ``(S, k_0, …, k_{n-1})`` and
  the chain ``P_π(s' | s) = Σ_a π(a | s) P(s' | s, a)``.
* :func:`evaluate_joint`: ``V = (I − γ P_π)^{-1} r_π`` by one linear solve (discounted), or
  ``V_H = Σ_{τ<H} P_π^τ r_π`` by ``H`` matrix-vector steps (horizon), for many reward vectors at once.
* :func:`profile_values`: every player's achieved interim value ``E[Σ_τ γ^τ r_i | t_i, s_0 = s]``.
* :func:`induced_mdp`: the MDP player ``i`` faces when the others play fixed Markov policies.
* :func:`solve_mdp`: optimal values of an MDP for a batch of reward functions at once — policy
  iteration (exact, one batched linear solve per round), value iteration to a tolerance with a
  certified sup-norm bound, or backward induction for a horizon (exact, time-dependent).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from powergames.games.checks import as_float_array
from powergames.games.stochastic import StochasticGame

FloatArray = npt.NDArray[np.float64]


def _check_game(game: Any) -> StochasticGame:
    if not isinstance(game, StochasticGame):
        raise TypeError(
            "game must be a StochasticGame (convert a Bayesian or normal-form game with "
            f"StochasticGame.from_bayesian), got {type(game).__name__}"
        )
    return game


def joint_policy(
    game: StochasticGame, policies: list[FloatArray] | tuple[FloatArray, ...]
) -> FloatArray:
    """``π(a | s) = Π_i π_i(a_i | s)`` of shape ``(S, k_0, …, k_{n-1})`` from per-player
    ``(S, k_i)`` Markov policies (one type profile already chosen)."""
    out = policies[0]
    for pol in policies[1:]:
        out = out[..., None] * pol.reshape(pol.shape[0], *(1,) * (out.ndim - 1), pol.shape[1])
    return out


def markov_chain(game: StochasticGame, joint: FloatArray) -> FloatArray:
    """``P_π(s' | s) = Σ_a π(a | s) P(s' | s, a)``, shape ``(S, S)``, from a joint ``(S, k…)``."""
    s = game.n_states
    return np.einsum("sa,sat->st", joint.reshape(s, -1), game.transitions.reshape(s, -1, s))


def expected_rewards(game: StochasticGame, joint: FloatArray, rewards: FloatArray) -> FloatArray:
    """``r_π(s) = Σ_a π(a | s) r(s, a)`` for rewards ``(m, S, k…)``, shape ``(m, S)``."""
    s = game.n_states
    return np.einsum("sa,msa->ms", joint.reshape(s, -1), rewards.reshape(len(rewards), s, -1))


def evaluate_joint(game: StochasticGame, joint: FloatArray, rewards: FloatArray) -> FloatArray:
    """The value ``V(s) = E[Σ_τ γ^τ r(s_τ, a_τ) | s_0 = s]`` under a joint Markov policy.

    Args:
        game: the dynamics (and discount or horizon).
        joint: ``(S, k_0, …, k_{n-1})``, ``π(a | s)``.
        rewards: ``(m, S, k_0, …, k_{n-1})``, ``m`` reward functions.

    Returns:
        Shape ``(m, S)``: one linear solve ``(I − γ P_π) V = r_π`` (discounted) or ``H`` steps of
        ``V ← r_π + P_π V`` (horizon).
    """
    p = markov_chain(game, joint)
    r = expected_rewards(game, joint, rewards)
    if game.discount is not None:
        a = np.eye(game.n_states) - game.discount * p
        return np.linalg.solve(a, r.T).T
    v = np.zeros_like(r)
    assert game.horizon is not None
    for _ in range(game.horizon):
        v = r + v @ p.T
    return v


@dataclass(frozen=True)
class ProfileValues:
    """What :func:`profile_values` computes.

    Attributes:
        per_type: per player ``(T_i, S)``: ``E[Σ_τ γ^τ r_i | t_i, s_0 = s]`` under the profile
            (zero-probability types: 0).
        per_state: ``(n, S)``: ``Σ_{t_i} Ω_i(t_i) per_type[i][t_i, s]``.
        from_initial: ``(n,)``: ``Σ_s μ_0(s) per_state[:, s]``.
    """

    per_type: list[FloatArray]
    per_state: FloatArray
    from_initial: FloatArray


def _type_policies(profile: list[FloatArray], t: Any) -> list[FloatArray]:
    return [profile[i][int(t[i])] for i in range(len(profile))]


def profile_values(game: StochasticGame, profile: Any) -> ProfileValues:
    """Achieved values of a Markov profile (MATH.md §5), one linear solve per support type profile.

    Args:
        game: a :class:`~powergames.games.StochasticGame` with a type table.
        profile: per player ``(T_i, S, k_i)`` (or ``(S, k_i)``) Markov behaviour strategies.

    Returns:
        A :class:`ProfileValues`.
    """
    game = _check_game(game)
    sig = game.validate_profile(profile)
    n, S = game.n_players, game.n_states
    acc = [np.zeros((t, S)) for t in game.n_types]
    for t in np.argwhere(game.prior > 0):
        joint = joint_policy(game, _type_policies(sig, t))
        rew = np.stack([game.rewards[i][t[i]] for i in range(n)])
        v = evaluate_joint(game, joint, rew)
        w = game.prior[tuple(t)]
        for i in range(n):
            acc[i][t[i]] += w * v[i]
    per_type = []
    per_state = np.zeros((n, S))
    for i in range(n):
        per_state[i] = acc[i].sum(axis=0)
        f = np.zeros_like(acc[i])
        sup = game.type_support[i]
        f[sup] = acc[i][sup] / game.type_marginals[i][sup, None]
        per_type.append(f)
    return ProfileValues(per_type, per_state, per_state @ game.initial)


def induced_mdp(
    game: StochasticGame, player: int, others: list[FloatArray], rewards: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """The MDP player ``i`` faces when every other player ``j`` plays the Markov policy
    ``others[j]`` of shape ``(S, k_j)`` (``others[i]`` is ignored).

    Args:
        game: the dynamics.
        player: ``i``.
        others: ``n`` arrays ``(S, k_j)``.
        rewards: ``(m, S, k_0, …, k_{n-1})``: ``m`` reward functions of player ``i``.

    Returns:
        ``(P_i, R_i)`` of shapes ``(S, k_i, S)`` and ``(m, S, k_i)``:
        ``P_i(s' | s, a_i) = Σ_{a_{-i}} Π_{j≠i} π_j(a_j | s) P(s' | s, a)`` and likewise ``R_i``.
    """
    n, S = game.n_players, game.n_states
    p = game.transitions
    r = rewards
    # contract the other players' action axes, last first, keeping the state axis in front
    for j in range(n - 1, -1, -1):
        if j == player:
            continue
        pol = others[j]
        # p: (S, ..., k_j, ..., S): move axis j+1 to the end and contract
        p = np.einsum("s...at,sa->s...t", np.moveaxis(p, j + 1, -2), pol)
        r = np.einsum("ms...a,sa->ms...", np.moveaxis(r, j + 2, -1), pol)
    return p.reshape(S, game.n_actions[player], S), r.reshape(len(r), S, game.n_actions[player])


@dataclass(frozen=True)
class MDPSolution:
    """Optimal values of an MDP for ``m`` reward functions.

    Attributes:
        values: ``(m, S)``: ``V*(s)`` (for a horizon, from the first step).
        q: ``(m, S, A)``: ``Q*(s, a)`` at the first step.
        policy: ``(m, S)``: a greedy first-step action (for a discount: an optimal stationary
            policy up to the bound).
        bound: a certified bound on ``max |values − V*|`` (0 for exact methods, up to rounding).
        iterations: rounds of the method.
    """

    values: FloatArray
    q: FloatArray
    policy: npt.NDArray[np.intp]
    bound: float
    iterations: int


class _Backup:
    """``Q_a = R_a + γ P_a V`` for every action, as ``A`` slices of shape ``(m, S)``.

    Keeping the action axis outside (one ``(m, S) @ (S, S)`` product per action and a running
    maximum) avoids reductions over a short trailing axis, which NumPy does slowly. State-only
    rewards ``R(s)`` are added once, after the maximum.
    """

    def __init__(
        self, p: FloatArray, r: FloatArray | None, r_state: FloatArray | None, gamma: float
    ):
        self.pt = [np.ascontiguousarray(p[:, a, :].T) for a in range(p.shape[1])]
        self.r = (
            None if r is None else [np.ascontiguousarray(r[:, :, a]) for a in range(p.shape[1])]
        )
        self.r_state = r_state
        self.gamma = gamma

    def q(self, v: FloatArray, a: int) -> FloatArray:
        out = v @ self.pt[a]
        out *= self.gamma
        if self.r is not None:
            out += self.r[a]
        elif self.r_state is not None:
            out += self.r_state
        return out

    def best(self, v: FloatArray) -> tuple[FloatArray, npt.NDArray[np.intp]]:
        """``(max_a Q_a, first argmax)``."""
        best = self.q(v, 0)
        arg = np.zeros(best.shape, dtype=np.intp)
        for a in range(1, len(self.pt)):
            qa = self.q(v, a)
            better = qa > best
            np.maximum(best, qa, out=best)
            arg[better] = a
        return best, arg

    def all_q(self, v: FloatArray) -> FloatArray:
        return np.stack([self.q(v, a) for a in range(len(self.pt))], axis=2)


def solve_mdp(
    transitions: Any,
    rewards: Any,
    *,
    discount: float | None = None,
    horizon: int | None = None,
    method: Literal["policy_iteration", "value_iteration"] = "policy_iteration",
    tol: float = 1e-10,
    max_iter: int = 100_000,
) -> MDPSolution:
    """Optimal values for a batch of reward functions in one MDP (vectorised over the batch).

    Args:
        transitions: ``(S, A, S)``.
        rewards: ``(m, S, A)``, or ``(m, S)`` for state rewards ``R(s)`` that do not depend on the
            action.
        discount: ``γ ∈ [0, 1)``; exactly one of ``discount`` and ``horizon``.
        horizon: ``H``: backward induction (exact; the optimal policy is time-dependent).
        method: for a discount, ``"policy_iteration"`` (exact; warm-started by a few value
            iteration sweeps, then one batched ``(m, S, S)`` linear solve per round) or ``"value_iteration"`` (stops when ``‖V_{k+1} − V_k‖_∞ ≤ tol (1 − γ)/γ``,
            so ``‖V_{k+1} − V*‖_∞ ≤ tol``, the reported bound).
        tol: the certified tolerance of value iteration.
        max_iter: the most rounds allowed.

    Returns:
        An :class:`MDPSolution`.

    Example:
        >>> p = np.zeros((2, 2, 2)); p[:, 0, 0] = 1; p[:, 1, 1] = 1   # action a moves to state a
        >>> sol = solve_mdp(p, np.array([[0.0, 1.0]]), discount=0.5)  # R(s) = s
        >>> sol.values.round(6).tolist()
        [[1.0, 2.0]]
    """
    p = as_float_array("transitions", transitions)
    if p.ndim != 3 or p.shape[0] != p.shape[2]:
        raise ValueError(f"transitions must have shape (S, A, S), got {p.shape}")
    S, A = p.shape[0], p.shape[1]
    r: FloatArray | None = as_float_array("rewards", rewards)
    r_state: FloatArray | None = None
    assert r is not None
    if r.ndim == 2 and r.shape[1] == S:
        r_state, r = r, None
        m = r_state.shape[0]
    elif r.ndim != 3 or r.shape[1:] != (S, A):
        raise ValueError(
            f"rewards must have shape (m, S, A) = (m, {S}, {A}) or (m, S); got {r.shape}"
        )
    else:
        m = r.shape[0]
    if (discount is None) == (horizon is None):
        raise ValueError("give exactly one of discount and horizon")
    if horizon is not None:
        back = _Backup(p, r, r_state, 1.0)
        v: Any = np.zeros((m, S))
        for _ in range(int(horizon) - 1):
            v = back.best(v)[0]
        q = back.all_q(v)
        return MDPSolution(q.max(axis=2), q, q.argmax(axis=2), 0.0, int(horizon))
    assert discount is not None
    gamma = float(discount)
    if not 0 <= gamma < 1:
        raise ValueError(f"discount must be in [0, 1), got {discount!r}")
    back = _Backup(p, r, r_state, gamma)
    if method == "value_iteration":
        if r is None:
            assert r_state is not None
            v = r_state.copy()
        else:
            v = r.max(axis=2)
        threshold = tol * (1 - gamma) / gamma if gamma > 0 else np.inf
        for it in range(1, max_iter + 1):
            new, arg = back.best(v)
            gap = float(np.abs(new - v).max())
            v = new
            if gap <= threshold:
                bound = gamma / (1 - gamma) * gap
                return MDPSolution(v, back.all_q(v), arg, bound, it)
        raise RuntimeError(f"value iteration did not reach tol={tol} in {max_iter} rounds")
    if method != "policy_iteration":
        raise ValueError(f"method must be 'policy_iteration' or 'value_iteration', got {method!r}")
    if r is None:
        assert r_state is not None
        rr_full = np.broadcast_to(r_state[:, :, None], (m, S, A))
    else:
        rr_full = r
    # warm start: cheap value-iteration sweeps until the values settle to ~1e-3 of their scale,
    # so that the (costly) exact evaluations start from a nearly optimal policy
    v = rr_full.max(axis=2)
    scale = 1e-3 * max(1.0, float(np.abs(rr_full).max())) / (1 - gamma)
    for _ in range(200):
        new, pol = back.best(v)
        done = float(np.abs(new - v).max()) * gamma / (1 - gamma) <= scale
        v = new
        if done:
            break
    eye = np.eye(S)
    rows = np.arange(S)
    for it in range(1, max_iter + 1):
        pp = p[rows[None, :], pol]  # (m, S, S)
        rr = np.take_along_axis(rr_full, pol[..., None], axis=2)[..., 0]
        v = np.linalg.solve(eye - gamma * pp, rr[..., None])[..., 0]
        q = back.all_q(v)
        # switch only on a strict improvement (beyond rounding), so the loop ends
        cur = np.take_along_axis(q, pol[..., None], axis=2)[..., 0]
        better = q.max(axis=2) > cur + 1e-12 * (1 + np.abs(cur))
        if not better.any():
            return MDPSolution(v, q, pol, 0.0, it)
        pol = np.where(better, q.argmax(axis=2), pol)
    raise RuntimeError(f"policy iteration did not converge in {max_iter} rounds")


__all__ = [
    "MDPSolution",
    "ProfileValues",
    "evaluate_joint",
    "expected_rewards",
    "induced_mdp",
    "joint_policy",
    "markov_chain",
    "profile_values",
    "solve_mdp",
]
