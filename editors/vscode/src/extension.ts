/**
 * The FDL extension: starts `fdl lsp` for YAML and GML files and offers the check/run/graph
 * commands on the current flow file. All language features come from the server; this file
 * only finds the program, starts it and runs the CLI.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as vscode from "vscode";
import { LanguageClient, LanguageClientOptions, ServerOptions, State } from "vscode-languageclient/node";

import { findFdl } from "./fdlPath";
import { registerFlowSchema } from "./yamlSchema";

let client: LanguageClient | undefined;

/** The folder the `fdl` program is looked up from: the current file's workspace folder, else the first. */
function workspaceFolder(uri?: vscode.Uri): string | undefined {
    const folder = (uri && vscode.workspace.getWorkspaceFolder(uri)) ?? vscode.workspace.workspaceFolders?.[0];
    return folder?.uri.fsPath;
}

/** The `fdl` program for a file (or the workspace): `fdl.server.path`, the `.venv` one, or `fdl`. */
function fdlProgram(uri?: vscode.Uri): string {
    const setting = vscode.workspace.getConfiguration("fdl", uri).get<string>("server.path", "");
    return findFdl(setting, workspaceFolder(uri), (file) => fs.existsSync(file));
}

function createClient(output: vscode.OutputChannel): LanguageClient {
    const command = fdlProgram();
    const extra = vscode.workspace.getConfiguration("fdl").get<string[]>("server.args", []);
    const serverOptions: ServerOptions = {
        command,
        args: ["lsp", ...extra],
        options: { cwd: workspaceFolder() },
    };
    const clientOptions: LanguageClientOptions = {
        // The server answers only flow files (a `flow:` root key) and ignores other YAML.
        documentSelector: [
            { scheme: "file", language: "yaml" },
            { scheme: "untitled", language: "yaml" },
        ],
        outputChannel: output,
    };
    output.appendLine(`Starting ${command} lsp`);
    return new LanguageClient("fdl", "FDL language server", serverOptions, clientOptions);
}

async function startClient(output: vscode.OutputChannel): Promise<void> {
    client = createClient(output);
    try {
        await client.start();
    } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        output.appendLine(`Could not start ${fdlProgram()} lsp: ${message}`);
        // The extension wakes up for every YAML file: outside an FDL project, say it only in the log.
        const projects = await vscode.workspace.findFiles("**/fdl.yaml", "**/node_modules/**", 1);
        if (projects.length === 0) {
            return;
        }
        const action = await vscode.window.showErrorMessage(
            `FDL: could not start "${fdlProgram()} lsp" (${message}). Install the toolchain in the workspace's .venv, or set fdl.server.path.`,
            "Open Settings",
        );
        if (action === "Open Settings") {
            await vscode.commands.executeCommand("workbench.action.openSettings", "fdl.server.path");
        }
    }
}

async function stopClient(): Promise<void> {
    if (client && client.state !== State.Stopped) {
        await client.stop();
    }
    client = undefined;
}

/** The current editor's file, saved; undefined (with a message) when there is none. */
async function currentFile(): Promise<vscode.Uri | undefined> {
    const editor = vscode.window.activeTextEditor;
    if (!editor || editor.document.uri.scheme !== "file") {
        void vscode.window.showWarningMessage("FDL: open a flow file (saved on disk) first.");
        return undefined;
    }
    if (editor.document.isDirty) {
        await editor.document.save();
    }
    return editor.document.uri;
}

/** Runs `fdl <args>` in a terminal task named after the command, in the file's folder. */
async function runInTerminal(name: string, file: vscode.Uri, args: string[]): Promise<void> {
    const folder = vscode.workspace.getWorkspaceFolder(file);
    const execution = new vscode.ProcessExecution(fdlProgram(file), args, { cwd: path.dirname(file.fsPath) });
    const task = new vscode.Task({ type: "fdl", command: name }, folder ?? vscode.TaskScope.Workspace, `${name} ${path.basename(file.fsPath)}`, "fdl", execution);
    task.presentationOptions = { reveal: vscode.TaskRevealKind.Always, clear: true };
    await vscode.tasks.executeTask(task);
}

async function check(): Promise<void> {
    const file = await currentFile();
    if (file) {
        await runInTerminal("check", file, ["check", file.fsPath]);
    }
}

let lastInput = "{}";

async function run(): Promise<void> {
    const file = await currentFile();
    if (!file) {
        return;
    }
    const input = await vscode.window.showInputBox({
        title: `Run ${path.basename(file.fsPath)}`,
        prompt: "The inputs, as a JSON object (fdl run --input)",
        value: lastInput,
    });
    if (input === undefined) {
        return;
    }
    lastInput = input;
    const args = ["run", file.fsPath];
    if (input.trim() && input.trim() !== "{}") {
        args.push("--input", input);
    }
    await runInTerminal("run", file, args);
}

async function graph(output: vscode.OutputChannel): Promise<void> {
    const file = await currentFile();
    if (!file) {
        return;
    }
    const program = fdlProgram(file);
    execFile(program, ["graph", file.fsPath], { cwd: path.dirname(file.fsPath) }, async (error, stdout, stderr) => {
        if (error) {
            output.appendLine(`${program} graph ${file.fsPath}: ${stderr || error.message}`);
            output.show(true);
            void vscode.window.showErrorMessage(`FDL: fdl graph failed; see the FDL output.`);
            return;
        }
        const languages = await vscode.languages.getLanguages();
        const language = languages.includes("mermaid") ? "mermaid" : "markdown";
        const content = language === "mermaid" ? stdout : "```mermaid\n" + stdout + "```\n";
        const document = await vscode.workspace.openTextDocument({ language, content });
        await vscode.window.showTextDocument(document, vscode.ViewColumn.Beside);
    });
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
    const output = vscode.window.createOutputChannel("FDL");
    context.subscriptions.push(
        output,
        vscode.commands.registerCommand("fdl.check", check),
        vscode.commands.registerCommand("fdl.run", run),
        vscode.commands.registerCommand("fdl.graph", () => graph(output)),
        vscode.commands.registerCommand("fdl.restartServer", async () => {
            await stopClient();
            await startClient(output);
        }),
        vscode.workspace.onDidChangeConfiguration(async (event) => {
            if (event.affectsConfiguration("fdl.server")) {
                await stopClient();
                await startClient(output);
            }
        }),
    );
    await startClient(output);
    try {
        await registerFlowSchema(context, output);
    } catch (error) {
        output.appendLine(`The flow schema could not be registered with the YAML extension: ${String(error)}`);
    }
}

export async function deactivate(): Promise<void> {
    await stopClient();
}
