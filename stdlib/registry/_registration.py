"""`Registration`: the outcome of registering one spec.

Its own module, below `_core` and `_sync`: the registry (`_core`) returns registrations and
a sync (`_sync`) reports them, and `_core` calls `_sync`, so `_sync` must not import
`_core` for this type.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ._spec import ToolSpec

__all__ = ["Registration", "Status"]

Status = Literal["added", "unchanged", "replaced"]


@dataclass(frozen=True, slots=True)
class Registration:
    """The outcome of registering one spec: ``added`` (a new version), ``unchanged`` (the
    same content was registered already) or ``replaced`` (a synced file changed)."""

    spec: ToolSpec
    status: Status
