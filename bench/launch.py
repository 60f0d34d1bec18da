"""Exec a command that receives SIGTERM when the benchmark that started it dies.

    python -m bench.launch PARENT_PID [--cpus 1] COMMAND [ARG ...]

``prctl(PR_SET_PDEATHSIG)`` survives ``execv``, so the server keeps the setting without
``preexec_fn`` (which is unsafe in a parent that has threads, as a benchmark with gRPC
channels does). If the parent is already gone, nothing is started. ``--cpus`` pins the command
(and every thread it will start) to those CPUs.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

_PR_SET_PDEATHSIG = 1


def main(argv: list[str]) -> int:
    """Set the parent-death signal, check the parent still lives, exec the command."""
    parent, command = int(argv[0]), argv[1:]
    if command[:1] == ["--cpus"]:
        os.sched_setaffinity(0, {int(cpu) for cpu in command[1].split(",")})
        command = command[2:]
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM) != 0:
        return 3
    if os.getppid() != parent:
        return 4
    os.execv(command[0], command)  # noqa: S606  # the benchmark's own interpreter and arguments
    return 5  # pragma: no cover - execv does not return


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
