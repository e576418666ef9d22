import itertools

import numpy as np
import pytest
from conftest import random_simplex, seeds
from hypothesis import given
from hypothesis import strategies as st

from powergames.games import NormalFormGame, UnitSumGame


def brute_expected(payoffs, profile):
    n = payoffs.shape[0]
    out = np.zeros(n)
    for a in itertools.product(*(range(k) for k in payoffs.shape[1:])):
        p = np.prod([profile[i][a[i]] for i in range(n)])
        out += p * payoffs[(slice(None), *a)]
    return out


@given(seed=seeds(), n=st.integers(1, 4))
def test_expected_payoffs_match_brute_force(seed, n):
    rng = np.random.default_rng(seed)
    ks = tuple(rng.integers(1, 4, size=n))
    payoffs = rng.normal(size=(n, *ks))
    profile = [random_simplex(rng, (k,)) for k in ks]
    game = NormalFormGame(payoffs)
    np.testing.assert_allclose(
        game.expected_payoffs(profile), brute_expected(payoffs, profile), atol=1e-12
    )
    # an independent profile as a joint distribution gives the same answer
    joint = profile[0]
    for p in profile[1:]:
        joint = np.multiply.outer(joint, p)
    np.testing.assert_allclose(
        game.expected_payoffs(joint), brute_expected(payoffs, profile), atol=1e-12
    )


def test_constant_sum_is_a_checked_fact():
    mp = NormalFormGame(np.array([[[1, -1], [-1, 1]], [[-1, 1], [1, -1]]]))
    assert mp.is_constant_sum and mp.constant_sum_value() == 0
    pd = NormalFormGame(np.array([[[-1, -3], [0, -2]], [[-1, 0], [-3, -2]]]))
    assert not pd.is_constant_sum


@pytest.mark.parametrize(
    "payoffs, match",
    [
        (np.zeros((2, 2)), "one action axis per player"),
        (np.array([[[np.nan, 0], [0, 0]], [[0, 0], [0, 0]]]), "finite"),
        ("abc", "array of numbers"),
    ],
)
def test_bad_payoffs(payoffs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        NormalFormGame(payoffs)


def test_bad_profiles():
    game = NormalFormGame(np.zeros((2, 2, 3)))
    with pytest.raises(ValueError, match=r"profile\[1\] must have shape \(3,\)"):
        game.expected_payoffs([np.ones(2) / 2, np.ones(2) / 2])
    with pytest.raises(ValueError, match=r"profile\[0\] must sum to 1"):
        game.expected_payoffs([np.ones(2), np.ones(3) / 3])
    with pytest.raises(ValueError, match="non-negative"):
        game.expected_payoffs([np.array([1.5, -0.5]), np.ones(3) / 3])
    with pytest.raises(ValueError, match="finite"):
        game.expected_payoffs([np.array([np.nan, 1.0]), np.ones(3) / 3])
    with pytest.raises(ValueError, match="one strategy per player"):
        game.expected_payoffs([np.ones(2) / 2])


def test_unit_sum_validation_names_the_first_bad_index():
    shares = np.full((2, 2, 2, 2), 0.5)
    UnitSumGame(shares)
    bad = shares.copy()
    bad[1, 0, 1, 0] = 0.7
    with pytest.raises(ValueError, match=r"at x=1, a=\(1, 0\) they sum to 1.2\b"):
        UnitSumGame(bad)
    neg = shares.copy()
    neg[0, 1, 0, 1] = -0.5
    neg[0, 0, 0, 1] = 1.5
    with pytest.raises(ValueError, match="non-negative"):
        UnitSumGame(neg)
    with pytest.raises(ValueError, match="prior must sum to 1"):
        UnitSumGame(shares, prior=[0.5, 0.6])
    with pytest.raises(ValueError, match=r"prior must have shape \(2,\)"):
        UnitSumGame(shares, prior=[1.0])
    nan = shares.copy()
    nan[0, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="finite"):
        UnitSumGame(nan)


@given(seed=seeds())
def test_unit_sum_expected_shares_sum_to_one(seed):
    rng = np.random.default_rng(seed)
    ks = (2, 3, 2)
    shares = random_simplex(rng, (4, *ks, 3), sparse=False)  # last axis = players
    shares = np.moveaxis(shares, -1, 1)
    game = UnitSumGame(shares, prior=random_simplex(rng, (4,), sparse=False))
    profile = [random_simplex(rng, (k,)) for k in ks]
    es = game.expected_shares(profile)
    assert es.shape == (4, 3)
    np.testing.assert_allclose(es.sum(axis=1), 1.0, atol=1e-12)
    for x in range(4):
        np.testing.assert_allclose(es[x], brute_expected(shares[x], profile), atol=1e-12)
    np.testing.assert_allclose(
        game.as_normal_form().expected_payoffs(profile), game.prior @ es, atol=1e-12
    )
