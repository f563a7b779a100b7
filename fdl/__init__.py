"""FDL — flow documents: loading with positions, models, the `fdl` command line.

This release ships the GML layer (`fdl eval`); loading, checking and running flows follow.
"""

from __future__ import annotations

__all__: list[str] = []
