"""The language server under hostile clients (issue 8): the real process, driven by pytest-lsp.

A handler exception is logged and answered with an empty result; requests with positions out of range,
for unknown or closed documents or with malformed parameters are answered without error; stale and
out-of-order edits do not corrupt the document; hover and hints stay responsive while a large document
is re-analysed; a 50 MB file gets one diagnostic saying it is too large; the hostile corpus gets the
engine's diagnostics. (Raw JSON-RPC cases: test_hostile_process.py; writes: test_hostile_writes.py.)
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
import yaml
from hostile_invariants import lsp_lines
from hostile_lsp import (
    SMALL,
    Doc,
    Here,
    analysed_here,
    assert_serves_what_analyse_gives,
    comparable,
    hint_texts,
    hover_of,
    record_of,
)
from lsprotocol import types
from pytest_lsp import LanguageClient

pytestmark = pytest.mark.asyncio(loop_scope="module")


def uri_in(client: LanguageClient, name: str) -> str:
    return (client.root / name).as_uri()  # type: ignore[attr-defined]


async def opened(client: LanguageClient, name: str, text: str) -> Doc:
    doc = Doc(client, uri_in(client, name), text).open()
    await doc.published()
    return doc


async def fresh(doc: Doc) -> tuple[list, list]:
    """The diagnostics and hints of a fresh analysis of ``doc``'s current text by ``analyse`` in this
    process (a cache poisoned in the server would corrupt a second document in the same process alike);
    first, what the server serves for ``doc`` (diagnostics, summary) must be what that analysis gives."""
    await assert_serves_what_analyse_gives(doc)
    return analysed_here(doc.text)[0], Here(doc.text).hints(0, doc.text.count("\n") + 1)


def failures(client: LanguageClient) -> list[str]:
    return [m for m in record_of(client).logs if "failed" in m or "Traceback" in m]


async def test_handler_exception_is_logged_and_answered_empty(client: LanguageClient) -> None:
    before = len(failures(client))
    result = await client.protocol.send_request_async("paramlens/summary", {"uri": 5})
    assert result is None
    await asyncio.sleep(0.1)  # the log notification follows the answer
    assert len(failures(client)) == before + 1
    assert "summary failed" in failures(client)[-1]


OUT_OF_RANGE = [(10**6, 0), (0, 10**6), (10**6, 10**6), (5, 2**31 - 1)]


async def test_out_of_range_unknown_and_closed_documents(client: LanguageClient) -> None:
    doc = await opened(client, "range.arch.yaml", SMALL)
    closed = await opened(client, "closed.arch.yaml", SMALL)
    closed.close()
    unknown = Doc(client, uri_in(client, "never-opened.arch.yaml"), "")
    odd = Doc(client, "untitled:Untitled-1", "")
    before = len(failures(client))
    for target in (doc, closed, unknown, odd):
        for line, char in OUT_OF_RANGE:
            assert await target.hover(line, char) is None
            completion = await target.complete(line, char)
            assert completion is None or not completion.items
        far = types.Range(start=types.Position(10**6, 0), end=types.Position(10**6 + 5, 0))
        backwards = types.Range(start=types.Position(4, 0), end=types.Position(1, 0))
        for span in (far, backwards):
            hints = await client.text_document_inlay_hint_async(
                types.InlayHintParams(text_document=target.ident, range=span)
            )
            assert list(hints or []) == []
            context = types.CodeActionContext(diagnostics=[])
            actions = await client.text_document_code_action_async(
                types.CodeActionParams(text_document=target.ident, range=span, context=context)
            )
            assert list(actions or []) == []
    for target in (closed, unknown, odd):
        assert await target.hints() == []
        symbols = await client.text_document_document_symbol_async(
            types.DocumentSymbolParams(text_document=target.ident)
        )
        assert list(symbols or []) == []
    assert failures(client)[before:] == []
    assert await doc.hover(3, 6) is not None  # the server is still there and still right


async def test_stale_and_out_of_order_versions(client: LanguageClient) -> None:
    """A change whose version is not newer than the document's is ignored with a log message (issue 13):
    the document keeps its text, nothing is published for the stale version, and what the server
    publishes and serves next follows the text it kept."""
    doc = await opened(client, "stale.arch.yaml", SMALL)
    doc.change((3, 27), (3, 29), "32")  # v2: out_channels 32
    await doc.published()
    kept = doc.text
    logs = len(record_of(client).logs)
    doc.change((4, 4), (4, 8), "Tanh", version=1)  # stale: version 1 again
    doc.change((5, 4), (5, 11), "Flaten", version=2)  # not newer either, and with an error
    doc.text = kept  # the server kept its text: the client's model follows
    doc.change((0, 6), (0, 11), "renamed", version=3)  # in order once more
    published = await doc.published(3)
    want_diagnostics, want_hints = await fresh(doc)
    assert comparable(published) == want_diagnostics
    assert list(published.diagnostics) == []  # Flaten was never applied
    assert hint_texts(await doc.hints()) == want_hints
    assert [p.version for p in record_of(client).published[doc.uri]] == [1, 2, 3]
    ignored = [m for m in record_of(client).logs[logs:] if m.startswith("Ignored a change")]
    assert ignored == [
        f"Ignored a change of {doc.uri} to version 1: not newer than its version 2.",
        f"Ignored a change of {doc.uri} to version 2: not newer than its version 2.",
    ]


async def test_edits_around_unicode_line_separators(client: LanguageClient) -> None:
    """U+2028, NEL and U+2029 are not line breaks for an editor: edits below them land where the client
    put them, and diagnostics point at the editor's lines."""
    text = "# a note\u2028with a line separator\x85and a NEL\n" + SMALL.split("\n", 1)[1]
    doc = await opened(client, "separators.arch.yaml", text)
    doc.change((4, 4), (4, 8), "Relu6x")
    published = await doc.published()
    want_diagnostics, want_hints = await fresh(doc)
    assert comparable(published) == want_diagnostics
    assert [(d.code, d.range.start.line, d.range.start.character) for d in published.diagnostics] == [
        ("unknown-layer", 4, 4)
    ]
    assert hint_texts(await doc.hints()) == want_hints


async def test_incremental_edits_of_hostile_text(client: LanguageClient) -> None:
    """CRLF, a BOM, tabs, NUL, lone surrogates and astral characters, edited incrementally."""
    text = "\ufeffinput: [3, 8, 8]  # 😀\r\nlayers:\r\n  - Conv2d: {out_channels: 4, kernel_size: 3}  # \ud83d\r\n"
    text += "  - ReLU\r\n"
    doc = await opened(client, "hostile-text.arch.yaml", text)
    doc.change((3, 4), (3, 8), "Re\x00LU")
    doc.change((2, 0), (2, 0), "\t")
    doc.change((1, 7), (1, 7), " 😀😀")
    published = await doc.published()
    want_diagnostics, want_hints = await fresh(doc)
    assert comparable(published) == want_diagnostics
    assert [d.code for d in published.diagnostics] == ["invalid-value", "yaml-syntax"]  # NUL; layers: 😀😀
    assert hint_texts(await doc.hints()) == want_hints


LONG = SMALL + "".join(f"  - Linear: {{out_features: {n}}}\n" for n in range(8, 16))  # 14 lines


async def test_whole_document_changes_between_incremental_ones(client: LanguageClient) -> None:
    """An incremental edit far down, a whole-document change (a reload, a formatter), then edits above:
    they land on the lines of the new text (the server's copy keeps no position from the old one)."""
    doc = await opened(client, "whole.arch.yaml", LONG)
    doc.change((8, 27), (8, 29), "99")  # line 8: out_features 10 -> 99
    doc.replace_all("# reformatted\n" + LONG.replace("{out_features: ", "{out_features:  "))
    doc.change((4, 27), (4, 29), "32")  # line 4, the Conv2d: out_channels 16 -> 32
    doc.change((5, 4), (5, 8), "Tanh")
    await doc.published()
    assert doc.text.split("\n")[4:6] == ["  - Conv2d: {out_channels: 32, kernel_size: 3}", "  - Tanh"]
    await assert_serves_what_analyse_gives(doc)
    doc.replace_all(SMALL)  # and a whole-document change alone
    assert doc.text == SMALL
    await assert_serves_what_analyse_gives(doc)


async def test_one_did_change_with_several_changes(client: LanguageClient) -> None:
    """Several changes in one notification (multi-cursor edits, formatting), each applying to the text
    the previous one left, bottom-up and top-down, with a whole-document change among them."""
    doc = await opened(client, "multi.arch.yaml", LONG)
    doc.edits(((13, 27), (13, 29), "64"), ((8, 27), (8, 29), "48"), ((3, 27), (3, 29), "8"))  # bottom-up
    await doc.published()
    lines = doc.text.split("\n")
    assert [lines[3][:29], lines[8], lines[13]] == [
        "  - Conv2d: {out_channels: 8,",
        "  - Linear: {out_features: 48}",
        "  - Linear: {out_features: 64}",
    ]
    await assert_serves_what_analyse_gives(doc)
    doc.edits(((0, 6), (0, 11), "several"), ((1, 0), (1, 0), "# é😀 a comment\n"), ((5, 4), (5, 8), "GELU"))
    assert doc.text.split("\n")[:2] == ["name: several", "# é😀 a comment"] and doc.text.split("\n")[5] == "  - GELU"
    await assert_serves_what_analyse_gives(doc)
    doc.edits(((2, 0), (2, 0), "x"), "# replaced\n" + LONG, ((5, 4), (5, 8), "SiLU"), ((1, 7), (1, 7), " "))
    published = await doc.published()
    assert doc.text.split("\n")[:6] == ["# replaced", "name: s mall", "input: [3, 32, 32]", "layers:",
                                         "  - Conv2d: {out_channels: 16, kernel_size: 3}", "  - SiLU"]  # fmt: skip
    await assert_serves_what_analyse_gives(doc)
    assert [d.code for d in published.diagnostics] == []


def chain_text(layers: int, width: int) -> str:
    """A Linear layer of ``width`` outputs and ``layers`` BatchNorm1d after it: changing the width changes
    every layer's parameters and shape, so nothing can be reused and the whole document is analysed again."""
    body = "".join(f"  - BatchNorm1d: {{name: b{i}}}\n" for i in range(layers))
    return f"name: chain\ninput: [16]\nlayers:\n  - Linear: {{out_features: {width}, name: first}}\n" + body


@pytest.mark.timeout(300)  # two analyses of 100,000 layers on a busy 2-core machine
async def test_hover_and_hints_stay_responsive_during_a_long_reanalysis(client: LanguageClient) -> None:
    """While version 2 of a 100,000-layer document is analysed (seconds), hover and hints answer at once,
    and exactly what version 1 gives (worked out here by ``analyse``); then version 2's answers come."""
    doc = Doc(client, uri_in(client, "big.arch.yaml"), chain_text(100_000, 16)).open()
    await doc.published(timeout=120)  # seconds on a busy machine
    old = Here(doc.text)
    want_hints, want_hover = old.hints(0, 40), old.hover(30, 6)  # the BatchNorm1d b26 of 16 channels
    assert want_hover is not None and "**32 params**" in want_hover[0]
    start = time.perf_counter()
    doc.change((3, 27), (3, 29), "32")  # the first layer's out_features: version 2, analysed anew
    answers, during = [], 0
    for _ in range(5):
        t = time.perf_counter()
        hover = await doc.hover(30, 6)
        hints = await client.text_document_inlay_hint_async(
            types.InlayHintParams(
                text_document=doc.ident, range=types.Range(start=types.Position(0, 0), end=types.Position(40, 0))
            )
        )
        answers.append(time.perf_counter() - t)
        if not any(p.version == 2 for p in record_of(client).published.get(doc.uri, [])):
            during += 1  # answered before version 2 was published: it must be version 1's answer
            assert (hover_of(hover), hint_texts(hints)) == (want_hover, want_hints)
    await doc.published(timeout=120)
    analysis_seconds = time.perf_counter() - start
    assert analysis_seconds >= 2.0, f"the re-analysis took {analysis_seconds:.2f} s: not long enough to test this"
    assert during == 5, "answers waited for the new version"
    assert max(answers) < 1.0, answers
    assert max(answers) < analysis_seconds / 5, (answers, analysis_seconds)
    new = Here(doc.text)  # once the new version is in, the answers are its own
    assert hover_of(await doc.hover(30, 6)) == new.hover(30, 6)
    assert "**64 params**" in new.hover(30, 6)[0]
    assert hint_texts(await doc.hints())[:40] == new.hints(0, len(doc.text.split("\n")))[:40]


async def test_fifty_megabyte_file(client: LanguageClient) -> None:
    """Above maxFileSize (10 MB by default) one diagnostic says the file is too large to analyse live;
    the server stays responsive meanwhile."""
    line = "  - Linear: {out_features: 16}   # padding to make the file large\n"
    text = "input: [16]\nlayers:\n" + line * (50 * 1024 * 1024 // len(line))
    assert len(text) > 50 * 1000 * 1000
    small = await opened(client, "beside-the-big-one.arch.yaml", SMALL)
    t = time.perf_counter()
    doc = await opened(client, "fifty.arch.yaml", text)
    published = await doc.published()
    assert time.perf_counter() - t < 15
    assert [(d.code, d.severity) for d in published.diagnostics] == [
        ("file-too-large", types.DiagnosticSeverity.Warning)
    ]
    assert "maxFileSize" in published.diagnostics[0].message
    assert await doc.hints() == []
    assert await small.hover(3, 6) is not None
    doc.change((2, 4), (2, 10), "Linear")  # an edit re-checks the size, not the layers
    assert [d.code for d in (await doc.published()).diagnostics] == ["file-too-large"]
    doc.close()


CORPUS = Path(__file__).resolve().parent / "corpus"
EXPECTED: dict[str, dict] = yaml.safe_load((CORPUS.parent / "expected.yaml").read_text(encoding="utf-8"))


def utf16_range(lines: list[str], span: str) -> types.Range:
    """``L:C-L:C`` in code points (expected.yaml) as an LSP range in UTF-16 units."""
    (sl, sc), (el, ec) = (tuple(map(int, part.split(":"))) for part in span.split("-"))

    def position(line: int, char: int) -> types.Position:
        return types.Position(line, len(lines[line][:char].encode("utf-16-le", "surrogatepass")) // 2)

    return types.Range(start=position(sl, sc), end=position(el, ec))


async def test_corpus_through_the_server(client: LanguageClient) -> None:
    """Every file of the hostile corpus, as an editor sends it: the server publishes the engine's
    diagnostics (none for files that are not architectures), at the same places, in UTF-16."""
    folder = client.root / "corpus"  # type: ignore[attr-defined]
    folder.mkdir()
    for name in EXPECTED:  # on disk too, so that imports resolve as they do for the CLI
        (folder / name).write_bytes((CORPUS / name).read_bytes())
    for name, expected in EXPECTED.items():
        text = (CORPUS / name).read_bytes().decode("utf-8", errors="replace")
        doc = Doc(client, (folder / name).as_uri(), text).open()
        published = await doc.published()
        lines = lsp_lines(text)
        want = []
        if expected.get("architecture", True):
            want = [(d.split()[0], utf16_range(lines, d.split()[1])) for d in expected["diagnostics"]]
        assert [(d.code, d.range) for d in published.diagnostics] == want, name
        doc.close()
