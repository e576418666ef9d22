"""PettingZoo ``ParallelEnv`` of population bargaining (MATH.md §4; model in ``powergames.theory.population``).

``n_agents`` agents, ``round(F_V · n_agents)`` of them with our values (``V``, value class 1), the
rest ``¬V`` (class 0); classes are shuffled at ``reset``. Every round the agents are matched in pairs
with locality ``λ``: each agent is *local* with probability ``λ``; local agents are paired at random
within their class, everyone else (and a local agent left over by an odd class) at random in one
global pool; with an odd pool one agent sits the round out. The pairing is drawn before the agents
act and each agent observes its partner's class. Actions: ``0`` = hold out, ``1`` = cooperate. A
pair settles only when both cooperate (:data:`powergames.theory.population.SETTLES`); both then
get ``settlement``, otherwise both get ``disagreement`` (an agent sitting out gets 0).

**Dispositions.** With ``f_c_given_v`` and ``f_c_given_not_v`` (``F_{C|V}``, ``F_{C|¬V}``) every
agent also gets a cooperative disposition at ``reset``: ``C`` with probability ``F_{C|V}`` if it is
``V``, ``F_{C|¬V}`` if ``¬V``, independently across agents (i.i.d., not exact counts: then the
expected settlement rate is a polynomial in the fractions, smooth enough to differentiate, and two
distinct agents' dispositions are independent, so a ``V`` agent meeting a class-``X`` partner
settles with probability exactly ``F_{C|V} F_{C|X}`` when both act on their dispositions). The
disposition is in the agent's observation and infos; the policy that acts on it (cooperate iff
``C``) is :class:`powergames.agents.disposition.DispositionPolicy`. Without the fractions agents
have no disposition (the ``"disposition"`` slot is zeros) and cooperation is whatever they play.

**Composition.** ``composition="exact"`` (default): ``round(F_V · n_agents)`` agents are ``V``,
shuffled at ``reset``. ``composition="iid"``: each agent is ``V`` with probability ``F_V``
independently at ``reset`` (a class may be empty), so expectations are smooth in ``F_V`` and
``db/dF_V`` of the finite population exists.

**b of the finite population.** ``b`` is the fraction of ``V`` agents' interactions that settle,
``E[settled V interactions] / E[V interactions]``. With agents acting on i.i.d. dispositions it is
``F_{C|V} [q_n F_{C|V} + (1 − q_n) F_{C|¬V}]``, the model's formula
(:func:`powergames.theory.population.settlement_rate`) with ``q = λ + (1 − λ) F_V`` replaced by
the matching's exact ``q_n = E[V–V interactions] / E[V interactions]`` (a ``V`` agent cannot meet
itself, and odd classes spill into the global pool), which :func:`exact_settlement_gradient`
computes by enumeration together with the exact slopes; ``q_n − q = O(1/n_agents)``. With
``composition="iid"`` and ``λ = 0`` the continuum values are exact (a partner drawn without regard
to class is ``V`` with probability ``F_V``, whatever the focal agent's class).
:attr:`PopulationBargainingEnv.settlement_counts` accumulates the counts.

Observation of an agent (flat ``float32`` ``Box(0, 1)``; :meth:`observation_layout` gives the
slices): ``"type"`` one-hot own class (``[¬V, V]``), ``"partner_type"`` one-hot partner class (zeros
when sitting out), ``"round"`` (round index / ``max_cycles``), ``"prev_outcome"`` (own action,
partner action, settled in the previous round; zeros before the first), ``"disposition"`` one-hot
own disposition (``[¬C, C]``; zeros without dispositions); observations are fresh writable arrays.
``infos[agent]`` holds numbers only, with the same keys at ``reset`` and at every ``step`` (strict
clients such as TorchRL build their specs from the reset infos): ``"round"`` (the round the info
describes: the round just played, 0 at reset), ``"value"`` (1 = ``V``, 0 = ``¬V``),
``"disposition"`` (1 = ``C``, 0 = ``¬C``, -1 without dispositions), ``"partner"`` (the partner's
index in ``possible_agents`` for that round, -1 when sitting out), ``"joint_action"`` (a tuple, one
action per agent; -1 each at reset) and ``"settled"`` (1 if the agent's pair settled, else 0; 0 at
reset). Every agent has its own info dict. Episodes terminate after ``max_cycles`` rounds. Registered as
``"powergames/population-bargaining-v0"`` (:func:`powergames.envs.make` with the same keyword
arguments).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import gymnasium
import numpy as np
from pettingzoo import ParallelEnv

from powergames.envs.actions import check_discrete
from powergames.envs.agent_ids import agent_position
from powergames.envs.rendering import TextRender, check_render_mode
from powergames.envs.seeding import SeededRandom
from powergames.games.checks import as_float_array, check_positive_int
from powergames.theory.population import SETTLES

_LAYOUT = {
    "type": slice(0, 2),
    "partner_type": slice(2, 4),
    "round": slice(4, 5),
    "prev_outcome": slice(5, 8),
    "disposition": slice(8, 10),
}
_OBS_SIZE = 10

#: Ways to draw the value classes at ``reset`` (module docstring).
COMPOSITIONS = ("exact", "iid")


def _fraction(name: str, value: Any, strict: bool = False) -> float:
    x = float(as_float_array(name, value, ndim=0))
    if (strict and not 0 < x < 1) or not 0 <= x <= 1:
        raise ValueError(f"{name} must be in {'(0, 1)' if strict else '[0, 1]'}, got {x!r}")
    return x


class PopulationBargainingEnv(SeededRandom, TextRender, ParallelEnv):
    """Population bargaining with locality (see the module docstring).

    Args:
        n_agents: population size (≥ 2).
        f_v: ``F_V``, fraction of agents with our values: with ``composition="exact"``
            ``round(f_v · n_agents)`` of them, which must leave at least one agent in each class;
            with ``"iid"`` each agent is ``V`` with probability ``f_v``.
        locality: ``λ ∈ [0, 1]``, probability that an agent is matched within its own class.
        f_c_given_v: ``F_{C|V} ∈ [0, 1]``: probability that a ``V`` agent is cooperative (``C``),
            drawn independently per agent at ``reset``; ``None`` (default, with
            ``f_c_given_not_v``): no dispositions.
        f_c_given_not_v: ``F_{C|¬V} ∈ [0, 1]`` likewise for ``¬V`` agents.
        composition: ``"exact"`` or ``"iid"`` value classes (module docstring).
        max_cycles: rounds per episode.
        settlement: reward of each side when a pair settles.
        disagreement: reward of each side when it does not.
        render_mode: ``None``, ``"ansi"`` (``render()`` returns the text) or ``"human"`` (prints it).
    """

    metadata = {
        "name": "powergames_population_bargaining_v0",
        "render_modes": ["ansi", "human"],
        "is_parallelizable": True,
        "render_fps": 1,
    }

    def __init__(
        self,
        n_agents: int = 8,
        f_v: float = 0.5,
        locality: float = 0.0,
        max_cycles: int = 10,
        settlement: float = 1.0,
        disagreement: float = 0.0,
        render_mode: str | None = None,
        f_c_given_v: float | None = None,
        f_c_given_not_v: float | None = None,
        composition: str = "exact",
    ) -> None:
        n = check_positive_int("n_agents", n_agents, minimum=2)
        self.f_v = _fraction("f_v", f_v, strict=True)
        if not isinstance(composition, str) or composition not in COMPOSITIONS:
            raise ValueError(f"composition must be one of {COMPOSITIONS}, got {composition!r}")
        self.composition = composition
        #: Number of ``V`` agents (fixed with ``"exact"``; redrawn at every ``reset`` with ``"iid"``).
        self.n_v = int(round(self.f_v * n))
        if composition == "exact" and not 1 <= self.n_v <= n - 1:
            raise ValueError(
                f"f_v={self.f_v} with n_agents={n} gives {self.n_v} V agents; each class needs >= 1"
            )
        if (f_c_given_v is None) != (f_c_given_not_v is None):
            raise ValueError(
                "f_c_given_v and f_c_given_not_v must be given together (or neither, for agents "
                "without dispositions)"
            )
        self.f_c_given_v = None if f_c_given_v is None else _fraction("f_c_given_v", f_c_given_v)
        self.f_c_given_not_v = (
            None if f_c_given_not_v is None else _fraction("f_c_given_not_v", f_c_given_not_v)
        )
        self.locality = _fraction("locality", locality)
        self.max_cycles = check_positive_int("max_cycles", max_cycles)
        self.settlement = float(as_float_array("settlement", settlement, ndim=0))
        self.disagreement = float(as_float_array("disagreement", disagreement, ndim=0))
        self.render_mode = check_render_mode(render_mode)
        self.possible_agents = [f"player_{i}" for i in range(n)]
        self.agents: list[str] = []
        self._index = {a: i for i, a in enumerate(self.possible_agents)}
        self._obs_space = gymnasium.spaces.Box(0.0, 1.0, shape=(_OBS_SIZE,), dtype=np.float32)
        self._act_space = gymnasium.spaces.Discrete(2)
        self.observation_spaces = dict.fromkeys(self.possible_agents, self._obs_space)
        self.action_spaces = dict.fromkeys(self.possible_agents, self._act_space)
        self.values = np.zeros(n, dtype=np.int64)
        #: Per agent 1 = ``C``, 0 = ``¬C``, -1 = no disposition (set at ``reset``).
        self.dispositions = np.full(n, -1, dtype=np.int64)
        self.partner = np.full(n, -1, dtype=np.int64)
        self._last: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        #: ``[settled, total]`` interactions of ``V`` agents since construction (an estimate of ``b``).
        self.settlement_counts = np.zeros(2, dtype=np.int64)

    # ------------------------------------------------------------------ spaces
    def observation_space(self, agent: str) -> gymnasium.spaces.Box:
        """The same ``Box(0, 1, (10,), float32)`` object for every agent."""
        agent_position(self._index, agent)
        return self._obs_space

    def action_space(self, agent: str) -> gymnasium.spaces.Discrete:
        """``Discrete(2)``: 0 = hold out, 1 = cooperate (one shared object)."""
        agent_position(self._index, agent)
        return self._act_space

    def observation_layout(self, agent: str) -> dict[str, slice]:
        """Slices of the observation: ``type``, ``partner_type``, ``round``, ``prev_outcome``,
        ``disposition``."""
        agent_position(self._index, agent)
        return dict(_LAYOUT)

    # ------------------------------------------------------------------ dynamics
    def _match(self) -> np.ndarray:
        """A partner index per agent (``-1`` = sits out) under the locality matching."""
        rng = self.np_random
        n = len(self.possible_agents)
        partner = np.full(n, -1, dtype=np.int64)
        local = rng.random(n) < self.locality
        pool = [np.flatnonzero(~local)]
        for cls in (0, 1):
            members = rng.permutation(np.flatnonzero(local & (self.values == cls)))
            if len(members) % 2:
                pool.append(members[-1:])
                members = members[:-1]
            partner[members[0::2]], partner[members[1::2]] = members[1::2], members[0::2]
        glob = rng.permutation(np.concatenate(pool))
        if len(glob) % 2:
            glob = glob[:-1]
        partner[glob[0::2]], partner[glob[1::2]] = glob[1::2], glob[0::2]
        return partner

    def _observations(self, t: int, prev: np.ndarray | None) -> dict[str, np.ndarray]:
        n = len(self.possible_agents)
        obs = np.zeros((n, _OBS_SIZE), dtype=np.float32)
        obs[np.arange(n), self.values] = 1.0
        matched = self.partner >= 0
        obs[matched, 2 + self.values[self.partner[matched]]] = 1.0
        obs[:, 4] = t / self.max_cycles
        if prev is not None:
            obs[:, 5:8] = prev
        has = self.dispositions >= 0
        obs[has, 8 + self.dispositions[has]] = 1.0
        return {a: obs[i] for i, a in enumerate(self.possible_agents)}

    def reset(
        self, seed: int | None = None, options: dict | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, dict]]:
        """Start an episode: draw the value classes and dispositions, and the first pairing."""
        self._reseed(seed)
        n = len(self.possible_agents)
        rng = self.np_random
        if self.composition == "iid":
            self.values = (rng.random(n) < self.f_v).astype(np.int64)
            self.n_v = int(self.values.sum())
        else:
            self.values = np.zeros(n, dtype=np.int64)
            self.values[rng.permutation(n)[: self.n_v]] = 1
        if self.f_c_given_v is not None and self.f_c_given_not_v is not None:
            frac = np.where(self.values == 1, self.f_c_given_v, self.f_c_given_not_v)
            self.dispositions = (rng.random(n) < frac).astype(np.int64)
        self.agents = list(self.possible_agents)
        self._round = 0
        self._last = None
        self.partner = self._match()
        return self._observations(0, None), self._infos(0, (-1,) * n, np.zeros(n, dtype=bool))

    def _infos(
        self, t: int, joint: tuple[int, ...], settled: np.ndarray
    ) -> dict[str, dict[str, Any]]:
        """One info dict per agent (numbers only; see the module docstring)."""
        values = self.values.tolist()
        dispositions = self.dispositions.tolist()
        partners = self.partner.tolist()
        done = settled.astype(np.int64).tolist()
        return {
            a: {
                "round": t,
                "value": values[i],
                "disposition": dispositions[i],
                "partner": partners[i],
                "joint_action": joint,
                "settled": done[i],
            }
            for i, a in enumerate(self.agents)
        }

    def _parse(self, actions: Mapping[str, Any]) -> np.ndarray:
        if not isinstance(actions, Mapping):
            raise TypeError(f"actions must be a dict agent -> action, got {type(actions).__name__}")
        extra = set(actions) - set(self.agents)
        if extra:
            raise ValueError(f"actions for unknown or finished agent {sorted(extra)[0]!r}")
        missing = [a for a in self.agents if a not in actions]
        if missing:
            raise ValueError(f"missing action for agent {missing[0]!r}")
        out = np.empty(len(self.agents), dtype=np.int64)
        for i, a in enumerate(self.agents):
            out[i] = check_discrete(a, actions[a], 2, "Discrete(2) (0 = hold out, 1 = cooperate)")
        return out

    def step(self, actions: Mapping[str, Any]) -> tuple[dict, dict, dict, dict, dict]:
        """Play one round: matched pairs settle iff both cooperate; then draw the next pairing.

        Raises:
            ValueError: an action other than 0/1, an unknown or missing agent, or a step after the
                episode ended.
            TypeError: ``actions`` not a dict or an action not an integer.
        """
        if not self.agents:
            raise ValueError(
                "step() called after the episode ended (or before reset()); call reset()"
            )
        acts = self._parse(actions)
        partner = self.partner
        matched = partner >= 0
        other = np.where(matched, acts[np.where(matched, partner, 0)], 0)
        settled = matched & SETTLES[acts, other]
        rewards_arr = np.where(matched, np.where(settled, self.settlement, self.disagreement), 0.0)
        v_matched = matched & (self.values == 1)
        self.settlement_counts += [int(settled[v_matched].sum()), int(v_matched.sum())]
        joint = tuple(int(a) for a in acts)
        infos = self._infos(self._round, joint, settled)
        self._last = (acts, settled, rewards_arr)
        prev = np.stack([acts, other, settled], axis=1).astype(np.float32)
        self._round += 1
        done = self._round >= self.max_cycles
        if not done:
            self.partner = self._match()
        obs = self._observations(self._round, prev)
        agents = self.agents
        rewards = {a: float(rewards_arr[i]) for i, a in enumerate(agents)}
        terms = dict.fromkeys(agents, done)
        truncs = dict.fromkeys(agents, False)
        if done:
            self.agents = []
        if self.render_mode == "human":
            self.render()
        return obs, rewards, terms, truncs, infos

    # ------------------------------------------------------------------ rendering
    def _render_text(self) -> str:
        if self._last is None:
            return f"population bargaining: round 0/{self.max_cycles}, no actions yet"
        acts, settled, rewards = self._last
        lines = [f"population bargaining: round {self._round}/{self.max_cycles}"]
        for i, a in enumerate(self.possible_agents):
            disp = {1: "C  ", 0: "¬C "}.get(int(self.dispositions[i]), "")
            lines.append(
                f"  {a}  {'V ' if self.values[i] else '¬V'}  {disp}"
                f"{'cooperate' if acts[i] else 'hold out '}  "
                f"{'settled' if settled[i] else '-      '}  reward {rewards[i]:+.3f}"
            )
        return "\n".join(lines)

    def close(self) -> None:
        """Nothing to release."""


def exact_finite_settlement_rate(
    n_agents: int, n_v: int, cooperative_v: int, cooperative_not_v: int, local: bool
) -> float:
    """Exact expected ``b`` of the env with fixed dispositions, for ``locality ∈ {0, 1}``.

    With ``cooperative_v`` always-cooperating ``V`` agents (the other ``V`` agents hold out) and
    ``cooperative_not_v`` likewise among ``¬V``, a ``V`` agent's partner is uniform over the other
    agents (``locality = 0``, even ``n_agents``) or over the other ``V`` agents (``locality = 1``,
    even ``n_v``), so ``b = (c_V / n_V) · (#cooperators available − 1)/(#candidates − 1)``.
    """
    if local:
        if n_v % 2:
            raise ValueError("local=True needs an even number of V agents (no one sits out)")
        return cooperative_v / n_v * (cooperative_v - 1) / (n_v - 1)
    if n_agents % 2:
        raise ValueError("local=False needs an even n_agents (no one sits out)")
    return cooperative_v / n_v * (cooperative_v + cooperative_not_v - 1) / (n_agents - 1)


def _expected_slots(n_agents: int, n_v: int, locality: float) -> tuple[float, float]:
    """Expected ``(V–V, V–¬V)`` interactions of ``V`` agents in one round, ``n_v`` agents ``V``.

    Exact enumeration of the matching in :meth:`PopulationBargainingEnv._match`: ``L_V ~ Bin(n_V,
    λ)`` and ``L_¬V ~ Bin(n_¬V, λ)`` local agents form ``⌊L/2⌋`` pairs within their class; the
    ``G = G_V + G_¬V`` others are paired at random, one sitting out if ``G`` is odd, so a pool agent
    is matched with probability ``1`` (``G`` even) or ``(G − 1)/G`` and then meets a uniform one of
    the other ``G − 1``.
    """
    from scipy.stats import binom  # imported on first use: scipy.stats is slow to import

    n_n = n_agents - n_v
    lv, ln = np.arange(n_v + 1), np.arange(n_n + 1)
    pmf_v, pmf_n = binom.pmf(lv, n_v, locality), binom.pmf(ln, n_n, locality)
    pairs_v = lv // 2
    g_v = (n_v - 2 * pairs_v)[:, None]
    g_n = (n_n - 2 * (ln // 2))[None, :]
    g = g_v + g_n
    with np.errstate(divide="ignore", invalid="ignore"):
        matched = np.where(g % 2 == 0, 1.0, (g - 1) / g)
        per_other = np.where(g >= 2, matched / (g - 1), 0.0)
    vv = 2 * pairs_v[:, None] + g_v * (g_v - 1) * per_other
    vn = g_v * g_n * per_other
    w = pmf_v[:, None] * pmf_n[None, :]
    return float((w * vv).sum()), float((w * vn).sum())


def exact_settlement_gradient(
    n_agents: int,
    f_v: float,
    f_c_given_v: float,
    f_c_given_not_v: float,
    locality: float,
    composition: str = "iid",
) -> dict[str, float]:
    """Exact ``b`` and its slopes for this environment with agents acting on their dispositions.

    ``b = E[settled V interactions] / E[V interactions]`` per round (the module docstring), exactly
    ``F_{C|V} [q_n F_{C|V} + (1 − q_n) F_{C|¬V}]`` with ``q_n = A/(A + B)``, ``A`` and ``B`` the
    expected ``V–V`` and ``V–¬V`` interactions of ``V`` agents per round (enumerated over the local
    draws; with ``composition="iid"`` also over ``n_V ~ Bin(n_agents, F_V)``, so ``A(F_V)`` and
    ``B(F_V)`` are polynomials). Slopes::

        db/dF_{C|V}  = 2 q_n F_{C|V} + (1 − q_n) F_{C|¬V}
        db/dF_{C|¬V} = (1 − q_n) F_{C|V}
        db/dF_V      = F_{C|V} (F_{C|V} − F_{C|¬V}) dq_n/dF_V     (composition "iid" only)

    with ``dq_n/dF_V = (A′B − AB′)/(A + B)²`` and ``d Bin(k; n, F)/dF = Bin(k; n, F)(k − nF)/(F(1 − F))``.
    As ``n_agents → ∞`` these tend to :func:`powergames.theory.population.settlement_gradient`.
    Cost ``O(n_agents³)``.

    Args:
        n_agents: population size (≥ 2).
        f_v: ``F_V ∈ (0, 1)``.
        f_c_given_v: ``F_{C|V} ∈ [0, 1]``.
        f_c_given_not_v: ``F_{C|¬V} ∈ [0, 1]``.
        locality: ``λ ∈ [0, 1]``.
        composition: ``"iid"`` or ``"exact"`` (``round(F_V n)`` agents ``V``: no ``db_df_v``).

    Returns:
        ``b``, ``db_df_v`` (``"iid"`` only), ``db_df_c_given_v``, ``db_df_c_given_not_v``, and
        ``q`` (``q_n``) and ``v_interactions`` (``A + B``, expected ``V`` interactions per round).
    """
    n = check_positive_int("n_agents", n_agents, minimum=2)
    fv = _fraction("f_v", f_v, strict=True)
    fcv = _fraction("f_c_given_v", f_c_given_v)
    fcn = _fraction("f_c_given_not_v", f_c_given_not_v)
    lam = _fraction("locality", locality)
    if composition not in COMPOSITIONS:
        raise ValueError(f"composition must be one of {COMPOSITIONS}, got {composition!r}")
    if composition == "exact":
        n_v = int(round(fv * n))
        if not 1 <= n_v <= n - 1:
            raise ValueError(f"f_v={fv} with n_agents={n} gives {n_v} V agents; each needs >= 1")
        a, b = _expected_slots(n, n_v, lam)
        da = db = 0.0
    else:
        from scipy.stats import binom

        k = np.arange(n + 1)
        pmf = binom.pmf(k, n, fv)
        dpmf = pmf * (k - n * fv) / (fv * (1 - fv))
        slots = np.array([_expected_slots(n, int(j), lam) for j in k])
        a, b = (float(x) for x in pmf @ slots)
        da, db = (float(x) for x in dpmf @ slots)
    q = a / (a + b)
    out = {"b": fcv * (q * fcv + (1 - q) * fcn)}
    if composition == "iid":
        out["db_df_v"] = fcv * (fcv - fcn) * (da * b - a * db) / (a + b) ** 2
    out["db_df_c_given_v"] = 2 * q * fcv + (1 - q) * fcn
    out["db_df_c_given_not_v"] = (1 - q) * fcv
    out["q"] = q
    out["v_interactions"] = a + b
    return out
