"""A small MCP server written with the MCP SDK: prices and stock of a shop.

Started by ``fdl`` as ``python servers/shop.py`` (stdio) when a flow first calls
``mcp://shop/<tool>``.
"""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer
from pydantic import BaseModel, Field

server = MCPServer("shop", log_level="ERROR")

PRICES = {"apple": 0.5, "pear": 0.75, "melon": 3.0}
STOCK = {"apple": 120, "pear": 0, "melon": 8}


class Quote(BaseModel):
    """A price quote."""

    item: str
    quantity: int
    total: float = Field(description="quantity times the unit price")


@server.tool(title="Quote")
def quote(item: str, quantity: int = 1) -> Quote:
    """The price of quantity units of an item."""
    if item not in PRICES:
        raise ValueError(f"no item {item!r}; the shop sells {', '.join(sorted(PRICES))}")
    return Quote(item=item, quantity=quantity, total=PRICES[item] * quantity)


class Stock(BaseModel):
    """What is in stock."""

    item: str
    available: int


@server.tool(title="Stock")
def stock(item: str) -> Stock:
    """How many units of an item are in stock."""
    return Stock(item=item, available=STOCK.get(item, 0))


if __name__ == "__main__":
    server.run()
