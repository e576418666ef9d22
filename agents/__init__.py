"""powergames.agents: who plays — fixed policies, classic learners and SB3 learners.

Every agent satisfies the :class:`~powergames.agents.policy.Policy` protocol
(``act(observation, rng)``, ``strategy(observation)``, ``update(...)``); any callable
``observation -> action`` fits it through :func:`~powergames.agents.policy.as_policy`.

The SB3 names (``SB3Policy``, ``MultiAgentSB3``; the modes in :mod:`powergames.agents.sb3`) are
imported on first use, so importing this package does not load torch.
"""

from powergames.agents.best_response import BestResponseDynamics
from powergames.agents.copying import (
    EmpiricalCopyingPolicy,
    EmpiricalJointPolicy,
    OracleCopyingPolicy,
)
from powergames.agents.disposition import DispositionPolicy
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
from powergames.agents.profile import (
    average_profile,
    current_joint_policies,
    current_profile,
    player_profile,
)
from powergames.agents.regret_matching import RegretMatching
from powergames.agents.self_play import action_values, full_information_play, learner_profile

__all__ = [
    "BestResponseDynamics",
    "CallablePolicy",
    "CoalitionAgent",
    "DispositionPolicy",
    "EmpiricalCopyingPolicy",
    "EmpiricalJointPolicy",
    "FictitiousPlay",
    "Hedge",
    "Learner",
    "MajorityPolicy",
    "MixedPolicy",
    "MultiAgentSB3",
    "OracleCopyingPolicy",
    "Policy",
    "PurePolicy",
    "RegretMatching",
    "SB3Policy",
    "StrategyPolicy",
    "UniformPolicy",
    "action_values",
    "as_policy",
    "average_profile",
    "current_joint_policies",
    "current_profile",
    "full_information_play",
    "independent",
    "learner_profile",
    "majority_joint",
    "parameter_shared",
    "player_profile",
    "type_of",
]


_LAZY = {
    name: "powergames.agents.sb3"
    for name in ("MultiAgentSB3", "SB3Policy", "independent", "parameter_shared")
}


def __getattr__(name: str):  # PEP 562: torch-backed names load on first access
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
