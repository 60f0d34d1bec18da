"""Reference data: strict loading, and refreshing one list from a local file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from service.signals import RefData, RefDataError
from service.signals.lists import LISTS, ListFormat, parse_domain_list, parse_tor_csv
from service.signals.refdata import DEFAULT_DATA_DIR
from service.signals.refresh import count_entries, fetch, refresh, refresh_command


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A private copy of the bundled data directory."""
    return Path(shutil.copytree(DEFAULT_DATA_DIR, tmp_path / "data"))


def test_bundled_data_loads_every_list(refdata: RefData) -> None:
    """Every bundled list loads with a plausible size."""
    assert len(refdata.free_email_domains) > 4000
    assert len(refdata.disposable_email_domains) > 1000
    assert len(refdata.datacenter) > 10_000
    assert len(refdata.vpn) > 1000
    assert len(refdata.tor_exits) > 500
    assert len(refdata.crawlers) > 1000
    assert len(refdata.iso_countries) == 249
    assert len(refdata.zones.countries) > 500
    assert all(len(ranges) > 0 for _, ranges in refdata.clouds)


def test_every_listed_file_is_bundled() -> None:
    """The refresh table names exactly the files that ship in service/data/."""
    for name, spec in LISTS.items():
        assert (DEFAULT_DATA_DIR / spec.path).is_file(), name


def test_missing_list_refuses_to_load(data_dir: Path) -> None:
    """A data directory missing a list fails loudly, naming it."""
    (data_dir / LISTS["vpn-ipv4"].path).unlink()
    with pytest.raises(RefDataError, match="vpn-ipv4"):
        RefData.load(data_dir)


def test_corrupt_list_refuses_to_load(data_dir: Path) -> None:
    """A CIDR list with one unparsable line fails loudly, naming the list and the line."""
    path = data_dir / LISTS["tor-exits"].path
    path.write_text(path.read_text(encoding="utf-8") + "X, not-an-ip, 1\n", encoding="utf-8")
    with pytest.raises(RefDataError, match=r"tor-exits.*line \d+"):
        RefData.load(data_dir)


def test_domain_list_tolerates_a_few_junk_lines(caplog: pytest.LogCaptureFixture) -> None:
    """Up to 1% of non-domain lines are skipped with a warning; more refuses the list."""
    good = [f"d{i}.example" for i in range(200)]
    domains = parse_domain_list("\n".join([*good, "# comment", "", "junk word"]))
    assert len(domains) == 200
    assert "skipped 1 lines" in caplog.text
    with pytest.raises(RefDataError, match="not domains"):
        parse_domain_list("\n".join([*good, "junk", "more junk", "404: not found"]))


def test_tor_csv_needs_its_ip_column() -> None:
    """A CSV without an ipaddr column is refused; both IP versions are read."""
    with pytest.raises(RefDataError, match="ipaddr"):
        parse_tor_csv("fingerprint, port\nAB, 443\n")
    ranges = parse_tor_csv("fingerprint, ipaddr, port\nAB, 192.0.2.1, 443\nAB, 2001:db8::1, 80\n")
    assert (len(ranges.v4), len(ranges.v6)) == (1, 1)


def test_refresh_replaces_a_list_from_a_file(data_dir: Path, tmp_path: Path) -> None:
    """A valid local copy replaces the list, its count is returned, and it loads next time."""
    source = tmp_path / "free.txt"
    source.write_text("newmail.example\nother.example\n", encoding="utf-8")
    assert refresh("free-email", str(source), data_dir) == 2
    target = data_dir / LISTS["free-email"].path
    assert target.read_text(encoding="utf-8") == "newmail.example\nother.example\n"
    assert not list(target.parent.glob(".*.tmp"))
    assert RefData.load(data_dir).free_email_domains == {"newmail.example", "other.example"}


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("datacenter-ipv4", "1.2.3.0/24\n404: Not Found\n"),
        ("datacenter-ipv4", "2001:db8::/32\n"),
        ("vpn-ipv6", ""),
        ("free-email", "<html><body>rate limited</body></html>\n"),
        ("tor-exits", "<!DOCTYPE html>\n"),
        ("crawler-user-agents", '[{"pattern": "ok"}, {"pattern": "(unclosed"}]'),
    ],
)
def test_refresh_refuses_a_broken_copy_and_keeps_the_old(
    data_dir: Path, tmp_path: Path, name: str, content: str
) -> None:
    """Error pages, wrong IP versions, empty files and bad regexes are refused; the old list
    stays byte for byte."""
    target = data_dir / LISTS[name].path
    before = target.read_bytes()
    source = tmp_path / "broken"
    source.write_text(content, encoding="utf-8")
    with pytest.raises(RefDataError, match="refused"):
        refresh(name, str(source), data_dir)
    assert target.read_bytes() == before
    assert not list(target.parent.glob(".*.tmp"))


def test_refresh_refuses_non_utf8(data_dir: Path, tmp_path: Path) -> None:
    """A binary file is refused before parsing."""
    source = tmp_path / "binary"
    source.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(RefDataError, match="UTF-8"):
        refresh("free-email", str(source), data_dir)


def test_refresh_command_validates_its_arguments(data_dir: Path, tmp_path: Path) -> None:
    """Unknown names, no names, and --source with several names are refused up front."""
    with pytest.raises(RefDataError, match="unknown"):
        refresh_command(["no-such-list"], None, data_dir)
    with pytest.raises(RefDataError, match="at least one"):
        refresh_command([], None, data_dir)
    with pytest.raises(RefDataError, match="exactly one"):
        refresh_command(["vpn-ipv4", "vpn-ipv6"], str(tmp_path / "x"), data_dir)


def test_refresh_command_with_a_source(data_dir: Path, tmp_path: Path) -> None:
    """One name plus --source refreshes that list and reports its count."""
    source = tmp_path / "vpn.txt"
    source.write_text("198.51.100.0/24\n198.51.101.0/24\n203.0.113.0/24\n", encoding="utf-8")
    assert refresh_command(["vpn-ipv4"], str(source), data_dir) == {"vpn-ipv4": 2}


def test_fetch_accepts_only_https_urls(tmp_path: Path) -> None:
    """Plain http and other schemes are refused without a network call; missing files too."""
    for source in ("http://example.com/list.txt", "ftp://example.com/x", "file:///etc/passwd"):
        with pytest.raises(RefDataError, match="https"):
            fetch(source)
    with pytest.raises(RefDataError, match="cannot read"):
        fetch(str(tmp_path / "missing.txt"))


def test_every_bundled_list_passes_refresh_validation() -> None:
    """The bundled copies pass the checks a refreshed copy must pass."""
    for name, spec in LISTS.items():
        text = (DEFAULT_DATA_DIR / spec.path).read_text(encoding="utf-8")
        assert count_entries(spec.format, text) > 0, name
    assert {spec.format for spec in LISTS.values()} == set(ListFormat)
