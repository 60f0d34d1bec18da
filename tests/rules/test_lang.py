"""The condition language: refusals with positions, and what a valid condition reads."""

from __future__ import annotations

import pytest

from service.domain import EventType
from service.errors import InvalidCondition
from service.rules.lang import check


def _refused(source: str, event_type: EventType = EventType.SIGNUP) -> InvalidCondition:
    with pytest.raises(InvalidCondition) as err:
        check(source, event_type)
    return err.value


def test_syntax_error_names_line_and_column() -> None:
    """A condition that ends after `&&` is refused at the column where it ends."""
    err = _refused("features.vel_email_domain_1h > 20 &&")
    assert (err.line, err.column) == (1, 35)
    assert "syntax error" in err.message


def test_syntax_error_on_a_later_line() -> None:
    """Positions count lines too."""
    err = _refused("score > 0.2 &&\n  features.vel_ip_1h >> 3")
    assert err.line == 2
    assert err.column == 23


def test_unknown_feature_points_at_the_member_and_suggests() -> None:
    """A misspelt feature is refused at its own column, with the closest real name."""
    err = _refused("score > 0.2 && features.vel_emial_domain_1h > 20")
    assert (err.line, err.column) == (1, 25)
    assert "features.vel_email_domain_1h" in err.message


def test_unknown_top_level_name() -> None:
    """A name outside the environment is refused at its start."""
    err = _refused("velocity > 3")
    assert (err.line, err.column) == (1, 1)
    assert "unknown name 'velocity'" in err.message


def test_feature_of_the_other_event_type_is_unknown() -> None:
    """An API-key feature does not exist in a signup rule."""
    _refused("features.account_age_s < 60", EventType.SIGNUP)
    assert check("features.account_age_s < 60", EventType.API_KEY).names == (
        "features.account_age_s",
    )


@pytest.mark.parametrize(
    ("source", "column", "text"),
    [
        ("features.ip_is_tor && score > 0.1", 1, "'&&' needs a bool"),
        ('score > "high"', 7, "cannot compare number > string"),
        ("score", 1, "must be a bool"),
        ('signals.email_domain + 1 == "a"', 22, "needs numbers"),
        ("score in ['a']", 10, "'in' needs a list of number"),
        ("nope(score)", 1, "unknown function 'nope'"),
    ],
)
def test_type_errors_are_refused_with_positions(source: str, column: int, text: str) -> None:
    """Operators and functions are typed: misuse is refused where it happens."""
    err = _refused(source)
    assert err.column == column
    assert text in err.message


def test_valid_condition_lists_what_it_reads() -> None:
    """A valid condition reports the sorted names it reads."""
    checked = check(
        'features.vel_email_domain_1h > 20 && score > 0.2 && signals.email_domain in ["a.io"]',
        EventType.SIGNUP,
    )
    assert checked.names == ("features.vel_email_domain_1h", "score", "signals.email_domain")


def test_numbers_are_doubles() -> None:
    """`20` and `20.0` are the same number: no int/double overload errors for operators."""
    check("features.vel_ip_1h > 20 && features.vel_ip_1h < 20.5", EventType.SIGNUP)
