"""Data-reading commands report the file, line and field of bad input and exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.cli import main
from service.domain import CardFunding, SignupEvent
from service.events import InputError, read_stream


def _line(funding: object = "CARD_FUNDING_DEBIT", **event: object) -> str:
    body = {
        "event_id": "e1",
        "account_id": "a1",
        "occurred_at": "2026-03-01T12:00:00Z",
        "payment": {"card_bin": "424242", "card_funding": funding},
        **event,
    }
    return json.dumps({"type": "signup", "event": body, "truth": {"label": "fraud", "cohort": "x"}})


def _stream(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "stream.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("spelling", ["credit", "CREDIT", "Credit", "CARD_FUNDING_CREDIT", 1])
def test_obvious_funding_spellings_are_accepted(tmp_path: Path, spelling: object) -> None:
    """`credit`, any case, the proto name and the number all mean CARD_FUNDING_CREDIT."""
    (record,) = read_stream(_stream(tmp_path, _line(spelling)))
    assert isinstance(record.event, SignupEvent)
    assert record.event.payment is not None
    assert record.event.payment.card_funding is CardFunding.CREDIT


@pytest.mark.parametrize(
    ("bad_line", "field"),
    [
        (_line("platinum"), "event.payment.card_funding"),
        (_line(occurred_at="yesterday"), "event.occurred_at"),
        (_line(event_id=""), "event.event_id"),
        (_line(behavior={"form_fill_ms": "fast"}), "event.behavior.form_fill_ms"),
        (_line(device="10.0.0.1"), "event.device"),
        (_line().replace('"signup"', '"sigup"'), "type"),
        (_line().replace('"fraud"', '"maybe"'), "truth.label"),
    ],
)
def test_a_bad_field_names_file_line_and_field(tmp_path: Path, bad_line: str, field: str) -> None:
    """The first unusable field is reported with its file, 1-based line and dotted path."""
    path = _stream(tmp_path, _line(), "", bad_line)
    with pytest.raises(InputError) as err:
        list(read_stream(path))
    assert (err.value.path, err.value.line, err.value.field) == (str(path), 3, field)
    assert str(err.value).startswith(f"{path}:3: {field}: ")


def test_train_on_a_bad_stream_exits_2_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`signupguard train --stream` on a stream with a bad value exits 2 naming where."""
    path = _stream(tmp_path, _line(), _line("platinum"))
    code = main(
        ["train", "--stream", str(path), "--out", str(tmp_path / "m"),
         "--report", str(tmp_path / "r"), "--trials", "1"]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert f"{path}:2: event.payment.card_funding: unknown value 'platinum'" in err
    assert "Traceback" not in err


def test_evaluate_on_a_line_that_is_not_json_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`signupguard evaluate --stream` reports a line that is not JSON."""
    path = _stream(tmp_path, _line(), "{not json")
    code = main(["evaluate", "--stream", str(path), "--report", str(tmp_path / "r")])
    assert code == 2
    assert f"{path}:2: not JSON" in capsys.readouterr().err


def test_simulate_config_error_names_the_yaml_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`signupguard simulate --config` points at the line of the bad field in the YAML."""
    config = tmp_path / "c.yaml"
    config.write_text(
        "start: 2026-03-02\ndays: 3\nlegit:\n  signups_per_day: 10\n  phone_share: 1.5\n",
        encoding="utf-8",
    )
    code = main(["simulate", "--config", str(config), "--out", str(tmp_path / "s.jsonl")])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{config}:5: legit.phone_share: " in err


def test_simulate_config_that_is_not_yaml_names_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A YAML syntax error is reported at its line."""
    config = tmp_path / "c.yaml"
    config.write_text("start: 2026-03-02\ndays: [3\nlegit: {}\n", encoding="utf-8")
    assert main(["simulate", "--config", str(config)]) == 2
    assert f"{config}:" in capsys.readouterr().err


def test_train_from_a_bad_export_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`signupguard train --from-export` names the line and field of a bad export row."""
    export = tmp_path / "x.jsonl"
    row = {
        "event_type": "signup", "event_id": "e", "account_id": "a", "occurred_at": 1.0,
        "spec_hash": "h", "label": 1, "label_source": "cb", "features": [0.0, "high"],
    }  # fmt: skip
    export.write_text(json.dumps(row) + "\n", encoding="utf-8")
    code = main(
        ["train", "--from-export", str(export), "--out", str(tmp_path / "m"),
         "--report", str(tmp_path / "r")]
    )  # fmt: skip
    assert code == 2
    assert f"{export}:1: features: must be a list of numbers" in capsys.readouterr().err


def test_an_export_from_another_spec_names_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A well-formed export row logged with another feature spec is reported at its line."""
    export = tmp_path / "x.jsonl"
    row = {
        "event_type": "signup", "event_id": "e", "account_id": "a", "occurred_at": 1.0,
        "spec_hash": "not-this-spec", "label": 1, "label_source": "cb", "features": [0.0],
    }  # fmt: skip
    export.write_text("\n" + json.dumps(row) + "\n", encoding="utf-8")
    code = main(
        ["train", "--from-export", str(export), "--out", str(tmp_path / "m"),
         "--report", str(tmp_path / "r")]
    )  # fmt: skip
    assert code == 2
    assert f"{export}:2: spec_hash: logged with feature spec not-this-spec" in (
        capsys.readouterr().err
    )
