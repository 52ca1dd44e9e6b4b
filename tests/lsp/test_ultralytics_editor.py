"""Ultralytics model files in the editor, through the real server: row hints, hovers on a row, a `from`
index and `scales:`, go-to-definition, the scale lenses and their command, completion, the settings, and the
quick fix that renumbers the absolute indices after an inserted row (the model after it is the original)."""

from __future__ import annotations

import asyncio
import itertools

import pytest
from lsp_harness import FILES, Doc, flat, labels
from lsprotocol import types

from paramlens.engine import analyse

pytestmark = pytest.mark.asyncio(loop_scope="module")

V8 = (FILES / "yolov8.yaml").read_text(encoding="utf-8")
V11 = (FILES / "yolo11.yaml").read_text(encoding="utf-8")
_dirs = itertools.count()

V8_HINTS = [
    (15, 9, "total 3,157,200 params (3,157,184 trainable, 16 non-trainable) · scale n"),
    (17, 38, "#0 P1/2 · 464 params → 16×320×320"),
    (18, 39, "#1 P2/4 · 4,672 params → 32×160×160"),
    (19, 29, "#2 P2/4 · 7,360 params → 32×160×160"),
    (20, 39, "#3 P3/8 · 18,560 params → 64×80×80"),
    (21, 29, "#4 P3/8 · 49,664 params → 64×80×80"),
    (22, 40, "#5 P4/16 · 73,984 params → 128×40×40"),
    (23, 29, "#6 P4/16 · 197,632 params → 128×40×40"),
    (24, 41, "#7 P5/32 · 295,424 params → 256×20×20"),
    (25, 30, "#8 P5/32 · 460,288 params → 256×20×20"),
    (26, 32, "#9 P5/32 · 164,608 params → 256×20×20"),
    (30, 46, "#10 P4/16 · 0 params → 256×40×40"),
    (31, 47, "#11 P4/16 · 0 params → 384×40×40"),
    (32, 28, "#12 P4/16 · 148,224 params → 128×40×40"),
    (34, 46, "#13 P3/8 · 0 params → 128×80×80"),
    (35, 47, "#14 P3/8 · 0 params → 192×80×80"),
    (36, 41, "#15 P3/8 · 37,248 params → 64×80×80"),
    (38, 30, "#16 P4/16 · 36,992 params → 64×40×40"),
    (39, 44, "#17 P4/16 · 0 params → 192×40×40"),
    (40, 43, "#18 P4/16 · 123,648 params → 128×40×40"),
    (42, 30, "#19 P5/32 · 147,712 params → 128×20×20"),
    (43, 43, "#20 P5/32 · 0 params → 384×20×20"),
    (44, 43, "#21 P5/32 · 493,056 params → 256×20×20"),
    (46, 56, "#22 · 897,664 params"),
]


async def _open(client, text: str, name: str = "yolov8.yaml") -> Doc:
    """A document named as the shipped file (its name decides the scale), in a folder of its own."""
    root = client.root
    return await Doc(client, root / f"u{next(_dirs)}" / name, text).open()


def _line(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.split("\n")) if needle in line)


async def _settle(doc: Doc, line: int, wanted: str) -> list[tuple[int, int, str]]:
    """The hints of a line once they read ``wanted`` (settings and commands apply asynchronously)."""
    for _ in range(200):
        hints = flat(await doc.hints(line, line))
        if hints and hints[0][2] == wanted:
            return hints
        await asyncio.sleep(0.02)
    return hints


async def test_row_hints(client) -> None:
    doc = await _open(client, V8)
    assert list(client.diagnostics[doc.uri]) == []
    assert flat(await doc.hints()) == V8_HINTS
    row = (await doc.hints(20, 20))[0]
    assert labels(row) == ["#3 P3/8", " · 18,560 params", " → 64×80×80"]
    assert row.label[0].tooltip == (
        "Row 3: a later row's `from` names it as 3, or as -k from row 3 + k (-1 from row 4).\n"
        "Stride 8 at imgsz 640 (level P3)."
    )
    assert row.label[1].tooltip == "18,432 + 128 + 0 = 18,560"  # conv + bn + act


async def test_yolo11_hints(client) -> None:
    doc = await _open(client, V11, "yolo11.yaml")
    assert list(client.diagnostics[doc.uri]) == []
    hints = flat(await doc.hints())
    assert hints[0] == (15, 9, "total 2,624,080 params (2,624,064 trainable, 16 non-trainable) · scale n")
    psa = _line(V11, "C2PSA")
    assert [h for h in hints if h[0] == psa] == [(psa, 31, "#10 P5/32 · 249,728 params → 256×20×20")]
    assert hints[-1][2] == "#23 · 464,912 params"


async def test_settings_compact_scale_and_imgsz(client) -> None:
    doc = await _open(client, V8)
    client.set_configuration({"numbers": "compact", "ultralytics": {"scale": "s", "imgsz": 320}}, section="paramlens")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    try:
        assert await _settle(doc, 17, "#0 P1/2 · 928 params → 32×160×160") == [
            (17, 38, "#0 P1/2 · 928 params → 32×160×160")
        ]
        assert flat(await doc.hints(15, 19)) == [
            (15, 9, "total 11.2M params (11.2M trainable, 16 non-trainable) · scale s"),
            (17, 38, "#0 P1/2 · 928 params → 32×160×160"),
            (18, 39, "#1 P2/4 · 18.6K params → 64×80×80"),
            (19, 29, "#2 P2/4 · 29.1K params → 64×80×80"),
        ]
    finally:
        client.set_configuration({}, section="paramlens")
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
        await _settle(doc, 17, V8_HINTS[1][2])
    assert flat(await doc.hints(17, 17)) == [V8_HINTS[1]]


async def test_row_hover(client) -> None:
    doc = await _open(client, V8)
    hover = await doc.hover(19, 13)  # C2f on row 2
    assert hover is not None
    assert hover.range == types.Range(start=types.Position(19, 12), end=types.Position(19, 15))
    text = hover.contents.value
    assert text.startswith("**C2f** · row 2 · line 20 · **7,360 params**\n\n")
    assert (
        "**Built as** `C2f [32, 32, 1, True]` (`ultralytics.nn.modules.block.C2f`)  \n"
        "**n** 3 → 1 (depth-scaled at scale n)" in text
    )
    assert "**Parameters** `cv1 + cv2 + m.0 = 1,088 + 1,600 + 4,672 = 7,360`" in text
    assert "- `c1 = 32`: the width Ultralytics records for row 1 (Conv, 32×160×160, line 19)" in text
    assert "**Output** `32×160×160` · P2/4 at imgsz 640" in text
    assert (
        "| cv2.conv | Conv2d | 1,536 | 32×160×160 | k_h × k_w × C_in / groups × C_out = 1 × 1 × 48 × 32 = 1,536 |"
        in text
    )
    assert "| m.0 | Bottleneck | 4,672 | 16×160×160 |  |" in text
    concat = (await doc.hover(31, 20)).contents.value  # Concat [[-1, 6]]
    assert (
        "- `from -1` → row 10 (nn.Upsample, 256×40×40, line 31)\n- `from 6` → row 6 (C2f, 128×40×40, line 24)" in concat
    )


async def test_from_hover_and_definition(client) -> None:
    doc = await _open(client, V8)
    hover = await doc.hover(31, 10)  # the 6 of [[-1, 6], 1, Concat, [1]]
    assert hover is not None
    assert hover.range == types.Range(start=types.Position(31, 10), end=types.Position(31, 11))
    assert hover.contents.value == (
        "`from 6` of row 11 → **row 6 (C2f, 128×40×40, line 24)**  \n_absolute_\n\n"
        "`C2f [128, 128, 2, True]` · 197,632 params"
    )
    relative = (await doc.hover(31, 7)).contents.value  # the -1
    assert relative.startswith("`from -1` of row 11 → **row 10 (nn.Upsample, 256×40×40, line 31)**")

    async def definition(line: int, char: int):
        return await client.text_document_definition_async(
            types.DefinitionParams(text_document=doc.ident, position=types.Position(line, char))
        )

    [target] = await definition(31, 10)
    assert target.uri == doc.uri
    assert target.range == types.Range(start=types.Position(23, 4), end=types.Position(23, 29))  # row 6
    [head] = await definition(46, 15)  # the 21 of [[15, 18, 21], 1, Detect, [nc]]
    assert head.range.start == types.Position(44, 4)
    assert list(await definition(17, 6) or []) == []  # row 0's -1 is the image
    assert list(await definition(19, 13) or []) == []  # not on a from index


async def test_scales_hover(client) -> None:
    doc = await _open(client, V8)
    hover = await doc.hover(6, 2)
    assert hover.range == types.Range(start=types.Position(6, 0), end=types.Position(6, 6))
    text = hover.contents.value
    assert text.startswith("**Scales** · n 3.16 M · s 11.17 M · m 25.90 M · l 43.69 M · x 68.23 M\n\n")
    assert "| n | 3,157,200 | 3.16 M | ← built |\n| s | 11,166,560 | 11.17 M |  |" in text
    assert "| x | 68,229,648 | 68.23 M |  |" in text
    assert (
        "Built at **n**: the first key of `scales:`, as Ultralytics builds a file whose name has no scale letter"
        in text
    )
    named = await _open(client, V8, "yolov8m.yaml")
    text = (await named.hover(6, 2)).contents.value
    assert "| m | 25,902,640 | 25.90 M | ← built |" in text
    assert "Built at **m**: the letter in the file name" in text
    backbone = (await doc.hover(15, 3)).contents.value
    assert backbone.startswith(
        "**Ultralytics model** · scale **n** · imgsz 640 · 23 rows\n\n**Scales** n 3.16 M · s 11.17 M"
    )


async def test_scale_lenses_switch_the_scale(client) -> None:
    doc = await _open(client, V8)
    command = "paramlens.ultralytics.useScale"

    async def lenses() -> list[tuple[int, str, str, list]]:
        result = await client.text_document_code_lens_async(types.CodeLensParams(text_document=doc.ident))
        return [
            (lens.range.start.line, lens.command.title, lens.command.command, list(lens.command.arguments))
            for lens in result
            if lens.command.command == command
        ]

    assert await lenses() == [
        (6, "✓ n 3.16 M", command, [doc.uri, "n"]),
        (6, "s 11.17 M", command, [doc.uri, "s"]),
        (6, "m 25.90 M", command, [doc.uri, "m"]),
        (6, "l 43.69 M", command, [doc.uri, "l"]),
        (6, "x 68.23 M", command, [doc.uri, "x"]),
    ]
    await client.workspace_execute_command_async(types.ExecuteCommandParams(command=command, arguments=[doc.uri, "l"]))
    large = "total 43,691,520 params (43,691,504 trainable, 16 non-trainable) · scale l"
    assert await _settle(doc, 15, large) == [(15, 9, large)]
    assert (await lenses())[3][1] == "✓ l 43.69 M"
    assert flat(await doc.hints(17, 17)) == [(17, 38, "#0 P1/2 · 1,856 params → 64×320×320")]
    assert "Built at **l**: chosen with a lens on `scales:`" in (await doc.hover(6, 2)).contents.value
    await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=command, arguments=[doc.uri, "auto"])
    )
    assert await _settle(doc, 15, V8_HINTS[0][2]) == [V8_HINTS[0]]


async def test_completion_of_modules_and_from_indices(client) -> None:
    text = V8.replace(
        "  - [-1, 1, SPPF, [1024, 5]] # 9\n", "  - [-1, 1, SPPF, [1024, 5]] # 9\n  - [[-1, ], 1, C2, [64]]\n"
    )
    doc = await _open(client, text)
    line = _line(text, "[[-1, ]")

    async def complete(char: int) -> list[types.CompletionItem]:
        result = await client.text_document_completion_async(
            types.CompletionParams(text_document=doc.ident, position=types.Position(line, char))
        )
        assert result is not None
        return list(result.items)

    indices = await complete(10)  # after "[[-1, "
    assert [(i.label, i.detail) for i in indices[:4]] == [
        ("-1", "row 9 · SPPF · 256×20×20"),
        ("9", "row 9 · SPPF · 256×20×20"),
        ("8", "row 8 · C2f · 256×20×20"),
        ("7", "row 7 · Conv · 256×20×20"),
    ]
    assert [i.label for i in indices][-1] == "0" and len(indices) == 11
    modules = await complete(18)  # after "C2"
    by_label = {i.label: i for i in modules}
    c2f = by_label["C2f"]
    assert c2f.detail == "Ultralytics · repeat"
    assert c2f.text_edit.range == types.Range(start=types.Position(line, 16), end=types.Position(line, 18))
    doc_text = c2f.documentation.value if isinstance(c2f.documentation, types.MarkupContent) else c2f.documentation
    assert doc_text.startswith("YOLOv8's CSP block")
    assert "ultralytics.nn.modules.block.C2f" in doc_text
    assert {"Conv", "Detect", "SPPF", "C3k2", "nn.Upsample", "nn.BatchNorm2d"} <= by_label.keys()


async def _actions(client, doc: Doc, line: int) -> list[types.CodeAction]:
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=doc.ident,
            range=types.Range(start=types.Position(line, 0), end=types.Position(line + 60, 0)),
            context=types.CodeActionContext(diagnostics=list(client.diagnostics[doc.uri])),
        )
    )
    return list(result or [])


def _rows(text: str) -> list[tuple[int | None, tuple[int, ...]]]:
    """Each row's params and the rows its `from` resolves to."""
    return [(r.param_count, r.row.sources) for r in analyse(text, key="yolov8.yaml").layers]


async def test_inserted_row_renumber_fix_gives_back_the_model(client) -> None:
    doc = await _open(client, V8)
    row4 = _line(V8, "[-1, 6, C2f, [256, True]]")
    doc.edit((row4 + 1, 0), (row4 + 1, 0), "  - [-1, 1, nn.Identity, []]\n")  # a new row 5
    published = await doc.published()
    stale = [d for d in published.diagnostics if d.code == "stale-index"]
    # the 6 of [-1, 6], 12, 9 and the head's 15, 18, 21 (the 4 of [-1, 4] is above the new row)
    assert [(d.range.start.line, d.range.start.character) for d in stale] == [
        (32, 10),
        (40, 10),
        (44, 10),
        (47, 6),
        (47, 10),
        (47, 14),
    ]
    [action] = await _actions(client, doc, 0)  # one action for every stale index
    assert action.title == "Renumber 6 absolute `from` indices after the inserted/deleted row"
    assert len(action.diagnostics) == 6
    if action.edit.document_changes is not None:
        [change] = action.edit.document_changes
        assert change.text_document.version == doc.version
        edits = change.edits
    else:
        edits = action.edit.changes[doc.uri]
    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        doc.edit((edit.range.start.line, edit.range.start.character), (edit.range.end.line, edit.range.end.character),
                 edit.new_text)  # fmt: skip
    assert list((await doc.published()).diagnostics) == []
    assert "[[-1, 7], 1, Concat, [1]]" in doc.text and "[[16, 19, 22], 1, Detect, [nc]]" in doc.text
    original, fixed = _rows(V8), _rows(doc.text)
    inserted = 5  # an identity: a row that takes it takes its input, row 4
    assert fixed[inserted] == (0, (4,))
    del fixed[inserted]

    def old_number(s: int) -> int:
        return 4 if s == inserted else s - 1 if s > inserted else s

    assert [(p, tuple(map(old_number, sources))) for p, sources in fixed] == original
    fixed_totals, totals = analyse(doc.text, key="yolov8.yaml").totals, analyse(V8, key="yolov8.yaml").totals
    # the same model, MACs included; the identity's output is one more activation (64×80×80, as nn.Identity's is)
    assert fixed_totals._replace(activations=None) == totals._replace(activations=None)
    assert fixed_totals.activations == totals.activations + 64 * 80 * 80


CBAM = V8.replace("  - [-1, 6, C2f, [256, True]]\n", "  - [-1, 6, C2f, [256, True]]\n  - [-1, 1, CBAM, [256]]\n")


async def test_unknown_module_row_says_unknown(client) -> None:
    """A row naming CBAM (KeyError in Ultralytics 8.4.190) counts ?, and the rows after it keep the counts
    Ultralytics builds them with, their spatial sizes unknown."""
    doc = await _open(client, CBAM)
    [diagnostic] = client.diagnostics[doc.uri]
    assert (diagnostic.code, diagnostic.range.start.line) == ("unknown-module", 22)
    assert flat(await doc.hints(21, 23)) == [
        (21, 29, "#4 P3/8 · 49,664 params → 64×80×80"),
        (22, 24, "#5 · ? params → ?"),
        (23, 40, "#6 · 73,984 params → 128×?×?"),
    ]


async def test_plain_text_row_hover(plain) -> None:
    doc = await _open(plain, CBAM)
    hover = await doc.hover(22, 13)
    assert hover.contents.kind == types.MarkupKind.PlainText
    assert hover.contents.value == (
        "CBAM · row 5 · line 23 · ? params\n\nInput\n- from -1 → row 4 (C2f, 64×80×80, line 22)\n\nOutput ?\n\n"
        "MACs ? MACs · FLOPs ?\nOutput memory ?\nReceptive field ? (not traced through Ultralytics rows)\n"
        "MACs: multiply-accumulates of the dense products, one sample; FLOPs = 2 × MACs. The eval forward pass at "
        "imgsz 640."
    )
    row = (await doc.hover(17, 13)).contents.value
    assert row.startswith(
        "Conv · row 0 · line 18 · 464 params\n\nBuilt as Conv [3, 16, 3, 2] (ultralytics.nn.modules.conv.Conv)"
    )
    assert "MACs 44,236,800 + 0 + 0 = 44,236,800 MACs · FLOPs 88,473,600\n" in row
    assert "Output memory 6,553,600 bytes (6.554 MB, float32)\n" in row
    assert "Name  Module       Params  Output      Formula\n" in row
    assert "conv  Conv2d          432  16×320×320  k_h × k_w × C_in / groups × C_out = 3 × 3 × 3 × 16 = 432\n" in row
