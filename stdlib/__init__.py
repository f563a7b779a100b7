"""What flows can use: GML built-in functions and methods (and, later, tool adapters).

One table per receiver type; each entry (`Builtin`) holds the signature that the checker and
the editor read, the implementation that the compiler binds, and the documentation.
"""

from __future__ import annotations

from collections.abc import Mapping

from ._registry import Builtin as Builtin
from ._registry import LambdaSpec as LambdaSpec
from ._registry import Param as Param
from .gml_arrays import ARRAY_METHODS as ARRAY_METHODS
from .gml_dates import DATE_METHODS as DATE_METHODS
from .gml_functions import FUNCTIONS as FUNCTIONS
from .gml_objects import OBJECT_METHODS as OBJECT_METHODS
from .gml_strings import STRING_METHODS as STRING_METHODS

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
"""Method tables by receiver kind (the kind names of `gml._values.kind`)."""
