"""Flow → Plan: kind inference, static rules, graph, scopes and type checking (planned)."""
