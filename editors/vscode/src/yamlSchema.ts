/**
 * Hands docs/fdl.schema.json (packaged as schemas/fdl.schema.json) to the Red Hat YAML
 * extension for flow files, decided by their content like the language server does: a glob
 * (`yamlValidation`, `yaml.schemas`) cannot leave out `*.test.yaml` files next to the flows.
 */
import * as fs from "fs";
import * as path from "path";
import * as vscode from "vscode";

import { isFlowFile } from "./flowFiles";

const SCHEME = "fdl-schema";
const SCHEMA_URI = `${SCHEME}://schema/fdl.schema.json`;

/** The part of the YAML extension's API used here (its `registerContributor`). */
interface YamlExtensionApi {
    registerContributor(
        schema: string,
        requestSchema: (resource: string) => string | undefined,
        requestSchemaContent: (uri: string) => string | undefined,
    ): boolean;
}

function textOf(resource: string): string | undefined {
    const open = vscode.workspace.textDocuments.find((document) => document.uri.toString() === resource);
    if (open) {
        return open.getText();
    }
    const uri = vscode.Uri.parse(resource);
    if (uri.scheme !== "file") {
        return undefined;
    }
    try {
        return fs.readFileSync(uri.fsPath, "utf-8");
    } catch {
        return undefined;
    }
}

/** Registers the flow schema with `redhat.vscode-yaml` when it is installed; false otherwise. */
export async function registerFlowSchema(context: vscode.ExtensionContext, output: vscode.OutputChannel): Promise<boolean> {
    const extension = vscode.extensions.getExtension("redhat.vscode-yaml");
    if (!extension) {
        output.appendLine("The YAML extension (redhat.vscode-yaml) is not installed: no JSON Schema for flow files.");
        return false;
    }
    const api = (await extension.activate()) as YamlExtensionApi | undefined;
    if (!api || typeof api.registerContributor !== "function") {
        return false;
    }
    const schemaFile = path.join(context.extensionPath, "schemas", "fdl.schema.json");
    return api.registerContributor(
        SCHEME,
        (resource) => {
            const text = textOf(resource);
            return text !== undefined && isFlowFile(vscode.Uri.parse(resource).path, text) ? SCHEMA_URI : undefined;
        },
        (uri) => (uri === SCHEMA_URI ? fs.readFileSync(schemaFile, "utf-8") : undefined),
    );
}
