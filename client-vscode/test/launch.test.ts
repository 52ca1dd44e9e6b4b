import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  Bundle,
  Probe,
  chooseServer,
  commandFromSetting,
  expandVariables,
  findOnPath,
  interpreterCandidates,
  isCompatible,
  isLaunchError,
  isSupportedPython,
  parseProbe,
  isLaunchFailure,
  releaseOf,
  selectLaunch,
} from "../src/launch";

const vars = { workspaceFolder: "/ws", home: "/home/ada" };
const bundle: Bundle = { libs: "/ext/bundled/libs", paramlens: "0.1.0", target: "universal" };
const nativeBundle: Bundle = {
  libs: "/ext/bundled/libs",
  paramlens: "0.1.0",
  target: "linux-x64",
  native: {
    dir: "/ext/bundled/native/linux-x64",
    modules: ["yaml/_yaml.cpython-311-x86_64-linux-gnu.so", "yaml/_yaml.cpython-312-x86_64-linux-gnu.so"],
  },
};

function probe(overrides: Partial<Probe> = {}): Probe {
  return {
    executable: "/usr/bin/python3",
    version: [3, 12, 1],
    paramlens: null,
    server: false,
    cyaml: false,
    suffixes: [".cpython-312-x86_64-linux-gnu.so", ".abi3.so", ".so"],
    ...overrides,
  };
}

/** `b` null: an extension built without the bundled server. */
function choose(p: Probe, b: Bundle | null = bundle, pythonPath?: string) {
  return chooseServer({ python: "/usr/bin/python3", probe: p, bundle: b ?? undefined, pythonPath, platform: "linux" });
}

describe("expandVariables", () => {
  it("expands a leading ~ and ${userHome}", () => {
    assert.equal(expandVariables("~/venv/bin/python", vars), "/home/ada/venv/bin/python");
    assert.equal(expandVariables("${userHome}/py", vars), "/home/ada/py");
  });
  it("expands ${workspaceFolder} and trims", () => {
    assert.equal(expandVariables("  ${workspaceFolder}/.venv/bin/python ", vars), "/ws/.venv/bin/python");
  });
  it("leaves ${workspaceFolder} alone without a folder and ~ inside a path", () => {
    assert.equal(expandVariables("${workspaceFolder}/x", { home: "/h" }), "${workspaceFolder}/x");
    assert.equal(expandVariables("/a/~b", vars), "/a/~b");
  });
});

describe("commandFromSetting", () => {
  it("is undefined for an empty or blank setting", () => {
    assert.equal(commandFromSetting([], vars), undefined);
    assert.equal(commandFromSetting(["", "  "], vars), undefined);
  });
  it("splits the command from its arguments, expanding variables", () => {
    const launch = commandFromSetting(["~/bin/paramlens", "serve", "--log=${workspaceFolder}/l"], vars);
    assert.deepEqual(launch, {
      command: "/home/ada/bin/paramlens",
      args: ["serve", "--log=/ws/l"],
      description: "Running the server from the paramlens.serverCommand setting: /home/ada/bin/paramlens serve --log=/ws/l",
    });
  });
});

describe("findOnPath", () => {
  const files = new Set(["/usr/local/bin/python3", "/usr/bin/python3", "/usr/bin/python", "C:\\Py\\python.exe"]);
  const isFile = (f: string) => files.has(f);
  it("takes the first PATH entry that has the file", () => {
    assert.equal(findOnPath("python3", "/opt/none::/usr/local/bin:/usr/bin", "linux", isFile), "/usr/local/bin/python3");
    assert.equal(findOnPath("python", "/usr/local/bin:/usr/bin", "linux", isFile), "/usr/bin/python");
  });
  it("returns undefined when nothing matches", () => {
    assert.equal(findOnPath("python3.13", "/usr/bin", "linux", isFile), undefined);
    assert.equal(findOnPath("python3", "", "linux", isFile), undefined);
  });
  it("uses ; and .exe on Windows", () => {
    assert.equal(findOnPath("python", "C:\\Windows;C:\\Py", "win32", isFile), "C:\\Py\\python.exe");
  });
});

describe("interpreterCandidates", () => {
  const files = new Set(["/usr/bin/python3", "/usr/bin/python", "/venv/bin/python"]);
  const base = { pathEnv: "/usr/bin", platform: "linux" as const, isFile: (f: string) => files.has(f), vars };
  it("uses only the paramlens.interpreter setting when set", () => {
    assert.deepEqual(interpreterCandidates({ ...base, setting: "~/py/bin/python", pythonExtension: "/venv/bin/python" }), [
      { path: "/home/ada/py/bin/python", source: "setting" },
    ]);
  });
  it("tries the Python extension's interpreter, then python3 and python on PATH", () => {
    assert.deepEqual(interpreterCandidates({ ...base, setting: "", pythonExtension: "/venv/bin/python" }), [
      { path: "/venv/bin/python", source: "python-extension" },
      { path: "/usr/bin/python3", source: "path" },
      { path: "/usr/bin/python", source: "path" },
    ]);
  });
  it("does not list the same interpreter twice", () => {
    assert.deepEqual(interpreterCandidates({ ...base, setting: " ", pythonExtension: "/usr/bin/python3" }), [
      { path: "/usr/bin/python3", source: "python-extension" },
      { path: "/usr/bin/python", source: "path" },
    ]);
  });
  it("is empty without the Python extension and without Python on PATH", () => {
    assert.deepEqual(interpreterCandidates({ ...base, pathEnv: "/bin", setting: "", pythonExtension: undefined }), []);
  });
});

describe("parseProbe", () => {
  it("reads the probe's JSON line, ignoring anything printed before it", () => {
    const out =
      'warning: something\n{"executable": "/v/bin/python", "version": [3, 11, 7], "paramlens": "0.1.0", "server": true, "cyaml": true}\n';
    assert.deepEqual(parseProbe(out), {
      executable: "/v/bin/python",
      version: [3, 11, 7],
      paramlens: "0.1.0",
      server: true,
      cyaml: true,
      suffixes: [],
    });
  });
  it("reads the interpreter's extension-module suffixes", () => {
    const out = '{"version": [3, 13, 1], "suffixes": [".cpython-313-darwin.so", ".abi3.so", 3]}';
    assert.deepEqual(parseProbe(out)?.suffixes, [".cpython-313-darwin.so", ".abi3.so"]);
  });
  it("treats missing or wrongly typed fields as absent", () => {
    assert.deepEqual(parseProbe('{"version": [3, 9, 0], "paramlens": 1, "server": "yes"}'), {
      executable: "",
      version: [3, 9, 0],
      paramlens: null,
      server: false,
      cyaml: false,
      suffixes: [],
    });
  });
  it("rejects output that is not the probe's", () => {
    assert.equal(parseProbe(""), undefined);
    assert.equal(parseProbe("Python 2.7.18"), undefined);
    assert.equal(parseProbe('{"version": "3.11"}'), undefined);
    assert.equal(parseProbe("null"), undefined);
  });
});

describe("versions", () => {
  it("needs Python 3.11 or newer", () => {
    assert.equal(isSupportedPython([3, 11, 0]), true);
    assert.equal(isSupportedPython([3, 13, 2]), true);
    assert.equal(isSupportedPython([4, 0, 0]), true);
    assert.equal(isSupportedPython([3, 10, 14]), false);
    assert.equal(isSupportedPython([2, 7, 18]), false);
  });
  it("reads the release of PEP 440 versions", () => {
    assert.deepEqual(releaseOf("0.1.0"), [0, 1, 0]);
    assert.deepEqual(releaseOf("0.2.0.dev3+g12ab"), [0, 2, 0]);
    assert.deepEqual(releaseOf("1.4rc1"), [1, 4]);
    assert.deepEqual(releaseOf("unknown"), []);
  });
  it("calls versions compatible by major, and by minor below 1.0", () => {
    assert.equal(isCompatible("0.1.5", "0.1.0"), true);
    assert.equal(isCompatible("0.1.0.dev1", "0.1.0"), true);
    assert.equal(isCompatible("0.2.0", "0.1.0"), false);
    assert.equal(isCompatible("1.3.0", "1.0.0"), true);
    assert.equal(isCompatible("2.0.0", "1.9.0"), false);
    assert.equal(isCompatible("garbage", "0.1.0"), false);
  });
});

describe("chooseServer", () => {
  it("prefers an installed, compatible paramlens with PyYAML's C loader", () => {
    assert.deepEqual(choose(probe({ paramlens: "0.1.2", server: true, cyaml: true })), {
      command: "/usr/bin/python3",
      args: ["-m", "paramlens", "serve"],
      description: "Running paramlens 0.1.2 installed in /usr/bin/python3 (Python 3.12.1, with PyYAML's C loader).",
    });
  });
  it("runs the universal bundle, with its libraries first on PYTHONPATH, and warns of the pure-Python loader", () => {
    assert.deepEqual(choose(probe(), bundle, "/user/lib"), {
      command: "/usr/bin/python3",
      args: ["-m", "paramlens", "serve"],
      env: { PYTHONPATH: "/ext/bundled/libs:/user/lib" },
      description:
        "Running the bundled paramlens 0.1.0 with /usr/bin/python3 (Python 3.12.1; paramlens is not installed there), " +
        "parsing with PyYAML's pure-Python loader.",
      warning:
        "The bundled server parses YAML with PyYAML's pure-Python loader, several times slower than libyaml: " +
        "this is the universal package of the extension, which carries no libyaml build. For C speed, install " +
        "the extension's package for your platform, or install paramlens in /usr/bin/python3.",
      compile: ["/ext/bundled/libs"],
    });
  });
  it("puts the platform package's libyaml build first when one matches the interpreter", () => {
    const launch = choose(probe(), nativeBundle);
    assert.deepEqual(launch, {
      command: "/usr/bin/python3",
      args: ["-m", "paramlens", "serve"],
      env: { PYTHONPATH: "/ext/bundled/native/linux-x64:/ext/bundled/libs" },
      description:
        "Running the bundled paramlens 0.1.0 with /usr/bin/python3 (Python 3.12.1; paramlens is not installed there), " +
        "parsing with PyYAML's C loader (libyaml, linux-x64 package).",
      compile: ["/ext/bundled/native/linux-x64", "/ext/bundled/libs"],
    });
  });
  it("falls back to pure Python, saying why, when no libyaml build matches the interpreter", () => {
    const launch = choose(probe({ version: [3, 15, 0], suffixes: [".cpython-315-x86_64-linux-gnu.so", ".so"] }), nativeBundle);
    assert.ok(!isLaunchError(launch));
    assert.deepEqual(launch.env, { PYTHONPATH: "/ext/bundled/libs" });
    assert.match(launch.description, /parsing with PyYAML's pure-Python loader\.$/);
    assert.match(
      launch.warning ?? "",
      /the linux-x64 package carries libyaml for CPython 3\.11 to 3\.14 only, not for this Python \(extension modules \.cpython-315-x86_64-linux-gnu\.so \.so\)/,
    );
  });
  it("prefers the bundle's libyaml build over an installed paramlens without the C loader", () => {
    const launch = choose(probe({ paramlens: "0.1.0", server: true }), nativeBundle);
    assert.ok(!isLaunchError(launch));
    assert.equal(launch.env?.PYTHONPATH, "/ext/bundled/native/linux-x64:/ext/bundled/libs");
    assert.match(launch.description, /the installed paramlens 0\.1\.0 lacks PyYAML's C loader/);
  });
  it("says why an installed paramlens is not used", () => {
    const why = (p: Probe) => {
      const launch = choose(p);
      assert.ok(!isLaunchError(launch));
      assert.deepEqual(launch.env, { PYTHONPATH: "/ext/bundled/libs" });
      return launch.description;
    };
    assert.match(why(probe({ paramlens: "0.1.0", server: true })), /the installed paramlens 0\.1\.0 lacks PyYAML's C loader/);
    assert.match(
      why(probe({ paramlens: "0.2.0", server: true, cyaml: true })),
      /the installed paramlens 0\.2\.0 is not compatible with 0\.1\.0/,
    );
    assert.match(why(probe({ paramlens: "0.1.0", cyaml: true })), /the installed paramlens 0\.1\.0 has no language server/);
  });
  it("uses an installed paramlens without the C loader when there is no bundle", () => {
    const launch = choose(probe({ paramlens: "0.3.0", server: true }), null);
    assert.ok(!isLaunchError(launch));
    assert.equal(launch.env, undefined);
    assert.match(launch.description, /paramlens 0\.3\.0 installed in \/usr\/bin\/python3 .*pure-Python loader/);
  });
  it("explains what to install when there is neither a bundle nor an installed server", () => {
    assert.deepEqual(choose(probe(), null), {
      error:
        "/usr/bin/python3 has no paramlens installed and this extension carries no bundled server. " +
        'Install it with "/usr/bin/python3 -m pip install paramlens" or set paramlens.serverCommand.',
    });
    assert.match((choose(probe({ paramlens: "0.0.1" }), null) as { error: string }).error, /pip install -U paramlens/);
  });
  it("refuses a Python older than 3.11, even with paramlens installed", () => {
    assert.deepEqual(choose(probe({ version: [3, 10, 12], paramlens: "0.1.0", server: true, cyaml: true })), {
      error: "paramlens needs Python 3.11 or newer, but /usr/bin/python3 is Python 3.10.12.",
    });
  });
  it("joins PYTHONPATH with ; on Windows", () => {
    const launch = chooseServer({
      python: "C:\\Py\\python.exe",
      probe: probe(),
      bundle: { libs: "C:\\ext\\bundled\\libs", paramlens: "0.1.0" },
      pythonPath: "C:\\mine",
      platform: "win32",
    });
    assert.ok(!isLaunchError(launch));
    assert.deepEqual(launch.env, { PYTHONPATH: "C:\\ext\\bundled\\libs;C:\\mine" });
  });
});

describe("selectLaunch", () => {
  const probes: Record<string, Probe | undefined> = {
    "/old/python": probe({ version: [3, 9, 18] }),
    "/usr/bin/python3": probe({ paramlens: "0.1.0", server: true, cyaml: true }),
    "/usr/bin/python": probe(),
  };
  const select = (paths: string[], b: Bundle | null = bundle) =>
    selectLaunch({
      candidates: paths.map((p) => ({ path: p, source: p === "/old/python" ? "python-extension" : "path" })),
      probe: async (python) => probes[python],
      bundle: b ?? undefined,
      pythonPath: undefined,
      platform: "linux",
    });

  it("skips a Python that is too old or does not run, and takes the next", async () => {
    const launch = await select(["/nothing/python", "/old/python", "/usr/bin/python3"]);
    assert.ok(!isLaunchFailure(launch));
    assert.equal(launch.command, "/usr/bin/python3");
    assert.equal(launch.env, undefined);
  });
  it("takes the first Python 3.11+, even when a later one has paramlens installed", async () => {
    const launch = await select(["/usr/bin/python", "/usr/bin/python3"]);
    assert.ok(!isLaunchFailure(launch));
    assert.equal(launch.command, "/usr/bin/python");
    assert.deepEqual(launch.env, { PYTHONPATH: "/ext/bundled/libs" });
  });
  it("explains every rejected candidate when none can run the server", async () => {
    const failure = await select(["/nothing/python", "/old/python"]);
    assert.deepEqual(failure, {
      message:
        "paramlens needs Python 3.11 or newer to run its language server. " +
        "/nothing/python (on PATH) did not run as Python. " +
        "/old/python (selected in the Python extension) is Python 3.9.18. " +
        "Set paramlens.interpreter to a Python 3.11+.",
      problems: [
        "/nothing/python (on PATH) did not run as Python.",
        "/old/python (selected in the Python extension) is Python 3.9.18.",
      ],
    });
  });
  it("says what to install when no Python is found at all", async () => {
    const failure = await select([]);
    assert.ok(isLaunchFailure(failure));
    assert.equal(
      failure.message,
      "paramlens needs Python 3.11 or newer to run its language server. None was found (no interpreter selected " +
        "in the Python extension, no python3 or python on PATH). Install Python 3.11+ or set paramlens.interpreter.",
    );
  });
  it("reports a Python without paramlens when the extension has no bundle", async () => {
    const failure = await select(["/usr/bin/python"], null);
    assert.ok(isLaunchFailure(failure));
    assert.deepEqual(failure.problems, [
      "/usr/bin/python has no paramlens installed and this extension carries no bundled server. " +
        'Install it with "/usr/bin/python -m pip install paramlens" or set paramlens.serverCommand.',
    ]);
  });
});
