"""``fdl tools import-asyncapi`` (fdl/cli/tools.py, tools.md §8): dry runs, --json, --write,
registering, errors with their codes and places, ``mq`` ToolSpecs checked on registration,
and end to end: import, ``fdl check`` a flow calling the imported tools, and ``fdl run`` it
on the local Redis and RabbitMQ (skipped, naming the broker, when it is not running)."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests._http import JsonHandler, serving
from tests.fdl.test_cli_adapters import invoke, output_of, write

DATA = Path(__file__).resolve().parents[1] / "stdlib" / "data" / "asyncapi"


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_a_dry_run_lists_the_tools_and_reports_problems_with_places() -> None:
    result = invoke("tools", "import-asyncapi", str(DATA / "shop-2.6.yaml"), "--broker", "bus",
                    "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stdout.split("\n")[:2] == ["would add  mq://bus/orderCreated  1.2.0",
                                             "would add  mq://bus/consume-shipments  1.2.0"]
    assert "shop-2.6.yaml#/channels/shipments/bindings: bindings are not translated" \
        in result.stderr
    assert "hint: configure the broker in fdl.yaml: mq: {bus: {url: " \
        "'amqp://localhost:5672'}}" in result.stderr
    assert not Path(".fdl").exists()


def test_json_output_and_written_files() -> None:
    result = invoke("tools", "import-asyncapi", str(DATA / "pricing-3.0.yaml"), "--broker",
                    "prices", "--write", "tools", "--json")
    found = output_of(result)
    assert found["tools"] == ["mq://prices/getQuote", "mq://prices/onPriceChanged"]
    assert found["files"] == ["tools/getQuote.yaml", "tools/onPriceChanged.yaml"]
    assert found["problems"][0]["pointer"] == "#/operations/getQuote/reply"
    assert "operation: request" in Path("tools/getQuote.yaml").read_text()
    again = invoke("tools", "import-asyncapi", str(DATA / "pricing-3.0.yaml"), "--broker",
                   "prices", "--write", "tools")
    assert again.stdout.count("unchanged") == 2


class _Documents(JsonHandler):
    """Serves the AsyncAPI documents of tests/stdlib/data/asyncapi as YAML."""

    def do_GET(self) -> None:
        path = DATA / self.path.lstrip("/")
        if not path.is_file():
            self.reply(404, {"message": "no such document"})
            return
        body = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "application/yaml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_a_document_is_read_from_a_url() -> None:
    with serving(_Documents) as server:
        found = output_of(invoke("tools", "import-asyncapi", f"{server.url}/pricing-3.0.yaml",
                                 "--broker", "prices", "--dry-run", "--json"))
        missing = invoke("tools", "import-asyncapi", f"{server.url}/nope.yaml", "--broker",
                         "prices")
    assert found["tools"] == ["mq://prices/getQuote", "mq://prices/onPriceChanged"]
    assert missing.exit_code == 1 and "E101" in missing.stderr and "404" in missing.stderr


def test_registered_tools_are_shown_by_fdl_tools() -> None:
    result = invoke("tools", "import-asyncapi", str(DATA / "shop-2.6.yaml"), "--broker", "bus",
                    "--tag", "shop")
    assert result.exit_code == 0, result.output
    assert "added      mq://bus/orderCreated  1.2.0" in result.stdout
    shown = output_of(invoke("tools", "show", "mq://bus/orderCreated", "--json"))
    assert shown["config"] == {"operation": "publish", "topic": "orders/{orderId}/created"}
    assert {"mq", "bus", "shop"} <= set(shown["tags"])
    listed = output_of(invoke("tools", "list", "--type", "mq", "--json"))
    assert [t["uri"] for t in listed] == ["mq://bus/consume-shipments", "mq://bus/orderCreated"]


@pytest.mark.parametrize(("text", "expected"), [
    ("asyncapi: 1.2.0\nchannels: {}\n", "error: E102: bad.yaml#/asyncapi: asyncapi: 1.2.0 is "
                                        "not supported"),
    ("openapi: 3.1.0\npaths: {}\n", "error: E102: bad.yaml#/openapi: this is an OpenAPI"),
    ("asyncapi: 3.0.0\ninfo: {title: t, version: 1.0.0}\n",
     "error: E102: bad.yaml#: the document has no 'operations'"),
    ("asyncapi: [2\n", "error: E101: bad.yaml is not valid YAML or JSON at line 2"),
])
def test_documents_that_cannot_be_imported_are_errors_with_code_and_place(
        text: str, expected: str) -> None:
    write("bad.yaml", text)
    result = invoke("tools", "import-asyncapi", "bad.yaml", "--broker", "bus")
    assert result.exit_code == 1
    assert expected in result.stderr
    assert "Traceback" not in result.output


def test_bad_options_are_usage_errors() -> None:
    shop = str(DATA / "shop-2.6.yaml")
    assert invoke("tools", "import-asyncapi", shop, "--broker", "a/b").exit_code == 2
    assert invoke("tools", "import-asyncapi", shop, "--broker", "b", "--version",
                  "one").exit_code == 2
    missing = invoke("tools", "import-asyncapi", "nope.yaml", "--broker", "b")
    assert missing.exit_code == 1 and "E101" in missing.stderr


def test_mq_toolspecs_are_checked_on_registration() -> None:
    write("tools/bad.yaml", """\
        type: mq
        code: bus/publish
        args: {in: {message: any}}
        config: {operation: send, topic: 'orders/{orderId}'}
    """)
    result = invoke("tools", "register", "tools/bad.yaml")
    assert result.exit_code == 1
    assert "code: mq://bus/publish is the broker's own publish operation" in result.stderr
    assert "config.operation" in result.stderr
    assert "the placeholder {orderId} is not a declared argument" in result.stderr


BROKERS = {
    "redis": ("redis://127.0.0.1:6379/0", 6379, "Redis"),
    "amqp": ("amqp://guest:guest@127.0.0.1:5672/", 5672, "RabbitMQ"),
}


def _broker(kind: str) -> object:
    _url, port, name = BROKERS[kind]
    return pytest.param(kind, id=kind, marks=pytest.mark.skipif(
        not _listening(port), reason=f"{name} is not running on 127.0.0.1:{port}"))


ORDERS = """\
    asyncapi: 2.6.0
    info: {{title: Orders, version: 1.0.0}}
    channels:
      {prefix}.{{orderId}}:
        parameters: {{orderId: {{schema: {{type: string}}}}}}
        publish:
          operationId: placeOrder
          summary: Place an order
          message: {{$ref: '#/components/messages/Order'}}
        subscribe:
          operationId: takeOrders
          message: {{$ref: '#/components/messages/Order'}}
    components:
      messages:
        Order: {{payload: {{$ref: '#/components/schemas/Order'}}}}
      schemas:
        Order:
          type: object
          required: [id, total]
          properties: {{id: {{type: string}}, total: {{type: number}}}}
"""

RELAY = """\
    flow:
        name: Relay
        args:
            out: any
        node:
            send:
                exec: mq://bus/placeOrder
                args: |
                    orderId = 'o1'
                    message = {{id: 'o1', {field}: 9.5}}
                next: take
            take:
                exec: mq://bus/takeOrders
                args: orderId = 'o1', timeout = 3000
                next: done
            done:
                with: take[0].message.{read}
"""


def _cleanup(kind: str, topic: str) -> None:
    if kind == "redis":
        import redis

        client = redis.Redis.from_url(BROKERS["redis"][0])
        client.delete(topic)
        client.close()
        return
    import aio_pika

    async def remove() -> None:
        connection = await aio_pika.connect(BROKERS["amqp"][0])
        channel = await connection.channel()
        await channel.queue_delete(topic)
        await connection.close()

    asyncio.run(remove())


@pytest.fixture
def prefix() -> Iterator[str]:
    yield f"fdl-asyncapi-{uuid.uuid4().hex[:8]}"


@pytest.mark.parametrize("kind", [_broker("redis"), _broker("amqp")])
def test_imported_tools_are_checked_and_run_on_the_broker(kind: str, prefix: str) -> None:
    write("fdl.yaml", f"mq:\n    bus: {{url: '{BROKERS[kind][0]}', timeout: 5000}}\n")
    write("orders.yaml", ORDERS.format(prefix=prefix))
    imported = invoke("tools", "import-asyncapi", "orders.yaml", "--broker", "bus")
    assert imported.exit_code == 0, imported.output
    assert "hint" not in imported.stderr  # the broker is configured
    write("flows/bad.yaml", RELAY.format(field="totl", read="amount"))
    checked = invoke("check", "flows/bad.yaml")
    assert checked.exit_code == 1
    assert "error[E304]: argument 'message' is a {id: string, totl: double}, but " \
        "'mq://bus/placeOrder' declares Order" in checked.output
    assert "error[G205]: type Order has no field 'amount'" in checked.output
    write("flows/relay.yaml", RELAY.format(field="total", read="total"))
    assert invoke("check", "flows/relay.yaml").exit_code == 0
    try:
        result = invoke("run", "flows/relay.yaml", "--json")
        assert output_of(result)["output"] == 9.5
    finally:
        _cleanup(kind, f"{prefix}.o1")


@pytest.mark.parametrize("kind", [_broker("redis")])
def test_imported_request_and_consume_tools_fill_their_topics_from_arguments(
        kind: str) -> None:
    """The 3.0 document's request (getQuote) answered by a responder, and its consume
    (onPriceChanged, topic prices.{sku}.changed) reading what was published there."""
    import trio

    from stdlib.asyncapi import import_asyncapi, load_asyncapi
    from stdlib.tools import ToolCall
    from stdlib.tools.mq import MqTools
    from stdlib.tools.mq_config import MqConfig, MqToolConfig

    token = uuid.uuid4().hex[:8]
    document = load_asyncapi(DATA / "pricing-3.0.yaml")
    document["channels"]["quote"]["address"] = f"pricing.{token}.quote"
    specs = import_asyncapi(document, broker="bus").tools
    bus = MqTools({"bus": MqConfig.model_validate({"url": BROKERS[kind][0]})},
                  {s.code: (MqToolConfig.model_validate(s.config), list(s.inputs))
                   for s in specs})

    async def call(code: str, **args: object) -> object:
        base = f"mq://bus/{code}"
        tool = bus.resolve(base)
        assert tool is not None
        return await tool.call(ToolCall(uri=base, base=base, type="mq", code=f"bus/{code}",
                                        args=args, node="n"))

    async def go() -> tuple[object, object]:
        async with trio.open_nursery() as nursery:
            async def responder() -> None:
                [asked] = await call("consume", topic=f"pricing.{token}.quote",
                                     timeout=5000)  # type: ignore[misc]
                await call("publish", topic=asked["headers"]["replyTo"],
                           message={"sku": asked["message"]["sku"], "price": 12.5})

            nursery.start_soon(responder)
            quote = await call("getQuote", message={"sku": "a1", "qty": 2}, timeout=5000)
        await call("publish", topic=f"prices.a1-{token}.changed", message={"price": 3})
        changed = await call("onPriceChanged", sku=f"a1-{token}", timeout=3000)
        await bus.aclose()
        return quote, changed

    try:
        quote, changed = trio.run(go)
    finally:
        _cleanup(kind, f"pricing.{token}.quote")
        _cleanup(kind, f"prices.a1-{token}.changed")
    assert quote == {"sku": "a1", "price": 12.5}
    assert isinstance(changed, list) and [m["message"] for m in changed] == [{"price": 3}]
