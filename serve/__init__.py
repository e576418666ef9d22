"""powergames.serve: host any environment over the network for agents in other processes.

``powergames serve CONFIG`` (or ``serve ENV_ID``) hosts *matches* — runs of an experiment config
whose ``kind: remote`` seats are played by clients over a versioned JSON protocol (HTTP and
WebSocket, :mod:`powergames.serve.protocol`), the library's agents filling the rest, each match
writing a run directory like ``powergames train`` (:mod:`powergames.serve.match`) — and *env
sessions*, PettingZoo's parallel API over the wire (:class:`powergames.serve.remote.RemoteParallelEnv`).
A seat observes only what its agent would; the hidden state never leaves the server.

Clients: :class:`~powergames.serve.client.RemoteAgent` (Python),
:class:`~powergames.serve.remote.RemoteParallelEnv`, the page at ``/`` (watch, play a seat),
``docs/serve.md`` (curl and JavaScript). Language-model agents:
:mod:`powergames.serve.text`. Needs the ``[serve]`` extra (FastAPI, uvicorn, httpx, websockets)
for the server and clients; :mod:`~powergames.serve.protocol`, :mod:`~powergames.serve.seats` and
:mod:`~powergames.serve.text` need only the core dependencies.
"""

from powergames.serve.protocol import PROTOCOL

__all__ = ["PROTOCOL"]
