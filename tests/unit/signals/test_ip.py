"""Client IP: parsing, prefixes, special ranges, list membership and country."""

from __future__ import annotations

import ipaddress

import pytest

from service.signals import RefData
from service.signals.codes import CloudProvider
from service.signals.ip import ip_signals, network_prefix, parse_ip
from service.signals.ipindex import NON_PUBLIC
from service.signals.iprange import IntervalSet, parse_cidr


def test_absent_and_blank_ip_are_not_present(refdata: RefData) -> None:
    """None and whitespace-only IPs are absent, not invalid."""
    for raw in (None, "", "   "):
        signals = ip_signals(raw, refdata)
        assert not signals.present
        assert not signals.valid


@pytest.mark.parametrize("raw", ["1.2.3", "01.2.3.4", "256.1.1.1", "1.2.3.4/24", "fe80::1%eth0"])
def test_malformed_ip_is_present_but_invalid(refdata: RefData, raw: str) -> None:
    """Short, zero-padded, out-of-range, CIDR and zone-suffixed forms are invalid."""
    signals = ip_signals(raw, refdata)
    assert signals.present
    assert not signals.valid
    assert signals.version == 0
    assert signals.normalized is None


def test_ipv4_is_normalised_with_its_24(refdata: RefData) -> None:
    """Surrounding whitespace is ignored and the /24 network is reported as text."""
    signals = ip_signals("  81.2.69.142\n", refdata)
    assert (signals.normalized, signals.version, signals.prefix) == (
        "81.2.69.142",
        4,
        "81.2.69.0/24",
    )


def test_ipv6_is_compressed_with_its_48(refdata: RefData) -> None:
    """IPv6 is lower-cased and compressed, and its /48 network reported."""
    signals = ip_signals("2A00:1450:4001:0829:0000:0000:0000:200E", refdata)
    assert signals.normalized == "2a00:1450:4001:829::200e"
    assert signals.version == 6
    assert signals.prefix == "2a00:1450:4001::/48"


def test_ipv4_mapped_ipv6_is_treated_as_ipv4(refdata: RefData) -> None:
    """::ffff:a.b.c.d is the IPv4 address, with its /24 and IPv4 reputation."""
    mapped = ip_signals("::ffff:8.8.8.8", refdata)
    assert mapped == ip_signals("8.8.8.8", refdata)
    assert mapped.version == 4


@pytest.mark.parametrize(
    "raw",
    ["10.1.2.3", "192.168.0.1", "172.16.5.4", "127.0.0.1", "169.254.1.1", "100.64.0.1",
     "0.0.0.0", "224.0.0.1", "255.255.255.255", "192.0.2.1", "::1", "::", "fe80::1",
     "fc00::1", "ff02::1", "2001:db8::1"],
)  # fmt: skip
def test_special_purpose_addresses_are_private(refdata: RefData, raw: str) -> None:
    """Private, loopback, link-local, CGNAT, multicast, reserved and documentation addresses
    are private and get no list flags and no country."""
    signals = ip_signals(raw, refdata)
    assert signals.is_private
    assert signals.country is None
    assert signals.cloud_provider is CloudProvider.NONE
    flags = (signals.is_datacenter, signals.is_vpn, signals.is_tor, signals.is_relay)
    assert flags == (False, False, False, False)


@pytest.mark.parametrize(
    "raw",
    ["8.8.8.8", "81.2.69.142", "1.1.1.1", "2a00:1450:4001::1", "2001:4860:4860::8888",
     "100.128.0.1", "172.32.0.1", "192.169.0.1"],
)  # fmt: skip
def test_public_addresses_are_not_private(refdata: RefData, raw: str) -> None:
    """Global unicast addresses, including neighbours of private blocks, are public."""
    assert not ip_signals(raw, refdata).is_private


def _ipaddress_says_non_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return not address.is_global or address.is_multicast or address.is_reserved


def test_non_public_ranges_agree_with_ipaddress_on_a_sweep(refdata: RefData) -> None:
    """The fixed special ranges match ipaddress at every /8 (v4) and every 97th /16 (v6)."""
    for first in range(256):
        address = ipaddress.IPv4Address(first << 24)
        got = bool(refdata.ip_index.lookup(int(address), 4) & NON_PUBLIC)
        assert got == _ipaddress_says_non_public(address), address
    for first in range(0, 1 << 16, 97):
        address6 = ipaddress.IPv6Address(first << 112)
        got = bool(refdata.ip_index.lookup(int(address6), 6) & NON_PUBLIC)
        assert got == _ipaddress_says_non_public(address6), address6


def test_datacenter_address_from_the_list(refdata: RefData) -> None:
    """1.12.0.1 sits in X4BNet's datacenter range 1.12.0.0/14 and in no cloud list."""
    signals = ip_signals("1.12.0.1", refdata)
    assert signals.is_datacenter
    assert signals.cloud_provider is CloudProvider.NONE
    assert not signals.is_vpn


def test_datacenter_ipv6_from_the_list(refdata: RefData) -> None:
    """2001:310::1 sits in the datacenter list's 2001:310::/32."""
    assert ip_signals("2001:310::1", refdata).is_datacenter


@pytest.mark.parametrize(
    ("raw", "provider"),
    [
        ("3.5.140.1", CloudProvider.AMAZON),
        ("8.8.8.8", CloudProvider.GOOGLE),
        ("20.0.0.1", CloudProvider.MICROSOFT),
        ("129.146.0.1", CloudProvider.ORACLE),
        ("64.225.0.1", CloudProvider.DIGITALOCEAN),
        ("45.33.0.1", CloudProvider.LINODE),
        ("45.32.0.1", CloudProvider.VULTR),
        ("2a00:1450:4001::1", CloudProvider.GOOGLE),
    ],
)
def test_compute_clouds_are_datacenters(
    refdata: RefData, raw: str, provider: CloudProvider
) -> None:
    """An address in a compute cloud's ranges names that cloud and counts as a datacenter."""
    signals = ip_signals(raw, refdata)
    assert signals.cloud_provider is provider
    assert signals.is_datacenter


def test_cloudflare_alone_is_not_a_datacenter(refdata: RefData) -> None:
    """Cloudflare's own ranges name the provider without the datacenter flag."""
    signals = ip_signals("173.245.48.1", refdata)
    assert signals.cloud_provider is CloudProvider.CLOUDFLARE
    assert not signals.is_datacenter


def test_tor_exit_is_flagged_for_both_versions(refdata: RefData) -> None:
    """Both addresses of the first relay in exits.csv are Tor exits; a neighbour is not."""
    assert ip_signals("204.8.96.141", refdata).is_tor
    assert ip_signals("2620:7:6003::141", refdata).is_tor
    assert not ip_signals("81.2.69.142", refdata).is_tor


@pytest.mark.parametrize(
    "raw", ["104.28.28.1", "104.28.28.79", "172.224.226.1", "2a02:26f7:b3c0:4000::1"]
)
def test_apple_private_relay_is_only_a_relay(refdata: RefData, raw: str) -> None:
    """iCloud Private Relay egress is a relay, and neither VPN nor datacenter."""
    signals = ip_signals(raw, refdata)
    assert signals.cloud_provider is CloudProvider.APPLE_RELAY
    assert signals.is_relay
    assert not signals.is_vpn
    assert not signals.is_datacenter


def test_relay_overrides_the_vpn_list(refdata: RefData) -> None:
    """104.28.28.79 is in X4BNet's VPN list too (like 952 of Apple's 953 IPv4 ranges), yet the
    relay verdict wins."""
    assert refdata.vpn.contains(int(ipaddress.ip_address("104.28.28.79")), 4)
    assert not ip_signals("104.28.28.79", refdata).is_vpn


def test_protonvpn_is_a_vpn(refdata: RefData) -> None:
    """A ProtonVPN server address names the provider and sets the VPN flag."""
    signals = ip_signals("2.58.241.66", refdata)
    assert signals.cloud_provider is CloudProvider.PROTONVPN
    assert signals.is_vpn


def test_vpn_list_address(refdata: RefData) -> None:
    """2.26.157.1 sits in X4BNet's VPN range 2.26.157.0/24."""
    assert ip_signals("2.26.157.1", refdata).is_vpn


@pytest.mark.parametrize(
    ("raw", "country"),
    [("8.8.8.8", "US"), ("81.2.69.142", "GB"), ("2a00:1450:4001::1", "DE")],
)
def test_country_for_both_versions(refdata: RefData, raw: str, country: str) -> None:
    """The bundled GeoIP table gives a country for IPv4 and IPv6 addresses."""
    assert ip_signals(raw, refdata).country == country


def test_parse_ip_and_prefix_helpers() -> None:
    """parse_ip returns (version, int) and network_prefix masks the host bits."""
    assert parse_ip("10.0.0.255") == (4, 0x0A0000FF)
    assert parse_ip("not an ip") is None
    assert network_prefix(0x0A0000FF, 4) == "10.0.0.0/24"
    assert network_prefix(int(ipaddress.IPv6Address("2001:db8:1:2::1")), 6) == "2001:db8:1::/48"


def test_interval_set_merges_overlapping_and_adjacent_ranges() -> None:
    """Overlapping and touching CIDRs merge; membership is inclusive at both ends."""
    intervals = IntervalSet.from_intervals(
        4, [parse_cidr(c, 4) for c in ("10.0.1.0/24", "10.0.0.0/24", "10.0.0.128/25", "10.0.3.7")]
    )
    assert len(intervals) == 2
    first, last = parse_cidr("10.0.0.0/23", 4)
    assert first in intervals
    assert last in intervals
    assert last + 1 not in intervals
    assert parse_cidr("10.0.3.7", 4)[0] in intervals


def test_parse_cidr_clears_host_bits_and_rejects_bad_lengths() -> None:
    """A CIDR with host bits set means its network; a prefix length out of range is refused."""
    assert parse_cidr("10.0.0.77/24", 4) == parse_cidr("10.0.0.0/24", 4)
    for bad in ("10.0.0.0/33", "10.0.0.0/x", "::/129", "10.0.0.0/-1"):
        with pytest.raises(ValueError, match=r"prefix|not an IPv"):
            parse_cidr(bad, 6 if bad.startswith("::") else 4)
