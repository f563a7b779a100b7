"""GML's built-in functions and methods (spec/gml.md §6-§8), one definition each.

One table per receiver type; each entry (`Builtin`) holds the signature that the checker and
the editor read, the implementation that the compiler binds, and the documentation. These are
the defaults of every `gml.Environment`, which may add host functions and methods to them;
the checker and the compiler read the environment's tables, never these directly.
"""

from __future__ import annotations

from collections.abc import Mapping

from ._table import Builtin as Builtin
from ._table import LambdaSpec as LambdaSpec
from ._table import Param as Param
from .arrays import ARRAY_METHODS as ARRAY_METHODS
from .dates import DATE_METHODS as DATE_METHODS
from .functions import FUNCTIONS as FUNCTIONS
from .objects import OBJECT_METHODS as OBJECT_METHODS
from .strings import STRING_METHODS as STRING_METHODS

__all__ = [
    "ARRAY_METHODS",
    "DATE_METHODS",
    "FUNCTIONS",
    "METHODS",
    "OBJECT_METHODS",
    "STRING_METHODS",
    "Builtin",
    "LambdaSpec",
    "Param",
]

METHODS: Mapping[str, Mapping[str, Builtin]] = {
    "array": ARRAY_METHODS,
    "string": STRING_METHODS,
    "object": OBJECT_METHODS,
    "date": DATE_METHODS,
}
"""Method tables by receiver kind (the kind names of `gml.values.kind`)."""
