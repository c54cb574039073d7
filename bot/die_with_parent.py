"""Runs a command that Linux stops (SIGTERM) as soon as the process that started it dies.

    python -m bot.die_with_parent <parent pid> <command> [arguments ...]

The launcher starts every server through this, so a server never outlives the launcher: not
after Ctrl-C, not after a SIGTERM to `make run`'s process group, not even after a SIGKILL of
the launcher, which leaves it no chance to stop anything itself. It sets the kernel's
"parent death signal" (prctl PR_SET_PDEATHSIG) and then becomes the command (exec), which
keeps the setting. Elsewhere than on Linux it just runs the command.

Start it from a thread that lives as long as the server should: Linux sends the signal when
the *thread* that started the process ends, not only the whole parent process (a server
started from a worker thread of a ThreadPoolExecutor dies with that worker).
"""
from __future__ import annotations

import ctypes
import os
import signal
import sys
from typing import List, Optional

PR_SET_PDEATHSIG = 1


def ask_for_termination_with_parent() -> bool:
    """Asks Linux to send this process SIGTERM when its parent dies; returns False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        return False
    return True


def main(argv: Optional[List[str]] = None) -> None:
    """Sets the parent death signal, checks the parent is still there, and execs the command."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if len(arguments) < 2:
        raise SystemExit("usage: python -m bot.die_with_parent <parent pid> <command> [arguments ...]")
    parent, command = int(arguments[0]), arguments[1:]
    if ask_for_termination_with_parent() and os.getppid() != parent:
        # The parent died before the signal was set up: nobody is left to stop us later.
        raise SystemExit(f"bot.die_with_parent: the parent {parent} has gone (now {os.getppid()}); "
                         "not starting the server.")
    os.execvp(command[0], command)


if __name__ == "__main__":
    main()
