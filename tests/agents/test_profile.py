import numpy as np
import pytest

from powergames.agents.copying import OracleCopyingPolicy
from powergames.agents.fixed import MajorityPolicy, MixedPolicy, UniformPolicy
from powergames.agents.profile import (
    average_profile,
    current_joint_policies,
    current_profile,
    is_product,
    player_profile,
)
from powergames.agents.regret_matching import RegretMatching
from powergames.agents.self_play import full_information_play, learner_profile
from powergames.envs import CoalitionEnv, GameEnv
from powergames.envs.probes import type_observation
from powergames.games import majority_game, random_symmetric_unit_sum_game
from powergames.games.bayesian import bayesian_matching_pennies
from powergames.games.library import rock_paper_scissors
from powergames.theory import coalition_values
from powergames.theory.bayesian_power import nash_conv


def test_profile_of_learners_in_a_bayesian_env_matches_their_tables():
    game = bayesian_matching_pennies(0.25)
    env = GameEnv(game)
    learners = [
        RegretMatching(2, n_types=t, layout=env.observation_layout(a), plus=True)
        for t, a in zip(game.n_types, env.possible_agents)
    ]
    full_information_play(game, learners, 50, alternating=True)
    prof = current_profile(dict(zip(env.possible_agents, learners)), env)
    assert [p.shape for p in prof] == [(2, 2), (1, 2)]
    for p, lrn in zip(prof, learners):
        np.testing.assert_array_equal(p, lrn.current_strategy())
    avg = average_profile(learners, env)
    for p, lrn in zip(avg, learners):
        np.testing.assert_array_equal(p, lrn.average_strategy())
    assert nash_conv(game, avg) == pytest.approx(
        nash_conv(game, learner_profile(learners, average=True))
    )


def test_type_observation_sets_only_the_type_block():
    env = GameEnv(bayesian_matching_pennies(0.25), max_cycles=3)
    layout = env.observation_layout("player_0")
    obs = type_observation(env, "player_0", 1)
    assert obs.dtype == np.float32 and obs.shape == env.observation_space("player_0").shape
    np.testing.assert_array_equal(obs[layout["type"]], [0.0, 1.0])
    assert obs.sum() == 1.0


def test_coalition_profile_gives_joints_and_splits_into_marginals():
    game = majority_game(5, 3)
    env = CoalitionEnv(game, coalitions=[[0, 1, 2], [3, 4]])
    minority = MixedPolicy(np.full((3, 3), 1 / 9))
    majority = MajorityPolicy(3, 3)
    policies = {"coalition_0": majority, "coalition_1": minority}
    prof = current_profile(policies, env)
    assert [p.shape for p in prof] == [(1, 3, 3, 3), (1, 3, 3)]
    joints = current_joint_policies(policies, env)
    values = coalition_values(game, [[0, 1, 2], [3, 4]], [p[0] for p in prof])
    np.testing.assert_allclose(values, coalition_values(game, [[0, 1, 2], [3, 4]], joints))
    assert values[0, 0] >= 1 - 1 / 3 - 1e-12  # Theorem 1
    players = player_profile(prof, env)
    assert len(players) == 5 and all(p.shape == (1, 3) for p in players)
    np.testing.assert_allclose(players[0], [[1 / 3] * 3])
    assert not is_product(prof[0][0]) and is_product(prof[1][0])
    with pytest.raises(ValueError, match="correlated"):
        player_profile(prof, env, require_independent=True)


def test_structured_policies_for_large_coalitions():
    game = random_symmetric_unit_sum_game(13, 2, 1, np.random.default_rng(0))
    env = CoalitionEnv(game, coalitions=[list(range(12)), [12]])
    opp = UniformPolicy(2)
    copier = OracleCopyingPolicy(opp, 12)
    copier.max_joint_size = 1 << 10  # force the structured route
    policies = [copier, opp]
    with pytest.raises(ValueError, match="no exact strategy"):
        current_profile(policies, env)
    joints = current_joint_policies(policies, env)
    assert hasattr(joints[0], "count_distribution")
    values = coalition_values(game, env.coalitions, joints)
    assert values[0, 0] >= 12 / 13 - 1e-9  # k = 13


def test_profile_input_errors():
    env = GameEnv(rock_paper_scissors())
    with pytest.raises(ValueError, match="no entry for agent"):
        current_profile({"player_0": UniformPolicy(3)}, env)
    with pytest.raises(ValueError, match="one entry per agent"):
        current_profile([UniformPolicy(3)], env)
    from powergames.agents.policy import CallablePolicy

    with pytest.raises(ValueError, match="no exact strategy"):
        current_profile([UniformPolicy(3), CallablePolicy(lambda o: 0)], env)


def test_player_profile_of_a_bayesian_coalition_against_brute_force():
    import itertools

    from powergames.games.bayesian import random_bayesian_game

    game = random_bayesian_game((2, 3, 2), (2, 2, 2), 4, zero_prob=0.0)
    env = CoalitionEnv(game, coalitions=[[0, 1], [2]])
    rng = np.random.default_rng(0)
    joint = rng.dirichlet(np.ones(4), size=6).reshape(6, 2, 2)  # per joint type (t_0, t_1), C order
    single = rng.dirichlet(np.ones(2), size=2)
    players = player_profile([joint, single], env)
    np.testing.assert_array_equal(players[2], single)
    p01 = game.prior.sum(axis=2)
    for i, (T, other_T) in enumerate([(2, 3), (3, 2)]):
        for t in range(T):
            num, den = np.zeros(2), 0.0
            for u in range(other_T):
                t0, t1 = (t, u) if i == 0 else (u, t)
                w = p01[t0, t1]
                for a0, a1 in itertools.product(range(2), range(2)):
                    num[(a0, a1)[i]] += w * joint[t0 * 3 + t1, a0, a1]
                den += w
            np.testing.assert_allclose(players[i][t], num / den, atol=1e-12)
