"""Real Redis processes for tests: a private server that can be killed, and a 3-node Cluster."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import redis

STARTUP_S = 10.0


def _binary(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise RuntimeError(f"{name} is not on PATH; the Redis store tests need it")
    return path


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port(*, bus: bool = False) -> int:
    """A loopback port nobody listens on (and, for Cluster, its bus port ``+10000`` too)."""
    for _ in range(100):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port: int = sock.getsockname()[1]
        if not bus or (port < 55535 and _port_free(port + 10000)):
            return port
    raise RuntimeError("no free loopback port found")


def _wait(check: Callable[[], object], what: str) -> None:
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except redis.RedisError:
            pass
        time.sleep(0.02)
    raise RuntimeError(f"timed out waiting for {what}")


class RedisProcess:
    """One ``redis-server`` on 127.0.0.1, not persisted, killable and restartable on its port."""

    def __init__(self, workdir: Path, port: int | None = None, *, cluster: bool = False) -> None:
        self.port = port or free_port(bus=cluster)
        self.workdir = workdir
        self.cluster = cluster
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """``redis://`` URL of this server."""
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        """A plain client to inspect the server (1 s timeouts)."""
        return redis.Redis(port=self.port, socket_timeout=1.0, socket_connect_timeout=1.0)

    def start(self) -> None:
        """Start the server and wait until it answers PING."""
        args = [_binary("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1"]
        args += ["--dir", str(self.workdir), "--save", "", "--appendonly", "no"]
        args += ["--daemonize", "no", "--loglevel", "warning"]
        if self.cluster:
            args += ["--cluster-enabled", "yes", "--cluster-config-file", f"nodes-{self.port}.conf"]
        self._proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = self.client()
        try:
            _wait(client.ping, f"redis-server on port {self.port}")
        finally:
            client.close()

    def wait_cluster_ok(self) -> None:
        """Wait until this node reports ``cluster_state:ok``."""
        client = self.client()

        def ok() -> bool:
            info: dict[str, object] = client.cluster("info")
            return info["cluster_state"] == "ok"

        try:
            _wait(ok, f"cluster_state:ok on port {self.port}")
        finally:
            client.close()

    def kill(self) -> None:
        """SIGKILL the server (no shutdown, no goodbye to clients) and reap it."""
        if self._proc is not None:
            self._proc.send_signal(signal.SIGKILL)
            self._proc.wait(timeout=STARTUP_S)
            self._proc = None

    def stop(self) -> None:
        """Terminate the server gracefully, or kill it if it lingers."""
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=STARTUP_S)
            except subprocess.TimeoutExpired:
                self.kill()
            self._proc = None


class RedisClusterProcesses:
    """Three primaries, no replicas, all 16384 slots covered."""

    def __init__(self, workdir: Path, size: int = 3) -> None:
        self.nodes = [RedisProcess(workdir, cluster=True) for _ in range(size)]

    @property
    def url(self) -> str:
        """Seed URL for :class:`service.state.redis_store.RedisStateStore`."""
        return f"redis+cluster://127.0.0.1:{self.nodes[0].port}"

    def start(self) -> None:
        """Start the nodes, join them into a cluster and wait for ``cluster_state:ok``."""
        try:
            for node in self.nodes:
                node.start()
            addresses = [f"127.0.0.1:{node.port}" for node in self.nodes]
            flags = ["--cluster-replicas", "0", "--cluster-yes"]
            subprocess.run(
                [_binary("redis-cli"), "--cluster", "create", *addresses, *flags],
                check=True,
                capture_output=True,
                timeout=STARTUP_S * 3,
            )
            for node in self.nodes:
                node.wait_cluster_ok()
        except BaseException:
            self.stop()
            raise

    def flush(self) -> None:
        """Empty every node (between tests)."""
        for node in self.nodes:
            client = node.client()
            try:
                client.flushall()
            finally:
                client.close()

    def stop(self) -> None:
        """Stop every node."""
        for node in self.nodes:
            node.stop()
