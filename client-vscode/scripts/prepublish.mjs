// `vscode:prepublish`, run by `vsce package` (and so by `npm run package`): bundles the JavaScript with esbuild,
// then the Python server and the schema with scripts/bundle-server.sh, for the package's target.
//
// vsce does not tell its prepublish script the target, so it is taken from PARAMLENS_TARGET, else from the
// `--target` of the vsce command that runs this script (read from the process tree), else "universal".
import { execFileSync, spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The `--target` of an ancestor process' command line (a vsce package run), if any; POSIX only. */
function targetOfAncestor() {
  if (process.platform === "win32") {
    return undefined;
  }
  let pid = process.ppid;
  for (let depth = 0; depth < 8 && pid > 1; depth++) {
    let line;
    try {
      line = execFileSync("ps", ["-o", "ppid=,args=", "-p", String(pid)], { encoding: "utf8" }).trim();
    } catch {
      return undefined;
    }
    const match = /^(\d+)\s+(.*)$/.exec(line);
    if (match === null) {
      return undefined;
    }
    const args = match[2];
    if (/\bvsce\b/.test(args)) {
      const target = /(?:^|\s)(?:--target|-t)[=\s]+([\w-]+)/.exec(args);
      return target?.[1];
    }
    pid = Number(match[1]);
  }
  return undefined;
}

function run(command, args, env = process.env) {
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", env });
  if (result.status !== 0) {
    console.error(`prepublish: ${command} ${args.join(" ")} failed`);
    process.exit(result.status ?? 1);
  }
}

const target = process.env.PARAMLENS_TARGET || targetOfAncestor() || "universal";
console.error(`prepublish: bundling for ${target}`);
run(process.execPath, ["scripts/esbuild.mjs"]);
run("bash", ["scripts/bundle-server.sh"], { ...process.env, PARAMLENS_TARGET: target });
