"""The session's pool of Ultralytics builds, and the oracle's tally in pytest's terminal summary."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .oracle import TALLY, Model, Pool


@pytest.fixture(scope="session")
def pool(request: pytest.FixtureRequest) -> Iterator[Pool]:
    """Every model the selected tests take as a parameter, queued at once and in the tests' order, so that the
    workers build while the tests compare."""
    builds = Pool()
    for item in request.session.items:
        for value in getattr(getattr(item, "callspec", None), "params", {}).values():
            if isinstance(value, Model):
                builds.submit(value)
    yield builds
    builds.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TALLY:
        terminalreporter.write_sep("-", "Ultralytics oracle")
        terminalreporter.write_line(", ".join(f"{name}: {count:,}" for name, count in TALLY.items()))
