"""Blocks, $arguments, expressions, Residual, Add, Multiply, Concat, Repeat, Sequential and imports."""

from paramlens.engine import Span, analyse
from paramlens.engine.analysis import Analysis


def codes(analysis: Analysis) -> list[tuple[str, Span]]:
    return [(d.code, d.span) for d in analysis.diagnostics]


BLOCKS = """\
input: [16, 8, 8]
blocks:
  Unit:
    args: {width: 8, act: ReLU}
    layers:
      - Conv2d: {out_channels: "${width * 2}", kernel_size: 3, padding: 1}
      - $act
layers:
  - Unit
  - Unit: {width: 4, act: Hardswish}
"""


def test_block_defaults_expressions_and_type_arguments() -> None:
    analysis = analyse(BLOCKS)
    assert analysis.diagnostics == []
    first, second = analysis.layers
    assert first.category == "block" and first.type == "Unit"
    assert first.param_count == (3 * 3 * 16 + 1) * 16
    assert [c.type for c in first.children] == ["Conv2d", "ReLU"]
    assert second.param_count == (3 * 3 * 16 + 1) * 8
    assert [c.type for c in second.children] == ["Conv2d", "Hardswish"]
    assert second.output_shape == (8, 8, 8)
    # layers inside the definition say which use they show
    assert first.children[0].instance == "Unit used at line 9"
    assert first.children[0].span.start_line == 5


def test_in_channels_is_the_block_input() -> None:
    text = """\
input: [24, 4, 4]
blocks:
  Gate:
    layers:
      - Multiply:
          branches:
            - []
            - [AdaptiveAvgPool2d: 1, Conv2d: {out_channels: "${in_channels // 4}", kernel_size: 1},
               ReLU, Conv2d: {out_channels: $in_channels, kernel_size: 1}, Sigmoid]
layers: [Gate]
"""
    analysis = analyse(text)
    assert analysis.diagnostics == []
    assert analysis.output_shape == (24, 4, 4)
    assert analysis.totals.params == (24 * 6 + 6) + (6 * 24 + 24)


def test_residual_branch_mismatch_offers_a_projection_shortcut() -> None:
    text = """\
input: [16, 8, 8]
layers:
  - Residual:
      layers:
        - Conv2d: {out_channels: 32, kernel_size: 3, stride: 2, padding: 1}
  - ReLU
"""
    analysis = analyse(text)
    [diag] = analysis.diagnostics
    assert diag.code == "branch-mismatch"
    assert diag.span == Span(2, 4, 2, 12)
    assert diag.message == (
        "Residual: the branch outputs [32, 4, 4] but the identity shortcut (the block's input) gives "
        "[16, 8, 8]; they must be equal to be added. Add a projection shortcut (a 1×1 convolution with "
        "the stride that matches)."
    )
    [fix] = diag.fixes
    assert fix.action == "insert" and fix.span == Span(5, 0, 5, 0)
    assert fix.text == (
        "      shortcut:\n"
        "        - Conv2d: {out_channels: 32, kernel_size: 1, stride: 2, bias: false}\n"
        "        - BatchNorm2d\n"
    )
    fixed = text.replace("  - ReLU\n", fix.text + "  - ReLU\n")
    assert analyse(fixed).diagnostics == []
    # no cascade: the ReLU after the broken Residual is quiet and unknown
    assert analysis.layers[1].output_shape is None


def test_concat_and_crop() -> None:
    text = """\
input: [8, 6, 6]
layers:
  - Concat:
      branches:
        - [Conv2d: {out_channels: 4, kernel_size: 1}]
        - [Conv2d: {out_channels: 5, kernel_size: 3}]
"""
    analysis = analyse(text)
    assert codes(analysis) == [("branch-mismatch", Span(2, 4, 2, 10))]
    assert "[4, 6, 6], [5, 4, 4]" in analysis.diagnostics[0].message
    cropped = analyse(text.replace("  - Concat:\n", "  - Concat:\n      crop: true\n"))
    assert cropped.diagnostics == []
    assert cropped.output_shape == (9, 4, 4)
    assert cropped.totals.params == (8 + 1) * 4 + (9 * 8 + 1) * 5


def test_repeat_is_counted_arithmetically() -> None:
    text = (
        "input: [8, 4, 4]\nlayers:\n"
        "  - Repeat: {times: 1000000000000, layers: [Conv2d: {out_channels: 8, kernel_size: 1}]}"
    )
    analysis = analyse(text)
    assert analysis.diagnostics == []
    assert analysis.totals.params == 72 * 10**12
    assert analysis.layers[0].repeat == 10**12


def test_repeat_changing_shapes_counts_each_repetition() -> None:
    text = "input: [4, 32, 32]\nlayers:\n  - Repeat: {times: 3, layers: [Conv2d: {out_channels: 4, kernel_size: 3}]}\n"
    analysis = analyse(text)
    assert analysis.output_shape == (4, 26, 26)
    assert analysis.totals.params == 3 * (9 * 4 + 1) * 4


def test_diagnostics_of_blocks_are_reported_once_at_the_definition() -> None:
    text = """\
input: [16, 8, 8]
blocks:
  B:
    args: {w: 4}
    layers:
      - Conv2d: {out_channels: $x, kernel_size: 1}
      - Conv2d: {out_channels: "${w +}", kernel_size: 1}
layers:
  - B: {w: 3, wdith: 2}
  - B
  - B
"""
    analysis = analyse(text)
    assert codes(analysis) == [
        ("undefined-argument", Span(5, 31, 5, 33)),
        ("invalid-expression", Span(6, 31, 6, 39)),
        ("unknown-argument", Span(8, 14, 8, 19)),
    ]
    assert analysis.diagnostics[0].message == (
        "$x is not defined. Declare it in the block's args, or use one of $w, $in_channels."
    )


def test_invalid_expression_and_cycles() -> None:
    text = """\
input: [16, 8, 8]
blocks:
  A:
    layers: [Conv2d: {out_channels: "${2 ** 3}", kernel_size: 1}, B]
  B:
    layers: [A]
layers: [A]
"""
    analysis = analyse(text)
    assert [d.code for d in analysis.diagnostics] == ["invalid-expression", "block-cycle"]
    analysis = analyse(text.replace('"${2 ** 3}"', "4"))
    [cycle] = analysis.diagnostics
    assert cycle.code == "block-cycle"
    assert cycle.span == Span(5, 13, 5, 14)
    assert cycle.message.startswith("Block A uses itself (A → B → A)")


def test_imports_resolve_through_the_callback() -> None:
    files = {
        "lib.arch.yaml": "blocks:\n  Lib:\n    args: {c: 4}\n    layers: [Conv2d: {out_channels: $c, kernel_size: 1}]",
        "cyc.arch.yaml": "imports: [main.arch.yaml]\nblocks: {}\n",
        "main.arch.yaml": "imports: [cyc.arch.yaml]\nblocks: {}\n",
    }

    def resolve(importer: str | None, path: str) -> tuple[str, str] | None:
        return (path, files[path]) if path in files else None

    text = "input: [16, 8, 8]\nimports: [lib.arch.yaml, missing.arch.yaml, cyc.arch.yaml]\nlayers:\n  - Lib: {c: 8}\n"
    analysis = analyse(text, key="main.arch.yaml", resolve=resolve)
    assert analysis.totals.params == 16 * 8 + 8
    assert [(d.code, d.span.start_char) for d in analysis.diagnostics] == [
        ("import-error", 25),
        ("import-error", 44),
    ]
    assert analysis.diagnostics[0].message == "Cannot read 'missing.arch.yaml' (relative to this file): check the path."
    assert analysis.diagnostics[1].message == (
        "Import cycle: main.arch.yaml → cyc.arch.yaml → main.arch.yaml. Remove one of the imports."
    )
    assert analysis.layers[0].children[0].foreign


def test_duplicate_block_from_an_import() -> None:
    lib = "blocks:\n  B:\n    layers: [ReLU]\n"
    text = "imports: [lib.arch.yaml]\nblocks:\n  B:\n    layers: [ReLU]\nlayers: [B]\n"
    analysis = analyse(text, key="m", resolve=lambda _k, p: (p, lib))
    [diag] = analysis.diagnostics
    assert diag.code == "import-error"
    assert diag.span == Span(2, 2, 2, 3)
    assert diag.message == "Block B is defined twice (also in lib.arch.yaml). Rename one of them."


def test_positional_shorthand() -> None:
    analysis = analyse("input: [3, 8, 8]\nlayers:\n  - MaxPool2d: 2\n  - Flatten\n  - Linear: 10\n")
    assert analysis.diagnostics == []
    assert analysis.output_shape == (10,)
    assert analysis.totals.params == 3 * 4 * 4 * 10 + 10


def test_frozen_sequential_moves_parameters_to_non_trainable() -> None:
    text = "input: [4]\nlayers:\n  - Sequential: {trainable: false, layers: [Linear: 8]}\n  - Linear: 2\n"
    totals = analyse(text).totals
    assert (totals.params, totals.trainable, totals.non_trainable) == (40 + 18, 18, 40)


def test_positional_value_on_an_unknown_type_is_an_unknown_layer() -> None:
    analysis = analyse("input: [4]\nlayers:\n  - Linnear: 10\n")
    [diag] = analysis.diagnostics
    assert (diag.code, diag.span) == ("unknown-layer", Span(2, 4, 2, 11))
    assert diag.message == "Unknown layer type 'Linnear'. Did you mean Linear?"
    assert [f.text for f in diag.fixes] == ["Linear"]
