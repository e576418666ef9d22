"""The ``powergames`` command line.

Each sub-command lives in its own module of :mod:`powergames.cli` and provides
``add_arguments(parser)`` and ``run(args) -> int``; the module docstring's first line is its help.
Sub-commands are discovered, so adding one means adding one module.

Errors. A *user error* is printed as one line ``powergames <command>: error: <message>`` with exit
status 2; anything else is a bug and is re-raised with its traceback. User errors are (see
:func:`is_user_error`): a bad configuration (:class:`~powergames.training.config.ConfigError`), a run
directory that cannot be used (:class:`~powergames.training.rundir.RunDirError`) or is being written
(:class:`~powergames.training.rundir.RunDirBusy`), a missing file, a file system that is read-only,
full or not writable (:data:`USER_OS_ERRNOS`; run-directory writes are atomic, so the failed write
lost nothing and ``--resume`` continues once it is fixed), and a ``ValueError`` or
``TypeError`` raised deliberately by powergames' own input checks — the innermost frame of its
traceback is in a powergames module (the library's contract: bad input raises such an error naming
the argument). An exception raised from inside NumPy, SciPy, torch or Python itself, or of any
other type, is not the user's to fix.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import pkgutil
import signal
import sys
import threading
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from powergames.training.config import ConfigError
from powergames.training.rundir import RunDirBusy, RunDirError

#: Exception types that are always the user's to fix.
USER_ERRORS: tuple[type[BaseException], ...] = (
    ConfigError,
    RunDirError,
    RunDirBusy,
    FileNotFoundError,
)

#: ``OSError`` numbers that are the user's to fix: a read-only or full file system, no permission.
USER_OS_ERRNOS = frozenset({errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM})


def is_user_error(exc: BaseException) -> bool:
    """Whether ``exc`` is a user error (module docstring) rather than a bug."""
    if isinstance(exc, USER_ERRORS):
        return True
    if isinstance(exc, OSError) and exc.errno in USER_OS_ERRNOS:
        return True
    if not isinstance(exc, ValueError | TypeError):
        return False
    tb = exc.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    return str(tb.tb_frame.f_globals.get("__name__", "")).startswith("powergames.")


def package_version() -> str:
    """The installed distribution's version (``importlib.metadata``)."""
    try:
        return version("powergames")
    except PackageNotFoundError:  # pragma: no cover - running from an uninstalled tree
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with one sub-parser per module in ``powergames.cli``."""
    parser = argparse.ArgumentParser(
        prog="powergames",
        description="Game-theoretic models of power and coalitions as multi-agent environments.",
    )
    parser.add_argument("--version", action="version", version=f"powergames {package_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        doc = (module.__doc__ or "").strip().splitlines()
        p = sub.add_parser(
            info.name,
            help=doc[0] if doc else None,
            description=(module.__doc__ or "").strip() or None,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(p)
        p.set_defaults(_run=module.run, _parser=p)
    return parser


def unrecognized_message(
    parser: argparse.ArgumentParser, extra: list[str], takes_overrides: bool
) -> str:
    """The error for arguments a (sub-)command does not know: the closest option for a misspelt
    one, and for ``--key=value`` where the command takes overrides, the override's own form."""
    import difflib

    options = [s for a in parser._actions for s in a.option_strings if s.startswith("--")]
    hints = []
    for e in extra:
        if not e.startswith("--"):
            continue
        flag, eq, value = e.partition("=")
        close = difflib.get_close_matches(flag, options, n=1, cutoff=0.7)
        if close:
            hints.append(f"{flag}: did you mean {close[0]}?")
        elif takes_overrides and eq:
            hints.append(f"config keys are set without dashes: {flag[2:]}={value}")
    message = f"unrecognized arguments: {' '.join(extra)}"
    return f"{message} ({'; '.join(hints)})" if hints else message


def _exit_on_sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``powergames`` console script; returns the process exit code."""
    if threading.current_thread() is not threading.main_thread():
        return _main(argv)
    # SIGTERM unwinds like Ctrl-C (workers stopped, files and semaphores released), exit 143
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        return _main(argv)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    # ``key=value`` overrides may follow options (``train CONFIG --resume seed=1``).
    if (
        extra
        and hasattr(args, "overrides")
        and all("=" in e and not e.startswith("-") for e in extra)
    ):
        args.overrides = [*(args.overrides or []), *extra]
    elif extra:
        own = getattr(args, "_parser", None) or parser
        own.error(unrecognized_message(own, extra, hasattr(args, "overrides")))
    if getattr(args, "_run", None) is None:
        parser.print_help()
        return 2
    try:
        return int(args._run(args) or 0)
    except Exception as exc:
        if not is_user_error(exc):
            raise
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"powergames {args.command}: error: {message}", file=sys.stderr)
        return 2
