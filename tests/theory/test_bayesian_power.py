import itertools

import numpy as np
import pytest
from conftest import bayesian_games, random_simplex, seeds
from hypothesis import given
from hypothesis import strategies as st

from powergames.games import (
    BayesianGame,
    NormalFormGame,
    UnitSumGame,
    as_bayesian,
    random_bayesian_game,
)
from powergames.games.checks import check_profile
from powergames.games.normal_form import contract_profile
from powergames.theory import (
    achieved_value,
    best_response,
    interim_utility,
    is_bayes_nash,
    nash_conv,
    power,
    power_of_distribution,
    power_report,
)

# ---------------------------------------------------------------------- brute-force reference


def brute_interim(game, i, profile, zero_rows="marginal"):
    """f_i(t_i, a_i) by explicit loops over type and action profiles (MATH.md §2)."""
    n, types, acts = game.n_players, game.n_types, game.n_actions
    f = np.zeros((types[i], acts[i]))
    for ti in range(types[i]):
        others = [range(types[j]) if j != i else [ti] for j in range(n)]
        weights = {t: game.prior[t] for t in itertools.product(*others)}
        total = sum(weights.values())
        if total == 0:  # undefined posterior: the documented marginal-belief convention
            weights = {}
            for t in itertools.product(*(range(x) for x in types)):
                key = tuple(ti if j == i else t[j] for j in range(n))
                weights[key] = weights.get(key, 0.0) + game.prior[t]
            total = 1.0
        for t, w in weights.items():
            if w == 0:
                continue
            for a in itertools.product(*(range(k) for k in acts)):
                p = w / total
                for j in range(n):
                    if j != i:
                        p *= profile[j][t[j], a[j]]
                f[ti, a[i]] += p * game.rewards[i][(ti, *a)]
    return f


def brute_power_and_achieved(game, profile):
    pw, ach = [], []
    for i in range(game.n_players):
        f = brute_interim(game, i, profile)
        m = game.type_marginals[i]
        pw.append(sum(m[t] * f[t].max() for t in range(game.n_types[i]) if m[t] > 0))
        ach.append(sum(m[t] * profile[i][t] @ f[t] for t in range(game.n_types[i]) if m[t] > 0))
    return np.array(pw), np.array(ach)


def random_profile(rng, game):
    return [random_simplex(rng, (t, k)) for t, k in zip(game.n_types, game.n_actions)]


kinds = st.sampled_from(["general", "constant_sum", "common_payoff"])


@given(seed=seeds(), n=st.integers(1, 4), kind=kinds)
def test_power_matches_brute_force(seed, n, kind):
    rng = np.random.default_rng(seed)
    n_types = tuple(int(x) for x in rng.integers(1, 4, size=n))
    n_actions = tuple(int(x) for x in rng.integers(1, 4, size=n))
    game = random_bayesian_game(n_types, n_actions, rng, kind)
    profile = random_profile(rng, game)
    for i in range(n):
        f = interim_utility(game, i, profile)
        assert f.shape == (n_types[i], n_actions[i]) and np.all(np.isfinite(f))
        np.testing.assert_allclose(f, brute_interim(game, i, profile), atol=1e-12)
        br = best_response(game, i, profile)
        np.testing.assert_array_equal(br.sum(axis=1), 1.0)
        np.testing.assert_allclose((br * f).sum(axis=1), f.max(axis=1), atol=0)
    pw, ach = brute_power_and_achieved(game, profile)
    np.testing.assert_allclose(power(game, profile), pw, atol=1e-12)
    np.testing.assert_allclose(achieved_value(game, profile), ach, atol=1e-12)
    assert nash_conv(game, profile) == pytest.approx((pw - ach).sum(), abs=1e-12)
    report = power_report(game, profile)
    np.testing.assert_allclose(report.power, pw, atol=1e-12)
    np.testing.assert_allclose(report.achieved, ach, atol=1e-12)
    assert report.nash_conv == pytest.approx((pw - ach).sum(), abs=1e-12)


@given(
    seed=seeds(),
    n=st.integers(2, 5),
    max_types=st.integers(1, 4),
    max_actions=st.integers(1, 4),
)
def test_power_scarcity_in_constant_sum_games(seed, n, max_types, max_actions):
    """MATH.md §2: Σ_i POWER(i, σ) ≥ c and the gap is NashConv, for every profile."""
    rng = np.random.default_rng(seed)
    n_types = tuple(int(x) for x in rng.integers(1, max_types + 1, size=n))
    n_actions = tuple(int(x) for x in rng.integers(1, max_actions + 1, size=n))
    game = random_bayesian_game(n_types, n_actions, rng, "constant_sum")
    c = game.constant_sum_value()
    assert c is not None
    for _ in range(3):
        profile = random_profile(rng, game)
        pw = power(game, profile)
        gap = pw.sum() - c
        assert gap >= -1e-12
        assert gap == pytest.approx(nash_conv(game, profile), abs=1e-12)
        # on-policy rewards sum to c: the achieved values carry no slack
        assert achieved_value(game, profile).sum() == pytest.approx(c, abs=1e-12)
        # NashConv bounds every weighted per-type regret: gap 0 forces a Bayesian Nash equilibrium
        for i in range(n):
            f = interim_utility(game, i, profile)
            regret = f.max(axis=1) - (profile[i] * f).sum(axis=1)
            assert np.all(game.type_marginals[i] * regret <= gap + 1e-12)


def brute_pure_expected(game, maps):
    """U_i of the pure Bayesian strategies ``maps[j][t_j] = action``, by loops over type profiles."""
    out = np.zeros(game.n_players)
    for t in itertools.product(*(range(x) for x in game.n_types)):
        a = tuple(maps[j][t[j]] for j in range(game.n_players))
        for i in range(game.n_players):
            out[i] += game.prior[t] * game.rewards[i][(t[i], *a)]
    return out


@given(bayesian_games("constant_sum", min_players=3, max_players=4, max_types=2, max_actions=2))
def test_power_scarcity_equality_iff_nash_at_pure_profiles(game_rng):
    """n ≥ 3 without an n-player solver: every pure Bayesian profile is enumerated and classified
    as an equilibrium or not by brute force (every unilateral change of a type→action map);
    Σ POWER = c (to 1e-9) exactly at the equilibria and > c elsewhere."""
    game, _ = game_rng
    n, n_types, n_actions = game.n_players, game.n_types, game.n_actions
    c = game.constant_sum_value()
    all_maps = [list(itertools.product(range(k), repeat=t)) for t, k in zip(n_types, n_actions)]
    for maps in itertools.product(*all_maps):
        base = brute_pure_expected(game, maps)
        gain = 0.0  # the largest gain of a unilateral deviation
        for i in range(n):
            for other in all_maps[i]:
                dev = brute_pure_expected(game, (*maps[:i], other, *maps[i + 1 :]))
                gain = max(gain, dev[i] - base[i])
        profile = [np.eye(k)[list(m)] for k, m in zip(n_actions, maps)]
        gap = power(game, profile).sum() - c
        if gain <= 1e-12:
            assert abs(gap) <= 1e-9
            assert is_bayes_nash(game, profile, tol=1e-9)
        else:
            assert gap >= gain - 1e-9  # NashConv ≥ any single player's gain
            assert not is_bayes_nash(game, profile, tol=gain / 2)  # a type regrets >= gain


@given(seed=seeds(), kind=kinds)
def test_power_is_the_value_of_a_best_response(seed, kind):
    """POWER_i(σ) is the achieved value of player i's best response to σ_{-i}; NashConv sums the gaps."""
    rng = np.random.default_rng(seed)
    game = random_bayesian_game((3, 2, 2), (3, 2, 2), rng, kind)
    profile = random_profile(rng, game)
    pw = power(game, profile)
    for i in range(game.n_players):
        deviated = list(profile)
        deviated[i] = best_response(game, i, profile)
        assert achieved_value(game, deviated)[i] == pytest.approx(pw[i], abs=1e-12)
        assert power(game, deviated)[i] == pytest.approx(pw[i], abs=1e-12)


# ---------------------------------------------------------------------- zero-probability types


def test_zero_probability_types_are_reported_not_nan():
    prior = np.array([[0.5, 0.5, 0.0], [0.0, 0.0, 0.0]])  # player 0's type 1, player 1's type 2
    rng = np.random.default_rng(0)
    game = BayesianGame(prior, (rng.normal(size=(2, 2, 3)), rng.normal(size=(3, 2, 3))))
    profile = random_profile(rng, game)
    for i in range(2):
        f = interim_utility(game, i, profile)
        assert np.all(np.isfinite(f))
        np.testing.assert_allclose(f, brute_interim(game, i, profile), atol=1e-12)
        with pytest.raises(ValueError, match="prior probability 0"):
            interim_utility(game, i, profile, zero_types="raise")
    # zero-probability types do not enter POWER: change their rewards and strategies freely
    before = power(game, profile)
    r0 = game.rewards[0].copy()
    r0[1] += 100.0
    other = BayesianGame(prior, (r0, game.rewards[1]))
    profile[1][2] = np.eye(3)[0]
    np.testing.assert_allclose(power(other, profile), before, atol=1e-12)
    report = power_report(other, profile)
    assert np.all(np.isfinite(report.interim[0])) and np.all(np.isfinite(report.type_power[1]))


# ---------------------------------------------------------------------- normal-form inputs


@given(seed=seeds(), n=st.integers(1, 4))
def test_normal_form_games_are_one_type_bayesian_games(seed, n):
    rng = np.random.default_rng(seed)
    ks = tuple(int(x) for x in rng.integers(1, 4, size=n))
    nf = NormalFormGame(rng.normal(size=(n, *ks)))
    profile = [random_simplex(rng, (k,)) for k in ks]
    bg = as_bayesian(nf)
    bprofile = [p[None] for p in profile]
    for i in range(n):
        f = interim_utility(nf, i, profile)
        assert f.shape == (ks[i],)
        others = [profile[j] for j in range(n) if j != i]
        expected = contract_profile(np.moveaxis(nf.payoffs[i], i, 0), others)
        np.testing.assert_allclose(f, expected, atol=1e-12)
        np.testing.assert_allclose(interim_utility(bg, i, bprofile)[0], f, atol=0)
        assert best_response(nf, i, profile).shape == (ks[i],)
    np.testing.assert_allclose(
        achieved_value(nf, profile), nf.expected_payoffs(profile), atol=1e-12
    )
    np.testing.assert_allclose(power(nf, profile), power(bg, bprofile), atol=0)


def test_unit_sum_power_sums_to_at_least_one():
    rng = np.random.default_rng(4)
    shares = np.moveaxis(random_simplex(rng, (2, 3, 2, 2, 3), sparse=False), -1, 1)
    game = UnitSumGame(shares)
    profile = [random_simplex(rng, (k,)) for k in game.n_actions]
    assert power(game, profile).sum() - 1.0 == pytest.approx(nash_conv(game, profile), abs=1e-12)
    assert nash_conv(game, profile) >= 0


def test_matching_pennies_values():
    """u_1 = ±1: at the uniform profile POWER_i = 0 = achieved; at (H, H) the loser has POWER 1."""
    mp = NormalFormGame(np.array([[[1, -1], [-1, 1]], [[-1, 1], [1, -1]]]))
    half = [np.full(2, 0.5), np.full(2, 0.5)]
    np.testing.assert_allclose(power(mp, half), [0.0, 0.0], atol=1e-15)
    assert is_bayes_nash(mp, half)
    pure = [np.array([1.0, 0.0]), np.array([1.0, 0.0])]
    np.testing.assert_allclose(power(mp, pure), [1.0, 1.0])
    np.testing.assert_allclose(achieved_value(mp, pure), [1.0, -1.0])
    assert nash_conv(mp, pure) == pytest.approx(2.0)
    assert not is_bayes_nash(mp, pure)


def test_bad_profiles_name_the_problem():
    game = random_bayesian_game((2, 3), (2, 2), 0)
    with pytest.raises(ValueError, match=r"profile\[1\] must have shape \(3, 2\)"):
        power(game, [np.full((2, 2), 0.5), np.full((2, 2), 0.5)])
    with pytest.raises(ValueError, match=r"profile\[0\] must sum to 1 along axis 1"):
        power(game, [np.ones((2, 2)), np.full((3, 2), 0.5)])
    nf = NormalFormGame(np.zeros((2, 2, 3)))
    with pytest.raises(ValueError, match=r"profile\[1\] must have shape \(3,\)"):
        power(nf, [np.full(2, 0.5), np.full(2, 0.5)])
    with pytest.raises(TypeError, match="one strategy array per player"):
        power(nf, np.full(2, 0.5))
    with pytest.raises(ValueError, match="zero_types"):
        interim_utility(game, 0, game.uniform_profile(), zero_types="nan")
    with pytest.raises(ValueError, match="tol must be"):
        is_bayes_nash(game, game.uniform_profile(), tol=-1.0)


@given(seed=seeds(), bad=st.sampled_from(["none", "neg", "nan", "inf", "sum", "shape", "list"]))
def test_profiles_are_accepted_and_rejected_as_check_profile_does(seed, bad):
    """The vectorised profile check agrees with ``check_profile`` (the per-player reference)."""
    rng = np.random.default_rng(seed)
    game = random_bayesian_game((2, 3, 1), (2, 3, 2), rng)
    profile = [random_simplex(rng, (t, k)) for t, k in zip(game.n_types, game.n_actions)]
    j = int(rng.integers(3))
    p = profile[j].copy()
    if bad == "neg":
        p[0, 0] = -1e-12
    elif bad in ("nan", "inf"):
        p[-1, -1] = np.nan if bad == "nan" else np.inf
    elif bad == "sum":
        p[0] *= 1 + float(rng.choice([5e-10, 2e-9]))  # inside, then outside SUM_TOL
    elif bad == "shape":
        p = p[:, :1]
    profile[j] = p.tolist() if bad == "list" else p
    try:
        expected = check_profile("profile", profile, game.n_actions, per_type=game.n_types)
    except (TypeError, ValueError) as exc:
        with pytest.raises(type(exc)) as info:
            nash_conv(game, profile)
        assert str(info.value) == str(exc)
    else:
        assert nash_conv(game, profile) == pytest.approx(nash_conv(game, expected), abs=1e-12)


@pytest.mark.parametrize(
    "ks", [(4,) * 7, (2, 4, 4, 4, 1, 4, 4, 4, 4), (3, 5, 4, 2, 5, 3, 2), (40, 30, 20)]
)
def test_large_normal_form_contractions_match_contract_profile(ks):
    """Arrays large enough for the split contraction order, against ``contract_profile``."""
    rng = np.random.default_rng(sum(ks))
    n = len(ks)
    nf = NormalFormGame(rng.normal(size=(n, *ks)))
    profile = [random_simplex(rng, (k,)) for k in ks]
    expected = []
    for i in range(n):
        others = [profile[j] for j in range(n) if j != i]
        f = contract_profile(np.moveaxis(nf.payoffs[i], i, 0), others)
        np.testing.assert_allclose(interim_utility(nf, i, profile), f, atol=1e-12)
        expected.append((f.max(), f @ profile[i]))
    np.testing.assert_allclose(power(nf, profile), [e[0] for e in expected], atol=1e-12)
    nc = sum(e[0] - e[1] for e in expected)
    assert nash_conv(nf, profile) == pytest.approx(nc, abs=1e-12)


@pytest.mark.parametrize("n", [5, 6])
def test_bayesian_games_with_more_players_match_brute_force(n):
    """Deeper divide and conquer for the weights (action axes in a non-player order)."""
    rng = np.random.default_rng(n)
    n_types = tuple(int(x) for x in rng.integers(1, 3, size=n))
    n_actions = tuple(int(x) for x in rng.integers(1, 3, size=n))
    game = random_bayesian_game(n_types, n_actions, rng)
    profile = random_profile(rng, game)
    for i in range(n):
        np.testing.assert_allclose(
            interim_utility(game, i, profile), brute_interim(game, i, profile), atol=1e-12
        )
    pw, ach = brute_power_and_achieved(game, profile)
    np.testing.assert_allclose(power(game, profile), pw, atol=1e-12)
    assert nash_conv(game, profile) == pytest.approx((pw - ach).sum(), abs=1e-12)


# ---------------------------------------------------------------------- single-agent POWER


@given(seed=seeds())
def test_power_of_distribution_is_a_one_player_bayesian_game(seed):
    rng = np.random.default_rng(seed)
    m, k = (int(x) for x in rng.integers(1, 6, size=2))
    rewards = rng.normal(size=(m, k))
    weights = random_simplex(rng, (m,))
    expected = sum(weights[j] * max(rewards[j]) for j in range(m))
    assert power_of_distribution(rewards, weights) == pytest.approx(expected, abs=1e-12)
    game = BayesianGame(weights, (rewards,))
    assert power(game, [np.full((m, k), 1.0 / k)])[0] == pytest.approx(expected, abs=1e-12)
    assert power_of_distribution(rewards) == pytest.approx(rewards.max(axis=1).mean())


def test_power_of_distribution_validation():
    with pytest.raises(ValueError, match=r"shape \(m, k\)"):
        power_of_distribution(np.zeros(3))
    with pytest.raises(ValueError, match=r"weights must have shape \(2,\)"):
        power_of_distribution(np.zeros((2, 3)), [1.0])
    with pytest.raises(ValueError, match="finite"):
        power_of_distribution(np.array([[np.nan, 0.0]]))


# ---------------------------------------------------------------------- the common-payoff conjecture


def welfare_maximising_pure_profile(game):
    """The pure per-type profile maximising expected welfare, by enumerating type→action maps."""
    best, best_value = None, -np.inf
    per_player = [
        list(itertools.product(range(k), repeat=t)) for t, k in zip(game.n_types, game.n_actions)
    ]
    for maps in itertools.product(*per_player):
        profile = [np.eye(k)[list(m)] for m, k in zip(maps, game.n_actions)]
        value = achieved_value(game, profile).sum()
        if value > best_value + 1e-12:
            best, best_value = profile, value
    return best


@given(seed=seeds(), n=st.integers(2, 3))
def test_common_payoff_conjecture_holds_at_welfare_maxima(seed, n):
    """The seed's conjecture (MATH.md §2), where it holds.

    In a common-payoff game (``r_i(t_i, a) = r_j(t_j, a)`` on the prior's support) every player's
    POWER is at most the best-case ``E_{t_i}[max_a r_i(t_i, a)]``, and at a welfare-maximising
    profile it equals it for every player at once: each type's reward function is shared by the
    whole connected component of its type profile, and the welfare maximiser plays the
    component's best joint action, so nobody can do better by deviating *or* by having the others
    deviate. ``Σ POWER = Σ best-case`` there.
    """
    rng = np.random.default_rng(seed)
    n_types = tuple(int(x) for x in rng.integers(1, 3, size=n))
    n_actions = tuple(int(x) for x in rng.integers(1, 3, size=n))
    game = random_bayesian_game(n_types, n_actions, rng, "common_payoff")
    best_case = game.best_case_power()
    profile = welfare_maximising_pure_profile(game)
    np.testing.assert_allclose(power(game, profile), best_case, atol=1e-12)
    assert is_bayes_nash(game, profile)
    # and it is an upper bound everywhere
    assert np.all(power(game, random_profile(rng, game)) <= best_case + 1e-12)


def test_common_payoff_conjecture_fails_at_other_equilibria():
    """Counter-example to the seed's conjecture "in common-payoff games Σ POWER = Σ best-case POWER".

    Common-payoff coordination (a stag hunt with one shared payoff): ``u(S,S) = 4``, ``u(H,H) = 2``,
    mismatches 0. Best-case POWER is 4 for each player (total 8). At the Bayesian Nash equilibrium
    (H, H) each player's best deviation against H earns ``max(u(S,H), u(H,H)) = 2``, so
    Σ POWER = 4 < 8; at the mixed equilibrium (S w.p. 1/3) each POWER is 4/3, Σ = 8/3 < 8. The
    conjecture holds at the welfare maximum (S, S) only: equilibrium alone does not give it, and
    a common payoff does not make POWER "non-scarce" — miscoordination destroys it for everyone.
    """
    u = np.array([[4.0, 0.0], [0.0, 2.0]])
    game = NormalFormGame(np.stack([u, u]))
    best_case = as_bayesian(game).best_case_power()
    np.testing.assert_allclose(best_case, [4.0, 4.0])
    hare = [np.array([0.0, 1.0]), np.array([0.0, 1.0])]
    assert is_bayes_nash(game, hare)
    np.testing.assert_allclose(power(game, hare), [2.0, 2.0])
    assert power(game, hare).sum() < best_case.sum()
    mixed = [np.array([1 / 3, 2 / 3]), np.array([1 / 3, 2 / 3])]
    assert is_bayes_nash(game, mixed)
    np.testing.assert_allclose(power(game, mixed), [4 / 3, 4 / 3], atol=1e-12)
    stag = [np.array([1.0, 0.0]), np.array([1.0, 0.0])]
    np.testing.assert_allclose(power(game, stag), best_case)


# ---------------------------------------------------------------------- the `powergames power` CLI


def test_power_cli_reports_a_solved_profile(capsys):
    from powergames.cli import main

    assert main(["power", "matching_pennies"]) == 0
    out = capsys.readouterr().out
    assert "constant-sum: yes (c = 0)" in out
    assert "Bayesian Nash equilibrium (per-type regret <= 1e-09): yes" in out
    assert "sum POWER - c = 0" in out


def test_power_cli_json_for_a_given_profile_and_a_game_file(capsys, tmp_path):
    import json

    from powergames.cli import main
    from powergames.games import save_game

    game = random_bayesian_game((2, 1), (2, 3), 3, "general")
    path = save_game(game, tmp_path / "game.npz")
    assert main(["power", str(path), "--profile", "1,0|0.5,0.5;0,0,1", "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    profile = [np.array([[1.0, 0.0], [0.5, 0.5]]), np.array([[0.0, 0.0, 1.0]])]
    np.testing.assert_allclose([p["power"] for p in rep["players"]], power(game, profile))
    assert rep["nash_conv"] == pytest.approx(nash_conv(game, profile))
    f = interim_utility(game, 0, profile)
    np.testing.assert_allclose(rep["players"][0]["types"][1]["interim_utility"], f[1])
    assert rep["is_bayes_nash"] == is_bayes_nash(game, profile)
    # the seed's three cases side by side: worst <= POWER <= best, per player
    from powergames.theory.power_cases import bayesian_power_cases

    cases = bayesian_power_cases(game)
    for i, p in enumerate(rep["players"]):
        assert p["worst_case_power"] == pytest.approx(cases.worst[i])
        assert p["worst_case_power"] - 1e-9 <= p["power"] <= p["best_case_power"] + 1e-9


def test_power_cli_table_shows_worst_and_best_case(capsys):
    from powergames.cli import main

    assert main(["power", "bayesian_matching_pennies", "--profile", "uniform"]) == 0
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if line.startswith("player  worst case"))
    assert header.split() == ["player", "worst", "case", "POWER", "achieved", "POWER", "-",
                              "achieved", "best", "case"]  # fmt: skip


def test_power_cli_errors(capsys):
    from powergames.cli import main

    assert main(["power", "matching_pennies", "--profile", "1,0"]) == 2
    assert "one strategy per player" in capsys.readouterr().err
    assert main(["power", "bayesian_coordination", "--profile", "1,0|0,1|1,0;1,0"]) == 2
    assert "has 2 types" in capsys.readouterr().err
