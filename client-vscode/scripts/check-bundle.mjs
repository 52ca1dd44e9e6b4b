// Loads dist/extension.js in plain node with a stand-in for the `vscode` module: proves that the esbuild
// bundle is self-contained (no module left out) and exports activate/deactivate. VS Code itself cannot run here.
import Module from "node:module";
import { createRequire } from "node:module";

const stub = new Proxy(function vscode() {}, {
  get: (target, key) => (key === "prototype" ? target.prototype : key === "version" ? "1.82.0" : stub),
  apply: () => stub,
  construct: () => stub,
});
const load = Module._load;
Module._load = function (request, ...rest) {
  return request === "vscode" ? stub : load.call(this, request, ...rest);
};
const extension = createRequire(import.meta.url)("../dist/extension.js");
for (const name of ["activate", "deactivate"]) {
  if (typeof extension[name] !== "function") {
    console.error(`dist/extension.js does not export ${name}`);
    process.exit(1);
  }
}
console.error("dist/extension.js loads and exports activate and deactivate");
