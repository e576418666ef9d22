"""Theorem 2's copying policies as agents in a repeated symmetric unit-sum game (MATH.md §1).

Guarantee: a coalition c_1 of at least (k−1)/k of the players gets r_1(x) ≥ (k−1)/k for every x.
Exact values come from ``coalition_values``; realised plays are summarised over independent runs
with t-confidence intervals (per-run means are i.i.d. across runs).
"""

import numpy as np
import pytest
from scipy import stats

from powergames.agents.copying import (
    EmpiricalCopyingPolicy,
    EmpiricalJointPolicy,
    OracleCopyingPolicy,
)
from powergames.agents.fictitious_play import FictitiousPlay
from powergames.agents.fixed import MixedPolicy, PurePolicy, UniformPolicy
from powergames.agents.hedge import Hedge
from powergames.agents.regret_matching import RegretMatching
from powergames.games import random_symmetric_unit_sum_game
from powergames.theory import SharedActionPolicy, coalition_values, max_guarantee_k

TOL = 1e-9
# (|c_1|, |c_2|, actions): k = 4 (no leftover), k = 3 (no leftover), k = 2 (one leftover)
CONFIGS = [(3, 1, 3), (4, 2, 2), (3, 2, 2)]


def _setup(m1, m2, ka, seed):
    n = m1 + m2
    game = random_symmetric_unit_sum_game(n, ka, 2, np.random.default_rng(seed))
    coalitions = [list(range(m1)), list(range(m1, n))]
    k = max_guarantee_k(m1, n)
    return game, coalitions, (k - 1) / k


def _as_members(a):
    return np.atleast_1d(np.asarray(a, dtype=np.int64))


def _opponents(m2, ka, rng):
    shape = (ka,) * m2
    joint = rng.dirichlet(np.ones(ka**m2)).reshape(shape)
    return {
        "uniform": lambda: UniformPolicy(shape),
        "pure": lambda: PurePolicy((ka - 1,) * m2 if m2 > 1 else ka - 1, shape),
        "random_joint": lambda: MixedPolicy(joint),
        "hedge": lambda: Hedge(shape, learning_rate=0.2, exploration=0.1),
        "regret_matching": lambda: RegretMatching(shape, exploration=0.1),
        "fictitious_play": lambda: FictitiousPlay(shape, exploration=0.1),
    }


def _t_half_width(samples, confidence=0.99):
    samples = np.asarray(samples)
    df = len(samples) - 1
    return stats.t.ppf(0.5 + confidence / 2, df) * samples.std(ddof=1) / np.sqrt(len(samples))


@pytest.mark.parametrize("m1, m2, ka", CONFIGS)
def test_oracle_copying_keeps_the_guarantee_at_every_step(m1, m2, ka):
    """Exactly at every step, against fixed and learning opponents; realised play agrees (99% CI)."""
    game, coalitions, guarantee = _setup(m1, m2, ka, seed=m1 * 10 + m2)
    dense = game.to_dense()  # same values, faster contraction at this size
    runs, steps = 6, 60
    for name, make in _opponents(m2, ka, np.random.default_rng(0)).items():
        per_run = []
        for run in range(runs):
            rng = np.random.default_rng(run)
            opp = make()
            copier = OracleCopyingPolicy(opp, m1)
            x = int(rng.choice(game.n_states, p=game.prior))  # X is fixed for the episode
            realised = []
            for _ in range(steps):
                values = coalition_values(
                    dense, coalitions, [copier.coalition_policy(None), opp.strategy(None)]
                )
                assert values[:, 0].min() >= guarantee - TOL, (name, values[:, 0])
                a2 = opp.act(None, rng)
                a1 = copier.act(None, rng)
                shares = game.pure_shares(x, np.concatenate([a1, _as_members(a2)]))
                realised.append(shares[:m1].sum())
                opp.update(None, a2, shares[m1:].sum(), None, None)
            per_run.append(np.mean(realised))
        # the realised majority share is consistent with E ≥ (k−1)/k (one-sided 99.5%)
        assert np.mean(per_run) + _t_half_width(per_run) >= guarantee, name


def test_a_learning_minority_exploits_a_non_copying_majority():
    """The contrast: against a fixed uniform majority the same learner takes more than 1/k."""
    m1, m2, ka = 3, 1, 3
    game, coalitions, guarantee = _setup(m1, m2, ka, seed=31)
    majority = UniformPolicy((ka,) * m1)
    opp = Hedge(ka, learning_rate=0.2, exploration=0.1)
    rng = np.random.default_rng(0)
    for _ in range(400):
        x = int(rng.choice(game.n_states, p=game.prior))
        a2, a1 = opp.act(None, rng), majority.act(None, rng)
        shares = game.pure_shares(x, np.concatenate([a1, _as_members(a2)]))
        opp.update(None, a2, shares[m1:].sum(), None, None)
    against_uniform = coalition_values(
        game, coalitions, [majority.strategy(None), opp.strategy(None)]
    )
    copier = OracleCopyingPolicy(opp, m1)
    against_copier = coalition_values(
        game, coalitions, [copier.coalition_policy(None), opp.strategy(None)]
    )
    assert against_uniform[:, 0].min() < guarantee - 0.01
    assert against_copier[:, 0].min() >= guarantee - TOL


def _tv(p, q):
    return 0.5 * float(np.abs(np.asarray(p) - np.asarray(q)).sum())


@pytest.mark.parametrize("m1, m2, ka", CONFIGS)
def test_empirical_copying_converges_to_the_guarantee_as_its_window_fills(m1, m2, ka):
    """Against a fixed π_2, with a window of W i.i.d. observations (π̂ their empirical joint):

    * every run: |r_1(x; π̂) − r_1(x; π_2)| ≤ (k−1)·TV(π̂, π_2), hence r_1 ≥ (k−1)/k − (k−1)·TV;
    * E[TV] ≤ ½√((M−1)/W) (M joint actions), so the mean distance to the oracle's value and the mean
      shortfall below (k−1)/k are at most (k−1)·½√((M−1)/W) — checked at 99% confidence;
    * the distance to the oracle's value falls as W grows (W = 64 vs W = 1, intervals disjoint).
    """
    game, coalitions, guarantee = _setup(m1, m2, ka, seed=7 + m1 + m2)
    dense = game.to_dense()
    k = max_guarantee_k(m1, m1 + m2)
    rng = np.random.default_rng(1)
    pi2 = rng.dirichlet(np.ones(ka**m2)).reshape((ka,) * m2)
    oracle = coalition_values(
        dense, coalitions, [OracleCopyingPolicy(pi2, m1).coalition_policy(None), pi2]
    )
    M = ka**m2
    runs = 40
    distance = {}
    for window in (1, 8, 64):
        dist, gaps = [], []
        for _ in range(runs):
            copier = EmpiricalCopyingPolicy(m1, m2, ka, window)
            for idx in rng.choice(M, size=window, p=pi2.reshape(-1)):
                copier.observe_opponent(np.unravel_index(idx, pi2.shape))
            tv = _tv(copier.empirical_policy().joint(), pi2)
            values = coalition_values(dense, coalitions, [copier.coalition_policy(), pi2])
            d = np.abs(values[:, 0] - oracle[:, 0]).max()
            assert d <= (k - 1) * tv + TOL
            assert values[:, 0].min() >= guarantee - (k - 1) * tv - TOL
            dist.append(d)
            gaps.append(max(0.0, guarantee - values[:, 0].min()))
        bound = (k - 1) * 0.5 * np.sqrt((M - 1) / window)
        assert np.mean(dist) + _t_half_width(dist) <= bound
        assert np.mean(gaps) + _t_half_width(gaps) <= bound
        distance[window] = dist
    hi = np.mean(distance[64]) + _t_half_width(distance[64])
    lo = np.mean(distance[1]) - _t_half_width(distance[1])
    assert hi < lo


def test_empirical_copying_reads_opponents_from_observations():
    """The repeated game through the env's observation layout: prev_actions one-hot blocks."""
    m1, m2, ka = 3, 1, 3
    layout = {"type": slice(0, 1), "round": slice(1, 2), "prev_actions": slice(2, 2 + 4 * ka)}
    copier = EmpiricalCopyingPolicy(m1, m2, ka, window=5, opponents=[3], layout=layout)
    obs0 = np.zeros(2 + 4 * ka, dtype=np.float32)
    obs0[0] = 1.0
    copier.update(obs0, np.zeros(3, int), 0.5, obs0, {})  # zeros: nothing observed yet
    assert copier.empirical_policy() is None
    np.testing.assert_allclose(copier.strategy(None), np.full((ka,) * m1, 1 / ka**m1))
    for joint in [(0, 1, 2, 2), (1, 1, 1, 0), (2, 0, 0, 2)]:
        nxt = obs0.copy()
        for j, a in enumerate(joint):
            nxt[2 + j * ka + a] = 1.0
        copier.update(obs0, np.zeros(3, int), 0.5, nxt, {})
    np.testing.assert_array_equal(copier.history[:, 0], [2, 0, 2])
    emp = copier.empirical_policy()
    np.testing.assert_allclose(emp.joint(), [1 / 3, 0, 2 / 3])
    # the same from the env's info record instead of observations
    from_info = EmpiricalCopyingPolicy(m1, m2, ka, window=5, opponents=[3])
    for joint in [(0, 1, 2, 2), (1, 1, 1, 0), (2, 0, 0, 2)]:
        from_info.update(None, np.zeros(3, int), 0.5, None, {"joint_action": joint})
    np.testing.assert_array_equal(from_info.history, copier.history)
    # k = 4: three single-member copies of π̂, independent
    joint = copier.strategy(None)
    np.testing.assert_allclose(joint, np.einsum("a,b,c->abc", *(emp.joint(),) * 3))
    acts = copier.act(None, np.random.default_rng(0))
    assert acts.shape == (3,) and set(acts.tolist()) <= {0, 2}


def test_empirical_joint_policy_views_agree():
    rng = np.random.default_rng(3)
    samples = rng.integers(0, 3, size=(50, 2))
    pol = EmpiricalJointPolicy(samples, 3)
    joint = pol.joint()
    assert joint.shape == (3, 3) and joint.sum() == pytest.approx(1.0)
    counts = pol.count_distribution()
    # count distribution from the joint, by explicit loops
    expected = {}
    for a in range(3):
        for b in range(3):
            key = tuple(np.bincount([a, b], minlength=3))
            expected[key] = expected.get(key, 0.0) + joint[a, b]
    for row, p in zip(counts.counts, counts.probs):
        assert p == pytest.approx(expected.get(tuple(row), 0.0))
    draws = pol.sample(5, rng)
    assert draws.shape == (5, 2)
    with pytest.raises(ValueError, match="samples"):
        EmpiricalJointPolicy(np.array([[3, 0]]), 3)


def test_oracle_copying_pools_several_opponents_and_rejects_small_coalitions():
    game = random_symmetric_unit_sum_game(5, 2, 1, np.random.default_rng(0))
    a, b = SharedActionPolicy(1, 2, [0.3, 0.7]), UniformPolicy(2)
    copier = OracleCopyingPolicy([a, b], 3)  # c_2 = players 3 and 4 pooled: k = 2
    values = coalition_values(
        game, [[0, 1, 2], [3], [4]], [copier.coalition_policy(None), a, b.strategy(None)]
    )
    assert values[0, 0] >= 0.5 - TOL
    with pytest.raises(ValueError, match="too small"):
        OracleCopyingPolicy(UniformPolicy((2, 2)), 1)
    from powergames.agents.policy import CallablePolicy

    blind = OracleCopyingPolicy(CallablePolicy(lambda o: 0), 3)
    with pytest.raises(ValueError, match="no strategy"):
        blind.act(None, np.random.default_rng(0))


def test_empirical_copying_in_the_repeated_game_env():
    """Online, through CoalitionEnv observations (history="actions"): the window fills as rounds
    pass, and the mean distance of the exact value to the oracle's falls within the bound
    (k−1)·½√((M−1)/t) at t = 1, 8, 48 rounds (99% t-intervals over independent episodes)."""
    from powergames.envs import CoalitionEnv

    m1, m2, ka, rounds, runs = 3, 1, 3, 48, 24
    game, coalitions, guarantee = _setup(m1, m2, ka, seed=5)
    dense = game.to_dense()
    k = max_guarantee_k(m1, m1 + m2)
    pi2 = np.array([0.6, 0.3, 0.1])
    opponent = MixedPolicy(pi2)
    oracle = coalition_values(
        dense, coalitions, [OracleCopyingPolicy(pi2, m1).coalition_policy(None), pi2]
    )
    env = CoalitionEnv(game, coalitions=coalitions, max_cycles=rounds, history="actions")
    checkpoints = {1: [], 8: [], 48: []}
    for run in range(runs):
        rng = np.random.default_rng(100 + run)
        copier = EmpiricalCopyingPolicy(
            m1, m2, ka, window=rounds, opponents=[3], layout=env.observation_layout("coalition_0")
        )
        obs, _ = env.reset(seed=run)
        for t in range(1, rounds + 1):
            actions = {
                "coalition_0": copier.act(obs["coalition_0"], rng),
                "coalition_1": np.atleast_1d(opponent.act(obs["coalition_1"], rng)),
            }
            nxt, rewards, term, trunc, infos = env.step(actions)
            copier.update(
                obs["coalition_0"],
                actions["coalition_0"],
                rewards["coalition_0"],
                nxt["coalition_0"],
                infos["coalition_0"],
            )
            obs = nxt
            assert len(copier.history) == t
            if t in checkpoints:
                values = coalition_values(dense, coalitions, [copier.coalition_policy(), pi2])
                checkpoints[t].append(np.abs(values[:, 0] - oracle[:, 0]).max())
        assert all(term.values())
    for t, dist in checkpoints.items():
        assert np.mean(dist) + _t_half_width(dist) <= (k - 1) * 0.5 * np.sqrt((ka - 1) / t)
    assert np.mean(checkpoints[48]) + _t_half_width(checkpoints[48]) < np.mean(
        checkpoints[1]
    ) - _t_half_width(checkpoints[1])
    assert oracle[:, 0].min() >= guarantee - TOL


def test_oracle_copier_binds_its_target_later_and_follows_it():
    game = random_symmetric_unit_sum_game(4, 2, 1, np.random.default_rng(3))
    copier = OracleCopyingPolicy(None, 3)  # c_2 = player 3, bound later: k = 4
    assert not copier.bound
    with pytest.raises(ValueError, match="set_target"):
        copier.act(None, np.random.default_rng(0))
    target = MixedPolicyStub(np.array([0.9, 0.1]))
    copier.set_target(target)
    assert copier.bound
    for pi2 in ([0.9, 0.1], [0.2, 0.8]):  # the copier reads the target live
        target.p = np.array(pi2)
        values = coalition_values(game, [[0, 1, 2], [3]], [copier.coalition_policy(None), target.p])
        assert values[0, 0] >= 3 / 4 - TOL
        np.testing.assert_allclose(copier.strategy(None).sum(axis=(1, 2)), pi2)
    with pytest.raises(ValueError, match="too small"):
        OracleCopyingPolicy(None, 1).set_target(UniformPolicy((2, 2)))
    with pytest.raises(ValueError, match="at least one"):
        copier.set_target([])


class MixedPolicyStub:
    """A policy whose strategy can be changed in place (a stand-in for a learner)."""

    def __init__(self, p):
        self.p = p

    def strategy(self, observation):
        return self.p

    def act(self, observation, rng):
        return int(rng.choice(len(self.p), p=self.p))

    def update(self, *args):
        pass


def test_oracle_copier_acts_as_a_fresh_copying_policy_while_its_target_changes():
    """The copier reuses the policy it built for an opponent joint it has seen; its draws stay
    those of a freshly built copying policy, also when the target changes in place."""
    from powergames.theory.theorem_policies import coalition_copying_policy

    rng = np.random.default_rng(5)
    target = MixedPolicyStub(np.array([0.5, 0.3, 0.2]))
    copier = OracleCopyingPolicy(target, 3, leftover=[0.2, 0.3, 0.5])  # k = 3 and one leftover
    a, b = np.random.default_rng(11), np.random.default_rng(11)
    for step in range(60):
        if step % 7 == 0:  # the learner updates, sometimes back to an earlier strategy
            target.p[:] = rng.dirichlet(np.ones(3)) if step % 3 else [0.5, 0.3, 0.2]
        fresh = coalition_copying_policy(target.p.copy(), 3, None, [0.2, 0.3, 0.5])
        np.testing.assert_array_equal(copier.act(None, a), fresh.sample(1, b)[0])
        np.testing.assert_allclose(copier.coalition_policy(None).joint(), fresh.joint(), atol=0)
