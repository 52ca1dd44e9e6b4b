"""The hostile corpus (issue 8) through the engine and `paramlens check`.

Each file in corpus/ has an entry in expected.yaml: what it covers, the exact diagnostics (code and
range), the exact total and the exit code of `paramlens check`. The engine reads a file as a language
server receives it (UTF-8, invalid bytes as U+FFFD); the CLI reads the bytes itself.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml
from hostile_invariants import check, lsp_lines

from paramlens import files
from paramlens.engine import analyse
from paramlens.engine.analysis import Analysis

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
EXPECTED: dict[str, dict] = yaml.safe_load((HERE / "expected.yaml").read_text(encoding="utf-8"))
FILES = sorted(EXPECTED)
CLI_SECONDS = 20  # one `paramlens check` of one corpus file, start-up included, on a busy CI machine


def resolve(importing: str | None, relpath: str) -> tuple[str, str] | str:
    """Imports from the corpus directory, found and read as the CLI and the server do (``paramlens.files``)."""
    target = files.import_path(importing or str(CORPUS / "x"), relpath)
    try:
        return target, files.read_text(target, 10 * 1024 * 1024)
    except files.Refused as exc:
        return exc.reason


def engine_analysis(name: str, text: str) -> Analysis:
    return check(text, key=str(CORPUS / name), resolve=resolve)


def described(analysis: Analysis) -> list[str]:
    return [
        f"{d.code} {d.span.start_line}:{d.span.start_char}-{d.span.end_line}:{d.span.end_char}"
        for d in analysis.diagnostics
    ]


def test_every_corpus_file_has_an_expectation() -> None:
    assert sorted(p.name for p in CORPUS.glob("*.arch.yaml")) == FILES


@pytest.mark.parametrize("name", FILES)
def test_engine(name: str) -> None:
    expected = EXPECTED[name]
    text = (CORPUS / name).read_bytes().decode("utf-8", errors="replace")
    analysis = engine_analysis(name, text)
    assert described(analysis) == expected["diagnostics"]
    assert analysis.is_architecture == expected.get("architecture", True)
    if analysis.is_architecture:
        assert analysis.totals.params == expected["params"]
    if "message" in expected:
        assert any(expected["message"] in d.message for d in analysis.diagnostics)
    for d in analysis.diagnostics:  # a message says what is wrong and how to fix it: a sentence at least
        assert len(d.message) >= 20 and d.message.endswith((".", "?")), d.message


def test_lone_surrogates() -> None:
    """JSON can carry lone surrogates (`"\\ud800"`) that UTF-8 cannot encode: the YAML reader must not see them."""
    text = "input: [8]  # \ud800\nlayers:\n  - Re\udc00LU\n"
    analysis = check(text)
    assert described(analysis) == ["unknown-layer 2:4-2:9"]


def test_deep_indentation() -> None:
    """3,000 levels of indentation (a 4.5 MB text, made here rather than kept in the corpus)."""
    text = "input: [3]\nlayers:\n" + "".join(" " * i + "a:\n" for i in range(1, 3000))
    analysis = check(text)
    assert described(analysis) == ["invalid-value 2:1-1000:0", "yaml-syntax 1000:1000-1000:1001"]
    assert "exceeded maximum nesting depth" in analysis.diagnostics[1].message


def test_huge_valid_file_scales_linearly() -> None:
    """Real files of any size analyse: the budget grows with the text, and the time stays proportional."""
    layers = "".join(f"  - Linear: {{out_features: 8, name: l{i}}}\n" for i in range(20_000))
    text = "input: [8]\nlayers:\n" + layers
    analysis = check(text)
    assert analysis.diagnostics == []
    assert analysis.totals.params == 20_000 * 72


# --- `paramlens check` -------------------------------------------------------------------------------

_LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?:error|warning|info|hint): .* \[(?P<code>[a-z-]+)\]$")


def _run_check(path: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "paramlens", "check", str(path)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=CLI_SECONDS,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "200"},
    )


@pytest.fixture(scope="module")
def cli_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, subprocess.CompletedProcess[str]], Path]:
    """`paramlens check FILE` for every corpus file, a few at a time, in an empty working directory."""
    cwd = tmp_path_factory.mktemp("cwd")
    with ThreadPoolExecutor(max_workers=4) as pool:
        runs = dict(zip(FILES, pool.map(lambda name: _run_check(CORPUS / name, cwd), FILES), strict=True))
    return runs, cwd


@pytest.mark.parametrize("name", FILES)
def test_cli(name: str, cli_runs: tuple[dict[str, subprocess.CompletedProcess[str]], Path]) -> None:
    run = cli_runs[0][name]
    expected = EXPECTED[name]
    assert "Traceback" not in run.stderr
    assert run.returncode == expected["cli"], run.stderr
    data = (CORPUS / name).read_bytes()
    if expected["cli"] == 2:  # not UTF-8: one clear line, nothing analysed
        assert run.stdout == ""
        assert re.match(rf"paramlens: .*{re.escape(name)}:\d+:\d+: not UTF-8 text \(byte 0x[0-9a-f]{{2}}\)", run.stderr)
        return
    # the CLI drops a leading BOM, as editors do: compare with the engine's analysis of that text
    text = data.decode("utf-8-sig")
    analysis = analyse(text, key=os.path.realpath(CORPUS / name), resolve=resolve)
    printed = [m.group("code", "line", "col") for line in run.stdout.splitlines() if (m := _LINE.match(line))]
    assert len(printed) == len(run.stdout.splitlines()), run.stdout
    if not analysis.is_architecture:
        assert printed == [("not-architecture", "1", "1")]
        return
    lines = lsp_lines(text)
    assert printed == [(d.code, str(d.span.start_line + 1), str(d.span.start_char + 1)) for d in analysis.diagnostics]
    assert all(d.span.start_line < len(lines) for d in analysis.diagnostics)


def test_cli_never_constructs_tags(cli_runs: tuple[dict[str, subprocess.CompletedProcess[str]], Path]) -> None:
    """python-tags and expression-import try `touch PWNED` in the working directory."""
    assert list(cli_runs[1].iterdir()) == []
