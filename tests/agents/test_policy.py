import numpy as np
import pytest

from powergames.agents.fixed import MajorityPolicy, MixedPolicy, PurePolicy, UniformPolicy
from powergames.agents.policy import (
    CallablePolicy,
    Policy,
    as_policy,
    flat_action,
    sample_action,
    type_of,
)

LAYOUT = {"type": slice(0, 3), "round": slice(3, 4)}


def test_fixed_policies_satisfy_the_protocol():
    for p in (UniformPolicy(3), PurePolicy(1, 3), MixedPolicy([0.2, 0.8]), MajorityPolicy(3, 2)):
        assert isinstance(p, Policy)
        p.update(None, 0, 1.0, None, {})  # no-op


def test_callable_adapter_with_and_without_rng():
    obs = np.zeros(4, dtype=np.float32)
    p = as_policy(lambda o: 2)
    assert isinstance(p, CallablePolicy) and p.act(obs, np.random.default_rng(0)) == 2
    assert p.strategy(obs) is None
    q = as_policy(lambda o, rng: int(rng.integers(5)))
    a1 = q.act(obs, np.random.default_rng(7))
    a2 = q.act(obs, np.random.default_rng(7))
    assert a1 == a2
    seen = []
    r = CallablePolicy(
        lambda o: 0, strategy_fn=lambda o: [1, 0], update_fn=lambda *a: seen.append(a)
    )
    np.testing.assert_array_equal(r.strategy(obs), [1.0, 0.0])
    r.update(obs, 0, 1.0, obs, {})
    assert len(seen) == 1
    assert as_policy(r) is r
    with pytest.raises(TypeError, match="Policy protocol"):
        as_policy(3)
    with pytest.raises(TypeError, match="callable"):
        CallablePolicy(lambda o: 0, strategy_fn=5)


def test_type_of_reads_the_one_hot_block():
    obs = np.array([0, 0, 1, 7], dtype=np.float32)
    assert type_of(obs, LAYOUT) == 2
    assert type_of(obs, None) == 0
    assert type_of(obs, {"round": slice(3, 4)}) == 0
    with pytest.raises(ValueError, match="one-hot"):
        type_of(np.array([0, 1, 1, 0]), LAYOUT)


def test_sample_action_matches_the_distribution():
    rng = np.random.default_rng(0)
    p = np.array([0.1, 0.6, 0.3])
    draws = np.array([sample_action(p, rng) for _ in range(4000)])
    freq = np.bincount(draws, minlength=3) / len(draws)
    # 4 standard errors of a binomial frequency
    assert np.all(np.abs(freq - p) <= 4 * np.sqrt(p * (1 - p) / len(draws)))
    joint = np.zeros((2, 3))
    joint[1, 2] = 1.0
    np.testing.assert_array_equal(sample_action(joint, rng), [1, 2])
    assert flat_action([1, 2], (2, 3)) == 5
    with pytest.raises(ValueError, match="entries"):
        flat_action([1], (2, 3))
    with pytest.raises(ValueError, match="integers"):
        flat_action([1, 3], (2, 3))


def test_mixed_policy_per_type():
    table = np.array([[1.0, 0.0], [0.25, 0.75], [0.5, 0.5]])
    p = MixedPolicy(table, per_type=True, layout=LAYOUT)
    np.testing.assert_array_equal(p.strategy(np.array([0, 1, 0, 0])), table[1])
    with pytest.raises(ValueError, match="layout"):
        MixedPolicy(table, per_type=True)
    with pytest.raises(ValueError, match="sum to 1"):
        MixedPolicy([0.5, 0.6])


def test_pure_and_uniform_policies():
    rng = np.random.default_rng(0)
    assert PurePolicy(2, 3).act(None, rng) == 2
    np.testing.assert_array_equal(PurePolicy((1, 0), (2, 2)).act(None, rng), [1, 0])
    np.testing.assert_allclose(UniformPolicy((2, 3)).strategy(None), np.full((2, 3), 1 / 6))
    p = PurePolicy([0, 2], 3, per_type=True, layout={"type": slice(0, 2)})
    assert p.act(np.array([0.0, 1.0]), rng) == 2
    with pytest.raises(ValueError, match="n_actions"):
        UniformPolicy(0)


def test_majority_policy_is_theorem_1():
    p = MajorityPolicy(3, 4)
    joint = p.strategy(None)
    assert joint.shape == (4, 4, 4)
    for a in range(4):
        assert joint[a, a, a] == pytest.approx(0.25)
    assert joint.sum() == pytest.approx(1.0)
    rng = np.random.default_rng(1)
    acts = np.array([p.act(None, rng) for _ in range(200)])
    assert np.all(acts == acts[:, :1])  # every member plays the same action
    big = MajorityPolicy(30, 3)
    assert big.strategy(None) is None and big.marginals.shape == (30, 3)
    assert big.act(None, rng).shape == (30,)
