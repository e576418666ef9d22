"""The compiled joint sampler draws exactly what ``policy.sample(1, rng)`` draws."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from powergames.agents.joint_sampler import joint_sampler
from powergames.theory.coalition_policies import (
    IndependentPolicy,
    JointPolicy,
    ProductPolicy,
    SharedActionPolicy,
)
from powergames.theory.theorem_policies import coalition_copying_policy


def random_distribution(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    p = rng.random(shape) ** 3
    p[rng.random(shape) < 0.3] = 0.0  # zeros, also at the ends of the table
    p.flat[int(rng.integers(p.size))] += 0.1
    return p / p.sum()


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), k=st.integers(2, 4), m=st.integers(1, 3))
def test_same_actions_and_same_generator_state_as_sample(seed, k, m):
    rng = np.random.default_rng(seed)
    joint = JointPolicy(random_distribution(rng, (k,) * m))
    iid = IndependentPolicy(int(rng.integers(1, 4)), random_distribution(rng, (k,)))
    policies = [
        joint,
        iid,
        ProductPolicy([joint, joint, iid]),
        ProductPolicy([ProductPolicy([joint, iid]), joint]),
        coalition_copying_policy(joint, 2 * m + 1, k=3, leftover=random_distribution(rng, (k,))),
        # more than 65,536 outcomes: drawn without the table of prebuilt action arrays
        ProductPolicy([joint, IndependentPolicy(17, random_distribution(rng, (k,)))]),
    ]
    for policy in policies:
        draw = joint_sampler(policy)
        assert draw is not None
        a, b = np.random.default_rng(seed + 1), np.random.default_rng(seed + 1)
        for _ in range(20):
            got = draw(a)
            want = policy.sample(1, b)[0]
            assert got.dtype == np.int64 and got.shape == (policy.n_members,)
            np.testing.assert_array_equal(got, want)
        assert a.random() == b.random()  # the streams stay aligned


def test_unsupported_policies_fall_back():
    shared = SharedActionPolicy(2, 2, [1.0, 0.0])
    assert joint_sampler(shared) is None
    assert joint_sampler(ProductPolicy([shared, JointPolicy([0.5, 0.5])])) is None
