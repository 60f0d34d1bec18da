"""`signupguard rules ...` on a decision store: save, states, list, show, validate, report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.cli import main

RULE = """\
rule_id: dc-burst
event_type: signup
condition: features.ip_is_datacenter == 1 && features.vel_ip_prefix_1h >= 2
action: block
reason_code: RULE_DC_BURST
message: datacenter burst (rule ${rule_id} v${version})
"""


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_rule_lifecycle_through_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Save, shadow, live and disable each make a version; list and show read them back."""
    url = f"sqlite:///{tmp_path}/rules.db"
    path = tmp_path / "dc-burst.yaml"
    path.write_text(RULE, encoding="utf-8")
    db = ("--database-url", url)
    assert _run(capsys, "rules", "validate", str(path))[0] == 0
    assert _run(capsys, "rules", "save", str(path), "--author", "ops", *db)[0] == 0
    for command in ("shadow", "live", "disable"):
        code, out, _ = _run(capsys, "rules", command, "dc-burst", *db)
        assert code == 0
    assert out.strip() == "dc-burst v4 is disabled"
    code, out, _ = _run(capsys, "rules", "list", "--json", *db)
    listed = json.loads(out)
    assert [(r["rule_id"], r["version"], r["state"]) for r in listed] == [
        ("dc-burst", 4, "disabled")
    ]
    code, out, _ = _run(capsys, "rules", "show", "dc-burst", "--history", *db)
    states = [r["state"] for r in json.loads(out)]
    assert states == ["draft", "shadow", "live", "disabled"]
    code, out, _ = _run(capsys, "rules", "report", "--json", *db)
    assert json.loads(out) == {"decisions_with_hits": 0, "rules": []}


def test_cli_refuses_an_unknown_name_with_its_position(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Validation prints line:column and exits 1."""
    code, _, err = _run(capsys, "rules", "validate", "--condition", "features.vel_ip_1hh > 2")
    assert code == 1
    assert "1:10: unknown name 'features.vel_ip_1hh'" in err
