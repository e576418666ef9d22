"""Stable-Baselines3 learners as agents of a PettingZoo ``ParallelEnv``: independent or parameter-shared.

Route. SB3 trains one model on one ``VecEnv``. Here one small hub steps ``n_envs`` copies of the
``ParallelEnv`` with every agent's action: the learning agents' actions come from their SB3 models,
the other agents are :class:`~powergames.agents.policy.Policy` objects (fixed policies, classic
learners — which get ``update`` after every step — or a copying policy reading a learner's
strategy). Each model sees its own :class:`AgentVecEnv`, a real SB3 ``VecEnv`` (so ``seed``,
``render_mode``, ``get_attr`` … work, and ``PPO(..., seed=…)`` is fine) with one sub-environment per
(copy, agent) slot it controls.

* **Parameter-shared** (:func:`parameter_shared`): one model for a group of agents with identical
  spaces; the group's ``n_agents × n_envs`` slots are the model's sub-environments, so every
  agent's experience trains the same network (the route SuperSuit's ``pettingzoo_env_to_vec_env``
  takes, without its dependency: SuperSuit 3.11's vec env has no ``seed()``, so
  ``PPO(..., seed=…)`` fails on it, and it needs ``render_mode`` on the env — both work here).
* **Independent** (:func:`independent`): one model per agent (player or coalition). With a single
  learner nothing more is needed: its ``learn`` drives the hub. With several, SB3's own ``learn``
  of every model runs in lockstep: each model runs in a worker thread that only proceeds while it
  holds a single turn token; ``AgentVecEnv.step_wait`` hands the token back to the coordinator, which
  steps the environment once all models have submitted their actions and then passes the token
  round again. Exactly one thread computes at any time and always in the same order, so runs are
  deterministic; every model uses SB3's unmodified ``collect_rollouts``/``train``, so any algorithm
  works (PPO, A2C, DQN, SAC for continuous spaces, contrib algorithms by import path). A model
  that reaches ``total_timesteps`` first keeps playing its final policy until the others finish.

Coalition agents (``CoalitionEnv``) act with ``MultiDiscrete([k]*m)``. SB3 would model that as ``m``
*independent* categoricals — no correlation between members, which Theorem 1/2's policies need.
By default (``flatten_joint=True``) such an agent is therefore presented to its model as
``Discrete(k**m)`` (a joint action index, C order over members), so the learned policy is an
arbitrary correlated joint; ``flatten_joint=False`` keeps the product form.

Strategies. :class:`SB3Policy` is the Policy face of a model: ``strategy(observation)`` reads the
exact action distribution from the policy network (``get_distribution(obs).distribution.probs``;
the outer product of the per-member categoricals for ``MultiDiscrete``; reshaped to ``(k,)*m`` for
a flattened joint), and ``act`` samples it with the caller's generator. DQN has no distribution:
its strategy is the greedy one-hot of the Q-values (ε-exploration is a training device).

Rollout boundaries and saving. ``learn(..., on_boundary=fn)`` calls ``fn(rounds)`` whenever every
model still learning sits at the start of a rollout after the same number of environment rounds
(each model's SB3 ``on_rollout_start``; in lockstep a model that reaches one waits there until
the others have too). There every model has trained on its last rollout and begun no new one, so
evaluations are of the updated policies and :meth:`MultiAgentSB3.save` captures an exact state as
data only (:mod:`powergames.agents.sb3.saving`: JSON, ``.npz`` arrays and ``torch.load
(weights_only=True)`` weights; no pickle). :meth:`MultiAgentSB3.restore` writes it into a runner
built with the same arguments; ``learn(..., reset_num_timesteps=False)`` then continues exactly as
the uninterrupted run.

Seeding and determinism. ``seed`` seeds every model (``seed + i`` for model ``i``: weights, torch and
the action-space samplers), the environment copies (``reset(seed=seed + c)``) and the generator the
other agents draw from; torch is set to deterministic algorithms with one intra-op thread while
training (restored afterwards). Two runs with the same seed give identical parameters.
"""

from __future__ import annotations

from powergames.agents.sb3.algorithms import resolve_algorithm
from powergames.agents.sb3.multi import (
    ModelBuildError,
    MultiAgentSB3,
    independent,
    parameter_shared,
)
from powergames.agents.sb3.policy import SB3Policy, UniformAct
from powergames.agents.sb3.vec_env import AgentVecEnv, Hub

__all__ = [
    "AgentVecEnv",
    "Hub",
    "ModelBuildError",
    "MultiAgentSB3",
    "SB3Policy",
    "UniformAct",
    "independent",
    "parameter_shared",
    "resolve_algorithm",
]
