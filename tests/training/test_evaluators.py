"""Evaluators against independent brute force, and the callback's schedule."""

from __future__ import annotations

import itertools

import numpy as np
from conftest import random_simplex, seeds
from hypothesis import given, settings
from hypothesis import strategies as st

from powergames.games.bayesian import random_bayesian_game
from powergames.games.symmetric import random_symmetric_unit_sum_game
from powergames.games.unit_sum import UnitSumGame
from powergames.theory import achieved_value, nash_conv, power
from powergames.theory.theorem_policies import coalition_copying_policy
from powergames.training.evaluators import (
    EvalCallback,
    EvalContext,
    Evaluator,
    PowerEvaluator,
    evaluate_power,
    evaluate_power_profiles,
    evaluate_shares,
)
from powergames.training.stochastic_evaluation import power_case_metrics


def brute_shares(game: UnitSumGame, coalitions, joints) -> np.ndarray:
    """r_j(x) by explicit loops over every pure profile (MATH.md §1)."""
    n = game.n_players
    out = np.zeros((game.n_states, len(coalitions)))
    for a in itertools.product(*(range(k) for k in game.n_actions)):
        p = 1.0
        for members, joint in zip(coalitions, joints):
            p *= joint[tuple(a[i] for i in members)]
        for x in range(game.n_states):
            for j, members in enumerate(coalitions):
                out[x, j] += p * sum(game.shares[(x, i, *a)] for i in members)
    assert n == sum(len(c) for c in coalitions)
    return out


@settings(max_examples=25)
@given(seeds(), st.integers(2, 4), st.integers(1, 3))
def test_shares_match_brute_force(seed: int, n: int, n_states: int) -> None:
    rng = np.random.default_rng(seed)
    k = 2
    shares = random_simplex(rng, (n_states, *(k,) * n, n), sparse=False)
    game = UnitSumGame(np.moveaxis(shares, -1, 1), random_simplex(rng, (n_states,), sparse=False))
    cut = int(rng.integers(1, n))
    coalitions = [list(range(cut)), list(range(cut, n))]
    joints = [random_simplex(rng, (k ** len(c),)).reshape((k,) * len(c)) for c in coalitions]
    got = evaluate_shares(game, coalitions, joints)
    want = brute_shares(game, coalitions, joints)
    for j in range(2):
        for x in range(n_states):
            assert np.isclose(got[f"share/c{j}/x{x}"], want[x, j], atol=1e-12)
        assert np.isclose(got[f"share/c{j}/mean"], game.prior @ want[:, j], atol=1e-12)
        assert np.isclose(got[f"share/c{j}/min_x"], want[:, j].min(), atol=1e-12)


def test_empirical_share_interval_covers_exact_value() -> None:
    rng = np.random.default_rng(3)
    game = random_symmetric_unit_sum_game(4, 3, 2, rng)
    coalitions = [[0], [1, 2, 3]]
    joints = [random_simplex(rng, (3,)), random_simplex(rng, (27,)).reshape(3, 3, 3)]
    misses = 0
    for rep in range(40):
        m = evaluate_shares(game, coalitions, joints, rng=np.random.default_rng(rep), samples=400)
        for j in range(2):
            lo, hi = m[f"share/c{j}/ci_low"], m[f"share/c{j}/ci_high"]
            assert lo <= m[f"share/c{j}/empirical"] <= hi
            misses += not lo <= m[f"share/c{j}/mean"] <= hi
    assert misses <= 12  # 80 intervals at 95%: about 4 misses expected


@settings(max_examples=20)
@given(seeds(), st.integers(3, 6), st.integers(2, 3))
def test_theorem2_bound_reported_and_met_by_copying(seed: int, n: int, k: int) -> None:
    rng = np.random.default_rng(seed)
    game = random_symmetric_unit_sum_game(n, k, 2, rng)
    small = int(rng.integers(1, n // 2 + 1))
    coalitions = [list(range(small)), list(range(small, n))]
    pi2 = random_simplex(rng, (k**small,)).reshape((k,) * small)
    copy = coalition_copying_policy(pi2, n - small)
    m = evaluate_shares(game, coalitions, [pi2, copy], theorem_policies={1: "thm2"})
    kk = (n - small) // small + 1
    assert m["share/c1/thm2_bound"] == (kk - 1) / kk
    assert m["share/c0/thm2_cap"] == 1 / kk
    assert m["share/c1/min_x"] >= m["share/c1/thm2_bound"] - 1e-9
    none = evaluate_shares(game, coalitions, [pi2, copy], theorem_policies={})
    assert not any("thm" in key for key in none)


@settings(max_examples=20)
@given(seeds())
def test_power_gap_equals_nash_conv_in_constant_sum_games(seed: int) -> None:
    rng = np.random.default_rng(seed)
    game = random_bayesian_game((2, 3), (2, 3), rng, kind="constant_sum", constant=1.5)
    profile = [random_simplex(rng, (t, k)) for t, k in zip(game.n_types, game.n_actions)]
    m = evaluate_power(game, profile)
    assert np.isclose(m["power/c"], 1.5)
    assert m["power/sum_minus_c"] >= -1e-9
    assert np.isclose(m["power/sum_minus_c"], m["power/nash_conv"], atol=1e-9)
    marg = np.asarray(game.prior).sum(axis=1)
    per_type = sum(marg[t] * m[f"power/p0/t{t}"] for t in range(2))
    assert np.isclose(per_type, m["power/p0"], atol=1e-12)


@settings(max_examples=20)
@given(seeds(), st.booleans())
def test_power_of_several_profiles_in_one_batch_equals_the_per_call_functions(seed, types) -> None:
    """The evaluator's batched POWER / achieved / NashConv of the current and average profiles
    equal the per-call functions of each profile."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 4))
    sizes = tuple(int(x) for x in rng.integers(1, 4, size=n))
    game = random_bayesian_game(sizes if types else (1,) * n, sizes[::-1], rng)
    if not types:
        game = game.as_normal_form()
    shapes = [(t, k) if types else (k,) for t, k in zip(game.type_sizes, game.action_sizes)]
    profiles = [[random_simplex(rng, s) for s in shapes] for _ in range(2)]
    m = evaluate_power_profiles(game, profiles, ["power", "power_avg"])
    for prefix, prof in zip(["power", "power_avg"], profiles):
        pw, ach = power(game, prof), achieved_value(game, prof)
        for i in range(n):
            assert abs(m[f"{prefix}/p{i}"] - pw[i]) <= 1e-12
            assert abs(m[f"{prefix}/achieved/p{i}"] - ach[i]) <= 1e-12
        assert abs(m[f"{prefix}/nash_conv"] - nash_conv(game, prof)) <= 1e-11
    one_by_one = evaluate_power(game, profiles[0])
    one_by_one.update(evaluate_power(game, profiles[1], "power_avg"))
    assert list(m) == list(one_by_one)
    np.testing.assert_allclose(list(m.values()), list(one_by_one.values()), rtol=0, atol=1e-11)


@settings(max_examples=20)
@given(seeds(), st.sampled_from([(2, 2), (2, 3), (3, 2)]))
def test_power_evaluator_reports_the_worst_and_best_case_around_power(seed: int, ks) -> None:
    """The seed's three POWER cases (MATH.md §2) in the power evaluator: the best case is
    ``E_t[max_a r_i]`` (loops), the worst case lies between the pure maxmin and the pure minmax
    of each type's matrix (loops), and POWER at any profile lies between the two cases."""
    rng = np.random.default_rng(seed)
    types = (2,) * len(ks)
    game = random_bayesian_game(types, ks, rng)
    profile = [random_simplex(rng, (t, k)) for t, k in zip(types, ks)]
    ctx = EvalContext(
        game, [[i] for i in range(len(ks))], None, profile, [random_simplex(rng, (t, k))
                                                             for t, k in zip(types, ks)]
    )  # fmt: skip
    m = PowerEvaluator().evaluate(ctx)
    assert {k: m[k] for k in m if "_case/" in k} == power_case_metrics(game)
    for i in range(len(ks)):
        r = np.moveaxis(np.asarray(game.rewards[i]), i + 1, 1)  # (T_i, k_i, others...)
        r = r.reshape(types[i], ks[i], -1)
        w = game.type_marginals[i]
        best = sum(w[t] * r[t].max() for t in range(types[i]))
        pure_maxmin = sum(w[t] * r[t].min(axis=1).max() for t in range(types[i]))
        pure_minmax = sum(w[t] * r[t].max(axis=0).min() for t in range(types[i]))
        lo, hi = m[f"power/worst_case/p{i}"], m[f"power/best_case/p{i}"]
        assert np.isclose(hi, best, atol=1e-12)
        assert pure_maxmin - 1e-9 <= lo <= pure_minmax + 1e-9
        for pref in ("power", "power_avg"):
            assert lo - 1e-9 <= m[f"{pref}/p{i}"] <= hi + 1e-9


class _Fixed(Evaluator):
    name = "fixed"

    def evaluate(self, ctx: EvalContext) -> dict[str, float]:
        return {"x": 1.0}


class _Log:
    def __init__(self) -> None:
        self.rows: list[tuple[int, dict[str, float]]] = []
        self._pending: dict[str, float] = {}

    def record(self, key: str, value: float) -> None:
        self._pending[key] = value

    def dump(self, step: int) -> None:
        self.rows.append((step, self._pending))
        self._pending = {}


class _Model:
    def __init__(self) -> None:
        self.num_timesteps = 0

    def get_env(self) -> None:
        return None


def test_callback_fires_at_multiples_of_eval_every() -> None:
    log, model = _Log(), _Model()
    seen: list[int] = []
    cb = EvalCallback([_Fixed()], lambda step: None, 4, log, after_eval=lambda s, m: seen.append(s))
    cb.init_callback(model)
    cb.on_training_start({}, {})
    for _ in range(10):
        model.num_timesteps += 1
        cb.on_step()
    assert [s for s, _ in log.rows] == [0, 4, 8] == seen
    assert log.rows[0][1] == {"eval/x": 1.0}
    assert cb.logger is log


@settings(max_examples=10)
@given(seeds())
def test_power_evaluator_brackets_stochastic_power_by_its_cases(seed: int) -> None:
    """In a stochastic game (MATH.md §5) the evaluator's worst and best case, from ``μ_0``,
    bracket POWER at random Markov profiles; the best case is at least the achieved value of any
    profile, the worst case at most POWER (the others' actual play is one of their choices)."""
    from powergames.games.stochastic import random_stochastic_game

    rng = np.random.default_rng(seed)
    game = random_stochastic_game(2, (2, 1), (2, 3), rng, discount=0.6)
    # player 0's two types play alike, so its play reveals nothing and player 1's belief stays the
    # prior (type-revealing play makes the exact belief recursion large: stochastic_best_response)
    same = random_simplex(rng, (1, 2, 2))
    profile = [np.concatenate([same, same]), random_simplex(rng, (1, 2, 3))]
    ctx = EvalContext(game, [[0], [1]], None, profile, profile)
    m = PowerEvaluator().evaluate(ctx)
    for i in range(2):
        lo, hi = m[f"power/worst_case/p{i}"], m[f"power/best_case/p{i}"]
        assert lo - 1e-7 <= m[f"power/p{i}"] <= hi + 1e-7
        assert m[f"power/achieved/p{i}"] <= hi + 1e-7
