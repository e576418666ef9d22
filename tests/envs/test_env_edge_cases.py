"""Issue-15 edge cases of the environments: seeds, an explicit prior, sizes refused before building."""

import numpy as np
import pytest

from powergames.envs import make
from powergames.envs.seeding import check_seed


def test_numpy_integer_seeds_are_seeds() -> None:
    env = make("powergames/majority-v0")
    a, _ = env.reset(seed=np.int64(3))
    b, _ = env.reset(seed=3)
    for agent in a:
        np.testing.assert_array_equal(a[agent], b[agent])


@pytest.mark.parametrize(
    ("seed", "error", "match"),
    [(-1, ValueError, "non-negative"), (1.5, TypeError, "float"), (True, TypeError, "bool"),
     ("3", TypeError, "str")],
)  # fmt: skip
def test_bad_seeds_are_value_or_type_errors(seed, error, match) -> None:
    with pytest.raises(error, match=match):
        make("powergames/majority-v0").reset(seed=seed)
    with pytest.raises(error, match=match):
        check_seed(seed)


def test_an_explicit_prior_is_used() -> None:
    env = make("powergames/unit-sum-v0", prior=[0.9, 0.1, 0.0])
    np.testing.assert_array_equal(env.unwrapped.adapter.context_prior, [0.9, 0.1, 0.0])
    with pytest.raises(ValueError, match="n_states=2"):
        make("powergames/unit-sum-v0", prior=[0.9, 0.1, 0.0], n_states=2)


def test_huge_environments_are_refused_with_a_size() -> None:
    with pytest.raises(ValueError, match=r"agents with observations of about .* floats"):
        make("powergames/symmetric-unit-sum-v0", n_players=200_000, n_states=1)
    with pytest.raises(ValueError, match=r"shares \(n_states \* n \* k\*\*n\)"):
        make("powergames/unit-sum-v0", n_players=40)


BAD_PAYOFFS = {
    "complex": [[[1 + 1j, 0], [0, 1]], [[1, 0], [0, 1]]],
    "datetime64": np.zeros((2, 2, 2), dtype="datetime64[D]"),
    "numeric strings": [[["1", "0"], ["0", "1"]], [["1", "0"], ["0", "1"]]],
    "bools": [[[True, False], [False, True]], [[True, False], [False, True]]],
}


@pytest.mark.parametrize("kind", sorted(BAD_PAYOFFS))
def test_env_payoffs_are_real_numbers_never_coerced(kind) -> None:
    """Issue 15 item 5: ``payoffs=`` lost imaginary parts, took datetimes, strings and bools."""
    bad = BAD_PAYOFFS[kind]
    with pytest.raises(TypeError, match="payoffs must hold real numbers"):
        make("powergames/normal-form-v0", payoffs=bad)
    with pytest.raises(TypeError, match="shares must hold real numbers"):
        make("powergames/unit-sum-v0", shares=np.asarray(bad)[None])
    with pytest.raises(TypeError, match=r"rewards\[0\] must hold real numbers"):
        make("powergames/bayesian-v0", prior=[[1.0]], rewards=[bad, bad])


def test_unknown_env_arguments_are_value_errors_naming_them() -> None:
    with pytest.raises(ValueError, match="bad arguments for powergames/normal-form-v0.*'colour'"):
        make("powergames/normal-form-v0", colour=3)


def test_a_million_player_symmetric_env_is_refused_with_its_size() -> None:
    """Issue 15 item 9: ``n_players=10**6`` built for minutes instead of failing fast."""
    with pytest.raises(ValueError, match=r"1,000,000 agents with observations of about"):
        make("powergames/symmetric-unit-sum-v0", n_players=10**6)
