"""Run the application with uvicorn: in this thread (:func:`serve_forever`) or in a background
thread (:class:`ServerThread`, for tests and notebooks).

The server binds to loopback (``127.0.0.1``) unless another host is given, which prints a warning:
the seat tokens keep clients apart, but anything else on the network can create matches and watch.
"""

from __future__ import annotations

import asyncio
import socket
import sys
import threading
from pathlib import Path
from typing import Any

from powergames.serve.match import MatchManager
from powergames.serve.protocol import MAX_MESSAGE_BYTES
from powergames.serve.sessions import SessionManager

__all__ = ["LOOPBACK", "ServerThread", "bind", "serve_forever"]

LOOPBACK = "127.0.0.1"


def bind(host: str = LOOPBACK, port: int = 0) -> socket.socket:
    """A listening socket (``port=0``: a free port); warns on stderr for a non-loopback host."""
    if host not in (LOOPBACK, "localhost", "::1"):
        print(
            f"warning: powergames serve listens on {host}, not loopback: anyone who can reach it may "
            "create matches and watch them",
            file=sys.stderr,
        )
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted sockets only when proto says TCP
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _config(app: Any) -> Any:
    import uvicorn

    return uvicorn.Config(
        app,
        log_level="warning",
        ws_max_size=MAX_MESSAGE_BYTES,
        ws_ping_interval=20.0,
        ws_ping_timeout=20.0,
        timeout_graceful_shutdown=2,
        # idle keep-alive connections live longer than a long poll (30 s) and a client pool's
        # idle time, so a client rarely reuses a connection the server is closing
        timeout_keep_alive=75,
        lifespan="off",
    )


def serve_forever(app: Any, sock: socket.socket) -> None:
    """Serve until interrupted (Ctrl-C)."""
    import uvicorn

    server = uvicorn.Server(_config(app))
    asyncio.run(server.serve(sockets=[sock]))


class ServerThread:
    """A live server on a loopback port, in a daemon thread.

    Args:
        runs_dir: where matches write their run directories.
        host: interface to bind.
        port: ``0`` for a free port.

    ``url`` is the base URL; ``matches`` the :class:`MatchManager`. Use as a context manager.
    """

    def __init__(
        self, runs_dir: str | Path, host: str = LOOPBACK, port: int = 0, allow_create: bool = True
    ) -> None:
        import uvicorn

        from powergames.serve.app import create_app

        self.matches = MatchManager(runs_dir)
        self.sessions = SessionManager()
        self.app = create_app(self.matches, self.sessions, allow_create=allow_create)
        self.sock = bind(host, port)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://{host}:{self.port}"
        self.server = uvicorn.Server(_config(self.app))
        self.thread = threading.Thread(target=self._run, name="powergames-serve", daemon=True)

    def _run(self) -> None:
        asyncio.run(self.server.serve(sockets=[self.sock]))

    def start(self) -> ServerThread:
        self.thread.start()
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("the server thread died while starting")
            threading.Event().wait(0.02)
        return self

    def stop(self) -> None:
        self.matches.stop()
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
