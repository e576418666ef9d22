"""StochasticGame, its unit-sum variant and the gridworld builder (MATH.md §5)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from powergames.games import BayesianGame, random_bayesian_game
from powergames.games.gridworld import GridWorld
from powergames.games.stochastic import (
    StateRewardSampler,
    StochasticGame,
    StochasticUnitSumGame,
    product_states,
    random_stochastic_game,
    random_symmetric_stochastic_unit_sum_game,
    seat_swaps_of,
)


def _p(s=2, ks=(2, 2)):
    p = np.zeros((s, *ks, s))
    p[..., 0] = 1.0
    return p


# ---------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"transitions": np.ones((2, 2))}, "transitions must have shape"),
        ({"transitions": np.ones((2, 2, 3)) / 3}, "start and end with the state axis"),
        ({"transitions": np.full((2, 2, 2), 0.4)}, "sum to 1 over next states"),
        ({"transitions": np.array([[[1.5, -0.5]]] * 2)}, "non-negative"),
        ({"discount": 1.0}, "discount must be in"),
        ({"discount": None}, "exactly one of discount"),
        ({"horizon": 3}, "exactly one of discount"),
        ({"rewards": (np.zeros((1, 2, 2, 2)),)}, "one array per player"),
        ({"rewards": (np.zeros((1, 2, 2, 2)), np.zeros((1, 3, 2, 2)))}, r"rewards\[1\] must have"),
        ({"rewards": (np.zeros((2, 2, 2, 2)), np.zeros((1, 2, 2, 2)))}, "a prior over type"),
        ({"initial": [0.5, 0.6]}, "initial must sum to 1"),
        ({"rewards": (np.full((1, 2, 2, 2), np.nan), np.zeros((1, 2, 2, 2)))}, "finite"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(kwargs, match):
    args = {
        "transitions": _p(),
        "rewards": (np.zeros((1, 2, 2, 2)), np.zeros((1, 2, 2, 2))),
        "discount": 0.9,
    }
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        StochasticGame(**args)


def test_rewards_must_be_a_sequence():
    with pytest.raises(TypeError, match="rewards must be a sequence"):
        StochasticGame(_p(), np.zeros((2, 1, 2, 2, 2)), discount=0.5)
    with pytest.raises(TypeError, match="discount must be a number"):
        StochasticGame(_p(), (np.zeros((1, 2, 2, 2)),) * 2, discount="0.5")


def test_sampler_and_rewards_are_exclusive():
    with pytest.raises(ValueError, match="not both"):
        StochasticGame(
            _p(), (np.zeros((1, 2, 2, 2)),) * 2, discount=0.5, reward_sampler=StateRewardSampler()
        )
    with pytest.raises(ValueError, match="low < high"):
        StateRewardSampler(1.0, 0.0)
    g = StochasticGame(_p(), discount=0.5, reward_sampler=StateRewardSampler())
    with pytest.raises(ValueError, match="finite type table"):
        g.uniform_profile()


def test_profile_validation_broadcasts_type_independent_policies(rng):
    g = random_stochastic_game(3, (2, 1), (2, 3), rng)
    prof = g.validate_profile([np.full((3, 2), 0.5), np.full((1, 3, 3), 1 / 3)])
    assert prof[0].shape == (2, 3, 2)
    with pytest.raises(ValueError, match=r"profile\[1\] must have shape"):
        g.validate_profile([np.full((3, 2), 0.5), np.full((3, 2), 0.5)])
    with pytest.raises(ValueError, match="sum to 1 along axis 2"):
        g.validate_profile([np.full((3, 2), 0.4), np.full((3, 3), 1 / 3)])


# ---------------------------------------------------------------------- conversions
@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_bayesian_round_trip(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 4))
    b = random_bayesian_game(
        tuple(rng.integers(1, 3, n).tolist()), tuple(rng.integers(1, 4, n).tolist()), rng
    )
    g = StochasticGame.from_bayesian(b)
    assert g.n_states == 1 and g.horizon == 1 and g.n_types == b.n_types
    back = g.as_bayesian()
    assert isinstance(back, BayesianGame) and back == b


def test_only_one_state_one_step_games_are_bayesian(rng):
    with pytest.raises(ValueError, match="one-state, one-step"):
        random_stochastic_game(2, (1, 1), (2, 2), rng).as_bayesian()


def test_constant_sum_is_a_checked_fact(rng):
    g = random_stochastic_game(3, (2, 3), (2, 2), rng, "constant_sum", constant=1.5)
    assert g.constant_sum_value() == pytest.approx(1.5)
    h = random_stochastic_game(3, (2, 3), (2, 2), rng)
    assert h.constant_sum_value() is None


# ---------------------------------------------------------------------- symmetry
def _symmetric_by_brute_force(g: StochasticUnitSumGame, states: np.ndarray) -> bool:
    """Check every permutation, state, profile and next state directly (tuples, no array tricks)."""
    n = g.n_players
    index = {tuple(int(v) for v in row): k for k, row in enumerate(states)}
    for perm in itertools.permutations(range(n)):

        def move(row, perm=perm):
            out = [0] * n
            for j in range(n):
                out[perm[j]] = int(row[j])
            return tuple(out)

        for s, row in enumerate(states):
            ms = index[move(row)]
            if abs(g.initial[ms] - g.initial[s]) > 1e-9:
                return False
            for a in itertools.product(*(range(k) for k in g.n_actions)):
                b = move(a)
                for i in range(n):
                    for x in range(g.n_x):
                        if abs(g.shares[(x, ms, perm[i], *b)] - g.shares[(x, s, i, *a)]) > 1e-9:
                            return False
                for s2, row2 in enumerate(states):
                    ms2 = index[move(row2)]
                    if abs(g.transitions[(ms, *b, ms2)] - g.transitions[(s, *a, s2)]) > 1e-9:
                        return False
    return True


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 3))
def test_random_symmetric_games_are_symmetric_by_brute_force(seed, n):
    g = random_symmetric_stochastic_unit_sum_game(n, 2, 2, 2, seed)
    states = product_states(2, n)
    assert _symmetric_by_brute_force(g, states)
    assert g.is_symmetric()
    # break the symmetry: move one share between players in one state and profile
    sh = g.shares.copy()
    zero = (0,) * n
    d = 0.5 * sh[(0, 1, 0, *zero)]
    sh[(0, 1, 0, *zero)] -= d
    sh[(0, 1, 1, *zero)] += d
    bad = StochasticUnitSumGame(
        g.transitions, sh, g.x_prior, g.initial, discount=g.discount, seat_swaps=g.seat_swaps
    )
    assert _symmetric_by_brute_force(bad, states) == bad.is_symmetric()
    if d > 1e-6:
        assert not bad.is_symmetric()


def test_unit_sum_validation_and_integration(rng):
    g = random_symmetric_stochastic_unit_sum_game(2, 2, 2, 3, rng)
    assert g.as_stochastic().constant_sum_value() == pytest.approx(1.0)
    sh = g.shares.copy()
    sh[0, 0, 0] += 0.1
    with pytest.raises(ValueError, match="sum to 1 over players"):
        StochasticUnitSumGame(g.transitions, sh, discount=0.5)
    with pytest.raises(ValueError, match="seat_swaps must be"):
        StochasticUnitSumGame(g.transitions, g.shares, discount=0.5, seat_swaps=np.zeros((2, 4)))
    with pytest.raises(ValueError, match="involution"):
        StochasticUnitSumGame(
            g.transitions, g.shares, discount=0.5, seat_swaps=np.array([[1, 2, 3, 0]])
        )


def test_seat_swaps_of_rejects_incomplete_state_spaces():
    with pytest.raises(ValueError, match="is not a state"):
        seat_swaps_of(np.array([[0, 1], [0, 0]]))


# ---------------------------------------------------------------------- gridworld
def test_gridworld_3x3_moves_and_walls():
    grid = GridWorld.build(["...", "...", "..."])
    assert grid.n_states == 9 and grid.transitions.shape == (9, 5, 9)
    up, down, left, right, stay = range(5)
    corner = grid.state_of([0])
    assert grid.transitions[corner, up, corner] == 1  # the grid's wall blocks
    assert grid.transitions[corner, left, corner] == 1
    assert grid.transitions[corner, right, grid.state_of([1])] == 1
    assert grid.transitions[corner, down, grid.state_of([3])] == 1
    assert np.all(grid.transitions.sum(axis=-1) == 1)
    walls = GridWorld.build([".#.", "..."])
    assert walls.n_cells == 5
    assert walls.transitions[0, right, 0] == 1  # "#" blocks


def test_gridworld_multi_agent_collisions():
    grid = GridWorld.build(["..."], n_agents=2, share_cells=False)
    assert grid.n_states == 6  # 3 * 2 ordered pairs
    up, down, left, right, stay = range(5)
    s = grid.state_of([0, 2])
    # both move into the middle cell: both stay
    assert grid.transitions[s, right, left, s] == 1
    # agent 1 stays in the middle, agent 0 walks into it: blocked
    s = grid.state_of([0, 1])
    assert grid.transitions[s, right, stay, s] == 1
    # swapping is allowed
    assert grid.transitions[s, right, left, grid.state_of([1, 0])] == 1
    shared = GridWorld.build(["..."], n_agents=2)
    assert shared.n_states == 9
    s = shared.state_of([0, 2])
    assert shared.transitions[s, right, left, shared.state_of([1, 1])] == 1
    assert grid.seat_swaps().shape == (1, 6)


def test_gridworld_sizes_are_checked_before_allocation():
    with pytest.raises(ValueError, match="more than the limit"):
        GridWorld.build(["." * 20] * 20, n_agents=3)
    with pytest.raises(ValueError, match="same non-zero length"):
        GridWorld.build(["...", ".."])
    with pytest.raises(ValueError, match="no open cell"):
        GridWorld.build(["##"])
    with pytest.raises(ValueError, match="without sharing"):
        GridWorld.build([".#"], n_agents=2, share_cells=False)


def test_gridworld_games_and_maps():
    grid = GridWorld.build(["..", ".#"], n_agents=2, share_cells=False)
    goals = grid.goal_rewards(0)
    assert goals.shape == (3, grid.n_states, 5, 5)
    g = grid.game([goals, grid.goal_rewards(1)], prior=np.full((3, 3), 1 / 9), discount=0.9)
    assert g.n_types == (3, 3)
    m = grid.to_grid([1.0, 2.0, 3.0])
    assert m[0, 0] == 1 and np.isnan(m[1, 1])
    sg = grid.state_reward_game(discount=0.6)
    assert sg.reward_sampler is not None


def test_gridworld_torus_wraps_and_walls_still_block():
    from powergames.games.gridworld import resource_gridworld

    up, down, left, right, stay = range(5)
    grid = GridWorld.build(["...", ".#."], wrap=True)
    top_left = grid.state_of([0])
    assert grid.transitions[top_left, left, grid.state_of([2])] == 1  # (0,0) -> (0,2)
    assert grid.transitions[top_left, up, grid.state_of([3])] == 1  # (0,0) -> (1,0)
    middle = grid.state_of([1])
    assert grid.transitions[middle, up, middle] == 1  # (0,1) -> (1,1) is a wall
    grid, game = resource_gridworld(["a.", ".b"], 2, discount=0.5)
    assert game.n_x == 2 and game.is_symmetric()
    # both agents on the valuable cell split the unit; else the one on it takes it all
    s = grid.state_of([0, 0])
    assert game.shares[(0, s, slice(None), 0, 0)].tolist() == [0.5, 0.5]
    s = grid.state_of([0, 1])
    assert game.shares[(0, s, slice(None), 0, 0)].tolist() == [1.0, 0.0]
    s = grid.state_of([1, 2])
    assert game.shares[(0, s, slice(None), 0, 0)].tolist() == [0.5, 0.5]  # nobody on kind 0
