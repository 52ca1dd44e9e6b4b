/**
 * What the status bar shows for the `paramlens/summary` answer. Pure (no `vscode` import).
 *
 * The answer is `{json, text}` where `json` is the object `paramlens summary --json` prints (documented
 * public interface: `total_params`, `trainable_params`, `non_trainable_params`, `output_shape`, ...), or
 * null for a document that is not an architecture. Counts the engine does not know are null and shown as `?`.
 */
import type { NumberStyle } from "./settings";

export interface SummaryResult {
  json: Record<string, unknown>;
  text: string;
}

export interface StatusView {
  text: string;
  tooltip: string;
}

/** Narrows an untyped request result to a summary; null for anything else (e.g. a non-architecture file). */
export function asSummary(result: unknown): SummaryResult | null {
  if (typeof result !== "object" || result === null) {
    return null;
  }
  const { json, text } = result as Record<string, unknown>;
  if (typeof json !== "object" || json === null || typeof text !== "string") {
    return null;
  }
  return { json: json as Record<string, unknown>, text };
}

const SUFFIXES: readonly [number, string][] = [
  [1e12, "T"],
  [1e9, "B"],
  [1e6, "M"],
  [1e3, "K"],
];

/** "13,440" (exact) or "13.4K" (compact); `?` for an unknown count. */
export function formatCount(value: unknown, style: NumberStyle): string {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    return "?";
  }
  if (style === "compact") {
    for (const [size, suffix] of SUFFIXES) {
      if (Math.abs(value) >= size) {
        const scaled = value / size;
        const digits = Math.abs(scaled) >= 100 ? 0 : 1;
        return `${Number(scaled.toFixed(digits))}${suffix}`;
      }
    }
  }
  return value.toLocaleString("en-US");
}

const SI: readonly [number, string][] = [
  [1e12, "T"],
  [1e9, "G"],
  [1e6, "M"],
  [1e3, "K"],
];

/** "388.8 K", "1.82 G", "64": four significant digits and an SI prefix, as the server writes MACs; `?` if unknown. */
export function formatSI(value: unknown): string {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    return "?";
  }
  for (const [size, prefix] of SI) {
    if (Math.abs(value) >= size) {
      const scaled = value / size;
      const digits = Math.max(0, 4 - String(Math.trunc(Math.abs(scaled))).length);
      return `${Number(scaled.toFixed(digits))} ${prefix}`;
    }
  }
  return String(value);
}

function formatShape(shape: unknown): string {
  if (!Array.isArray(shape)) {
    return "?";
  }
  return shape.map((d) => (typeof d === "number" ? String(d) : "?")).join("×");
}

/** Error diagnostics in the JSON's `diagnostics` (for output without the `errors` count). */
function countErrors(diagnostics: unknown): number {
  if (!Array.isArray(diagnostics)) {
    return 0;
  }
  return diagnostics.filter((d) => typeof d === "object" && d !== null && (d as { severity?: unknown }).severity === "error")
    .length;
}

/** "n 3.16 M · s 11.17 M" for an Ultralytics file's `scales` ({letter: total}); "" when it has none. */
export function formatScales(scales: unknown): string {
  if (typeof scales !== "object" || scales === null) {
    return "";
  }
  return Object.entries(scales as Record<string, unknown>)
    .map(([letter, n]) => `${letter} ${typeof n === "number" ? `${(n / 1e6).toFixed(2)} M` : "?"}`)
    .join(" · ");
}

/** The status bar item's text and tooltip for a summary. */
export function statusView(summary: SummaryResult, style: NumberStyle): StatusView {
  const json = summary.json;
  const total = formatCount(json.total_params, style);
  const ultralytics = json.dialect === "ultralytics";
  const scale = ultralytics && typeof json.scale === "string" ? json.scale : "";
  let title = typeof json.name === "string" && json.name !== "" ? json.name : "Architecture";
  if (ultralytics) {
    title = `Ultralytics model${scale ? ` · scale ${scale}` : ""} · imgsz ${String(json.imgsz)}`;
  }
  const lines = [
    title,
    `Parameters: ${formatCount(json.total_params, "exact")}`,
    `Trainable: ${formatCount(json.trainable_params, "exact")}`,
    `Non-trainable: ${formatCount(json.non_trainable_params, "exact")}`,
  ];
  // MACs (multiply-accumulates of the dense products, batch `batch`): null where unknown, absent from older servers
  const macs = typeof json.macs === "number" ? json.macs : null;
  if ("macs" in json) {
    const batch = typeof json.batch === "number" ? json.batch : 1;
    lines.push(
      macs === null
        ? "MACs: ?"
        : `MACs: ${formatCount(macs, "exact")} · FLOPs: ${formatCount(json.flops, "exact")} (2 × MACs), batch ${batch}`,
    );
  }
  if (!ultralytics || json.output_shape !== null) {
    lines.push(`Output shape: ${formatShape(json.output_shape)}`);
  }
  const scales = ultralytics ? formatScales(json.scales) : "";
  if (scales) {
    lines.push(`Scales: ${scales}`);
  }
  const errors = typeof json.errors === "number" ? json.errors : countErrors(json.diagnostics);
  if (errors > 0) {
    lines.push(`${errors} error${errors === 1 ? "" : "s"}: counts after them may be unknown (?)`);
  }
  lines.push("", "Click for the model summary");
  return {
    text: `$(symbol-numeric) ${total} params${macs === null ? "" : ` · ${formatSI(macs)} MACs`}${scale ? ` · ${scale}` : ""}`,
    tooltip: lines.join("\n"),
  };
}
