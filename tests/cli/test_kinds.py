"""`paramlens kinds`: the registry, and one kind's arguments (the unknown-layer message points here)."""

from __future__ import annotations

from paramlens.engine.registry import KINDS

from .common import run


def test_lists_every_kind_through_a_subprocess() -> None:
    proc = run("kinds")
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert lines[0] == f"{len(KINDS)} layer kinds"
    rows = {line.split()[0]: line for line in lines[3:] if line.strip()}
    assert set(rows) == set(KINDS)
    assert (
        " ".join(rows["Conv2d"].split()) == "Conv2d Conv2D, Convolution2D conv (k_h × k_w × C_in / groups + 1) × C_out"
    )
    assert rows["ReLU"].split() == ["ReLU", "activation", "0"]


def test_one_kind_by_its_keras_name(cli) -> None:
    code, out, err = cli("kinds", "conv2d")
    assert (code, err) == (0, "")
    lines = [line.rstrip() for line in out.splitlines()]
    assert lines[0] == "Conv2d"
    assert "Keras       Conv2D, Convolution2D" in lines
    assert "Parameters  (k_h × k_w × C_in / groups + 1) × C_out" in lines
    rows = {line.split()[0]: line.split() for line in lines if line.startswith(" ") and line.split()}
    assert rows["in_channels"][:3] == ["in_channels", "count", "inferred"]
    assert rows["out_channels"][:4] == ["out_channels", "filters", "count", "required"]
    assert rows["stride"][:4] == ["stride", "strides", "size", "1"]
    assert "One of: zeros, reflect, replicate, circular." in " ".join(out.split())
    assert cli("kinds", "Dense")[1].splitlines()[0] == "Linear"


def test_unknown_kind_suggests_and_exits_2(cli) -> None:
    code, out, err = cli("kinds", "Conv2x")
    assert (code, out) == (2, "")
    assert err.startswith("paramlens: no layer kind named 'Conv2x'. Did you mean ")
