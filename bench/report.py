"""Render results: a console table after a run, and BENCHMARKS.md from a results file."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

from bench import summary
from bench.plan import Options
from bench.stats import median, ratio

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
STAGE_ORDER = (
    "parse", "signals", "state", "features", "predict", "rules", "policy", "reasons", "log",
)  # fmt: skip


def jsonable_options(opts: Options) -> dict[str, Any]:
    """The options as plain JSON types."""
    plain: dict[str, Any] = json.loads(json.dumps(dataclasses.asdict(opts)))
    return plain


def _ms(value: float | None) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{value / 1000:.2f}"


def _num(value: float | None, digits: int = 0) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{value:,.{digits}f}"


def _x(value: float) -> str:
    return "" if not math.isfinite(value) else f"{value:.2f}×"


def _block(f: dict[str, Any]) -> str:
    share = f.get("decisions", {}).get("actions", {}).get("ACTION_BLOCK")
    return "" if share is None else f"{share:.0%}"


_COLUMNS = (
    "case", "server", "phase", "RPC", "load", "round", "answers", "RPS", "RPS ÷ floor",
    "p50 ms", "×floor", "p99 ms", "×floor", "p99.9 ms", "×floor", "errors", "server CPU µs/req",
    "×floor", "client CPU µs/req", "other cores", "BLOCK",
)  # fmt: skip


def _cells(row: summary.Row) -> list[str]:
    f = row.phase
    lat = f["latency_us"]
    errors = sum(f["errors"].values())
    floor_rps = row.floor["rps"] if row.floor and f["server"] != "floor" else math.nan
    return [
        row.case, f["label"], f["phase"], f["rpc"], f["load"], str(f["round"]),
        _num(f["requests"]), _num(f["rps"]), _x(ratio(f["rps"], floor_rps)),
        _ms(lat.get("p50")), _x(row.vs_floor("latency_us", "p50")),
        _ms(lat.get("p99")), _x(row.vs_floor("latency_us", "p99")),
        _ms(lat.get("p999")), _x(row.vs_floor("latency_us", "p999")),
        str(errors) + (" (exhausted)" if f.get("exhausted") else ""),
        _num(f["server_cpu_us"]), _x(row.vs_floor("server_cpu_us")),
        _num(f["client_cpu_us"]), _num(f["other_cores"], 2), _block(f),
    ]  # fmt: skip


def _markdown_table(header: tuple[str, ...] | list[str], body: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cells) + " |" for cells in body]
    return "\n".join(lines)


def console_table(results: dict[str, Any]) -> str:
    """A plain-text table of every measured phase, for the terminal."""
    body = [_cells(row) for row in summary.rows(results)]
    widths = [max(len(h), *(len(c[i]) for c in body)) for i, h in enumerate(_COLUMNS)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(_COLUMNS, widths, strict=True))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) for cells in body]
    targets = summary.targets(results, None)
    lines.append("")
    lines += [f"{t['verdict']:>12}  {t['target']}: {t['measured']}" for t in targets[:-1]]
    return "\n".join(lines)


def _stage_table(stages: dict[str, dict[str, Any]]) -> str:
    names = list(stages)
    header = ["stage", *(f"{n}: mean µs" for n in names), *(f"{n}: p99 ≤ µs" for n in names)]
    body = []
    for stage in STAGE_ORDER:
        means = [_num((stages[n].get(stage) or {}).get("mean_us"), 1) for n in names]
        p99s = [_num((stages[n].get(stage) or {}).get("p99_le_us")) for n in names]
        body.append([stage, *means, *p99s])
    totals = [
        _num(sum((s.get("mean_us") or 0.0) * (s.get("count") or 0.0) for s in stages[n].values())
             / max((stages[n].get("parse") or {}).get("count") or 1.0, 1.0), 1)
        for n in names
    ]  # fmt: skip
    body.append(["**sum per request**", *totals, *([""] * len(names))])
    return _markdown_table(header, body)


def _breakdown(results: dict[str, Any]) -> str:
    lines = []
    for b in summary.breakdown(results):
        rest = b["server_cpu_us"] - b["floor_cpu_us"] - b["stages_us"]
        largest = ", ".join(f"{name} {value:.0f}" for name, value in b["largest"])
        lines.append(
            f"- {b['stream']}: {b['server_cpu_us']:.0f} µs of server CPU per request = the "
            f"floor's {b['floor_cpu_us']:.0f} (transport) + {b['stages_us']:.0f} in the "
            f"stages (largest: {largest}) + {rest:.0f} elsewhere (response conversion, "
            "metrics, the decision writer thread, thread hand-offs; wall-time stages under "
            "other sessions' load make this approximate)"
        )
    return "\n".join(lines)


def _machine(results: dict[str, Any]) -> str:
    m = results["machine"]
    pk = m["packages"]
    others = [f["other_cores"] for _, _, f in summary.phases(results)]
    noise = median(others)
    return "\n".join([
        f"- `nproc` {m['nproc']} (affinity {m['affinity']}), {m['cpu_model']}"
        + (f" at {m['cpu_mhz']:.0f} MHz" if m.get("cpu_mhz") else "")
        + f", {m['memory_gib']} GiB, Linux {m['kernel']}",
        f"- Python {m['python']}, grpcio {pk.get('grpcio')}, protobuf {pk.get('protobuf')}, "
        f"LightGBM {pk.get('lightgbm')}, redis-py {pk.get('redis')} (hiredis "
        f"{pk.get('hiredis')}), Redis server {m.get('redis_server')}",
        "- placement: "
        + (
            "one-process servers pinned to the last CPU, the load generator to the first; "
            "each process of a two-process server on its own CPU"
            if results["options"].get("pin")
            else "nothing pinned"
        ),
        f"- code: commit `{m['git_commit']}`"
        + (f", uncommitted changes in {', '.join(m['git_modified'])}" if m["git_modified"] else ""),
        f"- shared machine: load average {m['load_average'][0]:.2f} at the start; other "
        f"processes used a median of {noise:.2f} of the {m['nproc']} cores during the "
        "measured windows (column *other cores*)",
    ])  # fmt: skip


def _scale_section(scale: dict[str, Any] | None) -> str:
    if not scale or not scale.get("runs"):
        return "Not run yet: `make bench BENCH_SCALE=1` (about an hour).\n"
    header = ["state", "signups", "p50 start → end µs", "p99 start → end µs",
              "CPU/signup start → end µs", "trend past 100k (CPU, p50)",
              "RSS start → end MiB", "Redis used_memory Δ MiB",
              "state keys", "bytes per key", "full GCs (longest ms)", "wall"]  # fmt: skip
    body = []
    for run in scale["runs"]:
        first, last = run["windows"][0], run["windows"][-1]
        gc = run.get("gc_full_collections", {})
        trend = summary.scale_trend(run)
        body.append([
            run["state"], _num(run["signups"]),
            f"{_num(first['p50_us'])} → {_num(last['p50_us'])}",
            f"{_num(first['p99_us'])} → {_num(last['p99_us'])}",
            f"{_num(first['cpu_us'])} → {_num(last['cpu_us'])}",
            f"{trend.get('cpu', math.nan):+.0%}, {trend.get('p50', math.nan):+.0%} per 1M",
            f"{_num(run['rss_start_bytes'] / 2**20)} → {_num(run['rss_end_bytes'] / 2**20)}",
            _num(run["redis_used_memory_delta_bytes"] / 2**20)
            if run.get("redis_used_memory_delta_bytes") is not None else "—",
            _num(run.get("entities")), _num(run.get("bytes_per_entity")),
            f"{gc.get('count', 0)} ({_num(gc.get('max_ms'))})",
            f"{run['wall_s'] / 60:.0f} min",
        ])  # fmt: skip
    series = _scale_series(scale)
    source = "; ".join(f"{run['state']} from {run['source']}" for run in scale["runs"]) + "."
    table = _markdown_table(header, body)
    return f"{scale.get('method', '')}\n\n{source}\n\n{table}\n\nAlong the replay:\n\n{series}\n"


def _scale_series(scale: dict[str, Any]) -> str:
    """CPU, p50, longest call and RSS about every 100k signups, one column pair per state."""
    runs = scale["runs"]
    header = ["signups"]
    for run in runs:
        state = run["state"]
        header += [f"{state}: CPU µs", f"{state}: p50 µs", f"{state}: longest ms",
                   f"{state}: RSS MiB"]  # fmt: skip
    windows = runs[0]["windows"]
    size = windows[1]["upto"] - windows[0]["upto"] if len(windows) > 1 else 100_000
    every = max(1, 100_000 // max(1, size))
    rows = []
    for index in range(0, len(windows), every):
        cells = [_num(windows[index]["upto"])]
        for run in runs:
            w = run["windows"][min(index, len(run["windows"]) - 1)]
            cells += [_num(w["cpu_us"]), _num(w["p50_us"]), _num(w["max_us"] / 1000),
                      _num(w["rss_bytes"] / 2**20)]  # fmt: skip
        rows.append(cells)
    return _markdown_table(header, rows)


def _latest_scale() -> dict[str, Any] | None:
    """The newest scale replay of each state (``--scale-states`` may run one alone)."""
    files = sorted((HERE / "results").glob("scale-*.json"), reverse=True)
    if not files:
        return None
    newest: dict[str, Any] = json.loads(files[0].read_text())
    runs: dict[str, dict[str, Any]] = {}
    for path in files:
        data = json.loads(path.read_text())
        for run in data.get("runs", []):
            if run["state"] not in runs:
                commit = data.get("machine", {}).get("git_commit") or "unknown"
                where = f"`{path.relative_to(ROOT)}` ({data.get('date', '')}, code `{commit}`)"
                runs[run["state"]] = {**run, "source": where}
    newest["runs"] = sorted(runs.values(), key=lambda r: r["state"] != "memory")
    return newest


def render(results: dict[str, Any], source: str) -> str:
    """The whole BENCHMARKS.md."""
    scale = _latest_scale()
    targets = summary.targets(results, scale)
    h = summary.headline(results)
    every = _markdown_table(list(_COLUMNS), [_cells(r) for r in summary.rows(results)])
    target_table = _markdown_table(
        ["target", "measured", "verdict", "gap"],
        [[t["target"], t["measured"], f"**{t['verdict']}**", t["gap"]] for t in targets],
    )
    skipped = "".join(f"- not run: {k}: {v}\n" for k, v in results.get("skipped", {}).items())
    failed = "".join(
        f"- FAILED: {i['case']}: {i['failed']}\n" for i in results["instances"] if "failed" in i
    )
    template = (HERE / "BENCHMARKS.template.md").read_text()
    return template.format(
        date=results["date"],
        source=source,
        runtime=f"{results['runtime_s'] / 60:.1f} min",
        machine=_machine(results),
        targets=target_table,
        skipped=skipped + failed,
        every=every,
        stages=_stage_table(h["stages"]) if h["stages"] else "Not run.",
        breakdown=_breakdown(results),
        scale=_scale_section(scale),
        reps=results["options"]["reps"],
    )


def write_markdown(results_path: Path, out: Path) -> Path:
    """Render ``results_path`` into ``out`` (BENCHMARKS.md)."""
    results = json.loads(results_path.read_text())
    resolved = results_path.resolve()
    source = resolved.relative_to(ROOT) if resolved.is_relative_to(ROOT) else resolved
    out.write_text(render(results, str(source)))
    return out
