"""`paramlens check`: one line per diagnostic, a summary on stderr, exit codes 0, 1 and 2."""

from __future__ import annotations

from pathlib import Path

from paramlens.engine import analyse

from .common import MISMATCH_LINE, SEED_2D, SEED_3D, run


def test_mismatch_line_format_through_a_subprocess(mismatch: Path) -> None:
    proc = run("check", "mismatch.arch.yaml", cwd=mismatch.parent)
    assert proc.returncode == 1
    assert proc.stdout == MISMATCH_LINE + "\n"
    assert proc.stderr == "1 file checked, 1 error\n"


def test_clean_files_exit_0(cli) -> None:
    code, out, err = cli("check", str(SEED_2D), str(SEED_3D))
    assert (code, out, err) == (0, "", "2 files checked, no problems\n")


def test_errors_and_warnings_are_counted(cli, mismatch: Path) -> None:
    warned = mismatch.parent / "warned.arch.yaml"
    warned.write_text("layers:\n  - ReLU\nextra: 1\n")
    code, out, err = cli("check", "mismatch.arch.yaml", "warned.arch.yaml")
    assert code == 1
    assert out.splitlines() == [
        MISMATCH_LINE,
        "warned.arch.yaml:3:1: warning: Unknown top-level key 'extra'. "
        "An architecture has name, input, layers, blocks, imports, dtype. [unknown-key]",
    ]
    assert err == "2 files checked, 1 error, 1 warning\n"


def test_warnings_alone_exit_0(cli, tmp_path: Path) -> None:
    path = tmp_path / "w.arch.yaml"
    path.write_text("layers:\n  - ReLU\nextra: 1\n")
    code, _out, err = cli("check", str(path))
    assert (code, err) == (0, "1 file checked, 1 warning\n")


def test_yaml_that_is_not_an_architecture_is_a_warning_not_an_error(cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("config.yaml").write_text("steps: 10\n")
    code, out, err = cli("check", "config.yaml", str(SEED_2D))
    assert code == 0
    assert out == (
        "config.yaml:1:1: warning: this file is not an architecture file: its top level is not a mapping with "
        "`layers` or `blocks` (the format: docs/format.md); skipped [not-architecture]\n"
    )
    assert err == "2 files checked, no problems, 1 skipped (not architecture files)\n"


def test_missing_file_exits_2_without_traceback(mismatch: Path) -> None:
    proc = run("check", "mismatch.arch.yaml", "nowhere.arch.yaml", cwd=mismatch.parent)
    assert proc.returncode == 2
    assert proc.stdout == MISMATCH_LINE + "\n"
    assert proc.stderr == ("paramlens: nowhere.arch.yaml does not exist\n1 file checked, 1 error, 1 unreadable\n")
    assert "Traceback" not in proc.stderr


def test_non_utf8_file_exits_2(cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("latin1.arch.yaml").write_bytes(b"name: \xc3\xa9t\xe9\nlayers: [ReLU]\n")  # UTF-8 é, then Latin-1 é
    code, out, err = cli("check", "latin1.arch.yaml")
    assert (code, out) == (2, "")
    assert err == (
        "paramlens: latin1.arch.yaml:1:9: not UTF-8 text (byte 0xe9); save the file as UTF-8\n"
        "0 files checked, no problems, 1 unreadable\n"
    )


def test_a_directory_stands_for_its_architecture_files(cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("models/sub").mkdir(parents=True)
    Path("models/a.arch.yaml").write_text("layers: [ReLU]\n")
    Path("models/sub/b.arch.yml").write_text("layers: [Conv2d]\n")
    Path("models/notes.yaml").write_text("not: checked\n")
    code, out, err = cli("check", "models")
    assert code == 1
    (d,) = analyse("layers: [Conv2d]\n").diagnostics
    assert out == f"models/sub/b.arch.yml:1:10: error: {d.message} [missing-argument]\n"
    assert err == "2 files checked, 1 error\n"
    Path("empty").mkdir()
    code, _out, err = cli("check", "empty")
    assert (code, err) == (2, "paramlens: empty holds no *.arch.yaml or *.arch.yml files\n")


def test_standard_input(cli, monkeypatch) -> None:
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"layers:\n  - Conv2D: {filter: 3}\n")))
    code, out, _err = cli("check", "-")
    assert code == 1
    assert out.startswith("-:2:14: error: Conv2d has no argument 'filter'. Did you mean filters?")
    assert out.endswith(" [unknown-argument]\n")


def test_syntax_error_position(cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("broken.arch.yaml").write_text("layers:\n  - ReLU\n  - Conv2d: {out_channels: 3\n")
    code, out, _err = cli("check", "broken.arch.yaml")
    assert code == 1
    assert out.startswith("broken.arch.yaml:4:1: error: YAML syntax error:")
    assert out.endswith("[yaml-syntax]\n")


def test_no_files_is_a_usage_error(cli) -> None:
    code, _out, err = cli("check")
    assert code == 2
    assert "the following arguments are required: FILE" in err
