"""Copiers that copy policies (MATH.md §5): the oracle's draws are the minority's policy on each
member's own observation, the behaviour clone converges to a known Markov policy, bad input errs."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import chisquare

from powergames.agents.behaviour_cloning import BehaviourClone, CloningCopyingMajority
from powergames.agents.policy_copying import (
    FunctionPolicy,
    PolicyCopyingMajority,
    SB3Network,
    copy_assignment,
)

A = 5


def _softmax_policy(seed: int, dim: int) -> FunctionPolicy:
    w = np.random.default_rng(seed).normal(size=(dim, A)) * 2.0

    def fn(obs: np.ndarray) -> np.ndarray:
        z = obs @ w
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    return FunctionPolicy(fn, A)


def test_copy_assignment_deals_out_copies_and_leftovers():
    assert copy_assignment(5, 2) == (3, [[0, 1], [2, 3]], [4])
    assert copy_assignment(2, 1) == (3, [[0], [1]], [])
    assert copy_assignment(4, 1, k=3) == (3, [[0], [1]], [2, 3])


def test_oracle_draws_follow_the_minority_policy_on_each_members_observation():
    """|c_2| = 2 members with different policies, |c_1| = 5: copies [0, 1], [2, 3], leftover 4.
    Every member's draws match its copied policy at its own observation (chi-square), and the two
    copies draw independently (their joint frequencies match the product)."""
    dim = 6
    rng = np.random.default_rng(3)
    pols = [_softmax_policy(1, dim), _softmax_policy(2, dim)]
    leftover = np.array([0.1, 0.2, 0.3, 0.2, 0.2])
    maj = PolicyCopyingMajority(pols, 5, leftover=leftover, seed=7)
    one = rng.random((1, 5, dim)).astype(np.float32)  # each member's own observation
    expected = np.stack(
        [pols[0].probs(one[:, 0])[0], pols[1].probs(one[:, 1])[0],
         pols[0].probs(one[:, 2])[0], pols[1].probs(one[:, 3])[0], leftover]
    )  # fmt: skip
    assert np.allclose(maj.probs(one)[0], expected)
    n = 20_000
    acts = maj.act(np.repeat(one, n, axis=0))
    alpha = 1e-6  # per test; six tests below
    for i in range(5):
        counts = np.bincount(acts[:, i], minlength=A)
        assert chisquare(counts, expected[i] * n).pvalue > alpha, i
    # copies 0 and 2 run the same policy on their own observations with their own randomness
    joint = np.bincount(acts[:, 0] * A + acts[:, 2], minlength=A * A)
    prod = np.outer(expected[0], expected[2]).ravel() * n
    keep = prod > 5
    stat = ((joint[keep] - prod[keep]) ** 2 / prod[keep]).sum()
    from scipy.stats import chi2

    assert chi2.sf(stat, keep.sum() - 1) > alpha


def test_oracle_draws_are_seeded():
    pols = [_softmax_policy(1, 4)]
    obs = np.random.default_rng(0).random((50, 2, 4))
    a = PolicyCopyingMajority(pols, 2, seed=5).act(obs)
    b = PolicyCopyingMajority(pols, 2, seed=5).act(obs)
    c = PolicyCopyingMajority(pols, 2, seed=6).act(obs)
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_sb3_network_is_a_copy_refreshed_when_the_learner_updates():
    th = pytest.importorskip("torch")
    from stable_baselines3 import PPO

    from powergames.envs.gridworld_batched import BatchedResourceGrid
    from powergames.training.gridworld_play import MinorityVecEnv

    maj = PolicyCopyingMajority(None, 2, minority_size=1, seed=0)
    grid = BatchedResourceGrid(("a.b",), 3, n_envs=4, view_radius=1, max_cycles=8)
    venv = MinorityVecEnv(grid, 0, maj, seed=1)
    model = PPO("MlpPolicy", venv, n_steps=16, batch_size=32, n_epochs=2, seed=0, device="cpu")
    net = SB3Network(model)
    maj.set_target([net])
    obs = np.random.default_rng(2).random((7, venv.observation_space.shape[0])).astype(np.float32)

    def own(o):
        with th.no_grad():
            return model.policy.get_distribution(th.as_tensor(o)).distribution.probs.numpy()

    assert np.allclose(net.probs(obs), own(obs), atol=1e-6)
    before = net.probs(obs)
    model.learn(128)  # two rollouts: the copies played the second with the refreshed network
    assert net.copied_at is not None and 0 < net.copied_at < model._n_updates
    after = net.probs(obs)  # refreshed on use after the last update
    assert net.copied_at == model._n_updates
    assert np.allclose(after, own(obs), atol=1e-6) and not np.allclose(after, before)
    with th.no_grad():  # a change without an update is the learner's own, not seen by the copy
        for p in model.policy.parameters():
            p.add_(1.0)
    assert np.allclose(net.probs(obs), after) and not np.allclose(own(obs), after, atol=1e-3)


def _tabular_data(n: int, pi: np.ndarray, rng: np.random.Generator):
    s = rng.integers(pi.shape[0], size=n)
    a = (rng.random(n)[:, None] > np.cumsum(pi[s], axis=1)).sum(axis=1)
    return np.eye(pi.shape[0], dtype=np.float32)[s], a.astype(np.int64), s


@pytest.mark.parametrize("hidden", [0, 32])
def test_behaviour_clone_converges_to_a_known_markov_policy(hidden):
    """One-hot observations of ``S`` states, a known ``π``. The window's maximum-likelihood
    estimate ``π̂`` is within ``ε_s/2`` of ``π`` in TV at every state with probability ``≥ 1 − δ``
    (Weissman et al.: ``P(‖π̂_s − π_s‖₁ ≥ ε) ≤ (2^A − 2) e^{−N_s ε²/2}``, union over ``S``
    states); the clone, fitted by cross-entropy, reaches ``π̂`` up to its optimiser (TV ≤ 0.01)."""
    rng = np.random.default_rng(4)
    S, n, delta = 4, 8000, 1e-3
    pi = rng.dirichlet(np.ones(A), size=S)
    obs, act, s = _tabular_data(n, pi, rng)
    clone = BehaviourClone(S, A, window=n, hidden=hidden, epochs=300, lr=0.05, seed=0)
    clone.add(obs, act)
    clone.fit()
    fit = clone.probs(np.eye(S))
    counts = np.array([np.bincount(act[s == i], minlength=A) for i in range(S)])
    n_s = counts.sum(axis=1)
    mle = counts / n_s[:, None]
    eps = np.sqrt(2 * math.log((2**A - 2) * S / delta) / n_s)
    tv_opt = 0.5 * np.abs(fit - mle).sum(axis=1)
    tv = 0.5 * np.abs(fit - pi).sum(axis=1)
    assert np.all(tv_opt <= 0.01), tv_opt
    assert np.all(tv <= eps / 2 + 0.01), (tv, eps / 2)


def test_clone_window_keeps_the_most_recent_pairs():
    clone = BehaviourClone(2, A, window=3, hidden=0, seed=0)
    clone.add(np.zeros((2, 2)), np.array([0, 1]))
    clone.add(np.ones((4, 2)), np.array([2, 3, 4, 0]))
    obs, act = clone.data()
    assert clone.seen == 6 and clone.size == 3
    assert sorted(act.tolist()) == [0, 3, 4] and np.all(obs == 1)


def test_cloning_copier_plays_leftover_until_its_first_fit_then_the_clone():
    bc = CloningCopyingMajority(2, 1, 3, min_samples=10, refit_every=5, epochs=5, seed=0)
    obs = np.random.default_rng(0).random((4, 2, 3))
    assert np.allclose(bc.probs(obs), 0.2)
    bc.observe(np.random.default_rng(1).random((6, 1, 3)), np.zeros((6, 1), dtype=np.int64))
    assert bc.clones[0].fits == 0 and np.allclose(bc.probs(obs), 0.2)
    bc.observe(np.random.default_rng(2).random((6, 1, 3)), np.zeros((6, 1), dtype=np.int64))
    assert bc.clones[0].fits == 1
    p = bc.probs(obs)
    assert np.allclose(p[:, 0], bc.clones[0].probs(obs[:, 0]))
    assert np.allclose(p[:, 1], bc.clones[0].probs(obs[:, 1]))


def test_bad_input_is_refused_naming_the_argument():
    pol = _softmax_policy(0, 3)
    with pytest.raises(ValueError, match="k = 4 needs"):
        copy_assignment(2, 1, k=4)
    with pytest.raises(ValueError, match="k must be an integer >= 2"):
        copy_assignment(2, 1, k=1)
    with pytest.raises(ValueError, match="majority_size"):
        copy_assignment(0, 1)
    with pytest.raises(ValueError, match="minority_size is required"):
        PolicyCopyingMajority(None, 2)
    with pytest.raises(ValueError, match="leftover"):
        PolicyCopyingMajority([pol], 3, k=2, leftover=[0.5, 0.6, 0, 0, 0])
    maj = PolicyCopyingMajority([pol], 2)
    with pytest.raises(ValueError, match=r"observations must have shape \(B, 2, D\)"):
        maj.probs(np.zeros((4, 3, 3)))
    with pytest.raises(ValueError, match="one policy per member"):
        maj.set_target([pol, pol])
    with pytest.raises(TypeError, match="minority\\[0\\] must have probs"):
        maj.set_target([object()])
    with pytest.raises(ValueError, match="no minority to copy"):
        PolicyCopyingMajority(None, 2, minority_size=1).act(np.zeros((1, 2, 3)))
    with pytest.raises(ValueError, match="policy output"):
        FunctionPolicy(lambda o: np.ones((o.shape[0], A)), A).probs(np.zeros((2, 3)))
    with pytest.raises(TypeError, match="SB3 on-policy model"):
        SB3Network(object())
    clone = BehaviourClone(3, A, window=8)
    with pytest.raises(ValueError, match="no \\(observation, action\\) pairs"):
        clone.fit()
    with pytest.raises(ValueError, match=r"actions must be integers in \[0, 5\)"):
        clone.add(np.zeros((2, 3)), np.array([0, 5]))
    with pytest.raises(ValueError, match=r"actions must be integers"):
        clone.add(np.zeros((2, 3)), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"observations must have shape \(B, 3\)"):
        clone.add(np.zeros((2, 4)), np.array([0, 1]))
    with pytest.raises(ValueError, match="observations must be finite"):
        clone.add(np.full((1, 3), np.nan), np.array([0]))
    with pytest.raises(ValueError, match="lr must be a positive number"):
        BehaviourClone(3, A, window=8, lr=0)
    bc = CloningCopyingMajority(2, 1, 3)
    with pytest.raises(ValueError, match=r"actions must have shape \(4, 1\)"):
        bc.observe(np.zeros((4, 1, 3)), np.zeros((4, 2), dtype=np.int64))
