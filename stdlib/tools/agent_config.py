"""The ``agents:`` entries of ``fdl.yaml``: the AI agents ``agent://<name>`` runs (tools.md §6).

::

    agents:
        helper:
            url: 'http://127.0.0.1:8000/v1'       # a chat-completions compatible endpoint
            model: 'qwen2.5-7b-instruct'
            api_key_env: OPENAI_API_KEY           # the key's variable, never the key
            tools: ['flow://hello', 'mcp://calc/*']
            max_steps: 8
            system: 'You answer questions about customers.'

Like `stdlib.tools.config`, this module imports no adapter.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from compiler.validate import Wording

from .config import ConfigModel, EnvName, Millis, _service_url

__all__ = ["AgentConfig"]


class AgentConfig(ConfigModel):
    """One ``agents:`` entry."""

    url: Annotated[str, AfterValidator(_service_url), Field(
        description="the endpoint's base URL (…/v1); chat/completions is appended")]
    model: str = Field(description="the model name sent with every request")
    api_key_env: EnvName | None = Field(
        None, description="the environment variable holding the API key (Bearer)")
    tools: list[str] = Field(default_factory=list, description="globs over tool URIs "
                             "(flow://hello, mcp://calc/*) offered to the model")
    max_steps: Annotated[int, Field(ge=1), Wording(expect="a whole number of at least 1")] = \
        Field(8, description="model replies before the loop gives up (F410)")
    system: str | None = Field(None, description="the system message")
    temperature: float | None = Field(None, description="sent when given")
    timeout: Millis | None = Field(None, description="the limit of each request, in ms")
