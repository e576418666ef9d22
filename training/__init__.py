"""powergames.training: runs, evaluators, logging, run directories, suites, sweeps and plots.

The public names below are imported lazily, so ``powergames --help`` does not load torch.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "AGENT_KINDS": "powergames.training.kinds",
    "AgentKind": "powergames.training.kinds",
    "AgentSpec": "powergames.training.kinds",
    "AlignmentEvaluator": "powergames.training.evaluators",
    "ConfigError": "powergames.training.config",
    "EvalCallback": "powergames.training.evaluators",
    "EvalContext": "powergames.training.evaluators",
    "Evaluator": "powergames.training.evaluators",
    "Executor": "powergames.training.executors",
    "ExperimentConfig": "powergames.training.config",
    "LocalExecutor": "powergames.training.executors",
    "OutputWriter": "powergames.training.logging",
    "PowerEvaluator": "powergames.training.evaluators",
    "Run": "powergames.training.build",
    "RunDir": "powergames.training.rundir",
    "RunLogger": "powergames.training.logging",
    "RunResult": "powergames.training.experiment",
    "SerialExecutor": "powergames.training.executors",
    "SharesEvaluator": "powergames.training.evaluators",
    "Suite": "powergames.training.config",
    "build_run": "powergames.training.build",
    "evaluate_alignment": "powergames.training.evaluators",
    "evaluate_power": "powergames.training.evaluators",
    "evaluate_run": "powergames.training.experiment",
    "evaluate_shares": "powergames.training.evaluators",
    "final_table": "powergames.training.summary",
    "load_config": "powergames.training.config",
    "load_suite": "powergames.training.build",
    "plan_sweep": "powergames.training.sweep",
    "plot_run": "powergames.training.plots",
    "register_agent_kind": "powergames.training.kinds",
    "run_experiment": "powergames.training.experiment",
    "run_native": "powergames.training.native",
    "run_sb3": "powergames.training.sb3_driver",
    "run_suite": "powergames.training.suite",
    "run_sweep": "powergames.training.sweep",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'powergames.training' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
