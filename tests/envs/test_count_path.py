"""GameEnv's count path (games in count form too large for a joint-action index) against the
generic per-agent path and against the game's own table."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from powergames.envs import GameEnv
from powergames.games.symmetric import majority_game, random_symmetric_unit_sum_game


def generic(env: GameEnv) -> GameEnv:
    """The same env with the count path switched off: every step through the per-agent checker."""
    env._count_k = 0
    return env


def share(game, x: int, joint: tuple[int, ...], i: int) -> float:
    """Player i's share from the game's table: own action, the others' counts (MATH.md (1.2))."""
    others = np.bincount([a for j, a in enumerate(joint) if j != i], minlength=game.n_actions)
    col = int(game.count_index(others))
    return float(game.table[x, joint[i], col])


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    n=st.integers(11, 14),
    n_states=st.integers(1, 3),
    history=st.sampled_from(["counts", "none"]),
    indicator=st.booleans(),
    cycles=st.integers(1, 4),
)
def test_count_path_equals_the_generic_path_and_the_table(
    seed, n, n_states, history, indicator, cycles
):
    rng = np.random.default_rng(seed)
    game = random_symmetric_unit_sum_game(n, 3, n_states, rng)
    fast = GameEnv(game, max_cycles=cycles, history=history, agent_indicator=indicator)
    slow = generic(GameEnv(game, max_cycles=cycles, history=history, agent_indicator=indicator))
    assert fast._count_k == 3  # 3^n joint actions: no joint index, the count path is taken
    for episode in range(3):
        o1, i1 = fast.reset(seed=seed + episode)
        o2, i2 = slow.reset(seed=seed + episode)
        assert i1 == i2
        for a in fast.agents:
            np.testing.assert_array_equal(o1[a], o2[a])
        # a few steps repeat a joint action's counts in another order (the same cache key)
        plans = rng.integers(0, 3, size=(cycles, n))
        plans[1:] = plans[0][rng.permutation(n)] if cycles > 1 else plans[1:]
        for row in plans:
            actions = {f"player_{i}": int(a) for i, a in enumerate(row)}
            r1 = fast.step(actions)
            r2 = slow.step(dict(actions))
            for d1, d2 in zip(r1[1:4], r2[1:4]):
                assert d1 == d2
            assert r1[4] == r2[4]
            x = r1[4]["player_0"]["state"]
            for i, a in enumerate(fast.possible_agents):
                np.testing.assert_array_equal(r1[0][a], r2[0][a])
                assert r1[1][a] == pytest.approx(share(game, x, tuple(row), i), abs=1e-15)
                assert r1[0][a].flags.writeable
                assert r1[4][a]["joint_action"] == tuple(int(v) for v in row)
            # every agent's observation and info are its own
            obs = list(r1[0].values())
            obs[0][:] = -1.0
            assert all(o.min() >= 0.0 for o in obs[1:])
            infos = list(r1[4].values())
            infos[0]["round"] = -5
            assert all(d["round"] != -5 for d in infos[1:])
        assert not fast.agents and not slow.agents


BAD_ACTIONS = [
    ("bool", True),
    ("numpy bool", np.True_),
    ("float", 1.0),
    ("numpy float", np.float64(1.0)),
    ("NaN", float("nan")),
    ("string", "1"),
    ("too large", 3),
    ("negative", -1),
    ("1-d array", np.array([1])),
    ("0-d bool array", np.array(True)),
    ("0-d float array", np.array(1.0)),
    ("None", None),
]


@pytest.mark.parametrize("label, bad", BAD_ACTIONS, ids=[b[0] for b in BAD_ACTIONS])
def test_bad_actions_get_the_generic_paths_error(label, bad):
    game = majority_game(12, 3)
    fast, slow = GameEnv(game, max_cycles=2), generic(GameEnv(game, max_cycles=2))
    assert fast._count_k == 3
    fast.reset(seed=0)
    slow.reset(seed=0)
    actions = {f"player_{i}": i % 3 for i in range(12)}
    actions["player_7"] = bad
    with pytest.raises((TypeError, ValueError)) as want:
        slow.step(actions)
    with pytest.raises(want.type) as got:
        fast.step(actions)
    assert str(got.value) == str(want.value)
    assert "player_7" in str(got.value)


def test_missing_extra_and_non_dict_actions():
    game = majority_game(12, 3)
    fast, slow = GameEnv(game, max_cycles=2), generic(GameEnv(game, max_cycles=2))
    actions = {f"player_{i}": 0 for i in range(12)}
    cases = [
        {k: v for k, v in actions.items() if k != "player_3"},
        {**actions, "player_99": 0},
        list(actions.values()),
    ]
    for case in cases:
        fast.reset(seed=0)
        slow.reset(seed=0)
        with pytest.raises((TypeError, ValueError)) as want:
            slow.step(case)
        with pytest.raises(want.type) as got:
            fast.step(case)
        assert str(got.value) == str(want.value)


def test_numpy_integer_actions_are_accepted_as_ints():
    game = majority_game(12, 3)
    env = GameEnv(game, max_cycles=1)
    env.reset(seed=0)
    kinds = [np.int64, np.int32, np.uint8, int, np.int16]
    actions = {f"player_{i}": kinds[i % len(kinds)](i % 3) for i in range(12)}
    actions["player_0"] = np.array(2)  # a 0-d array
    obs, rewards, *_, infos = env.step(actions)
    joint = infos["player_0"]["joint_action"]
    assert joint == tuple([2] + [i % 3 for i in range(1, 12)])
    assert all(type(a) is int for a in joint)
    assert sum(rewards.values()) == pytest.approx(1.0, abs=1e-12)


def test_step_after_the_end_and_history_actions_keep_the_generic_path():
    game = majority_game(12, 3)
    env = GameEnv(game, max_cycles=1)
    env.reset(seed=0)
    env.step({f"player_{i}": 0 for i in range(12)})
    with pytest.raises(ValueError, match="reset"):
        env.step({f"player_{i}": 0 for i in range(12)})
    # observations of the previous joint action depend on more than the counts
    assert GameEnv(game, history="actions")._count_k == 0
    # small games keep the joint-action index
    assert GameEnv(majority_game(5, 3))._count_k == 0


def test_render_reads_the_last_round():
    game = majority_game(12, 3)
    env = GameEnv(game, max_cycles=2, render_mode="ansi")
    env.reset(seed=0)
    _, rewards, *_ = env.step({f"player_{i}": i % 3 for i in range(12)})
    text = env.render()
    assert "round 1/2" in text or "1/2" in text
    assert f"{rewards['player_0']:.3f}"[:4] in text
