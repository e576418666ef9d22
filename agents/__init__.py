"""powergames.agents: who plays — fixed policies, classic learners and SB3 learners.

Every agent satisfies the :class:`~powergames.agents.policy.Policy` protocol
(``act(observation, rng)``, ``strategy(observation)``, ``update(...)``); any callable
``observation -> action`` fits it through :func:`~powergames.agents.policy.as_policy`.
"""

from powergames.agents.best_response import BestResponseDynamics
from powergames.agents.copying import (
    EmpiricalCopyingPolicy,
    EmpiricalJointPolicy,
    OracleCopyingPolicy,
)
from powergames.agents.fictitious_play import FictitiousPlay
from powergames.agents.fixed import (
    CoalitionAgent,
    MajorityPolicy,
    MixedPolicy,
    PurePolicy,
    UniformPolicy,
    majority_joint,
)
from powergames.agents.hedge import Hedge
from powergames.agents.learner import Learner
from powergames.agents.policy import CallablePolicy, Policy, StrategyPolicy, as_policy, type_of
from powergames.agents.regret_matching import RegretMatching
from powergames.agents.self_play import action_values, full_information_play, learner_profile

__all__ = [
    "BestResponseDynamics",
    "CallablePolicy",
    "CoalitionAgent",
    "EmpiricalCopyingPolicy",
    "EmpiricalJointPolicy",
    "FictitiousPlay",
    "Hedge",
    "Learner",
    "MajorityPolicy",
    "MixedPolicy",
    "OracleCopyingPolicy",
    "Policy",
    "PurePolicy",
    "RegretMatching",
    "StrategyPolicy",
    "UniformPolicy",
    "action_values",
    "as_policy",
    "full_information_play",
    "learner_profile",
    "majority_joint",
    "type_of",
]
