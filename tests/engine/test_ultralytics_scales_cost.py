"""Every scale's total (issue 15: all five in under 10 ms) is counted, not built: the other scales' rows are
run through the builders with CountNet, which makes no LayerResult tree, evaluates each distinct torch layer
by its kind's rule once, and builds each distinct Conv/bottleneck call once. Counting the objects made
guards that design without a wall clock (tests/perf/test_scales_time.py times it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from paramlens.engine import analyse
from paramlens.engine.analysis import LayerResult
from paramlens.engine.ultralytics import building, counting, net
from paramlens.engine.ultralytics.modules import conv

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "ultralytics"
# the five totals: Ultralytics 8.4.190's own (yolo11.yaml's `scales:` comments quote them; the oracle tests
# prove both files against Ultralytics)
TOTALS = {
    "yolov8.yaml": {"n": 3157200, "s": 11166560, "m": 25902640, "l": 43691520, "x": 68229648},
    "yolo11.yaml": {"n": 2624080, "s": 9458752, "m": 20114688, "l": 25372160, "x": 56966176},
}


class _Forgetful(dict):  # type: ignore[type-arg]
    """A cache that keeps nothing."""

    def __setitem__(self, key: object, value: object) -> None:
        pass


def cost(name: str, monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, int | None], int, dict[str, int]]:
    """The five totals of an example, its rows, and what counting the other four made, every cache empty."""
    for cache in (building._BUILT, net._CACHE, counting._COUNTED, counting._MADE):
        cache.clear()
    analysis = analyse((EXAMPLES / name).read_text(encoding="utf-8"), key=name)
    made = {"LayerResult": 0, "rule": 0, "leaf": 0}
    init, rule, leaf = LayerResult.__init__, net.Net.leaf, counting.CountNet.leaf

    def counted(what: str, fn):  # type: ignore[no-untyped-def]
        def call(*args, **kwargs):  # type: ignore[no-untyped-def]
            made[what] += 1
            return fn(*args, **kwargs)

        return call

    with monkeypatch.context() as patch:
        patch.setattr(LayerResult, "__init__", counted("LayerResult", init))
        patch.setattr(net.Net, "leaf", counted("rule", rule))  # CountNet.leaf calls it for a layer not seen
        patch.setattr(counting.CountNet, "leaf", counted("leaf", leaf))
        totals = analysis.scales
    return totals, len(analysis.layers), made  # type: ignore[return-value]


@pytest.mark.parametrize("name", ["yolov8.yaml", "yolo11.yaml"])
def test_the_other_scales_are_counted_without_building_their_trees(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    totals, rows, made = cost(name, monkeypatch)
    assert totals == TOTALS[name]
    # one LayerResult per row of each other scale (the walk's own), and one per torch layer whose kind's rule
    # runs (Net.leaf makes it), plus the nn.Upsample rows' layers; no sub-module tree (yolo11 made 2,239 of
    # them, for 1,446 sub-modules, when the other scales were built as trees)
    assert made["LayerResult"] <= 4 * rows + made["rule"] + 4 * 2, made
    assert made["rule"] == len(counting._COUNTED), made  # each distinct torch layer evaluated once


@pytest.mark.parametrize("name", ["yolov8.yaml", "yolo11.yaml"])
def test_a_repeated_conv_or_bottleneck_is_counted_once(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """`counted` builders (Conv, DWConv, Bottleneck, C3k): the same call again is a copy of its Count, so the
    other scales take far fewer torch layers, with the same totals."""
    totals, _rows, made = cost(name, monkeypatch)
    monkeypatch.setattr(counting, "_MADE", _Forgetful())
    again, _rows, unkept = cost(name, monkeypatch)
    assert totals == again == TOTALS[name]
    assert made["leaf"] * 3 < unkept["leaf"] * 2, (made, unkept)


def test_a_counted_build_is_a_copy_under_its_own_name() -> None:
    """DWConv sets its own type on the Conv it builds: the Count kept for the next same call is not changed."""
    count_net = counting.CountNet()
    x = (16, 8, 8)
    first = conv.Conv(count_net, "cv1", x, 16, 32, 3, 1, None, 16, 1, True)  # the call DWConv makes
    dw = conv.DWConv(count_net, "cv2", x, 16, 32, 3)
    again = conv.Conv(count_net, "cv3", x, 16, 32, 3, 1, None, 16, 1, True)
    assert (first.name, first.type, dw.name, dw.type, again.name, again.type) == (
        "cv1", "Conv", "cv2", "DWConv", "cv3", "Conv",
    )  # fmt: skip
    assert first.param_count == dw.param_count == again.param_count == 3 * 3 * 32 + 2 * 32
    assert [c.name for c in again.children] == ["conv", "bn", "act"]
