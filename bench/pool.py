"""Distinct, realistic requests: simulated streams serialized once to protobuf bytes, cached.

Every request the benchmark sends to one server is a different simulated event (its own event
id, account, email, user agent, IP, device), in time order, with its ``occurred_at`` kept: the
servers run with ``--clock event`` so velocity windows and account ages are the simulation's,
not an artefact of replaying weeks of traffic in seconds. A repeated ``event_id`` would measure
the idempotency cache instead of scoring, so a project server never sees one twice (the floor,
which keeps nothing, cycles through a 30k slice when it answers faster than that).

* normal: the shipped simulator config (``training/configs/default.yaml``), three consecutive
  six-week chunks with fresh seeds (~116k signups, ~105k API-key creations; quick: two weeks),
  enough that no phase of a full run exhausts its slice at ~2,000 signups/s.
* attack: one day of ``bench/attack.yaml`` after the normal chunks: bursts from datacenters and
  residential proxy farms with ~5 % organic signups, which the shipped model mostly BLOCKs
  (~42k signups: three 5-second rounds at ~1,700/s without reuse).

Bytes are cached under ``bench/.cache/`` keyed by the config, the seeds and the proto; delete the
directory to rebuild.
"""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import yaml
from google.protobuf import json_format

from service.api.gen.signupguard.v1 import scoring_pb2 as pb
from service.domain import SignupEvent
from service.events import event_to_dict

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
DEFAULT_CONFIG = HERE.parent / "training" / "configs" / "default.yaml"
ATTACK_CONFIG = HERE / "attack.yaml"
NORMAL_SEED = 2101
ATTACK_SEED = 2199
CHUNK_DAYS = 42
_FORMAT = 1  # bump when the cached layout changes
_LENGTH = struct.Struct("<I")


@dataclass(frozen=True, slots=True)
class Pool:
    """Serialized requests in time order."""

    signups: list[bytes]
    keys: list[bytes]
    # For keys[i]: how many of ``signups`` happened before it (its account's signup is among
    # them when that account signed up inside the pool).
    signups_before_key: list[int]
    attack: list[bytes]
    description: dict[str, Any]


def _write_blobs(path: Path, blobs: Iterable[bytes]) -> None:
    with path.open("wb") as handle:
        for blob in blobs:
            handle.write(_LENGTH.pack(len(blob)))
            handle.write(blob)


def _read_blobs(path: Path) -> list[bytes]:
    data = path.read_bytes()
    out: list[bytes] = []
    offset = 0
    while offset < len(data):
        (size,) = _LENGTH.unpack_from(data, offset)
        offset += _LENGTH.size
        out.append(data[offset : offset + size])
        offset += size
    return out


def _normal_mapping(chunk: int, days: int) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    start = data["start"]
    first = start if isinstance(start, date) else date.fromisoformat(str(start))
    data["start"] = (first + timedelta(days=CHUNK_DAYS * chunk)).isoformat()
    data["days"] = days
    data["campaigns"] = [c for c in data.get("campaigns", []) if c["start_day"] < days]
    return data


def _attack_mapping(after: date) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(ATTACK_CONFIG.read_text(encoding="utf-8"))
    data["start"] = after.isoformat()
    return data


def _serialize(mapping: Mapping[str, Any], seed: int) -> tuple[list[bytes], list[bytes], list[int]]:
    """Simulate one config and serialize it: (signups, keys, signups_before_key)."""
    from training.simulate import config_from_mapping, simulate  # noqa: PLC0415  # worker-only

    signups: list[bytes] = []
    keys: list[bytes] = []
    before: list[int] = []
    for record in simulate(config_from_mapping(mapping), seed):
        body = event_to_dict(record.event)
        if isinstance(record.event, SignupEvent):
            signups.append(json_format.ParseDict(body, pb.ScoreSignupRequest()).SerializeToString())
        else:
            keys.append(
                json_format.ParseDict(body, pb.ScoreApiKeyCreationRequest()).SerializeToString()
            )
            before.append(len(signups))
    return signups, keys, before


def _fingerprint(parts: object) -> str:
    text = json.dumps(parts, sort_keys=True, default=str)
    digest = hashlib.sha256(text.encode())
    digest.update(pb.DESCRIPTOR.serialized_pb)
    return digest.hexdigest()[:16]


def load_pool(*, quick: bool, attack: bool = True) -> Pool:
    """The request pool, built and cached on first use (~25 s full, ~8 s quick).

    ``attack=False`` leaves the attack stream out (and unbuilt) when no phase needs it.
    """
    chunks, days = (1, 14) if quick else (3, CHUNK_DAYS)
    normal = [_normal_mapping(k, days) for k in range(chunks)]
    seeds = [NORMAL_SEED + k for k in range(chunks)]
    first = date.fromisoformat(normal[0]["start"])
    attack_map = _attack_mapping(first + timedelta(days=CHUNK_DAYS * chunks + 1))
    normal_dir = CACHE / f"normal-{_fingerprint([_FORMAT, normal, seeds])}"
    attack_dir = CACHE / f"attack-{_fingerprint([_FORMAT, attack_map, ATTACK_SEED])}"
    jobs: list[tuple[dict[str, Any], int]] = []
    if not (normal_dir / "meta.json").exists():
        jobs += list(zip(normal, seeds, strict=True))
    build_attack = attack and not (attack_dir / "meta.json").exists()
    if build_attack:
        jobs.append((attack_map, ATTACK_SEED))
    if jobs:
        with ProcessPoolExecutor(max_workers=2, mp_context=get_context("spawn")) as executor:
            results = list(executor.map(_serialize, *zip(*jobs, strict=True)))
        if build_attack:
            _save_attack(attack_dir, attack_map, results.pop()[0])
        if results:
            _save_normal(normal_dir, normal, seeds, results)
    meta: dict[str, Any] = json.loads((normal_dir / "meta.json").read_text())
    description: dict[str, Any] = {"normal": meta["normal"]}
    attack_signups: list[bytes] = []
    if attack:
        description["attack"] = json.loads((attack_dir / "meta.json").read_text())
        attack_signups = _read_blobs(attack_dir / "attack.bin")
    return Pool(
        signups=_read_blobs(normal_dir / "signups.bin"),
        keys=_read_blobs(normal_dir / "keys.bin"),
        signups_before_key=meta["signups_before_key"],
        attack=attack_signups,
        description=description,
    )


Serialized = tuple[list[bytes], list[bytes], list[int]]


def _save_normal(
    directory: Path, normal: list[dict[str, Any]], seeds: list[int], results: list[Serialized]
) -> None:
    signups: list[bytes] = []
    keys: list[bytes] = []
    before: list[int] = []
    for chunk_signups, chunk_keys, chunk_before in results:
        before.extend(len(signups) + b for b in chunk_before)
        signups.extend(chunk_signups)
        keys.extend(chunk_keys)
    directory.mkdir(parents=True, exist_ok=True)
    _write_blobs(directory / "signups.bin", signups)
    _write_blobs(directory / "keys.bin", keys)
    meta = {
        "normal": {
            "built": datetime.now(UTC).isoformat(timespec="seconds"),
            "config": str(DEFAULT_CONFIG.relative_to(HERE.parent)),
            "chunks": [
                {"start": m["start"], "days": m["days"], "seed": s}
                for m, s in zip(normal, seeds, strict=True)
            ],
            "signups": len(signups),
            "api_keys": len(keys),
        },
        "signups_before_key": before,
    }
    (directory / "meta.json").write_text(json.dumps(meta))  # written last: marks it complete


def _save_attack(directory: Path, mapping: dict[str, Any], signups: list[bytes]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    _write_blobs(directory / "attack.bin", signups)
    meta = {
        "built": datetime.now(UTC).isoformat(timespec="seconds"),
        "config": str(ATTACK_CONFIG.relative_to(HERE.parent)),
        "start": mapping["start"],
        "seed": ATTACK_SEED,
        "signups": len(signups),
    }
    (directory / "meta.json").write_text(json.dumps(meta))  # written last: marks it complete
