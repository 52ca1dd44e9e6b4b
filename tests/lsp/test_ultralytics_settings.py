"""The Ultralytics settings as the server reads them (paramlens.ultralytics.scale / imgsz): a wrong type or
value falls back to the default, as in the VS Code client's settings.ts."""

from __future__ import annotations

import pytest

from paramlens.lsp.config import DEFAULT_IMGSZ, DEFAULT_SCALE, Settings


def test_defaults() -> None:
    settings = Settings.parse({})
    assert (settings.scale, settings.imgsz, settings.scale_override) == ("auto", 640, None)
    assert (DEFAULT_SCALE, DEFAULT_IMGSZ) == ("auto", 640)


@pytest.mark.parametrize(
    ("raw", "scale", "imgsz"),
    [
        ({"ultralytics": {"scale": "s", "imgsz": 320}}, "s", 320),
        ({"ultralytics.scale": "x", "ultralytics.imgsz": 1280}, "x", 1280),
        ({"paramlens": {"ultralytics": {"scale": "auto"}}}, "auto", 640),
        ({"ultralytics": {"scale": "n s", "imgsz": 0}}, "auto", 640),
        ({"ultralytics": {"scale": 3, "imgsz": 640.5}}, "auto", 640),
        ({"ultralytics": {"scale": "", "imgsz": True}}, "auto", 640),
        ({"ultralytics": {"imgsz": 65537}}, "auto", 640),
    ],
)
def test_parse(raw: dict, scale: str, imgsz: int) -> None:
    settings = Settings.parse(raw)
    assert (settings.scale, settings.imgsz) == (scale, imgsz)
    assert settings.scale_override == (None if scale == "auto" else scale)
    assert settings.analysis_key == (scale, imgsz)
