"""powergames.analysis: the seed-003 interventions model and its sensitivity tools."""

from powergames.analysis.grounding import (
    nonlocal_check,
    population_params,
    simulated_marginal_values,
)
from powergames.analysis.interventions import (
    INTERVENTIONS,
    InterventionParams,
    LogInterventionParams,
    marginal_values,
    rank_interventions,
    structural_gradient,
    structural_landscape,
    structural_utility,
)
from powergames.analysis.scenario import InterventionsConfig, Scenario, load_config
from powergames.analysis.sensitivity import sensitivity

__all__ = [
    "INTERVENTIONS",
    "InterventionParams",
    "InterventionsConfig",
    "LogInterventionParams",
    "Scenario",
    "load_config",
    "marginal_values",
    "nonlocal_check",
    "population_params",
    "rank_interventions",
    "sensitivity",
    "simulated_marginal_values",
    "structural_gradient",
    "structural_landscape",
    "structural_utility",
]
