"""The JSON Schema of ``*.arch.yaml``, generated from the layer registry.

``python -m paramlens.schema > schemas/paramlens.schema.json`` writes it; a test fails when the
committed file and the registry drift apart. Red Hat's YAML extension reads it (VS Code's
``yamlValidation``) to complete and check layer types, Keras aliases, arguments, blocks, constructs
and imports, so the schema sticks to draft-07, which that extension supports fully.

A layer is a bare type (``- ReLU``), a mapping with the type as its only key
(``- Conv2d: {...}``), or a mapping with ``type:`` beside the arguments. The schema cannot know
block names, so any other single key or type name is accepted as a block use; the engine reports
unknown types.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from .engine.definitions import DTYPE_BYTES
from .engine.infer import CONSTRUCTS
from .engine.registry import KINDS, REQUIRED, Arg, Kind

Schema = dict[str, Any]

SCHEMA_ID = "https://github.com/paramlens/paramlens/blob/main/schemas/paramlens.schema.json"
REF = "#/definitions/"

COUNT: Schema = {"type": "integer", "minimum": 1}
NONNEG: Schema = {"type": "integer", "minimum": 0}


def _ref(name: str) -> Schema:
    return {"$ref": REF + name}


def _per_dim(item: Schema, spatial: int) -> Schema:
    """One value, or a list of one per spatial dimension."""
    listed: Schema = {"type": "array", "items": item}
    if spatial > 0:
        listed |= {"minItems": spatial, "maxItems": spatial}
    return {"anyOf": [item, listed]}


def value_schema(arg: Arg, spatial: int) -> Schema:
    """The values an argument takes, mirroring ``registry.coerce``."""
    t = arg.type
    if t == "count":
        return dict(COUNT)
    if t == "int":
        return {"type": "integer"}
    if t == "nonneg":
        return dict(NONNEG)
    if t == "size":
        return _per_dim(COUNT, spatial)
    if t == "nonneg_list":
        return _per_dim(NONNEG, spatial)
    if t == "padding":
        schema = _per_dim(NONNEG, spatial)
        schema["anyOf"].append({"enum": ["same", "valid"]})
        return schema
    if t == "bool":
        return {"type": "boolean"}
    if t == "float":
        return {"type": "number"}
    if t == "prob":
        return {"type": "number", "minimum": 0, "maximum": 1}
    if t == "shape":
        return {"anyOf": [COUNT, {"type": "array", "items": COUNT, "minItems": 1}]}
    if t == "ints":
        return {"type": "array", "items": {"type": "integer"}}
    if t == "out_size":
        return _per_dim({"anyOf": [COUNT, {"type": "null"}]}, spatial)
    if t == "scale":
        return _per_dim({"type": "number", "exclusiveMinimum": 0}, spatial)
    if t == "choice":
        return {"enum": list(arg.choices)}
    raise ValueError(f"no schema for argument type {t!r}")


def arg_schema(arg: Arg, spatial: int, alias: str | None = None) -> Schema:
    """An argument's property: its values, a block argument reference, its default and its doc."""
    options = [value_schema(arg, spatial), _ref("reference")]
    if arg.default is None or arg.optional:
        options.append({"type": "null"})
    doc = arg.doc
    if arg.infer is not None:
        doc += " Inferred from the previous layer's output when not written; checked when written."
    elif arg.required:
        doc += " Required."
    if alias is not None:
        doc = f"Keras name of `{arg.name}`. {doc}"
    schema: Schema = {"description": doc, "anyOf": options}
    if arg.default is not REQUIRED and arg.default is not None:
        schema["default"] = arg.default
    return schema


def kind_names(kind: Kind) -> list[str]:
    return [kind.name, *kind.aliases]


def kind_description(kind: Kind) -> str:
    lines = [kind.doc, f"Parameters: {kind.formula or '0'}."]
    if kind.aliases:
        lines.append(f"Keras: {', '.join(kind.aliases)}.")
    return "\n\n".join(lines)


def kind_schema(kind: Kind) -> Schema:
    """A kind's arguments as a mapping (with ``type`` for the spelling that writes it beside them)."""
    properties: Schema = {
        "type": {"description": "The layer type, beside its arguments.", "enum": kind_names(kind)},
        "name": _ref("layerName"),
        "trainable": _ref("trainable"),
    }
    required = []
    for arg in kind.args:
        properties[arg.name] = arg_schema(arg, kind.spatial)
        for alias in arg.aliases:
            properties[alias] = arg_schema(arg, kind.spatial, alias)
        if arg.required:
            required.append([arg.name, *arg.aliases])
    schema: Schema = {
        "type": "object",
        "description": kind_description(kind),
        "properties": properties,
        "additionalProperties": False,
    }
    if any(len(names) == 1 for names in required):
        schema["required"] = [names[0] for names in required if len(names) == 1]
    either = [{"anyOf": [{"required": [n]} for n in names]} for names in required if len(names) > 1]
    if either:
        schema["allOf"] = either
    return schema


def keyed_schema(kind: Kind) -> Schema:
    """The value under ``- Conv2d:``: the arguments (without ``type``), or nothing when none is required."""
    options: list[Schema] = [{"allOf": [_ref(f"kind.{kind.name}"), {"not": {"required": ["type"]}}]}]
    if not any(arg.required for arg in kind.args):
        options.insert(0, {"type": "null"})
    return {"description": kind_description(kind), "anyOf": options}


def construct_schemas() -> dict[str, Schema]:
    """Sequential, Repeat, Residual, Add, Multiply and Concat, keyed by name."""
    common = {"name": _ref("layerName"), "trainable": _ref("trainable")}
    branches = {"type": "array", "items": _ref("layers"), "description": "A list of layer lists; [] is the identity."}
    specs: dict[str, tuple[str, Schema, list[str]]] = {
        "Sequential": ("A named group of layers with its own total.", {"layers": _ref("layers")}, ["layers"]),
        "Repeat": (
            "Its layers applied `times` times in sequence; each repetition sees the previous one's output.",
            {
                "times": {"description": "How many repetitions.", "anyOf": [COUNT, _ref("reference")]},
                "layers": _ref("layers"),
            },
            ["times", "layers"],
        ),
        "Residual": (
            "`layers` plus `shortcut` (the identity when absent), summed: their output shapes must be equal.",
            {"layers": _ref("layers"), "shortcut": _ref("layers")},
            ["layers"],
        ),
        "Add": (
            "Its branches, summed element-wise: their output shapes must be equal.",
            {"branches": branches},
            ["branches"],
        ),
        "Multiply": (
            "Its branches, multiplied element-wise with broadcasting (a squeeze-and-excitation gate).",
            {"branches": branches},
            ["branches"],
        ),
        "Concat": (
            "Its branches, concatenated on `dim` (default: the channels).",
            {
                "branches": branches,
                "dim": {"description": "The joined dimension of the unbatched shape.", "type": "integer"},
                "crop": {"description": "Center-crop larger branches to the smallest (U-Net).", "type": "boolean"},
            },
            ["branches"],
        ),
    }
    out = {}
    for name in CONSTRUCTS:
        doc, properties, needed = specs[name]
        out[name] = {
            "type": "object",
            "description": doc,
            "properties": {"type": {"const": name}, **common, **properties},
            "required": needed,
            "additionalProperties": False,
        }
    return out


def build() -> Schema:
    kinds = list(KINDS.values())
    constructs = construct_schemas()
    names = [n for kind in kinds for n in kind_names(kind)]
    definitions: Schema = {
        "reference": {
            "description": "A block argument: `$name`, or an integer expression `${width * 4}`.",
            "type": "string",
            "pattern": r"^\$([A-Za-z_][A-Za-z0-9_]*|\{.+\})$",
        },
        "layerName": {"description": "A name shown in outlines and summaries.", "type": ["string", "integer"]},
        "trainable": {
            "description": "false freezes the layer: its parameters count as non-trainable.",
            "anyOf": [{"type": "boolean"}, _ref("reference")],
        },
        "typeName": {
            "description": "A layer type (PyTorch name or Keras alias), a block name, or a block argument.",
            "anyOf": [{"enum": names}, {"type": "string"}],
        },
        "layers": {"description": "Layers, applied in order.", "type": "array", "items": _ref("layer")},
        "layer": {
            "description": "A layer: `- ReLU`, `- Conv2d: {out_channels: 16, kernel_size: 3}`, or `type:` beside "
            "its arguments.",
            "anyOf": [
                _ref("typeName"),
                {
                    "type": "object",
                    "if": {"required": ["type"]},
                    "then": _ref("typedLayer"),
                    "else": _ref("keyedLayer"),
                },
            ],
        },
        "keyedLayer": {
            "type": "object",
            "minProperties": 1,
            "maxProperties": 1,
            "properties": {
                **{n: _ref(f"keyed.{kind.name}") for kind in kinds for n in kind_names(kind)},
                **{n: {"allOf": [_ref(f"construct.{n}"), {"not": {"required": ["type"]}}]} for n in constructs},
            },
            "additionalProperties": {
                "description": "A block (defined under `blocks:` or imported) with its arguments.",
                "anyOf": [{"type": "object"}, {"type": "null"}],
            },
        },
        "typedLayer": {
            "type": "object",
            "properties": {"type": _ref("typeName")},
            "allOf": [
                *(
                    {"if": {"properties": {"type": {"enum": kind_names(kind)}}}, "then": _ref(f"kind.{kind.name}")}
                    for kind in kinds
                ),
                *({"if": {"properties": {"type": {"const": n}}}, "then": _ref(f"construct.{n}")} for n in constructs),
            ],
        },
        "block": {
            "type": "object",
            "description": "A reusable block: default arguments and layers; used as a layer type.",
            "properties": {
                "args": {
                    "description": "Argument names and their defaults; `$name` in the layers uses them.",
                    "type": "object",
                    "propertyNames": {"not": {"const": "in_channels"}},
                },
                "layers": _ref("layers"),
                "doc": {"type": "string"},
            },
            "required": ["layers"],
            "additionalProperties": False,
        },
    }
    definitions |= {f"construct.{name}": schema for name, schema in constructs.items()}
    definitions |= {f"kind.{kind.name}": kind_schema(kind) for kind in kinds}
    definitions |= {f"keyed.{kind.name}": keyed_schema(kind) for kind in kinds}
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": SCHEMA_ID,
        "title": "paramlens architecture",
        "description": "A neural-network architecture for paramlens: exact parameter counts and shapes.",
        "type": "object",
        "properties": {
            "name": {"description": "The model's name.", "type": "string"},
            "input": {
                "description": "The shape of one sample without the batch dimension, channels first: [C], [C, L], "
                "[C, H, W], [C, D, H, W], or [L] of token indices; null for an unknown dimension.",
                "anyOf": [
                    COUNT,
                    {"type": "array", "items": {"anyOf": [COUNT, {"type": "null"}]}, "minItems": 1, "maxItems": 8},
                ],
            },
            "dtype": {"description": "Parameter type for the size in bytes.", "enum": list(DTYPE_BYTES)},
            "imports": {
                "description": "Architecture files, relative to this one, whose blocks become usable here.",
                "type": "array",
                "items": {"type": "string", "pattern": r"^(?![A-Za-z][A-Za-z0-9+.-]*:)(?![/\\~])."},
            },
            "blocks": {
                "description": "Reusable blocks, by name.",
                "type": "object",
                "additionalProperties": _ref("block"),
            },
            "layers": _ref("layers"),
        },
        "additionalProperties": False,
        "anyOf": [{"required": ["layers"]}, {"required": ["blocks"]}],
        "definitions": definitions,
    }


def render() -> str:
    """The schema file's exact text."""
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
