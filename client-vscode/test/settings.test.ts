import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULTS, RESTART_SETTINGS, configurationItem, toServerConfiguration } from "../src/settings";

/** A getter over flat keys, as `workspace.getConfiguration("paramlens").get` reads them. */
function getter(values: Record<string, unknown>) {
  return (key: string) => values[key];
}

describe("toServerConfiguration", () => {
  it("gives the contract's defaults for unset settings", () => {
    assert.deepEqual(toServerConfiguration(getter({})), {
      inlayHints: { params: true, shapes: true, totals: true, macs: false },
      numbers: "exact",
      codeLens: "auto",
      files: ["**/*.yaml", "**/*.yml"],
      maxFileSize: 10485760,
      ultralytics: { scale: "auto", imgsz: 640 },
    });
  });
  it("maps every server setting and nothing else", () => {
    const config = toServerConfiguration(
      getter({
        "inlayHints.params": false,
        "inlayHints.shapes": true,
        "inlayHints.totals": false,
        "inlayHints.macs": true,
        numbers: "compact",
        codeLens: "on",
        files: ["models/**/*.arch.yaml"],
        maxFileSize: 1000,
        "ultralytics.scale": "s",
        "ultralytics.imgsz": 320,
        interpreter: "/usr/bin/python3",
        serverCommand: ["paramlens", "serve"],
        "trace.server": "verbose",
      }),
    );
    assert.deepEqual(config, {
      inlayHints: { params: false, shapes: true, totals: false, macs: true },
      numbers: "compact",
      codeLens: "on",
      files: ["models/**/*.arch.yaml"],
      maxFileSize: 1000,
      ultralytics: { scale: "s", imgsz: 320 },
    });
  });
  it("replaces values of the wrong type or out of range by the defaults", () => {
    const config = toServerConfiguration(
      getter({
        "inlayHints.params": "no",
        "inlayHints.macs": "yes",
        numbers: "scientific",
        codeLens: true,
        files: "a.yaml",
        maxFileSize: -5,
        "ultralytics.scale": "n s",
        "ultralytics.imgsz": 0,
      }),
    );
    assert.deepEqual(config, {
      ...DEFAULTS,
      inlayHints: { ...DEFAULTS.inlayHints },
      files: [...DEFAULTS.files],
      ultralytics: { ...DEFAULTS.ultralytics },
    });
    assert.equal(toServerConfiguration(getter({ "ultralytics.imgsz": 640.5 })).ultralytics.imgsz, 640);
    assert.equal(toServerConfiguration(getter({ "ultralytics.scale": 3 })).ultralytics.scale, "auto");
    assert.equal(toServerConfiguration(getter({ maxFileSize: 1.5 })).maxFileSize, 10485760);
    assert.equal(toServerConfiguration(getter({ maxFileSize: 0 })).maxFileSize, 10485760);
  });
  it("keeps the non-empty globs of the files list, as the server does", () => {
    assert.deepEqual(toServerConfiguration(getter({ files: ["a.yaml", 3, "", "b/**"] })).files, ["a.yaml", "b/**"]);
    assert.deepEqual(toServerConfiguration(getter({ files: [] })).files, ["**/*.yaml", "**/*.yml"]);
    assert.deepEqual(toServerConfiguration(getter({ files: [""] })).files, ["**/*.yaml", "**/*.yml"]);
  });
  it("returns a fresh files list that does not alias the defaults", () => {
    const config = toServerConfiguration(getter({}));
    config.files.push("x");
    assert.deepEqual(DEFAULTS.files, ["**/*.yaml", "**/*.yml"]);
  });
});

describe("configurationItem", () => {
  const get = getter({ numbers: "compact", "inlayHints.shapes": false, interpreter: "/py" });
  it("answers the whole paramlens section with the server's settings", () => {
    assert.deepEqual(configurationItem("paramlens", get), {
      inlayHints: { params: true, shapes: false, totals: true, macs: false },
      numbers: "compact",
      codeLens: "auto",
      files: ["**/*.yaml", "**/*.yml"],
      maxFileSize: 10485760,
      ultralytics: { scale: "auto", imgsz: 640 },
    });
  });
  it("answers a dotted part of the section", () => {
    assert.deepEqual(configurationItem("paramlens.inlayHints", get), {
      params: true,
      shapes: false,
      totals: true,
      macs: false,
    });
    assert.equal(configurationItem("paramlens.inlayHints.shapes", get), false);
    assert.equal(configurationItem("paramlens.numbers", get), "compact");
  });
  it("answers null for client-only or unknown keys of the section", () => {
    assert.equal(configurationItem("paramlens.interpreter", get), null);
    assert.equal(configurationItem("paramlens.numbers.x", get), null);
  });
  it("leaves other sections to VS Code", () => {
    assert.equal(configurationItem("yaml", get), undefined);
    assert.equal(configurationItem("paramlensx", get), undefined);
    assert.equal(configurationItem(undefined, get), undefined);
  });
});

describe("RESTART_SETTINGS", () => {
  it("are the settings that choose the server process", () => {
    assert.deepEqual(RESTART_SETTINGS, ["paramlens.interpreter", "paramlens.serverCommand"]);
  });
});
