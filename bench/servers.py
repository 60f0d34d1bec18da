"""Server subprocesses on loopback: start on free ports, wait until SERVING, always stop.

Each server is a child process of the benchmark, in its own session (a Ctrl-C in the terminal
reaches only the benchmark, which then stops them in order) and with a parent-death signal
(:mod:`bench.launch`), so a benchmark killed outright leaves no server behind. One "group" is
one or more processes answering on one port: two processes share it with ``--reuse-port``
(SO_REUSEPORT), which the kernel balances per TCP connection.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from bench import procstat

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
_START_TIMEOUT_S = 90.0
_STOP_TIMEOUT_S = 15.0

Kind = Literal["floor", "project"]
State = Literal["memory", "redis"]


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """What to run: the floor or the project, how many processes, which state."""

    kind: Kind
    processes: int = 1
    state: State = "memory"
    workers: int = 8
    profile_stages: bool = False
    decision_log: bool = True
    redis_url: str = "redis://127.0.0.1:6379/0"
    model: Path = ROOT / "models" / "default"
    pin: bool = False  # pin process i to CPU i (one process: the last CPU, the client gets 0)

    def label(self) -> str:
        """A short name such as ``project/redis x2``."""
        what = "floor" if self.kind == "floor" else f"project/{self.state}"
        return f"{what} x{self.processes}"


@dataclass
class _Child:
    popen: subprocess.Popen[bytes]
    log_path: Path
    log: IO[bytes]
    metrics_port: int | None


def server_cpus(config: ServerConfig, index: int) -> set[int] | None:
    """The CPUs process ``index`` of a group is pinned to (None: not pinned)."""
    cpus = sorted(os.sched_getaffinity(0))
    if not config.pin or len(cpus) < 2:
        return None
    if config.processes == 1:
        return {cpus[-1]}
    return {cpus[index % len(cpus)]}


def client_cpus(configs: list[ServerConfig]) -> set[int] | None:
    """Pinned single-process servers leave the first CPU to the load generator."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2 or not configs or not all(c.pin and c.processes == 1 for c in configs):
        return None
    return {cpus[0]}


def free_port() -> int:
    """A loopback TCP port that was free a moment ago (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


@functools.cache
def reuse_port_supported() -> bool:
    """Whether ``signupguard serve`` has ``--reuse-port`` (checked once, from its ``--help``)."""
    result = subprocess.run(
        [sys.executable, "-m", "service.cli", "serve", "--help"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        cwd=ROOT,
    )
    return "--reuse-port" in result.stdout


@dataclass
class ServerGroup:
    """One or more server processes on one port; use as a context manager."""

    config: ServerConfig
    workdir: Path
    port: int = 0
    key_prefix: str | None = None
    _children: list[_Child] = field(default_factory=list)

    @property
    def target(self) -> str:
        """``host:port`` for clients."""
        return f"{HOST}:{self.port}"

    @property
    def pids(self) -> list[int]:
        """Process ids of the servers."""
        return [child.popen.pid for child in self._children]

    @property
    def metrics_ports(self) -> list[int]:
        """The Prometheus port of each project process."""
        return [c.metrics_port for c in self._children if c.metrics_port is not None]

    def __enter__(self) -> ServerGroup:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Start every process and wait until each answers; raises if one dies or times out."""
        cfg = self.config
        if cfg.processes > 1 and cfg.kind == "project" and not reuse_port_supported():
            raise RuntimeError("signupguard serve has no --reuse-port")
        self.port = free_port()
        if cfg.kind == "project" and cfg.state == "redis":
            self.key_prefix = f"sgbench:{uuid.uuid4().hex[:12]}:"
        for index in range(cfg.processes):
            self._children.append(self._spawn(index))
            # Bind one at a time: the second must find the first's SO_REUSEPORT socket.
            self._wait_ready(self._children[-1])
        _wait_serving(self.target, time.monotonic() + _START_TIMEOUT_S)

    def _command(self, index: int, metrics_port: int | None) -> tuple[list[str], dict[str, str]]:
        cfg = self.config
        env = dict(os.environ)
        if cfg.kind == "floor":
            command = [sys.executable, "-m", "bench.floor", "--port", str(self.port)]
            command += ["--workers", str(cfg.workers)]
            if cfg.processes > 1:
                command.append("--reuse-port")
            return command, env
        state_url = "memory://" if cfg.state == "memory" else cfg.redis_url
        command = [
            sys.executable, "-m", "service.cli", "serve",
            "--host", HOST, "--port", str(self.port), "--clock", "event",
            "--model", str(cfg.model), "--workers", str(cfg.workers),
            "--state-url", state_url,
            "--database-url", f"sqlite:///{self.workdir / f'decisions-{self.port}-{index}.db'}",
            "--metrics-port", str(metrics_port),
        ]  # fmt: skip
        if cfg.processes > 1:
            command.append("--reuse-port")
        if cfg.profile_stages:
            command.append("--profile-stages")
        if self.key_prefix is not None:
            env["SIGNUPGUARD_STATE_KEY_PREFIX"] = self.key_prefix
        if cfg.state == "redis":  # the server refuses the development hash key with Redis
            env.setdefault("SIGNUPGUARD_HASH_KEY", f"bench-{uuid.uuid4().hex}")
        env["SIGNUPGUARD_LOG_DECISIONS"] = "true" if cfg.decision_log else "false"
        return command, env

    def _spawn(self, index: int) -> _Child:
        metrics_port = free_port() if self.config.kind == "project" else None
        command, env = self._command(index, metrics_port)
        log_path = self.workdir / f"{self.config.kind}-{self.port}-{index}.log"
        log = log_path.open("wb")
        launch = [sys.executable, "-m", "bench.launch", str(os.getpid())]
        cpus = server_cpus(self.config, index)
        if cpus is not None:
            launch += ["--cpus", ",".join(map(str, sorted(cpus)))]
        launch += command
        popen = subprocess.Popen(  # noqa: S603  # our own interpreter and fixed arguments
            launch,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        return _Child(popen, log_path, log, metrics_port)

    def _wait_ready(self, child: _Child) -> None:
        deadline = time.monotonic() + _START_TIMEOUT_S
        while time.monotonic() < deadline:
            if child.popen.poll() is not None:
                raise RuntimeError(f"server exited with {child.popen.returncode}: {tail(child)}")
            if child.metrics_port is not None:
                # The project opens /metrics only after it reports SERVING.
                with contextlib.suppress(OSError):
                    url = f"http://{HOST}:{child.metrics_port}/metrics"
                    with urllib.request.urlopen(url, timeout=2) as answer:  # loopback http
                        if answer.status == 200:
                            return
            elif b"ready " in child.log_path.read_bytes():
                return
            time.sleep(0.1)
        raise TimeoutError(f"server not ready after {_START_TIMEOUT_S:.0f} s: {tail(child)}")

    def metrics(self) -> list[str]:
        """The /metrics text of each project process."""
        out = []
        for port in self.metrics_ports:
            url = f"http://{HOST}:{port}/metrics"
            with urllib.request.urlopen(url, timeout=10) as answer:  # loopback http
                out.append(answer.read().decode())
        return out

    def rss(self) -> list[int]:
        """Resident memory of each process, bytes."""
        return [procstat.process_rss(pid) for pid in self.pids]

    def alive(self) -> bool:
        """Whether every process still runs."""
        return all(c.popen.poll() is None for c in self._children)

    def stop(self) -> None:
        """SIGTERM every process, then SIGKILL what has not exited in time; close logs."""
        for child in self._children:
            if child.popen.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    child.popen.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + _STOP_TIMEOUT_S
        for child in self._children:
            try:
                child.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.popen.kill()
                child.popen.wait(timeout=5)
            child.log.close()
        self._children.clear()

    def logs(self) -> list[Path]:
        """Log files of the processes (stdout and stderr together)."""
        return [c.log_path for c in self._children]


def tail(child: _Child, lines: int = 15) -> str:
    """The last lines of a child's log, for error messages."""
    child.log.flush()
    try:
        text = child.log_path.read_text(errors="replace")
    except FileNotFoundError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def _wait_serving(target: str, deadline: float) -> None:
    """Poll the standard health service until it says SERVING."""
    with grpc.insecure_channel(target) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while True:
            try:
                answer = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=2)
                if answer.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{target} not SERVING in time")
            time.sleep(0.1)
