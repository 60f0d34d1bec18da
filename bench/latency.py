"""Sequential single-request latency of a running server, with distinct simulated events.

    python -m bench.latency --target 127.0.0.1:50051 --stream var/stream.jsonl --n 2000

Every request is a distinct event from the stream (unique event ids, emails, IPs, devices), with
``occurred_at`` dropped so a wall-clock server accepts it. One request in flight at a time:
this is the latency a signup backend sees, not throughput.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import json_format

from service.api.gen.signupguard.v1 import scoring_pb2 as pb
from service.api.gen.signupguard.v1 import scoring_pb2_grpc as pb_grpc
from service.events import event_to_dict, read_stream


def load_requests(stream: Path, n: int) -> list[tuple[str, Any]]:
    """The first ``n`` events of a stream as protobuf requests, without timestamps."""
    out: list[tuple[str, Any]] = []
    for record in read_stream(stream):
        body = event_to_dict(record.event)
        body.pop("occurred_at", None)
        kind = record.event.event_type.value
        message = pb.ScoreSignupRequest() if kind == "signup" else pb.ScoreApiKeyCreationRequest()
        out.append((kind, json_format.ParseDict(body, message)))
        if len(out) >= n:
            break
    return out


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))
    return ordered[index]


def run(target: str, requests: list[tuple[str, Any]], warmup: int) -> dict[str, Any]:
    """Send every request in order, one at a time; latency in microseconds per event type."""
    channel = grpc.insecure_channel(target)
    stub = pb_grpc.ScoringServiceStub(channel)
    grpc.channel_ready_future(channel).result(timeout=30)
    timings: dict[str, list[float]] = {"signup": [], "api_key": []}
    for i, (kind, request) in enumerate(requests):
        started = time.perf_counter()
        if kind == "signup":
            stub.ScoreSignup(request, timeout=10)
        else:
            stub.ScoreApiKeyCreation(request, timeout=10)
        elapsed = (time.perf_counter() - started) * 1e6
        if i >= warmup:
            timings[kind].append(elapsed)
    channel.close()
    result: dict[str, Any] = {}
    for kind, values in timings.items():
        if values:
            result[kind] = {
                "n": len(values),
                "p50_us": round(statistics.median(values), 1),
                "p99_us": round(percentile(values, 99), 1),
                "p999_us": round(percentile(values, 99.9), 1),
                "max_us": round(max(values), 1),
            }
    return result


def main(argv: list[str] | None = None) -> int:
    """Command-line entry."""
    parser = argparse.ArgumentParser(prog="bench.latency")
    parser.add_argument("--target", default="127.0.0.1:50051")
    parser.add_argument("--stream", type=Path, required=True)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    result = run(args.target, load_requests(args.stream, args.n + args.warmup), args.warmup)
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
