// Packages the extension for VS Code's platforms: one .vsix per target (PyYAML with libyaml for CPython
// 3.11-3.14 inside) and a universal one (pure-Python PyYAML) for the others, each through `vsce package`
// (which runs vscode:prepublish). Windows on Arm gets the universal package: PyPI has no PyYAML 6.0.3 wheel
// for CPython 3.11 on win_arm64. Usage: node scripts/package.mjs [target ...]   (default: all of them)
// Writes paramlens-<version>[-<target>].vsix and prints each package's size.
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const TARGETS = [
  "linux-x64",
  "linux-arm64",
  "alpine-x64",
  "alpine-arm64",
  "darwin-x64",
  "darwin-arm64",
  "win32-x64",
  "universal",
];
const version = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version;
const wanted = process.argv.slice(2);
for (const target of wanted) {
  if (!TARGETS.includes(target)) {
    console.error(`package: unknown target ${target} (known: ${TARGETS.join(", ")})`);
    process.exit(2);
  }
}
const sizes = [];
for (const target of wanted.length > 0 ? wanted : TARGETS) {
  const out = `paramlens-${version}${target === "universal" ? "" : `-${target}`}.vsix`;
  rmSync(join(root, out), { force: true });
  const args = ["vsce", "package", "--no-dependencies", "--out", out];
  if (target !== "universal") {
    args.push("--target", target);
  }
  const result = spawnSync("npx", args, {
    cwd: root,
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, PARAMLENS_TARGET: target },
    shell: process.platform === "win32",
  });
  if (result.status !== 0) {
    console.error(`package: vsce package for ${target} failed`);
    process.exit(result.status ?? 1);
  }
  sizes.push(`${out}: ${(statSync(join(root, out)).size / 1048576).toFixed(2)} MiB`);
}
console.error(sizes.join("\n"));
