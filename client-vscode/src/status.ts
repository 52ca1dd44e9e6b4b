/** The status bar item: the active architecture file's total parameters, refreshed as the user types. */
import * as vscode from "vscode";
import type { ServerController } from "./client";
import { NumberStyle } from "./settings";
import { asSummary, statusView } from "./summary";

/** Delay after the last keystroke before asking the server again. */
const TYPING_DELAY_MS = 300;

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem("paramlens.total", vscode.StatusBarAlignment.Right, 100);
  private readonly subscriptions: vscode.Disposable[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Answers to older requests than the latest are dropped. */
  private generation = 0;

  constructor(private readonly server: ServerController) {
    this.item.name = "paramlens: total parameters";
    this.item.command = "paramlens.showSummary";
    this.subscriptions.push(
      vscode.window.onDidChangeActiveTextEditor(() => this.schedule(0)),
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (event.document === vscode.window.activeTextEditor?.document) {
          this.schedule(TYPING_DELAY_MS);
        }
      }),
      server.onDidChangeState(() => this.schedule(0)),
    );
  }

  /** Refreshes after `delay` ms, replacing any refresh already waiting. */
  schedule(delay: number): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.refresh();
    }, delay);
  }

  private async refresh(): Promise<void> {
    const generation = ++this.generation;
    const doc = vscode.window.activeTextEditor?.document;
    if (doc === undefined || doc.languageId !== "yaml" || this.server.running === undefined) {
      this.item.hide();
      return;
    }
    let result: unknown;
    try {
      result = await this.server.request("paramlens/summary", { uri: doc.uri.toString() });
    } catch {
      result = null;
    }
    if (generation !== this.generation) {
      return;
    }
    const summary = asSummary(result);
    if (summary === null) {
      this.item.hide();
      return;
    }
    const style = vscode.workspace.getConfiguration("paramlens", doc.uri).get<NumberStyle>("numbers") ?? "exact";
    const view = statusView(summary, style === "compact" ? "compact" : "exact");
    this.item.text = view.text;
    this.item.tooltip = view.tooltip;
    this.item.show();
  }

  dispose(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
    }
    this.subscriptions.forEach((s) => s.dispose());
    this.item.dispose();
  }
}
