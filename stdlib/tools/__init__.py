"""Tool adapters (spec/tools.md §6): each is a `runtime.ToolProvider` for one URI type."""

from .api import ApiTools as ApiTools
from .api import Auth as Auth
from .api import Endpoint as Endpoint
from .api import Service as Service
from .db import DbTools as DbTools
from .db import TableSpec as TableSpec

__all__ = ["ApiTools", "Auth", "DbTools", "Endpoint", "Service", "TableSpec"]
