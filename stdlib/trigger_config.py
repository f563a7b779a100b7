"""A ``triggers:`` entry of ``fdl.yaml`` (tools.md §6): a flow started on a schedule or for
each message of a topic, run by ``fdl worker`` and ``fdl serve`` (the engine is
`fdl.triggers`).

```yaml
triggers:
    - {flow: log_alert, cron: '*/5 * * * *', input: {window: '5m'}}
    - {flow: on_order, mq: rabbit/orders}          # the message is the input
```

A trigger has exactly one of ``cron`` (a five-field cron expression, or six with seconds,
read in the project's ``timezone``) and ``mq`` (``<broker>/<topic>``, the broker an ``mq:``
entry). Cron expressions are checked with croniter (pallets-eco). The problems this module
finds carry a code in their message:

* T101: a cron expression croniter refuses;
* T102: a flow that is not a file of the project's ``flows:`` folder (checked by
  `stdlib.config.project_config`);
* T103: an ``mq`` naming a broker that is not an ``mq:`` entry (idem), or not
  ``<broker>/<topic>``;
* T104: neither or both of ``cron`` and ``mq``;
* T105 (when the triggers start, `fdl.triggers.open_engine`): a flow that does not compile,
  at the line of the trigger's ``flow``.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field, model_validator

from compiler.validate import Invalid, Wording

from .tools.config import ConfigModel

__all__ = ["TriggerConfig", "cron_problem"]


def cron_problem(expression: str) -> str | None:
    """Why croniter refuses ``expression``; None when it is a valid cron expression."""
    # croniter (and dateutil under it) takes a good part of a second to import on a loaded
    # machine: only a configuration with a schedule pays, not every `fdl check` or the editor.
    from croniter import croniter

    fields = expression.split()
    if len(fields) not in (5, 6):
        return f"has {len(fields)} fields; a cron expression has 5 (minute hour day month " \
               "weekday) or 6 (with seconds last)"
    try:
        croniter(expression)
    except (ValueError, KeyError) as error:  # croniter's CroniterError is a ValueError
        return str(error) or type(error).__name__
    return None


def _cron(value: str) -> str:
    problem = cron_problem(value)
    if problem is not None:
        raise Invalid(f": T101 {value!r} is not a cron expression ({problem}); write five "
                      "fields such as '*/5 * * * *'")
    return value


def _subscription(value: str) -> str:
    broker, _, topic = value.partition("/")
    if not broker or not topic:
        raise Invalid(f": T103 {value!r} must be <broker>/<topic>, the broker an mq: entry "
                      "(rabbit/orders)")
    return value


class TriggerConfig(ConfigModel):
    """One trigger: a flow started by a schedule or by the messages of a topic."""

    flow: Annotated[str, Field(min_length=1), Wording(
        expect="the name of a flow of the flows: folder")] = Field(
        description="the flow to run: <flows folder>/<flow>.yaml")
    cron: Annotated[str | None, AfterValidator(_cron), Wording(
        expect="a cron expression such as '*/5 * * * *'")] = Field(
        None, description="run on this schedule (in the project's timezone)")
    mq: Annotated[str | None, AfterValidator(_subscription), Wording(
        expect="<broker>/<topic>, the broker an mq: entry")] = Field(
        None, description="run once per message of this topic (the message is the input)")
    input: dict[str, Any] = Field(default_factory=dict,
                                  description="the inputs of a scheduled run")
    catch_up: bool = Field(True, description="run once on start when a schedule was missed "
                                             "while no process ran it")
    tenant: Annotated[str | None, Field(min_length=1), Wording(expect="a tenant name")] = \
        Field(None, description="the tenant the runs belong to (fdl serve shows them to it)")
    max_deliveries: Annotated[int, Field(ge=1), Wording(
        expect="a whole number of at least 1")] = Field(
        5, description="runs of one message before it is dead-lettered")
    dead_letter: Annotated[str | None, Field(min_length=1), Wording(
        expect="a topic name")] = Field(
        None, description="where a message goes after max_deliveries failed runs "
                          "(default: <topic>.dead on the same broker)")
    reclaim_after: Annotated[int, Field(gt=0), Wording(expect="a positive number of ms")] = \
        Field(30_000, description="Redis streams: ms after which a message taken by a "
                                  "process that died is taken over")

    @model_validator(mode="after")
    def _one_source(self) -> TriggerConfig:
        if (self.cron is None) == (self.mq is None):
            raise Invalid(": T104 give either cron (a schedule) or mq (a topic), "
                          f"{'not both' if self.cron else 'one of them'}")
        return self

    @property
    def broker(self) -> str | None:
        """The ``mq:`` entry of a subscription."""
        return None if self.mq is None else self.mq.partition("/")[0]

    @property
    def topic(self) -> str | None:
        """The topic of a subscription."""
        return None if self.mq is None else self.mq.partition("/")[2]

    @property
    def key(self) -> str:
        """What identifies this trigger across restarts (its schedule's state, its runs'
        ids, its consumer): the flow and the schedule or topic."""
        return f"{self.flow}@{self.cron if self.cron is not None else self.mq}"
