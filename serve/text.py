"""A text form of the environments for language-model agents, and the adapter that plays one.

* :func:`describe_env` — the game in words, generated from the game's arrays: players, actions,
  types, the prior, and the payoff (or share) tables when the game is small
  (:data:`MAX_TABLE_ROWS` joint actions at most), else their size; the rules of population
  bargaining (MATH.md §4). What no player observes (the hidden ``X``, the others' types) is
  described by its distribution only, never by its value.
* :func:`step_prompt` — one step's prompt: the description, the seat's observation (round, own
  type, last reward) and its legal actions, and the reply format (``ACTION: <n>``).
* :func:`parse_action` — the strict parser: exactly one ``ACTION: <integer>`` line naming a legal
  action, else :class:`ReplyError` saying what was wrong.
* :class:`LanguageModelAgent` — wraps any callable ``prompt -> reply`` (the library ships no
  model client): on a bad reply it asks again with the parser's message, up to ``retries`` more
  times, then plays its stated ``fallback`` action; attempts, fallback and the last reply travel
  with the action (:class:`~powergames.serve.protocol.ActMeta`) into the run's
  ``remote_actions.jsonl``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from powergames.serve.protocol import ActMeta, SeatObservation

__all__ = [
    "MAX_TABLE_ROWS",
    "LanguageModelAgent",
    "ReplyError",
    "describe_env",
    "parse_action",
    "step_prompt",
]

#: Largest number of joint actions whose payoffs are listed.
MAX_TABLE_ROWS = 64

_ACTION_LINE = re.compile(r"^\s*ACTION\s*:\s*(\S+)\s*$", re.IGNORECASE | re.MULTILINE)


def _fmt(x: float) -> str:
    return f"{float(x):.4g}"


def _joint_rows(n_actions: Sequence[int]) -> list[tuple[int, ...]]:
    return list(itertools.product(*[range(k) for k in n_actions]))


def describe_env(env: Any) -> str:
    """The rules of ``env``'s game in plain text (see the module docstring).

    Raises:
        TypeError: an environment this module cannot describe.
    """
    game = getattr(env, "game", None)
    if game is None and hasattr(env, "settlement"):
        return _describe_population(env)
    if game is None:
        raise TypeError(f"cannot describe a {type(env).__name__} in text")
    from powergames.envs.game_env import adapt

    ad = adapt(game)
    n, ks = ad.n_players, ad.n_actions
    cycles = int(getattr(env, "max_cycles", 1) or 1)
    lines = [
        f"A game of {n} players, played simultaneously"
        + (f" for {cycles} rounds." if cycles > 1 else " once per episode."),
        "Actions: "
        + "; ".join(f"player {i} chooses an integer in 0..{k - 1}" for i, k in enumerate(ks))
        + ".",
    ]
    table = ad.dense_table(MAX_TABLE_ROWS * n * ad.n_contexts)
    rows = _joint_rows(ks)
    if ad.kind == "normal_form":
        lines.append("Payoffs u_i(a) for each joint action a = (a_0, ..., a_{n-1}):")
        if table is None:
            lines.append(f"  (a table of {len(rows)} joint actions, too large to list)")
        else:
            for j, a in enumerate(rows):
                lines.append(
                    f"  a={a}: " + ", ".join(f"u_{i}={_fmt(v)}" for i, v in enumerate(table[0, j]))
                )
    elif ad.kind in ("unit_sum", "symmetric"):
        prior = ad.context_prior
        lines.append(
            f"A hidden state X in 0..{ad.n_contexts - 1} is drawn at the start of every episode with "
            f"probabilities {[_fmt(p) for p in prior]}; no player ever observes X."
        )
        lines.append(
            "Each player's reward is its share s_i(X, a) of a unit total (shares sum to 1)."
        )
        if table is None:
            lines.append(
                f"  (share tables of {len(rows)} joint actions per state, too large to list)"
            )
        else:
            lines.append("Expected shares E_X[s_i(X, a)] under that prior, per joint action a:")
            expected = np.tensordot(prior, table, axes=1)
            for j, a in enumerate(rows):
                lines.append(
                    f"  a={a}: " + ", ".join(f"s_{i}={_fmt(v)}" for i, v in enumerate(expected[j]))
                )
    elif ad.kind == "bayesian":
        lines.append(
            "Each round a type profile t = (t_0, ..., t_{n-1}) is drawn from a common prior; "
            "each player observes only its own type. Types per player: "
            + ", ".join(str(t) for t in ad.n_types)
            + "."
        )
        lines.append(
            "Prior over type profiles: "
            + ", ".join(
                f"t={tuple(t)}: {_fmt(p)}"
                for t, p in zip(ad.context_types.tolist(), ad.context_prior)
            )
        )
        if len(rows) * max(ad.n_types) > MAX_TABLE_ROWS:
            lines.append(f"  (reward tables of {len(rows)} joint actions, too large to list)")
        else:
            lines.append("Reward r_i(t_i, a) of player i with type t_i at joint action a:")
            for i, r in enumerate(game.rewards):
                for t in range(ad.n_types[i]):
                    cells = ", ".join(f"a={a}: {_fmt(r[(t,) + tuple(a)])}" for a in rows)
                    lines.append(f"  player {i}, type {t}: {cells}")
    return "\n".join(lines)


def _describe_population(env: Any) -> str:
    return "\n".join(
        [
            f"Population bargaining among {len(env.possible_agents)} agents for "
            f"{int(getattr(env, 'max_cycles', 1))} rounds per episode.",
            "Each agent has a value class (V or not V). Every round the agents are paired (with "
            "locality: partly within their class); you observe your own class and your partner's.",
            "Actions: 0 = hold out, 1 = cooperate. A pair settles only if both cooperate: then "
            f"both get {_fmt(env.settlement)}; otherwise both get {_fmt(env.disagreement)}. "
            "An agent without a partner sits the round out and gets 0.",
        ]
    )


def step_prompt(description: str, obs: SeatObservation) -> str:
    """The prompt of one step for the seat that received ``obs``."""
    parts = [description, "", f"You are {obs.agent} (seat {obs.seat}). Step {obs.step}."]
    if obs.round is not None:
        parts.append(f"Round {obs.round} of this episode.")
    if obs.type_index is not None and obs.n_types > 1:
        parts.append(f"Your type is {obs.type_index} (of 0..{obs.n_types - 1}).")
    if obs.last_reward is not None:
        parts.append(f"Your reward in the previous step: {_fmt(obs.last_reward)}.")
    parts.append(f"Your observation vector: {[_fmt(x) for x in obs.observation or []]}.")
    parts.append(f"Legal actions: {', '.join(str(a) for a in obs.legal_actions)}.")
    parts.append("Answer with one line of the form ACTION: <number>.")
    return "\n".join(parts)


class ReplyError(ValueError):
    """A reply the strict parser refuses; the message says why (it is sent back on a retry)."""


def parse_action(reply: str, legal: Sequence[int]) -> int:
    """The action of a reply holding exactly one line ``ACTION: <n>`` with ``n`` legal.

    Raises:
        ReplyError: no such line, several, a non-integer or an illegal action.
        TypeError: ``reply`` is not a string.
    """
    if not isinstance(reply, str):
        raise TypeError(f"reply must be a string, got {type(reply).__name__}")
    found = _ACTION_LINE.findall(reply)
    if not found:
        raise ReplyError("the reply has no line 'ACTION: <number>'")
    if len(found) > 1:
        raise ReplyError(f"the reply has {len(found)} ACTION lines; give exactly one")
    token = found[0]
    if not re.fullmatch(r"[0-9]+", token):
        raise ReplyError(f"ACTION must be a non-negative integer, got {token!r}")
    action = int(token)
    if action not in set(legal):
        raise ReplyError(
            f"action {action} is not legal; legal actions: {', '.join(map(str, legal))}"
        )
    return action


class LanguageModelAgent:
    """Plays a seat with any ``prompt -> reply`` callable (a language model client of your own).

    Args:
        model: ``model(prompt) -> reply``.
        description: the game's text (:func:`describe_env`, or ``GET …/description``).
        retries: further prompts after a refused reply (``>= 0``).
        fallback: the action played when every reply is refused; ``None`` plays the observation's
            ``default_action`` (the server's stated default).

    Calling the agent with a :class:`SeatObservation` returns ``(action, ActMeta)``.
    """

    def __init__(
        self,
        model: Callable[[str], str],
        description: str,
        retries: int = 2,
        fallback: int | None = None,
    ) -> None:
        if not callable(model):
            raise TypeError(f"model must be a callable prompt -> reply, got {type(model).__name__}")
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise ValueError(f"retries must be a non-negative integer, got {retries!r}")
        self.model = model
        self.description = description
        self.retries = retries
        self.fallback = fallback

    def __call__(self, obs: SeatObservation) -> tuple[int, ActMeta]:
        prompt = step_prompt(self.description, obs)
        reply = ""
        for attempt in range(1, self.retries + 2):
            reply = str(self.model(prompt))
            try:
                action = parse_action(reply, obs.legal_actions)
            except ReplyError as exc:
                prompt = f"{prompt}\n\nYour reply was refused: {exc}. Answer again."
                continue
            return action, ActMeta(attempts=attempt, fallback=False, reply=reply[:8192])
        action = obs.default_action if self.fallback is None else int(self.fallback)
        return action, ActMeta(attempts=self.retries + 1, fallback=True, reply=reply[:8192])
