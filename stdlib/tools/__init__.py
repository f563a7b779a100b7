"""Tool adapters (spec/tools.md §6): each is a `runtime.ToolProvider` for one URI type."""
