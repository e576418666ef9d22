"""Classic learners: their textbook guarantees, in full-information and sampled form.

NashConv is computed here by brute force (explicit loops over pure deviations), independently of
the package's own evaluators.
"""

import itertools

import numpy as np
import pytest
from conftest import seeds
from hypothesis import given, settings
from hypothesis import strategies as st

from powergames.agents.best_response import BestResponseDynamics
from powergames.agents.fictitious_play import FictitiousPlay
from powergames.agents.hedge import Hedge
from powergames.agents.regret_matching import RegretMatching
from powergames.agents.self_play import full_information_play, learner_profile
from powergames.games import NormalFormGame
from powergames.games.library import (
    coordination,
    matching_pennies,
    prisoners_dilemma,
    rock_paper_scissors,
    shapley_game,
)


def brute_nash_conv(game: NormalFormGame, profile) -> float:
    """Σ_i (max_{a_i} u_i(a_i, σ_{-i}) − u_i(σ)), by explicit loops over pure profiles."""
    n, ks = game.n_players, game.n_actions
    total = 0.0
    for i in range(n):
        achieved, best = 0.0, -np.inf
        dev = np.zeros(ks[i])
        for a in itertools.product(*(range(k) for k in ks)):
            p_others = np.prod([profile[j][a[j]] for j in range(n) if j != i])
            dev[a[i]] += p_others * game.payoffs[(i, *a)]
            achieved += p_others * profile[i][a[i]] * game.payoffs[(i, *a)]
        best = dev.max()
        total += best - achieved
    return float(total)


def random_zero_sum(seed: int) -> NormalFormGame:
    """A random 2-player zero-sum game without a pure saddle point (so its equilibrium is mixed)."""
    rng = np.random.default_rng(seed)
    while True:
        k1, k2 = rng.integers(2, 6, size=2)
        u = rng.uniform(-1.0, 1.0, size=(k1, k2))
        if u.min(axis=1).max() < u.max(axis=0).min():
            return NormalFormGame(np.stack([u, -u]))


ZERO_SUM = {
    "matching_pennies": matching_pennies(),
    "rock_paper_scissors": rock_paper_scissors(),
    **{f"random_zero_sum_{s}": random_zero_sum(s) for s in (11, 12, 13)},
}


def _random_initials(game, seed):
    # start away from equilibrium (uniform play is the equilibrium of MP and RPS)
    rng = np.random.default_rng(seed)
    return [rng.dirichlet(np.ones(k)) for k in game.n_actions]


# ------------------------------------------------------------------ no-regret guarantees
@settings(max_examples=15)
@given(seed=seeds(), k=st.integers(2, 6), rounds=st.integers(1, 300))
def test_regret_bounds_on_arbitrary_payoff_sequences(seed, k, rounds):
    """Regret ≤ Δ√(KT) (regret matching, RM+) and ≤ Δ(√(2T ln K) + √(ln K / 8)) (anytime Hedge)."""
    rng = np.random.default_rng(seed)
    payoffs = rng.uniform(0.0, 1.0, size=(rounds, k))  # Δ = 1
    payoffs[:, 0] += rng.uniform(0, 0.3, size=rounds) * (rng.random(rounds) < 0.5)
    payoffs = np.clip(payoffs, 0.0, 1.0)
    learners = {
        "rm": (RegretMatching(k), np.sqrt(k * rounds)),
        "rm+": (RegretMatching(k, plus=True), np.sqrt(k * rounds)),
        "hedge": (Hedge(k), np.sqrt(2 * rounds * np.log(k)) + np.sqrt(np.log(k) / 8)),
    }
    for name, (lrn, bound) in learners.items():
        earned = 0.0
        for u in payoffs:
            earned += float(lrn.current_strategy()[0] @ u)
            lrn.observe(u)
        regret = payoffs.sum(axis=0).max() - earned
        assert regret <= bound + 1e-9, name


# ------------------------------------------------------------------ self-play: NashConv < 1e-3
# Budgets: regret matching+ (alternating updates, linearly weighted average) 10_000 rounds; plain
# regret matching (alternating updates, uniform average) 10_000 rounds;
# Hedge (alternating updates, constant η = 2/Δ with Δ the payoff range) 5000 rounds.
@pytest.mark.parametrize("name", sorted(ZERO_SUM))
def test_regret_matching_plus_self_play_reaches_nash(name):
    game = ZERO_SUM[name]
    inits = _random_initials(game, 0)
    learners = [
        RegretMatching(k, plus=True, averaging="linear", initial=s0)
        for k, s0 in zip(game.n_actions, inits)
    ]
    start = brute_nash_conv(game, inits)
    full_information_play(game, learners, 10_000, alternating=True)
    avg = learner_profile(learners, average=True, squeeze=True)
    assert brute_nash_conv(game, avg) < 1e-3 < start


@pytest.mark.parametrize("name", sorted(ZERO_SUM))
def test_plain_regret_matching_self_play_reaches_nash(name):
    """Textbook regret matching (regrets not clipped, uniform average), alternating updates, 10_000
    rounds. With simultaneous updates it converges only at the O(1/sqrt(T)) rate of its regret
    bound (test below): about 1e-2 after 40_000 rounds in these games."""
    game = ZERO_SUM[name]
    inits = _random_initials(game, 0)
    learners = [RegretMatching(k, initial=s0) for k, s0 in zip(game.n_actions, inits)]
    start = brute_nash_conv(game, inits)
    full_information_play(game, learners, 10_000, alternating=True)
    avg = learner_profile(learners, average=True, squeeze=True)
    assert brute_nash_conv(game, avg) < 1e-3 < start


@pytest.mark.parametrize("name", sorted(ZERO_SUM))
def test_hedge_self_play_reaches_nash(name):
    game = ZERO_SUM[name]
    delta = float(game.payoffs.max() - game.payoffs.min())
    inits = _random_initials(game, 1)
    learners = [
        Hedge(k, learning_rate=2.0 / delta, initial=s0) for k, s0 in zip(game.n_actions, inits)
    ]
    full_information_play(game, learners, 5000, alternating=True)
    avg = learner_profile(learners, average=True, squeeze=True)
    assert brute_nash_conv(game, avg) < 1e-3


def test_textbook_simultaneous_updates_converge_at_their_rate():
    """Plain regret matching and anytime Hedge: NashConv ≤ the sum of both regret bounds / T."""
    game = rock_paper_scissors()
    delta, k, rounds = 2.0, 3, 4000
    for make, bound in (
        (lambda s0: RegretMatching(k, initial=s0), delta * np.sqrt(k * rounds)),
        (
            lambda s0: Hedge(k, payoff_range=delta, initial=s0),
            delta * (np.sqrt(2 * rounds * np.log(k)) + np.sqrt(np.log(k) / 8)),
        ),
    ):
        learners = [make(s0) for s0 in _random_initials(game, 2)]
        full_information_play(game, learners, rounds)
        nc = brute_nash_conv(game, learner_profile(learners, average=True, squeeze=True))
        assert nc <= 2 * bound / rounds


# ------------------------------------------------------------------ fictitious play
def _fp_run(game, rounds):
    learners = [FictitiousPlay(k, initial=np.eye(k)[0]) for k in game.n_actions]
    nash_convs, plays = {}, []
    checkpoints = {10**2, 10**3, 10**4}

    def record(r, lrns):
        plays.append(tuple(int(np.argmax(lrn.current_strategy()[0])) for lrn in lrns))
        if r in checkpoints:
            nash_convs[r] = brute_nash_conv(game, learner_profile(lrns, average=True, squeeze=True))

    full_information_play(game, learners, rounds, callback=record)
    return nash_convs, plays


@pytest.mark.parametrize("name", ["matching_pennies", "rock_paper_scissors", "random_zero_sum_11"])
def test_fictitious_play_converges_in_zero_sum_games(name):
    """Robinson (1951): the empirical frequencies approach equilibrium — NashConv falls every decade."""
    nash_convs, _ = _fp_run(ZERO_SUM[name], 10**4)
    assert nash_convs[10**4] < nash_convs[10**3] < nash_convs[10**2]
    # at least the 1/√t-per-decade shrinkage expected of fictitious play (Karlin's rate), with slack 2
    assert nash_convs[10**4] < 2 * nash_convs[10**2] / 10


def test_fictitious_play_cycles_in_shapley_game():
    """Shapley (1964): play cycles with geometrically growing runs; the frequencies do not converge."""
    nash_convs, plays = _fp_run(shapley_game(), 10**4)
    runs, profiles = [], []
    for profile, group in itertools.groupby(plays):
        profiles.append(profile)
        runs.append(len(list(group)))
    full_runs = runs[1:-1]  # the first and the last run are cut by the horizon
    assert len(full_runs) >= 12
    # the six off-equilibrium profiles are visited in a fixed cyclic order
    assert len(set(profiles)) == 6
    assert all(profiles[j] == profiles[j + 6] for j in range(len(profiles) - 6))
    # run lengths grow geometrically: every later run is longer by a ratio bounded above 1
    ratios = np.array(full_runs[4:]) / np.array(full_runs[3:-1])
    assert np.all(ratios > 1.2)
    # ... so the empirical frequencies never settle: NashConv of the average does not shrink
    # (compare with the zero-sum test above, where it falls by more than √10 per decade)
    assert nash_convs[10**4] > 0.9 * nash_convs[10**3] > 0


# ------------------------------------------------------------------ best-response dynamics
@settings(max_examples=20)
@given(seed=seeds())
def test_alternating_best_responses_stop_at_a_pure_nash_in_common_payoff_games(seed):
    """Finite improvement property of potential games (Monderer & Shapley 1996)."""
    rng = np.random.default_rng(seed)
    ks = tuple(int(k) for k in rng.integers(2, 4, size=3))
    u = rng.normal(size=ks)
    game = NormalFormGame(np.stack([u] * 3))
    start = [int(rng.integers(k)) for k in ks]
    learners = [BestResponseDynamics(k, initial=np.eye(k)[a]) for k, a in zip(ks, start)]
    n_profiles = int(np.prod(ks))
    full_information_play(game, learners, n_profiles + 1, alternating=True)
    profile = learner_profile(learners, squeeze=True)
    assert all(set(np.unique(s)) <= {0.0, 1.0} for s in profile)
    assert brute_nash_conv(game, profile) == 0.0


def test_best_responses_cycle_in_matching_pennies():
    """No pure equilibrium to stop at: every round somebody switches, and play stays pure."""
    game = matching_pennies()
    learners = [BestResponseDynamics(2, initial=[1.0, 0.0]) for _ in range(2)]
    seen = []

    def record(r, lrns):
        seen.append(tuple(int(np.argmax(s)) for s in learner_profile(lrns, squeeze=True)))

    full_information_play(game, learners, 12, alternating=True, callback=record)
    assert all(a != b for a, b in zip(seen, seen[1:]))
    assert all(brute_nash_conv(game, [np.eye(2)[a] for a in p]) > 0 for p in seen)


# ------------------------------------------------------------------ sampled form
def _sampled_self_play(game, learners, steps, rng):
    rewards = (game.payoffs - game.payoffs.min()) / (game.payoffs.max() - game.payoffs.min())
    for _ in range(steps):
        a = [lrn.act(None, rng) for lrn in learners]
        r = rewards[(slice(None), *a)]
        for i, lrn in enumerate(learners):
            lrn.update(None, a[i], r[i], None, None)
    # NashConv of the average (behaviour) profile, in the [0, 1] reward scale
    return brute_nash_conv(
        NormalFormGame(rewards), learner_profile(learners, average=True, squeeze=True)
    )


@pytest.mark.parametrize("name", ["matching_pennies", "rock_paper_scissors"])
def test_exp3_self_play_from_realised_rewards(name):
    """Sampled Hedge = Exp3: NashConv of the average ≤ the two players' regret bounds / T.

    In a two-player zero-sum game NashConv of the average profile equals the sum of both players'
    average regrets against the expected payoff vectors; Exp3's bound is
    2√(e − 1) √(K ln K / T) per player for rewards in [0, 1]. 6 independent runs: the mean's
    upper 99% confidence limit (t-distribution, 5 d.o.f.) must lie below the bound.
    """
    game, steps, runs = ZERO_SUM[name], 3000, 6
    k = game.n_actions[0]
    gamma = min(1.0, np.sqrt(k * np.log(k) / ((np.e - 1) * steps)))
    bound = 2 * 2 * np.sqrt(np.e - 1) * np.sqrt(k * np.log(k) / steps)
    start = np.eye(k)[0] * 0.9 + 0.1 / k
    values = [
        _sampled_self_play(
            game,
            [Hedge(k, learning_rate=gamma / k, exploration=gamma, initial=start) for _ in range(2)],
            steps,
            np.random.default_rng(seed),
        )
        for seed in range(runs)
    ]
    upper = np.mean(values) + 4.032 * np.std(values, ddof=1) / np.sqrt(runs)
    assert upper < bound


def test_sampled_learners_improve_with_experience():
    """Sampled regret matching+, fictitious play: NashConv of the average falls as T grows 4x."""
    game = matching_pennies()
    for make in (
        lambda: RegretMatching(2, plus=True, exploration=0.05, initial=[0.9, 0.1]),
        lambda: FictitiousPlay(2, exploration=0.05, initial=[1.0, 0.0]),
    ):
        short = [
            _sampled_self_play(game, [make(), make()], 250, np.random.default_rng(s))
            for s in range(5)
        ]
        long = [
            _sampled_self_play(game, [make(), make()], 1000, np.random.default_rng(s))
            for s in range(5)
        ]
        se = np.sqrt(np.var(short, ddof=1) / 5 + np.var(long, ddof=1) / 5)
        assert np.mean(long) + 2 * se < np.mean(short)


def test_sampled_best_responses_find_the_dominant_action():
    game = prisoners_dilemma()  # defection (action 1) strictly dominates
    rng = np.random.default_rng(0)
    learners = [
        BestResponseDynamics(2, period=200, exploration=0.2, initial=[1.0, 0.0]) for _ in range(2)
    ]
    _sampled_self_play(game, learners, 1000, rng)
    for lrn in learners:
        np.testing.assert_array_equal(lrn.current_strategy()[0], [0.0, 1.0])


def test_coalition_learner_plays_joint_actions():
    game = coordination(n_players=2, n_actions=2)
    lrn = RegretMatching((2, 2), exploration=0.5)
    rng = np.random.default_rng(0)
    for _ in range(200):
        a = lrn.act(None, rng)
        assert a.shape == (2,)
        lrn.update(None, a, float(game.payoffs[0][tuple(a)]), None, None)
    s = lrn.strategy(None)
    assert s.shape == (2, 2) and s.sum() == pytest.approx(1.0)
    assert lrn.average_strategy().shape == (1, 2, 2)


def test_learner_input_errors():
    with pytest.raises(ValueError, match="layout"):
        RegretMatching(3, n_types=2)
    with pytest.raises(ValueError, match="exploration"):
        Hedge(3, exploration=1.5)
    with pytest.raises(ValueError, match="averaging"):
        Hedge(3, averaging="mean")
    with pytest.raises(ValueError, match="values must have shape"):
        RegretMatching(3).observe(np.zeros(4))
    with pytest.raises(ValueError, match="probability 0"):
        RegretMatching(2, exploration=0.0, initial=[1.0, 0.0]).update(None, 1, 1.0, None, None)
    with pytest.raises(ValueError, match="one entry per player"):
        full_information_play(matching_pennies(), [Hedge(2)], 1)
    with pytest.raises(ValueError, match="learners\\[1\\]"):
        full_information_play(matching_pennies(), [Hedge(2), Hedge(3)], 1)


def test_bayesian_self_play_per_type_reaches_bayes_nash():
    """Per-type regret matching+ on interim utilities (MATH.md §2) in a random constant-sum Bayesian
    game: NashConv of the average profile below 1e-3 (budget 1000 alternating rounds)."""
    from powergames.games.bayesian import random_bayesian_game
    from powergames.theory.bayesian_power import nash_conv

    game = random_bayesian_game((2, 3), (3, 2), 0, kind="constant_sum", zero_prob=0.0)
    rng = np.random.default_rng(0)
    layout = {"type": slice(0, 3)}
    learners = [
        RegretMatching(
            k,
            n_types=t,
            layout=layout,
            plus=True,
            averaging="linear",
            initial=rng.dirichlet(np.ones(k), size=t),
        )
        for t, k in zip(game.n_types, game.n_actions)
    ]
    start = nash_conv(game, learner_profile(learners))
    full_information_play(game, learners, 1000, alternating=True)
    assert nash_conv(game, learner_profile(learners, average=True)) < 1e-3 < start
