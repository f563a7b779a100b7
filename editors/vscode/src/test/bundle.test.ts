import { strict as assert } from "assert";
import * as path from "path";
import { test } from "node:test";

// The packaged extension is dist/extension.js alone (no node_modules in the .vsix): it must load
// with nothing but the `vscode` module, which only VS Code provides (a stub here).
test("the bundle loads with only the vscode module and exports activate/deactivate", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Module = require("module") as { _load: (request: string, ...rest: unknown[]) => unknown };
    const stub: unknown = new Proxy(function () { /* any vscode API */ }, {
        get: (_target, name) => (name === "__esModule" ? false : stub),
        apply: () => stub,
        construct: () => stub as object,
    });
    const load = Module._load;
    Module._load = function (request: string, ...rest: unknown[]) {
        return request === "vscode" ? stub : load.call(this, request, ...rest);
    };
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const extension = require(path.resolve(__dirname, "..", "..", "dist", "extension.js")) as Record<string, unknown>;
        assert.equal(typeof extension.activate, "function");
        assert.equal(typeof extension.deactivate, "function");
    } finally {
        Module._load = load;
    }
});
