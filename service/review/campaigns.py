"""Campaigns: connected components of accounts over shared identifier keys.

The graph: an account is joined to every identifier key it signed up with (device, card, phone,
normalised mailbox, and its IP /24 within one ``ip_window_s`` bucket -- IPs link only within a
short window). A key links only the first ``cap(kind)`` accounts seen with it (its ``rank``), so
a campus NAT, a carrier IP or a shared office device stops linking instead of making one giant
component; ranks never change, so an edge never disappears and incremental updates are exact.

A campaign is a component of two or more accounts; its id is derived from its smallest account
id (:func:`campaign_id`), so the same partition always has the same ids. Singletons have no row.
Its span runs from the first to the last link time of its members.

Two ways to the same answer:

- :func:`apply_edges`, incremental: the decision writer unions each batch's new links (every
  later account of a key with the key's first account, its *anchor*) into ``campaign_members``,
  relabelling merged campaigns in one UPDATE each;
- :func:`recompute`, full: ``scipy.sparse.csgraph.connected_components`` over the account-key
  incidence matrix of every link (1M accounts x 3 keys in well under a second), and
  :func:`rewrite` replaces the tables with it if they differ.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from sqlalchemy import (
    BindParameter,
    Connection,
    bindparam,
    case,
    delete,
    func,
    insert,
    select,
    update,
)

from service.review.effects import chunks
from service.store.schema import campaign_members, campaigns, identifier_links


def campaign_id(min_account: str) -> str:
    """The id of the campaign whose smallest account id is ``min_account``."""
    return "cp-" + hashlib.sha256(min_account.encode("utf-8", "surrogatepass")).hexdigest()[:20]


@dataclass(frozen=True, slots=True)
class Partition:
    """Accounts of non-singleton components: account -> campaign id, and each one's row."""

    members: Mapping[str, str]
    rows: Mapping[str, tuple[str, int, float, float]]  # id -> (min_account, size, first, last)


class _UnionFind:
    """Union-find with path halving and union by size."""

    def __init__(self) -> None:
        self.parent: dict[object, object] = {}
        self.size: dict[object, int] = {}

    def find(self, x: object) -> object:
        parent = self.parent
        parent.setdefault(x, x)
        self.size.setdefault(x, 1)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: object, b: object) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]


def _account_times(conn: Connection, accounts: Iterable[str]) -> dict[str, tuple[float, float]]:
    """(first, last) time of each account's links."""
    times: dict[str, tuple[float, float]] = {}
    for batch in chunks(accounts):
        for account, first, last in conn.execute(
            select(
                identifier_links.c.account_id,
                func.min(identifier_links.c.at),
                func.max(identifier_links.c.at),
            )
            .where(identifier_links.c.account_id.in_(batch))
            .group_by(identifier_links.c.account_id)
        ):
            times[account] = (float(first), float(last))
    return times


def apply_edges(conn: Connection, edges: Sequence[tuple[str, str]]) -> int:
    """Union each ``(account, anchor)`` into ``campaign_members``; the number of merges."""
    if not edges:
        return 0
    accounts = sorted({a for edge in edges for a in edge})
    label: dict[str, str] = {}
    for batch in chunks(accounts):
        label.update(
            conn.execute(
                select(campaign_members.c.account_id, campaign_members.c.campaign_id).where(
                    campaign_members.c.account_id.in_(batch)
                )
            ).all()
        )
    known: dict[str, tuple[str, int, float, float]] = {}
    for batch in chunks(sorted(set(label.values()))):
        for row in conn.execute(select(campaigns).where(campaigns.c.campaign_id.in_(batch))):
            known[row.campaign_id] = (row.min_account, row.size, row.first_at, row.last_at)
    loose = [a for a in accounts if a not in label]
    times = _account_times(conn, loose)

    def node(account: str) -> tuple[str, str]:
        cid = label.get(account)
        return ("c", cid) if cid is not None else ("a", account)

    uf = _UnionFind()
    for a, b in edges:
        uf.union(node(a), node(b))
    groups: dict[object, list[tuple[str, str]]] = {}
    for n in {node(a) for a in accounts}:
        groups.setdefault(uf.find(n), []).append(n)
    merges = 0
    joined: list[dict[str, str]] = []
    created: list[dict[str, object]] = []
    changed: list[dict[str, object]] = []
    gone: list[str] = []
    for nodes in groups.values():
        if len(nodes) < 2:
            continue
        olds = [v for kind, v in nodes if kind == "c"]
        news = [v for kind, v in nodes if kind == "a"]
        parts = [known[c] for c in olds]
        min_account = min([p[0] for p in parts] + news)
        target = campaign_id(min_account)
        size = sum(p[1] for p in parts) + len(news)
        first = min([p[2] for p in parts] + [times[a][0] for a in news if a in times])
        last = max([p[3] for p in parts] + [times[a][1] for a in news if a in times])
        relabel = [c for c in olds if c != target]
        if relabel:  # a merge of existing campaigns: rare, one UPDATE each
            conn.execute(
                update(campaign_members)
                .where(campaign_members.c.campaign_id.in_(relabel))
                .values(campaign_id=target)
            )
            gone.extend(relabel)
            merges += len(relabel)
        joined.extend({"account_id": a, "campaign_id": target} for a in news)
        values = {"min_account": min_account, "size": size, "first_at": first, "last_at": last}
        if target in olds:
            changed.append({"target": target, **values})
        else:
            created.append({"campaign_id": target, **values})
    if gone:
        conn.execute(delete(campaigns).where(campaigns.c.campaign_id.in_(gone)))
    if joined:
        conn.execute(insert(campaign_members), joined)
    if created:
        conn.execute(insert(campaigns), created)
    if changed:
        conn.execute(
            update(campaigns)
            .where(campaigns.c.campaign_id == bindparam("target"))
            .values(
                min_account=bindparam("min_account"),
                size=bindparam("size"),
                first_at=bindparam("first_at"),
                last_at=bindparam("last_at"),
            ),
            changed,
        )
    return merges


def widen(conn: Connection, seen: Mapping[str, tuple[float, float]]) -> None:
    """Stretch the span of the campaigns of accounts just seen at (first, last) times."""
    spans: dict[str, tuple[float, float]] = {}
    for batch in chunks(sorted(seen)):
        for account, cid in conn.execute(
            select(campaign_members.c.account_id, campaign_members.c.campaign_id).where(
                campaign_members.c.account_id.in_(batch)
            )
        ):
            f, la = seen[account]
            old = spans.get(cid)
            spans[cid] = (f, la) if old is None else (min(old[0], f), max(old[1], la))
    if not spans:
        return
    first: BindParameter[float] = bindparam("f")
    last: BindParameter[float] = bindparam("l")
    conn.execute(
        update(campaigns)
        .where(campaigns.c.campaign_id == bindparam("target"))
        .values(
            first_at=case((campaigns.c.first_at > first, first), else_=campaigns.c.first_at),
            last_at=case((campaigns.c.last_at < last, last), else_=campaigns.c.last_at),
        ),
        [{"target": c, "f": f, "l": la} for c, (f, la) in spans.items()],
    )


def recompute(conn: Connection, caps: Mapping[str, int]) -> Partition:
    """Components of every link within its kind's cap, computed from scratch with scipy."""
    accounts: dict[str, int] = {}
    keys: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    first: dict[str, float] = {}
    latest: dict[str, float] = {}
    query = select(
        identifier_links.c.account_id,
        identifier_links.c.key,
        identifier_links.c.kind,
        identifier_links.c.rank,
        identifier_links.c.at,
    )
    for account, key, kind, rank, at in conn.execute(query):
        index = accounts.setdefault(account, len(accounts))
        if at < first.get(account, float("inf")):
            first[account] = at
        if at > latest.get(account, float("-inf")):
            latest[account] = at
        if rank <= caps.get(kind, 0):
            rows.append(index)
            cols.append(keys.setdefault(key, len(keys)))
    n_accounts = len(accounts)
    if n_accounts == 0:
        return Partition({}, {})
    n = n_accounts + len(keys)
    graph = coo_matrix(
        (
            np.ones(len(rows), dtype=np.int8),
            (np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64) + n_accounts),
        ),
        shape=(n, n),
    ).tocsr()
    _, labels = connected_components(graph, directed=False)
    account_labels = labels[:n_accounts]
    counts = np.bincount(account_labels)
    names = list(accounts)
    groups: dict[int, list[str]] = {}
    for i in np.nonzero(counts[account_labels] >= 2)[0]:
        groups.setdefault(int(account_labels[i]), []).append(names[i])
    members: dict[str, str] = {}
    out: dict[str, tuple[str, int, float, float]] = {}
    for group in groups.values():
        min_account = min(group)
        label = campaign_id(min_account)
        out[label] = (
            min_account,
            len(group),
            min(first[a] for a in group),
            max(latest[a] for a in group),
        )
        for a in group:
            members[a] = label
    return Partition(members, out)


def stored(conn: Connection) -> Partition:
    """The partition the tables hold now."""
    members = dict(
        conn.execute(select(campaign_members.c.account_id, campaign_members.c.campaign_id)).all()
    )
    rows = {
        r.campaign_id: (r.min_account, r.size, r.first_at, r.last_at)
        for r in conn.execute(select(campaigns))
    }
    return Partition(members, rows)


def rewrite(conn: Connection, partition: Partition) -> int:
    """Make the tables hold ``partition``; the number of accounts whose campaign changed."""
    now = stored(conn)
    changed = sum(
        1
        for a in set(now.members) | set(partition.members)
        if now.members.get(a) != partition.members.get(a)
    )
    if changed == 0 and now.rows == partition.rows:
        return 0
    conn.execute(delete(campaign_members))
    conn.execute(delete(campaigns))
    if partition.members:
        conn.execute(
            insert(campaign_members),
            [{"account_id": a, "campaign_id": c} for a, c in partition.members.items()],
        )
        conn.execute(
            insert(campaigns),
            [
                {"campaign_id": c, "min_account": m, "size": s, "first_at": f, "last_at": la}
                for c, (m, s, f, la) in partition.rows.items()
            ],
        )
    return changed
