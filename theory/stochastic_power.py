"""Best responses, POWER maps, NashConv and power scarcity in Bayesian stochastic games (MATH.md §5).

For a Markov profile ``σ`` (``σ_j(a_j | t_j, s)``) and a type ``t_i`` of player ``i``, the best
interim value ``max_π f_i(t_i, π, σ_{-i}; s)`` over *all* of ``i``'s history-dependent policies is
computed in one of two ways:

* **MDP** — when the others' strategies are the same for every ``t_{-i}`` in the posterior's support
  (in particular with one type each), their actions reveal nothing and ``i`` faces the MDP of
  :func:`~powergames.theory.stochastic_values.induced_mdp`; it is solved exactly by policy iteration
  (discount) or backward induction (horizon).
* **Belief MDP** — otherwise the others' actions reveal their types: the hidden part is ``t_{-i}``
  and ``i``'s belief is updated by Bayes' rule from every observed joint action. The recursion runs
  over (steps left, state, belief); a belief under which the others' strategies no longer differ
  is finished with the exact MDP value. With a horizon this is exact. With a discount the
  recursion is cut at the depth ``D`` where ``γ^D (r_max − r_min)/(2(1 − γ)) ≤ tol`` and every cut
  branch gets the midpoint of the possible continuation values, a certified bound of ``tol`` on the
  result (reported as ``bound``). The recursion visits at most ``max_nodes`` nodes and raises
  beyond that (the belief space grows exponentially with the depth when beliefs do not settle).

``POWER(i, σ; s) = Σ_{t_i} Ω_i(t_i) max_π f_i(t_i, π, σ_{-i}; s)`` is reported per state (a map) and
from ``μ_0``; the achieved values come from :func:`~powergames.theory.stochastic_values.profile_values`;
``NashConv = Σ_i (POWER_i(μ_0) − achieved_i(μ_0))``. In a constant-sum game (``Σ_i r_i = c``),
``Σ_i POWER_i(μ_0) − c/(1 − γ)`` (or ``− c H``) equals NashConv (power scarcity).

Longer than ~500 lines: best responses (MDP and belief MDP), POWER maps, NashConv and POWER_D all run on the same batched MDP solve and share its helpers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from powergames.games.checks import check_rng
from powergames.games.stochastic import StochasticGame
from powergames.theory.stochastic_values import (
    _check_game,
    induced_mdp,
    profile_values,
    solve_mdp,
)

FloatArray = npt.NDArray[np.float64]

#: Default cap on the nodes of one belief recursion.
MAX_BELIEF_NODES = 200_000


def _check_player(game: StochasticGame, player: Any) -> int:
    if isinstance(player, bool) or not isinstance(player, int | np.integer):
        raise TypeError(f"player must be an integer, got {type(player).__name__}")
    if not 0 <= player < game.n_players:
        raise ValueError(f"player must be in [0, {game.n_players}), got {player}")
    return int(player)


def _posterior(game: StochasticGame, i: int, t_i: int) -> tuple[npt.NDArray[np.intp], FloatArray]:
    """Support type profiles ``(M, n)`` with ``t[i] = t_i`` and their posterior weights ``(M,)``."""
    prof = np.argwhere(game.prior > 0)
    prof = prof[prof[:, i] == t_i]
    w = game.prior[tuple(prof.T)]
    return prof, w / w.sum()


def _others_policies(
    game: StochasticGame, i: int, sig: list[FloatArray], prof: npt.NDArray[np.intp]
) -> list[FloatArray] | None:
    """The others' ``(S, k_j)`` policies if they are the same across ``prof``, else ``None``."""
    out = []
    for j in range(game.n_players):
        if j == i:
            out.append(np.zeros((game.n_states, game.n_actions[j])))
            continue
        rows = sig[j][np.unique(prof[:, j])]
        if np.any(np.abs(rows - rows[0]) > 0):
            return None
        out.append(rows[0])
    return out


class _BeliefSolver:
    """The belief recursion of the module docstring for one player and type."""

    def __init__(
        self,
        game: StochasticGame,
        i: int,
        t_i: int,
        sig: list[FloatArray],
        prof: npt.NDArray[np.intp],
        depth: int,
        tail: float,
        max_nodes: int,
    ) -> None:
        n, S = game.n_players, game.n_states
        self.game, self.i, self.sig, self.prof = game, i, sig, prof
        self.S, self.k = S, game.n_actions[i]
        others = [j for j in range(n) if j != i]
        # Sig[m, s, b]: the others' joint action b (flattened, players in order) under profile m
        sig_m = np.ones((len(prof), S, 1))
        for j in others:
            sj = sig[j][prof[:, j]]  # (M, S, k_j)
            sig_m = (sig_m[..., :, None] * sj[:, :, None, :]).reshape(len(prof), S, -1)
        self.Sig = sig_m
        self.K = sig_m.shape[2]
        p = np.moveaxis(game.transitions, i + 1, 1)  # (S, k_i, others..., S)
        self.P = p.reshape(S, self.k, self.K, S)
        r = np.moveaxis(game.rewards[i][t_i], i + 1, 1)
        self.R = r.reshape(S, self.k, self.K)
        self.gamma = game.discount if game.discount is not None else 1.0
        self.depth, self.tail, self.max_nodes = depth, tail, max_nodes
        self.memo: dict[tuple[int, int, bytes], float] = {}
        self.mdp_memo: dict[tuple[int, bytes], FloatArray] = {}
        self.truncated = False
        self.nodes = 0
        self.rew = game.rewards[i][t_i][None]

    def _mdp_values(self, h: int, m: int) -> FloatArray:
        """Exact values ``(S,)`` when the others play profile ``m``'s strategies (known)."""
        key = (h, self.prof[m].tobytes())
        v = self.mdp_memo.get(key)
        if v is None:
            game = self.game
            others = [
                self.sig[j][self.prof[m, j]] if j != self.i else np.zeros((game.n_states, 1))
                for j in range(game.n_players)
            ]
            p_i, r_i = induced_mdp(game, self.i, others, self.rew)
            if game.discount is not None:
                v = solve_mdp(p_i, r_i, discount=game.discount).values[0]
            else:
                v = solve_mdp(p_i, r_i, horizon=h).values[0]
            self.mdp_memo[key] = v
        return v

    def value(self, h: int, s: int, w: FloatArray) -> float:
        """``max_π E[Σ_{τ<h} γ^τ r | s, belief w]`` (``h`` steps left; tail rules at the cut)."""
        if h == 0 and self.game.discount is None:
            return 0.0
        sup = np.flatnonzero(w > 0)
        rows = self.Sig[sup]
        if np.all(np.abs(rows - rows[0]) == 0):
            steps = h if self.game.discount is None else 0
            return float(self._mdp_values(steps, int(sup[0]))[s])
        if h == 0:
            self.truncated = True
            return self.tail
        key = (h, s, np.round(w, 12).tobytes())
        hit = self.memo.get(key)
        if hit is not None:
            return hit
        self.nodes += 1
        if self.nodes > self.max_nodes:
            raise ValueError(
                f"the belief recursion needs more than max_nodes={self.max_nodes} nodes; use a "
                "smaller horizon, a looser tol (discounted games), or strategies that reveal the "
                "types sooner"
            )
        pa = w @ self.Sig[:, s, :]  # (K,)
        q = (self.R[s] * pa).sum(axis=1)  # (k_i,)
        if h > 1 or self.game.discount is not None:
            cont = np.zeros(self.k)
            for b in np.flatnonzero(pa > 0):
                w2 = w * self.Sig[:, s, b]
                w2 = w2 / w2.sum()
                nxt = self.P[s, :, b, :]  # (k_i, S)
                reach = np.flatnonzero(nxt.max(axis=0) > 0)
                vals = np.zeros(self.S)
                for s2 in reach:
                    vals[s2] = self.value(h - 1, int(s2), w2)
                cont += pa[b] * (nxt @ vals)
            q = q + self.gamma * cont
        out = float(q.max())
        self.memo[key] = out
        return out


@dataclass(frozen=True)
class StochasticBestResponse:
    """A best response of every type of one player to the others' Markov strategies.

    Attributes:
        values: ``(T_i, S)``: ``max_π f_i(t_i, π, σ_{-i}; s)`` (zero-probability types: 0).
        policy: ``(T_i, S, k_i)`` one-hot optimal stationary policy when every type faces an MDP and
            the game is discounted; ``None`` otherwise (a horizon's optimum is time-dependent, a
            belief MDP's depends on the history).
        belief: whether some type needed the belief MDP.
        bound: certified bound on ``|values − exact|`` (0: exact up to rounding).
    """

    values: FloatArray
    policy: FloatArray | None
    belief: bool
    bound: float


def stochastic_best_response(
    game: StochasticGame,
    player: int,
    profile: Any,
    *,
    tol: float = 1e-9,
    max_nodes: int = MAX_BELIEF_NODES,
) -> StochasticBestResponse:
    """The best interim values of every type of ``player`` against the others' Markov strategies
    (MATH.md §5; the MDP or belief-MDP case, see the module docstring).

    Args:
        game: a :class:`~powergames.games.StochasticGame` with a type table.
        player: ``i``.
        profile: per player ``(T_j, S, k_j)`` (or ``(S, k_j)``); ``profile[i]`` only needs to be valid.
        tol: certified accuracy of the discounted belief recursion.
        max_nodes: cap on the belief recursion's nodes.

    Returns:
        A :class:`StochasticBestResponse`.
    """
    game = _check_game(game)
    i = _check_player(game, player)
    sig = game.validate_profile(profile)
    if not tol > 0:
        raise ValueError(f"tol must be > 0, got {tol!r}")
    S, k = game.n_states, game.n_actions[i]
    values = np.zeros((game.n_types[i], S))
    policy = np.zeros((game.n_types[i], S, k))
    groups: dict[bytes, tuple[list[FloatArray], list[int]]] = {}
    belief_types = []
    for t_i in np.flatnonzero(game.type_support[i]):
        prof, w = _posterior(game, i, int(t_i))
        others = _others_policies(game, i, sig, prof)
        if others is None:
            belief_types.append((int(t_i), prof, w))
            continue
        key = b"".join(o.tobytes() for j, o in enumerate(others) if j != i)
        groups.setdefault(key, (others, []))[1].append(int(t_i))
    for others, types in groups.values():  # one batched solve per distinct opponent behaviour
        p_i, r_i = induced_mdp(game, i, others, game.rewards[i][types])
        if game.discount is not None:
            sol = solve_mdp(p_i, r_i, discount=game.discount)
        else:
            sol = solve_mdp(p_i, r_i, horizon=game.horizon)
        values[types] = sol.values
        policy[np.array(types)[:, None], np.arange(S)[None, :], sol.policy] = 1.0
    bound = 0.0
    for tb, prof, w in belief_types:
        r = game.rewards[i][tb]
        lo, hi = float(r.min()), float(r.max())
        if game.discount is not None:
            g = game.discount
            spread = (hi - lo) / (2 * (1 - g))
            depth = 1 if spread <= tol or g == 0 else max(1, math.ceil(math.log(tol / spread, g)))
            tail = (hi + lo) / (2 * (1 - g))
            solver = _BeliefSolver(game, i, tb, sig, prof, depth, tail, max_nodes)
            values[tb] = [solver.value(depth, s, w) for s in range(S)]
            if solver.truncated:
                bound = max(bound, g**depth * spread)
        else:
            assert game.horizon is not None
            solver = _BeliefSolver(game, i, tb, sig, prof, game.horizon, 0.0, max_nodes)
            values[tb] = [solver.value(game.horizon, s, w) for s in range(S)]
    has_belief = bool(belief_types)
    markov = game.discount is not None and not has_belief
    return StochasticBestResponse(values, policy if markov else None, has_belief, bound)


@dataclass(frozen=True)
class StochasticPowerReport:
    """POWER per player, type and state, achieved values and NashConv (MATH.md §5).

    Attributes:
        type_power: per player ``(T_i, S)``: ``max_π f_i(t_i, π, σ_{-i}; s)``.
        type_achieved: per player ``(T_i, S)``: ``f_i(t_i, σ_i, σ_{-i}; s)``.
        power_map: ``(n, S)``: ``POWER(i, σ; s)``.
        achieved_map: ``(n, S)``.
        power: ``(n,)``: POWER from ``μ_0``.
        achieved: ``(n,)``: achieved values from ``μ_0``.
        nash_conv: ``Σ_i (power_i − achieved_i)``.
        belief: per player, whether the belief MDP was needed.
        bound: certified bound on every POWER entry (0: exact up to rounding).
        constant_sum: ``c`` if ``Σ_i r_i = c`` on the prior's support, else ``None``.
        scarcity_gap: ``Σ_i power_i − c · W`` (``W = 1/(1 − γ)`` or ``H``) for a constant-sum game.
    """

    type_power: list[FloatArray]
    type_achieved: list[FloatArray]
    power_map: FloatArray
    achieved_map: FloatArray
    power: FloatArray
    achieved: FloatArray
    nash_conv: float
    belief: list[bool]
    bound: float
    constant_sum: float | None
    scarcity_gap: float | None


def stochastic_power_report(
    game: StochasticGame,
    profile: Any,
    *,
    tol: float = 1e-9,
    max_nodes: int = MAX_BELIEF_NODES,
) -> StochasticPowerReport:
    """Everything about POWER at a Markov profile: maps, values from ``μ_0``, NashConv, scarcity.

    Args:
        game: a :class:`~powergames.games.StochasticGame` with a type table.
        profile: per player ``(T_i, S, k_i)`` (or ``(S, k_i)``) Markov strategies.
        tol, max_nodes: as in :func:`stochastic_best_response`.

    Returns:
        A :class:`StochasticPowerReport`.
    """
    game = _check_game(game)
    ach = profile_values(game, profile)
    n, S = game.n_players, game.n_states
    tpow, belief = [], []
    pmap = np.zeros((n, S))
    bound = 0.0
    for i in range(n):
        br = stochastic_best_response(game, i, profile, tol=tol, max_nodes=max_nodes)
        tpow.append(br.values)
        belief.append(br.belief)
        bound = max(bound, br.bound)
        pmap[i] = game.type_marginals[i] @ br.values
    power = pmap @ game.initial
    c = game.constant_sum_value()
    gap = None if c is None else float(power.sum() - c * game.total_weight)
    return StochasticPowerReport(
        type_power=tpow,
        type_achieved=ach.per_type,
        power_map=pmap,
        achieved_map=ach.per_state,
        power=power,
        achieved=ach.from_initial,
        nash_conv=float((power - ach.from_initial).sum()),
        belief=belief,
        bound=bound,
        constant_sum=c,
        scarcity_gap=gap,
    )


def power_map(game: StochasticGame, profile: Any, **kwargs: Any) -> FloatArray:
    """``POWER(i, σ; s)`` for every player and state, shape ``(n, S)`` (MATH.md §5)."""
    return stochastic_power_report(game, profile, **kwargs).power_map


def stochastic_power(game: StochasticGame, profile: Any, **kwargs: Any) -> FloatArray:
    """``POWER(i, σ; μ_0)`` for every player, shape ``(n,)`` (MATH.md §5)."""
    return stochastic_power_report(game, profile, **kwargs).power


def stochastic_nash_conv(game: StochasticGame, profile: Any, **kwargs: Any) -> float:
    """``Σ_i (POWER_i(μ_0) − achieved_i(μ_0)) ≥ 0``; 0 exactly at a Bayesian Nash equilibrium of
    the stochastic game (every ``σ_i`` a best response from ``μ_0``)."""
    return stochastic_power_report(game, profile, **kwargs).nash_conv


# ---------------------------------------------------------------------- continuous types
@dataclass(frozen=True)
class MonteCarloMap:
    """A Monte Carlo estimate per state with its confidence interval.

    Attributes:
        mean: ``(S,)`` sample means.
        half_width: ``(S,)`` half-widths of the two-sided normal interval at ``confidence`` (plus
            the solver's certified bound, so the interval covers the exact expectation).
        std: ``(S,)`` sample standard deviations of the per-sample quantity.
        n_samples: number of reward samples.
        confidence: the interval's level.
        solver_bound: the certified solver error included in ``half_width``.
    """

    mean: FloatArray
    half_width: FloatArray
    std: FloatArray
    n_samples: int
    confidence: float
    solver_bound: float

    @property
    def low(self) -> FloatArray:
        """``mean − half_width``."""
        return self.mean - self.half_width

    @property
    def high(self) -> FloatArray:
        """``mean + half_width``."""
        return self.mean + self.half_width


def _z(confidence: float) -> float:
    from scipy.stats import norm

    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    return float(norm.ppf(0.5 + confidence / 2))


def _single_agent_dynamics(
    game: StochasticGame, player: int, others: Any
) -> tuple[FloatArray, FloatArray]:
    """``(P_i, ones)`` — the MDP of ``player`` against the others' fixed ``(S, k_j)`` policies."""
    n, S = game.n_players, game.n_states
    if n == 1:
        return game.transitions, np.zeros((1, S, game.n_actions[0]))
    if others is None or len(others) != n:
        raise ValueError(
            f"others must hold one (S, k_j) policy per player ({n}) for a multi-agent game"
        )
    pols = []
    for j in range(n):
        if j == player:
            pols.append(np.zeros((S, game.n_actions[j])))
            continue
        pj = np.asarray(others[j], dtype=np.float64)
        if pj.shape != (S, game.n_actions[j]) or np.any(pj < 0):
            raise ValueError(f"others[{j}] must be an (S, k_{j}) = {(S, game.n_actions[j])} policy")
        if np.any(np.abs(pj.sum(axis=1) - 1) > 1e-9):
            raise ValueError(f"others[{j}] rows must sum to 1")
        pols.append(pj)
    zero = np.zeros((1, S, *game.n_actions))
    return induced_mdp(game, player, pols, zero)


def sampled_power_map(
    game: StochasticGame,
    rng: Any,
    n_samples: int,
    *,
    player: int = 0,
    others: Any = None,
    normalised: bool = True,
    method: Literal["policy_iteration", "value_iteration"] = "value_iteration",
    tol: float = 1e-6,
    confidence: float = 0.95,
    chunk: int = 1 << 16,
) -> MonteCarloMap:
    """POWER per state over a continuous type prior (state rewards ``R ∼ D``), by Monte Carlo.

    With ``normalised`` (POWERplay's ``POWER_D``, MATH.md §5) the per-sample quantity is
    ``(1 − γ)/γ · (V*_R(s) − R(s))``; otherwise it is ``V*_R(s)`` (the unnormalised POWER of §5).
    All samples of a chunk are solved by one batched value (or policy) iteration, not a loop per
    sample. In a multi-agent game the other players play the fixed Markov policies ``others``.

    Args:
        game: a :class:`~powergames.games.StochasticGame` with a ``reward_sampler`` and a discount.
        rng: a ``numpy.random.Generator`` or an int seed.
        n_samples: the number of reward functions drawn.
        player: whose POWER.
        others: per player ``(S, k_j)`` policies of the others (multi-agent games).
        normalised: POWERplay's normalisation.
        method: ``"value_iteration"`` (to ``tol``, certified) or ``"policy_iteration"`` (exact).
        tol: value iteration's certified sup-norm error on ``V*``.
        confidence: the interval's level.
        chunk: samples per batched solve (bounds memory).

    Returns:
        A :class:`MonteCarloMap` whose interval includes the solver's certified error.
    """
    game = _check_game(game)
    if game.reward_sampler is None:
        raise ValueError("sampled_power_map needs a game with a reward_sampler (continuous types)")
    if game.discount is None or (normalised and game.discount == 0):
        raise ValueError("sampled_power_map needs a discount γ in (0, 1) (POWER_D divides by γ)")
    i = _check_player(game, player)
    rng = check_rng(rng)
    if isinstance(n_samples, bool) or not isinstance(n_samples, int | np.integer) or n_samples < 2:
        raise ValueError(f"n_samples must be an integer >= 2, got {n_samples!r}")
    z = _z(confidence)
    p_i, _ = _single_agent_dynamics(game, i, others)
    g = game.discount
    scale = (1 - g) / g if normalised else 1.0
    total = np.zeros(game.n_states)
    total_sq = np.zeros(game.n_states)
    bound = 0.0
    done = 0
    while done < n_samples:
        m = min(chunk, n_samples - done)
        r = game.reward_sampler.sample(rng, m, game.n_states)
        sol = solve_mdp(p_i, r, discount=g, method=method, tol=tol)
        x = scale * (sol.values - r) if normalised else sol.values
        total += x.sum(axis=0)
        total_sq += (x * x).sum(axis=0)
        bound = max(bound, sol.bound * scale)
        done += m
    mean = total / n_samples
    var = np.maximum(total_sq / n_samples - mean**2, 0.0) * n_samples / (n_samples - 1)
    std = np.sqrt(var)
    return MonteCarloMap(
        mean, z * std / math.sqrt(n_samples) + bound, std, n_samples, confidence, bound
    )


def power_d(
    transitions: Any,
    discount: float,
    rng: Any,
    n_samples: int,
    *,
    low: float = 0.0,
    high: float = 1.0,
    **kwargs: Any,
) -> MonteCarloMap:
    """POWERplay's single-agent ``POWER_D(s) = (1 − γ)/γ · E_{R∼D}[V*_R(s) − R(s)]`` (MATH.md §5)
    with i.i.d. uniform ``[low, high]`` state rewards, for an MDP ``(S, A, S)``.

    Example:
        >>> from powergames.games.gridworld import GridWorld
        >>> grid = GridWorld.build(["..", ".."])
        >>> est = power_d(grid.transitions, 0.6, rng=0, n_samples=2000)
        >>> bool(abs(est.mean[0] - est.mean[3]) < 4 * est.half_width.max())
        True
    """
    from powergames.games.stochastic import StateRewardSampler

    game = StochasticGame(
        transitions, None, None, None, discount, reward_sampler=StateRewardSampler(low, high)
    )
    return sampled_power_map(game, rng, n_samples, **kwargs)


__all__ = [
    "StochasticBestResponse",
    "MAX_BELIEF_NODES",
    "MonteCarloMap",
    "StochasticPowerReport",
    "power_d",
    "power_map",
    "sampled_power_map",
    "stochastic_best_response",
    "stochastic_nash_conv",
    "stochastic_power",
    "stochastic_power_report",
]
