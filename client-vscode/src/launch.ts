/**
 * How the language server is started: which Python, which paramlens (installed or bundled), which command.
 *
 * Pure functions only (no `vscode` import), so that the decisions are unit-tested without VS Code;
 * `server.ts` feeds them what it finds on the machine.
 */
import * as path from "node:path";

/** The oldest Python the server runs on (pyproject's requires-python). */
export const MIN_PYTHON: readonly [number, number] = [3, 11];

/** Where an interpreter candidate came from, in the order they are tried. */
export type CandidateSource = "setting" | "python-extension" | "path";

export interface Candidate {
  readonly path: string;
  readonly source: CandidateSource;
}

/** What `PROBE_SCRIPT` reports about an interpreter. */
export interface Probe {
  readonly executable: string;
  readonly version: readonly [number, number, number];
  /** Version of the paramlens distribution installed in that interpreter, or null. */
  readonly paramlens: string | null;
  /** Whether `paramlens.lsp.server` can be imported from that installation. */
  readonly server: boolean;
  /** Whether PyYAML with its C loader (libyaml) is installed. */
  readonly cyaml: boolean;
  /** The file name endings of extension modules this interpreter imports (importlib.machinery.EXTENSION_SUFFIXES). */
  readonly suffixes: readonly string[];
}

/**
 * The server bundled in the extension, made by scripts/bundle-server.sh: pure-Python packages in `libs` and, in a
 * platform-specific package, PyYAML with libyaml built for each supported CPython in `native`.
 */
export interface Bundle {
  readonly libs: string;
  readonly paramlens: string;
  /** The VS Code target the package was built for ("linux-x64", ...; "universal" for the pure-Python one). */
  readonly target?: string;
  readonly native?: NativeYaml;
}

export interface NativeYaml {
  /** The directory holding PyYAML with its extension modules (put before `libs` on PYTHONPATH). */
  readonly dir: string;
  /** The extension modules, relative to `dir`: "yaml/_yaml.cpython-312-x86_64-linux-gnu.so", ... */
  readonly modules: readonly string[];
}

/** Whether the bundle's libyaml build imports in the probed interpreter (a module named with one of its suffixes). */
export function nativeMatches(native: NativeYaml | undefined, suffixes: readonly string[]): boolean {
  if (native === undefined) {
    return false;
  }
  return native.modules.some((module) => suffixes.some((suffix) => module === `yaml/_yaml${suffix}`));
}

/** A process to start: the language client's `Executable`. */
export interface Launch {
  readonly command: string;
  readonly args: readonly string[];
  /** Extra environment variables (merged over the extension host's environment), if any. */
  readonly env?: Readonly<Record<string, string>>;
  /** One line for the output channel: which server runs and why. */
  readonly description: string;
  /** A second line, logged as a warning: what makes this server slower than it could be. */
  readonly warning?: string;
  /** Directories of the bundle to byte-compile for this interpreter once (see `compile.ts`). */
  readonly compile?: readonly string[];
}

/**
 * Run with `python -c`: prints one JSON object describing the interpreter (see `Probe`).
 * It must not import the bundled libraries, so the probe runs without the bundle on PYTHONPATH.
 */
export const PROBE_SCRIPT = `
import importlib.machinery, importlib.metadata, importlib.util, json, sys
info = {"executable": sys.executable, "version": list(sys.version_info[:3]), "paramlens": None,
        "server": False, "cyaml": False, "suffixes": importlib.machinery.EXTENSION_SUFFIXES}
try:
    info["paramlens"] = importlib.metadata.version("paramlens")
except Exception:
    pass
if sys.version_info >= (3, 11):
    try:
        info["server"] = importlib.util.find_spec("paramlens.lsp.server") is not None
    except Exception:
        pass
try:
    import yaml
    info["cyaml"] = bool(getattr(yaml, "__with_libyaml__", False))
except Exception:
    pass
print(json.dumps(info))
`;

/** Parses the probe's output; undefined when it is not what `PROBE_SCRIPT` prints. */
export function parseProbe(stdout: string): Probe | undefined {
  const line = stdout.trim().split(/\r?\n/).pop() ?? "";
  let data: unknown;
  try {
    data = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof data !== "object" || data === null) {
    return undefined;
  }
  const d = data as Record<string, unknown>;
  const v = d.version;
  if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => Number.isInteger(x))) {
    return undefined;
  }
  return {
    executable: typeof d.executable === "string" ? d.executable : "",
    version: [v[0], v[1], v[2]] as [number, number, number],
    paramlens: typeof d.paramlens === "string" ? d.paramlens : null,
    server: d.server === true,
    cyaml: d.cyaml === true,
    suffixes: Array.isArray(d.suffixes) ? d.suffixes.filter((x): x is string => typeof x === "string") : [],
  };
}

/** Whether the probed Python is new enough for the server. */
export function isSupportedPython(version: readonly number[]): boolean {
  const [major, minor] = version;
  return major > MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor >= MIN_PYTHON[1]);
}

export function formatVersion(version: readonly number[]): string {
  return version.join(".");
}

/** Replaces `${workspaceFolder}`, `${userHome}` and a leading `~` in a path or argument. */
export function expandVariables(value: string, vars: { workspaceFolder?: string; home: string }): string {
  let out = value.trim();
  if (out === "~" || out.startsWith("~/") || out.startsWith("~\\")) {
    out = vars.home + out.slice(1);
  }
  out = out.replace(/\$\{userHome\}/g, vars.home);
  if (vars.workspaceFolder !== undefined) {
    out = out.replace(/\$\{workspaceFolder\}/g, vars.workspaceFolder);
  }
  return out;
}

/** The `paramlens.serverCommand` setting as a launch, or undefined when the setting is empty. */
export function commandFromSetting(
  setting: readonly string[],
  vars: { workspaceFolder?: string; home: string },
): Launch | undefined {
  const parts = setting.map((part) => expandVariables(part, vars)).filter((part) => part !== "");
  if (parts.length === 0) {
    return undefined;
  }
  return {
    command: parts[0],
    args: parts.slice(1),
    description: `Running the server from the paramlens.serverCommand setting: ${parts.join(" ")}`,
  };
}

/** Finds an executable on PATH the way a shell would (with PATHEXT-like suffixes on Windows). */
export function findOnPath(
  name: string,
  pathEnv: string,
  platform: NodeJS.Platform,
  isFile: (file: string) => boolean,
): string | undefined {
  const delimiter = platform === "win32" ? ";" : ":";
  const join = platform === "win32" ? path.win32.join : path.posix.join;
  const suffixes = platform === "win32" ? [".exe", ""] : [""];
  for (const dir of pathEnv.split(delimiter)) {
    if (dir === "") {
      continue;
    }
    for (const suffix of suffixes) {
      const file = join(dir, name + suffix);
      if (isFile(file)) {
        return file;
      }
    }
  }
  return undefined;
}

/**
 * The interpreters to try, best first. An explicit `paramlens.interpreter` is the only candidate (the user
 * chose it: falling back silently would hide a mistake); otherwise the Python extension's choice, then
 * python3 and python on PATH.
 */
export function interpreterCandidates(options: {
  setting: string;
  pythonExtension: string | undefined;
  pathEnv: string;
  platform: NodeJS.Platform;
  isFile: (file: string) => boolean;
  vars: { workspaceFolder?: string; home: string };
}): Candidate[] {
  const setting = expandVariables(options.setting, options.vars);
  if (setting !== "") {
    return [{ path: setting, source: "setting" }];
  }
  const candidates: Candidate[] = [];
  if (options.pythonExtension) {
    candidates.push({ path: options.pythonExtension, source: "python-extension" });
  }
  for (const name of ["python3", "python"]) {
    const found = findOnPath(name, options.pathEnv, options.platform, options.isFile);
    if (found !== undefined && !candidates.some((c) => c.path === found)) {
      candidates.push({ path: found, source: "path" });
    }
  }
  return candidates;
}

/** The leading numeric release of a PEP 440 version ("0.1.0.dev3+g1" → [0, 1, 0]). */
export function releaseOf(version: string): number[] {
  const match = /^\s*v?(\d+(?:\.\d+)*)/.exec(version);
  return match ? match[1].split(".").map(Number) : [];
}

/**
 * Whether an installed paramlens speaks the same protocol as the extension: the same major version and,
 * below 1.0, the same minor version (semantic versioning's rule for breaking changes).
 */
export function isCompatible(installed: string, expected: string): boolean {
  const [iMajor, iMinor] = releaseOf(installed);
  const [eMajor, eMinor] = releaseOf(expected);
  if (iMajor === undefined || eMajor === undefined || iMajor !== eMajor) {
    return false;
  }
  return eMajor !== 0 || iMinor === eMinor;
}

/** Prepends a directory to a PYTHONPATH-style list. */
export function prependPath(dir: string, existing: string | undefined, platform: NodeJS.Platform): string {
  const delimiter = platform === "win32" ? ";" : ":";
  return existing ? `${dir}${delimiter}${existing}` : dir;
}

/** Why no server can run with a given interpreter. */
export interface LaunchError {
  readonly error: string;
}

/**
 * Installed or bundled? An installed, compatible paramlens with PyYAML's C loader wins. Otherwise the bundle runs,
 * with its libyaml build first on PYTHONPATH where one matches the interpreter, else with PyYAML's pure-Python
 * loader (and a warning); an installed paramlens without the C loader runs only where the bundle cannot.
 */
export function chooseServer(options: {
  python: string;
  probe: Probe;
  bundle: Bundle | undefined;
  pythonPath: string | undefined;
  platform: NodeJS.Platform;
}): Launch | LaunchError {
  const { python, probe, bundle } = options;
  const version = formatVersion(probe.version);
  if (!isSupportedPython(probe.version)) {
    return {
      error: `paramlens needs Python ${MIN_PYTHON.join(".")} or newer, but ${python} is Python ${version}.`,
    };
  }
  const args = ["-m", "paramlens", "serve"];
  const installed = probe.paramlens !== null && probe.server;
  const compatible = installed && (bundle === undefined || isCompatible(probe.paramlens as string, bundle.paramlens));
  if (compatible && (probe.cyaml || bundle === undefined)) {
    const loader = probe.cyaml ? "with PyYAML's C loader" : "with PyYAML's pure-Python loader";
    return {
      command: python,
      args,
      description: `Running paramlens ${probe.paramlens} installed in ${python} (Python ${version}, ${loader}).`,
    };
  }
  if (bundle === undefined) {
    return {
      error:
        probe.paramlens === null
          ? `${python} has no paramlens installed and this extension carries no bundled server. ` +
            `Install it with "${python} -m pip install paramlens" or set paramlens.serverCommand.`
          : `paramlens ${probe.paramlens} in ${python} has no language server (paramlens.lsp.server). ` +
            `Upgrade it with "${python} -m pip install -U paramlens".`,
    };
  }
  let why: string;
  if (probe.paramlens === null) {
    why = "paramlens is not installed there";
  } else if (!probe.server) {
    why = `the installed paramlens ${probe.paramlens} has no language server`;
  } else if (!compatible) {
    why = `the installed paramlens ${probe.paramlens} is not compatible with ${bundle.paramlens}`;
  } else {
    why = `the installed paramlens ${probe.paramlens} lacks PyYAML's C loader`;
  }
  const native = nativeMatches(bundle.native, probe.suffixes) ? bundle.native : undefined;
  const target = bundle.target ?? "universal";
  let pythonPath = prependPath(bundle.libs, options.pythonPath, options.platform);
  let loader: string;
  let warning: string | undefined;
  if (native !== undefined) {
    pythonPath = prependPath(native.dir, pythonPath, options.platform);
    loader = `PyYAML's C loader (libyaml, ${target} package)`;
  } else {
    loader = "PyYAML's pure-Python loader";
    const where =
      bundle.native === undefined
        ? `this is the ${target} package of the extension, which carries no libyaml build`
        : `the ${target} package carries libyaml for CPython 3.11 to 3.14 only, not for this Python ` +
          `(extension modules ${probe.suffixes.join(" ") || "unknown"})`;
    warning =
      `The bundled server parses YAML with PyYAML's pure-Python loader, several times slower than libyaml: ${where}. ` +
      `For C speed, install the extension's package for your platform, or install paramlens in ${python}.`;
  }
  return {
    command: python,
    args,
    env: { PYTHONPATH: pythonPath },
    description:
      `Running the bundled paramlens ${bundle.paramlens} with ${python} (Python ${version}; ${why}), ` +
      `parsing with ${loader}.`,
    ...(warning === undefined ? {} : { warning }),
    compile: native === undefined ? [bundle.libs] : [native.dir, bundle.libs],
  };
}

/** Type guard for the two outcomes of `chooseServer`. */
export function isLaunchError(value: Launch | LaunchError): value is LaunchError {
  return "error" in value;
}

/** No server can start: the notification's text. */
export interface LaunchFailure {
  readonly message: string;
  /** Rejected candidates, one line each, for the output channel. */
  readonly problems: readonly string[];
}

/**
 * Tries the candidates in order and starts the server with the first Python 3.11+ that can run one; `probe`
 * runs `PROBE_SCRIPT` with an interpreter (undefined when it does not run).
 */
export async function selectLaunch(options: {
  candidates: readonly Candidate[];
  probe: (python: string) => Promise<Probe | undefined>;
  bundle: Bundle | undefined;
  pythonPath: string | undefined;
  platform: NodeJS.Platform;
}): Promise<Launch | LaunchFailure> {
  const problems: string[] = [];
  for (const candidate of options.candidates) {
    const probe = await options.probe(candidate.path);
    const label = `${candidate.path} (${SOURCE_LABELS[candidate.source]})`;
    if (probe === undefined) {
      problems.push(`${label} did not run as Python.`);
      continue;
    }
    if (!isSupportedPython(probe.version)) {
      problems.push(`${label} is Python ${formatVersion(probe.version)}.`);
      continue;
    }
    const choice = chooseServer({ ...options, python: candidate.path, probe });
    if (!isLaunchError(choice)) {
      return choice;
    }
    problems.push(choice.error);
  }
  const needs = `paramlens needs Python ${MIN_PYTHON.join(".")} or newer to run its language server.`;
  if (options.candidates.length === 0) {
    return {
      message:
        `${needs} None was found (no interpreter selected in the Python extension, no python3 or python on ` +
        "PATH). Install Python 3.11+ or set paramlens.interpreter.",
      problems,
    };
  }
  return { message: `${needs} ${problems.join(" ")} Set paramlens.interpreter to a Python 3.11+.`, problems };
}

const SOURCE_LABELS: Record<CandidateSource, string> = {
  setting: "paramlens.interpreter",
  "python-extension": "selected in the Python extension",
  path: "on PATH",
};

/** Type guard for the two outcomes of `selectLaunch`. */
export function isLaunchFailure(value: Launch | LaunchFailure): value is LaunchFailure {
  return "problems" in value;
}
