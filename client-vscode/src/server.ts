/**
 * Finds out on this machine how to start the server (the settings, the Python extension's interpreter, PATH,
 * the bundle's manifest, probing interpreters) and lets `launch.ts` decide. Glue: the decisions are pure and
 * unit-tested there.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as vscode from "vscode";
import {
  Bundle,
  Launch,
  LaunchFailure,
  Probe,
  PROBE_SCRIPT,
  commandFromSetting,
  interpreterCandidates,
  parseProbe,
  selectLaunch,
} from "./launch";
import { selectedInterpreter } from "./python";

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
    const native = manifest.native as { dir?: unknown; modules?: unknown } | null | undefined;
    const modules = Array.isArray(native?.modules) ? native.modules.filter((m): m is string => typeof m === "string") : [];
    return {
      libs: path.join(dir, "libs"),
      paramlens: manifest.paramlens,
      target: typeof manifest.target === "string" ? manifest.target : undefined,
      native:
        typeof native?.dir === "string" && modules.length > 0 ? { dir: path.join(dir, native.dir), modules } : undefined,
    };
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
  return selectLaunch({
    candidates,
    probe: (python) => probe(python, log),
    bundle: readBundle(extensionPath),
    pythonPath: process.env.PYTHONPATH,
    platform: process.platform,
  });
}
