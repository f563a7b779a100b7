import { strict as assert } from "assert";
import * as os from "os";
import * as path from "path";
import { test } from "node:test";

import { findFdl } from "../fdlPath";

const folder = path.join(os.tmpdir(), "project");
const venvFdl = path.join(folder, ".venv", "bin", "fdl");

test("the workspace's .venv fdl is preferred when it exists", () => {
    assert.equal(findFdl("", folder, (file) => file === venvFdl, "linux"), venvFdl);
});

test("without a .venv, fdl is looked up on the PATH", () => {
    assert.equal(findFdl("", folder, () => false, "linux"), "fdl");
    assert.equal(findFdl("", undefined, () => true, "linux"), "fdl");
});

test("on Windows the .venv program is Scripts/fdl.exe", () => {
    const exe = path.join(folder, ".venv", "Scripts", "fdl.exe");
    assert.equal(findFdl("", folder, (file) => file === exe, "win32"), exe);
});

test("the setting wins, relative paths are taken from the workspace folder", () => {
    assert.equal(findFdl("/opt/fdl/bin/fdl", folder, () => true, "linux"), "/opt/fdl/bin/fdl");
    assert.equal(findFdl("tools/bin/fdl", folder, () => false, "linux"), path.join(folder, "tools", "bin", "fdl"));
    assert.equal(findFdl("fdl-dev", folder, () => true, "linux"), "fdl-dev");
    assert.equal(findFdl("~/bin/fdl", folder, () => false, "linux"), path.join(os.homedir(), "bin", "fdl"));
});
