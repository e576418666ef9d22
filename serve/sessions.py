"""Environment sessions: one client drives a whole environment through ``reset``/``step``.

This is PettingZoo's parallel API over the wire (what
:class:`powergames.serve.remote.RemoteParallelEnv` speaks). Observations travel as JSON numbers:
``float32`` values are exact in a JSON double, so the client rebuilds the very same arrays.
``infos`` keep only :data:`PUBLIC_INFO_KEYS`: the hidden state (``"state"``) and the realised
type profile (``"types"``) never leave the server.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from typing import Any

import gymnasium
import numpy as np

from powergames.serve.match import MatchError
from powergames.serve.protocol import EnvCreated, EnvResult, SpaceSpec

__all__ = ["PUBLIC_INFO_KEYS", "SessionManager", "space_from_spec", "space_spec"]

#: ``infos`` keys a client may see (``round`` played, the joint action it sent).
PUBLIC_INFO_KEYS = ("round", "joint_action")
#: Sessions one server holds at most.
MAX_SESSIONS = 1024


def space_spec(space: gymnasium.spaces.Space) -> SpaceSpec:
    """The wire description of a Discrete, MultiDiscrete or Box space.

    Raises:
        TypeError: another kind of space.
    """
    if isinstance(space, gymnasium.spaces.Discrete):
        return SpaceSpec(
            kind="discrete", n=int(space.n), start=int(space.start), dtype=str(space.dtype)
        )
    if isinstance(space, gymnasium.spaces.MultiDiscrete):
        return SpaceSpec(
            kind="multi_discrete",
            nvec=[int(x) for x in space.nvec.reshape(-1)],
            dtype=str(space.dtype),
        )
    if isinstance(space, gymnasium.spaces.Box):
        return SpaceSpec(
            kind="box",
            shape=list(space.shape),
            low=[float(x) for x in space.low.reshape(-1)],
            high=[float(x) for x in space.high.reshape(-1)],
            dtype=str(space.dtype),
        )
    raise TypeError(f"cannot send a {type(space).__name__} space over the wire")


def space_from_spec(spec: SpaceSpec) -> gymnasium.spaces.Space:
    """Inverse of :func:`space_spec`."""
    if spec.kind == "discrete":
        return gymnasium.spaces.Discrete(int(spec.n or 0), start=int(spec.start or 0))
    if spec.kind == "multi_discrete":
        return gymnasium.spaces.MultiDiscrete(
            np.asarray(spec.nvec, dtype=np.int64), dtype=spec.dtype
        )
    shape = tuple(spec.shape or ())
    low = np.asarray(spec.low, dtype=spec.dtype).reshape(shape)
    high = np.asarray(spec.high, dtype=spec.dtype).reshape(shape)
    return gymnasium.spaces.Box(low, high, shape=shape, dtype=np.dtype(spec.dtype))


def _public_info(info: Any) -> dict[str, Any]:
    if not isinstance(info, dict):
        return {}
    out = {}
    for key in PUBLIC_INFO_KEYS:
        if key in info:
            value = info[key]
            out[key] = (
                np.asarray(value).tolist() if isinstance(value, tuple | np.ndarray) else value
            )
    return out


def _obs(obs: dict[str, Any]) -> dict[str, list[float]]:
    return {a: np.asarray(o, dtype=np.float64).reshape(-1).tolist() for a, o in obs.items()}


class _Session:
    def __init__(self, env: Any, token_sha: str) -> None:
        self.env = env
        self.token_sha = token_sha
        self.lock = threading.Lock()
        self.started = False


class SessionManager:
    """The env sessions of a server."""

    def __init__(self) -> None:
        self.sessions: dict[str, _Session] = {}
        self._lock = threading.Lock()

    def create(self, env_id: str, kwargs: dict[str, Any]) -> EnvCreated:
        from powergames.envs import make, registry

        if env_id not in registry:
            raise MatchError(
                404,
                "not_found",
                f"id: unknown environment {env_id!r} (registered: {', '.join(registry)})",
            )
        if "render_mode" in kwargs:
            raise MatchError(
                422,
                "invalid",
                "kwargs.render_mode: not available remotely (the render shows hidden state)",
            )
        try:
            env = make(env_id, **kwargs)
        except (TypeError, ValueError) as exc:
            raise MatchError(422, "invalid", f"kwargs: {str(exc).splitlines()[0]}") from None
        with self._lock:
            if len(self.sessions) >= MAX_SESSIONS:
                raise MatchError(
                    409, "conflict", f"the server holds {MAX_SESSIONS} sessions; close some"
                )
            sid = secrets.token_hex(8)
            token = secrets.token_urlsafe(32)
            self.sessions[sid] = _Session(env, hashlib.sha256(token.encode()).hexdigest())
        agents = list(env.possible_agents)
        return EnvCreated(
            session_id=sid,
            token=token,
            possible_agents=agents,
            observation_spaces={a: space_spec(env.observation_space(a)) for a in agents},
            action_spaces={a: space_spec(env.action_space(a)) for a in agents},
            metadata={
                k: v
                for k, v in env.metadata.items()
                if isinstance(v, str | int | float | bool | list)
            },
        )

    def get(self, sid: str, token: str | None) -> _Session:
        session = self.sessions.get(sid)
        if session is None:
            raise MatchError(404, "not_found", f"no env session {sid!r}")
        if not token:
            raise MatchError(
                401, "unauthorized", "send the session's token: Authorization: Bearer <token>"
            )
        if not hmac.compare_digest(
            hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest(), session.token_sha
        ):
            raise MatchError(403, "forbidden", f"this token is not the token of env session {sid}")
        return session

    def reset(self, sid: str, token: str | None, seed: int | None) -> EnvResult:
        s = self.get(sid, token)
        with s.lock:
            obs, infos = s.env.reset(seed=seed)
            s.started = True
            return EnvResult(
                agents=list(s.env.agents),
                observations=_obs(obs),
                infos={a: _public_info(i) for a, i in infos.items()},
            )

    def step(self, sid: str, token: str | None, actions: dict[str, Any]) -> EnvResult:
        s = self.get(sid, token)
        with s.lock:
            if not s.started:
                raise MatchError(409, "conflict", "reset the environment before stepping it")
            live = set(s.env.agents)
            if set(actions) != live:
                raise MatchError(
                    422,
                    "invalid",
                    f"actions: need exactly the live agents {sorted(live)}, got {sorted(actions)}",
                )
            parsed = {}
            for agent, a in actions.items():
                space = s.env.action_space(agent)
                value = np.asarray(a, dtype=np.int64) if isinstance(a, list) else a
                if not space.contains(value if not isinstance(value, int) else np.int64(value)):
                    raise MatchError(422, "invalid", f"actions.{agent}: {a!r} is not in {space}")
                parsed[agent] = value
            try:
                obs, rew, term, trunc, infos = s.env.step(parsed)
            except (TypeError, ValueError) as exc:
                raise MatchError(422, "invalid", f"actions: {str(exc).splitlines()[0]}") from None
            return EnvResult(
                agents=list(s.env.agents),
                observations=_obs(obs),
                rewards={a: float(r) for a, r in rew.items()},
                terminations={a: bool(t) for a, t in term.items()},
                truncations={a: bool(t) for a, t in trunc.items()},
                infos={a: _public_info(i) for a, i in infos.items()},
            )

    def close(self, sid: str, token: str | None) -> None:
        s = self.get(sid, token)
        with self._lock:
            self.sessions.pop(sid, None)
        s.env.close()
