"""Bad inputs to every public function of games/ and theory/: a clean ValueError or TypeError
that names the argument (issue 15), never a NumPy traceback, a NaN or a silent conversion.

Each case is a function, the argument it corrupts, and the kind of that argument; hypothesis draws
the bad value from the kind's list (many per case), so every case sees booleans, complex numbers,
datetimes, numeric strings, NaN, infinities, wrong shapes and foreign objects.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from powergames.games import (
    BayesianGame,
    CountDistribution,
    NormalFormGame,
    SymmetricUnitSumGame,
    UnitSumGame,
    bayesian_coordination,
    bayesian_matching_pennies,
    composition_index,
    compositions,
    majority_game,
    matching_pennies,
    multinomial_pmf,
    random_bayesian_game,
    random_symmetric_unit_sum_game,
)
from powergames.theory import (
    ExchangeablePolicy,
    IndependentPolicy,
    JointPolicy,
    SharedActionPolicy,
    achieved_value,
    alignment_report,
    alpha,
    best_response,
    check_coalitions,
    coalition_copying_policy,
    coalition_values,
    contiguous_coalitions,
    coordination_gap,
    induced_normal_form,
    interim_utility,
    is_bayes_nash,
    max_guarantee_k,
    maxmin_profile,
    monte_carlo_coalition_values,
    nash_bargaining,
    nash_conv,
    power,
    power_of_distribution,
    power_report,
    solve_nash,
    solve_zero_sum,
    surplus,
    theorem1_policy,
    utility_covariance,
    welfare,
)

NAN, INF = math.nan, math.inf
DATES = np.array(["2020-01-01", "2020-01-02"], dtype="datetime64[D]")

#: Bad values by the kind of argument they corrupt.
BAD = {
    "array": [
        None,
        "abc",
        ["0.5", "0.5"],
        [True, False],
        np.array([True, False]),
        [0.5 + 1j, 0.5],
        np.array([1 + 2j]),
        DATES,
        [NAN, 1.0],
        [INF, 0.0],
        [[1.0, 2.0], [3.0]],
        object(),
        {"a": 1},
        np.array([object()]),
    ],
    "int": [None, "3", 1.5, NAN, INF, True, np.array([5]), [3], -1, 2.0, 1 + 0j, object()],
    "real": [None, "0.5", NAN, INF, -INF, True, 1j, [0.5], object()],
    "tol": [None, "0", NAN, INF, -1.0, True, 1j, [1e-9], object()],
    "choice": [None, 3, "nope", ["maxmin"], b"exact", object()],
    "coalitions": [
        None,
        "01",
        [[0, 1]],
        [[0, 1], [1, 2]],
        [[1, 0], [2]],
        [[0, 1.0], [2]],
        [[0, True], [2]],
        [[0, 1, 2], []],
        [[0, 3], [1, 2]],
        3,
        np.array([[0, 1, 2]]),
    ],
    "rng": [None, "seed", 1.5, True, object(), [1], -1],
    "game": [None, "matching_pennies", 3, object(), {"payoffs": 1}, np.array([1.0, 2.0])],
}
BAD["tol"] = [v for v in BAD["tol"] if v is not None]  # None is the documented default


# Generated bad values beside the listed ones, so every case draws many distinct inputs (the CI
# profile's max_examples each): every one is wrong for every argument of its kind.
_text = st.text(min_size=1, max_size=6).map(lambda t: "x" + t)  # never a valid choice name
_not_real = st.one_of(
    _text,
    st.binary(min_size=1, max_size=4),
    st.booleans(),
    st.complex_numbers(allow_nan=False, allow_infinity=False).filter(lambda z: z.imag != 0),
    st.builds(object),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
_non_finite = st.sampled_from([NAN, INF, -INF])
_bad_dtype_arrays = hnp.arrays(
    st.sampled_from([np.complex128, np.bool_, "datetime64[D]", "timedelta64[s]", "<U3", "S2"]),
    hnp.array_shapes(min_dims=1, max_dims=3, max_side=3),
)


@st.composite
def _with_a_non_finite(draw) -> np.ndarray:
    """A float array of a drawn shape with NaN or an infinity at a drawn position."""
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=3))
    arr = np.full(shape, 0.5)
    arr[tuple(draw(st.integers(0, n - 1)) for n in shape)] = draw(_non_finite)
    return arr


@st.composite
def _ragged(draw) -> list:
    n = draw(st.integers(1, 3))
    return [[0.5] * n, [0.5] * (n + draw(st.integers(1, 3)))]


@st.composite
def _bad_coalitions(draw) -> list:
    """Three players' coalitions made wrong one way: a player twice, one out of range, a float or
    bool member, or an empty coalition."""
    parts = [[0, 1], [2]]
    how = draw(st.sampled_from(["twice", "range", "float", "bool", "empty"]))
    if how == "twice":
        parts[1].append(draw(st.sampled_from([0, 1])))
    elif how == "range":
        parts[1][0] = draw(st.one_of(st.integers(3, 100), st.integers(-100, -1)))
    elif how == "float":
        parts[0][1] = draw(st.floats(0.1, 2.9).filter(lambda x: not x.is_integer()))
    elif how == "bool":
        parts[0][1] = True
    else:
        parts.append([])
    return parts


GENERATED = {
    "array": st.one_of(_bad_dtype_arrays, _with_a_non_finite(), _ragged(), _not_real),
    "int": st.one_of(
        st.integers(max_value=-2),
        st.floats(allow_nan=True).filter(lambda x: not (math.isfinite(x) and x.is_integer())),
        _not_real,
        st.lists(st.integers(1, 3), min_size=1, max_size=3),
    ),
    "real": st.one_of(_non_finite, _not_real, st.lists(st.floats(0, 1), min_size=1, max_size=3)),
    "tol": st.one_of(st.floats(max_value=-1e-300), _non_finite, _not_real),
    "choice": st.one_of(_text, st.integers(), st.binary(min_size=1, max_size=4), st.builds(object)),
    "coalitions": _bad_coalitions(),
    "rng": st.one_of(
        st.integers(max_value=-1),
        st.floats(allow_nan=True),
        _text,
        st.booleans(),
        st.builds(object),
    ),
    "game": st.one_of(_text, st.integers(), st.floats(), st.builds(object), _bad_dtype_arrays),
}


def _game():
    return matching_pennies()


def _symmetric():
    return majority_game(3, 2)


def _bgame():
    return random_bayesian_game((2, 2), (2, 2), 0, "constant_sum")


UNIFORM = [[0.5, 0.5], [0.5, 0.5]]

#: (name, argument, kind, call): ``call(value)`` runs the function with ``value`` in place.
CASES = [
    ("NormalFormGame", "payoffs", "array", lambda v: NormalFormGame(v)),
    ("UnitSumGame", "shares", "array", lambda v: UnitSumGame(v)),
    ("UnitSumGame", "prior", "array", lambda v: UnitSumGame(np.full((1, 2, 2, 2), 0.5), prior=v)),
    (
        "SymmetricUnitSumGame",
        "n_players",
        "int",
        lambda v: SymmetricUnitSumGame(v, _symmetric().table),
    ),
    ("SymmetricUnitSumGame", "table", "array", lambda v: SymmetricUnitSumGame(3, v)),
    ("BayesianGame", "prior", "array", lambda v: BayesianGame(v, _bgame().rewards)),
    ("BayesianGame", "rewards", "array", lambda v: BayesianGame(_bgame().prior, (v, v))),
    ("majority_game", "n_players", "int", lambda v: majority_game(v, 2)),
    ("majority_game", "n_actions", "int", lambda v: majority_game(3, v)),
    (
        "random_symmetric_unit_sum_game",
        "spread",
        "real",
        lambda v: random_symmetric_unit_sum_game(3, 2, 1, 0, spread=v),
    ),
    (
        "random_symmetric_unit_sum_game",
        "rng",
        "rng",
        lambda v: random_symmetric_unit_sum_game(3, 2, 1, v),
    ),
    ("bayesian_matching_pennies", "p_flip", "real", lambda v: bayesian_matching_pennies(v)),
    ("bayesian_coordination", "rho", "real", lambda v: bayesian_coordination(rho=v)),
    ("bayesian_coordination", "bonus", "real", lambda v: bayesian_coordination(bonus=v)),
    ("compositions", "total", "int", lambda v: compositions(v, 2)),
    ("compositions", "n_parts", "int", lambda v: compositions(3, v)),
    ("composition_index", "counts", "array", lambda v: composition_index(v)),
    ("multinomial_pmf", "strategy", "array", lambda v: multinomial_pmf(3, v)),
    ("multinomial_pmf", "total", "int", lambda v: multinomial_pmf(v, np.array([0.5, 0.5]))),
    ("CountDistribution", "probs", "array", lambda v: CountDistribution(2, 2, v)),
    ("CountDistribution", "n_members", "int", lambda v: CountDistribution(v, 2, [1.0])),
    ("power", "profile", "array", lambda v: power(_game(), [v, [0.5, 0.5]])),
    ("power", "game", "game", lambda v: power(v, UNIFORM)),
    ("achieved_value", "profile", "array", lambda v: achieved_value(_game(), [[0.5, 0.5], v])),
    ("nash_conv", "profile", "array", lambda v: nash_conv(_game(), [v, [0.5, 0.5]])),
    ("nash_conv", "game", "game", lambda v: nash_conv(v, UNIFORM)),
    ("interim_utility", "player", "int", lambda v: interim_utility(_game(), v, UNIFORM)),
    ("best_response", "player", "int", lambda v: best_response(_game(), v, UNIFORM)),
    ("is_bayes_nash", "tol", "tol", lambda v: is_bayes_nash(_game(), UNIFORM, tol=v)),
    ("power_report", "tol", "tol", lambda v: power_report(_game(), UNIFORM, tol=v)),
    ("power_of_distribution", "rewards", "array", lambda v: power_of_distribution(v)),
    (
        "power_of_distribution",
        "weights",
        "array",
        lambda v: power_of_distribution([[1.0, 2.0], [3.0, 4.0]], v),
    ),
    ("solve_zero_sum", "game", "game", lambda v: solve_zero_sum(v)),
    ("solve_nash", "method", "choice", lambda v: solve_nash(_game(), method=v)),
    ("solve_nash", "init_pivot", "int", lambda v: solve_nash(_game(), init_pivot=v)),
    ("solve_nash", "max_entries", "int", lambda v: solve_nash(_bgame(), max_entries=v)),
    (
        "induced_normal_form",
        "max_entries",
        "int",
        lambda v: induced_normal_form(_bgame(), max_entries=v),
    ),
    ("induced_normal_form", "game", "game", lambda v: induced_normal_form(v)),
    (
        "coalition_values",
        "coalitions",
        "coalitions",
        lambda v: coalition_values(_symmetric(), v, [theorem1_policy(2, 2), [0.5, 0.5]]),
    ),
    (
        "coalition_values",
        "policies",
        "array",
        lambda v: coalition_values(_symmetric(), [[0, 1], [2]], [theorem1_policy(2, 2), v]),
    ),
    (
        "coalition_values",
        "game",
        "game",
        lambda v: coalition_values(v, [[0, 1]], [np.full((2, 2), 0.25)]),
    ),
    (
        "monte_carlo_coalition_values",
        "n_samples",
        "int",
        lambda v: monte_carlo_coalition_values(
            _symmetric(), [[0, 1, 2]], [theorem1_policy(3, 2)], v, 0
        ),
    ),
    (
        "monte_carlo_coalition_values",
        "confidence",
        "real",
        lambda v: monte_carlo_coalition_values(
            _symmetric(), [[0, 1, 2]], [theorem1_policy(3, 2)], 10, 0, confidence=v
        ),
    ),
    (
        "monte_carlo_coalition_values",
        "batch_size",
        "int",
        lambda v: monte_carlo_coalition_values(
            _symmetric(), [[0, 1, 2]], [theorem1_policy(3, 2)], 10, 0, batch_size=v
        ),
    ),
    (
        "monte_carlo_coalition_values",
        "rng",
        "rng",
        lambda v: monte_carlo_coalition_values(
            _symmetric(), [[0, 1, 2]], [theorem1_policy(3, 2)], 10, v
        ),
    ),
    ("check_coalitions", "coalitions", "coalitions", lambda v: check_coalitions(v, 3)),
    ("check_coalitions", "n_players", "int", lambda v: check_coalitions([[0]], v)),
    ("contiguous_coalitions", "sizes", "int", lambda v: contiguous_coalitions([2, v])),
    ("SharedActionPolicy", "n_members", "int", lambda v: SharedActionPolicy(v, 2)),
    ("SharedActionPolicy", "p", "array", lambda v: SharedActionPolicy(2, 2, v)),
    ("IndependentPolicy", "strategy", "array", lambda v: IndependentPolicy(2, v)),
    ("ExchangeablePolicy", "counts", "array", lambda v: ExchangeablePolicy(v, 2, 2)),
    ("JointPolicy", "probs", "array", lambda v: JointPolicy(v)),
    (
        "JointPolicy.sample",
        "n_samples",
        "int",
        lambda v: JointPolicy(np.full((2, 2), 0.25)).sample(v, 0),
    ),
    (
        "IndependentPolicy.sample",
        "rng",
        "rng",
        lambda v: IndependentPolicy(2, [0.5, 0.5]).sample(3, v),
    ),
    ("theorem1_policy", "n_members", "int", lambda v: theorem1_policy(v, 2)),
    ("max_guarantee_k", "coalition_size", "int", lambda v: max_guarantee_k(v, 10)),
    ("max_guarantee_k", "n_players", "int", lambda v: max_guarantee_k(3, v)),
    (
        "coalition_copying_policy",
        "leftover",
        "array",
        lambda v: coalition_copying_policy(IndependentPolicy(2, [0.5, 0.5]), 4, k=3, leftover=v),
    ),
    (
        "coalition_copying_policy",
        "k",
        "int",
        lambda v: coalition_copying_policy(IndependentPolicy(2, [0.5, 0.5]), 5, k=v),
    ),
    (
        "coalition_copying_policy",
        "coalition_size",
        "int",
        lambda v: coalition_copying_policy(IndependentPolicy(2, [0.5, 0.5]), v, k=2),
    ),
    ("welfare", "profile", "array", lambda v: welfare(_game(), [v, [0.5, 0.5]])),
    ("welfare", "game", "game", lambda v: welfare(v, UNIFORM)),
    ("coordination_gap", "profile", "array", lambda v: coordination_gap(_game(), [[0.5, 0.5], v])),
    (
        "utility_covariance",
        "profile",
        "array",
        lambda v: utility_covariance(_game(), [v, [0.5, 0.5]]),
    ),
    ("alpha", "game", "game", lambda v: alpha(v)),
    ("maxmin_profile", "game", "game", lambda v: maxmin_profile(v)),
    ("surplus", "threat", "choice", lambda v: surplus(_game(), UNIFORM, threat=v)),
    ("nash_bargaining", "threat", "choice", lambda v: nash_bargaining(_game(), threat=v)),
    ("nash_bargaining", "method", "choice", lambda v: nash_bargaining(_game(), method=v)),
    ("alignment_report", "localizers", "choice", lambda v: alignment_report(_game(), localizers=v)),
]


#: Arguments whose default is ``None`` (so ``None`` is valid for them).
OPTIONAL = {"prior", "p", "leftover", "k", "localizers", "weights"}


def _valid_for(kind: str, argument: str, value: object) -> bool:
    """Bad values that are in fact valid for this argument (skipped, not asserted)."""
    if value is None and argument in OPTIONAL:
        return True
    if argument == "localizers" and value == ["maxmin"]:
        return True
    if kind == "int" and isinstance(value, int) and not isinstance(value, bool) and value == -1:
        return argument in ("init_pivot",)
    return False


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
@given(data=st.data())
def test_bad_input_is_a_clean_error_naming_the_argument(case, data):
    name, argument, kind, call = case
    value = data.draw(st.sampled_from(BAD[kind]) | GENERATED[kind], label=f"{argument} ({kind})")
    if _valid_for(kind, argument, value):
        return
    with pytest.raises((ValueError, TypeError)) as info:
        call(value)
    message = str(info.value)
    assert argument in message or argument.split(".")[-1] in message, (
        f"{name}({argument}={value!r}): {type(info.value).__name__}: {message}"
    )
    assert type(info.value) in (ValueError, TypeError), type(info.value)


# ---------------------------------------------------------------------- immutability (item 11)
def test_policies_and_games_are_immutable_after_validation():
    policy = IndependentPolicy(2, [0.5, 0.5])
    with pytest.raises(AttributeError, match="cannot be changed after construction"):
        policy.strategy = np.array([2.0, -1.0])
    with pytest.raises(ValueError):
        policy.strategy[0] = 2.0  # read-only
    game = majority_game(3, 2)
    with pytest.raises(ValueError):
        game.table.setflags(write=True)  # a read-only view of a read-only buffer
    with pytest.raises(ValueError):
        game.full_table.setflags(write=True)
    bgame = bayesian_matching_pennies()
    assert isinstance(bgame.type_marginals, tuple)
    with pytest.raises(ValueError):
        bgame.type_marginals[0][0] = 1.0


# ---------------------------------------------------------------------- items 10 and 13
def test_the_issue_examples_of_unchecked_arguments_and_messages():
    with pytest.raises(ValueError, match="tol must be finite"):
        power_report(_game(), UNIFORM, tol=NAN)
    with pytest.raises(ValueError, match="tol must be >= 0"):
        power_report(_game(), UNIFORM, tol=-1)
    assert induced_normal_form(_game())[0].shape == (2, 2, 2)  # any game, no AttributeError
    with pytest.raises(TypeError, match="max_entries must be an integer"):
        induced_normal_form(_bgame(), max_entries=1.5)
    with pytest.raises(ValueError, match="leftover must be finite"):
        coalition_copying_policy(IndependentPolicy(2, [0.5, 0.5]), 4, k=3, leftover=[NAN, 1])
    with pytest.raises(TypeError, match="localizers must be a sequence"):
        alignment_report(_game(), localizers="nash")
    with pytest.raises(TypeError, match="n_samples must be an integer"):
        JointPolicy(np.full((2, 2), 0.25)).sample(np.array([5]), 0)
    with pytest.raises(TypeError, match="p_flip must be a real number"):
        bayesian_matching_pennies("abc")
    with pytest.raises(ValueError, match="counts must sum to 1"):
        ExchangeablePolicy([0.5, 0.6, 0.0], 2, 2)


def test_max_entries_refuses_floats_and_nan():
    """Issue 15 item 10: ``max_entries`` accepted floats and NaN."""
    for value in (1.5, 1e9, NAN):
        with pytest.raises(TypeError, match="max_entries must be an integer"):
            induced_normal_form(_bgame(), max_entries=value)
        with pytest.raises(TypeError, match="max_entries must be an integer"):
            solve_nash(_bgame(), max_entries=value)


def test_a_policy_cannot_be_changed_into_nan_coalition_values():
    """Issue 15 item 11: reassigning ``IndependentPolicy.strategy = [2, -1]`` made
    ``coalition_values`` return NaN."""
    policy = IndependentPolicy(2, [0.5, 0.5])
    with pytest.raises(AttributeError):
        policy.strategy = [2.0, -1.0]
    values = coalition_values(_symmetric(), [[0, 1], [2]], [policy, [0.5, 0.5]])
    assert np.all(np.isfinite(values))


@pytest.mark.parametrize(
    "call",
    [
        lambda: random_bayesian_game((2, 2), (2, 2), -1, "constant_sum"),
        lambda: random_symmetric_unit_sum_game(3, 2, 1, -1),
        lambda: IndependentPolicy(2, [0.5, 0.5]).sample(3, -1),
        lambda: monte_carlo_coalition_values(
            _symmetric(), [[0, 1, 2]], [theorem1_policy(3, 2)], 10, -5
        ),
    ],
    ids=["random_bayesian_game", "random_symmetric_unit_sum_game", "sample", "monte_carlo"],
)
def test_a_negative_seed_names_rng(call):
    """Issue 15 item 13: negative seeds leaked numpy's "expected non-negative integer"."""
    with pytest.raises(ValueError, match="rng must be .* non-negative int seed, got -"):
        call()


def test_sample_refuses_shapes_with_its_own_message():
    """Issue 15 item 13: ``sample()`` leaked numpy's shape errors."""
    for policy in (
        JointPolicy(np.full((2, 2), 0.25)),
        IndependentPolicy(2, [0.5, 0.5]),
        ExchangeablePolicy([0.5, 0.5, 0.0], 2, 2),
        SharedActionPolicy(2, 2),
    ):
        for n in ((2, 3), [2], np.array([5]), -1, 2.0):
            with pytest.raises((TypeError, ValueError), match="n_samples"):
                policy.sample(n, 0)
