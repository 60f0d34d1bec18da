"""The fast phone, IP, locale and country signals equal the straightforward computations.

Phone classification is compared with phonenumbers' public functions (``is_valid_number``,
``region_code_for_number``, ``number_type``) and its own type helper; the direct geo lookup
with geoip2fast's ``lookup``; the cached results with uncached ones; the quicker dataclass
``__init__`` with dataclass's own behaviour.
"""

from __future__ import annotations

import csv
import dataclasses
import ipaddress
import pickle
import random
from pathlib import Path

import phonenumbers
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from phonenumbers import NumberParseException, PhoneMetadata, PhoneNumberFormat, phonenumberutil

from service.signals import RefData, SignalExtractor, ipindex
from service.signals import phone as fast_phone
from service.signals.codes import CloudProvider, PhoneLineType
from service.signals.countries import country_agreement
from service.signals.ip import ip_signals, network_prefix, parse_ip
from service.signals.iprange import format_ip_int
from service.signals.locale import locale_signals
from service.signals.types import EmailSignals, IpSignals, PhoneSignals, _fast_init
from tests.unit.signals.strategies import hostile_text, maybe_text, plausible_ip

EXAMPLES_CSV = Path(__file__).parent.parent / "data" / "libphonenumber_example_numbers.csv"
_SETTINGS = settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def refdata() -> RefData:
    """The bundled reference data."""
    return RefData.load()


@pytest.fixture(scope="module")
def extractor(refdata: RefData) -> SignalExtractor:
    """An extractor over the bundled reference data (prepares phonenumbers too)."""
    return SignalExtractor(refdata)


# --- phone -------------------------------------------------------------------------------------


def _reference_phone(raw: str | None, hints: list[str]) -> PhoneSignals:
    """phone_signals as it was: parse, then phonenumbers' public validity, region and type."""
    if raw is None or not raw.strip():
        return fast_phone._ABSENT
    text = raw.strip()
    regions: list[str | None] = [None] if text.startswith("+") else []
    regions += dict.fromkeys(h for h in hints if h)
    for region in regions:
        try:
            number = phonenumbers.parse(text, region)
        except (NumberParseException, UnicodeError, ValueError):
            continue
        code = phonenumbers.region_code_for_number(number)
        if code is None or not phonenumbers.is_valid_number_for_region(number, code):
            continue
        line = fast_phone._LINE_TYPES.get(phonenumbers.number_type(number), PhoneLineType.UNKNOWN)
        return PhoneSignals(
            present=True,
            valid=True,
            e164=phonenumbers.format_number(number, PhoneNumberFormat.E164),
            region=code if code.isalpha() else None,
            line_type=line,
            is_voip=line is PhoneLineType.VOIP,
        )
    return fast_phone._INVALID


def _example_numbers() -> list[tuple[str, str]]:
    """(E.164 text, region) of the CSV's examples and phonenumbers' own examples of every
    type, valid and invalid, plus non-geographic ones."""
    with EXAMPLES_CSV.open(encoding="utf-8") as file:
        rows = [
            (f"+{r['country_code']}{r['example_national_number']}", r["region"])
            for r in csv.DictReader(file)
        ]
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        numbers = [phonenumbers.example_number_for_type(region, t) for t in range(12)]
        numbers.append(phonenumbers.invalid_example_number(region))
        rows += [
            (phonenumbers.format_number(n, PhoneNumberFormat.E164), region) for n in numbers if n
        ]
    for code in sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS):
        number = phonenumbers.example_number_for_non_geo_entity(code)
        if number:
            rows.append((phonenumbers.format_number(number, PhoneNumberFormat.E164), "ZZ"))
    return rows


def _mutations(text: str, rng: random.Random) -> list[str]:
    """Near misses of an E.164 number: a digit changed, added or dropped, the "+" dropped."""
    digits = list(text[1:])
    out = []
    for _ in range(4):
        changed = digits.copy()
        changed[rng.randrange(len(changed))] = str(rng.randrange(10))
        if rng.random() < 0.3:
            changed.insert(rng.randrange(len(changed)), str(rng.randrange(10)))
        if rng.random() < 0.3 and len(changed) > 3:
            del changed[rng.randrange(len(changed))]
        out += ["+" + "".join(changed), "".join(changed)[rng.randrange(1, 4) :]]
    return out


def test_number_type_for_equals_phonenumbers_helper(extractor: SignalExtractor) -> None:
    """For every region's metadata, the compiled type tables answer what phonenumbers' own
    _number_type_helper answers: for every example number's national digits, and for near
    misses of the examples of that region's country code."""
    helper = phonenumberutil._number_type_helper
    numbers = [phonenumbers.parse(text) for text, _ in _example_numbers()]
    by_code: dict[int | None, set[str]] = {}
    for number in numbers:
        nsn = phonenumbers.national_significant_number(number)
        by_code.setdefault(number.country_code, set()).add(nsn)
    every_nsn = set().union(*by_code.values())
    metadatas = [
        PhoneMetadata.metadata_for_region(r) for r in sorted(phonenumbers.SUPPORTED_REGIONS)
    ]
    metadatas += [
        PhoneMetadata.metadata_for_nongeo_region(c)
        for c in sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS)
    ]
    rng = random.Random(4)
    compared = 0
    for metadata in metadatas:
        assert metadata is not None
        own = sorted(by_code.get(metadata.country_code, ()))
        near = {m[1:] for nsn in own for m in _mutations("+" + nsn, rng) if m.startswith("+")}
        for nsn in every_nsn | near:
            assert fast_phone.number_type_for(nsn, metadata) == helper(nsn, metadata), nsn
            compared += 1
    assert compared > 200_000


_DESCS = (
    "general_desc",
    "fixed_line",
    "mobile",
    "toll_free",
    "premium_rate",
    "shared_cost",
    "personal_number",
    "voip",
    "pager",
    "uan",
    "voicemail",
)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    region=st.sampled_from(sorted(phonenumbers.SUPPORTED_REGIONS)),
    desc_name=st.sampled_from(_DESCS),
)
def test_number_type_for_numbers_drawn_from_the_patterns(
    data: st.DataObject, region: str, desc_name: str
) -> None:
    """Digits drawn from a region's own patterns, of any length a pattern allows (also the
    lengths its possible_length leaves out), are typed as _number_type_helper types them."""
    metadata = PhoneMetadata.metadata_for_region(region)
    assert metadata is not None
    desc = getattr(metadata, desc_name)
    assume(desc is not None and desc.national_number_pattern)
    nsn = data.draw(
        st.from_regex(desc.national_number_pattern, fullmatch=True, alphabet="0123456789")
    )
    helper = phonenumberutil._number_type_helper
    assert fast_phone.number_type_for(nsn, metadata) == helper(nsn, metadata)


def test_classify_equals_the_public_functions(extractor: SignalExtractor) -> None:
    """Validity, region and type of every example number and near miss, read with its own
    region and with "US", are those of is_valid_number, region_code_for_number, number_type."""
    rng = random.Random(1)
    compared = 0
    for text, region in _example_numbers():
        for candidate in [text, *_mutations(text, rng)]:
            for default in (region if region != "ZZ" else None, "US"):
                try:
                    number = phonenumbers.parse(candidate, default)
                except NumberParseException:
                    continue
                expected = None
                if phonenumbers.is_valid_number(number):
                    expected = (
                        phonenumbers.region_code_for_number(number),
                        phonenumbers.number_type(number),
                    )
                assert fast_phone._classify(number) == expected, candidate
                compared += 1
    assert compared > 20_000


def test_phone_signals_of_examples_equal_the_reference(extractor: SignalExtractor) -> None:
    """Every example number and near miss, with and without region hints, gives the
    PhoneSignals of the public-function implementation."""
    rng = random.Random(2)
    regions = sorted(phonenumbers.SUPPORTED_REGIONS)
    for text, region in _example_numbers()[::3]:
        for candidate in [text, *_mutations(text, rng)]:
            for hints in ([], [region], [rng.choice(regions), region, region]):
                assert fast_phone.phone_signals(candidate, hints) == _reference_phone(
                    candidate, hints
                )


@_SETTINGS
@given(
    raw=maybe_text | st.from_regex(r"\+?[0-9 ()-]{4,20}", fullmatch=True),
    hints=st.lists(
        st.sampled_from(["US", "CA", "GB", "DE", "IN", "", "xx"]) | hostile_text, max_size=3
    ),
)
def test_phone_signals_of_any_text_equal_the_reference(
    extractor: SignalExtractor, raw: str | None, hints: list[str]
) -> None:
    """Any phone text and hints give the reference PhoneSignals."""
    assert fast_phone.phone_signals(raw, hints) == _reference_phone(raw, hints)


# --- IP ----------------------------------------------------------------------------------------


def _reference_ip(raw: str | None, refdata: RefData) -> IpSignals:
    """ip_signals as it was: geoip2fast's lookup, the mask decoded per call."""
    if raw is None or not raw.strip() or parse_ip(raw) is None:
        return IpSignals(
            present=raw is not None and bool(raw.strip()),
            valid=False,
            normalized=None,
            version=0,
            prefix=None,
            is_private=False,
            is_datacenter=False,
            is_vpn=False,
            is_tor=False,
            is_relay=False,
            cloud_provider=CloudProvider.NONE,
            country=None,
        )
    parsed = parse_ip(raw)
    assert parsed is not None
    version, value = parsed
    normalized = format_ip_int(value, version)
    mask = refdata.ip_index.lookup(value, version)
    if mask & ipindex.NON_PUBLIC:
        mask = ipindex.NON_PUBLIC
    cloud = ipindex.cloud_from_mask(mask)
    relay = cloud is CloudProvider.APPLE_RELAY
    private = bool(mask & ipindex.NON_PUBLIC)
    compute = {
        CloudProvider.AMAZON,
        CloudProvider.GOOGLE,
        CloudProvider.MICROSOFT,
        CloudProvider.ORACLE,
        CloudProvider.DIGITALOCEAN,
        CloudProvider.LINODE,
        CloudProvider.VULTR,
    }
    return IpSignals(
        present=True,
        valid=True,
        normalized=normalized,
        version=version,
        prefix=network_prefix(value, version),
        is_private=private,
        is_datacenter=not relay and (cloud in compute or bool(mask & ipindex.DATACENTER)),
        is_vpn=not relay and (cloud is CloudProvider.PROTONVPN or bool(mask & ipindex.VPN)),
        is_tor=bool(mask & ipindex.TOR),
        is_relay=relay,
        cloud_provider=cloud,
        country=None if private else refdata.geo.country(normalized),
    )


# Addresses inside the listed ranges (clouds, relays, VPNs, Tor), where flags are set.
_LISTED = ["3.5.140.1", "104.28.28.1", "2.58.241.66", "204.8.96.141", "172.64.0.1", "10.0.0.1"]


@_SETTINGS
@given(raw=maybe_text | plausible_ip | st.sampled_from(_LISTED))
def test_ip_signals_equal_the_reference(refdata: RefData, raw: str | None) -> None:
    """Any IP text gives the IpSignals of the lookup-per-call implementation."""
    assert ip_signals(raw, refdata) == _reference_ip(raw, refdata)


def test_ip_signals_of_every_listed_range_equal_the_reference(refdata: RefData) -> None:
    """The first and last address of a sample of every list's ranges (each flag, each cloud,
    both versions) give the reference IpSignals."""
    ranges = [refdata.datacenter, refdata.vpn, refdata.tor_exits] + [r for _, r in refdata.clouds]
    compared = 0
    for listed in ranges:
        for intervals in (listed.v4, listed.v6):
            for first, last in list(zip(intervals.starts, intervals.ends, strict=True))[::97]:
                for value in (first, last):
                    raw = str(
                        ipaddress.ip_address(value)
                        if intervals.version == 4
                        else ipaddress.IPv6Address(value)
                    )
                    assert ip_signals(raw, refdata) == _reference_ip(raw, refdata), raw
                    compared += 1
    assert compared > 1000


def test_direct_country_lookup_equals_geoip2fast_lookup(refdata: RefData) -> None:
    """Around a sample of the geo table's network boundaries, and at random addresses of both
    versions, country_of answers what geoip2fast's full lookup answers."""
    geo = refdata.geo
    rng = random.Random(3)
    values = [rng.getrandbits(32) for _ in range(3000)]
    values += [(0x2000 + rng.getrandbits(13)) << 112 | rng.getrandbits(112) for _ in range(3000)]
    for intervals in (refdata.datacenter.v4, refdata.datacenter.v6):
        for start in intervals.starts[::50]:
            values += [start - 1, start, start + 1]
    compared = 0
    for value in values:
        if value < 0:
            continue
        for version in (4, 6) if value < 1 << 32 else (6,):
            address = format_ip_int(value, version)
            assert geo.country_of(value, address) == geo.country(address), address
            compared += 1
    assert compared > 6000


# --- caches --------------------------------------------------------------------------------------


_COUNTRIES = st.none() | st.sampled_from(["US", "DE", "FR", "IN"])
_COUNTRY_SETS = st.frozensets(st.sampled_from(["US", "DE", "FR", "IN", "CA"]), max_size=3)


@settings(max_examples=300, deadline=None)
@given(
    phone=_COUNTRIES,
    ip=_COUNTRIES,
    card=_COUNTRIES,
    billing=_COUNTRIES,
    timezone=_COUNTRY_SETS,
    language=_COUNTRY_SETS,
)
def test_country_agreement_is_the_pairwise_comparison(
    phone: str | None,
    ip: str | None,
    card: str | None,
    billing: str | None,
    timezone: frozenset[str],
    language: frozenset[str],
) -> None:
    """The cached agreement is each pair compared, None where a side is unknown."""

    def same(a: str | None, b: str | None) -> bool | None:
        return None if a is None or b is None else a == b

    def member(c: str | None, countries: frozenset[str]) -> bool | None:
        return None if c is None or not countries else c in countries

    found = country_agreement(
        phone=phone, ip=ip, card=card, billing=billing, timezone=timezone, language=language
    )
    named = {c for c in (phone, ip, card, billing) if c is not None}
    named |= timezone if len(timezone) == 1 else set()
    assert (found.phone_ip, found.card_ip, found.billing_ip, found.card_billing) == (
        same(phone, ip),
        same(card, ip),
        same(billing, ip),
        same(card, billing),
    )
    assert (found.timezone_ip, found.language_ip, found.timezone_phone) == (
        member(ip, timezone),
        member(ip, language),
        member(phone, timezone),
    )
    assert found.distinct_countries == len(named)


@_SETTINGS
@given(timezone=maybe_text, accept_language=maybe_text)
def test_cached_locale_equals_locale_signals(
    extractor: SignalExtractor, refdata: RefData, timezone: str | None, accept_language: str | None
) -> None:
    """The extractor's cached locale is locale_signals' answer, asked twice or once."""
    expected = locale_signals(timezone, accept_language, refdata.zones, refdata.iso_countries)
    assert extractor._locales(timezone, accept_language) == expected
    assert extractor._locales(timezone, accept_language) == expected


def test_long_locales_are_not_cached(refdata: RefData) -> None:
    """A pair longer than the cache limit is computed each time and never stored."""
    locales = SignalExtractor(refdata, locale_cache_size=4)._locales
    long_header = "en-US," * 200
    first = locales("Europe/Berlin", long_header)
    second = locales("Europe/Berlin", long_header)
    assert first == second
    assert first is not second
    assert locales("Europe/Berlin", "de-DE") is locales("Europe/Berlin", "de-DE")


# --- the quicker dataclass __init__ ------------------------------------------------------------


def _email_signals(**changes: object) -> EmailSignals:
    fields = {
        "present": True,
        "valid": True,
        "normalized": "a@b.c",
        "domain": "b.c",
        "is_free": False,
        "is_disposable": False,
        "is_edu": False,
        "has_plus_tag": False,
        "local_length": 1,
        "local_digits": 0,
        "local_entropy": 0.0,
        "local_name_likeness": 0.0,
        "local_shape": "a1",
        "name_similarity": None,
    }
    fields.update(changes)
    return EmailSignals(**fields)  # type: ignore[arg-type]


def test_signal_types_keep_dataclass_behaviour() -> None:
    """Built positionally or by keyword, the types compare, hash, print, pickle, replace and
    refuse assignment exactly like dataclasses, and refuse missing or unknown arguments."""
    built = _email_signals()
    positional = EmailSignals(*(getattr(built, f.name) for f in dataclasses.fields(EmailSignals)))
    assert positional == built
    assert hash(positional) == hash(built)
    assert repr(built).startswith("EmailSignals(present=True, valid=True, normalized='a@b.c'")
    assert pickle.loads(pickle.dumps(built)) == built
    assert dataclasses.replace(built, local_length=2) == _email_signals(local_length=2)
    assert built != _email_signals(local_entropy=0.5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.valid = False  # type: ignore[misc]
    with pytest.raises(TypeError):
        EmailSignals(True)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        _email_signals(unknown=1)


def test_fast_init_refuses_fields_it_cannot_set() -> None:
    """A field with a default (or a class that is not frozen and slotted) is refused."""

    @dataclasses.dataclass(frozen=True, slots=True)
    class WithDefault:
        a: int
        b: int = 0

    @dataclasses.dataclass(slots=True)
    class NotFrozen:
        a: int

    for cls in (WithDefault, NotFrozen):
        with pytest.raises(TypeError):
            _fast_init(cls)


@given(raw=st.one_of(st.none(), plausible_ip, hostile_text))
def test_cached_ip_equals_ip_signals(
    extractor: SignalExtractor, refdata: RefData, raw: str | None
) -> None:
    """The extractor's cached IP signals are ip_signals' answer, asked twice or once."""
    expected = ip_signals(raw, refdata)
    assert extractor._ips(raw) == expected
    assert extractor._ips(raw) == expected


def test_long_ip_inputs_are_not_cached(refdata: RefData) -> None:
    """An input longer than any address is computed each time and never stored."""
    ips = SignalExtractor(refdata, ip_cache_size=4)._ips
    padded = "203.0.113.8" + " " * 60  # valid once stripped, longer than the limit
    first = ips(padded)
    assert first.valid
    assert first == ips(padded)
    assert first is not ips(padded)
    assert ips("203.0.113.7") is ips("203.0.113.7")
