"""The one reader (``paramlens.files``, issue 13) and ``paramlens check`` on imports of hostile paths:
devices, a FIFO with no writer, a directory, a socket, a symlink loop, a /proc file, a file too large
and one that grows past the limit while it is read. Each is refused at once with what it is, without
blocking and without reading more than the limit plus one byte. (The server: test_hostile_reading_server.py.)
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from reading_cases import LIMIT, NAMES, make

from paramlens import files
from paramlens.cli import main

pytestmark = pytest.mark.timeout(10)  # a reader that blocks on the FIFO fails here instead of hanging


@pytest.mark.parametrize("name", NAMES)
def test_the_reader_refuses_what_is_not_a_regular_file(tmp_path: Path, name: str) -> None:
    hostile = make(tmp_path, name)
    with pytest.raises(files.Refused) as refused:
        files.read_text(os.path.normpath(os.path.join(tmp_path, hostile.written)), LIMIT)
    assert refused.value.reason == hostile.reason


@pytest.mark.parametrize("name", NAMES)
def test_check_reports_an_import_error_saying_what_the_path_is(
    tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    hostile = make(tmp_path, name)
    Path("net.arch.yaml").write_text(hostile.model())
    assert main(["check", "net.arch.yaml"]) == 1
    out, err = capsys.readouterr()
    assert out == f"net.arch.yaml:1:11: error: {hostile.message()} [import-error]\n"
    assert err == "1 file checked, 1 error\n"


@pytest.mark.parametrize("name", ["fifo", "directory", "socket", "dev-zero"])
def test_check_refuses_such_a_file_given_itself(
    tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = os.path.normpath(make(tmp_path, name).written)
    assert main(["check", path]) == 2
    _out, err = capsys.readouterr()
    if name == "directory":  # a directory given to check stands for the files below it
        assert err == f"paramlens: {path} holds no *.arch.yaml or *.arch.yml files\n"
    else:
        assert err.startswith(f"paramlens: {path} is a ")


def test_a_regular_file_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "ok.arch.yaml"
    text = "\ufeffinput: [3]\r\nlayers: [ReLU]  # é\n" + "#" * (3 * files.CHUNK)
    path.write_text(text, encoding="utf-8", newline="")
    assert files.read_text(str(path), LIMIT) == text[1:]  # the BOM dropped, CRLF kept
    path.write_bytes(b"layers: [ReLU]\n# caf\xe9\n")
    with pytest.raises(files.Refused) as refused:
        files.read_text(str(path), LIMIT)
    assert refused.value.reason == "is not UTF-8 text at line 2, column 6 (byte 0xe9); save it as UTF-8"


def test_a_file_at_the_limit_is_read_and_one_byte_more_is_not(tmp_path: Path) -> None:
    path = tmp_path / "edge.arch.yaml"
    path.write_bytes(b"#" * 1000)
    assert len(files.read_bytes(str(path), 1000)) == 1000
    with pytest.raises(files.Refused) as refused:
        files.read_bytes(str(path), 999)
    assert refused.value.reason == "is larger than 999 bytes"


def test_a_file_that_grows_past_the_limit_while_read_is_refused_after_limit_plus_one_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """fstat says 10 bytes; by the time it is read the file holds far more (another process appends)."""
    path = tmp_path / "growing.arch.yaml"
    path.write_bytes(b"#" * (5 * files.CHUNK))
    real_fstat, real_read, asked = os.fstat, os.read, []

    def fstat(fd: int) -> os.stat_result:
        info = list(real_fstat(fd))
        info[6] = 10  # st_size as it was when the file was opened
        return os.stat_result(info)

    def read(fd: int, n: int) -> bytes:
        asked.append(n)
        return real_read(fd, n)

    monkeypatch.setattr(files.os, "fstat", fstat)
    monkeypatch.setattr(files.os, "read", read)
    with pytest.raises(files.Refused) as refused:
        files.read_bytes(str(path), 1000)
    assert refused.value.reason == "grew larger than 1,000 bytes while being read"
    assert sum(asked) == 1001  # never more than the limit plus one byte


def test_a_device_is_never_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """/dev/zero is refused by the descriptor's type, before any byte is read."""
    monkeypatch.setattr(files.os, "read", lambda fd, n: pytest.fail("read a device"))
    with pytest.raises(files.Refused):
        files.read_bytes("/dev/zero", LIMIT)


def test_imports_through_a_symlink_are_one_file_to_the_cycle_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """a imports link/b, b imports ../a (link -> .): a real path resolution sees a → b → a at once."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "link").symlink_to(".")
    Path("a.arch.yaml").write_text("imports: [link/b.arch.yaml]\nlayers: [ReLU]\n")
    Path("b.arch.yaml").write_text("imports: [a.arch.yaml]\nblocks: {}\n")
    assert main(["check", "a.arch.yaml"]) == 1
    out, _err = capsys.readouterr()
    a, b = tmp_path / "a.arch.yaml", tmp_path / "b.arch.yaml"
    assert out == (
        f"a.arch.yaml:1:11: error: Import cycle: {a} → {b} → {a}. Remove one of the imports. [import-error]\n"
    )
