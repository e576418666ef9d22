"""SB3 learners as agents: the minority-vs-copying acceptance test, both modes, seeding.

Budgets are small (a few thousand environment steps, tiny networks). Learned values are judged
twice: exactly (the policy network's action distribution through ``coalition_values``) and by
evaluation play, whose mean share gets a normal confidence interval.
"""

import numpy as np
import pytest
import torch
from scipy import stats

from powergames.agents.copying import OracleCopyingPolicy
from powergames.agents.fixed import UniformPolicy
from powergames.agents.profile import current_joint_policies, current_profile
from powergames.agents.sb3 import (
    AgentVecEnv,
    ModelBuildError,
    SB3Policy,
    independent,
    parameter_shared,
    resolve_algorithm,
)
from powergames.envs import CoalitionEnv, GameEnv
from powergames.games import majority_game, random_symmetric_unit_sum_game
from powergames.games.library import matching_pennies
from powergames.theory import coalition_values, max_guarantee_k

TINY_PPO = dict(
    n_steps=64,
    batch_size=64,
    n_epochs=4,
    learning_rate=3e-3,
    ent_coef=0.0,
    policy_kwargs=dict(net_arch=[16]),
)
COALITIONS = [[0, 1, 2], [3]]  # a majority of 3 against a minority of 1: k = 4, guarantee 3/4


def _game():
    # a random symmetric unit-sum game (4 players, 3 actions, 2 hidden states)
    return random_symmetric_unit_sum_game(4, 3, 2, np.random.default_rng(29))


def _evaluate(runner, env, episodes, seed, confidence=0.99):
    """Play ``episodes`` one-round episodes with every agent's Policy; the minority's mean share
    and its two-sided normal confidence interval."""
    rng = np.random.default_rng(seed)
    policies = runner.policies
    shares = []
    obs, _ = env.reset(seed=seed)
    for _ in range(episodes):
        actions = {a: policies[a].act(obs[a], rng) for a in env.agents}
        obs2, rewards, *_ = env.step(actions)
        shares.append(rewards["coalition_1"])
        obs, _ = env.reset()
    shares = np.asarray(shares)
    half = stats.norm.ppf(0.5 + confidence / 2) * shares.std(ddof=1) / np.sqrt(len(shares))
    return shares.mean(), half


def _exact_minority_value(game, runner, env):
    joints = current_joint_policies(runner.policies, env)
    return float(game.prior @ coalition_values(game, COALITIONS, joints)[:, 1])


@pytest.mark.slow
def test_ppo_minority_beats_a_fixed_majority_but_not_a_copying_one():
    game = _game()
    n = game.n_players
    k = max_guarantee_k(len(COALITIONS[0]), n)
    uniform = np.full((3, 3, 3), 1 / 27)
    # precondition (exact): against the uniform majority some action beats the fair share 1/n
    best = max(
        float(game.prior @ coalition_values(game, COALITIONS, [uniform, np.eye(3)[a]])[:, 1])
        for a in range(3)
    )
    assert best > 1 / n

    def make():
        return CoalitionEnv(game, coalitions=COALITIONS)

    # 1) the majority plays a fixed, non-copying policy (independent uniform)
    fixed = independent(
        make,
        ["coalition_1"],
        "PPO",
        others={"coalition_0": UniformPolicy((3, 3, 3))},
        n_envs=4,
        seed=1,
        model_kwargs=TINY_PPO,
    ).learn(3000)
    exact = _exact_minority_value(game, fixed, make())
    mean, half = _evaluate(fixed, make(), 3000, seed=11)
    assert exact > 1 / n
    assert mean - half > 1 / n  # beats 1/n beyond the evaluation's 99% interval
    assert abs(mean - exact) <= half  # the evaluation agrees with the exact value

    # 2) the majority copies the learner (Theorem 2, oracle form reading PPO's strategy)
    copied = independent(make, ["coalition_1"], "PPO", n_envs=4, seed=1, model_kwargs=TINY_PPO)
    copied.set_policy("coalition_0", OracleCopyingPolicy(copied.policy("coalition_1"), 3))
    copied.learn(3000)
    exact = _exact_minority_value(game, copied, make())
    mean, half = _evaluate(copied, make(), 3000, seed=12)
    assert exact <= 1 / k + 1e-9
    assert mean - half <= 1 / k  # not above 1/k at the evaluation's 99% confidence


def _parameters(model):
    return {k: v.detach().clone() for k, v in model.policy.state_dict().items()}


def _same(p, q):
    return p.keys() == q.keys() and all(torch.equal(p[k], q[k]) for k in p)


def _lockstep(seed):
    runner = independent(
        lambda: GameEnv(matching_pennies(), max_cycles=4),
        algorithm={"player_0": "PPO", "player_1": "A2C"},
        n_envs=2,
        seed=seed,
        per_model_kwargs={
            "player_0": dict(
                n_steps=32, batch_size=32, n_epochs=2, policy_kwargs=dict(net_arch=[8])
            ),
            "player_1": dict(n_steps=8, policy_kwargs=dict(net_arch=[8])),
        },
    )
    return runner.learn(600)


@pytest.mark.slow
def test_independent_lockstep_training_is_reproducible():
    a, b, c = _lockstep(5), _lockstep(5), _lockstep(6)
    for name in ("player_0", "player_1"):
        assert a.models[name].num_timesteps >= 600
        assert _same(_parameters(a.models[name]), _parameters(b.models[name]))
    assert not _same(_parameters(a.models["player_0"]), _parameters(c.models["player_0"]))
    prof = current_profile(a.policies, GameEnv(matching_pennies(), max_cycles=4))
    assert [p.shape for p in prof] == [(1, 2), (1, 2)]


def _shared(seed, algorithm="DQN"):
    kwargs = (
        dict(learning_starts=50, train_freq=4, buffer_size=1000, policy_kwargs=dict(net_arch=[8]))
        if algorithm == "DQN"
        else dict(n_steps=16, batch_size=48, n_epochs=2, policy_kwargs=dict(net_arch=[8]))
    )
    runner = parameter_shared(
        lambda: GameEnv(majority_game(3, 2), max_cycles=2),
        algorithm=algorithm,
        n_envs=2,
        seed=seed,
        model_kwargs=kwargs,
    )
    return runner.learn(600)


@pytest.mark.parametrize("algorithm", ["DQN", "PPO"])
@pytest.mark.slow
def test_parameter_shared_training_is_reproducible(algorithm):
    a, b = _shared(3, algorithm), _shared(3, algorithm)
    assert len(a.models) == 1 and a.vec_envs["shared"].num_envs == 3 * 2
    assert _same(_parameters(a.models["shared"]), _parameters(b.models["shared"]))
    # every agent is played by the same model
    pols = a.policies
    obs = np.zeros(GameEnv(majority_game(3, 2)).observation_space("player_0").shape, np.float32)
    obs[0] = 1.0
    np.testing.assert_array_equal(pols["player_0"].strategy(obs), pols["player_2"].strategy(obs))
    if algorithm == "DQN":  # greedy one-hot
        assert sorted(pols["player_0"].strategy(obs).tolist()) == [0.0, 1.0]


@pytest.mark.slow
def test_coalition_agents_learn_correlated_joints_through_a_flattened_action():
    game = majority_game(3, 2)

    def make():
        return CoalitionEnv(game, coalitions=[[0, 1], [2]])

    runner = independent(make, ["coalition_0"], "PPO", seed=0, model_kwargs=TINY_PPO)
    venv = runner.vec_envs["coalition_0"]
    assert isinstance(venv, AgentVecEnv) and venv.action_space.n == 4
    policy = runner.policy("coalition_0")
    assert isinstance(policy, SB3Policy)
    obs = np.zeros(make().observation_space("coalition_0").shape, np.float32)
    joint = policy.strategy(obs)
    assert joint.shape == (2, 2) and joint.sum() == pytest.approx(1.0)
    action = policy.act(obs, np.random.default_rng(0))
    assert action.shape == (2,)
    product = independent(
        make, ["coalition_0"], "PPO", seed=0, flatten_joint=False, model_kwargs=TINY_PPO
    )
    joint = product.policy("coalition_0").strategy(obs)
    marg = [joint.sum(axis=1), joint.sum(axis=0)]
    np.testing.assert_allclose(joint, np.outer(*marg), atol=1e-12)  # independent members


def test_algorithm_names_and_input_errors():
    from stable_baselines3 import A2C, DQN, PPO

    assert resolve_algorithm("ppo") is PPO and resolve_algorithm("DQN") is DQN
    assert resolve_algorithm("stable_baselines3:A2C") is A2C
    with pytest.raises(ValueError, match="unknown SB3 algorithm"):
        resolve_algorithm("nope")
    with pytest.raises(ValueError, match="identical spaces"):
        parameter_shared(lambda: CoalitionEnv(majority_game(3, 2), coalitions=[[0, 1], [2]]))
    with pytest.raises(ValueError, match="unknown agent"):
        independent(lambda: GameEnv(matching_pennies()), ["player_9"])
    with pytest.raises(ValueError, match="both learned"):
        independent(
            lambda: GameEnv(matching_pennies()), ["player_0"], others={"player_0": UniformPolicy(2)}
        )


@pytest.mark.slow
def test_classic_learners_among_the_others_learn_alongside():
    from powergames.agents.hedge import Hedge

    hedge = Hedge(2, learning_rate=0.05, exploration=0.1)
    runner = independent(
        lambda: GameEnv(matching_pennies(), max_cycles=2),
        ["player_0"],
        "A2C",
        others={"player_1": hedge},
        n_envs=2,
        seed=0,
        model_kwargs=dict(n_steps=8, policy_kwargs=dict(net_arch=[8])),
    ).learn(160)
    # one update per env step: 2 copies × (160 / 2 model steps per vec step)
    assert hedge.iterations == runner.models["player_0"].num_timesteps
    assert runner.policy("player_1") is hedge


def _boundary_runner(seed=4):
    return independent(
        lambda: GameEnv(matching_pennies(), max_cycles=4),
        algorithm={"player_0": "PPO", "player_1": "DQN"},
        seed=seed,
        per_model_kwargs={
            "player_0": dict(
                n_steps=32, batch_size=32, n_epochs=2, policy_kwargs=dict(net_arch=[8])
            ),
            "player_1": dict(
                train_freq=8, learning_starts=16, buffer_size=500, policy_kwargs=dict(net_arch=[8])
            ),
        },
    )


@pytest.mark.slow
def test_rollout_boundaries_and_save_load_continue_exactly(tmp_path):
    """Lockstep PPO (rollouts of 32 rounds) and DQN (8): ``on_boundary`` fires where both start
    a rollout; a run saved there and loaded continues exactly as the uninterrupted one."""
    seen = []

    def on_boundary(rounds):
        seen.append(rounds)
        if rounds == 64:
            whole.save(tmp_path / "mid", extra={"note": "mid"})

    whole = _boundary_runner()
    whole.learn(128, on_boundary=on_boundary)
    assert seen == [0, 32, 64, 96]  # the end (128) is no rollout start

    resumed = _boundary_runner()  # built as the saved one was, then its state overwritten
    assert resumed.restore(tmp_path / "mid") == {"note": "mid"}
    assert not list((tmp_path / "mid").glob("*.pkl")) and not list((tmp_path / "mid").glob("*.zip"))
    assert resumed.rounds("player_0") == resumed.rounds("player_1") == 64
    assert resumed.policy("player_0").model is resumed.models["player_0"]
    resumed.learn(64, reset_num_timesteps=False)
    for name in ("player_0", "player_1"):
        assert resumed.models[name].num_timesteps == whole.models[name].num_timesteps == 128
        assert _same(_parameters(resumed.models[name]), _parameters(whole.models[name]))
    obs = np.zeros(GameEnv(matching_pennies()).observation_space("player_0").shape, np.float32)
    np.testing.assert_array_equal(
        resumed.policy("player_0").strategy(obs), whole.policy("player_0").strategy(obs)
    )


def test_model_build_errors_name_the_model():
    with pytest.raises(ModelBuildError, match="model 'player_1'") as info:
        independent(
            lambda: GameEnv(matching_pennies()),
            algorithm="PPO",
            per_model_kwargs={"player_1": dict(n_stepz=4)},
        )
    assert info.value.model == "player_1"
