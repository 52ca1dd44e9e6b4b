// Lint for the extension's TypeScript and build scripts.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["out/", "dist/", "bundled/", "node_modules/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["scripts/**/*.mjs"],
    languageOptions: { globals: { process: "readonly", console: "readonly" } },
  },
  {
    // The decisions live in modules that do not depend on VS Code, so the unit tests can run them in node.
    files: ["src/launch.ts", "src/settings.ts", "src/summary.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { paths: [{ name: "vscode", message: "Keep this module pure: VS Code glue belongs in the other modules." }] },
      ],
    },
  },
);
