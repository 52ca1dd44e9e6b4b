"""Fixtures of the VS Code end-to-end tests: one code-server per module and server mode (bundled, installed)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from vscode_workbench import Workbench, launch

# Timings reported at the end of the run (open → first hint, per mode).
TIMINGS: dict[str, float] = {}


@pytest.fixture(scope="module", params=["bundled", "installed"])
def vscode(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workbench]:
    with launch(tmp_path_factory.mktemp(f"vscode-{request.param}"), request.param) as workbench:
        workbench.mode = request.param  # type: ignore[attr-defined]
        yield workbench


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    if TIMINGS:
        terminalreporter.write_sep("-", "VS Code end-to-end timings")
        for name, seconds in TIMINGS.items():
            terminalreporter.write_line(f"{name}: {seconds:.2f} s")
