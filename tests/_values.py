"""Hypothesis strategies shared by the tests of value conversion (gml.convert) and of the
runtime's output shaping, which converts through it: JSON-like values with the awkward cases
(numeric text, dates as text, huge exponents), and type names that the tests' own ``defs``
resolve (``Order``, ``Node``, ``Holder``, ``Filter``)."""

from __future__ import annotations

from hypothesis import strategies as st

__all__ = ["JSON", "TYPES"]

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
    | st.decimals() | st.sampled_from(["42", "2025-01-01", "true", "1e999", "-3.0", "now"]),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(["id", "sku", "quantity", "items", "amount", "name",
                                       "children", "a b", "meta", "tags"]) | st.text(max_size=3),
                      children, max_size=5),
    max_leaves=25,
)
TYPES = ["int", "long", "double", "decimal", "bool", "string", "date", "null", "any",
         "map<int?>[]", "map<decimal>", "Order", "Order[]?", "Node", "Holder", "Filter"]
