"""The ``mcp:`` entries of ``fdl.yaml``: the MCP servers ``mcp://<server>/<tool>`` calls
(tools.md §6).

A server is started as a subprocess speaking MCP over stdio (``command``) or reached over
streamable HTTP (``url``)::

    mcp:
        calc: {command: [python, servers/calc.py], env: {}}
        search: {url: 'http://127.0.0.1:9000/mcp', headers: {}}

Like `stdlib.tools.config`, this module imports no adapter (and not the MCP SDK): the project
configuration and the editor read it without loading one.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, model_validator

from compiler.validate import Invalid, Wording

from .config import AuthConfig, ConfigModel, HeaderName, HeaderValue, _service_url

__all__ = ["McpServerConfig"]


def _command(value: list[str]) -> list[str]:
    if not value or not value[0].strip():
        raise Invalid("must be a non-empty list: the program, then its arguments "
                      "([python, servers/calc.py])")
    return value


class McpServerConfig(ConfigModel):
    """One ``mcp:`` entry: how to reach an MCP server. Exactly one of ``command`` (stdio) and
    ``url`` (streamable HTTP)."""

    command: Annotated[list[str] | None, AfterValidator(
        lambda v: v if v is None else _command(v)), Wording(
        expect="a list: the program, then its arguments")] = Field(
        None, description="stdio: the server's program and arguments (started on first use)")
    env: dict[str, str] = Field(default_factory=dict,
                                description="stdio: environment variables for the server")
    cwd: str | None = Field(None, description="stdio: the server's working folder (relative "
                                              "to the configuration file; default: its folder)")
    url: Annotated[str | None, AfterValidator(lambda v: v if v is None else _service_url(v)),
                   Wording(expect="an http:// or https:// URL")] = Field(
        None, description="streamable HTTP: the server's endpoint (http://host:port/mcp)")
    headers: dict[HeaderName, HeaderValue] = Field(
        default_factory=dict, description="streamable HTTP: headers sent with every request")
    auth: Annotated[AuthConfig | None, Wording(
        expect="a mapping such as {bearer_env: SEARCH_TOKEN}",
        unknown="secrets are never written in configuration: name the environment variable "
                "that holds them with *_env")] = Field(
        None, description="streamable HTTP: the credentials scheme")

    @model_validator(mode="after")
    def _one_transport(self) -> McpServerConfig:
        if (self.command is None) == (self.url is None):
            raise Invalid(": give either 'command' (a server started over stdio) or 'url' "
                          "(a streamable HTTP server), not both and not neither")
        if self.url is not None:
            for key in ("env", "cwd"):
                if key in self.model_fields_set:
                    raise Invalid(f": '{key}' is for a server started with 'command'",
                                  at=(key,), key=True)
        else:
            for key in ("headers", "auth"):
                if key in self.model_fields_set:
                    raise Invalid(f": '{key}' is for a server reached by 'url'",
                                  at=(key,), key=True)
        return self
