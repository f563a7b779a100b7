import { strict as assert } from "assert";
import { test } from "node:test";

import { hasFlowRoot, isFlowFile } from "../flowFiles";

const FLOW = "# yaml-language-server: $schema=../../docs/fdl.schema.json\nflow:\n    name: View\n";

test("a YAML file with a flow: root key is a flow", () => {
    assert.equal(isFlowFile("/p/flows/view.yaml", FLOW), true);
    assert.equal(isFlowFile("/p/anywhere/view.yml", "flow: {name: x, node: {}}\n"), true);
});

test("test files, other YAML and nested flow keys are not flows", () => {
    assert.equal(isFlowFile("/p/flows/view.test.yaml", FLOW), false);
    assert.equal(isFlowFile("/p/flows/view.json", FLOW), false);
    assert.equal(isFlowFile("/p/ci.yaml", "jobs:\n    flow: 1\n"), false);
    assert.equal(hasFlowRoot("flows: flows/\n"), false);
    assert.equal(hasFlowRoot("workflow:\n"), false);
});
