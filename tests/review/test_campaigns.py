"""Campaigns: the writer's incremental union-find equals the full scipy recompute."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from service.review import campaigns as camp
from service.review.config import LINK_KINDS, ReviewConfig
from service.review.writer import ReviewWriter
from service.store import make_engine, upgrade
from service.store.schema import identifier_links

KINDS = LINK_KINDS


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A migrated SQLite database."""
    url = f"sqlite:///{tmp_path}/c.db"
    upgrade(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


def _pair(n: int, account: str, at: float, links: dict[str, str]) -> tuple[dict[str, Any], bytes]:
    row = {
        "decision_id": f"d-{n}",
        "account_id": account,
        "occurred_at": at,
        "case_id": "",
    }
    return row, orjson.dumps({"rv": {"l": links}})


def _write(engine: Engine, writer: ReviewWriter, batches: list[list[tuple[Any, bytes]]]) -> None:
    for batch in batches:
        with engine.begin() as conn:
            writer(conn, batch)


def _partition(p: camp.Partition) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for account, cid in p.members.items():
        groups.setdefault(cid, set()).add(account)
    return {frozenset(g) for g in groups.values()}


signups = st.lists(
    st.tuples(
        st.integers(0, 30),  # account
        st.dictionaries(st.sampled_from(KINDS), st.integers(0, 6), max_size=3),  # kind -> value
        st.floats(0, 20_000),  # time
    ),
    max_size=60,
)


@settings(max_examples=40, deadline=None)
@given(stream=signups, batch=st.integers(1, 7), cap=st.integers(2, 5))
def test_incremental_equals_full_recompute(
    tmp_path_factory: pytest.TempPathFactory, stream: list[Any], batch: int, cap: int
) -> None:
    """Whatever the stream, batch size and cap, the incremental tables equal the recompute."""
    url = f"sqlite:///{tmp_path_factory.mktemp('c')}/c.db"
    upgrade(url)
    engine = make_engine(url)
    config = ReviewConfig(
        link_cap=cap, ip_link_cap=cap, cell_link_cap=cap - 1, recompute_interval_s=0
    )
    writer = ReviewWriter(config)
    pairs = [
        _pair(n, f"a{acct:02d}", at, {k: f"{k}-{v}" for k, v in links.items()})
        for n, (acct, links, at) in enumerate(stream)
    ]
    _write(engine, writer, [pairs[i : i + batch] for i in range(0, len(pairs), batch)])
    with engine.begin() as conn:
        incremental = camp.stored(conn)
        full = camp.recompute(conn, config.caps())
        assert incremental.members == full.members  # same ids too: derived from the min account
        assert incremental.rows == full.rows
        assert writer.recompute(conn) == 0
    engine.dispose()


def test_a_common_identifier_links_only_its_first_accounts(engine: Engine) -> None:
    """A carrier IP /24 seen by 50 accounts links only the first ip_link_cap of them."""
    writer = ReviewWriter(ReviewConfig(ip_link_cap=5, recompute_interval_s=0))
    pairs = [_pair(i, f"a{i:03d}", 100.0 + i, {"ip24": "carrier"}) for i in range(50)]
    _write(engine, writer, [pairs])
    with engine.connect() as conn:
        p = camp.stored(conn)
        ranks = sorted(conn.execute(select(identifier_links.c.rank)).scalars())
    assert _partition(p) == {frozenset(f"a{i:03d}" for i in range(5))}
    assert ranks == list(range(1, 51))


def test_ip_links_only_within_a_window(engine: Engine) -> None:
    """The same /24 an hour apart links nothing; a device does, whatever the time."""
    writer = ReviewWriter(ReviewConfig(ip_window_s=3600, recompute_interval_s=0))
    pairs = [
        _pair(0, "a", 10.0, {"ip24": "net"}),
        _pair(1, "b", 10.0 + 7200, {"ip24": "net"}),
        _pair(2, "c", 10.0 + 7300, {"device": "d"}),
        _pair(3, "d", 10.0 + 90_000, {"device": "d"}),
    ]
    _write(engine, writer, [pairs])
    with engine.connect() as conn:
        assert _partition(camp.stored(conn)) == {frozenset({"c", "d"})}


def test_coordination_cells_link_within_their_window_up_to_their_cap(engine: Engine) -> None:
    """A phone block links its first cell_link_cap accounts of one day, not across days."""
    writer = ReviewWriter(
        ReviewConfig(cell_link_cap=3, cell_window_s=86400, recompute_interval_s=0)
    )
    day = 86400.0
    pairs = [_pair(i, f"a{i}", 10.0 + i, {"phone_block": "farm"}) for i in range(6)]
    pairs += [_pair(10, "late", 10.0 + 2 * day, {"phone_block": "farm"})]
    pairs += [_pair(20 + i, f"t{i}", 50.0 + i, {"identity_bin": "template+bin"}) for i in range(2)]
    _write(engine, writer, [pairs[:3], pairs[3:]])
    with engine.begin() as conn:
        assert _partition(camp.stored(conn)) == {
            frozenset({"a0", "a1", "a2"}),
            frozenset({"t0", "t1"}),
        }
        assert writer.recompute(conn) == 0  # the full recompute agrees


def test_cells_off_link_nothing(engine: Engine) -> None:
    """cell_link_cap 0: cells are recorded but join no campaign (the IP and devices still do)."""
    writer = ReviewWriter(ReviewConfig(cell_link_cap=0, recompute_interval_s=0))
    pairs = [_pair(i, f"a{i}", 10.0 + i, {"phone_block": "farm"}) for i in range(4)]
    pairs += [_pair(9, "a0", 11.0, {"device": "d"}), _pair(8, "z", 12.0, {"device": "d"})]
    _write(engine, writer, [pairs])
    with engine.begin() as conn:
        assert _partition(camp.stored(conn)) == {frozenset({"a0", "z"})}
        assert writer.recompute(conn) == 0


def test_merging_campaigns_relabels_to_the_smallest_account(engine: Engine) -> None:
    """Two campaigns joined by a new account become one, named after its smallest account."""
    writer = ReviewWriter(ReviewConfig(recompute_interval_s=0))
    _write(
        engine,
        writer,
        [
            [_pair(0, "m", 1.0, {"device": "x"}), _pair(1, "z", 2.0, {"device": "x"})],
            [_pair(2, "b", 3.0, {"card": "y"}), _pair(3, "q", 4.0, {"card": "y"})],
            [_pair(4, "k", 5.0, {"device": "x", "card": "y"})],
        ],
    )
    with engine.connect() as conn:
        p = camp.stored(conn)
    assert set(p.members.values()) == {camp.campaign_id("b")}
    assert p.rows[camp.campaign_id("b")] == ("b", 5, 1.0, 5.0)


def test_a_replayed_batch_changes_nothing(engine: Engine) -> None:
    """Writing the same lines twice (a spool replay) leaves links and campaigns as they were."""
    writer = ReviewWriter(ReviewConfig(recompute_interval_s=0))
    pairs = [_pair(i, f"a{i}", float(i), {"phone": "p"}) for i in range(4)]
    _write(engine, writer, [pairs])
    with engine.connect() as conn:
        before = camp.stored(conn)
    _write(engine, writer, [pairs])
    with engine.connect() as conn:
        after = camp.stored(conn)
        links = conn.execute(select(identifier_links)).all()
    assert before == after
    assert len(links) == 4
