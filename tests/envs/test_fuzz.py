"""Fuzzed bad keyword arguments, seeds and actions for every registered environment (issue 15): a
clean ValueError/TypeError naming the argument, or a working environment (it resets and steps) —
never another exception, a NumPy traceback or a silent conversion."""

from __future__ import annotations

import inspect
import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from powergames.envs import make
from powergames.envs.registration import ENV_KWARGS, registry

BAD = st.one_of(
    st.sampled_from([math.nan, math.inf, -math.inf, True, False, 1 + 2j, b"3", [], {}, (0,)]),
    st.integers(-(10**12), -1),
    st.floats(allow_nan=True, allow_infinity=True).filter(lambda x: not float(x).is_integer()),
    st.text(min_size=1, max_size=5).map(lambda t: "x" + t),
    st.builds(object),
    st.just(np.datetime64("2020-01-01")),
    st.just(np.array([0.5, 0.5j])),
)


def _arguments(env_id: str) -> list[str]:
    spec = registry[env_id]
    factory = spec.game_factory or spec.env_factory
    names = list(inspect.signature(factory).parameters)
    if spec.game_factory is not None:
        names += [k for k in ENV_KWARGS if k != "render_mode"]
    return names


CASES = [(env_id, arg) for env_id in sorted(registry) for arg in _arguments(env_id)]


def _works(env) -> None:  # type: ignore[no-untyped-def]
    obs, _ = env.reset(seed=0)
    assert set(obs) == set(env.agents)
    actions = {a: env.action_space(a).sample() for a in env.agents}
    env.step(actions)


@pytest.mark.parametrize(("env_id", "argument"), CASES, ids=[f"{e}-{a}" for e, a in CASES])
@given(value=BAD)
def test_bad_keyword_arguments_give_clean_errors(env_id: str, argument: str, value: object) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a ComplexWarning would be a silent coercion
        try:
            env = make(env_id, **{argument: value})
        except FileNotFoundError as exc:  # a game name that looks like a path: documented
            assert argument == "game" and "no game file at" in str(exc), str(exc)
            return
        except (ValueError, TypeError) as exc:
            assert type(exc) in (ValueError, TypeError)
            # a game's own arguments (inside game_kwargs) are named by that game's message
            named = "game" if argument == "game_kwargs" else argument
            assert named in str(exc), f"{env_id}({argument}={value!r}): {exc}"
            return
        _works(env)


IDS = sorted(registry)


@pytest.mark.parametrize("env_id", IDS)
@given(seed=BAD)
def test_bad_seeds_give_clean_errors(env_id: str, seed: object) -> None:
    env = make(env_id)
    with pytest.raises((ValueError, TypeError), match="seed"):
        env.reset(seed=seed)


@pytest.mark.parametrize("env_id", IDS)
@given(action=BAD | st.integers(10**3, 10**12))
def test_bad_actions_give_clean_errors(env_id: str, action: object) -> None:
    env = make(env_id)
    env.reset(seed=0)
    agent = env.agents[0]
    actions = {a: env.action_space(a).sample() for a in env.agents}
    actions[agent] = action
    with pytest.raises((ValueError, TypeError)) as info:
        env.step(actions)
    assert agent in str(info.value) or "action" in str(info.value), str(info.value)
