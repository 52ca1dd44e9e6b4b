"""Files larger than an architecture ever is are refused with exit 2, not analysed for minutes."""

import os
import subprocess
import sys
from pathlib import Path


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "paramlens", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def test_a_file_above_the_limit_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.arch.yaml"
    big.write_text("layers:\n" + "  - ReLU\n" * 2000)
    result = run("check", str(big), env={"PARAMLENS_MAX_FILE_SIZE": "1000"})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"{big} is larger than 1,000 bytes, more than any architecture file needs" in result.stderr
    assert run("check", str(big), env={"PARAMLENS_MAX_FILE_SIZE": "100000"}).returncode == 0


def test_the_default_limit_refuses_50_megabytes(tmp_path: Path) -> None:
    big = tmp_path / "huge.arch.yaml"
    with big.open("w") as file:
        file.write("layers:\n")
        line = "  - Conv2d: {out_channels: 16, kernel_size: 3, padding: 1}  # " + "x" * 40 + "\n"
        file.write(line * (50 * 1024 * 1024 // len(line)))
    result = run("check", str(big))
    assert result.returncode == 2
    assert "is larger than 10,485,760 bytes" in result.stderr
