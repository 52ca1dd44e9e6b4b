/** Starts, stops and restarts the language client; the one place that knows whether a server is running. */
import * as vscode from "vscode";
import {
  LanguageClient,
  LanguageClientOptions,
  ResponseError,
  ServerOptions,
  State,
} from "vscode-languageclient/node";
import { configurationItem, toServerConfiguration } from "./settings";
import { compileOnce, stampPath } from "./compile";
import { LaunchFailure, isLaunchFailure } from "./launch";
import { readBundle, resolveLaunch } from "./server";

/** The documents the server sees: all YAML (it answers nothing for YAML that is not an architecture). */
export const DOCUMENT_SELECTOR = [
  { scheme: "file", language: "yaml" },
  { scheme: "untitled", language: "yaml" },
];

function serverConfiguration(scope?: vscode.Uri) {
  const config = vscode.workspace.getConfiguration("paramlens", scope);
  return (key: string) => config.get(key);
}

function clientOptions(log: vscode.LogOutputChannel): LanguageClientOptions {
  return {
    documentSelector: DOCUMENT_SELECTOR,
    outputChannel: log,
    synchronize: { configurationSection: "paramlens" },
    initializationOptions: toServerConfiguration(serverConfiguration()),
    middleware: {
      workspace: {
        // Answer the server's workspace/configuration with the validated server settings only.
        configuration: async (params, token, next) => {
          const fallback = await next(params, token);
          if (!Array.isArray(fallback)) {
            return fallback;
          }
          return params.items.map((item, index) => {
            const scope = item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined;
            const value = configurationItem(item.section, serverConfiguration(scope));
            return value === undefined ? fallback[index] : value;
          });
        },
      },
    },
  };
}

export class ServerController implements vscode.Disposable {
  private client: LanguageClient | undefined;
  /** Serialises start/stop so that a restart during a start cannot leave two servers. */
  private queue: Promise<void> = Promise.resolve();
  private readonly stateEmitter = new vscode.EventEmitter<void>();
  /** Fires when a server starts or stops. */
  readonly onDidChangeState = this.stateEmitter.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** The client of a running server, or undefined. */
  get running(): LanguageClient | undefined {
    return this.client?.state === State.Running ? this.client : undefined;
  }

  start(): Promise<void> {
    return this.enqueue(() => this.doStart());
  }

  stop(): Promise<void> {
    return this.enqueue(() => this.doStop());
  }

  restart(): Promise<void> {
    return this.enqueue(async () => {
      await this.doStop();
      await this.doStart();
    });
  }

  /** Sends a custom request to the running server; undefined when no server runs. */
  async request(method: string, params: unknown): Promise<unknown> {
    const client = this.running;
    if (client === undefined) {
      return undefined;
    }
    return client.sendRequest(method, params);
  }

  dispose(): void {
    void this.stop();
    this.stateEmitter.dispose();
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(task, task);
    return this.queue;
  }

  private async doStart(): Promise<void> {
    const launch = await resolveLaunch(this.context.extensionPath, this.log);
    if (isLaunchFailure(launch)) {
      launch.problems.forEach((problem) => this.log.warn(problem));
      this.log.error(launch.message);
      void this.explain(launch);
      return;
    }
    this.log.info(launch.description);
    if (launch.warning !== undefined) {
      this.log.warn(launch.warning);
    }
    const serverOptions: ServerOptions = {
      command: launch.command,
      args: [...launch.args],
      options: { env: { ...process.env, ...launch.env } },
    };
    const client = new LanguageClient("paramlens", "paramlens", serverOptions, clientOptions(this.log));
    client.onDidChangeState(() => this.stateEmitter.fire());
    this.client = client;
    try {
      await client.start();
      if (launch.compile !== undefined) {
        const version = readBundle(this.context.extensionPath)?.paramlens ?? "";
        void compileOnce({
          python: launch.command,
          dirs: launch.compile,
          stamp: stampPath(this.context.globalStorageUri.fsPath, version, launch.command, launch.compile),
          log: this.log,
        });
      }
    } catch (error) {
      const message = error instanceof ResponseError || error instanceof Error ? error.message : String(error);
      this.log.error(`The paramlens server did not start: ${message}`);
      void vscode.window
        .showErrorMessage(`The paramlens language server did not start: ${message}`, "Show Output")
        .then((choice) => choice && this.log.show());
    }
    this.stateEmitter.fire();
  }

  private async doStop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client !== undefined && client.needsStop()) {
      try {
        await client.stop();
      } catch (error) {
        this.log.warn(`Stopping the server: ${String(error)}`);
      }
    }
    this.stateEmitter.fire();
  }

  /** The notification for a server that cannot start, with buttons to the settings that fix it. */
  private async explain(failure: LaunchFailure): Promise<void> {
    const actions = ["Open Setting"];
    if (vscode.extensions.getExtension("ms-python.python") !== undefined) {
      actions.push("Select Interpreter");
    }
    const choice = await vscode.window.showErrorMessage(failure.message, ...actions);
    if (choice === "Open Setting") {
      await vscode.commands.executeCommand("workbench.action.openSettings", "paramlens.interpreter");
    } else if (choice === "Select Interpreter") {
      await vscode.commands.executeCommand("python.setInterpreter");
    }
  }
}
