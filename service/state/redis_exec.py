"""How a list of state ops reaches Redis: one EVALSHA on one node, one batch per node on Cluster.

A *plan* is a header (see :mod:`service.state.redis_lua`) and ops. :class:`SingleExecutor` sends
the whole plan as ONE ``EVALSHA`` (redis-py's ``Script`` loads the program on ``NOSCRIPT``).
:class:`ClusterExecutor` cannot: a script may only touch one hash slot. It first claims the event
id (``SET NX EX``, one round trip to that key's node) — the gate that keeps a duplicate from being
recorded anywhere — then runs one ``EVALSHA`` per slot the remaining ops touch, written to every
node before any reply is read (one concurrent round trip, one pipelined batch per node). The
linked group spans slots, so there each group link (``G``) is sent as ``M``, which also returns
the set's members when it is small, and the keyless union (``U``) is finished here with
:func:`service.state.base.group_size` — the rule the script follows on one server — and the
group links' flag masses summed in the script's order.

Nothing is resent after a timeout: a script that timed out may have run, and running it again
would count twice. Only replies that prove a command did *not* run (``NOSCRIPT``, ``MOVED``,
``ASK``) are followed. Transport failures become :class:`~service.errors.StateUnavailable`;
broken connections are dropped by the pool and reopened on the next call, and Cluster refreshes
its slot map on the call after a failure.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from redis import BlockingConnectionPool, Redis, RedisCluster
from redis.backoff import NoBackoff
from redis.cluster import ClusterNode
from redis.crc import key_slot
from redis.exceptions import (
    AskError,
    ClusterError,
    ConnectionError,
    NoScriptError,
    OutOfMemoryError,
    ReadOnlyError,
    RedisClusterException,
    ResponseError,
    TimeoutError,
    TryAgainError,
)
from redis.retry import Retry

from service.errors import StateUnavailable
from service.state.base import group_size
from service.state.redis_lua import PROGRAM, WIDTH

# Replies that mean "not now" rather than "wrong": the caller's fail mode decides what follows.
_TRANSIENT = (
    ConnectionError,  # refused, reset, LOADING, pool exhausted
    TimeoutError,
    ClusterError,  # CLUSTERDOWN, MASTERDOWN
    TryAgainError,
    ReadOnlyError,  # a failover demoted the node
    OutOfMemoryError,
    AskError,  # MOVED/ASK still unresolved after following it once
    RedisClusterException,  # no reachable node, slot not covered
)


@dataclass(frozen=True, slots=True)
class Op:
    """One op of the Lua program: its opcode, the keys it touches and its arguments."""

    code: str
    keys: tuple[str, ...]
    args: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Client limits shared by both executors."""

    socket_s: float
    connect_s: float
    retries: int
    pool_size: int


@contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except _TRANSIENT as exc:
        raise StateUnavailable(f"redis: {type(exc).__name__}: {exc}") from exc
    except ResponseError as exc:
        if str(exc).startswith(("BUSY", "MASTERDOWN")):
            raise StateUnavailable(f"redis: {exc}") from exc
        raise


def _flatten(header: Sequence[str], ops: Sequence[Op]) -> tuple[list[str], list[str]]:
    keys: list[str] = []
    args = list(header)
    for op in ops:
        keys.extend(op.keys)
        args.append(op.code)
        args.extend(op.args)
    return keys, args


def _split(reply: list[Any], ops: Sequence[Op]) -> list[list[Any]]:
    out, i = [], 0
    for op in ops:
        n = WIDTH[op.code]
        out.append(reply[i : i + n])
        i += n
    if i != len(reply):
        raise ResponseError(f"signupguard: reply of {len(reply)} values, expected {i}")
    return out


def _shipping(op: Op) -> Op:
    return Op("M", op.keys, op.args) if op.code == "G" else op


def _unite(ops: Sequence[Op], replies: list[list[Any]]) -> list[list[Any]]:
    """Replies to the M ops sent for G ops cut back to G's, and each U's group and flag mass.

    The G ops of one plan carry the same account (the signup's), which the group leaves out.
    Flag masses are added in op order from 0.0, as the script adds them.
    """
    parts: list[tuple[int, list[str]]] = []
    account = ""
    total = 0.0
    for i, op in enumerate(ops):
        if op.code == "G":
            others, members, flag = replies[i]
            parts.append((int(others), members))
            total += float(flag)
            account = op.args[0]
            replies[i] = [others, flag]
        elif op.code == "U":
            replies[i] = [group_size(account, parts), repr(total)]
            parts, total = [], 0.0
    return replies


class SingleExecutor:
    """A plan as one EVALSHA on one Redis server (``redis://``, ``rediss://``, ``unix://``)."""

    def __init__(self, url: str, limits: Timeouts) -> None:
        pool = BlockingConnectionPool.from_url(
            url,
            max_connections=limits.pool_size,
            timeout=limits.socket_s,  # wait for a free connection no longer than for a reply
            socket_timeout=limits.socket_s,
            socket_connect_timeout=limits.connect_s,
            retry=Retry(NoBackoff(), limits.retries),
            decode_responses=True,
        )
        self._redis = Redis(connection_pool=pool)
        self._script = self._redis.register_script(PROGRAM)

    def run(self, header: Sequence[str], ops: Sequence[Op]) -> list[list[Any]]:
        """Each op's reply, in order; an ``E`` op first clears the record flag on a duplicate."""
        keys, args = _flatten(header, ops)
        with _translated():
            reply: list[Any] = self._script(keys, args)
            return _split(reply, ops)

    def close(self) -> None:
        """Close every pooled connection."""
        self._redis.close()
        self._redis.connection_pool.disconnect()


class ClusterExecutor:
    """A plan as a claim of the event id, then one EVALSHA per hash slot, batched per node."""

    def __init__(self, url: str, limits: Timeouts) -> None:
        self._url = url
        self._limits = limits
        # The name EVALSHA runs the program by (SHA1 is Redis's choice, not a security measure).
        self._sha = hashlib.sha1(PROGRAM.encode(), usedforsecurity=False).hexdigest()
        self._lock = threading.Lock()
        self._cluster: RedisCluster | None = None
        self._stale = False

    def run(self, header: Sequence[str], ops: Sequence[Op]) -> list[list[Any]]:
        """Each op's reply, in order, exactly as :meth:`SingleExecutor.run` gives it."""
        with _translated():
            cluster = self._client()
            replies: list[list[Any]] = [[] for _ in ops]
            rest = list(range(len(ops)))
            header = list(header)
            if ops and ops[0].code == "E":  # claim the event id first: a duplicate records nothing
                marker, retention = ops[0].keys[0], header[7]
                claim = ("SET", marker, "1", "NX", "EX", retention)
                fresh = self._batch(cluster, [(marker, claim)])[0] is not None
                replies[0] = [0 if fresh else 1]
                if not fresh:
                    header[3] = "0"  # the record flag
                rest = rest[1:]
            sent = [_shipping(op) for op in ops]  # G -> M: the members come back for U
            by_slot: dict[int, list[int]] = {}
            for i in rest:
                if ops[i].code != "U":  # keyless: finished below
                    by_slot.setdefault(key_slot(ops[i].keys[0].encode()), []).append(i)
            groups = list(by_slot.values())
            calls = []
            for group in groups:
                keys, args = _flatten(header, [sent[i] for i in group])
                calls.append((keys[0], ("EVALSHA", self._sha, len(keys), *keys, *args)))
            for group, reply in zip(groups, self._batch(cluster, calls), strict=True):
                for i, part in zip(group, _split(reply, [sent[i] for i in group]), strict=True):
                    replies[i] = part
            return _unite(ops, replies)

    def close(self) -> None:
        """Close every node's connections."""
        with self._lock:
            if self._cluster is not None:
                self._cluster.close()
                self._cluster = None

    def _client(self) -> RedisCluster:
        with self._lock:
            if self._cluster is None:  # connects and reads the slot map: done lazily, retried
                limits = self._limits
                self._cluster = RedisCluster.from_url(
                    self._url,
                    retry=Retry(NoBackoff(), limits.retries),
                    socket_timeout=limits.socket_s,
                    socket_connect_timeout=limits.connect_s,
                    connection_pool_class=BlockingConnectionPool,
                    max_connections=limits.pool_size,
                    timeout=limits.socket_s,
                    decode_responses=True,
                )
            elif self._stale:
                self._cluster.nodes_manager.initialize()
            self._stale = False
            return self._cluster

    def _batch(self, cluster: RedisCluster, calls: list[tuple[str, tuple[Any, ...]]]) -> list[Any]:
        """Replies to ``(routing key, command)`` calls: all nodes written, then all read."""
        nodes: dict[str, tuple[ClusterNode, list[int]]] = {}
        for i, (key, _) in enumerate(calls):
            node = cluster.nodes_manager.get_node_from_slot(key_slot(key.encode()))
            nodes.setdefault(node.name, (node, []))[1].append(i)
        results: list[Any] = [None] * len(calls)
        # (pool, connection, calls): redis-py's Connection and pool methods are untyped.
        held: list[tuple[Any, Any, list[int]]] = []
        unread: set[int] = set()
        try:
            for node, group in nodes.values():
                pool: Any = cluster.get_redis_connection(node).connection_pool
                conn: Any = pool.get_connection()
                held.append((pool, conn, group))
                unread.add(id(conn))
                conn.send_packed_command(conn.pack_commands([calls[i][1] for i in group]))
            for _, conn, group in held:
                for i in group:
                    try:
                        results[i] = conn.read_response()
                    except ResponseError as exc:  # the reply was read: the connection is in sync
                        results[i] = exc
                unread.discard(id(conn))
        except BaseException:
            self._stale = True  # the slot map may be what failed: re-read it on the next call
            raise
        finally:
            for pool, conn, _ in held:
                if id(conn) in unread:  # written but not read: its replies would mislead
                    conn.disconnect()
                pool.release(conn)
        return self._follow(cluster, calls, results)

    def _follow(
        self, cluster: RedisCluster, calls: list[tuple[str, tuple[Any, ...]]], results: list[Any]
    ) -> list[Any]:
        """Re-run the calls whose reply proves they did not run; raise any other error."""
        if any(isinstance(r, NoScriptError) for r in results):
            cluster.script_load(PROGRAM)
        for i, result in enumerate(results):
            if isinstance(result, (NoScriptError, AskError)):  # MovedError is an AskError
                execute: Any = cluster.execute_command  # untyped in redis-py
                results[i] = execute(*calls[i][1])
            elif isinstance(result, Exception):
                raise result
        return results
