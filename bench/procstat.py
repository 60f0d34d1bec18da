"""CPU and memory of processes and of the machine, read from ``/proc``.

A process's ``/proc/<pid>/stat`` counts the CPU time of all its threads, including threads that
have already exited, so one read per process covers a gRPC server's thread pool. Times are in
clock ticks (usually 10 ms), which is why the benchmark divides a phase's CPU by thousands of
requests rather than timing single calls.
"""

from __future__ import annotations

import os
import platform
import re
from dataclasses import dataclass
from pathlib import Path

_TICK_S = 1.0 / os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True, slots=True)
class CpuTimes:
    """User and system CPU seconds."""

    user: float = 0.0
    system: float = 0.0

    @property
    def total(self) -> float:
        """User plus system seconds."""
        return self.user + self.system

    def __sub__(self, other: CpuTimes) -> CpuTimes:
        return CpuTimes(self.user - other.user, self.system - other.system)

    def __add__(self, other: CpuTimes) -> CpuTimes:
        return CpuTimes(self.user + other.user, self.system + other.system)


def process_cpu(pid: int) -> CpuTimes:
    """utime and stime of a process (all its threads); zero once it has gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return CpuTimes()
    # The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    fields = text[text.rindex(")") + 2 :].split()
    return CpuTimes(int(fields[11]) * _TICK_S, int(fields[12]) * _TICK_S)


def process_rss(pid: int) -> int:
    """Resident set size of a process in bytes (0 once it has gone)."""
    try:
        resident = Path(f"/proc/{pid}/statm").read_text().split()[1]
    except (FileNotFoundError, ProcessLookupError):
        return 0
    return int(resident) * _PAGE


@dataclass(frozen=True, slots=True)
class MachineCpu:
    """Cumulative CPU seconds of the whole machine, summed over cores."""

    busy: float
    total: float
    steal: float

    def __sub__(self, other: MachineCpu) -> MachineCpu:
        return MachineCpu(
            self.busy - other.busy, self.total - other.total, self.steal - other.steal
        )


def machine_cpu() -> MachineCpu:
    """The first line of ``/proc/stat``: busy (not idle or iowait), total and steal seconds."""
    first = Path("/proc/stat").read_text().splitlines()[0].split()
    ticks = [int(value) for value in first[1:]]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)
    steal = ticks[7] if len(ticks) > 7 else 0
    # guest time is already counted in user time; leave it out of the total.
    total = sum(ticks[:8])
    return MachineCpu((total - idle) * _TICK_S, total * _TICK_S, steal * _TICK_S)


def cpu_model() -> str:
    """The CPU model name from ``/proc/cpuinfo``."""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def cpu_mhz() -> float | None:
    """The first core's current clock from ``/proc/cpuinfo``, if reported."""
    match = re.search(r"^cpu MHz\s*:\s*([\d.]+)", Path("/proc/cpuinfo").read_text(), re.M)
    return float(match.group(1)) if match else None


def memory_total() -> int:
    """Physical memory in bytes."""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) * 1024
    return 0


def load_average() -> tuple[float, float, float]:
    """The 1, 5 and 15 minute load averages."""
    one, five, fifteen = os.getloadavg()
    return one, five, fifteen
