/**
 * Which YAML files are flows: the rule of the language server (docs/editors.md), so that the
 * JSON Schema goes to the files the server checks and to no others.
 */

/** True when the YAML text has a `flow:` key at its root (column 0). */
export function hasFlowRoot(text: string): boolean {
    return /^flow[ \t]*:(?:[ \t]|$)/m.test(text);
}

/** True for a flow file: YAML with a `flow:` root key that is not a test file (`*.test.yaml`). */
export function isFlowFile(path: string, text: string): boolean {
    return /\.ya?ml$/i.test(path) && !/\.test\.ya?ml$/i.test(path) && hasFlowRoot(text);
}
