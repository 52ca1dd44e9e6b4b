"""The oracle guard: where the oracles must run (``scripts/test``, CI), a missing PyTorch or Ultralytics makes
every oracle test module an error, never a skip; elsewhere they are skipped with the line that installs them.

With the oracles installed the oracle tests pass either way, so only a run without them shows the guard:
pytest collects the oracle directories in a subprocess where ``torch`` is shadowed by a package that cannot be
imported and Ultralytics' installed version reads 0.0.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ORACLES = ["tests/oracle", "tests/ultralytics_oracle"]
MISSING = re.compile(
    r"^ERROR (tests/\S+\.py) - Failed: (?:PyTorch is missing|the Ultralytics oracle tests cannot run)", re.M
)


def _modules() -> set[str]:
    return {str(p.relative_to(ROOT)) for folder in ORACLES for p in (ROOT / folder).glob("test_*.py")}


def _collect(shadow: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    """``pytest --co`` of the oracle directories without the oracles, CI and the requirement unset unless given."""
    (shadow / "torch").mkdir(parents=True)
    (shadow / "torch" / "__init__.py").write_text('raise ImportError("torch is shadowed by the guard test")\n')
    (shadow / "ultralytics-0.0.dist-info").mkdir()
    (shadow / "ultralytics-0.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: ultralytics\nVersion: 0.0\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PARAMLENS_REQUIRE_ORACLES")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(shadow), env.get("PYTHONPATH")]))
    env["COLUMNS"] = "400"  # the short summary is not cut to 80 columns
    command = [sys.executable, "-m", "pytest", "--co", "-q", "-rEs", "-p", "no:cacheprovider", *ORACLES]
    return subprocess.run(command, cwd=ROOT, env={**env, **variables}, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("variable", ["PARAMLENS_REQUIRE_ORACLES", "CI"])
def test_a_missing_oracle_is_an_error_where_the_oracles_must_run(variable: str, tmp_path: Path) -> None:
    out = _collect(tmp_path, **{variable: "1"})
    assert out.returncode == 2, out.stdout[-3000:]  # interrupted: errors during collection
    assert set(MISSING.findall(out.stdout)) == _modules(), out.stdout[-3000:]
    assert "skipped" not in out.stdout, out.stdout[-3000:]


def test_elsewhere_a_missing_oracle_skips_its_modules_with_the_install_line(tmp_path: Path) -> None:
    out = _collect(tmp_path)
    assert out.returncode == 5, out.stdout[-3000:]  # nothing collected, nothing failed
    skipped = re.findall(
        r"^SKIPPED \[(\d+)\] .*?: The (PyTorch|Ultralytics) oracle tests are skipped", out.stdout, re.M
    )
    assert sum(int(n) for n, _ in skipped) == len(_modules()), out.stdout[-3000:]
    assert "pip install -e '.[oracle]'" in out.stdout
    assert "ERROR" not in out.stdout


def test_scripts_test_requires_the_oracles() -> None:
    """``scripts/test`` (what CI and a developer run) exports the requirement before it starts pytest."""
    lines = (ROOT / "scripts" / "test").read_text().splitlines()
    export = lines.index("export PARAMLENS_REQUIRE_ORACLES=1")
    assert export < next(i for i, line in enumerate(lines) if line.startswith("exec") and "pytest" in line)
