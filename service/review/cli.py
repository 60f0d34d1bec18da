"""``signupguard review ...`` (a gRPC client of ReviewService) and ``signupguard reviewers ...``.

Readable tables by default, ``--json`` for scripts. The token comes from ``--token`` or
``SIGNUPGUARD_REVIEW_TOKEN``. ``reviewers add`` writes to the database directly (it is how the
first token comes to exist) and prints the new token alone on its last line.

This module is an entry point like ``service/cli.py``: it alone in the package imports the
generated stubs, lazily, inside the commands.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from service.config import Settings

_VERDICTS = {"fraud": "VERDICT_FRAUD", "legitimate": "VERDICT_LEGITIMATE"}
_STATES = {
    "open": "CASE_STATE_OPEN",
    "claimed": "CASE_STATE_CLAIMED",
    "resolved": "CASE_STATE_RESOLVED",
}


def register(sub: Any) -> None:
    """Add the ``review`` and ``reviewers`` subcommands to the top-level parser."""
    review = sub.add_parser("review", help="ops review: cases, campaigns, verdicts (gRPC)")
    rsub = review.add_subparsers(dest="review_command", required=True)

    def command(name: str, help_text: str, func: Callable[[argparse.Namespace], int]) -> Any:
        p = rsub.add_parser(name, help=help_text)
        p.add_argument("--target", default="127.0.0.1:50051")
        p.add_argument("--token", help="reviewer token (default: SIGNUPGUARD_REVIEW_TOKEN)")
        p.add_argument("--json", action="store_true", help="print JSON instead of a table")
        p.add_argument("--timeout", type=float, default=60.0)
        p.set_defaults(func=func)
        return p

    p = command("list", "the case queue, highest priority first", _list)
    p.add_argument("--state", choices=sorted(_STATES))
    p.add_argument("--campaign")
    p.add_argument("--action", choices=["allow", "challenge", "review", "block"])
    p.add_argument("--event-type", choices=["signup", "api_key"])
    p.add_argument("--min-score", type=float)
    p.add_argument("--max-score", type=float)
    p.add_argument("--page-size", type=int, default=50)
    p.add_argument("--page-token", default="")
    p = command("show", "one case: events, masked signals, linked accounts, audit", _show)
    p.add_argument("case_id")
    p = command("claim", "claim a case (expires after the configured time)", _claim)
    p.add_argument("case_id")
    p = command("resolve", "give a case's account a verdict", _resolve)
    p.add_argument("case_id")
    p.add_argument("--verdict", choices=sorted(_VERDICTS), required=True)
    p.add_argument("--note", default="")
    p = command("campaigns", "campaigns by size or risk", _campaigns)
    p.add_argument("--order", choices=["size", "risk"], default="size")
    p.add_argument("--min-size", type=int, default=2)
    p.add_argument("--page-size", type=int, default=50)
    p = command("campaign", "one campaign's picture", _campaign)
    p.add_argument("campaign_id")
    p.add_argument("--sample", type=int, default=20)
    p = command("resolve-campaign", "preview, then one verdict for a campaign", _resolve_campaign)
    p.add_argument("campaign_id")
    p.add_argument("--verdict", choices=sorted(_VERDICTS), required=True)
    p.add_argument("--note", required=True)
    p.add_argument("--yes", action="store_true", help="do not ask after the preview")
    p.add_argument("--preview-only", action="store_true", help="show the preview and stop")
    p = command("undo", "undo a campaign verdict by its action id", _undo)
    p.add_argument("action_id")
    p.add_argument("--note", default="")

    reviewers = sub.add_parser("reviewers", help="reviewer accounts and their tokens")
    vsub = reviewers.add_subparsers(dest="reviewers_command", required=True)
    add = vsub.add_parser("add", help="add a reviewer; prints the token once, on its last line")
    add.add_argument("name")
    add.add_argument("--role", choices=["reviewer", "lead", "admin"], default="reviewer")
    add.add_argument("--database-url", help="default: SIGNUPGUARD_DATABASE_URL")
    add.set_defaults(func=_reviewers_add)
    listing = vsub.add_parser("list", help="reviewers and roles")
    listing.add_argument("--database-url")
    listing.set_defaults(func=_reviewers_list)
    disable = vsub.add_parser("disable", help="refuse a reviewer's token from now on")
    disable.add_argument("name")
    disable.add_argument("--database-url")
    disable.set_defaults(func=_reviewers_disable)


# -- reviewers (database) ---------------------------------------------------------------------


def _registry(url: str | None) -> Any:
    from service.review.reviewers import Reviewers
    from service.store import make_engine, upgrade
    from service.store.engine import backend

    url = url or Settings().database_url
    if backend(url) == "sqlite":
        upgrade(url)  # the embedded default migrates itself, as the server does
    return Reviewers(make_engine(url))


def _reviewers_add(args: argparse.Namespace) -> int:
    from service.review.reviewers import parse_role

    token = _registry(args.database_url).add(args.name, parse_role(args.role))
    print(f"reviewer {args.name} added with role {args.role}; the token (shown only now):")
    print(token)
    return 0


def _reviewers_list(args: argparse.Namespace) -> int:
    rows = [
        (name, role.name.lower(), "disabled" if off else "")
        for name, role, off in _registry(args.database_url).list()
    ]
    _table(("NAME", "ROLE", ""), rows)
    return 0


def _reviewers_disable(args: argparse.Namespace) -> int:
    _registry(args.database_url).disable(args.name)
    print(f"reviewer {args.name} disabled")
    return 0


# -- review (gRPC) ------------------------------------------------------------------------------


def _rpc(args: argparse.Namespace, method: str, request: Any) -> Any:
    import grpc

    from service.api.gen.signupguard.v1 import review_pb2_grpc

    configured = Settings().review_token
    token = args.token or (configured.get_secret_value() if configured else "")
    with grpc.insecure_channel(args.target) as channel:
        stub = review_pb2_grpc.ReviewServiceStub(channel)
        return getattr(stub, method)(
            request, metadata=(("authorization", f"Bearer {token}"),), timeout=args.timeout
        )


def _call(args: argparse.Namespace, method: str, request: Any) -> Any | None:
    import grpc

    try:
        return _rpc(args, method, request)
    except grpc.RpcError as exc:
        print(f"{exc.code().name}: {exc.details()}", file=sys.stderr)
        return None


def _dump(message: Any) -> None:
    from google.protobuf import json_format

    print(
        json.dumps(json_format.MessageToDict(message, preserving_proto_field_name=True), indent=2)
    )


def _when(ts: Any) -> str:
    if not ts.seconds and not ts.nanos:
        return ""
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(ts.seconds))


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    cells = [[str(c) for c in header]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    for r in cells:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())


def _name(enum: Any, value: int, prefix: str) -> str:
    return str(enum.Name(value)).removeprefix(prefix).lower() if value else ""


def _list(args: argparse.Namespace) -> int:
    from service.api.gen.signupguard.v1 import review_pb2 as pb

    request = pb.ListCasesRequest(
        state=_STATES[args.state] if args.state else None,
        campaign_id=args.campaign or "",
        action=f"DECISION_ACTION_{args.action.upper()}" if args.action else None,
        event_type=args.event_type or "",
        min_score=args.min_score or 0.0,
        max_score=args.max_score or 0.0,
        page_size=args.page_size,
        page_token=args.page_token,
    )
    reply = _call(args, "ListCases", request)
    if reply is None:
        return 1
    if args.json:
        _dump(reply)
        return 0
    _table(
        ("CASE", "ACCOUNT", "STATE", "SCORE", "ACTION", "EVENTS", "CAMPAIGN", "SIZE", "OPENED"),
        [
            (
                c.case_id,
                c.account_id,
                _name(pb.CaseState, c.state, "CASE_STATE_")
                + (f" ({c.claimed_by})" if c.claimed_by else ""),
                f"{c.max_score:.3f}",
                _name(pb.DecisionAction, c.max_action, "DECISION_ACTION_"),
                c.events,
                c.campaign_id or "-",
                c.campaign_size,
                _when(c.opened_at),
            )
            for c in reply.cases
        ],
    )
    if reply.next_page_token:
        print(f"more: --page-token {reply.next_page_token}")
    return 0


def _show(args: argparse.Namespace) -> int:
    from service.api.gen.signupguard.v1 import review_pb2 as pb

    reply = _call(args, "GetCase", pb.GetCaseRequest(case_id=args.case_id))
    if reply is None:
        return 1
    if args.json:
        _dump(reply)
        return 0
    c = reply.case
    print(
        f"case {c.case_id}  account {c.account_id}  {_name(pb.CaseState, c.state, 'CASE_STATE_')}"
    )
    print(f"score {c.max_score:.3f}  campaign {c.campaign_id or '-'} ({c.campaign_size} accounts)")
    if c.verdict:
        print(f"verdict {_name(pb.Verdict, c.verdict, 'VERDICT_')} by {c.resolved_by}: {c.note}")
    print("\nevents:")
    _table(
        ("WHEN", "TYPE", "SCORE", "ACTION", "EMAIL", "PHONE", "IP", "CARD", "REASONS"),
        [
            (
                _when(e.occurred_at),
                e.event_type,
                f"{e.score:.3f}",
                _name(pb.DecisionAction, e.action, "DECISION_ACTION_"),
                e.signals.email,
                e.signals.phone,
                e.signals.ip,
                e.signals.card,
                ",".join(r.code for r in e.reasons[:3]),
            )
            for e in reply.events
        ],
    )
    if reply.linked_accounts:
        print("\nlinked accounts:")
        _table(
            ("ACCOUNT", "SHARED", "SCORE", "ACTION", "VERDICT"),
            [
                (
                    a.account_id,
                    ",".join(a.shared),
                    f"{a.score:.3f}",
                    _name(pb.DecisionAction, a.action, "DECISION_ACTION_"),
                    _name(pb.Verdict, a.verdict, "VERDICT_"),
                )
                for a in reply.linked_accounts
            ],
        )
    if reply.audit:
        print("\naudit:")
        _table(
            ("WHEN", "WHO", "CHANGE", "VERDICT", "NOTE"),
            [
                (
                    _when(a.at),
                    a.reviewer,
                    a.change,
                    _name(pb.Verdict, a.verdict, "VERDICT_"),
                    a.note,
                )
                for a in reply.audit
            ],
        )
    return 0


def _claim(args: argparse.Namespace) -> int:
    from service.api.gen.signupguard.v1 import review_pb2 as pb

    reply = _call(args, "ClaimCase", pb.ClaimCaseRequest(case_id=args.case_id))
    if reply is None:
        return 1
    if args.json:
        _dump(reply)
    else:
        print(f"claimed {reply.case.case_id} until {_when(reply.case.claim_expires_at)} UTC")
    return 0


def _resolve(args: argparse.Namespace) -> int:
    from service.api.gen.signupguard.v1 import review_pb2 as pb

    request = pb.ResolveCaseRequest(
        case_id=args.case_id, verdict=_VERDICTS[args.verdict], note=args.note
    )
    reply = _call(args, "ResolveCase", request)
    if reply is None:
        return 1
    if args.json:
        _dump(reply)
    else:
        print(f"resolved {reply.case.case_id}: {args.verdict}")
    return 0


def _campaigns(args: argparse.Namespace) -> int:
    from service.api.gen.signupguard.v1 import review_pb2 as pb

    request = pb.ListCampaignsRequest(
        order_by=pb.CAMPAIGN_ORDER_RISK if args.order == "risk" else pb.CAMPAIGN_ORDER_SIZE,
        min_size=args.min_size,
        page_size=args.page_size,
    )
    reply = _call(args, "ListCampaigns", request)
    if reply is None:
        return 1
    if args.json:
        _dump(reply)
        return 0
    _table(
        ("CAMPAIGN", "SIZE", "CASES", "OPEN", "MAX SCORE", "FIRST", "LAST"),
        [
            (
                c.campaign_id,
                c.size,
                c.cases,
                c.open_cases,
                f"{c.max_score:.3f}",
                _when(c.first_seen_at),
                _when(c.last_seen_at),
            )
            for c in reply.campaigns
        ],
    )
    return 0


def _campaign(args: argparse.Namespace) -> int:
    from service.api.gen.signupguard.v1 import review_pb2 as pb

    request = pb.GetCampaignRequest(campaign_id=args.campaign_id, sample_size=args.sample)
    reply = _call(args, "GetCampaign", request)
    if reply is None:
        return 1
    if args.json:
        _dump(reply)
        return 0
    c = reply.campaign
    print(f"campaign {c.campaign_id}: {c.size} accounts, {c.cases} cases ({c.open_cases} open)")
    print(
        f"from {_when(c.first_seen_at)} to {_when(c.last_seen_at)} UTC, max score {c.max_score:.3f}"
    )
    print(
        "by action:  " + ", ".join(f"{x.name.lower()} {x.count}" for x in reply.members_by_action)
    )
    print(
        "by verdict: " + ", ".join(f"{x.name.lower()} {x.count}" for x in reply.members_by_verdict)
    )
    print("shared:     " + ", ".join(f"{x.name} ({x.count})" for x in reply.shared_identifiers))
    print("\ntimeline:")
    _table(
        ("HOUR", "SIGNUPS", "KEYS"),
        [(_when(t.hour), t.signups, t.api_keys) for t in reply.timeline],
    )
    print("\nsample:")
    _table(
        ("ACCOUNT", "SCORE", "ACTION", "VERDICT", "CASE"),
        [
            (
                m.account_id,
                f"{m.score:.3f}",
                _name(pb.DecisionAction, m.action, "DECISION_ACTION_"),
                _name(pb.Verdict, m.verdict, "VERDICT_"),
                m.case_id,
            )
            for m in reply.sample
        ],
    )
    return 0


def _resolve_campaign(args: argparse.Namespace) -> int:
    from service.api.gen.signupguard.v1 import review_pb2 as pb

    verdict = _VERDICTS[args.verdict]
    preview = _call(
        args,
        "PreviewCampaignVerdict",
        pb.PreviewCampaignVerdictRequest(campaign_id=args.campaign_id, verdict=verdict),
    )
    if preview is None:
        return 1
    if args.json and (args.preview_only or not args.yes):
        _dump(preview)
    elif not args.json:
        print(
            f"{args.campaign_id}: {preview.accounts} accounts, {preview.already_resolved} already"
            f" resolved, {preview.would_change} would change, {preview.open_cases} open cases"
        )
    if args.preview_only:
        return 0
    if not args.yes:
        print(f"resolve all as {args.verdict}? [y/N] ", end="", flush=True)
        if sys.stdin.readline().strip().lower() not in ("y", "yes"):
            print("nothing done")
            return 1
    request = pb.ResolveCampaignRequest(
        campaign_id=args.campaign_id, verdict=verdict, note=args.note
    )
    reply = _call(args, "ResolveCampaign", request)
    if reply is None:
        return 1
    if args.json:
        _dump(reply)
    else:
        print(
            f"{reply.changed} of {reply.accounts} accounts changed, {reply.cases_resolved} cases"
            f" resolved; undo with: signupguard review undo {reply.action_id}"
        )
    return 0


def _undo(args: argparse.Namespace) -> int:
    from service.api.gen.signupguard.v1 import review_pb2 as pb

    request = pb.UndoCampaignVerdictRequest(action_id=args.action_id, note=args.note)
    reply = _call(args, "UndoCampaignVerdict", request)
    if reply is None:
        return 1
    if args.json:
        _dump(reply)
    elif reply.already_undone:
        print(f"{reply.action_id} was undone already")
    else:
        print(f"undone {reply.action_id}: {reply.reverted} accounts restored")
    return 0
