/** Entry point: wires the server, the commands and the status bar item into VS Code. */
import * as vscode from "vscode";
import { ServerController } from "./client";
import { onInterpreterChange } from "./python";
import { RESTART_SETTINGS } from "./settings";
import { StatusBar } from "./status";
import { asSummary } from "./summary";

let controller: ServerController | undefined;

/** The architecture file a command acts on: the one given (editor title button) or the active editor's. */
function targetDocument(uri?: vscode.Uri): vscode.TextDocument | undefined {
  if (uri instanceof vscode.Uri) {
    return vscode.workspace.textDocuments.find((doc) => doc.uri.toString() === uri.toString());
  }
  return vscode.window.activeTextEditor?.document;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = vscode.window.createOutputChannel("paramlens", { log: true });
  const summaryChannel = vscode.window.createOutputChannel("paramlens summary");
  const server = new ServerController(context, log);
  controller = server;
  const status = new StatusBar(server);
  context.subscriptions.push(log, summaryChannel, server, status);

  const withServer = async <T>(
    uri: vscode.Uri | undefined,
    method: string,
    use: (doc: vscode.TextDocument, result: unknown) => Promise<T> | T,
  ) => {
    const doc = targetDocument(uri);
    if (doc === undefined || doc.languageId !== "yaml") {
      void vscode.window.showInformationMessage("Open an architecture file (*.arch.yaml) first.");
      return;
    }
    if (server.running === undefined) {
      void vscode.window
        .showErrorMessage("The paramlens language server is not running.", "Show Output")
        .then((choice) => choice && log.show());
      return;
    }
    try {
      await use(doc, await server.request(method, { uri: doc.uri.toString() }));
    } catch (error) {
      void vscode.window.showErrorMessage(`paramlens: ${errorText(error)}`);
    }
  };

  context.subscriptions.push(
    vscode.commands.registerCommand("paramlens.restartServer", async () => {
      log.info("Restarting the server.");
      await server.restart();
    }),
    vscode.commands.registerCommand("paramlens.showOutput", () => log.show()),
    vscode.commands.registerCommand("paramlens.showSummary", (uri?: vscode.Uri) =>
      withServer(uri, "paramlens/summary", (doc, result) => {
        const summary = asSummary(result);
        if (summary === null) {
          void vscode.window.showInformationMessage(
            `${vscode.workspace.asRelativePath(doc.uri)} is not an architecture file ` +
              "(its top level has no `layers` or `blocks`).",
          );
          return;
        }
        summaryChannel.clear();
        summaryChannel.appendLine(vscode.workspace.asRelativePath(doc.uri));
        summaryChannel.appendLine(summary.text);
        summaryChannel.show(true);
      }),
    ),
    vscode.commands.registerCommand("paramlens.exportTorch", (uri?: vscode.Uri) =>
      withServer(uri, "paramlens/exportTorch", async (_doc, result) => {
        const answer = (result ?? {}) as { source?: unknown; error?: unknown };
        if (typeof answer.source !== "string") {
          const why = typeof answer.error === "string" ? answer.error : "the server returned no source";
          void vscode.window.showErrorMessage(`Export to PyTorch failed: ${why}`);
          return;
        }
        const pythonDoc = await vscode.workspace.openTextDocument({ language: "python", content: answer.source });
        await vscode.window.showTextDocument(pythonDoc, { viewColumn: vscode.ViewColumn.Beside });
      }),
    ),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (RESTART_SETTINGS.some((key) => event.affectsConfiguration(key))) {
        log.info("The server's launch settings changed: restarting it.");
        void server.restart();
      } else if (event.affectsConfiguration("paramlens")) {
        status.schedule(0);
      }
    }),
  );

  const interpreterWatch = await onInterpreterChange(() => {
    const config = vscode.workspace.getConfiguration("paramlens");
    const overridden = (config.get<string>("interpreter") ?? "").trim() !== "" || (config.get<string[]>("serverCommand") ?? []).length > 0;
    if (!overridden) {
      log.info("The Python extension's interpreter changed: restarting the server.");
      void server.restart();
    }
  });
  if (interpreterWatch !== undefined) {
    context.subscriptions.push(interpreterWatch);
  }

  await server.start();
}

export async function deactivate(): Promise<void> {
  await controller?.stop();
  controller = undefined;
}
