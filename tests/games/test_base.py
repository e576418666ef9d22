"""The Game protocol: every game class offers it, and its parts agree with each class's own API."""

import itertools

import numpy as np
import pytest
from conftest import bayesian_games, normal_form_games, symmetric_games, unit_sum_games
from hypothesis import given
from hypothesis import strategies as st

from powergames.games import as_bayesian, bayesian_matching_pennies
from powergames.games.base import Game, check_game


def _joint_actions(game):
    return np.array(list(itertools.product(*map(range, game.action_sizes))), dtype=np.int64)


def _check_protocol(game) -> None:
    assert isinstance(game, Game)
    n = game.n_players
    assert len(game.action_sizes) == n and len(game.type_sizes) == n
    ctx = game.contexts
    assert ctx.prior.shape == (ctx.n_contexts,) and ctx.types.shape == (ctx.n_contexts, n)
    np.testing.assert_allclose(ctx.prior.sum(), 1.0)
    joints = _joint_actions(game)
    for c in range(ctx.n_contexts):
        batch = game.payoffs_batch(np.full(len(joints), c, dtype=np.int64), joints)
        assert batch.shape == (len(joints), n)
        for row, joint in zip(batch, joints):
            np.testing.assert_array_equal(game.payoffs_at(c, tuple(int(a) for a in joint)), row)
        if game.is_unit_sum:
            np.testing.assert_allclose(batch.sum(axis=1), 1.0, atol=1e-12)


@given(st.one_of(normal_form_games(), unit_sum_games(), symmetric_games(max_players=4)))
def test_games_without_types_offer_the_protocol(drawn) -> None:
    game, _ = drawn
    _check_protocol(game)
    assert game.type_sizes == (1,) * game.n_players and not game.per_type
    nf = game.as_normal_form()
    joints = _joint_actions(game)
    # the normal form integrates the context out under its prior
    expected = sum(
        p * game.payoffs_batch(np.full(len(joints), c, dtype=np.int64), joints)
        for c, p in enumerate(game.contexts.prior)
    )
    np.testing.assert_allclose(nf.payoffs_batch(np.zeros(len(joints), np.int64), joints), expected)
    bayes = as_bayesian(game)
    assert bayes.n_types == (1,) * game.n_players
    np.testing.assert_array_equal(bayes.as_normal_form().payoffs, nf.payoffs)


@given(bayesian_games())
def test_bayesian_games_offer_the_protocol(drawn) -> None:
    game, _ = drawn
    _check_protocol(game)
    ctx = game.contexts
    assert game.per_type and ctx.per_round and ctx.key == "types"
    for c in range(ctx.n_contexts):
        t = tuple(int(v) for v in ctx.types[c])
        assert ctx.value(c) == t and ctx.prior[c] == game.prior[t]
        joint = tuple(0 for _ in game.n_actions)
        np.testing.assert_array_equal(game.payoffs_at(c, joint), game.pure_rewards(t, joint))


def test_a_bayesian_game_with_types_has_no_normal_form() -> None:
    with pytest.raises(ValueError, match="one type per player"):
        bayesian_matching_pennies().as_normal_form()


def test_check_game_names_the_argument() -> None:
    with pytest.raises(TypeError, match="g must be a game .* got ndarray"):
        check_game("g", np.zeros((2, 2)))


@given(
    st.one_of(
        normal_form_games(), unit_sum_games(), symmetric_games(max_players=4), bayesian_games()
    )
)
def test_context_payoffs_equal_every_pure_payoff(drawn) -> None:
    """``context_payoffs`` (the stored tensor where a class has one) against ``payoffs_at`` at
    every context and pure joint action, read one by one."""
    from powergames.games.base import context_payoffs

    game, _ = drawn
    got = context_payoffs(game)
    ks = game.action_sizes
    assert got.shape == (game.contexts.n_contexts, game.n_players, *ks)
    for x in range(game.contexts.n_contexts):
        for joint in itertools.product(*map(range, ks)):
            np.testing.assert_array_equal(got[(x, slice(None), *joint)], game.payoffs_at(x, joint))
    if hasattr(game, "context_payoff_tensor"):  # the stored tensor, handed out read-only
        assert not got.flags.writeable
