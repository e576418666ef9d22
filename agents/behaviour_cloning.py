"""The empirical policy copier: copies of a behaviour-cloned minority policy (MATH.md §5, §1).

:class:`BehaviourClone` fits a small torch model (an MLP ``D → hidden → A``, softmax output) by
maximum likelihood (cross-entropy, full-batch Adam) to the most recent ``window`` (observation,
action) pairs of one minority member. :class:`CloningCopyingMajority` is
:class:`~powergames.agents.policy_copying.PolicyCopyingMajority` with those clones in place of the
minority's policies: it sees the minority's observations and moves (:meth:`observe`), refits every
``refit_every`` new pairs, and runs copies of the clones with the same seats, leftover rule and
per-copy randomness as the oracle.

**The guarantee it approaches.** Shares lie in ``[0, 1]``, so replacing the ``k − 1`` copies of the
minority's policy ``π`` by copies of the clone ``π̂`` moves the majority's share by at most
``(k − 1)`` times the expected per-step total variation between ``π̂`` and ``π`` at the copies'
observations: ``r_1(x) ≥ (k−1)/k − (k−1)·E TV(π̂, π)``, the policy form of (1.13). For a tabular
clone (one-hot observations) with ``N_o`` samples at observation ``o``, ``E TV(π̂_o, π_o) ≤ ½
√((A − 1)/N_o)`` (1.14): the guarantee is approached as the window fills, at rate ``N^{-1/2}``.
Against a *learning* minority the window mixes old and new play, so the clone lags the current
policy (only the oracle keeps ``r_1 ≥ (k−1)/k`` at every step).

**Before any fit** (fewer than ``min_samples`` pairs seen) every copy plays the leftover
distribution (uniform over moves by default).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from powergames.agents.policy_copying import FloatArray, MemberPolicy, PolicyCopyingMajority
from powergames.games.checks import check_positive_int

__all__ = ["BehaviourClone", "CloningCopyingMajority"]


def _positive_float(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return float(value)


class BehaviourClone:
    """A behaviour clone of one Markov policy from a window of its (observation, action) pairs.

    Args:
        obs_dim: ``D``, features per observation.
        n_actions: ``A``.
        window: ``W``, how many of the most recent pairs are kept (a ring buffer ``(W, D)``).
        hidden: width of the hidden layer (``0``: a linear softmax model).
        epochs: full-batch Adam steps per fit.
        lr: Adam's learning rate.
        seed: seeds the model's initial weights.

    Raises:
        ValueError: a non-positive size, ``epochs`` or ``lr``.
    """

    def __init__(
        self,
        obs_dim: int,
        n_actions: int,
        window: int,
        *,
        hidden: int = 64,
        epochs: int = 200,
        lr: float = 0.01,
        seed: int | None = None,
    ) -> None:
        import torch as th

        self.obs_dim = check_positive_int("obs_dim", obs_dim)
        self.n_actions = check_positive_int("n_actions", n_actions)
        self.window = check_positive_int("window", window)
        self.hidden = check_positive_int("hidden", hidden, minimum=0)
        self.epochs = check_positive_int("epochs", epochs)
        self.lr = _positive_float("lr", lr)
        self._obs = np.zeros((self.window, self.obs_dim), dtype=np.float32)
        self._act = np.zeros(self.window, dtype=np.int64)
        self.seen = 0  # pairs observed in total (the buffer holds min(seen, W))
        self.fits = 0
        with th.random.fork_rng(devices=[]):
            th.manual_seed(int(np.random.default_rng(seed).integers(2**31 - 1)))
            if self.hidden:
                self.model = th.nn.Sequential(
                    th.nn.Linear(self.obs_dim, self.hidden),
                    th.nn.Tanh(),
                    th.nn.Linear(self.hidden, self.n_actions),
                )
            else:
                self.model = th.nn.Sequential(th.nn.Linear(self.obs_dim, self.n_actions))

    @property
    def size(self) -> int:
        """How many pairs the window holds now."""
        return min(self.seen, self.window)

    def add(self, observations: npt.ArrayLike, actions: npt.ArrayLike) -> None:
        """Append pairs: observations ``(B, D)``, actions ``(B,)`` integers in ``[0, A)``.

        Raises:
            ValueError: shapes that disagree, non-finite observations or out-of-range actions.
        """
        obs = np.asarray(observations, dtype=np.float32)
        act = np.asarray(actions)
        if obs.ndim != 2 or obs.shape[1] != self.obs_dim:
            raise ValueError(f"observations must have shape (B, {self.obs_dim}), got {obs.shape}")
        if act.shape != (obs.shape[0],):
            raise ValueError(f"actions must have shape ({obs.shape[0]},), got {act.shape}")
        if act.size and (
            act.dtype.kind not in "iu" or act.min() < 0 or act.max() >= self.n_actions
        ):
            raise ValueError(f"actions must be integers in [0, {self.n_actions})")
        if not np.all(np.isfinite(obs)):
            raise ValueError("observations must be finite")
        self.seen += max(0, obs.shape[0] - self.window)  # rows pushed out by this batch itself
        obs, act = obs[-self.window :], act[-self.window :]
        slots = (self.seen + np.arange(obs.shape[0])) % self.window
        self._obs[slots], self._act[slots] = obs, act
        self.seen += obs.shape[0]

    def data(self) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
        """The window's pairs ``(N, D)``, ``(N,)`` (in buffer order)."""
        return self._obs[: self.size].copy(), self._act[: self.size].copy()

    def fit(self) -> float:
        """Maximum-likelihood fit on the window (``epochs`` full-batch Adam steps from the current
        weights); returns the final mean cross-entropy.

        Raises:
            ValueError: the window is empty.
        """
        import torch as th

        if self.size == 0:
            raise ValueError("BehaviourClone.fit: no (observation, action) pairs seen yet")
        x = th.as_tensor(self._obs[: self.size])
        y = th.as_tensor(self._act[: self.size])
        opt = th.optim.Adam(self.model.parameters(), lr=self.lr)
        loss = th.zeros(())
        for _ in range(self.epochs):
            opt.zero_grad()
            loss = th.nn.functional.cross_entropy(self.model(x), y)
            loss.backward()
            opt.step()
        self.fits += 1
        return float(loss.detach())

    def probs(self, observations: npt.ArrayLike) -> FloatArray:
        """The clone's action probabilities ``(B, A)``."""
        import torch as th

        obs = np.asarray(observations, dtype=np.float32)
        if obs.ndim != 2 or obs.shape[1] != self.obs_dim:
            raise ValueError(f"observations must have shape (B, {self.obs_dim}), got {obs.shape}")
        with th.no_grad():
            p = th.softmax(self.model(th.as_tensor(obs)), dim=1).double().numpy()
        return p / p.sum(axis=1, keepdims=True)

    def weights(self) -> dict[str, npt.NDArray[np.float64]]:
        """The model's parameters as arrays (for ``.npz`` run data)."""
        return {k: v.detach().cpu().numpy() for k, v in self.model.state_dict().items()}


class CloningCopyingMajority(PolicyCopyingMajority):
    """Theorem 2's empirical copier with policies: copies of behaviour clones (module docstring).

    Args:
        majority_size, minority_size: ``|c_1|``, ``|c_2|``.
        obs_dim: ``D``.
        n_actions: ``A``.
        window: ``W`` pairs kept per minority member.
        k, leftover, seed: as for :class:`PolicyCopyingMajority`.
        refit_every: refit a member's clone after this many new pairs.
        min_samples: pairs needed before the first fit (leftover play until then).
        hidden, epochs, lr: the clones' model and optimiser (:class:`BehaviourClone`).
    """

    def __init__(
        self,
        majority_size: int,
        minority_size: int,
        obs_dim: int,
        *,
        n_actions: int = 5,
        window: int = 4096,
        k: int | None = None,
        leftover: npt.ArrayLike | None = None,
        seed: int | None = None,
        refit_every: int = 512,
        min_samples: int = 256,
        hidden: int = 64,
        epochs: int = 100,
        lr: float = 0.01,
    ) -> None:
        super().__init__(
            None, majority_size, minority_size=minority_size, n_actions=n_actions, k=k,
            leftover=leftover, seed=seed,
        )  # fmt: skip
        self.refit_every = check_positive_int("refit_every", refit_every)
        self.min_samples = check_positive_int("min_samples", min_samples)
        # the clones' initial weights: children k .. k+m-1 of the seed's SeedSequence (the
        # copies' generators are children 0 .. k-1), so no two streams coincide
        seeds = np.random.SeedSequence(seed).spawn(self.k + minority_size)[self.k :]
        self.clones = [
            BehaviourClone(
                obs_dim, n_actions, window, hidden=hidden, epochs=epochs, lr=lr,
                seed=int(s.generate_state(1)[0] % (2**31 - 1)),
            )
            for s in seeds
        ]  # fmt: skip
        self.set_target(self.clones)
        self._since_fit = [0] * minority_size

    def member_policy(self, j: int) -> MemberPolicy | None:
        """Clone ``j`` once it has been fitted, else ``None`` (leftover play)."""
        return self.clones[j] if self.clones[j].fits else None

    def observe(self, observations: npt.ArrayLike, actions: npt.ArrayLike) -> None:
        """Record the minority's observations ``(B, |c_2|, D)`` and moves ``(B, |c_2|)`` (one row
        per game of a batch) and refit the clones that are due."""
        obs = np.asarray(observations, dtype=np.float32)
        act = np.asarray(actions)
        m = self.minority_size
        if obs.ndim != 3 or obs.shape[1] != m:
            raise ValueError(f"observations must have shape (B, {m}, D), got {obs.shape}")
        if act.shape != obs.shape[:2]:
            raise ValueError(f"actions must have shape {obs.shape[:2]}, got {act.shape}")
        for j, clone in enumerate(self.clones):
            clone.add(obs[:, j], act[:, j])
            self._since_fit[j] += obs.shape[0]
            due = self._since_fit[j] >= self.refit_every or not clone.fits
            if clone.size >= self.min_samples and due:
                clone.fit()
                self._since_fit[j] = 0

    def __repr__(self) -> str:
        return (
            f"CloningCopyingMajority(majority_size={self.majority_size}, "
            f"minority_size={self.minority_size}, k={self.k}, window={self.clones[0].window})"
        )
