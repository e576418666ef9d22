import itertools

import numpy as np
import pytest
from conftest import random_simplex, seeds, unit_sum_games
from hypothesis import given
from hypothesis import strategies as st

import powergames.games.count_distributions as coal_mod
from powergames.games import (
    CountDistribution,
    NormalFormGame,
    compositions,
    convolve_counts,
    majority_game,
    random_symmetric_unit_sum_game,
)
from powergames.theory import (
    ExchangeablePolicy,
    IndependentPolicy,
    JointPolicy,
    ProductPolicy,
    SharedActionPolicy,
    coalition_copying_policy,
    coalition_report,
    coalition_values,
    contiguous_coalitions,
    max_guarantee_k,
    monte_carlo_coalition_values,
    theorem1_policy,
)


def brute_values(shares, coalitions, joints):
    """r_j(x) by an explicit loop over every pure profile (MATH.md §1)."""
    n_states, n = shares.shape[:2]
    out = np.zeros((n_states, len(coalitions)))
    for a in itertools.product(*(range(k) for k in shares.shape[2:])):
        p = 1.0
        for c, joint in zip(coalitions, joints):
            p *= joint[tuple(a[i] for i in c)]
        if p == 0.0:
            continue
        for j, c in enumerate(coalitions):
            for i in c:
                out[:, j] += p * shares[(slice(None), i, *a)]
    return out


def random_partition(rng, n, max_parts=3):
    labels = rng.integers(0, max_parts, size=n)
    return [list(np.flatnonzero(labels == v)) for v in np.unique(labels)]


def random_policy(rng, size, k, structured):
    """A random coalition policy: a correlated dense joint or one of the structured kinds."""
    kind = int(rng.integers(0, 5)) if structured else 0
    if kind == 0:
        return random_simplex(rng, (k**size,)).reshape((k,) * size)
    if kind == 1:
        return SharedActionPolicy(size, k, random_simplex(rng, (k,)))
    if kind == 2:
        return IndependentPolicy(size, random_simplex(rng, (k,)))
    if kind == 3:
        probs = random_simplex(rng, (len(compositions(size, k)),))
        return ExchangeablePolicy(CountDistribution(size, k, probs))
    if size == 1:
        return IndependentPolicy(1, random_simplex(rng, (k,)))
    cut = int(rng.integers(1, size))
    return ProductPolicy(
        [random_policy(rng, cut, k, True), IndependentPolicy(size - cut, random_simplex(rng, (k,)))]
    )


def joint_of(policy):
    return policy.joint() if hasattr(policy, "joint") else policy


@given(
    seed=seeds(),
    n=st.integers(1, 5),
    k=st.integers(1, 3),
    n_states=st.integers(1, 3),
    structured=st.booleans(),
)
def test_symmetric_exact_equals_dense_and_brute_force(seed, n, k, n_states, structured):
    rng = np.random.default_rng(seed)
    game = random_symmetric_unit_sum_game(n, k, n_states, rng)
    dense = game.to_dense()
    coalitions = random_partition(rng, n)
    policies = [random_policy(rng, len(c), k, structured) for c in coalitions]
    sym = coalition_values(game, coalitions, policies)
    den = coalition_values(dense, coalitions, policies)
    brute = brute_values(dense.shares, coalitions, [joint_of(p) for p in policies])
    assert sym.shape == (n_states, len(coalitions))
    np.testing.assert_allclose(sym, brute, atol=1e-12)
    np.testing.assert_allclose(den, brute, atol=1e-12)
    np.testing.assert_allclose(sym.sum(axis=1), 1.0, atol=1e-12)


@given(unit_sum_games(min_players=2, max_players=4))
def test_dense_values_with_unequal_action_sets_and_normal_form(game_rng):
    game, rng = game_rng
    shares = game.shares
    n, ks = shares.shape[1], shares.shape[2:]
    coalitions = random_partition(rng, n)
    joints = [
        random_simplex(rng, (int(np.prod([ks[i] for i in c])),)).reshape([ks[i] for i in c])
        for c in coalitions
    ]
    np.testing.assert_allclose(
        coalition_values(game, coalitions, joints),
        brute_values(shares, coalitions, joints),
        atol=1e-12,
    )
    nf = NormalFormGame(rng.normal(size=(n, *ks)))
    np.testing.assert_allclose(
        coalition_values(nf, coalitions, joints),
        brute_values(nf.payoffs[None], coalitions, joints),
        atol=1e-12,
    )


@given(seed=seeds(), size=st.integers(1, 4), k=st.integers(1, 3))
def test_structured_policy_views_agree(seed, size, k):
    rng = np.random.default_rng(seed)
    policy = random_policy(rng, size, k, structured=True)
    if isinstance(policy, np.ndarray):
        policy = JointPolicy(policy)
    joint = policy.joint()
    assert joint.shape == (k,) * size
    np.testing.assert_allclose(joint.sum(), 1.0, atol=1e-12)
    # the exact count distribution is the joint's, aggregated by counts
    expected = np.zeros(len(compositions(size, k)))
    index = {tuple(int(v) for v in row): r for r, row in enumerate(compositions(size, k))}
    for a in itertools.product(range(k), repeat=size):
        expected[index[tuple(a.count(b) for b in range(k))]] += joint[a]
    np.testing.assert_allclose(policy.count_distribution().probs, expected, atol=1e-12)
    # samples follow the joint: empirical frequencies within 5 standard errors
    n_samples = 20000
    draws = policy.sample(n_samples, rng)
    assert draws.shape == (n_samples, size) and draws.min() >= 0 and draws.max() < k
    freq = np.zeros(joint.shape)
    np.add.at(freq, tuple(draws.T), 1.0)
    freq /= n_samples
    se = np.sqrt(joint * (1 - joint) / n_samples)
    assert np.all(np.abs(freq - joint) <= 5 * se + 1e-3)


@given(seed=seeds(), n1=st.integers(0, 12), n2=st.integers(0, 12), k=st.integers(1, 4))
def test_convolution_paths_agree_with_brute_force(seed, n1, n2, k):
    rng = np.random.default_rng(seed)
    d1 = CountDistribution(n1, k, random_simplex(rng, (len(compositions(n1, k)),)))
    d2 = CountDistribution(n2, k, random_simplex(rng, (len(compositions(n2, k)),)))
    index = {tuple(int(v) for v in r): i for i, r in enumerate(compositions(n1 + n2, k))}
    expected = np.zeros(len(index))
    for i, c1 in enumerate(d1.counts):
        for j, c2 in enumerate(d2.counts):
            expected[index[tuple(int(v) for v in c1 + c2)]] += d1.probs[i] * d2.probs[j]
    original = coal_mod._use_fft
    try:
        for force in (False, True):
            coal_mod._use_fft = lambda *args, force=force, **_: force and args[2] > 1
            np.testing.assert_allclose(convolve_counts(d1, d2).probs, expected, atol=1e-13)
    finally:
        coal_mod._use_fft = original


@given(seed=seeds(), k=st.integers(1, 4))
def test_product_count_distribution_with_repeated_parts(seed, k):
    # ProductPolicy multiplies the parts' spectra once (a repeated part transformed once) when the
    # FFT pays off, else convolves pairwise; both must equal the brute-force count distribution
    rng = np.random.default_rng(seed)
    a = ExchangeablePolicy(CountDistribution(2, k, random_simplex(rng, (len(compositions(2, k)),))))
    b = IndependentPolicy(1, random_simplex(rng, (k,)))
    policy = ProductPolicy([a, a, b, a])
    joint = policy.joint()
    index = {tuple(int(v) for v in r): i for i, r in enumerate(compositions(7, k))}
    expected = np.zeros(len(index))
    for prof in itertools.product(range(k), repeat=7):
        expected[index[tuple(prof.count(c) for c in range(k))]] += joint[prof]
    original = coal_mod._use_fft
    try:
        for force in (False, True):
            coal_mod._use_fft = lambda *args, force=force, **_: force and args[2] > 1
            np.testing.assert_allclose(policy.count_distribution().probs, expected, atol=1e-13)
    finally:
        coal_mod._use_fft = original


@pytest.mark.parametrize("n, k", [(40, 3), (24, 4)])
def test_fft_and_sparse_paths_agree_for_larger_games(n, k, monkeypatch):
    rng = np.random.default_rng(n)
    game = random_symmetric_unit_sum_game(n, k, 2, rng)
    s = n // 2 + 2
    coalitions = contiguous_coalitions([s, n - s - 3, 3])
    opp = ExchangeablePolicy(
        CountDistribution(n - s - 3, k, random_simplex(rng, (len(compositions(n - s - 3, k)),)))
    )
    third = random_simplex(rng, (k**3,)).reshape((k,) * 3)
    policies = [coalition_copying_policy([opp, third], s, k=2), opp, third]
    results = []
    for force in (False, True):
        monkeypatch.setattr(coal_mod, "_use_fft", lambda *args, force=force, **_: force)
        results.append(coalition_values(game, coalitions, policies))
    np.testing.assert_allclose(results[0], results[1], atol=1e-12)
    np.testing.assert_allclose(results[0].sum(axis=1), 1.0, atol=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_monte_carlo_interval_covers_exact_value(seed):
    rng = np.random.default_rng(seed)
    game = random_symmetric_unit_sum_game(6, 3, 2, rng)
    coalitions = [[0, 1, 2, 3], [4], [5]]
    policies = [
        coalition_copying_policy([np.ones(3) / 3, np.array([0.2, 0.3, 0.5])], 4),
        np.ones(3) / 3,
        np.array([0.2, 0.3, 0.5]),
    ]
    exact = coalition_values(game, coalitions, policies)
    for g in (game, game.to_dense()):
        est = monte_carlo_coalition_values(g, coalitions, policies, 20000, rng, confidence=0.9999)
        assert est.mean.shape == exact.shape and np.all(est.half_width > 0)
        assert np.all(est.covers(exact)), (est.mean, est.half_width, exact)
        assert np.all(est.half_width < 0.02)


def test_monte_carlo_coverage_rate_is_near_nominal():
    rng = np.random.default_rng(7)
    game = majority_game(7, 3)
    coalitions = [[0, 1, 2, 3], [4, 5, 6]]
    policies = [IndependentPolicy(4, [0.5, 0.3, 0.2]), IndependentPolicy(3, [0.2, 0.3, 0.5])]
    exact = coalition_values(game, coalitions, policies)[0, 0]
    covered = [
        monte_carlo_coalition_values(game, coalitions, policies, 400, rng, 0.9).covers(
            np.full((1, 2), exact)
        )[0, 0]
        for _ in range(200)
    ]
    # nominal 90%: 200 Bernoulli(0.9) trials lie in [0.82, 0.97] with overwhelming probability
    assert 0.82 <= np.mean(covered) <= 0.97


def test_theorem1_policy_and_report_in_the_majority_game():
    game = majority_game(9, 4)
    coalitions = contiguous_coalitions([5, 4])
    report = coalition_report(
        game, coalitions, [theorem1_policy(5, 4), IndependentPolicy(4, np.ones(4) / 4)]
    )
    assert report.values.shape == (1, 2)
    np.testing.assert_allclose(report.min_over_x, report.values[0])
    np.testing.assert_allclose(report.expected, report.values[0])
    assert report.values[0, 0] >= 1 - 1 / 4


def test_max_guarantee_k_is_the_largest_k_with_the_fraction():
    for n in range(2, 30):
        for size in range(1, n):
            ks = [k for k in range(1, n + 2) if size * k >= (k - 1) * n]
            assert max_guarantee_k(size, n) == max(ks)
    with pytest.raises(ValueError, match="no finite k"):
        max_guarantee_k(5, 5)


def test_copying_policy_structure_and_errors():
    opp = np.ones((3, 3)) / 9
    policy = coalition_copying_policy(opp, 5, k=3)  # 2 copies of 2 players + 1 leftover
    assert policy.n_members == 5 and len(policy.parts) == 3
    assert policy.parts[-1].n_members == 1
    with pytest.raises(ValueError, match="too small for k=4"):
        coalition_copying_policy(opp, 5, k=4)
    with pytest.raises(ValueError, match="too small for Theorem 2: even k = 2 needs"):
        coalition_copying_policy(np.ones((3,) * 3) / 27, 2)
    for bad in (1, 0, -3):
        with pytest.raises(ValueError, match=rf"k must be >= 2 \(Theorem 2's k\), got {bad}$"):
            coalition_copying_policy(opp, 5, k=bad)
    with pytest.raises(TypeError, match="k must be an integer"):
        coalition_copying_policy(opp, 5, k=2.0)
    with pytest.raises(ValueError, match="leftover must sum to 1"):
        coalition_copying_policy(opp, 5, k=2, leftover=[0.5, 0.5, 0.5])


@pytest.mark.parametrize(
    "coalitions, match",
    [
        ([[0, 1], [1, 2]], "must not overlap"),
        ([[0, 1]], r"missing players \[2\]"),
        ([[0, 1, 2], [3]], r"coalitions\[1\] has player 3, outside \[0, 3\)"),
        ([[0, 1, 2], []], "is empty"),
        ([[1, 0], [2]], r"increasing order .* got \[1, 0\]; write \[0, 1\]"),
        ([[0, True], [2]], "integer player indices"),
        ("012", "list of lists"),
        ([[0, 1.0], [2]], "integer player indices"),
    ],
)
def test_bad_coalitions(coalitions, match):
    game = majority_game(3, 2)
    with pytest.raises((ValueError, TypeError), match=match):
        coalition_values(game, coalitions, [np.ones(2) / 2] * 3)


def test_bad_policies():
    game = majority_game(3, 2)
    dense = game.to_dense()
    coalitions = [[0, 1], [2]]
    for g in (game, dense):
        with pytest.raises(ValueError, match=r"policies\[0\] must have shape \(2, 2\)"):
            coalition_values(g, coalitions, [np.ones(2) / 2, np.ones(2) / 2])
        with pytest.raises(ValueError, match=r"policies\[1\] must sum to 1"):
            coalition_values(g, coalitions, [np.ones((2, 2)) / 4, np.ones(2)])
        with pytest.raises(ValueError, match=r"policies\[1\] must be non-negative"):
            coalition_values(g, coalitions, [np.ones((2, 2)) / 4, np.array([1.5, -0.5])])
        with pytest.raises(ValueError, match="finite"):
            coalition_values(g, coalitions, [np.ones((2, 2)) / 4, np.array([np.nan, 1.0])])
        with pytest.raises(ValueError, match="one entry per coalition"):
            coalition_values(g, coalitions, [np.ones((2, 2)) / 4])
        with pytest.raises(ValueError, match=r"policies\[0\] is a policy for 3 members"):
            coalition_values(g, coalitions, [theorem1_policy(3, 2), np.ones(2) / 2])
    with pytest.raises(TypeError, match="game must be"):
        coalition_values(np.zeros(3), coalitions, [])
    with pytest.raises(ValueError, match="probs must sum to 1"):
        CountDistribution(2, 2, [0.5, 0.5, 0.5])
    with pytest.raises(ValueError, match="confidence"):
        monte_carlo_coalition_values(
            game, coalitions, [np.ones((2, 2)) / 4, np.ones(2) / 2], 10, 0, 1.5
        )


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"batch_size": 0}, ValueError, "batch_size must be >= 1, got 0"),
        ({"batch_size": -1}, ValueError, "batch_size must be >= 1, got -1"),
        ({"batch_size": 2.5}, TypeError, "batch_size must be an integer, got float"),
        ({"confidence": "x"}, TypeError, "confidence must be a real number in \\(0, 1\\), got str"),
        ({"confidence": True}, TypeError, "confidence must be a real number"),
        ({"confidence": float("nan")}, ValueError, "confidence must be in \\(0, 1\\), got nan"),
        ({"confidence": 0.0}, ValueError, "confidence must be in \\(0, 1\\), got 0.0"),
        ({"n_samples": 1}, ValueError, "n_samples must be >= 2, got 1"),
    ],
)
def test_monte_carlo_argument_errors(kwargs, error, match):
    game = majority_game(3, 2)
    args = {"n_samples": 10, "rng": np.random.default_rng(0), **kwargs}
    with pytest.raises(error, match=match):
        monte_carlo_coalition_values(
            game, [[0, 1], [2]], [np.ones((2, 2)) / 4, np.ones(2) / 2], **args
        )


def test_cli_prints_exact_values_and_guarantees(capsys):
    import json

    from powergames.cli import main

    args = ["coalitions", "--game", "majority", "--players", "9", "--actions", "4"]
    assert main([*args, "--coalition-size", "5", "--opponent", "shared", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    game = majority_game(9, 4)
    opp = SharedActionPolicy(4, 4)
    expected = {
        "theorem1": coalition_values(
            game, [[0, 1, 2, 3, 4], [5, 6, 7, 8]], [theorem1_policy(5, 4), opp]
        ),
        "theorem2": coalition_values(
            game, [[0, 1, 2, 3, 4], [5, 6, 7, 8]], [coalition_copying_policy(opp, 5), opp]
        ),
    }
    assert out["theorem2_k"] == 2
    for row in out["rows"]:
        j = 0 if row["coalition"] == "c_1" else 1
        np.testing.assert_allclose(row["values"], expected[row["policy"]][:, j], atol=1e-12)
        if row["guarantee"] is not None:
            assert row["min_over_x"] >= row["guarantee"] - 1e-9
    assert main([*args, "--coalition-size", "5"]) == 0
    text = capsys.readouterr().out
    assert "min over x" in text and ">= 0.750000" in text and ">= 0.500000" in text
    assert main([*args, "--coalition-size", "9"]) == 2
    assert "coalition-size must be in [1, 8]" in capsys.readouterr().err


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--k", "1"], "--k must be >= 2 (Theorem 2's k), got 1"),
        (["--k", "0"], "--k must be >= 2 (Theorem 2's k), got 0"),
        (["--states", "3"], "--states 3 does not apply to --game majority"),
        (["--players", "-3"], "--players must be >= 2"),
        (["--actions", "0"], "--actions must be >= 1, got 0"),
        (["--game", "random", "--states", "0"], "--states must be >= 1, got 0"),
    ],
)
def test_cli_option_errors_name_the_option(capsys, extra, message):
    from powergames.cli import main

    args = ["coalitions", "--game", "majority", "--players", "9", "--actions", "4"]
    assert main([*args, "--coalition-size", "5", *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_cli_theorem2_note_for_a_minority_coalition(capsys):
    import json

    from powergames.cli import main

    args = ["coalitions", "--game", "majority", "--players", "9", "--actions", "4"]
    assert main([*args, "--coalition-size", "3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["theorem2_k"] == 1 and out["n_states"] == 1
    assert (
        "too small for Theorem 2: even k = 2 needs (k-1)·|c_2| = 6 members" in out["theorem2_note"]
    )
    assert {row["policy"] for row in out["rows"]} == {"theorem1"}
    assert main([*args, "--coalition-size", "5", "--states", "1"]) == 0
    capsys.readouterr()
    assert (
        main(["coalitions", "--game", "random", "--players", "5", "--states", "2", "--json"]) == 0
    )
    assert json.loads(capsys.readouterr().out)["n_states"] == 2
