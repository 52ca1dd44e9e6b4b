/**
 * Finds out on this machine how to start the server (probing interpreters, reading the bundle's manifest) and
 * lets `launch.ts` decide. Glue: the decisions themselves are pure and unit-tested.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as vscode from "vscode";
import {
  Bundle,
  Launch,
  Probe,
  PROBE_SCRIPT,
  chooseServer,
  commandFromSetting,
  formatVersion,
  interpreterCandidates,
  isLaunchError,
  isSupportedPython,
  parseProbe,
} from "./launch";
import { selectedInterpreter } from "./python";

/** No server can start; `setting` is the setting that would fix it. */
export interface LaunchFailure {
  message: string;
  setting: "paramlens.interpreter" | "paramlens.serverCommand";
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Runs the probe script with an interpreter; undefined when it cannot run or prints something else. */
function probe(python: string, log: vscode.LogOutputChannel): Promise<Probe | undefined> {
  return new Promise((resolve) => {
    execFile(python, ["-c", PROBE_SCRIPT], { timeout: 20000, windowsHide: true }, (error, stdout, stderr) => {
      if (error) {
        log.info(`${python} could not run: ${error.message.trim()} ${stderr.trim()}`.trim());
        resolve(undefined);
        return;
      }
      resolve(parseProbe(stdout));
    });
  });
}

/** The bundled server, when the extension carries one (bundled/manifest.json is written with bundled/libs). */
export function readBundle(extensionPath: string): Bundle | undefined {
  const dir = path.join(extensionPath, "bundled");
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8")) as Record<string, unknown>;
    if (typeof manifest.paramlens !== "string") {
      return undefined;
    }
    return { libs: path.join(dir, "libs"), paramlens: manifest.paramlens };
  } catch {
    return undefined;
  }
}

/** How to start the server for this workspace, or why it cannot start. */
export async function resolveLaunch(
  extensionPath: string,
  log: vscode.LogOutputChannel,
): Promise<Launch | LaunchFailure> {
  const config = vscode.workspace.getConfiguration("paramlens");
  const folder = vscode.workspace.workspaceFolders?.[0];
  const vars = { workspaceFolder: folder?.uri.fsPath, home: os.homedir() };

  const fromSetting = commandFromSetting(config.get<string[]>("serverCommand") ?? [], vars);
  if (fromSetting !== undefined) {
    return fromSetting;
  }
  const setting = config.get<string>("interpreter") ?? "";
  const candidates = interpreterCandidates({
    setting,
    pythonExtension: setting.trim() === "" ? await selectedInterpreter(folder?.uri, log) : undefined,
    pathEnv: process.env.PATH ?? "",
    platform: process.platform,
    isFile,
    vars,
  });
  const bundle = readBundle(extensionPath);
  const problems: string[] = [];
  for (const candidate of candidates) {
    const info = await probe(candidate.path, log);
    if (info === undefined) {
      problems.push(`${candidate.path} (${candidate.source}) did not run as Python.`);
      continue;
    }
    if (!isSupportedPython(info.version)) {
      problems.push(`${candidate.path} (${candidate.source}) is Python ${formatVersion(info.version)}.`);
      continue;
    }
    const choice = chooseServer({
      python: candidate.path,
      probe: info,
      bundle,
      pythonPath: process.env.PYTHONPATH,
      platform: process.platform,
    });
    if (!isLaunchError(choice)) {
      return choice;
    }
    problems.push(choice.error);
  }
  problems.forEach((problem) => log.warn(problem));
  if (candidates.length === 0) {
    return {
      message:
        "paramlens needs Python 3.11 or newer to run its language server, and none was found " +
        "(no interpreter selected in the Python extension, no python3 or python on PATH). " +
        "Install Python 3.11+ or set paramlens.interpreter.",
      setting: "paramlens.interpreter",
    };
  }
  const tried = candidates.map((c) => c.path).join(", ");
  return {
    message: `paramlens needs Python 3.11 or newer to run its language server. ${problems[0]} (Tried: ${tried}.)`,
    setting: "paramlens.interpreter",
  };
}
