"""Raw request bytes for every RPC of every service: random, truncated, bit-flipped, bad UTF-8.

Methods are read from the descriptors (every generated ``signupguard.v1`` module, plus health
and reflection), so a service added to the proto is fuzzed without touching this file.
"""

from __future__ import annotations

import importlib
import pkgutil
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import grpc
from google.protobuf.descriptor import FieldDescriptor, MethodDescriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass
from grpc_health.v1 import health_pb2
from grpc_reflection.v1alpha import reflection_pb2

import service.api.gen.signupguard.v1 as gen
from tests import samples

KINDS = ("random", "truncated", "bitflip", "bad_utf8")


@dataclass(frozen=True)
class Rpc:
    """One method: its path, its streaming shape and a valid request's bytes."""

    path: str
    client_streaming: bool
    server_streaming: bool
    valid: bytes


def _fill(message: Message, depth: int = 0) -> None:
    """Set every scalar string field (and nested messages, two levels) to something valid."""
    for field in message.DESCRIPTOR.fields:
        if field.is_repeated:
            continue
        if field.type == FieldDescriptor.TYPE_STRING and not field.containing_oneof:
            setattr(message, field.name, f"valid-{field.name}")
        elif field.type == FieldDescriptor.TYPE_MESSAGE and depth < 2 and field.message_type:
            if field.message_type.full_name.startswith("google.protobuf"):
                continue
            _fill(getattr(message, field.name), depth + 1)


def _valid(method: MethodDescriptor) -> bytes:
    name = method.input_type.full_name
    if name == "signupguard.v1.ScoreSignupRequest":
        return samples.signup(1).SerializeToString()
    if name == "signupguard.v1.ScoreApiKeyCreationRequest":
        return samples.api_key(1).SerializeToString()
    if name == "grpc.reflection.v1alpha.ServerReflectionRequest":
        listing: bytes = reflection_pb2.ServerReflectionRequest(
            list_services=""
        ).SerializeToString()
        return listing
    message = GetMessageClass(method.input_type)()
    _fill(message)
    body: bytes = message.SerializeToString()
    return body


def rpcs() -> list[Rpc]:
    """Every method of every generated service, health and reflection."""
    found: list[Rpc] = []
    seen: set[str] = set()
    for file_desc in (
        *(
            importlib.import_module(f"{gen.__name__}.{m.name}").DESCRIPTOR
            for m in pkgutil.iter_modules(gen.__path__)
            if m.name.endswith("_pb2")
        ),
        health_pb2.DESCRIPTOR,
        reflection_pb2.DESCRIPTOR,
    ):
        for service in file_desc.services_by_name.values():
            for method in service.methods:
                path = f"/{service.full_name}/{method.name}"
                if path in seen:
                    continue
                seen.add(path)
                found.append(
                    Rpc(path, method.client_streaming, method.server_streaming, _valid(method))
                )
    return found


def _bad_utf8(valid: bytes, rng: random.Random) -> bytes:
    """Replace a byte inside a string field's text by one that is never valid UTF-8."""
    spots = [i for i in range(len(valid)) if 0x61 <= valid[i] <= 0x7A]  # ASCII letters
    if not spots:
        return bytes([0x0A, 0x02, 0xFF, 0xFE])  # field 1, length 2, two invalid bytes
    out = bytearray(valid)
    for i in rng.sample(spots, k=min(len(spots), rng.randint(1, 3))):
        out[i] = rng.choice((0xFF, 0xC0, 0x80, 0xFE))
    return bytes(out)


def variants(valid: bytes, kind: str, rng: random.Random) -> bytes:
    """One corrupted request of ``kind`` built from a valid one."""
    if kind == "random":
        return rng.randbytes(rng.randint(1, 600))
    if kind == "truncated":
        return valid[: rng.randint(1, max(1, len(valid) - 1))]
    if kind == "bitflip":
        out = bytearray(valid or b"\x00")
        for _ in range(rng.randint(1, 4)):
            out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
        return bytes(out)
    return _bad_utf8(valid, rng)


def call(channel: grpc.Channel, rpc: Rpc, body: bytes, timeout: float = 5.0) -> grpc.StatusCode:
    """Send raw bytes to one method; the status code it answered."""
    try:
        if rpc.client_streaming:
            stream = channel.stream_stream(rpc.path)(iter([body]), timeout=timeout)
            for _ in stream:
                pass
        elif rpc.server_streaming:
            responses = channel.unary_stream(rpc.path)(body, timeout=0.3)
            for _ in responses:
                pass  # Watch streams until the deadline: DEADLINE_EXCEEDED for valid input
        else:
            channel.unary_unary(rpc.path)(body, timeout=timeout)
    except grpc.RpcError as err:
        code: grpc.StatusCode = err.code()
        return code
    return grpc.StatusCode.OK


def corpus(per_kind: int, seed: int = 14) -> Iterator[tuple[Rpc, str, bytes]]:
    """``per_kind`` requests of every kind for every method, reproducibly."""
    rng = random.Random(seed)
    for rpc in rpcs():
        for kind in KINDS:
            for _ in range(per_kind):
                yield rpc, kind, variants(rpc.valid, kind, rng)


def run(channel: grpc.Channel, per_kind: int, seed: int = 14) -> Counter[tuple[str, str, str]]:
    """Counts of (method, kind, status code) over the whole corpus."""
    counts: Counter[tuple[str, str, str]] = Counter()
    for rpc, kind, body in corpus(per_kind, seed):
        counts[rpc.path, kind, call(channel, rpc, body).name] += 1
    return counts
