import itertools
import math
import re

import numpy as np
import pytest
from conftest import random_simplex, seeds, symmetric_games
from hypothesis import given
from hypothesis import strategies as st

from powergames.games import (
    SymmetricUnitSumGame,
    UnitSumGame,
    compositions,
    is_symmetric,
    majority_game,
    random_symmetric_unit_sum_game,
)
from powergames.games.counts import composition_index


def majority_shares_by_definition(actions, k):
    """Theorem 1's shares, straight from the definition (ties toward the lower action)."""
    counts = [sum(1 for a in actions if a == b) for b in range(k)]
    best = max(counts)
    winner = min(b for b in range(k) if counts[b] == best)
    return [1.0 / counts[winner] if a == winner else 0.0 for a in actions]


@given(total=st.integers(0, 7), k=st.integers(1, 5))
def test_compositions_enumerate_every_count_vector_once_in_order(total, k):
    c = compositions(total, k)
    expected = sorted(v for v in itertools.product(range(total + 1), repeat=k) if sum(v) == total)
    assert [tuple(int(x) for x in row) for row in c] == expected
    assert len(c) == math.comb(total + k - 1, k - 1)
    np.testing.assert_array_equal(composition_index(c, total), np.arange(len(c)))


def test_composition_index_errors():
    with pytest.raises(ValueError, match="must sum to 3"):
        composition_index(np.array([[1, 1, 1], [1, 1, 0]]), 3)
    with pytest.raises(ValueError, match="non-negative"):
        composition_index(np.array([[2, -1, 2]]), 3)
    with pytest.raises(TypeError, match="integers"):
        composition_index(np.array([[0.5, 2.5]]), 3)
    game = majority_game(4, 3)
    with pytest.raises(ValueError, match=r"shape \(\.\.\., 3\)"):
        game.count_index(np.array([1, 2]))
    np.testing.assert_array_equal(game.count_index(game.counts), np.arange(game.n_counts))


@pytest.mark.parametrize("n, k", [(1, 3), (2, 2), (3, 3), (4, 2), (5, 3), (6, 4), (4, 5)])
def test_majority_game_matches_theorem_1_definition(n, k):
    game = majority_game(n, k)
    dense = game.to_dense()
    assert game.n_states == 1 and game.n_counts == math.comb(n + k - 2, k - 1)
    for a in itertools.product(range(k), repeat=n):
        expected = majority_shares_by_definition(a, k)
        np.testing.assert_allclose(dense.shares[(0, slice(None), *a)], expected, atol=1e-15)
        np.testing.assert_allclose(game.pure_shares(0, list(a)), expected, atol=1e-15)


def test_majority_game_large_n_is_unit_sum():
    game = majority_game(300, 3)
    np.testing.assert_allclose(game.profile_totals(), 1.0, atol=1e-12)
    # a clear winner with 150 of 300 players takes everything, split 150 ways
    actions = np.array([1] * 150 + [0] * 100 + [2] * 50)
    shares = game.pure_shares(0, actions)
    np.testing.assert_allclose(shares, np.where(actions == 1, 1 / 150, 0.0))
    # a tie between 0 and 2 goes to the lower action
    tie = np.array([2] * 120 + [0] * 120 + [1] * 60)
    np.testing.assert_allclose(game.pure_shares(0, tie), np.where(tie == 0, 1 / 120, 0.0))


@given(symmetric_games(min_players=1, max_players=5))
def test_random_symmetric_game_is_symmetric_and_round_trips(game_rng):
    game, rng = game_rng
    n, k = game.n_players, game.n_actions
    dense = game.to_dense()  # UnitSumGame validates non-negativity and unit sum of every profile
    assert is_symmetric(dense)
    assert SymmetricUnitSumGame.from_dense(dense) == game
    # symmetry from its definition: s_{p(i)}(x, b) = s_i(x, a) with b_{p(j)} = a_j
    perm = rng.permutation(n)
    for a in itertools.product(range(k), repeat=n):
        b = [0] * n
        for j in range(n):
            b[perm[j]] = a[j]
        for i in range(n):
            np.testing.assert_allclose(
                dense.shares[(slice(None), perm[i], *b)],
                dense.shares[(slice(None), i, *a)],
                atol=1e-14,
            )


@given(seed=seeds(), n=st.integers(2, 5), k=st.integers(2, 3))
def test_is_symmetric_is_false_for_a_perturbed_game(seed, n, k):
    rng = np.random.default_rng(seed)
    dense = random_symmetric_unit_sum_game(n, k, 2, rng).to_dense()
    shares = dense.shares.copy()
    # players 0 and 1 on different actions at one profile: swap their shares (unit sum is kept)
    a = [int(v) for v in rng.integers(0, k, size=n)]
    a[1] = (a[0] + 1) % k
    x = int(rng.integers(0, 2))
    i0, i1 = (x, 0, *a), (x, 1, *a)
    assert shares[i0] != shares[i1]
    shares[i0], shares[i1] = shares[i1], shares[i0]
    perturbed = UnitSumGame(shares, prior=dense.prior)
    assert not is_symmetric(perturbed)
    with pytest.raises(ValueError, match="game is not symmetric"):
        SymmetricUnitSumGame.from_dense(perturbed)


@pytest.mark.parametrize("n, k", [(2, 2), (3, 3), (4, 2)])
@pytest.mark.parametrize("first_player_wins", [True, False])
def test_from_dense_reports_asymmetry_not_unit_sum(n, k, first_player_wins):
    # a valid unit-sum game that is not symmetric: one player (0 or n-1) takes every share
    shares = np.zeros((2, n) + (k,) * n)
    winner = 0 if first_player_wins else n - 1
    shares[:, winner] = 1.0
    dictator = UnitSumGame(shares)
    assert not is_symmetric(dictator)
    # the count table is read from player 0, so the first share that differs is player 1's (all
    # ones read) or the winner's (all zeros read), at the first profile
    bad, value = (1, 0.0) if first_player_wins else (n - 1, 1.0)
    first = re.escape(f"s_{bad}(x=0, a={(0,) * n}) = {value} differs")
    with pytest.raises(ValueError, match=f"^game is not symmetric: {first}"):
        SymmetricUnitSumGame.from_dense(dictator)


def test_is_symmetric_rejects_unequal_action_sets_and_wrong_types():
    shares = np.full((1, 2, 2, 3), 0.5)
    assert not is_symmetric(UnitSumGame(shares))
    with pytest.raises(ValueError, match="same action count"):
        SymmetricUnitSumGame.from_dense(UnitSumGame(shares))
    with pytest.raises(TypeError, match="UnitSumGame"):
        is_symmetric(np.zeros(3))


@given(seed=seeds(), n=st.integers(1, 5), k=st.integers(1, 3))
def test_pure_shares_batch_matches_dense(seed, n, k):
    rng = np.random.default_rng(seed)
    game = random_symmetric_unit_sum_game(n, k, 3, rng)
    dense = game.to_dense()
    xs = rng.integers(0, 3, size=20)
    actions = rng.integers(0, k, size=(20, n))
    out = game.pure_shares_batch(xs, actions)
    for b in range(20):
        np.testing.assert_allclose(out[b], dense.shares[(xs[b], slice(None), *actions[b])])


@given(seed=seeds(), n=st.integers(1, 5), k=st.integers(1, 3))
def test_expected_shares_match_dense(seed, n, k):
    rng = np.random.default_rng(seed)
    game = random_symmetric_unit_sum_game(n, k, 2, rng)
    dense = game.to_dense()
    sigma = random_simplex(rng, (k,))
    common = game.expected_shares(sigma)
    np.testing.assert_allclose(common, dense.expected_shares([sigma] * n), atol=1e-12)
    np.testing.assert_allclose(common, 1.0 / n, atol=1e-12)  # symmetric strategies split evenly
    profile = [random_simplex(rng, (k,)) for _ in range(n)]
    np.testing.assert_allclose(
        game.expected_shares(profile), dense.expected_shares(profile), atol=1e-12
    )


def test_validation_errors():
    good = majority_game(3, 2)
    table = good.table.copy()
    SymmetricUnitSumGame(3, table)
    bad = table.copy()
    bad[0, 1, 0] += 0.25  # player on action 1 with others (0, 2): profile m = (0, 3)
    with pytest.raises(ValueError, match=r"at x=0 with action counts m=\(0, 3\) they sum to 1.75"):
        SymmetricUnitSumGame(3, bad)
    neg = table.copy()
    neg[0, 0, 1] = -0.5
    with pytest.raises(ValueError, match="non-negative"):
        SymmetricUnitSumGame(3, neg)
    nan = table.copy()
    nan[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="finite"):
        SymmetricUnitSumGame(3, nan)
    with pytest.raises(ValueError, match=r"shape \(n_states, k, C\(n\+k-2, k-1\)\) = \(1, 2, 3\)"):
        SymmetricUnitSumGame(3, table[:, :, :2])
    with pytest.raises(ValueError, match="prior must sum to 1"):
        SymmetricUnitSumGame(3, table, prior=[0.5])
    with pytest.raises(ValueError, match=r"prior must have shape \(1,\)"):
        SymmetricUnitSumGame(3, table, prior=[0.5, 0.5])
    with pytest.raises(TypeError, match="n_players must be an integer"):
        SymmetricUnitSumGame(3.0, table)
    with pytest.raises(ValueError, match="actions must be integers in"):
        good.pure_shares(0, [0, 1, 2])
    with pytest.raises(ValueError, match="one action per player"):
        good.pure_shares(0, [0, 1])
    with pytest.raises(ValueError, match="xs must be states"):
        good.pure_shares_batch([1], [[0, 1, 1]])
    with pytest.raises(ValueError, match="strategy must sum to 1"):
        good.expected_shares(np.array([0.5, 0.6]))
    with pytest.raises(ValueError, match="max_entries"):
        majority_game(30, 3).to_dense()


@pytest.mark.parametrize(
    "spread, error, match",
    [
        (float("nan"), ValueError, r"spread must be a finite number in \[0, 50\].*got nan"),
        (float("inf"), ValueError, r"spread must be a finite number in \[0, 50\].*got inf"),
        (1e4, ValueError, r"spread must be a finite number in \[0, 50\].*got 10000.0"),
        (-1.0, ValueError, r"spread must be a finite number in \[0, 50\].*got -1.0"),
        ("2", TypeError, r"spread must be a real number in \[0, 50\], got str"),
        (True, TypeError, r"spread must be a real number"),
    ],
)
def test_random_game_rejects_a_bad_spread(spread, error, match):
    with pytest.raises(error, match=match):
        random_symmetric_unit_sum_game(4, 3, 2, np.random.default_rng(0), spread=spread)


@pytest.mark.parametrize("spread", [0.0, 50.0])
def test_random_game_at_the_ends_of_the_spread_range(spread):
    game = random_symmetric_unit_sum_game(6, 3, 2, np.random.default_rng(1), spread=spread)
    assert np.all(np.isfinite(game.table))
    if spread == 0.0:  # equal weights: everyone gets 1/n
        np.testing.assert_allclose(game.table, 1 / 6, rtol=1e-12)


def test_game_is_immutable_and_hashable():
    game = majority_game(4, 3)
    with pytest.raises(ValueError):
        game.table[0, 0, 0] = 1.0
    assert hash(game) == hash(majority_game(4, 3)) and game == majority_game(4, 3)
    assert game != majority_game(4, 2)
