"""Tournament files: coalition policies × opponent populations, from YAML to a table, JSON and a plot.

A tournament file (``configs/tournaments/*.yaml``) names a game, a partition of its players (the
first coalition is the focal one), the focal policies and the opponent population:

.. code-block:: yaml

    name: majority_tournament
    game: {name: majority, params: {n_players: 7, n_actions: 3}}
    coalitions: [[0, 1, 2, 3], [4, 5, 6]]
    focal:
      - {name: Theorem 1, kind: theorem1}
      - {name: optimal, kind: optimal}
      - {name: copying, kind: copying}             # built from each opponent (Theorem 2)
    opponents:
      - {name: uniform, kind: uniform}
      - {name: worst for Theorem 1, kind: worst_case, params: {of: Theorem 1}}
      - {name: learned, kind: run, params: {run_dir: runs/theorem1/hedge_outsiders}}

Policy kinds (focal and opponent unless stated): ``uniform``, ``mixed`` (``strategy``: i.i.d.
members), ``pure`` (``actions``: one per member, or ``action`` for all), ``shared`` (one action drawn
from ``p``, uniform by default, played by every member), ``theorem1``, ``optimal`` (focal: the
optimal-guarantee policy), ``copying`` (focal: Theorem 2's copying of the opponent faced, ``k``
optional), ``best_response`` (focal: the best policy knowing the opponent), ``worst_case``
(opponent: the pure opponent minimising focal policy ``of``), ``run`` (``run_dir``, optional
``agent`` name and ``average``: an agent of a run directory at its newest checkpoint — SB3
checkpoints and classic learners alike; ``average: true`` takes a learner's time average) and
``module:function`` (a user's factory called with ``params`` as keyword arguments, returning a
coalition policy, a joint array or a sampler). ``sampled: true`` on any entry evaluates it by Monte
Carlo only (as an agent without an exact strategy would be).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from powergames.games.io import resolve_game
from powergames.theory.coalition_policies import (
    CoalitionPolicy,
    IndependentPolicy,
    SharedActionPolicy,
)
from powergames.theory.guarantees import coalition_best_response, coalition_guarantee
from powergames.theory.theorem_policies import coalition_copying_policy, theorem1_policy
from powergames.theory.tournaments import SampledPolicy, TournamentResult, tournament
from powergames.theory.worst_cases import PurePolicy, action_sizes_of, coalition_worst_case
from powergames.training.config import ConfigError, apply_overrides, parse_yaml, validate_model
from powergames.training.rundir import atomic_write_bytes, atomic_write_json

#: Kinds valid for focal policies / for opponents (besides ``module:function``).
FOCAL_KINDS = ("uniform", "mixed", "pure", "shared", "theorem1", "optimal", "copying",
               "best_response", "run")  # fmt: skip
OPPONENT_KINDS = ("uniform", "mixed", "pure", "shared", "theorem1", "worst_case", "run")


class GameSpec(BaseModel):
    """The game: a library name or a game file, with constructor parameters."""

    model_config = ConfigDict(extra="forbid")
    name: str
    """A name of the game library (``majority``, ``random_symmetric``, …) or an ``.npz`` path."""
    params: dict[str, Any] = Field(default_factory=dict)
    """Constructor arguments of a named game."""


class PolicySpec(BaseModel):
    """One focal policy or one opponent."""

    model_config = ConfigDict(extra="forbid")
    name: str
    """The row / column label."""
    kind: str
    """A policy kind (module docstring) or ``module:function``."""
    params: dict[str, Any] = Field(default_factory=dict)
    """The kind's parameters."""
    sampled: bool = False
    """Evaluate by Monte Carlo only, hiding the exact strategy."""


class TournamentConfig(BaseModel):
    """A tournament file."""

    model_config = ConfigDict(extra="forbid")
    name: str
    """Output directory name (``<runs-dir>/<name>/``)."""
    description: str = ""
    """One line shown above the table."""
    game: GameSpec
    """The game."""
    coalitions: list[list[int]]
    """A partition of the players; the first coalition is the focal one."""
    focal: list[PolicySpec] = Field(min_length=1)
    """The focal coalition's policies (rows)."""
    opponents: list[PolicySpec] = Field(min_length=1)
    """The opponent population (columns): each entry gives every other coalition a policy."""
    samples: int = Field(20_000, ge=2)
    """Monte Carlo plays per cell without an exact strategy."""
    confidence: float = Field(0.95, gt=0.0, lt=1.0)
    """Level of the Monte Carlo intervals."""
    seed: int = 0
    """Seed of the Monte Carlo generator."""
    guarantee: bool = True
    """Compute the coalition's optimal guarantee."""


def load_tournament(path: str | Path, overrides: Sequence[str] = ()) -> TournamentConfig:
    """Read, override (``key.sub=value``) and validate a tournament file."""
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"no tournament file {p}")
    data = parse_yaml(p.read_text(), str(p))
    if not isinstance(data, dict):
        raise ConfigError(f"{p}: a tournament file is a mapping")
    data = apply_overrides(data, overrides)
    cfg = validate_model(TournamentConfig, data)
    for field_name in ("focal", "opponents"):
        names = [s.name for s in getattr(cfg, field_name)]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ConfigError(f"{field_name}: names must be unique, {dup[0]!r} repeats")
    return cfg


# ----------------------------------------------------------------------------------- policies
def _uniform(k: int) -> np.ndarray:
    return np.full(k, 1.0 / k)


def _basic(spec: PolicySpec, size: int, k: int, where: str) -> CoalitionPolicy | None:
    """The kinds that need nothing but the coalition's size (``None`` for other kinds)."""
    p = spec.params

    def only(*keys: str) -> None:
        extra = sorted(set(p) - set(keys))
        if extra:
            raise ConfigError(f"{where}.params.{extra[0]}: unknown parameter of kind {spec.kind!r}")

    if spec.kind == "uniform":
        only()
        return IndependentPolicy(size, _uniform(k))
    if spec.kind == "mixed":
        only("strategy")
        if "strategy" not in p:
            raise ConfigError(f"{where}.params.strategy: kind 'mixed' needs a strategy")
        return IndependentPolicy(size, p["strategy"])
    if spec.kind == "pure":
        only("actions", "action")
        actions = p.get("actions", [p.get("action", 0)] * size)
        return PurePolicy(np.asarray(actions, dtype=np.int64), [k] * size)
    if spec.kind == "shared":
        only("p")
        return SharedActionPolicy(size, k, p.get("p"))
    if spec.kind == "theorem1":
        only()
        return theorem1_policy(size, k)
    return None


def _user_factory(spec: PolicySpec, where: str) -> Any:
    module, _, attr = spec.kind.partition(":")
    try:
        fn = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"{where}.kind: cannot import {spec.kind!r} ({exc})") from None
    if not callable(fn):
        raise ConfigError(f"{where}.kind: {spec.kind!r} is not callable")
    return fn(**spec.params)


def run_policy(
    run_dir: str | Path, seats: Sequence[int], game: Any, average: bool = False
) -> CoalitionPolicy:
    """The policy of the agent holding ``seats`` in a run directory, at its newest checkpoint.

    Exact where the agent exposes its strategy (a joint array or structured policy), else a
    :class:`SampledPolicy` drawing from the agent's ``act``.

    Raises:
        FileNotFoundError: no run or no checkpoint there.
        ValueError: the run plays another game or no agent holds exactly ``seats``.
    """
    from powergames.training.experiment import load_run
    from powergames.training.roster import agent_strategies

    run, _, _ = load_run(run_dir)
    rd, env, agents = run.run_dir, run.env, run.agents
    if run.game != game:
        raise ValueError(f"the run {rd.path} plays {run.game!r}, not the tournament's {game!r}")
    wanted = sorted(int(s) for s in seats)
    index = [t for t, s in enumerate(agents.specs) if sorted(s.seats) == wanted]
    if not index:
        have = [sorted(s.seats) for s in agents.specs]
        raise ValueError(f"no agent of {rd.path} holds seats {wanted} (its agents hold {have})")
    joint, _ = agent_strategies(agents, env, average=average)
    pol = joint[index[0]]
    sizes = tuple(action_sizes_of(game)[i] for i in wanted)
    if isinstance(pol, CoalitionPolicy):
        return pol
    return _joint_policy(np.asarray(pol), sizes)


def _joint_policy(arr: np.ndarray, sizes: tuple[int, ...]) -> CoalitionPolicy:
    from powergames.theory.coalition_policies import JointPolicy

    return JointPolicy(arr.reshape(sizes), name="run policy")


def _as_user_policy(value: Any, sizes: tuple[int, ...], name: str) -> Any:
    """A user factory's result: a policy or joint array as is; a bare sampler function (or an
    object with ``sample``) as a :class:`SampledPolicy`."""
    if isinstance(value, CoalitionPolicy | np.ndarray | list | tuple):
        return value
    if callable(value) or hasattr(value, "sample"):
        return SampledPolicy(value, sizes, name)
    raise ConfigError(
        f"{name}: a user factory must return a coalition policy, a joint array or a sampler, "
        f"got {type(value).__name__}"
    )


def _hide(pol: Any, sizes: tuple[int, ...], name: str) -> SampledPolicy:
    if not hasattr(pol, "sample"):
        raise ConfigError(f"{name}: sampled: true needs a policy that can sample")
    return SampledPolicy(pol, sizes, name)


def build_tournament(cfg: TournamentConfig, base: Path | None = None) -> dict[str, Any]:
    """The game, coalitions, focal entries and opponents of a tournament file (for :func:`tournament`).

    Args:
        cfg: the validated file.
        base: folder relative ``run_dir`` paths are resolved against (the current one if ``None``).
    """
    try:
        game = resolve_game(cfg.game.name, **cfg.game.params)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"game: {exc}") from None
    sizes = action_sizes_of(game)
    from powergames.theory.partitions import check_coalitions

    try:
        parts = [list(c) for c in check_coalitions(cfg.coalitions, len(sizes))]
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"coalitions: {exc}") from None
    members = parts[0]
    k = sizes[members[0]]

    def resolve_dir(text: Any, where: str) -> Path:
        if not isinstance(text, str):
            raise ConfigError(f"{where}.params.run_dir: a run directory path is required")
        p = Path(text)
        return p if p.is_absolute() or base is None else base / p

    focal: dict[str, Any] = {}
    for t, spec in enumerate(cfg.focal):
        where = f"focal[{t}]"
        size = len(members)
        k1 = tuple(sizes[i] for i in members)
        entry: Any = _basic(spec, size, k, where)
        if entry is not None:
            pass
        elif spec.kind == "optimal":
            entry = coalition_guarantee(game, members).policy
        elif spec.kind == "copying":
            kk = spec.params.get("k")
            entry = _copying(size, kk)
        elif spec.kind == "best_response":
            entry = _best_response(game, parts)
        elif spec.kind == "run":
            entry = run_policy(
                resolve_dir(spec.params.get("run_dir"), where), members, game,
                bool(spec.params.get("average", False)),
            )  # fmt: skip
        elif ":" in spec.kind:
            entry = _as_user_policy(_user_factory(spec, where), k1, spec.name)
        else:
            raise ConfigError(
                f"{where}.kind: unknown focal kind {spec.kind!r} (known: {', '.join(FOCAL_KINDS)}, "
                "or module:function)"
            )
        if spec.sampled:
            entry = _hide(entry, k1, spec.name)
        focal[spec.name] = entry
    opponents: dict[str, Any] = {}
    for t, spec in enumerate(cfg.opponents):
        where = f"opponents[{t}]"
        pols: list[Any] = []
        if spec.kind == "worst_case":
            of = spec.params.get("of")
            target = focal.get(of) if isinstance(of, str) else None
            if not isinstance(target, CoalitionPolicy) or isinstance(target, SampledPolicy):
                raise ConfigError(
                    f"{where}.params.of: name a focal policy with an exact strategy that does not "
                    f"depend on the opponent, got {of!r}"
                )
            pols = coalition_worst_case(game, members, target).opponent_policies(parts[1:])
        else:
            for c in parts[1:]:
                kc = sizes[c[0]]
                pol: Any = _basic(spec, len(c), kc, where)
                if pol is None and spec.kind == "run":
                    pol = run_policy(
                        resolve_dir(spec.params.get("run_dir"), where), c, game,
                        bool(spec.params.get("average", False)),
                    )  # fmt: skip
                elif pol is None and ":" in spec.kind:
                    sizes_c = tuple(sizes[i] for i in c)
                    pol = _as_user_policy(_user_factory(spec, where), sizes_c, spec.name)
                elif pol is None:
                    raise ConfigError(
                        f"{where}.kind: unknown opponent kind {spec.kind!r} (known: "
                        f"{', '.join(OPPONENT_KINDS)}, or module:function)"
                    )
                pols.append(pol)
        if spec.sampled:
            pols = [
                _hide(p, tuple(sizes[i] for i in c), spec.name) for p, c in zip(pols, parts[1:])
            ]
        opponents[spec.name] = pols
    return {"game": game, "coalitions": parts, "focal": focal, "opponents": opponents}


def _copying(size: int, k: Any) -> Callable[[list[CoalitionPolicy]], CoalitionPolicy]:
    def copying(opponents: list[CoalitionPolicy]) -> CoalitionPolicy:
        return coalition_copying_policy(opponents, size, k=k)

    return copying


def _best_response(game: Any, parts: list[list[int]]) -> Callable[[list[Any]], CoalitionPolicy]:
    def best_response(opponents: list[Any]) -> CoalitionPolicy:
        return coalition_best_response(game, parts, opponents).policy

    return best_response


def run_tournament(cfg: TournamentConfig, base: Path | None = None) -> TournamentResult:
    """Build and play a tournament file."""
    built = build_tournament(cfg, base)
    try:
        return tournament(
            built["game"], built["coalitions"], built["focal"], built["opponents"],
            samples=cfg.samples, rng=np.random.default_rng(cfg.seed), confidence=cfg.confidence,
            guarantee=cfg.guarantee,
        )  # fmt: skip
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{cfg.name}: {exc}") from None


def write_tournament(
    result: TournamentResult, out_dir: str | Path, title: str = ""
) -> dict[str, Path]:
    """Write ``tournament.json``, ``tournament.txt`` and ``tournament.png`` (atomically)."""
    from powergames.training.tournament_plot import heatmap_png

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "json": out / "tournament.json",
        "table": out / "tournament.txt",
        "plot": out / "tournament.png",
    }
    atomic_write_json(paths["json"], result.as_dict())
    atomic_write_bytes(paths["table"], (result.table() + "\n").encode())
    atomic_write_bytes(paths["plot"], heatmap_png(result, title))
    return paths


def read_tournament(path: str | Path) -> dict[str, Any]:
    """A ``tournament.json`` as plain data."""
    return json.loads(Path(path).read_text())


__all__ = [
    "PolicySpec",
    "TournamentConfig",
    "build_tournament",
    "load_tournament",
    "read_tournament",
    "run_policy",
    "run_tournament",
    "write_tournament",
]
