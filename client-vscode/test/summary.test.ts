import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { asSummary, formatCount, formatScales, formatSI, statusView } from "../src/summary";

describe("asSummary", () => {
  it("accepts the {json, text} answer", () => {
    assert.deepEqual(asSummary({ json: { total_params: 1 }, text: "t" }), { json: { total_params: 1 }, text: "t" });
  });
  it("rejects null (not an architecture) and malformed answers", () => {
    assert.equal(asSummary(null), null);
    assert.equal(asSummary(undefined), null);
    assert.equal(asSummary({ json: null, text: "t" }), null);
    assert.equal(asSummary({ json: {}, text: 3 }), null);
    assert.equal(asSummary("summary"), null);
  });
});

describe("formatCount", () => {
  it("writes exact counts with thousands separators", () => {
    assert.equal(formatCount(13440, "exact"), "13,440");
    assert.equal(formatCount(0, "exact"), "0");
    assert.equal(formatCount(11689512, "exact"), "11,689,512");
  });
  it("writes compact counts with one decimal and a suffix", () => {
    assert.equal(formatCount(999, "compact"), "999");
    assert.equal(formatCount(4640, "compact"), "4.6K");
    assert.equal(formatCount(13440, "compact"), "13.4K");
    assert.equal(formatCount(1000, "compact"), "1K");
    assert.equal(formatCount(138357544, "compact"), "138M");
    assert.equal(formatCount(25557032, "compact"), "25.6M");
    assert.equal(formatCount(7_000_000_000, "compact"), "7B");
  });
  it("writes ? for an unknown count", () => {
    assert.equal(formatCount(null, "exact"), "?");
    assert.equal(formatCount(undefined, "compact"), "?");
    assert.equal(formatCount(1.5, "exact"), "?");
  });
});

describe("statusView", () => {
  const json = {
    name: "Seed CNN 2D",
    total_params: 13440,
    trainable_params: 13440,
    non_trainable_params: 0,
    output_shape: [64],
    diagnostics: [],
  };
  it("shows the total in the text and the breakdown in the tooltip", () => {
    assert.deepEqual(statusView({ json, text: "" }, "exact"), {
      text: "$(symbol-numeric) 13,440 params",
      tooltip: [
        "Seed CNN 2D",
        "Parameters: 13,440",
        "Trainable: 13,440",
        "Non-trainable: 0",
        "Output shape: 64",
        "",
        "Click for the model summary",
      ].join("\n"),
    });
    assert.equal(statusView({ json, text: "" }, "compact").text, "$(symbol-numeric) 13.4K params");
  });
  it("takes the error count from `errors` when the JSON has it", () => {
    const view = statusView({ json: { ...json, errors: 1, diagnostics: [] }, text: "" }, "exact");
    assert.match(view.tooltip, /\n1 error: counts after them may be unknown \(\?\)\n/);
  });
  it("shows ? for unknown counts and dimensions and counts the errors", () => {
    const view = statusView(
      {
        json: {
          total_params: null,
          output_shape: [null, 8],
          diagnostics: [{ severity: "error" }, { severity: "warning" }, { severity: "error" }],
        },
        text: "",
      },
      "exact",
    );
    assert.equal(view.text, "$(symbol-numeric) ? params");
    assert.equal(
      view.tooltip,
      [
        "Architecture",
        "Parameters: ?",
        "Trainable: ?",
        "Non-trainable: ?",
        "Output shape: ?×8",
        "2 errors: counts after them may be unknown (?)",
        "",
        "Click for the model summary",
      ].join("\n"),
    );
  });
});

describe("formatSI", () => {
  it("writes four significant digits with an SI prefix, as the server does", () => {
    assert.equal(formatSI(388800), "388.8 K");
    assert.equal(formatSI(4009664), "4.01 M");
    assert.equal(formatSI(1820000000), "1.82 G");
    assert.equal(formatSI(8192), "8.192 K");
    assert.equal(formatSI(1000), "1 K");
    assert.equal(formatSI(400), "400");
    assert.equal(formatSI(null), "?");
  });
});

describe("statusView with compute", () => {
  // the seed CNN: 388,800 + 3,612,672 + 8,192 MACs
  const json = {
    name: "Seed CNN 2D",
    total_params: 13440,
    trainable_params: 13440,
    non_trainable_params: 0,
    output_shape: [64],
    batch: 1,
    macs: 4009664,
    flops: 8019328,
    errors: 0,
    diagnostics: [],
  };
  it("shows params and MACs in the text, MACs and FLOPs in the tooltip", () => {
    assert.deepEqual(statusView({ json, text: "" }, "exact"), {
      text: "$(symbol-numeric) 13,440 params · 4.01 M MACs",
      tooltip: [
        "Seed CNN 2D",
        "Parameters: 13,440",
        "Trainable: 13,440",
        "Non-trainable: 0",
        "MACs: 4,009,664 · FLOPs: 8,019,328 (2 × MACs), batch 1",
        "Output shape: 64",
        "",
        "Click for the model summary",
      ].join("\n"),
    });
    assert.equal(statusView({ json, text: "" }, "compact").text, "$(symbol-numeric) 13.4K params · 4.01 M MACs");
  });
  it("leaves unknown MACs out of the text and says so in the tooltip", () => {
    const view = statusView({ json: { ...json, macs: null, flops: null }, text: "" }, "exact");
    assert.equal(view.text, "$(symbol-numeric) 13,440 params");
    assert.match(view.tooltip, /\nMACs: \?\n/);
    const yolo = statusView({ json: { ...json, dialect: "ultralytics", scale: "n", imgsz: 640, macs: null }, text: "" }, "exact");
    assert.equal(yolo.text, "$(symbol-numeric) 13,440 params · n");
    assert.match(yolo.tooltip, /\nMACs: \?\n/);
  });
});

describe("statusView of an Ultralytics model file", () => {
  const json = {
    dialect: "ultralytics",
    scale: "n",
    imgsz: 640,
    scales: { n: 3157200, s: 11166560, m: 25902640, l: 43691520, x: 68229648 },
    name: null,
    total_params: 3157200,
    trainable_params: 3157184,
    non_trainable_params: 16,
    output_shape: null,
    errors: 0,
    diagnostics: [],
  };
  it("names the scale and lists every scale's total instead of the head's output", () => {
    assert.deepEqual(statusView({ json, text: "" }, "exact"), {
      text: "$(symbol-numeric) 3,157,200 params · n",
      tooltip: [
        "Ultralytics model · scale n · imgsz 640",
        "Parameters: 3,157,200",
        "Trainable: 3,157,184",
        "Non-trainable: 16",
        "Scales: n 3.16 M · s 11.17 M · m 25.90 M · l 43.69 M · x 68.23 M",
        "",
        "Click for the model summary",
      ].join("\n"),
    });
    assert.equal(statusView({ json, text: "" }, "compact").text, "$(symbol-numeric) 3.2M params · n");
  });
  it("shows the eval pass' MACs beside the parameters, the scale last", () => {
    const view = statusView({ json: { ...json, batch: 1, macs: 4371993600, flops: 8743987200 }, text: "" }, "exact");
    assert.equal(view.text, "$(symbol-numeric) 3,157,200 params · 4.372 G MACs · n");
    assert.match(view.tooltip, /\nMACs: 4,371,993,600 · FLOPs: 8,743,987,200 \(2 × MACs\), batch 1\n/);
  });
  it("writes ? for a scale whose total is unknown, and nothing for a file without scales", () => {
    assert.equal(formatScales({ n: null, s: 11166560 }), "n ? · s 11.17 M");
    assert.equal(formatScales(null), "");
    const view = statusView({ json: { ...json, scale: null, scales: null }, text: "" }, "exact");
    assert.equal(view.text, "$(symbol-numeric) 3,157,200 params");
    assert.doesNotMatch(view.tooltip, /Scales/);
  });
});
