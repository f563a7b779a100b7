"""Placeholder: filled in by the stdlib work."""

from __future__ import annotations

from collections.abc import Mapping

from ._registry import Builtin, table

__all__ = ["DATE_METHODS"]

DATE_METHODS: Mapping[str, Builtin] = table()
