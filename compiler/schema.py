"""The JSON Schema of flow files (shipped as docs/fdl.schema.json), from the flow models."""

from __future__ import annotations

from typing import Any

from .flow import FlowFile
from .kinds import KEY_DOCS

__all__ = ["flow_json_schema"]


def flow_json_schema() -> dict[str, Any]:
    """The JSON Schema of flow files (shipped as docs/fdl.schema.json).

    Generated from the models, then tuned for YAML editors: optional keys are simply
    optional (no ``null`` alternatives or defaults that completion would insert), every key
    has a description, and ids, field names, ``each`` and ``case`` carry their constraints.
    """
    schema = FlowFile.model_json_schema(by_alias=True, mode="validation")
    definitions = schema.get("$defs", {})
    for definition in [schema, *definitions.values()]:
        definition.pop("title", None)
        for key, prop in definition.get("properties", {}).items():
            _tidy_property(prop)
            if key in KEY_DOCS:
                prop["description"] = KEY_DOCS[key]
    node_ids = {"propertyNames": {"pattern": "^[A-Za-z_][A-Za-z0-9_-]*$"}}
    field_names = {"propertyNames": {"pattern": "^[A-Za-z0-9_-]+$"}}
    for name in ("Flow", "Iteration", "Loop"):
        definitions[name]["properties"]["node"].update(node_ids)
    args = definitions["Args"]["properties"]
    args["in"].update(field_names)
    args["defs"].update(field_names)
    definitions["Switch"]["properties"]["case"]["minItems"] = 1
    definitions["Iteration"]["properties"]["each"]["pattern"] = "=>"
    definitions["Delay"]["properties"]["wait"] = {
        "anyOf": [{"type": "number", "minimum": 0}, {"type": "string"}],
        "description": KEY_DOCS["wait"]}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "FDL flow file", **schema}


def _tidy_property(prop: dict[str, Any]) -> None:
    """Drop ``null`` alternatives, defaults and generated titles of an optional key."""
    prop.pop("title", None)
    if prop.get("default") in (None, [], {}):
        prop.pop("default", None)
    options = prop.get("anyOf")
    if isinstance(options, list):
        kept = [o for o in options if o != {"type": "null"}]
        if len(kept) == 1:
            prop.pop("anyOf")
            prop.update(kept[0])
        else:
            prop["anyOf"] = kept
