"""schemas/paramlens.schema.json: generated from the registry, never edited by hand, and right about
the files paramlens reads (every example validates; typical mistakes do not)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from paramlens import schema, schema_ultralytics
from paramlens.engine import analyse
from paramlens.engine.registry import KINDS

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_FILE = ROOT / "schemas" / "paramlens.schema.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    loaded = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(loaded)
    return jsonschema.Draft7Validator(loaded)


def test_committed_schema_is_the_generated_one() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema.render(), (
        "schemas/paramlens.schema.json is out of date with the layer registry: "
        "run `python -m paramlens.schema > schemas/paramlens.schema.json` and commit it"
    )


def test_committed_ultralytics_schema_is_the_generated_one() -> None:
    """schemas/ultralytics.schema.json (module names and docs for Ultralytics model files) follows the registry's
    Ultralytics modules too."""
    committed = (ROOT / "schemas" / "ultralytics.schema.json").read_text(encoding="utf-8")
    assert committed == schema_ultralytics.render(), (
        "schemas/ultralytics.schema.json is out of date with the registry's Ultralytics modules: "
        "run `python -m paramlens.schema_ultralytics > schemas/ultralytics.schema.json` and commit it"
    )


def test_every_kind_alias_and_argument_is_in_it() -> None:
    built = schema.build()
    keyed = built["definitions"]["keyedLayer"]["properties"]
    for kind in KINDS.values():
        for name in (kind.name, *kind.aliases):
            assert keyed[name] == {"$ref": f"#/definitions/keyed.{kind.name}"}
        properties = built["definitions"][f"kind.{kind.name}"]["properties"]
        for arg in kind.args:
            assert arg.name in properties
            for alias in arg.aliases:
                assert properties[alias]["description"].startswith(f"Keras name of `{arg.name}`.")


@pytest.mark.parametrize("path", sorted((ROOT / "examples").glob("*.arch.yaml")), ids=lambda p: p.name)
def test_examples_validate(validator: jsonschema.Draft7Validator, path: Path) -> None:
    assert [e.message for e in validator.iter_errors(yaml.safe_load(path.read_text()))] == []


VALID = [
    "layers:\n  - ReLU\n  - BatchNorm2d:\n  - Conv2D: {filters: 8, kernel_size: 3, padding: same, use_bias: false}",
    "layers:\n  - type: Linear\n    units: 4\n    name: head\n    trainable: false",
    "input: [3, null, null]\ndtype: float16\nlayers:\n  - Conv2d: {out_channels: 4, kernel_size: 3}",
    "blocks:\n  B:\n    args: {w: 4, act: ReLU}\n    layers:\n      - Conv2d: {out_channels: $w, kernel_size: 1}\n"
    "      - Linear: {out_features: '${w * 4}'}\n      - $act\n      - type: $act",
    "imports: [lib/blocks.arch.yaml]\nlayers:\n  - MyBlock: {width: 3}\n  - type: MyBlock\n    width: 3\n  - MyBlock",
    "layers:\n  - Repeat: {times: 2, layers: [ReLU]}\n  - Residual: {layers: [ReLU], shortcut: []}\n"
    "  - Concat: {branches: [[ReLU], []], dim: 0, crop: true}\n  - Sequential: {name: s, layers: [ReLU]}",
]

INVALID = {
    "zero size": "layers:\n  - Conv2d: {out_channels: 0, kernel_size: 3}",
    "bad choice": "layers:\n  - Conv2d: {out_channels: 1, kernel_size: 3, padding: sme}",
    "missing required": "layers:\n  - Conv2d: {kernel_size: 3}",
    "no arguments where some are required": "layers:\n  - Conv2d:",
    "unknown argument (typed)": "layers:\n  - type: Linear\n    units: 3\n    foo: 1",
    "type inside the single-key spelling": "layers:\n  - Linear: {type: Linear, out_features: 2}",
    "unknown construct key": "layers:\n  - Residual: {layers: [ReLU], bogus: 1}",
    "Repeat without times": "layers:\n  - Repeat: {layers: [ReLU]}",
    "wrong list length": "layers:\n  - Conv2d: {out_channels: 1, kernel_size: [3, 3, 3]}",
    "unknown top-level key": "layers: [ReLU]\nextra: 1",
    "neither layers nor blocks": "name: x",
    "URL import": "imports: ['https://example.com/b.arch.yaml']\nlayers: [ReLU]",
    "reserved block argument": "blocks:\n  B:\n    args: {in_channels: 3}\n    layers: [ReLU]",
}


@pytest.mark.parametrize("text", VALID)
def test_valid_documents(validator: jsonschema.Draft7Validator, text: str) -> None:
    assert [e.message for e in validator.iter_errors(yaml.safe_load(text))] == []


# the schema's most relevant error (jsonschema's best_match) for each: where, and which rule
REASONS = {
    "zero size": ("layers/0/Conv2d/out_channels", "minimum"),
    "bad choice": ("layers/0/Conv2d/padding", "anyOf"),
    "missing required": ("layers/0/Conv2d", "anyOf"),
    "no arguments where some are required": ("layers/0/Conv2d", "anyOf"),
    "unknown argument (typed)": ("layers/0", "anyOf"),
    "type inside the single-key spelling": ("layers/0/Linear", "not"),
    "unknown construct key": ("layers/0/Residual", "additionalProperties"),
    "Repeat without times": ("layers/0/Repeat", "required"),
    "wrong list length": ("layers/0/Conv2d/kernel_size", "maxItems"),
    "unknown top-level key": ("", "additionalProperties"),
    "neither layers nor blocks": ("", "anyOf"),
    "URL import": ("imports/0", "pattern"),
    "reserved block argument": ("blocks/B/args", "not"),
}


# each invalid document with its one mistake corrected, which must validate: the schema rejects the
# invalid one for that mistake, not for something else at the same place (an anyOf error names no reason)
FIXED = {
    "zero size": "layers:\n  - Conv2d: {out_channels: 1, kernel_size: 3}",
    "bad choice": "layers:\n  - Conv2d: {out_channels: 1, kernel_size: 3, padding: same}",
    "missing required": "layers:\n  - Conv2d: {out_channels: 1, kernel_size: 3}",
    "no arguments where some are required": "layers:\n  - Conv2d: {out_channels: 1, kernel_size: 3}",
    "unknown argument (typed)": "layers:\n  - type: Linear\n    units: 3",
    "type inside the single-key spelling": "layers:\n  - Linear: {out_features: 2}",
    "unknown construct key": "layers:\n  - Residual: {layers: [ReLU]}",
    "Repeat without times": "layers:\n  - Repeat: {times: 2, layers: [ReLU]}",
    "wrong list length": "layers:\n  - Conv2d: {out_channels: 1, kernel_size: [3, 3]}",
    "unknown top-level key": "layers: [ReLU]\nname: x",
    "neither layers nor blocks": "name: x\nlayers: [ReLU]",
    "URL import": "imports: ['lib/b.arch.yaml']\nlayers: [ReLU]",
    "reserved block argument": "blocks:\n  B:\n    args: {width: 3}\n    layers: [ReLU]",
}


@pytest.mark.parametrize("case", INVALID)
def test_invalid_documents(validator: jsonschema.Draft7Validator, case: str) -> None:
    text = INVALID[case]
    error = jsonschema.exceptions.best_match(validator.iter_errors(yaml.safe_load(text)))
    assert error is not None
    assert ("/".join(map(str, error.absolute_path)), error.validator) == REASONS[case]
    assert [e.message for e in validator.iter_errors(yaml.safe_load(FIXED[case]))] == []
    analysis = analyse(text)
    assert analysis.diagnostics or not analysis.is_architecture  # the engine objects too
