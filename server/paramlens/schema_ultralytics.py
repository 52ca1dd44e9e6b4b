"""The JSON Schema of Ultralytics YOLO model files (``yolov8.yaml``, ``rtdetr-l.yaml`` ...), generated
from the registry's Ultralytics modules.

``python -m paramlens.schema_ultralytics > schemas/ultralytics.schema.json`` writes it; a test fails when
the committed file and the registry drift apart. A second schema rather than a ``oneOf`` in the native
one: editors map it only to the usual names (``yolo*.yaml``, ``rtdetr*.yaml``), so it never claims other
YAML files. It checks the shape of the file (the top-level keys, rows of four items, `from` indices,
scales) and offers the module names (with their docs) for completion; the engine checks the rest.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from .engine import ultralytics  # noqa: F401  (registers the modules)
from .engine.registry import KINDS, MODULES, REQUIRED

Schema = dict[str, Any]

SCHEMA_ID = "https://github.com/paramlens/paramlens/blob/main/schemas/ultralytics.schema.json"
INDEX: Schema = {"type": "integer", "description": "A row index: -1 is the row before, 0 … the absolute rows."}


def _module_doc(name: str) -> str:
    module = MODULES[name]
    args = ", ".join(a.name if a.default is REQUIRED else f"{a.name}={a.default!r}" for a in module.args)
    return f"{module.doc} YAML arguments: [{args}]." if module.args else module.doc


def build() -> Schema:
    modules = [{"const": name, "description": _module_doc(name)} for name in MODULES]
    torch = [
        {"const": f"nn.{kind.torch}", "description": kind.doc}
        for kind in KINDS.values()
        if kind.torch and not kind.keras
    ]
    row: Schema = {
        "type": "array",
        "description": "A row: [from, repeats, module, args]. `from` is -1 (the row before), an absolute row "
        "index or a list of them; repeats is scaled by the depth multiple.",
        "minItems": 4,
        "maxItems": 4,
        "items": [
            {"anyOf": [INDEX, {"type": "array", "items": INDEX, "minItems": 1}]},
            {"type": "integer", "description": "Repeats (n > 1 is scaled: max(round(n × depth), 1))."},
            {"anyOf": [*modules, *torch, {"type": "string", "pattern": "^(nn|torchvision\\.ops)\\.[A-Za-z0-9_]+$"}]},
            {"type": "array", "description": "The module's arguments (c1 is injected for base modules)."},
        ],
    }
    number: Schema = {"type": "number", "exclusiveMinimum": 0}
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": SCHEMA_ID,
        "title": "Ultralytics YOLO model file (as Ultralytics 8.4.190 builds it)",
        "type": "object",
        "properties": {
            "nc": {"type": "integer", "minimum": 1, "description": "Number of classes."},
            "scales": {
                "type": "object",
                "description": "Each scale letter's [depth, width, max_channels]; the file name picks one "
                "(yolov8s.yaml builds s), else the first.",
                "additionalProperties": {"type": "array", "items": number, "minItems": 3, "maxItems": 3},
            },
            "depth_multiple": {**number, "description": "Used only without `scales`."},
            "width_multiple": {**number, "description": "Used only without `scales`."},
            "activation": {"type": "string", "description": "The default activation, e.g. nn.ReLU()."},
            "kpt_shape": {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2},
            "end2end": {"type": "boolean", "description": "Detect heads with one-to-one branches (yolo26)."},
            "reg_max": {"type": "integer", "minimum": 1, "description": "DFL bins of Detect heads (16)."},
            "backbone": {"type": "array", "items": {"$ref": "#/definitions/row"}},
            "head": {"type": "array", "items": {"$ref": "#/definitions/row"}},
        },
        "required": ["backbone", "head"],
        "definitions": {"row": row},
    }


def render() -> str:
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
