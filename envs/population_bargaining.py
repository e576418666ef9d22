"""PettingZoo ``ParallelEnv`` of population bargaining (MATH.md §4; model in ``envs/games/population``).

``n_agents`` agents, ``round(F_V · n_agents)`` of them with our values (``V``, value class 1), the
rest ``¬V`` (class 0); classes are shuffled at ``reset``. Every round the agents are matched in pairs
with locality ``λ``: each agent is *local* with probability ``λ``; local agents are paired at random
within their class, everyone else (and a local agent left over by an odd class) at random in one
global pool; with an odd pool one agent sits the round out. The pairing is drawn before the agents
act and each agent observes its partner's class. Actions: ``0`` = hold out, ``1`` = cooperate. A
pair settles only when both cooperate (:data:`powergames.envs.games.population.SETTLES`); both then
get ``settlement``, otherwise both get ``disagreement`` (an agent sitting out gets 0).

A cooperative disposition is a policy here: with each ``V`` agent cooperating with probability
``F_{C|V}`` and each ``¬V`` agent with ``F_{C|¬V}``, the fraction of ``V``-agent interactions that
settle estimates ``b`` (:attr:`PopulationBargainingEnv.settlement_counts`) — for a finite population,
so its exact value differs from the continuum model's by ``O(1/n_agents)``.

Observation of an agent (flat ``float32`` ``Box(0, 1)``; :meth:`observation_layout` gives the
slices): ``"type"`` one-hot own class (``[¬V, V]``), ``"partner_type"`` one-hot partner class (zeros
when sitting out), ``"round"`` (round index / ``max_cycles``), ``"prev_outcome"`` (own action,
partner action, settled in the previous round; zeros before the first). ``infos[agent]``:
``"round"``, ``"value"`` (1 = ``V``), ``"partner"`` (agent name or ``None``), ``"joint_action"``,
``"settled"``. Episodes terminate after ``max_cycles`` rounds. Registered as
``"powergames/population-bargaining-v0"`` (:func:`powergames.envs.make` with the same keyword
arguments).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import gymnasium
import numpy as np
from gymnasium.utils import seeding
from pettingzoo import ParallelEnv

from powergames.envs.game_env import _TextRender
from powergames.envs.games._validation import as_float_array, check_positive_int
from powergames.envs.games.population import SETTLES

_LAYOUT = {
    "type": slice(0, 2),
    "partner_type": slice(2, 4),
    "round": slice(4, 5),
    "prev_outcome": slice(5, 8),
}
_OBS_SIZE = 8


def _fraction(name: str, value: Any, strict: bool = False) -> float:
    x = float(as_float_array(name, value, ndim=0))
    if (strict and not 0 < x < 1) or not 0 <= x <= 1:
        raise ValueError(f"{name} must be in {'(0, 1)' if strict else '[0, 1]'}, got {x!r}")
    return x


class PopulationBargainingEnv(_TextRender, ParallelEnv):
    """Population bargaining with locality (see the module docstring).

    Args:
        n_agents: population size (≥ 2).
        f_v: ``F_V``, fraction of agents with our values; ``round(f_v · n_agents)`` of them, which
            must leave at least one agent in each class.
        locality: ``λ ∈ [0, 1]``, probability that an agent is matched within its own class.
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
    ) -> None:
        n = check_positive_int("n_agents", n_agents, minimum=2)
        self.f_v = _fraction("f_v", f_v, strict=True)
        self.n_v = int(round(self.f_v * n))
        if not 1 <= self.n_v <= n - 1:
            raise ValueError(
                f"f_v={self.f_v} with n_agents={n} gives {self.n_v} V agents; each class needs >= 1"
            )
        self.locality = _fraction("locality", locality)
        self.max_cycles = check_positive_int("max_cycles", max_cycles)
        self.settlement = float(as_float_array("settlement", settlement, ndim=0))
        self.disagreement = float(as_float_array("disagreement", disagreement, ndim=0))
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(
                f"render_mode must be None or one of {self.metadata['render_modes']}, "
                f"got {render_mode!r}"
            )
        self.render_mode = render_mode
        self.possible_agents = [f"player_{i}" for i in range(n)]
        self.agents: list[str] = []
        self._index = {a: i for i, a in enumerate(self.possible_agents)}
        self._obs_space = gymnasium.spaces.Box(0.0, 1.0, shape=(_OBS_SIZE,), dtype=np.float32)
        self._act_space = gymnasium.spaces.Discrete(2)
        self.observation_spaces = dict.fromkeys(self.possible_agents, self._obs_space)
        self.action_spaces = dict.fromkeys(self.possible_agents, self._act_space)
        self._np_random: np.random.Generator | None = None
        self.values = np.zeros(n, dtype=np.int64)
        self.partner = np.full(n, -1, dtype=np.int64)
        self._last: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        #: ``[settled, total]`` interactions of ``V`` agents since construction (an estimate of ``b``).
        self.settlement_counts = np.zeros(2, dtype=np.int64)

    # ------------------------------------------------------------------ spaces
    def observation_space(self, agent: str) -> gymnasium.spaces.Box:
        """The same ``Box(0, 1, (8,), float32)`` object for every agent."""
        self._check_agent(agent)
        return self._obs_space

    def action_space(self, agent: str) -> gymnasium.spaces.Discrete:
        """``Discrete(2)``: 0 = hold out, 1 = cooperate (one shared object)."""
        self._check_agent(agent)
        return self._act_space

    def observation_layout(self, agent: str) -> dict[str, slice]:
        """Slices of the observation: ``type``, ``partner_type``, ``round``, ``prev_outcome``."""
        self._check_agent(agent)
        return dict(_LAYOUT)

    def _check_agent(self, agent: str) -> None:
        if agent not in self._index:
            raise ValueError(
                f"unknown agent {agent!r}; agents are player_0..player_{len(self._index) - 1}"
            )

    @property
    def np_random(self) -> np.random.Generator:
        """The environment's generator (seeded by ``reset(seed=…)``)."""
        if self._np_random is None:
            self._np_random, _ = seeding.np_random()
        return self._np_random

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
        return {a: obs[i] for i, a in enumerate(self.possible_agents)}

    def reset(
        self, seed: int | None = None, options: dict | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, dict]]:
        """Start an episode: shuffle the value classes, draw the first round's pairing."""
        if seed is not None or self._np_random is None:
            self._np_random, _ = seeding.np_random(seed)
        n = len(self.possible_agents)
        self.values = np.zeros(n, dtype=np.int64)
        self.values[self.np_random.permutation(n)[: self.n_v]] = 1
        self.agents = list(self.possible_agents)
        self._round = 0
        self._last = None
        self.partner = self._match()
        infos = {a: self._info(i, None, None) for i, a in enumerate(self.agents)}
        return self._observations(0, None), infos

    def _info(self, i: int, joint: tuple[int, ...] | None, settled: np.ndarray | None) -> dict:
        j = int(self.partner[i])
        info = {
            "round": self._round,
            "value": int(self.values[i]),
            "partner": self.possible_agents[j] if j >= 0 else None,
        }
        if joint is not None and settled is not None:
            info["joint_action"] = joint
            info["settled"] = bool(settled[i])
        return info

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
            x = actions[a]
            if isinstance(x, np.ndarray) and x.shape == ():
                x = x.item()
            if isinstance(x, bool) or not isinstance(x, int | np.integer):
                raise TypeError(f"action for agent {a!r} must be an integer 0 or 1, got {x!r}")
            if x not in (0, 1):
                raise ValueError(
                    f"action {x!r} for agent {a!r} is out of range: Discrete(2) takes 0 (hold out) "
                    "or 1 (cooperate)"
                )
            out[i] = x
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
        infos = {a: self._info(i, joint, settled) for i, a in enumerate(self.agents)}
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
        return obs, rewards, terms, truncs, infos

    # ------------------------------------------------------------------ rendering
    def _render_text(self) -> str:
        if self._last is None:
            return f"population bargaining: round 0/{self.max_cycles}, no actions yet"
        acts, settled, rewards = self._last
        lines = [f"population bargaining: round {self._round}/{self.max_cycles}"]
        for i, a in enumerate(self.possible_agents):
            lines.append(
                f"  {a}  {'V ' if self.values[i] else '¬V'}  "
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
