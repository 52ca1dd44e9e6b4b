/**
 * Byte-compiles the bundled server once per bundle and interpreter. The .vsix carries no byte code (it would
 * serve one CPython only), and where PYTHONDONTWRITEBYTECODE is set or the server never imports a module, every
 * start would compile from source again; after this, a start reads .pyc files as an installed paramlens does.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type * as vscode from "vscode";

/** Where the stamp of one (bundle, interpreter) pair is kept. */
export function stampPath(storage: string, bundleVersion: string, python: string, dirs: readonly string[]): string {
  const key = createHash("sha256").update([bundleVersion, python, ...dirs].join("\n")).digest("hex").slice(0, 16);
  return path.join(storage, "compiled", `${bundleVersion}-${key}`);
}

/**
 * Runs `python -m compileall` on `dirs` in the background (the .pyc files go next to the sources, in the
 * extension's own directory), unless done before; resolves when finished, never rejects.
 */
export function compileOnce(options: {
  python: string;
  dirs: readonly string[];
  stamp: string;
  log: vscode.LogOutputChannel;
}): Promise<void> {
  const { python, dirs, stamp, log } = options;
  if (dirs.length === 0 || fs.existsSync(stamp)) {
    return Promise.resolve();
  }
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      python,
      ["-m", "compileall", "-q", ...dirs],
      { timeout: 300000, windowsHide: true, maxBuffer: 4 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          log.warn(`Byte-compiling the bundled server failed (it runs from source): ${`${stdout}${stderr}`.trim()}`);
        } else {
          log.info(`Byte-compiled the bundled server for ${python} in ${Date.now() - started} ms (once).`);
        }
        try {
          fs.mkdirSync(path.dirname(stamp), { recursive: true });
          fs.writeFileSync(stamp, new Date().toISOString());
        } catch (writeError) {
          log.warn(`Could not record the byte compilation: ${String(writeError)}`);
        }
        resolve();
      },
    );
  });
}
