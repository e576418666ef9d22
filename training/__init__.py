"""powergames.training: runs, evaluators, logging, plots and the command line.

The public names below are imported lazily, so ``powergames --help`` does not load torch.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "AlignmentEvaluator": "powergames.training.evaluators",
    "ConfigError": "powergames.training.config",
    "EvalCallback": "powergames.training.evaluators",
    "EvalContext": "powergames.training.evaluators",
    "Evaluator": "powergames.training.evaluators",
    "Executor": "powergames.training.sweep",
    "ExperimentConfig": "powergames.training.config",
    "LocalExecutor": "powergames.training.sweep",
    "PowerEvaluator": "powergames.training.evaluators",
    "SerialExecutor": "powergames.training.sweep",
    "SharesEvaluator": "powergames.training.evaluators",
    "Suite": "powergames.training.config",
    "AGENT_KINDS": "powergames.training.builders",
    "evaluate_alignment": "powergames.training.evaluators",
    "evaluate_power": "powergames.training.evaluators",
    "evaluate_run": "powergames.training.runner",
    "evaluate_shares": "powergames.training.evaluators",
    "load_config": "powergames.training.config",
    "plot_run": "powergames.training.plots",
    "run_experiment": "powergames.training.runner",
    "run_suite": "powergames.training.runner",
    "run_sweep": "powergames.training.sweep",
    "plan_sweep": "powergames.training.sweep",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'powergames.training' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
