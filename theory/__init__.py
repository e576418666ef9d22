"""powergames.theory: exact computations on games.

Coalition structures (``partitions``), coalition policies (``coalition_policies``), exact and
Monte Carlo coalition values (``coalition_values``, ``coalition_monte_carlo``) and the Theorem 1
and 2 policies (``theorem_policies``) of MATH.md §1; interim utilities, best responses, POWER and
NashConv (``bayesian_power``, §2); equilibria; the alignment metrics (``alignment``), bargaining
(``bargaining``) and the full report (``alignment_report``) of §3; the population bargaining model
(``population``, §4). Pure NumPy and SciPy: nothing here imports PettingZoo,
Gymnasium or torch.
"""

from powergames.theory.alignment import (
    CAReport,
    alpha,
    alpha_per_state,
    ca_report,
    coordination_gap,
    utility_covariance,
    welfare,
)
from powergames.theory.alignment_report import (
    alignment_report,
    localize,
)
from powergames.theory.bargaining import (
    BargainingSolution,
    maxmin_is_unique,
    maxmin_profile,
    nash_bargaining,
    security_levels,
    surplus,
    threat_point,
)
from powergames.theory.bayesian_power import (
    PowerReport,
    achieved_value,
    best_response,
    interim_utility,
    is_bayes_nash,
    nash_conv,
    power,
    power_of_distribution,
    power_report,
)
from powergames.theory.coalition_monte_carlo import (
    MonteCarloEstimate,
    monte_carlo_coalition_values,
)
from powergames.theory.coalition_policies import (
    CoalitionPolicy,
    ExchangeablePolicy,
    IndependentPolicy,
    JointPolicy,
    ProductPolicy,
    SharedActionPolicy,
    pooled_policy,
)
from powergames.theory.coalition_values import (
    CoalitionReport,
    coalition_report,
    coalition_values,
)
from powergames.theory.equilibria import (
    gambit_available,
    induced_normal_form,
    solve_nash,
    solve_zero_sum,
)
from powergames.theory.guarantees import (
    BestResponse,
    GuaranteeReport,
    GuaranteeTooLarge,
    coalition_best_response,
    coalition_guarantee,
)
from powergames.theory.minimax import (
    localized_profiles,
    minimax_profile,
    minimax_values,
)
from powergames.theory.partitions import (
    check_coalitions,
    contiguous_coalitions,
)
from powergames.theory.population import (
    settlement_gradient,
    settlement_rate,
    simulate_interactions,
)
from powergames.theory.power_batch import (
    achieved_value_batch,
    nash_conv_batch,
    power_achieved_batch,
    power_batch,
)
from powergames.theory.power_cases import (
    PowerCases,
    bayesian_power_cases,
    shapley_equilibrium,
    stochastic_power_cases,
)
from powergames.theory.stochastic_coalitions import (
    StochasticCoalitionValues,
    egocentric_policy,
    policy_copying_profile,
    stochastic_coalition_values,
)
from powergames.theory.stochastic_power import (
    MonteCarloMap,
    StochasticBestResponse,
    StochasticPowerReport,
    power_d,
    power_map,
    sampled_power_map,
    stochastic_best_response,
    stochastic_nash_conv,
    stochastic_power,
    stochastic_power_report,
)
from powergames.theory.stochastic_values import (
    MDPSolution,
    ProfileValues,
    profile_values,
    solve_mdp,
)
from powergames.theory.theorem_policies import (
    coalition_copying_policy,
    max_guarantee_k,
    theorem1_policy,
)
from powergames.theory.tournaments import (
    SampledPolicy,
    TournamentResult,
    tournament,
)
from powergames.theory.worst_cases import (
    CopyingWorstCase,
    PurePolicy,
    WorstCase,
    coalition_worst_case,
    copying_worst_case,
)

__all__ = [
    "BargainingSolution",
    "BestResponse",
    "CAReport",
    "CoalitionPolicy",
    "CoalitionReport",
    "CopyingWorstCase",
    "ExchangeablePolicy",
    "GuaranteeReport",
    "GuaranteeTooLarge",
    "IndependentPolicy",
    "JointPolicy",
    "MDPSolution",
    "MonteCarloEstimate",
    "MonteCarloMap",
    "PowerCases",
    "PowerReport",
    "ProductPolicy",
    "ProfileValues",
    "PurePolicy",
    "SampledPolicy",
    "SharedActionPolicy",
    "StochasticBestResponse",
    "StochasticCoalitionValues",
    "StochasticPowerReport",
    "TournamentResult",
    "WorstCase",
    "achieved_value",
    "achieved_value_batch",
    "alignment_report",
    "alpha",
    "alpha_per_state",
    "bayesian_power_cases",
    "best_response",
    "ca_report",
    "check_coalitions",
    "coalition_best_response",
    "coalition_copying_policy",
    "coalition_guarantee",
    "coalition_report",
    "coalition_values",
    "coalition_worst_case",
    "contiguous_coalitions",
    "coordination_gap",
    "copying_worst_case",
    "egocentric_policy",
    "gambit_available",
    "induced_normal_form",
    "interim_utility",
    "is_bayes_nash",
    "localize",
    "localized_profiles",
    "max_guarantee_k",
    "maxmin_is_unique",
    "maxmin_profile",
    "minimax_profile",
    "minimax_values",
    "monte_carlo_coalition_values",
    "nash_bargaining",
    "nash_conv",
    "nash_conv_batch",
    "policy_copying_profile",
    "pooled_policy",
    "power",
    "power_achieved_batch",
    "power_batch",
    "power_d",
    "power_map",
    "power_of_distribution",
    "power_report",
    "profile_values",
    "sampled_power_map",
    "security_levels",
    "settlement_gradient",
    "settlement_rate",
    "shapley_equilibrium",
    "simulate_interactions",
    "solve_mdp",
    "solve_nash",
    "solve_zero_sum",
    "stochastic_best_response",
    "stochastic_coalition_values",
    "stochastic_nash_conv",
    "stochastic_power",
    "stochastic_power_cases",
    "stochastic_power_report",
    "surplus",
    "theorem1_policy",
    "threat_point",
    "tournament",
    "utility_covariance",
    "welfare",
]
