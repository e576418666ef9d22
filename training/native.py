"""The native driver: fixed policies and classic learners, one plain loop over rounds.

Every round each agent ``act``s, the PettingZoo environment steps, every learner gets its
transition (:func:`~powergames.training.roster.learn_from`: ``update``, or with ``feedback: full``
the exact payoff of every action through ``observe``), and at every multiple of ``eval.every`` the
evaluators run and a checkpoint is written (CleanRL's loop, with evaluations in place of logging).
"""

from __future__ import annotations

from powergames.training.build import Run
from powergames.training.checkpoint import load_native, save_native
from powergames.training.roster import learn_from


def run_native(run: Run) -> None:
    """Play ``run`` to its budget (from its checkpoint when ``run.resume_from`` is set)."""
    assert run.logger is not None, "run_experiment attaches the logger"
    if run.resume_from is not None:
        rng = run.streams.agent_rng  # restored in place, like the environment and the agents
        obs, step = load_native(
            run.resume_from.path, run.env, run.agents, rng, run.streams.env_seed
        )
    else:
        obs, _ = run.env.reset(seed=run.streams.env_seed)
        rng, step = run.streams.agent_rng, 0
        checkpoint(run, step, obs, rng)
    env, agents, game = run.env, run.agents, run.game
    names, policies = agents.names, agents.policies
    every, budget = run.exp.eval.every, run.exp.budget
    while step < budget:
        actions = {name: pol.act(obs[name], rng) for name, pol in zip(names, policies)}
        next_obs, rewards, terms, truncs, infos = env.step(
            {name: agents.env_action(i, actions[name]) for i, name in enumerate(names)}
        )
        learn_from(agents, game, env, obs, actions, rewards, next_obs, infos)
        step += 1
        if not env.agents or all(terms.values()) or all(truncs.values()):
            next_obs, _ = env.reset()
        obs = next_obs
        if step % every == 0:
            checkpoint(run, step, obs, rng)
        run.progress.advance()


def checkpoint(run: Run, step: int, obs: dict, rng: object) -> None:
    """Evaluate at ``step``, then save and publish the state there."""
    assert run.logger is not None
    run.evaluate(step)
    checkpoints = run.run_dir.checkpoints
    stage = checkpoints.staging(step)
    save_native(stage, step, run.env, run.agents, obs, rng)
    checkpoints.publish(step, stage, {"rows": len(run.table.rows)})
