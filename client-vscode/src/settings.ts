/**
 * The `paramlens` settings the language server reads (see the server/client contract), built from VS Code's
 * configuration. Pure: `get` abstracts `workspace.getConfiguration("paramlens").get`.
 *
 * Only the server's keys are sent (not `interpreter`, `serverCommand` or `trace`, which are the client's), and
 * every value is checked the way the server checks it (paramlens/lsp/config.py), so a hand-edited settings.json
 * with a wrong type gives the default in both places.
 */

export type NumberStyle = "exact" | "compact";
export type CodeLensMode = "auto" | "on" | "off";

export interface ServerConfiguration {
  inlayHints: { params: boolean; shapes: boolean; totals: boolean; macs: boolean };
  numbers: NumberStyle;
  codeLens: CodeLensMode;
  files: string[];
  maxFileSize: number;
  /** Ultralytics model files: the scale to build ("auto": as Ultralytics would) and the image size of shapes. */
  ultralytics: { scale: string; imgsz: number };
}

export const DEFAULTS: Readonly<ServerConfiguration> = Object.freeze({
  inlayHints: Object.freeze({ params: true, shapes: true, totals: true, macs: false }),
  numbers: "exact",
  codeLens: "auto",
  files: Object.freeze(["**/*.yaml", "**/*.yml"]) as unknown as string[],
  maxFileSize: 10485760,
  ultralytics: Object.freeze({ scale: "auto", imgsz: 640 }),
});

/** "auto" or a scale letter of a file's `scales:` (as the server accepts it). */
const SCALE = /^(auto|[A-Za-z0-9]{1,16})$/;
const MAX_IMGSZ = 65536;

/** Settings whose change needs a new server process (everything else is pulled by the running server). */
export const RESTART_SETTINGS: readonly string[] = ["paramlens.interpreter", "paramlens.serverCommand"];

function bool(value: unknown, fallback: boolean): boolean {
  return typeof value === "boolean" ? value : fallback;
}

function oneOf<T extends string>(value: unknown, choices: readonly T[], fallback: T): T {
  return choices.includes(value as T) ? (value as T) : fallback;
}

/** Reads one key of the `paramlens` section (e.g. "inlayHints.params"); undefined when unset. */
export type Getter = (key: string) => unknown;

export function toServerConfiguration(get: Getter): ServerConfiguration {
  const files = get("files");
  const maxFileSize = get("maxFileSize");
  const scale = get("ultralytics.scale");
  const imgsz = get("ultralytics.imgsz");
  // As the server reads them: the non-empty strings of the list, or the defaults when there are none.
  const globs = Array.isArray(files) ? files.filter((f): f is string => typeof f === "string" && f !== "") : [];
  return {
    inlayHints: {
      params: bool(get("inlayHints.params"), DEFAULTS.inlayHints.params),
      shapes: bool(get("inlayHints.shapes"), DEFAULTS.inlayHints.shapes),
      totals: bool(get("inlayHints.totals"), DEFAULTS.inlayHints.totals),
      macs: bool(get("inlayHints.macs"), DEFAULTS.inlayHints.macs),
    },
    numbers: oneOf(get("numbers"), ["exact", "compact"], DEFAULTS.numbers),
    codeLens: oneOf(get("codeLens"), ["auto", "on", "off"], DEFAULTS.codeLens),
    files: globs.length > 0 ? globs : [...DEFAULTS.files],
    maxFileSize:
      typeof maxFileSize === "number" && Number.isInteger(maxFileSize) && maxFileSize > 0
        ? maxFileSize
        : DEFAULTS.maxFileSize,
    ultralytics: {
      scale: typeof scale === "string" && SCALE.test(scale) ? scale : DEFAULTS.ultralytics.scale,
      imgsz:
        typeof imgsz === "number" && Number.isInteger(imgsz) && imgsz >= 1 && imgsz <= MAX_IMGSZ
          ? imgsz
          : DEFAULTS.ultralytics.imgsz,
    },
  };
}

/**
 * The answer to one `workspace/configuration` item: the whole `paramlens` section, or one part of it for a
 * dotted section such as "paramlens.inlayHints". Undefined for sections that are not paramlens'.
 */
export function configurationItem(section: string | undefined, get: Getter): unknown {
  if (section === undefined || (section !== "paramlens" && !section.startsWith("paramlens."))) {
    return undefined;
  }
  let value: unknown = toServerConfiguration(get);
  for (const part of section.split(".").slice(1)) {
    value = typeof value === "object" && value !== null ? (value as Record<string, unknown>)[part] : undefined;
  }
  return value ?? null;
}
