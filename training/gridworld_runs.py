"""The copying experiment: an SB3 minority against a majority in the resource gridworld (MATH.md §5).

A config (``configs/copying/gridworld.yaml``) names the grid (``env``), the schedule (``budget``,
``n_envs`` lock-stepped games, ``eval``), the ``seeds`` and one or more ``experiments``, each a list
of ``agents`` in the format of the other run configs (``kind``, ``seats``, ``params``): one SB3
on-policy learner (``ppo``, ``a2c``) on one seat (the minority ``c0``) and one majority entry on
every other seat (``c1``), of a kind of :data:`MAJORITY_KINDS`:

========================  ==============================================================
kind                      the majority
========================  ==============================================================
``uniform``               every member moves uniformly at random (a fixed majority)
``mixed``                 every member draws its move from ``strategy`` (fixed)
``policy_copying``        Theorem 2's oracle copier: copies of ``target``'s current network
                          (:class:`~powergames.agents.policy_copying.PolicyCopyingMajority`)
``bc_copying``            the empirical copier: copies of a behaviour clone of ``target``
                          (:class:`~powergames.agents.behaviour_cloning.CloningCopyingMajority`)
========================  ==============================================================

Each (experiment, seed) writes ``<root>/<experiment>/seed_<s>/``: ``config.yaml``, ``metrics.csv``
(``step`` then the evaluators' metrics, :mod:`powergames.training.gridworld_evaluation`),
``summary.json`` and ``weights.npz`` (the learner's policy network and any clones, as arrays —
data, no pickle). ``<root>/summary.json`` gathers every run and
:func:`~powergames.training.gridworld_figure.plot_copying` draws ``<root>/copying.png``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import Field

from powergames.agents.behaviour_cloning import CloningCopyingMajority
from powergames.agents.policy_copying import (
    MemberPolicy,
    PolicyCopyingMajority,
    SB3Network,
    copy_assignment,
)
from powergames.envs.gridworld_batched import BatchedResourceGrid
from powergames.games.checks import check_distribution
from powergames.training.config import (
    AgentConfig,
    ConfigError,
    EnvConfig,
    _Strict,
    dump_yaml,
    parse_yaml,
    read_text,
    validate_model,
)
from powergames.training.executors import LocalExecutor, SerialExecutor
from powergames.training.gridworld_evaluation import (
    GridBestResponseEvaluator,
    GridCloningCurveEvaluator,
    GridEvalContext,
    GridExactSharesEvaluator,
    GridSharesEvaluator,
)
from powergames.training.gridworld_play import MinorityVecEnv, grid_kwargs, window_view
from powergames.training.kinds import AgentKind, agent_label
from powergames.training.rundir import MetricsTable, atomic_write_json, atomic_write_text

__all__ = ["GridCopyingConfig", "MAJORITY_KINDS", "load_grid_config", "run_grid_copying"]

LEARNER_KINDS = {"ppo": "PPO", "a2c": "A2C"}


class FixedMajority:
    """Every member draws its move from one fixed ``strategy`` ``(A,)``, whatever it observes."""

    def __init__(self, majority_size: int, strategy: Any, seed: int | None = None) -> None:
        self.strategy = check_distribution("strategy", strategy, shape=(5,))
        self.majority_size = int(majority_size)
        self.rng = np.random.default_rng(seed)

    def probs(self, observations: Any) -> np.ndarray:
        obs = np.asarray(observations)
        return np.broadcast_to(self.strategy, (obs.shape[0], self.majority_size, 5)).copy()

    def act(self, observations: Any, rng: np.random.Generator | None = None) -> np.ndarray:
        obs = np.asarray(observations)
        draw = self.rng if rng is None else rng
        return draw.choice(5, size=(obs.shape[0], self.majority_size), p=self.strategy)


def _fixed(size: int, obs_dim: int, seed: int, params: dict[str, Any]) -> Any:
    return FixedMajority(size, params.get("strategy", np.full(5, 0.2)), seed)


def _oracle(size: int, obs_dim: int, seed: int, params: dict[str, Any]) -> Any:
    return PolicyCopyingMajority(
        None, size, minority_size=1, k=params.get("k"), leftover=params.get("leftover"), seed=seed
    )


def _cloning(size: int, obs_dim: int, seed: int, params: dict[str, Any]) -> Any:
    extra = {p: params[p] for p in ("window", "refit_every", "min_samples", "hidden", "epochs", "lr")
             if p in params}  # fmt: skip
    return CloningCopyingMajority(
        size, 1, obs_dim, k=params.get("k"), leftover=params.get("leftover"), seed=seed, **extra
    )


_COPY = frozenset({"target", "k", "leftover"})
#: The majority kinds (``factory(majority_size, obs_dim, seed, params)``).
MAJORITY_KINDS: dict[str, AgentKind] = {
    "uniform": AgentKind("uniform", "fixed", _fixed, frozenset(), doc="uniform random moves"),
    "mixed": AgentKind("mixed", "fixed", _fixed, frozenset({"strategy"}), doc="fixed move distribution"),
    "policy_copying": AgentKind("policy_copying", "fixed", _oracle, _COPY,
                                doc="copies of the target's current policy network"),
    "bc_copying": AgentKind(
        "bc_copying", "learner", _cloning,
        _COPY | {"window", "refit_every", "min_samples", "hidden", "epochs", "lr"},
        doc="copies of a behaviour clone of the target",
    ),
}  # fmt: skip


_EVERY_EVAL: list[Literal["grid_shares", "grid_exact"]] = ["grid_shares", "grid_exact"]


class GridEvalConfig(_Strict):
    """When and how to evaluate a gridworld run."""

    every: int = Field(gt=0)
    """Evaluate every this many environment steps (summed over the ``n_envs`` games)."""
    episodes: int = Field(default=256, gt=0)
    """Monte Carlo episodes per evaluation."""
    confidence: float = Field(default=0.95, gt=0.0, lt=1.0)
    """Level of the confidence intervals."""
    evaluators: list[Literal["grid_shares", "grid_exact"]] = Field(
        default_factory=lambda: list(_EVERY_EVAL)
    )
    """Evaluators run at every evaluation (``grid_exact`` is skipped on grids too large)."""
    best_response_budget: int = Field(default=0, ge=0)
    """Steps of the best-response estimate at the end (0: none)."""
    cloning_curve: list[int] = Field(default_factory=list)
    """Data sizes of the cloning curve at the end of ``bc_copying`` runs (empty: none)."""


class GridExperiment(_Strict):
    """One majority against the learner."""

    agents: list[AgentConfig] = Field(min_length=2, max_length=2)
    description: str = ""


class GridCopyingConfig(_Strict):
    """A gridworld copying experiment file (module docstring)."""

    name: str = Field(min_length=1)
    description: str = ""
    seeds: list[int] = Field(default_factory=lambda: [0], min_length=1)
    env: EnvConfig
    budget: int = Field(gt=0)
    n_envs: int = Field(default=8, gt=0)
    eval: GridEvalConfig
    experiments: dict[str, GridExperiment] = Field(min_length=1)


def check_config(cfg: GridCopyingConfig) -> None:
    """Names and sizes the schema cannot check.

    Raises:
        ConfigError: naming the key.
    """
    if cfg.env.id != "powergames/resource-grid-v0":
        raise ConfigError(
            f"env.id: the copying experiment runs powergames/resource-grid-v0, got {cfg.env.id!r}"
        )
    try:
        args = grid_kwargs(cfg.env.kwargs)
        BatchedResourceGrid(**args, n_envs=1)
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            str(exc) if str(exc).startswith("env.") else f"env.kwargs: {exc}"
        ) from None
    n = int(args.get("n_agents", 2))
    if cfg.budget % cfg.eval.every:
        raise ConfigError(f"budget: must be a multiple of eval.every = {cfg.eval.every}")
    for name, exp in cfg.experiments.items():
        where = f"experiments.{name}.agents"
        learner, majority = exp.agents
        if learner.kind not in LEARNER_KINDS or len(learner.seats) != 1:
            raise ConfigError(
                f"{where}[0]: the minority is one SB3 learner ({', '.join(LEARNER_KINDS)}) on one seat"
            )
        kind = MAJORITY_KINDS.get(majority.kind)
        if kind is None:
            raise ConfigError(
                f"{where}[1].kind: unknown majority kind {majority.kind!r} (known: {', '.join(MAJORITY_KINDS)})"
            )
        bad = sorted(set(majority.params) - kind.accepted())
        if bad:
            raise ConfigError(
                f"{where}[1].params.{bad[0]}: unknown parameter of {majority.kind!r} "
                f"(accepted: {', '.join(sorted(kind.accepted())) or 'none'})"
            )
        if majority.params.get("target", 0) != 0:
            raise ConfigError(f"{where}[1].params.target: copiers copy the learner, agents[0]")
        if sorted(learner.seats + majority.seats) != list(range(n)):
            raise ConfigError(f"{where}: the seats must partition the players 0..{n - 1}")
        n_steps = int(learner.params.get("n_steps", 2048 if learner.kind == "ppo" else 5))
        if cfg.eval.every % (n_steps * cfg.n_envs):
            raise ConfigError(
                f"eval.every: must be a multiple of n_steps·n_envs = {n_steps * cfg.n_envs} ({name})"
            )
        try:
            MAJORITY_KINDS[majority.kind].factory(len(majority.seats), 1, 0, dict(majority.params))
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{where}[1].params: {exc}") from None  # fmt: skip


def load_grid_config(path: str | Path) -> GridCopyingConfig:
    """Read and check a gridworld copying config.

    Raises:
        ConfigError: a one-line message naming the key.
    """
    cfg = validate_model(GridCopyingConfig, parse_yaml(read_text(path), str(path)))
    check_config(cfg)
    return cfg


class _Frozen:
    """A majority that stops learning (its clones frozen) for the best-response estimate."""

    def __init__(self, majority: Any) -> None:
        self.majority = majority

    def act(self, observations: Any, rng: np.random.Generator | None = None) -> Any:
        return self.majority.act(observations, rng=rng)

    def probs(self, observations: Any) -> Any:
        return self.majority.probs(observations)


def _learner(kind: str, params: dict[str, Any], venv: Any, seed: int) -> Any:
    from powergames.agents.sb3.algorithms import resolve_algorithm

    cls = resolve_algorithm(LEARNER_KINDS[kind])
    params = dict(params)
    policy = params.pop("policy", "MlpPolicy")
    return cls(policy, venv, seed=seed, device="cpu", verbose=0, **params)


def _run_one(job: tuple[dict[str, Any], str, int, str]) -> dict[str, Any]:
    """Executor job: train and evaluate one (experiment, seed); top-level for pickling."""
    import torch as th

    th.set_num_threads(1)
    data, name, seed, out_dir = job
    cfg = validate_model(GridCopyingConfig, data)
    exp = cfg.experiments[name]
    learner_cfg, maj_cfg = exp.agents
    args = grid_kwargs(cfg.env.kwargs)
    seat = learner_cfg.seats[0]
    env_ss, maj_ss, torch_ss, eval_ss = np.random.SeedSequence([seed]).spawn(4)
    grid = BatchedResourceGrid(**args, n_envs=cfg.n_envs)
    obs_dim = window_view(grid, np.zeros(grid.observation_shape[2], dtype=np.float32)).shape[0]
    maj_seed = int(maj_ss.generate_state(1)[0])
    majority = MAJORITY_KINDS[maj_cfg.kind].factory(
        len(maj_cfg.seats), obs_dim, maj_seed, dict(maj_cfg.params)
    )
    venv = MinorityVecEnv(grid, seat, majority, seed=int(env_ss.generate_state(1)[0]))
    torch_seed = int(torch_ss.generate_state(1)[0] % (2**31 - 1))
    model = _learner(learner_cfg.kind, learner_cfg.params, venv, torch_seed)
    if type(majority) is PolicyCopyingMajority:
        majority.set_target([SB3Network(model)])
    k = copy_assignment(len(maj_cfg.seats), 1, maj_cfg.params.get("k"))[0]

    def best_response(budget: int, rng: np.random.Generator) -> tuple[MemberPolicy, Any]:
        frozen: Any = _Frozen(majority)
        if type(majority) is PolicyCopyingMajority:  # the rule, copying whoever is the minority
            frozen = _oracle(len(maj_cfg.seats), obs_dim, maj_seed + 1, dict(maj_cfg.params))
        br_grid = BatchedResourceGrid(**args, n_envs=cfg.n_envs)
        br_env = MinorityVecEnv(br_grid, seat, frozen, seed=int(rng.integers(2**31)))
        br = _learner(learner_cfg.kind, learner_cfg.params, br_env, int(rng.integers(2**31 - 1)))
        if isinstance(frozen, PolicyCopyingMajority):
            frozen.set_target([SB3Network(br)])
        br.learn(budget)
        return SB3Network(br), frozen

    evaluators: list[Any] = []
    notes: list[str] = []
    for ev_name in cfg.eval.evaluators:
        ev: Any = (GridSharesEvaluator(cfg.eval.episodes, cfg.eval.confidence)
                   if ev_name == "grid_shares" else GridExactSharesEvaluator())  # fmt: skip
        reason = ev.applies(args, [[seat], maj_cfg.seats])
        (notes.append(f"{ev_name} skipped: {reason}") if reason else evaluators.append(ev))
    path = Path(out_dir)
    path.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path / "config.yaml", dump_yaml({"seed": seed, **cfg.model_dump(mode="json"),
                                                       "experiments": {name: exp.model_dump(mode="json")}}))  # fmt: skip
    table = MetricsTable(path / "metrics.csv")
    eval_rng = np.random.default_rng(eval_ss)

    def evaluate(step: int, extra: Sequence[Any] = ()) -> dict[str, float]:
        ctx = GridEvalContext(args, seat, SB3Network(model), majority, k, eval_rng, best_response)
        row: dict[str, float] = {}
        for ev in [*evaluators, *extra]:
            row.update(ev.evaluate(ctx))
        table.append(step, row)
        return row

    t0 = time.perf_counter()
    evaluate(0)
    for step in range(cfg.eval.every, cfg.budget + 1, cfg.eval.every):
        model.learn(cfg.eval.every, reset_num_timesteps=False)
        extra: list[Any] = []
        if step == cfg.budget and cfg.eval.best_response_budget:
            extra = [
                GridBestResponseEvaluator(
                    cfg.eval.best_response_budget, cfg.eval.episodes, cfg.eval.confidence
                )
            ]
        if step == cfg.budget and cfg.eval.cloning_curve and maj_cfg.kind == "bc_copying":
            clone = {
                p: maj_cfg.params[p] for p in ("hidden", "epochs", "lr") if p in maj_cfg.params
            }
            extra.append(
                GridCloningCurveEvaluator(
                    cfg.eval.cloning_curve, cfg.eval.episodes, cfg.eval.confidence, clone
                )
            )
        last = evaluate(step, extra)
    weights = {
        f"learner/{k_}": v.detach().cpu().numpy() for k_, v in model.policy.state_dict().items()
    }
    for j, clone in enumerate(getattr(majority, "clones", [])):
        weights.update({f"clone{j}/{k_}": v for k_, v in clone.weights().items()})
    np.savez(path / "weights.npz", **weights)
    summary = {
        "experiment": name, "seed": seed, "status": "complete", "steps": cfg.budget,
        "wall_seconds": time.perf_counter() - t0, "minority": agent_label(learner_cfg),
        "majority": agent_label(maj_cfg), "k": k, "final": last, "notes": notes,
    }  # fmt: skip
    atomic_write_json(path / "summary.json", summary)
    return summary


def run_grid_copying(
    cfg: GridCopyingConfig, root: str | Path, *, jobs: int = 1, echo: Callable[[str], None] = print
) -> dict[str, Any]:
    """Run every (experiment, seed) of ``cfg`` into ``root`` and draw ``root/copying.png``.

    Raises:
        ConfigError: ``root`` already holds a run.
    """
    from powergames.training.gridworld_figure import plot_copying

    root = Path(root)
    if (root / "summary.json").exists():
        raise ConfigError(f"{root} already holds a run; choose another directory")
    data = cfg.model_dump(mode="json")
    runs = [
        (data, name, s, str(root / name / f"seed_{s}"))
        for name in cfg.experiments
        for s in cfg.seeds
    ]
    executor: Any = LocalExecutor(jobs) if jobs > 1 else SerialExecutor()
    t0 = time.perf_counter()
    out: dict[str, dict[str, Any]] = {name: {} for name in cfg.experiments}
    for job, result in executor.map(_run_one, runs):
        if isinstance(result, BaseException):
            raise result
        out[job[1]][f"seed_{job[2]}"] = result
        echo(f"  {job[1]} seed {job[2]}: {result['wall_seconds']:.0f} s")
    summary = {
        "name": cfg.name,
        "wall_seconds": time.perf_counter() - t0,
        "jobs": jobs,
        "runs": out,
    }
    atomic_write_json(root / "summary.json", summary)
    plot_copying(root, cfg)
    return summary
