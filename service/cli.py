"""The ``signupguard`` command: serve, score, simulate, train, evaluate, refresh-data.

Flags override ``SIGNUPGUARD_*`` environment variables, which override the defaults; the
:class:`service.config.Settings` object is built here once and passed down.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from pathlib import Path
from typing import Any

from service.config import DEFAULT_MODEL_DIR, ClockMode, Settings


def _serve(args: argparse.Namespace) -> int:
    from service import app, logs

    overrides: dict[str, Any] = {
        name: value
        for name, value in {
            "host": args.host,
            "port": args.port,
            "clock": args.clock,
            "model": args.model,
            "shadow_model": args.shadow_model,
            "database_url": args.database_url,
            "state_url": args.state_url,
            "workers": args.workers,
            "reuse_port": args.reuse_port,
            "metrics_port": args.metrics_port,
            "policy_file": args.policy_file,
            "log_level": args.log_level,
            "profile_stages": args.profile_stages,
            "tls_cert": args.tls_cert,
            "tls_key": args.tls_key,
            "tls_client_ca": args.tls_client_ca,
            "tls_admin_identities": args.tls_admin_identities,
            "allow_insecure_tokens": args.allow_insecure_tokens,
        }.items()
        if value is not None
    }
    settings = Settings(**overrides)
    logs.configure(settings.log_level, settings.log_decisions)
    return app.serve(settings)


def _add_client_tls(parser: argparse.ArgumentParser) -> None:
    """The TLS options of every command that calls a running server."""
    parser.add_argument("--tls-ca", type=Path, help="PEM CA that signed the server (turns TLS on)")
    parser.add_argument("--tls-cert", type=Path, help="PEM client certificate (mTLS)")
    parser.add_argument("--tls-key", type=Path, help="PEM client key (mTLS)")
    parser.add_argument("--tls-server-name", help="name expected in the server certificate")


def _channel(args: argparse.Namespace) -> Any:
    from service.api.tls import ClientTls, client_channel

    tls = ClientTls(args.tls_ca, args.tls_cert, args.tls_key, args.tls_server_name)
    return client_channel(args.target, tls)


def _score(args: argparse.Namespace) -> int:
    import grpc
    from google.protobuf import json_format

    from service.api.gen.signupguard.v1 import scoring_pb2 as pb
    from service.api.gen.signupguard.v1 import scoring_pb2_grpc as pb_grpc

    text = sys.stdin.read() if args.event == "-" else Path(args.event).read_text(encoding="utf-8")
    data = json.loads(text)
    kind = args.type or data.get("type", "signup")
    body = data.get("event", data) if "event" in data else data
    body = dict(body)
    body.setdefault("event_id", f"cli-{uuid.uuid4()}")
    with _channel(args) as channel:
        stub = pb_grpc.ScoringServiceStub(channel)
        try:
            if kind == "signup":
                signup = json_format.ParseDict(body, pb.ScoreSignupRequest())
                response = stub.ScoreSignup(signup, timeout=args.timeout)
            elif kind == "api_key":
                key = json_format.ParseDict(body, pb.ScoreApiKeyCreationRequest())
                response = stub.ScoreApiKeyCreation(key, timeout=args.timeout)
            else:
                print(f"unknown event type {kind!r}", file=sys.stderr)
                return 2
        except grpc.RpcError as exc:
            print(f"{exc.code().name}: {exc.details()}", file=sys.stderr)
            return 1
    print(
        json_format.MessageToJson(
            response.decision,
            preserving_proto_field_name=True,
            always_print_fields_with_no_presence=True,
        )
    )
    return 0


def _simulate(args: argparse.Namespace) -> int:
    from service.events import write_stream
    from training.simulate import default_config, draw_world, load_config, simulate, world_ranges

    if args.world:
        ranges = world_ranges(args.world)
        config = draw_world(ranges, args.seed, days=args.days, scale=args.scale)
    else:
        config = load_config(args.config) if args.config else default_config()
    if args.out == "-":
        count = write_stream(simulate(config, args.seed), sys.stdout)
    else:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8") as handle:
            count = write_stream(simulate(config, args.seed), handle)
    print(f"wrote {count} events", file=sys.stderr)
    return 0


def _train(args: argparse.Namespace) -> int:
    if args.from_export:
        from training.from_export import train_from_export

        train_from_export(
            args.from_export, args.out, args.report, seed=args.seed, trials=args.trials
        )
        return 0
    from service.events import read_stream
    from training.progress import Progress

    if args.worlds:
        from training.world_pipeline import WorldOptions, run_worlds

        result = run_worlds(
            args.worlds,
            args.seed,
            args.out,
            args.report,
            options=WorldOptions(trials=args.trials),
            progress=Progress(),
        )
        print(f"model {result['model_version']} in {args.out}, report in {args.report}")
        return 0
    from training.pipeline import PipelineOptions, run_pipeline

    if args.stream is not None:  # bad input fails here, before minutes of parallel replay
        for _ in read_stream(args.stream):
            pass

    result = run_pipeline(
        config_path=args.config,
        seed=args.seed,
        out=args.out,
        report=args.report,
        stream=args.stream,
        options=PipelineOptions(
            train_seeds=args.train_seeds, trials=args.trials, holdout=args.holdout or None
        ),
        progress=Progress(),
    )
    print(f"model {result['model_version']} in {args.out}, report in {args.report}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from training.export_data import export_training_data

    counts = export_training_data(
        args.database_url,
        args.out,
        since=args.since,
        until=args.until,
        label_delay_s=args.label_delay_s,
        unlabelled=args.unlabelled,
        maturity_s=args.maturity_s,
    )
    print(json.dumps(counts, indent=2, default=str))
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    if args.from_log:
        from training.compare import compare_from_log, write_comparison

        path = write_comparison(compare_from_log(args.from_log), args.report)
        print(path.read_text())
        return 0
    if args.stream is None:
        print("evaluate needs --stream FILE or --from-log DATABASE_URL", file=sys.stderr)
        return 2
    from training.evaluate import evaluate_command

    return evaluate_command(model=args.model, stream=args.stream, report=args.report)


def _refresh(args: argparse.Namespace) -> int:
    from service.signals.refdata import DEFAULT_DATA_DIR
    from service.signals.refresh import refresh_command

    counts = refresh_command(args.names, args.source, args.data_dir or DEFAULT_DATA_DIR)
    for name, count in counts.items():
        print(f"{name}: {count} entries")
    return 0


def _model(args: argparse.Namespace) -> int:
    import grpc
    from google.protobuf import json_format

    from service.api.gen.signupguard.v1 import admin_pb2 as pb
    from service.api.gen.signupguard.v1 import admin_pb2_grpc as pb_grpc

    configured = Settings().admin_token
    token = args.token or (configured.get_secret_value() if configured else "")
    metadata = (("authorization", f"Bearer {token}"),) if token else ()
    with _channel(args) as channel:
        stub = pb_grpc.AdminServiceStub(channel)
        try:
            if args.action == "status":
                reply = stub.GetModelStatus(pb.GetModelStatusRequest(), metadata=metadata)
            elif args.action == "load":
                role = pb.MODEL_ROLE_SHADOW if args.shadow else pb.MODEL_ROLE_LIVE
                path = str(Path(args.path).resolve()) if args.path else ""
                reply = stub.LoadModel(pb.LoadModelRequest(path=path, role=role), metadata=metadata)
            else:
                reply = stub.PromoteShadow(pb.PromoteShadowRequest(), metadata=metadata)
        except grpc.RpcError as exc:
            print(f"{exc.code().name}: {exc.details()}", file=sys.stderr)
            return 1
    print(json_format.MessageToJson(reply.status, preserving_proto_field_name=True))
    return 0


def _db(args: argparse.Namespace) -> int:
    from service.store import current, head, upgrade

    url = args.database_url or Settings().database_url
    if args.action == "upgrade":
        upgrade(url)
    print(f"database at {current(url) or 'nothing'} (code head {head()})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(prog="signupguard", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the gRPC scoring server")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--clock", choices=[c.value for c in ClockMode])
    serve.add_argument("--model", type=Path, help="model artifact directory")
    serve.add_argument("--shadow-model", type=Path, help="candidate artifact, scored and logged")
    serve.add_argument("--database-url", help="SQLAlchemy URL of the decision store")
    serve.add_argument("--state-url", help="velocity/linkage state (memory://)")
    serve.add_argument("--workers", type=int)
    serve.add_argument(
        "--reuse-port", action="store_true", default=None, help="SO_REUSEPORT: one process per core"
    )
    serve.add_argument("--metrics-port", type=int, help="Prometheus port (0: off)")
    serve.add_argument("--policy-file", type=Path)
    serve.add_argument("--log-level")
    serve.add_argument(
        "--profile-stages", action="store_true", default=None, help="time each request stage"
    )
    serve.add_argument("--tls-cert", type=Path, help="PEM certificate chain: serve TLS")
    serve.add_argument("--tls-key", type=Path, help="PEM private key of --tls-cert")
    serve.add_argument(
        "--tls-client-ca", type=Path, help="PEM CA: require and verify client certificates (mTLS)"
    )
    serve.add_argument(
        "--tls-admin-identities", help="mTLS: client-certificate names (CN/SAN) that act as admin"
    )
    serve.add_argument(
        "--allow-insecure-tokens",
        action="store_true",
        default=None,
        help="accept bearer tokens over plaintext on a non-loopback port",
    )
    serve.set_defaults(func=_serve)

    score = sub.add_parser("score", help="send one JSON event to a running server")
    score.add_argument("event", help="JSON file (a stream line or a bare request), or -")
    score.add_argument("--target", default="127.0.0.1:50051")
    score.add_argument("--type", choices=["signup", "api_key"])
    score.add_argument("--timeout", type=float, default=5.0)
    _add_client_tls(score)
    score.set_defaults(func=_score)

    simulate = sub.add_parser("simulate", help="write a simulated event stream (JSON lines)")
    source = simulate.add_mutually_exclusive_group()
    source.add_argument("--config", type=Path)
    source.add_argument(
        "--world", help="draw a world from this range set of training/configs/worlds.yaml"
    )
    simulate.add_argument("--days", type=int, default=28, help="with --world: length in days")
    simulate.add_argument("--scale", type=float, default=1.0, help="with --world: size factor")
    simulate.add_argument("--seed", type=int, default=1)
    simulate.add_argument("--out", default="-")
    simulate.set_defaults(func=_simulate)

    train = sub.add_parser("train", help="simulate (or read) a stream, train and export a model")
    train.add_argument("--config", type=Path, default=Path("training/configs/default.yaml"))
    train.add_argument("--seed", type=int, default=7)
    train.add_argument("--stream", type=Path, help="train on this stream instead of simulating")
    train.add_argument(
        "--worlds",
        type=Path,
        help="train on randomised worlds drawn from this ranges file (training/configs/worlds.yaml)"
        " and judge on shifted worlds, as `make model` does",
    )
    train.add_argument("--out", type=Path, default=Path("models/default"))
    train.add_argument("--report", type=Path, default=Path("reports/default"))
    train.add_argument(
        "--from-export", type=Path, help="train on `export-training-data` output (own traffic)"
    )
    train.add_argument("--trials", type=int, default=10, help="hyper-parameter search trials")
    train.add_argument("--train-seeds", type=int, default=2, help="simulated training streams")
    train.add_argument(
        "--holdout", default="sleeper_aging", help="archetype held out for the generalisation check"
    )
    train.set_defaults(func=_train)

    export = sub.add_parser(
        "export-training-data",
        help="logged decisions joined with outcomes, point in time, as JSON lines",
    )
    export.add_argument("--database-url", required=True)
    export.add_argument("--out", type=Path, required=True, help="file (.jsonl or .jsonl.gz)")
    export.add_argument("--since", type=float, help="epoch seconds")
    export.add_argument("--until", type=float, help="epoch seconds")
    export.add_argument("--label-delay-s", type=float, help="drop decisions younger than this")
    export.add_argument("--unlabelled", choices=["drop", "legitimate"], default="drop")
    export.add_argument("--maturity-s", type=float, help="age after which unlabelled = legitimate")
    export.set_defaults(func=_export)

    evaluate = sub.add_parser(
        "evaluate", help="score a labelled stream with a model, write a report"
    )
    evaluate.add_argument("--model", type=Path, default=DEFAULT_MODEL_DIR)
    evaluate.add_argument("--stream", type=Path, help="labelled stream to replay and score")
    evaluate.add_argument(
        "--from-log", metavar="DATABASE_URL", help="compare live and shadow from a decision log"
    )
    evaluate.add_argument("--report", type=Path, default=Path("reports/evaluate"))
    evaluate.set_defaults(func=_evaluate)

    refresh = sub.add_parser("refresh-data", help="refresh bundled reference lists")
    refresh.add_argument("names", nargs="+", help="list names (see --help of refdata)")
    refresh.add_argument("--source", help="URL or file to read instead of the upstream")
    refresh.add_argument("--data-dir", type=Path)
    refresh.set_defaults(func=_refresh)
    model = sub.add_parser("model", help="model status / load (live or --shadow) / promote")
    model.add_argument("action", choices=["status", "load", "promote"])
    model.add_argument("path", nargs="?", help="artifact directory (load); empty clears shadow")
    model.add_argument("--shadow", action="store_true", help="load as the shadow model")
    model.add_argument("--target", default="127.0.0.1:50051")
    model.add_argument("--token", help="admin token (default: SIGNUPGUARD_ADMIN_TOKEN)")
    _add_client_tls(model)
    model.set_defaults(func=_model)

    db = sub.add_parser("db", help="decision-store schema: upgrade to head, or show current")
    db.add_argument("action", choices=["upgrade", "current"])
    db.add_argument("--database-url", help="SQLAlchemy URL (default: SIGNUPGUARD_DATABASE_URL)")
    db.set_defaults(func=_db)

    from service.rules.cli import register as register_rules

    register_rules(sub)
    from service.review.cli import register as register_review

    register_review(sub)
    from service.console.serve import register as register_console

    register_console(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``signupguard`` console script."""
    from service.events import InputError

    args = build_parser().parse_args(argv)
    if args.command == "rules":
        from service.rules.cli import run

        return run(args)
    try:
        code: int = args.func(args)
    except InputError as exc:  # bad input data: where and what, no traceback
        print(f"signupguard {args.command}: bad input: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader went away (`| head`): no traceback for that
        # Python's documented recipe: point stdout at devnull so the exit flush cannot fail.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
