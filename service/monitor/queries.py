"""The decision log's aggregates for the model page, counted in the database (SQLite and
PostgreSQL): 25,000 decisions stay there, a few hundred numbers come back.

Windows are on ``occurred_at`` (indexed; the wall clock at decision time when the server runs on
the wall clock). Reasons are stored as a JSON list of ``{code, message, weight}`` objects, most
important first (:mod:`service.store.codec`); the first one is what a reviewer reads first.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection

HELD = 3  # Action.REVIEW: REVIEW and BLOCK are held
NONE = "(none)"  # a decision without reasons


@dataclass(frozen=True, slots=True)
class ReasonCounts:
    """Per (event type, held, recent): decisions, and decisions per first / any reason code."""

    totals: dict[tuple[str, bool, bool], int]
    first: dict[tuple[str, bool, bool], dict[str, int]]
    any: dict[tuple[str, bool, bool], dict[str, int]]  # held decisions only


@dataclass(frozen=True, slots=True)
class Versions:
    """Which model versions decided in a window, and the shadow's beside them."""

    live: tuple[tuple[str, int], ...]  # (version, decisions)
    shadow: tuple[tuple[str, int, int], ...]  # (version, decisions, action differs from live)


def _pg(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def score_bins(conn: Connection, since: float, bins: int) -> dict[str, list[int]]:
    """Per event type, how many decisions since ``since`` fell in each of ``bins`` equal bins."""
    # SQLite: CAST truncates, which is floor for scores >= 0; a score of 1.0 joins the last bin.
    bucket = "FLOOR(score * :bins)" if _pg(conn) else "CAST(score * :bins AS INTEGER)"
    rows = conn.execute(
        text(
            f"SELECT event_type, {bucket} AS b, COUNT(*) FROM decisions "
            "WHERE occurred_at >= :since GROUP BY event_type, b"
        ),
        {"bins": bins, "since": since},
    )
    out: dict[str, list[int]] = defaultdict(lambda: [0] * bins)
    for event_type, b, n in rows:
        out[str(event_type)][min(max(int(b), 0), bins - 1)] += int(n)
    return dict(out)


def reason_counts(conn: Connection, start: float, mid: float) -> ReasonCounts:
    """Decisions since ``start`` by event type, held or not, and recent (since ``mid``) or not:
    their number, and how many carry each code first; for held ones, also anywhere.

    "Anywhere" unpacks every reason of every decision (json_each / json_array_elements): ~0.6 s
    for 25,000 decisions on SQLite, more than the rest of the page. Held decisions, the ones the
    drift question is about, are a few percent of real traffic, so only they are unpacked."""
    pg = _pg(conn)
    head = (
        "SELECT d.event_type, CASE WHEN d.action >= :held THEN 1 ELSE 0 END, "
        "CASE WHEN d.occurred_at >= :mid THEN 1 ELSE 0 END, "
    )
    first_code = (
        "CAST(d.reasons AS json) -> 0 ->> 'code'" if pg else "json_extract(d.reasons, '$[0].code')"
    )
    params = {"held": HELD, "mid": mid, "start": start}
    totals: dict[tuple[str, bool, bool], int] = defaultdict(int)
    first: dict[tuple[str, bool, bool], dict[str, int]] = defaultdict(dict)
    for event_type, held, recent, code, n in conn.execute(
        text(
            f"{head}{first_code}, COUNT(*) FROM decisions AS d "
            "WHERE d.occurred_at >= :start GROUP BY 1, 2, 3, 4"
        ),
        params,
    ):
        key = (str(event_type), bool(held), bool(recent))
        totals[key] += int(n)
        first[key][str(code) if code is not None else NONE] = int(n)
    if pg:
        each = "CROSS JOIN LATERAL json_array_elements(CAST(d.reasons AS json)) AS j(value)"
        code_of = "j.value ->> 'code'"
    else:
        each = ", json_each(d.reasons) AS j"
        code_of = "json_extract(j.value, '$.code')"
    anywhere: dict[tuple[str, bool, bool], dict[str, int]] = defaultdict(dict)
    for event_type, held, recent, code, n in conn.execute(
        text(
            f"{head}{code_of}, COUNT(DISTINCT d.decision_id) FROM decisions AS d {each} "
            "WHERE d.occurred_at >= :start AND d.action >= :held GROUP BY 1, 2, 3, 4"
        ),
        params,
    ):
        anywhere[(str(event_type), bool(held), bool(recent))][str(code)] = int(n)
    return ReasonCounts(dict(totals), dict(first), dict(anywhere))


def versions(conn: Connection, since: float) -> Versions:
    """The live and shadow model versions of the decisions since ``since``, most used first."""
    live = conn.execute(
        text(
            "SELECT model_version, COUNT(*) FROM decisions WHERE occurred_at >= :since "
            "GROUP BY model_version ORDER BY 2 DESC, 1"
        ),
        {"since": since},
    )
    shadow = conn.execute(
        text(
            "SELECT shadow_model_version, COUNT(*), "
            "SUM(CASE WHEN shadow_action <> action THEN 1 ELSE 0 END) FROM decisions "
            "WHERE occurred_at >= :since AND shadow_model_version IS NOT NULL "
            "GROUP BY shadow_model_version ORDER BY 2 DESC, 1"
        ),
        {"since": since},
    )
    return Versions(
        tuple((str(v), int(n)) for v, n in live),
        tuple((str(v), int(n), int(d or 0)) for v, n, d in shadow),
    )
