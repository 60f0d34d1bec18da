"""``signupguard rules list|show|validate|save|shadow|live|disable|backtest|report``.

The commands work on the decision store directly (``--database-url``, default
``SIGNUPGUARD_DATABASE_URL``); running servers pick every change up within
``rules_poll_interval_s``. Heavy imports happen inside the commands so ``signupguard`` starts
fast.
"""

from __future__ import annotations

import argparse
import getpass
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

_SINCE = re.compile(r"^(\d+(?:\.\d+)?)([smhd])$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_since(text: str | None, now: float | None = None) -> float | None:
    """``30d``, ``12h``, ``15m``, ``90s`` before now, or epoch seconds; None stays None."""
    if text is None:
        return None
    m = _SINCE.match(text.strip())
    if m:
        return (time.time() if now is None else now) - float(m.group(1)) * _UNIT[m.group(2)]
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"bad time {text!r}: use 30d, 12h, 15m or epoch") from None


def register(sub: Any) -> None:
    """Add the ``rules`` command and its subcommands to the main parser."""
    rules = sub.add_parser("rules", help="operator rules: write, validate, backtest, shadow, live")
    rsub = rules.add_subparsers(dest="rules_command", required=True)

    def common(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--database-url", help="decision store (default: SIGNUPGUARD_DATABASE_URL)")
        p.add_argument("--json", action="store_true", help="print JSON")
        return p

    p = common(rsub.add_parser("list", help="the newest version of every rule"))
    p.add_argument("--event-type", choices=["signup", "api_key"])
    p.set_defaults(func=_list)

    p = common(rsub.add_parser("show", help="one rule (every version with --history)"))
    p.add_argument("rule_id")
    p.add_argument("--version", type=int, default=0)
    p.add_argument("--history", action="store_true")
    p.set_defaults(func=_show)

    p = common(rsub.add_parser("validate", help="check a rule file or a condition"))
    p.add_argument("file", nargs="?", type=Path, help="rule file (YAML or JSON)")
    p.add_argument("--condition")
    p.add_argument("--event-type", choices=["signup", "api_key"], default="signup")
    p.set_defaults(func=_validate)

    p = common(rsub.add_parser("save", help="store a rule file as the rule's next version"))
    p.add_argument("file", type=Path, help="rule file (YAML or JSON): see the README")
    p.add_argument("--author", help="default: the login name")
    p.set_defaults(func=_save)

    for state, text in (
        ("shadow", "evaluate on live traffic and log, never act"),
        ("live", "evaluate and act"),
        ("disable", "stop evaluating (history kept)"),
    ):
        p = common(rsub.add_parser(state, help=text))
        p.add_argument("rule_id")
        p.add_argument("--author")
        p.set_defaults(func=_set_state, state=state)

    p = common(rsub.add_parser("backtest", help="replay a rule or a condition over the log"))
    p.add_argument("rule", nargs="?", help="a stored rule id or a rule file")
    p.add_argument("--condition")
    p.add_argument("--event-type", choices=["signup", "api_key"], default="signup")
    p.add_argument("--since", help="30d, 12h, ... or epoch seconds")
    p.add_argument("--until", help="same forms as --since")
    p.add_argument("--sample", type=int, default=10, help="matched events to show")
    p.set_defaults(func=_backtest)

    p = common(rsub.add_parser("report", help="shadow and live rules over a period"))
    p.add_argument("--since", default="7d")
    p.add_argument("--until")
    p.set_defaults(func=_report)


def run(args: argparse.Namespace) -> int:
    """Run one rules subcommand; domain errors print as ``CODE: message`` with exit 1."""
    from service.errors import InvalidRequest, SignupGuardError

    try:
        code: int = args.func(args)
    except InvalidRequest as exc:
        print(f"invalid {exc}", file=sys.stderr)
        return 1
    except SignupGuardError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return code


# -- commands -----------------------------------------------------------------------------------


def _core(args: argparse.Namespace) -> Any:
    from service.config import Settings
    from service.rules.core import RulesCore
    from service.store import make_engine, migrate
    from service.store.engine import backend

    url = args.database_url or Settings().database_url
    engine = make_engine(url)
    with engine.begin() as conn:
        if backend(url) == "sqlite":
            migrate.upgrade_connection(conn)  # embedded: migrated on use, as the server does
        else:
            migrate.check_current(conn)
    return RulesCore(engine)


def _rule_dict(rule: Any) -> dict[str, Any]:
    s = rule.spec
    return {
        "rule_id": s.rule_id,
        "version": rule.version,
        "event_type": s.event_type.value,
        "state": s.state.value,
        "action": s.action.value,
        "reason_code": s.reason_code,
        "condition": s.condition,
        "description": s.description,
        "message": s.message,
        "expires_at": s.expires_at,
        "author": rule.author,
        "created_at": rule.created_at,
    }


def _list(args: argparse.Namespace) -> int:
    from service.domain import EventType

    kind = EventType(args.event_type) if args.event_type else None
    rules = [_rule_dict(r) for r in _core(args).rules(kind)]
    if args.json:
        print(json.dumps(rules, indent=2))
        return 0
    for r in rules:
        print(
            f"{r['rule_id']:<24} v{r['version']:<3} {r['event_type']:<8} {r['state']:<8} "
            f"{r['action']:<9} {r['condition']}"
        )
    return 0


def _show(args: argparse.Namespace) -> int:
    core = _core(args)
    found = core.history(args.rule_id) if args.history else [core.get(args.rule_id, args.version)]
    print(json.dumps([_rule_dict(r) for r in found], indent=2))
    return 0


def load_spec(path: Path) -> Any:
    """A rule file (YAML or JSON) as a RuleSpec; InvalidRequest names a bad field."""
    import yaml

    from service.domain import EventType
    from service.errors import InvalidRequest
    from service.rules.model import RuleAction, RuleSpec, RuleState

    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise InvalidRequest("file", "a rule file is a mapping")
    allowed = {
        "rule_id", "event_type", "condition", "action", "reason_code",
        "description", "message", "state", "expires_at",
    }  # fmt: skip
    unknown = set(data) - allowed
    if unknown:
        raise InvalidRequest(sorted(unknown)[0], "unknown key in the rule file")
    try:
        return RuleSpec(
            rule_id=str(data["rule_id"]),
            event_type=EventType(data.get("event_type", "signup")),
            condition=str(data["condition"]),
            action=RuleAction(data["action"]),
            reason_code=str(data["reason_code"]),
            description=str(data.get("description", "")),
            message=str(data.get("message", "")),
            state=RuleState(data.get("state", "draft")),
            expires_at=None if data.get("expires_at") is None else float(data["expires_at"]),
        )
    except KeyError as exc:
        raise InvalidRequest(str(exc.args[0]), "is required") from None
    except ValueError as exc:
        raise InvalidRequest("file", str(exc)) from None


def _validate(args: argparse.Namespace) -> int:
    from service.domain import EventType
    from service.rules.lang import check

    if args.file is not None:
        spec = load_spec(args.file)
        spec.check_fields()
        condition, kind = spec.condition, spec.event_type
    elif args.condition:
        condition, kind = args.condition, EventType(args.event_type)
    else:
        print("give a rule file or --condition", file=sys.stderr)
        return 2
    checked = check(condition, kind)
    if args.json:
        print(json.dumps({"valid": True, "names": list(checked.names)}))
    else:
        print(f"valid; reads {', '.join(checked.names)}")
    return 0


def _save(args: argparse.Namespace) -> int:
    rule = _core(args).save(load_spec(args.file), args.author or getpass.getuser())
    print(json.dumps(_rule_dict(rule), indent=2))
    return 0


def _set_state(args: argparse.Namespace) -> int:
    from service.rules.model import RuleState

    state = RuleState.DISABLED if args.state == "disable" else RuleState(args.state)
    rule = _core(args).set_state(args.rule_id, state, args.author or getpass.getuser())
    print(f"{rule.rule_id} v{rule.version} is {rule.state.value}")
    return 0


def _backtest(args: argparse.Namespace) -> int:
    from service.domain import EventType

    core = _core(args)
    since, until = parse_since(args.since), parse_since(args.until)
    if args.condition:
        result = core.backtest(
            condition=args.condition,
            event_type=EventType(args.event_type),
            since=since,
            until=until,
            sample=args.sample,
        )
    elif args.rule and Path(args.rule).is_file():
        spec = load_spec(Path(args.rule))
        result = core.backtest(
            condition=spec.condition,
            event_type=spec.event_type,
            since=since,
            until=until,
            sample=args.sample,
        )
    elif args.rule:
        result = core.backtest(rule_id=args.rule, since=since, until=until, sample=args.sample)
    else:
        print("give a rule id, a rule file or --condition", file=sys.stderr)
        return 2
    out = result.to_dict()
    if args.json:
        print(json.dumps(out))
        return 0
    print(format_backtest(out))
    return 0


def format_backtest(out: dict[str, Any]) -> str:
    """The backtest as a small text table."""
    p = out["precision"]
    lines = [
        f"condition: {out['condition']}  ({out['event_type']})",
        f"decisions scanned   {out['decisions_scanned']:>10}   "
        f"({out['decisions_per_second']:,} per second)",
        f"matched events      {out['matched_events']:>10}",
        f"matched accounts    {out['matched_accounts']:>10}",
        "by outcome (events)  " + "  ".join(f"{k} {v}" for k, v in out["by_outcome"].items()),
        "by outcome (accts)   "
        + "  ".join(f"{k} {v}" for k, v in out["by_outcome_accounts"].items()),
        "by current action    " + "  ".join(f"{k} {v}" for k, v in out["by_action"].items()),
        f"precision           {'n/a' if p is None else f'{p:.3f}':>10}",
        f"allowed legitimate accounts it would stop  {out['allowed_legitimate_accounts_stopped']}",
        f"allowed fraud accounts it would stop       {out['allowed_fraud_accounts_stopped']}",
        "matches per day     " + ", ".join(f"{d}: {n}" for d, n in out["matches_per_day"].items()),
    ]
    if out["sample"]:
        lines.append("sample:")
        lines += [
            f"  {s['event_id']}  {s['account_id']}  {s['action']:<9} {s['outcome']:<10} "
            f"{json.dumps(s['values'])}"
            for s in out["sample"]
        ]
    return "\n".join(lines)


def _report(args: argparse.Namespace) -> int:
    from service.rules.report import report

    core = _core(args)
    out = report(core.engine, since=parse_since(args.since), until=parse_since(args.until))
    if args.json:
        print(json.dumps(out))
        return 0
    print(f"decisions with a rule hit: {out['decisions_with_hits']}")
    print(
        f"{'rule':<24} {'ver':>3} {'state':<7} {'action':<9} {'hits':>7} {'accts':>6} "
        f"{'fraud':>6} {'legit':>6} {'unknown':>7} {'prec':>6} {'changes':>7}"
    )
    for r in out["rules"]:
        o, p = r["by_outcome"], r["precision"]
        print(
            f"{r['rule_id']:<24} {r['version']:>3} {r['state']:<7} {r['action']:<9} "
            f"{r['hits']:>7} {r['accounts']:>6} {o['fraud']:>6} {o['legitimate']:>6} "
            f"{o['unknown']:>7} {'n/a' if p is None else f'{p:.3f}':>6} {r['would_change']:>7}"
        )
    return 0
