"""The simulated resource gridworld: API, seeding, rendering, egocentric observations, and rollouts
against the exact stochastic-game form (MATH.md §5)."""

from __future__ import annotations

import numpy as np
import pytest
from pettingzoo.test import parallel_api_test

from powergames.envs.gridworld import ResourceGridEnv
from powergames.envs.gridworld_observer import pair_observer
from powergames.games.gridworld import resource_gridworld
from powergames.theory.stochastic_coalitions import stochastic_coalition_values


@pytest.mark.parametrize("wrap", [True, False])
def test_parallel_api(wrap):
    env = ResourceGridEnv(["a.#", "..b"], n_agents=3, wrap=wrap, max_cycles=10)
    parallel_api_test(env, num_cycles=30)


def _returns(env, seed, episodes):
    env.reset(seed=seed)
    rng = np.random.default_rng(seed)
    out = np.zeros((episodes, env.n_agents))
    for e in range(episodes):
        env.reset()
        while env.agents:
            _, rew, _, _, _ = env.step({a: int(rng.integers(5)) for a in env.agents})
            out[e] += [rew[a] for a in env.possible_agents]
    return out


def test_seeding_is_reproducible():
    a = _returns(ResourceGridEnv(max_cycles=8), 3, 10)
    b = _returns(ResourceGridEnv(max_cycles=8), 3, 10)
    assert np.array_equal(a, b)
    assert np.allclose(a.sum(axis=1), 8)  # unit-sum: one unit per step


@pytest.mark.parametrize(("layout", "wrap"), [(["a.", ".b"], True), (["a#", ".b"], False)])
def test_rollouts_agree_with_the_exact_form(layout, wrap):
    h = 4
    _, game = resource_gridworld(layout, 2, discount=None, horizon=h, wrap=wrap)
    uniform = np.full((game.n_states, 5), 0.2)
    exact = stochastic_coalition_values(game, [[0], [1]], [uniform, uniform])
    want = game.x_prior @ exact.values  # (2,): each player's expected total share
    ret = _returns(ResourceGridEnv(layout, 2, wrap=wrap, max_cycles=h), 1, 4000)
    se = ret.std(axis=0, ddof=1) / np.sqrt(len(ret))
    assert np.all(np.abs(ret.mean(axis=0) - want) <= 5 * se)


@pytest.mark.parametrize(
    ("layout", "n", "radius", "wrap"),
    [
        (["a...", "....", "..b."], 2, 1, True),
        (["a...", "....", "..b."], 3, 2, True),  # the window is larger than the torus
        (["a.#.", "#...", "..b."], 3, 1, False),
        (["a.", ".b"], 4, 1, True),
        (["a.#..", ".....", "..b.."], 3, 0, False),
        (["ab", ".."], 3, 2, True),  # a torus smaller than the radius: own images are not "others"
    ],
)
def test_observations_are_egocentric_and_hide_x(layout, n, radius, wrap):
    env = ResourceGridEnv(layout, n_agents=n, view_radius=radius, wrap=wrap)
    d = 2 * radius + 1
    h, w = env._shape
    for seed in range(5):
        obs, infos = env.reset(seed=seed)
        for i, a in enumerate(env.possible_agents):
            layout = env.observation_layout(a)
            assert obs[a][layout["type"]].tolist() == [1.0] and obs[a][layout["round"]] == 0.0
            window = obs[a][: layout["type"].start].reshape(env._n_channels, d, d)
            y, x = env.positions[i]
            for dy in range(-radius, radius + 1):
                for dx in range(-radius, radius + 1):
                    cy, cx = y + dy, x + dx
                    if wrap:
                        cy, cx = cy % h, cx % w
                    elif not (0 <= cy < h and 0 <= cx < w):
                        assert window[0, dy + radius, dx + radius] == 1.0  # outside = wall
                        assert window[1:, dy + radius, dx + radius].sum() == 0
                        continue
                    cell = window[:, dy + radius, dx + radius]
                    assert cell[0] == float(env.wall[cy, cx])
                    for k in range(len(env.kinds)):
                        assert cell[1 + k] == float(env.kind[cy, cx] == k)
                    others = sum(
                        1 for j in range(n) if j != i and tuple(env.positions[j]) == (cy, cx)
                    )
                    assert cell[-1] * (n - 1) == pytest.approx(others)
            assert infos[a] == {"round": 0, "joint_action": (-1,) * n}
    # the same positions under either X give the same observations
    env.reset(seed=1)
    first = env._observations()
    env._x = 1 - env._x
    second = env._observations()
    assert all(np.array_equal(first[a], second[a]) for a in first)


def test_rendering():
    env = ResourceGridEnv(["a.", ".b"], n_agents=2, render_mode="ansi")
    env.reset(seed=0)
    text = env.render()
    assert "round 0/50" in text and ("0" in text.splitlines()[1] + text.splitlines()[2])
    img = ResourceGridEnv(["a.", ".b"], n_agents=2, render_mode="rgb_array")
    img.reset(seed=0)
    frame = img.render()
    assert frame.shape == (32, 32, 3) and frame.dtype == np.uint8


def test_bad_input():
    with pytest.raises(ValueError, match="resource cell"):
        ResourceGridEnv(["..", ".."])
    with pytest.raises(ValueError, match="render_mode"):
        ResourceGridEnv(render_mode="video")
    env = ResourceGridEnv()
    env.reset(seed=0)
    with pytest.raises(ValueError, match="out of range"):
        env.step({"player_0": 7, "player_1": 0})


def test_registered_id_takes_json_kwargs_and_names_bad_ones():
    from powergames.envs import make

    env = make("powergames/resource-grid-v0", layout=["a.", ".b"], n_agents=3, max_cycles=2)
    assert isinstance(env, ResourceGridEnv) and env.metadata["name"] == "resource_grid_v0"
    obs, _ = env.reset(seed=0)
    assert all(env.observation_space(a).contains(o) for a, o in obs.items())
    for kwargs, error, name in [
        ({"layout": "a..."}, TypeError, "layout"),
        ({"layout": ["a.", "."]}, ValueError, "layout"),
        ({"layout": [".."]}, ValueError, "resource cell"),
        ({"wrap": "yes"}, TypeError, "wrap"),
        ({"n_agents": 0}, ValueError, "n_agents"),
        ({"x_prior": [0.5, 0.6]}, ValueError, "x_prior"),
        ({"view_radius": 1.5}, TypeError, "view_radius"),
        ({"coalitions": [[0]]}, ValueError, "coalitions"),
    ]:
        with pytest.raises(error, match=name):
            make("powergames/resource-grid-v0", **kwargs)


def test_positions_setter_checks_cells():
    env = ResourceGridEnv(["a#", ".b"], n_agents=2, wrap=False)
    env.positions = [[1, 0], [1, 1]]
    assert env.positions.tolist() == [[1, 0], [1, 1]]
    for bad in ([[0, 1], [1, 1]], [[2, 0], [1, 1]], [[0, 0]]):
        with pytest.raises(ValueError, match="positions"):
            env.positions = bad


@pytest.mark.parametrize(
    ("layout", "n", "radius", "wrap"),
    [
        (["a...", "....", "..b."], 4, 1, True),
        (["a.#..", "#....", "..b.."], 5, 1, False),
        (["a.#..", ".....", "..b.."], 3, 0, False),
        (["a....", ".....", "..b..", ".....", "....."], 6, 2, True),
    ],
)
def test_pair_table_path_equals_the_window_gather_path(layout, n, radius, wrap):
    """The pair-table observations (small grids) equal the NumPy window gather on random joint
    positions, crowded ones (every agent on one cell) included."""
    fast = ResourceGridEnv(layout, n_agents=n, view_radius=radius, wrap=wrap)
    slow = ResourceGridEnv(layout, n_agents=n, view_radius=radius, wrap=wrap)
    assert fast.tables.pairs
    slow.tables.pairs = False
    rng = np.random.default_rng(0)
    cells = fast.open_cells
    draws = [cells[rng.integers(len(cells), size=n)] for _ in range(200)]
    draws += [np.repeat(cells[:1], n, axis=0), np.repeat(cells[-1:], n, axis=0)]
    for pos in draws:
        fast.positions = slow.positions = pos
        fast._round = slow._round = int(rng.integers(3))
        a, b = fast._observations(), slow._observations()
        for agent in fast.possible_agents:
            np.testing.assert_array_equal(a[agent], b[agent])


@pytest.mark.parametrize(
    ("layout", "n", "radius", "wrap", "cycles"),
    [
        (["a...", "....", "..b."], 4, 1, True, 3),
        (["a.#..", "#....", "..b.."], 5, 1, False, 4),
        (["a....", ".....", "..b..", ".....", "....."], 6, 2, True, 2),
        (["ab", ".."], 3, 0, True, 5),
        (["a.....", "......", "..b...", "......", "......"], 1, 1, True, 3),
        (["a.....", "......", "..b...", "......", "......"], 2, 2, False, 3),
        (["a.......", "........", "...b....", "........", "........", "........"], 8, 2, True, 4),
    ],
)
def test_step_observations_equal_the_window_gather_path(layout, n, radius, wrap, cycles):
    """``step``'s written-out pair path (bitmask other-agents channel, distinct and crowded cells) returns
    what the NumPy window gather gives, on random joint positions and random actions."""
    fast = ResourceGridEnv(layout, n_agents=n, view_radius=radius, wrap=wrap, max_cycles=cycles)
    slow = ResourceGridEnv(layout, n_agents=n, view_radius=radius, wrap=wrap, max_cycles=cycles)
    assert fast._fast is not None
    slow.tables.pairs, slow._fast = False, None
    rng = np.random.default_rng(1)
    cells = fast.open_cells
    crowded = 0
    for trial in range(150):
        fast.reset(seed=trial)
        slow.reset(seed=trial)
        pos = cells[rng.integers(len(cells), size=n)]
        if trial % 5 == 0:
            pos = np.repeat(pos[:1], n, axis=0)  # every agent on one cell
        fast.positions = slow.positions = pos
        while fast.agents:
            acts = {a: int(rng.integers(5)) for a in fast.agents}
            crowded += len(set(fast._cells)) < n
            got, want = fast.step(acts), slow.step(acts)
            for g, w in zip(got, want):
                assert g.keys() == w.keys()
                for agent in g:
                    np.testing.assert_array_equal(g[agent], w[agent])
    assert crowded > 0 or n == 1  # both paths met (one agent is never crowded)


@pytest.mark.parametrize("prior", [None, [0.2, 0.8], [0.7, 0.0, 0.3]])
def test_reset_draws_x_and_starts_as_the_generator_would(prior):
    """``reset`` draws ``X`` as ``rng.choice(K, p=x_prior)`` and the starts as ``rng.integers``
    from the seeded generator (the same stream, the same values)."""
    from powergames.envs.seeding import np_random

    layout = ["a.c.", "....", "..b."] if prior is not None and len(prior) == 3 else ["a...", "..b."]
    env = ResourceGridEnv(layout, n_agents=3, x_prior=prior)
    seen = set()
    for seed in range(300):
        env.reset(seed=seed)
        rng, _ = np_random(seed)
        want_x = int(rng.choice(len(env.kinds), p=env.x_prior))
        want_cells = env.tables.open_flat[rng.integers(len(env.open_cells), size=3)].tolist()
        assert (env._x, env._cells) == (want_x, want_cells)
        seen.add(env._x)
    assert seen == {k for k, q in enumerate(env.x_prior) if q > 0}


def test_exact_form_and_state_index_follow_the_simulation():
    """Every step's shares are the exact game's shares at state_index(), and the simulated move
    is the exact transition (MATH.md §5)."""
    env = ResourceGridEnv(["a.#", "..b"], n_agents=2, wrap=False, max_cycles=6)
    grid, game = env.exact_form()
    assert game.horizon == 6 and game.n_states == grid.n_cells**2
    rng = np.random.default_rng(0)
    for seed in range(3):
        env.reset(seed=seed)
        while env.agents:
            s = env.state_index()
            assert grid.states[s].tolist() == [
                int(np.flatnonzero((grid.cells == p).all(axis=1))[0]) for p in env.positions
            ]
            acts = rng.integers(5, size=2)
            want = game.shares[(env._x, s, slice(None), *acts)]
            _, rew, *_ = env.step({a: int(acts[i]) for i, a in enumerate(env.possible_agents)})
            np.testing.assert_allclose([rew[a] for a in env.possible_agents], want)
            assert game.transitions[(s, *acts, env.state_index())] == 1.0


def test_pair_observer_refuses_no_agents():
    with pytest.raises(ValueError, match="names must hold at least one agent"):
        pair_observer([], [], [], [], [], 1.0)
