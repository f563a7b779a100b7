"""The service's Prometheus metrics (spec/service.md §3, ``GET /metrics``), in a registry of
their own per app (no module-level state: two apps in one process count apart)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

__all__ = ["Metrics"]


class Metrics:
    """The counters, gauges and histograms of one app."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter("fdl_http_requests_total", "HTTP requests by route and status",
                                ["route", "status"], registry=self.registry)
        self.duration = Histogram("fdl_http_request_duration_seconds",
                                  "HTTP request duration", ["route"], registry=self.registry)
        self.runs = Counter("fdl_runs_total", "finished runs by flow and status",
                            ["flow", "status"], registry=self.registry)
        self.active = Gauge("fdl_runs_active", "runs in progress", registry=self.registry)
        self.tool_calls = Counter("fdl_tool_calls_total", "direct tool calls by outcome",
                                  ["tool", "outcome"], registry=self.registry)
        self.tool_duration = Histogram("fdl_tool_call_duration_seconds",
                                       "direct tool call duration", ["tool"],
                                       registry=self.registry)

    def render(self) -> bytes:
        """The Prometheus text exposition."""
        return generate_latest(self.registry)
