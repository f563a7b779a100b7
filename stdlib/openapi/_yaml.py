"""A ToolSpec as a YAML file, argument descriptions written as end-of-line comments.

`ToolSpec.from_text` reads the comments back as descriptions (fdl.md §2), so what
`spec_to_yaml` writes is the same spec (``fdl tools import-openapi --write``).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from stdlib.registry import ToolSpec

__all__ = ["spec_to_yaml"]


def spec_to_yaml(spec: ToolSpec) -> str:
    """A ToolSpec as a YAML file (`ToolSpec.to_document`), argument descriptions written
    as end-of-line comments, so `ToolSpec.from_text` reads the same spec back."""
    def build(value: Any, where: str) -> Any:
        if isinstance(value, Mapping):
            mapping = CommentedMap()
            for key, item in value.items():
                mapping[key] = build(item, f"{where}.{key}" if where else str(key))
                text = _described(spec.descriptions, where, str(key))
                if text and not isinstance(item, Mapping | list):
                    mapping.yaml_add_eol_comment(text, key)
            return mapping
        if isinstance(value, list):
            seq = CommentedSeq(build(item, where) for item in value)
            if all(not isinstance(item, Mapping | list) for item in value):
                seq.fa.set_flow_style()
            return seq
        return value

    yaml = YAML()
    yaml.width = 4096
    yaml.indent(mapping=4, sequence=4, offset=2)
    buffer = io.StringIO()
    yaml.dump(build(spec.to_document(), ""), buffer)
    return buffer.getvalue()


def _described(descriptions: Mapping[str, str], where: str, key: str) -> str | None:
    """The description of an ``args`` entry (``args.in.id`` → ``in.id``)."""
    if not where.startswith("args."):
        return None
    return descriptions.get(f"{where.removeprefix('args.')}.{key}")
