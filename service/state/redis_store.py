"""Redis state store: the memory store's exact counts, shared by every replica.

URLs: ``redis://host:port/db`` (also ``rediss://``, ``unix://``) for one server,
``redis+cluster://host:port`` (or ``rediss+cluster://``) for Redis Cluster, naming any one node.
Needs Redis >= 7.0 (the Lua program declares ``#!lua``).

Round trips: on one server, ``observe_signup`` / ``observe_api_key`` are ONE ``EVALSHA`` each,
atomic; ``remember_decision`` calls are queued and written together, one ``EVALSHA`` per batch
every few milliseconds (:mod:`service.state.attach`). On Cluster a script may touch only one
hash slot, so a request is two: ``SET NX`` of the event id, then one ``EVALSHA`` per slot,
pipelined per node and sent to all nodes before reading (see :mod:`service.state.redis_exec`).
Each entity is atomic on its own; across entities a concurrent request may interleave, which
sequential replay never sees. The linked group is one more value of the same calls: on one
server the script unions the group links' sets; on Cluster each slot's script returns its
set's members when the set is small and the union is finished client-side — no extra round
trip either way. The flag mass of the group links (:mod:`service.state.flags`) rides on the same
ops: on one server the script sums it and stores it on a new account (the snapshot) in the same
call; on Cluster the sum is finished client-side and the snapshot (with the group size) is
written by the attacher, off the request path: another replica sees it at most ~``linger_s``
late, and this process's own key creation for the account settles it first. Holding an account
(a REVIEW or BLOCK decision) is written by the attacher too, in up to three background calls per
batch: ``D`` marks the account held once and returns its group-link keys; ``F`` adds the links'
flag mass and returns their members; ``A`` pushes +1 per shared link to each member. Between
the calls an account joining a link sees its mass or is among its members, never both nor
neither. (Doing it in one script would need keys the script does not declare, which Cluster
refuses and which Redis documents as unsupported.)

Key layout (``P`` is the key prefix, default ``sg:``; ``ns`` is ``s`` for signups, ``k`` for
API-key creations; ``kind`` an entity name of :mod:`service.state.base`; ``key`` the caller's
keyed hash, or the raw account id for ``k:account``). The ``{...}`` hash tag puts every key of
one entity in one slot:

=============================  ======  ===========================================  ==========
key                            type    content                                      TTL
=============================  ======  ===========================================  ==========
``P{ns:kind:key}:m``           hash    minute index -> count (<= 61 fields)         1 h + slack
``P{ns:kind:key}:h``           hash    hour index -> count (<= 169 fields)          7 d + slack
``P{ns:kind:key}:l``           hash    account id -> "" (<= link_cap fields)        retention
``P{s:kind:key}:f``            hash    m t: the group link's flag mass and time     retention
``P{a:account}``               hash    at ip p d c ph em g s a h n f fm ft          retention
``P{e:event_id}``              string  "1": the event id was seen                   retention
=============================  ======  ===========================================  ==========

Account fields: ``at`` signup time, ``ip``/``p``/``d``/``c``/``ph``/``em`` the signup's ip,
ip-prefix, device, card, phone and mailbox hashes, ``g`` its linked group size, ``s``/``a`` the
decision's score and action, ``h`` set once a decision held it, ``n`` API keys created, ``f``
the first key's time, ``fm``/``ft`` its flag mass and the time it is counted from. Times and
scores are stored as Python's ``repr`` of the float, so they read back
bit-identical. Linked accounts are a hash, not a set: Redis 7.0 stores small hashes as a listpack
(136 bytes for one member) but every set of strings as a hashtable (232). Signups keep link
hashes for ``SIGNUP_LINKS`` (ip, device, card, phone, email), key creations for
``API_KEY_LINKS``; a signup's linked group is read from its ``GROUP_LINKS`` hashes (all but
the ip's) and stored nowhere.

TTLs are relative (``EXPIRE``, refreshed on each write), never ``EXPIREAT`` of the event time, so
an event-clock replay of an old stream keeps its keys as long as a live one. Counts depend only
on ``at``: a TTL ends a key only once every window that could read it has closed (plus
``ttl_slack_s`` for events arriving late). Retention caps everything, as in the memory store.

Memory (Redis 7.0, ``used_memory`` growth including key, dict and expiry overheads): about
160 B per bucket hash of a rarely seen entity, 190 B per small link hash, 260 B per account,
110 B per event id. A signup whose eight entities are all new costs 3.7 KB, 1.1 KB of it in
minute hashes that expire after 75 minutes; with typical sharing (new email, most devices and
IPs new, shared prefixes, domains and shapes) about 2.5 KB, 0.6 KB of it minute hashes. (The
email link hash added 190 B to both, measured: 3.5 KB and 2.3 KB before it.) So 1M signups a
day kept 7 days need roughly 13 GB (typical) to 18 GB (all new); a retention of 30 days (the
default) keeps links, accounts and event ids 23 days longer, about +24 GB. Those figures were
measured with spec 2's eight signup entities; spec 3 adds four coordination cells (exact user
agent, identity template, phone block, card BIN), each a minute and an hour hash. Not measured
again: by the per-hash figure above, at most about 1.3 KB more per signup when all four are new,
far less in practice since user agents, templates and BINs are shared by many signups.
Spec 4 adds the card, phone and mailbox keys, group size and flag mass to each account hash
and a small flag hash to each link of a held account; not measured either (by the per-field
cost of a listpack, on the order of 150 B per account).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from service.state import flags
from service.state.attach import Attacher, Batch
from service.state.base import (
    API_KEY_ENTITIES,
    API_KEY_LINKS,
    GROUP_LINKS,
    SIGNUP_ENTITIES,
    SIGNUP_LINKS,
    AccountRecord,
    ApiKeyKeys,
    ApiKeyState,
    SignupKeys,
    SignupState,
)
from service.state.redis_exec import ClusterExecutor, Op, SingleExecutor, Timeouts
from service.state.windows import (
    HOUR,
    HOUR_KEEP,
    MINUTE,
    MINUTE_KEEP,
    WINDOWS,
    hour_index,
    minute_index,
)

CLUSTER_SCHEMES = ("redis+cluster://", "rediss+cluster://")
SINGLE_SCHEMES = ("redis://", "rediss://", "unix://")
_NONE_WINDOWS: tuple[None, ...] = (None,) * len(WINDOWS)
_Getter = Callable[[str], str | None]


class RedisStateStore:
    """:class:`service.state.base.StateStore` on Redis or Redis Cluster; thread-safe."""

    def __init__(
        self,
        url: str,
        *,
        timeout_s: float = 0.05,
        connect_timeout_s: float = 0.1,
        retries: int = 0,
        pool_size: int = 16,
        key_prefix: str = "sg:",
        retention_s: float = 30 * 86400.0,
        link_cap: int = 1000,
        ttl_slack_s: float = 900.0,
    ) -> None:
        """Configure the client; no connection is made until the first call.

        ``timeout_s`` bounds each reply and the wait for a pooled connection; ``retries``
        (0 or 1) re-sends after a connection error on one server — a script re-run after a
        timeout reports the event as a duplicate rather than counting it twice.
        """
        if "{" in key_prefix or "}" in key_prefix:
            raise ValueError("the key prefix must not contain a hash tag brace")
        if not 0 <= retries <= 1:
            raise ValueError("retries must be 0 or 1")
        limits = Timeouts(timeout_s, connect_timeout_s, retries, pool_size)
        self._exec: SingleExecutor | ClusterExecutor
        if url.startswith(CLUSTER_SCHEMES):
            self._exec = ClusterExecutor(url.replace("+cluster", "", 1), limits)
        elif url.startswith(SINGLE_SCHEMES):
            self._exec = SingleExecutor(url, limits)
        else:
            raise ValueError(f"unsupported Redis URL scheme in {url.split('://', maxsplit=1)[0]!r}")
        self._prefix = key_prefix
        self._link_cap = str(link_cap)
        retention = max(1, int(retention_s))
        self._ttls = (
            str(min(retention, int(MINUTE_KEEP * MINUTE + ttl_slack_s))),
            str(min(retention, int(HOUR_KEEP * HOUR + ttl_slack_s))),
            str(retention),
        )
        self._attacher = Attacher(self._attach)

    # -- StateStore -------------------------------------------------------------------------

    def observe_signup(self, event_id: str, at: float, keys: SignupKeys) -> SignupState:
        """Read the counts before ``at`` and record this signup, atomically."""
        fields: list[str] = []
        for field, value in (
            ("ip", keys.ip),
            ("p", keys.ip_prefix),
            ("d", keys.device),
            ("c", keys.card),
            ("ph", keys.phone),
            ("em", keys.email),
        ):
            if value is not None:
                fields += (field, value)
        ops = [Op("E", (self._event(event_id),))]
        ops += self._entity_ops(
            "s", SIGNUP_ENTITIES, SIGNUP_LINKS, keys.entity, keys.account, group=GROUP_LINKS
        )
        ops.append(Op("S", (self._account(keys.account),), (str(len(fields) // 2), *fields)))
        replies = iter(self._exec.run(self._header(at), ops))
        duplicate = next(replies)[0] == 1
        velocity = self._velocity(SIGNUP_ENTITIES, keys.entity, replies)
        linked = self._linked(SIGNUP_LINKS, keys.entity, replies)
        grouped = any(keys.entity(name) is not None for name in GROUP_LINKS)
        group = mass = None
        if grouped:
            group_s, mass_s = next(replies)
            group, mass = int(group_s), float(mass_s)
        created = next(replies)[0] == 1
        if created and grouped and isinstance(self._exec, ClusterExecutor):
            assert mass is not None  # grouped: the U op answered
            self._attacher.snapshot(keys.account, mass, at, group)
        flagged = None if mass is None else flags.value(mass)
        return SignupState(duplicate, velocity, linked, group, flagged)

    def observe_api_key(self, event_id: str, at: float, keys: ApiKeyKeys) -> ApiKeyState:
        """Read the account and key counts before ``at`` and record this creation, atomically."""
        self._attacher.settle(keys.account)
        ops = [Op("E", (self._event(event_id),))]
        ops += self._entity_ops("k", API_KEY_ENTITIES, API_KEY_LINKS, keys.entity, keys.account)
        ops.append(Op("K", (self._account(keys.account),)))
        replies = iter(self._exec.run(self._header(at), ops))
        duplicate = next(replies)[0] == 1
        velocity = self._velocity(API_KEY_ENTITIES, keys.entity, replies)
        linked = self._linked(API_KEY_LINKS, keys.entity, replies)
        at_s, ip, prefix, device, score, action, n, first, group, mass, since = next(replies)
        record = flagged = None
        if at_s is not None:
            record = AccountRecord(
                float(at_s),
                ip,
                prefix,
                device,
                None if score is None else float(score),
                None if action is None else int(action),
                None if group is None else int(group),
            )
            raw = flags.decayed(_float(mass), 0.0 if since is None else float(since), at)
            flagged = flags.value(raw)
        first_key_at = None if first is None else float(first)
        return ApiKeyState(duplicate, record, int(n or 0), first_key_at, velocity, linked, flagged)

    def remember_decision(self, account: str, score: float, action: int) -> None:
        """Attach the signup decision to the account, for its later API-key creations.

        Queued and written in batches (:mod:`service.state.attach`); this process's own key
        creations always see it.
        """
        self._attacher.add(account, score, action)

    def flush(self) -> None:
        """Write queued attachments now (decisions, holds, Cluster snapshots); for tests."""
        self._attacher.flush()

    def close(self) -> None:
        """Write queued attachments, close the connections; the data stays until its TTLs."""
        self._attacher.close()
        self._exec.close()

    def _attach(self, batch: Batch) -> None:
        """Snapshots and decisions; then, for accounts newly held, their links and members."""
        header = self._header(0.0)
        ops: list[Op] = []
        for account, entry in batch.items():
            if entry.snapshot is not None:
                mass, at, group = entry.snapshot
                args = (repr(float(mass)), repr(float(at)), "" if group is None else str(group))
                ops.append(Op("P", (self._account(account),), args))
        decided = [(a, e) for a, e in batch.items() if e.decision is not None]
        for account, entry in decided:
            score, action = entry.decision or (0.0, 0)
            args = (repr(float(score)), str(int(action)), "1" if entry.hold else "0")
            ops.append(Op("D", (self._account(account),), args))
        if not any(entry.hold for _, entry in decided):
            self._exec.run(header, ops)
            return
        replies = self._exec.run(header, ops)[len(ops) - len(decided) :]
        links: list[tuple[str, str, str]] = []  # (held account, its signup time, link key)
        for (account, _), reply in zip(decided, replies, strict=True):
            at_s, *values = reply
            if at_s is None:
                continue  # not newly held
            for name, value in zip(GROUP_LINKS, values, strict=True):
                if value is not None:
                    links.append((account, at_s, f"{self._prefix}{{s:{name}:{value}}}"))
        if not links:
            return
        flagged = [Op("F", (f"{base}:l", f"{base}:f"), (a, at_s)) for a, at_s, base in links]
        held: dict[str, tuple[str, dict[str, int]]] = {}  # account -> (time, member -> links)
        for (account, at_s, _), (others,) in zip(
            links, self._exec.run(header, flagged), strict=True
        ):
            counts = held.setdefault(account, (at_s, {}))[1]
            for other in others:
                counts[other] = counts.get(other, 0) + 1
        pushes = [
            Op("A", (self._account(member),), (at_s, str(n)))
            for at_s, counts in held.values()
            for member, n in counts.items()
        ]
        if pushes:
            self._exec.run(header, pushes)

    # -- internals ----------------------------------------------------------------------------

    def _header(self, at: float) -> list[str]:
        m_ttl, h_ttl, r_ttl = self._ttls
        return [
            str(minute_index(at)),
            str(hour_index(at)),
            repr(float(at)),
            "1",
            self._link_cap,
            m_ttl,
            h_ttl,
            r_ttl,
        ]

    def _event(self, event_id: str) -> str:
        return f"{self._prefix}{{e:{event_id}}}"

    def _account(self, account: str) -> str:
        return f"{self._prefix}{{a:{account}}}"

    def _entity_ops(
        self,
        ns: str,
        names: Sequence[str],
        links: Sequence[str],
        get: _Getter,
        account: str,
        *,
        group: Sequence[str] = (),
    ) -> list[Op]:
        """C per entity, L per link (G for one of ``group``), then U if any G: present keys only."""
        ops: list[Op] = []
        for name in names:
            key = get(name)
            if key is not None:
                base = f"{self._prefix}{{{ns}:{name}:{key}}}"
                ops.append(Op("C", (f"{base}:m", f"{base}:h")))
        grouped = False
        for name in links:
            key = get(name)
            if key is not None:
                code = "G" if name in group else "L"
                grouped = grouped or code == "G"
                base = f"{self._prefix}{{{ns}:{name}:{key}}}"
                keys = (f"{base}:l", f"{base}:f") if code == "G" else (f"{base}:l",)
                ops.append(Op(code, keys, (account,)))
        if grouped:
            ops.append(Op("U", ()))
        return ops

    @staticmethod
    def _velocity(
        names: Sequence[str], get: _Getter, replies: Iterator[list[Any]]
    ) -> tuple[int | None, ...]:
        out: list[int | None] = []
        for name in names:
            out.extend(_NONE_WINDOWS if get(name) is None else next(replies))
        return tuple(out)

    @staticmethod
    def _linked(
        names: Sequence[str], get: _Getter, replies: Iterator[list[Any]]
    ) -> tuple[int | None, ...]:
        return tuple(None if get(name) is None else int(next(replies)[0]) for name in names)


def _float(value: str | None) -> float | None:
    return None if value is None else float(value)
