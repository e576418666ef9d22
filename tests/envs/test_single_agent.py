"""The single-agent Gymnasium view: checkers over the registry, opponents, and a PPO smoke test."""

from __future__ import annotations

import warnings

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env as gym_check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env

from powergames.envs import SingleAgentEnv, make, make_single_agent, registry

ENV_IDS = sorted(registry)


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_gymnasium_and_sb3_checkers(env_id: str, capsys: pytest.CaptureFixture[str]) -> None:
    env = gymnasium.make(env_id, max_cycles=3)
    assert isinstance(env.unwrapped, SingleAgentEnv)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gym_check_env(env.unwrapped)
        sb3_check_env(make_single_agent(env_id, seat=-1 % len(env.unwrapped.env.possible_agents)))


def test_gymnasium_make_passes_kwargs() -> None:
    env = gymnasium.make(
        "powergames/majority-v0", n_players=3, n_actions=2, seat="player_2", max_cycles=4
    )
    inner = env.unwrapped
    assert inner.seat == "player_2" and inner.env.max_cycles == 4
    assert inner.env.game.n_players == 3
    obs, _ = env.reset(seed=0)
    assert env.observation_space.contains(obs)
    steps = 0
    done = False
    while not done:
        obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
        done = terminated or truncated
        steps += 1
    assert steps == 4 and 0.0 <= reward <= 1.0


def _exact_value(game, probs: np.ndarray, opponent: np.ndarray) -> float:
    """Seat 0's expected payoff when it plays ``probs`` against ``opponent`` (exact)."""
    return float(probs @ game.payoffs[0] @ opponent)


def test_ppo_learns_against_an_exploitable_opponent() -> None:
    """PPO on seat 0 of matching pennies vs an opponent showing heads 80%: the best response
    earns 0.6 in expectation, uniform play 0; a few thousand steps must get most of the way."""
    import torch
    from stable_baselines3 import PPO

    torch.set_num_threads(1)
    opponent = np.array([0.8, 0.2])
    env = gymnasium.make("powergames/matching-pennies-v0", opponents={"player_1": opponent})
    game = env.unwrapped.env.game
    model = PPO(
        "MlpPolicy",
        env,
        n_steps=256,
        batch_size=64,
        n_epochs=5,
        learning_rate=3e-3,
        seed=0,
        device="cpu",
    )
    model.learn(3072)
    obs, _ = env.reset(seed=0)
    dist = model.policy.get_distribution(model.policy.obs_to_tensor(obs)[0])
    probs = dist.distribution.probs.detach().numpy()[0].astype(np.float64)
    best = max(_exact_value(game, np.eye(2)[a], opponent) for a in range(2))
    uniform = _exact_value(game, np.full(2, 0.5), opponent)
    learned = _exact_value(game, probs, opponent)
    assert learned >= uniform + 0.8 * (best - uniform)


def test_per_type_mixed_strategy_opponent() -> None:
    """A strategy per type (rows) is chosen by the opponent's own observed type."""
    env = make_single_agent(
        "powergames/bayesian-v0", seat="player_0", opponents={"player_1": [[1, 0], [0, 1]]}
    )
    env.reset(seed=3)
    types_seen = set()
    for _ in range(40):
        _, _, terminated, _, info = env.step(0)
        assert info["joint_action"][1] == info["types"][1]
        types_seen.add(info["types"][1])
        if terminated:
            env.reset()
    assert types_seen == {0, 1}


def test_population_bargaining_seat_against_per_class_dispositions() -> None:
    """Opponents cooperate iff they are V (a strategy per value class, chosen by the observed
    "type"); a cooperating seat settles exactly when its observed partner is V."""
    env = gymnasium.make(
        "powergames/population-bargaining-v0",
        n_agents=6,
        locality=0.5,
        max_cycles=5,
        opponents={f"player_{i}": [[1, 0], [0, 1]] for i in range(1, 6)},
    )
    layout = env.unwrapped.env.observation_layout("player_0")
    obs, _ = env.reset(seed=0)
    outcomes = set()
    for _ in range(60):
        partner_is_v = bool(obs[layout["partner_type"]][1])  # 6 agents: nobody sits out
        obs, reward, terminated, _, info = env.step(1)
        assert info["settled"] == partner_is_v and reward == float(partner_is_v)
        outcomes.add(partner_is_v)
        if terminated:
            obs, _ = env.reset()
    assert outcomes == {True, False}


class _Recorder:
    """A learning opponent: plays its action 1 and records every update."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def act(self, observation, rng):
        return 1

    def update(self, observation, action, reward, next_observation, info):
        self.calls.append((observation, action, reward, next_observation, info))


def test_learning_opponent_is_updated_with_its_transitions() -> None:
    rec = _Recorder()
    env = make_single_agent(
        "powergames/prisoners-dilemma-v0", seat=0, opponents={"player_1": rec}, max_cycles=3
    )
    obs0, _ = env.reset(seed=0)
    env.step(0)
    env.step(1)
    assert len(rec.calls) == 2
    prev_obs, action, reward, next_obs, info = rec.calls[1]
    game = env.env.game
    assert action == 1 and reward == game.payoffs[1, 1, 1]  # (D, D) for player 1
    assert info["joint_action"] == (1, 1)
    np.testing.assert_array_equal(prev_obs, rec.calls[0][3])
    assert next_obs[env.env.observation_layout("player_1")["round"]][0] == pytest.approx(2 / 3)


def test_callable_and_coalition_opponents() -> None:
    env = make_single_agent(
        "powergames/majority-coalitions-v0",
        n_players=5,
        n_actions=2,
        seat="coalition_1",
        opponents={"coalition_0": lambda obs, rng: np.array([1, 1, 1])},
    )
    assert env.action_space == gymnasium.spaces.MultiDiscrete([2, 2], dtype=np.int64)
    env.reset(seed=0)
    _, reward, *_, info = env.step(np.array([0, 0]))
    assert info["joint_action"] == (1, 1, 1, 0, 0) and reward == 0.0
    # a joint distribution for a coalition seat: always (0, 1, 0)
    joint = np.zeros((2, 2, 2))
    joint[0, 1, 0] = 1.0
    env = make_single_agent(
        "powergames/majority-coalitions-v0",
        n_players=5,
        n_actions=2,
        seat="coalition_1",
        opponents={"coalition_0": joint},
    )
    env.reset(seed=1)
    _, reward, *_, info = env.step([1, 1])
    assert info["joint_action"] == (0, 1, 0, 1, 1) and reward == pytest.approx(2 / 3)


def test_default_opponents_are_uniform() -> None:
    env = make_single_agent("powergames/rock-paper-scissors-v0", seat="player_0")
    env.reset(seed=0)
    counts = np.zeros(3)
    for _ in range(3000):
        *_, info = env.step(0)
        counts[info["joint_action"][1]] += 1
        env.reset()
    sigma = np.sqrt(1 / 3 * 2 / 3 / 3000)
    assert np.all(np.abs(counts / 3000 - 1 / 3) < 5 * sigma)


def test_single_agent_errors() -> None:
    base = make("powergames/matching-pennies-v0")
    with pytest.raises(ValueError, match=r"unknown seat 'player_9'"):
        SingleAgentEnv(base, seat="player_9")
    with pytest.raises(ValueError, match=r"seat index 2 out of range"):
        SingleAgentEnv(base, seat=2)
    with pytest.raises(ValueError, match=r"seat 'player_0' is the learner's"):
        SingleAgentEnv(base, seat=0, opponents={"player_0": None})
    with pytest.raises(ValueError, match=r"unknown agent 'player_5'"):
        SingleAgentEnv(base, seat=0, opponents={"player_5": None})
    with pytest.raises(
        ValueError, match=r"opponent strategy for 'player_1' must have shape \(2,\)"
    ):
        SingleAgentEnv(base, seat=0, opponents={"player_1": [0.2, 0.3, 0.5]})
    with pytest.raises(ValueError, match=r"opponent strategy for 'player_1' must sum to 1"):
        SingleAgentEnv(base, seat=0, opponents={"player_1": [0.2, 0.3]})
    with pytest.raises(TypeError, match=r"opponent for 'player_1' must be None"):
        SingleAgentEnv(base, seat=0, opponents={"player_1": 3})
    env = SingleAgentEnv(base, seat=0)
    with pytest.raises(ValueError, match=r"before reset"):
        env.step(0)
    env.reset(seed=0)
    with pytest.raises(ValueError, match=r"action 7 for agent 'player_0' is out of range"):
        env.step(7)


class _NoLayoutEnv:
    """Just enough of a ParallelEnv for an opponent: no ``observation_layout``."""

    def action_space(self, agent):
        return gymnasium.spaces.Discrete(2)


def test_per_type_strategy_needs_a_type_block() -> None:
    from powergames.envs.single_agent import MixedStrategyOpponent

    opponent = MixedStrategyOpponent(_NoLayoutEnv(), "player_1", [0.0, 1.0])
    assert opponent.act(np.zeros(3), np.random.default_rng(0)) == 1
    with pytest.raises(ValueError, match="one strategy per type needs a 'type' block"):
        MixedStrategyOpponent(_NoLayoutEnv(), "player_1", [[1, 0], [0, 1]])
