"""One joint action of a coalition policy per call, drawn as its ``sample(1, rng)`` draws it, faster.

A coalition agent acts once per step, and ``policy.sample(1, rng)`` pays for validation and for
NumPy's ``Generator.choice`` on every call (tens of microseconds). :func:`joint_sampler` compiles a
policy made of dense joints and i.i.d. blocks (what Theorem 2's copying policy is: copies of the
opponent's joint and i.i.d. leftovers, MATH.md (1.11)) into cumulative tables once, and then draws
with the **same uniforms in the same order** as ``sample``: ``Generator.choice(n, size, p=p)`` takes
``cdf = cumsum(p) / cdf[-1]`` and returns ``searchsorted(cdf, random(size), side="right")``, which
is ``bisect_right`` on the same floats. So the actions, and the generator's state afterwards, are
identical to ``policy.sample(1, rng)[0]`` (a property test checks it against NumPy).
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from powergames.theory.coalition_policies import (
    CoalitionPolicy,
    IndependentPolicy,
    JointPolicy,
    ProductPolicy,
)

__all__ = ["joint_sampler"]

Sampler = Callable[[np.random.Generator], npt.NDArray[np.int64]]

#: Largest dense joint compiled into a table of member actions.
_MAX_TABLE = 1 << 16


def _cdf(p: npt.NDArray[np.float64]) -> list[float]:
    """NumPy's ``choice`` table: ``cumsum(p)`` divided by its last entry."""
    cdf = np.cumsum(np.asarray(p, dtype=np.float64).ravel())
    cdf /= cdf[-1]
    return cdf.tolist()


def _blocks(policy: CoalitionPolicy) -> list[CoalitionPolicy] | None:
    """The policy's blocks in sampling order (nested products flattened), or ``None``."""
    if type(policy) is ProductPolicy:
        out: list[CoalitionPolicy] = []
        for part in policy.parts:
            inner = _blocks(part)
            if inner is None:
                return None
            out.extend(inner)
        return out
    if type(policy) in (JointPolicy, IndependentPolicy):
        return [policy]
    return None


def joint_sampler(policy: CoalitionPolicy) -> Sampler | None:
    """``draw(rng) -> (m,) int64``, equal to ``policy.sample(1, rng)[0]``, or ``None`` if unsupported.

    Supported: :class:`JointPolicy` (up to 65,536 joint actions), :class:`IndependentPolicy` and
    :class:`ProductPolicy` of these (nested or not). Other policies return ``None``; callers then
    use ``policy.sample``.
    """
    blocks = _blocks(policy)
    if blocks is None:
        return None
    plan: list[tuple[list[float], list[tuple[int, ...]] | None, int]] = []
    n_uniforms = 0
    for block in blocks:
        if isinstance(block, JointPolicy):
            if block.probs.size > _MAX_TABLE:
                return None
            table = list(itertools.product(*map(range, block.action_sizes)))
            plan.append((_cdf(block.probs), table, 1))
            n_uniforms += 1
        else:
            assert isinstance(block, IndependentPolicy)
            plan.append((_cdf(block.strategy), None, block.n_members))
            n_uniforms += block.n_members
    right = bisect.bisect_right
    cdfs = [cdf for cdf, _, m in plan for _ in range(m)]  # one table per uniform, in order
    outcomes = 1
    for cdf in cdfs:
        outcomes *= len(cdf)

    def actions(picks: tuple[int, ...]) -> list[int]:
        out: list[int] = []
        it = iter(picks)
        for _, table, m in plan:
            if table is not None:  # one uniform picks a flat joint action
                out.extend(table[next(it)])
            else:  # one uniform per member, in member order
                out.extend(next(it) for _ in range(m))
        return out

    if outcomes <= _MAX_TABLE:  # every outcome's action array built once, handed out as copies
        built = {
            picks: np.array(actions(picks), dtype=np.int64)
            for picks in itertools.product(*(range(len(c)) for c in cdfs))
        }

        def draw_built(rng: np.random.Generator) -> npt.NDArray[np.int64]:
            # the blocks' uniforms in one call: random(a) then random(b) reads the same doubles
            # from the bit generator as random(a + b)
            u = rng.random(n_uniforms).tolist()
            return built[tuple(map(right, cdfs, u))].copy()

        return draw_built

    def draw(rng: np.random.Generator) -> npt.NDArray[np.int64]:
        u = rng.random(n_uniforms).tolist()
        return np.array(actions(tuple(map(right, cdfs, u))), dtype=np.int64)

    return draw
