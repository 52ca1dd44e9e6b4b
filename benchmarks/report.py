"""``RESULTS.md`` from the raw results: medians, ratios against the floor, and issue 7's budgets."""

from __future__ import annotations

import statistics
from typing import Any

from .lsp_bench import percentile

MB_BUDGET = {1_000: 60, 10_000: 120, 50_000: 400}


def _med(values: list[float] | None) -> float | None:
    return statistics.median(values) if values else None


def ms(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return (
        f"{seconds * 1000:.2f}"
        if seconds < 0.01
        else f"{seconds * 1000:.1f}"
        if seconds < 1
        else f"{seconds * 1000:,.0f}"
    )


def ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}×" if a is not None and b else "-"


def verdict(ok: bool | None) -> str:
    return "-" if ok is None else "**met**" if ok else "**not met**"


def floor(row: dict[str, Any]) -> float | None:
    """compose (gc paused) + the do-nothing server's keystroke round trip (median), on this file."""
    null = _med(row["null"]["keystrokes"])
    return row["engine"]["compose"] + null if null is not None else None


def budgets(results: dict[str, Any]) -> list[tuple[str, str, str, bool | None]]:
    """(budget, file, measured, met) rows."""
    rows: list[tuple[str, str, str, bool | None]] = []
    start = results.get("startup", {})
    ours, null = _med(start.get("paramlens")), _med(start.get("null"))
    if ours and null:
        rows.append(
            (
                "start-up ≤ 1.15 × do-nothing server",
                "-",
                f"{ms(ours)} vs {ms(null)} ms = {ratio(ours, null)}",
                ours <= 1.15 * null,
            )
        )
    cli = results.get("cli")
    if cli:
        rows.append(
            (
                "`paramlens check` (100 layers) ≤ 2 × `python -c 'import yaml'`",
                "cnn-100",
                f"{ms(cli['check'])} vs {ms(cli['import_yaml'])} ms = {ratio(cli['check'], cli['import_yaml'])}",
                cli["check"] <= 2 * cli["import_yaml"],
            )
        )
    for name, row in results["files"].items():
        size, keys, f = row["size"], row["paramlens"]["keystrokes"], floor(row)
        p50, p95 = _med(keys), percentile(keys, 95)
        if row["paramlens"]["errors"]:
            rows.append(("session completed", name, "; ".join(row["paramlens"]["errors"]), False))
        if size <= 10_000 and p50 is not None and f:
            rows.append(("keystroke p50 ≤ 1.5 × floor", name, f"{ms(p50)} ms = {ratio(p50, f)}", p50 <= 1.5 * f))
            rows.append(("keystroke p95 ≤ 2.5 × floor", name, f"{ms(p95)} ms = {ratio(p95, f)}", p95 <= 2.5 * f))
        yls = row.get("yls")
        if size == 10_000 and yls and _med(yls["keystrokes"]) and p50:
            theirs = _med(yls["keystrokes"])
            rows.append(
                (
                    "keystroke ≥ 5 × faster than yaml-language-server",
                    name,
                    f"{ms(theirs)} / {ms(p50)} ms = {ratio(theirs, p50)}",
                    theirs >= 5 * p50,
                )
            )
        if size >= 50_000:
            rows.append(("keystroke p50 ≤ 1 s", name, f"{ms(p50)} ms", p50 is not None and p50 <= 1.0))
            for what, key in (("hover", "busy_hover"), ("window hints", "busy_hints")):
                busy = _med(row["paramlens"][key])
                rows.append(
                    (
                        f"{what} during re-analysis p50 ≤ 20 ms",
                        name,
                        f"{ms(busy)} ms",
                        busy is not None and busy <= 0.02,
                    )
                )
        for what, key in (("60-line window hints", "hints_window"), ("hover", "hover")):
            value = _med(row["paramlens"][key])
            rows.append((f"{what} p50 ≤ 2 ms", name, f"{ms(value)} ms", value is not None and value <= 0.002))
        whole, null_whole = _med(row["paramlens"]["hints_all"]), _med(row["null"]["hints_all"])
        if whole and null_whole:
            rows.append(
                (
                    "whole-document hints ≤ 1.2 × do-nothing server (same count)",
                    name,
                    f"{ms(whole)} vs {ms(null_whole)} ms ({row['paramlens']['hints_all_count']:,} vs "
                    f"{row['null']['hints_all_count']:,} hints) = {ratio(whole, null_whole)}",
                    whole <= 1.2 * null_whole,
                )
            )
        if size in MB_BUDGET:
            rss = row["paramlens"]["rss_mb"]
            rows.append(
                (
                    f"peak RSS ≤ {MB_BUDGET[size]} MB",
                    name,
                    f"{rss:.0f} MB" if rss else "-",
                    rss is not None and rss <= MB_BUDGET[size],
                )
            )
    return rows


def _lsp_table(results: dict[str, Any]) -> list[str]:
    out = [
        "| file | server | init | open | keystroke p50 | p95 | max | n | p50 / floor | hints all (n) | hints 60 lines |"
        " hover | completion | busy hover | RSS MB | diags at open |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, row in results["files"].items():
        f = floor(row)
        for server in ("paramlens", "null", "yls"):
            s = row.get(server)
            if not s:
                continue
            keys = s["keystrokes"]
            unsupported = set(s.get("unsupported", ()))
            hints = (
                "n/a"
                if "textDocument/inlayHint" in unsupported
                else f"{ms(_med(s['hints_all']))} ({s['hints_all_count']:,})"
            )
            out.append(
                f"| {name} | {server} | {ms(s['initialize'])} | {ms(s['open'])} | {ms(_med(keys))} | "
                f"{ms(percentile(keys, 95))} | {ms(max(keys) if keys else None)} | {len(keys)} | "
                f"{ratio(_med(keys), f)} | "
                f"{hints} | {'n/a' if 'textDocument/inlayHint' in unsupported else ms(_med(s['hints_window']))} | "
                f"{ms(_med(s['hover']))} | {ms(_med(s['completion']))} | {ms(_med(s['busy_hover']))} | "
                f"{s['rss_mb'] or 0:.0f} | {s['open_diagnostics']} |"
            )
            if s["errors"]:
                out.append(f"| {name} | {server} | errors: {'; '.join(s['errors'])} |" + " |" * 13)
    return out


def _engine_table(results: dict[str, Any]) -> list[str]:
    out = [
        "| file | lines | compose (floor) | parse | infer | analyse | analyse, gc paused | render |"
        " analyse / compose |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, row in results["files"].items():
        e = row["engine"]
        out.append(
            f"| {name} | {row['lines']:,} | {ms(e['compose'])} | {ms(e['parse'])} | {ms(e['infer'])} | "
            f"{ms(e['analyse'])} | "
            f"{ms(e['analyse_gc_paused'])} | {ms(e['render'])} | {ratio(e['analyse'], e['compose'])} |"
        )
    return out


def _kinds_table(results: dict[str, Any]) -> list[str]:
    kinds = ["type a digit", "delete a digit", "insert a line", "delete a line", "break the YAML", "repair the YAML"]
    out = ["| file | server | " + " | ".join(kinds) + " |", "|---|---|" + "---|" * len(kinds)]
    for name, row in results["files"].items():
        for server in ("paramlens", "yls"):
            if server in row:
                by = row[server]["keystroke_kinds"]
                out.append(f"| {name} | {server} | " + " | ".join(ms(_med(by.get(k))) for k in kinds) + " |")
    return out


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    rows = budgets(results)
    met = sum(1 for r in rows if r[3])
    lines = [
        "# Benchmark results (issue 7)" + (" — quick run" if results.get("quick") else ""),
        "",
        f"Generated by `.venv/bin/python -m benchmarks.run{' --quick' if results.get('quick') else ''}` "
        f"on {m['date']}. "
        "All times are wall-clock milliseconds seen by the client (medians unless marked), see benchmarks/README.md.",
        "",
        f"- Machine: {m['nproc']} cores ({m['cpu']}); load average {m['load_start'][0]:.1f} at the start, "
        f"{m.get('load_end', (0,))[0]:.1f} at the end (other engineers' jobs share the cores: expect noise).",
        f"- Python {m['python']}, pygls {m['pygls']}, lsprotocol {m['lsprotocol']}, PyYAML {m['pyyaml']}, "
        f"node {m['node']}, yaml-language-server {m['yls']} with schema {results.get('schema', '-')}.",
        "",
        "```",
        m["free"],
        "```",
        "",
        "The floor of a keystroke on a file = PyYAML C-loader `compose` of its text (median, gc paused) + the "
        "do-nothing pygls server's keystroke → publishDiagnostics round trip (median) on the same file in the same "
        "run.",
        "",
        f"## Budgets: {met} of {len(rows)} met",
        "",
        "| budget | file | measured | verdict |",
        "|---|---|---|---|",
        *(f"| {b} | {f} | {v} | {verdict(ok)} |" for b, f, v, ok in rows),
        "",
        "## LSP, per file and server",
        "",
        "init = spawn → initialize response; open = didOpen → first publishDiagnostics; keystroke = didChange → "
        "publishDiagnostics of that version (yaml-language-server sends no version: its first publication after the "
        "change; it waits 200 ms before validating); busy hover = a hover sent right after a keystroke, while the "
        "server re-analyses. null = the do-nothing pygls server (benchmarks/null_server.py).",
        "",
        *_lsp_table(results),
        "",
        "Start-up (spawn → initialize response, alternated runs): "
        + ", ".join(f"{k} {ms(_med(v))} ms (n={len(v)})" for k, v in results.get("startup", {}).items()),
        "",
        "## Keystroke → diagnostics by kind of edit (p50, ms)",
        "",
        *_kinds_table(results),
        "",
        "## Engine stages (in-process, median ms)",
        "",
        "compose = the floor (gc paused); infer = analyse − parse; render = "
        + (next(iter(results["files"].values()))["engine"]["render_what"] if results["files"] else "-")
        + ".",
        "",
        *_engine_table(results),
        "",
    ]
    return "\n".join(lines)
