"""`signupguard reviewers` and `signupguard review` against a real server."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from service.cli import main
from tests.api.review_ops import Ops


def test_reviewers_add_prints_the_token_alone_on_its_last_line(tmp_path: Path) -> None:
    """The token is the last line and nothing else; it is stored only as a hash."""
    url = f"sqlite:///{tmp_path}/r.db"
    out = subprocess.run(
        [sys.executable, "-m", "service.cli", "reviewers", "add", "lena", "--role", "lead",
         "--database-url", url],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    token = out.stdout.strip().splitlines()[-1]
    assert token.startswith("sgr_")
    assert " " not in token
    assert token not in (tmp_path / "r.db").read_bytes().decode("latin-1")
    listed = subprocess.run(
        [sys.executable, "-m", "service.cli", "reviewers", "list", "--database-url", url],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert "lena" in listed.stdout
    assert "lead" in listed.stdout


def test_review_commands_against_a_server(
    ops_factory: Callable[..., Ops],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """list, show, claim, campaigns, campaign, resolve-campaign and undo, as tables and JSON,
    with the token from SIGNUPGUARD_REVIEW_TOKEN."""
    o = ops_factory(f"sqlite:///{tmp_path}/d.db")
    o.signups(range(3), device="shared")
    target = ("--target", f"127.0.0.1:{o.served.running.port}")
    monkeypatch.setenv("SIGNUPGUARD_REVIEW_TOKEN", o.tokens["lead"])

    def run(*args: str) -> str:
        capsys.readouterr()
        assert main([*args, *target]) == 0
        return capsys.readouterr().out

    cases = json.loads(run("review", "list", "--json"))["cases"]
    assert len(cases) == 3
    table = run("review", "list", "--state", "open")
    assert table.splitlines()[0].split()[:3] == ["CASE", "ACCOUNT", "STATE"]
    assert "open" in table
    shown = run("review", "show", cases[0]["case_id"])
    assert "a***@gmail.com" in shown
    assert "linked accounts:" in shown
    assert "claimed" in run("review", "claim", cases[0]["case_id"])
    campaign = json.loads(run("review", "campaigns", "--json"))["campaigns"][0]
    assert campaign["size"] == 3
    assert "by action:  review 3" in run("review", "campaign", campaign["campaign_id"])
    done = run(
        "review", "resolve-campaign", campaign["campaign_id"], "--verdict", "fraud",
        "--note", "one device", "--yes",
    )  # fmt: skip
    assert "3 of 3 accounts changed" in done
    action_id = done.split("review undo ")[1].split()[0]
    assert "3 accounts restored" in run("review", "undo", action_id)
    monkeypatch.setenv("SIGNUPGUARD_REVIEW_TOKEN", "sgr_wrong")
    assert main(["review", "list", *target]) == 1
    assert "UNAUTHENTICATED" in capsys.readouterr().err
