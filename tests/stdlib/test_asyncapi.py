"""`stdlib.asyncapi`: AsyncAPI 2.6 and 3.0 documents as ``mq`` ToolSpecs (tools.md §8) —
directions, codes, arguments from address parameters and payloads, results, defs from
components, $refs (other files included), problems at their JSON pointers, and the errors of
documents that cannot be imported."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from stdlib.asyncapi import AsyncApiError, AsyncApiImport, import_asyncapi, load_asyncapi
from stdlib.registry import ToolSpec

DATA = Path(__file__).parent / "data" / "asyncapi"
SHOP = DATA / "shop-2.6.yaml"
PRICING = DATA / "pricing-3.0.yaml"


def imported(path: Path, **options: Any) -> AsyncApiImport:
    return import_asyncapi(load_asyncapi(path), broker="bus", base_uri=path.as_uri(),
                           **options)


def by_code(found: AsyncApiImport) -> dict[str, ToolSpec]:
    return {spec.code: spec for spec in found.tools}


def problems(found: AsyncApiImport) -> dict[str, str]:
    return {p.pointer: p.message for p in found.problems}


def test_an_asyncapi_2_6_publish_operation_is_a_publish_tool_with_typed_message() -> None:
    found = imported(SHOP)
    spec = by_code(found)["bus/orderCreated"]
    assert (spec.type, spec.name, spec.version) == ("mq", "Announce a new order", "1.2.0")
    assert spec.config == {"operation": "publish", "topic": "orders/{orderId}/created"}
    assert spec.args == {
        "defs": {"Order": {"id": "string", "total": "double", "lines": "Line[]?"},
                 "Line": {"sku": "string?", "qty": "int?"}},
        "in": {"orderId": "string", "message": "Order", "headers": "map<string>?"},
        "out": {"id": "string"}}
    assert spec.descriptions["in.orderId"] == "the order's id"
    assert found.servers == ("amqp://localhost:5672",)


def test_an_asyncapi_2_6_subscribe_operation_is_a_consume_tool() -> None:
    spec = by_code(imported(SHOP))["bus/consume-shipments"]
    assert spec.config == {"operation": "consume", "topic": "shipments"}
    assert spec.args["in"] == {"max": "int?", "timeout": "int?"}
    assert spec.args["out"] == "ConsumeShipmentsMessage[]"
    assert spec.args["defs"]["ConsumeShipmentsMessage"] == {
        "message": "Shipped", "headers": "map<string>", "id": "string"}
    assert spec.args["defs"]["Shipped"] == {"orderId": "string", "carrier": "string?"}
    assert spec.descriptions["defs.Shipped.carrier"] == "one of: dhl, ups"


def test_what_is_not_translated_is_reported_at_its_pointer() -> None:
    found = problems(imported(SHOP))
    assert "headers argument" in found["#/components/messages/OrderCreated/headers"]
    assert "bindings are not translated" in found["#/channels/shipments/bindings"]


def test_asyncapi_3_receive_with_reply_is_a_request_and_send_is_a_consume() -> None:
    found = imported(PRICING)
    tools = by_code(found)
    quote = tools["bus/getQuote"]
    assert quote.config == {"operation": "request", "topic": "pricing.quote"}
    assert quote.args["in"] == {"message": "QuoteRequest", "timeout": "int?"}
    assert quote.args["out"] == "Quote"
    assert quote.args["defs"] == {"QuoteRequest": {"sku": "string", "qty": "long?"},
                                  "Quote": {"sku": "string?", "price": "decimal?"}}
    changed = tools["bus/onPriceChanged"]
    assert changed.config == {"operation": "consume", "topic": "prices.{sku}.changed"}
    assert changed.args["in"] == {"sku": "string", "max": "int?", "timeout": "int?"}
    assert changed.descriptions["in.sku"] == "the product; one of: a1, b2"
    assert found.servers == ("nats://127.0.0.1:4222",)
    assert "replyTo" in problems(found)["#/operations/getQuote/reply"]


def test_the_application_view_turns_the_directions_round() -> None:
    shop = by_code(imported(SHOP, view="application"))
    assert shop["bus/orderCreated"].config["operation"] == "consume"
    assert shop["bus/publish-shipments"].config["operation"] == "publish"
    pricing = by_code(imported(PRICING, view="application"))
    assert pricing["bus/getQuote"].config["operation"] == "consume"
    assert pricing["bus/onPriceChanged"].config["operation"] == "publish"


def test_imported_specs_are_valid_and_survive_yaml() -> None:
    from stdlib.openapi import spec_to_yaml

    for path in (SHOP, PRICING):
        for spec in imported(path).tools:
            assert not [p for p in spec.problems() if p.is_error]
            again = ToolSpec.from_text(spec_to_yaml(spec))
            assert (again.args, again.config) == (spec.args, spec.config)


def _doc(**extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"asyncapi": "2.6.0", "info": {"title": "t", "version": "1.0.0"},
                            "channels": {}}
    base.update(extra)
    return base


def test_parameters_are_renamed_to_identifiers_in_the_topic_too() -> None:
    found = import_asyncapi(_doc(channels={"user/{user-id}/{message}": {
        "parameters": {"user-id": {"schema": {"type": "integer"}},
                       "message": {"schema": {"type": "string"}}},
        "publish": {"message": {"payload": {"type": "string"}}}}}), broker="bus")
    [spec] = found.tools
    assert spec.code == "bus/publish-user-user-id-message"
    assert spec.config["topic"] == "user/{userId}/{messageParam}"
    assert spec.args["in"] == {"userId": "long", "messageParam": "string",
                               "message": "string", "headers": "map<string>?"}


def test_messages_of_other_formats_and_several_payloads_are_any_and_reported() -> None:
    found = import_asyncapi(_doc(channels={
        "avro": {"publish": {"operationId": "sendAvro", "message": {
            "schemaFormat": "application/vnd.apache.avro;version=1.9.0",
            "payload": {"type": "record"}}}},
        "mixed": {"subscribe": {"operationId": "takeMixed", "message": {"oneOf": [
            {"payload": {"type": "string"}}, {"payload": {"type": "integer"}}]}}},
        "xml": {"publish": {"operationId": "sendXml", "message": {
            "contentType": "application/xml", "payload": {"type": "string"}}}}}),
        broker="bus")
    tools = by_code(found)
    assert tools["bus/sendAvro"].args["in"]["message"] == "any"
    assert tools["bus/sendXml"].args["in"]["message"] == "any"
    assert tools["bus/takeMixed"].args["defs"]["TakeMixedMessage"]["message"] == "any"
    found_problems = problems(found)
    assert "avro" in found_problems["#/channels/avro/publish/message/payload"]
    assert "not JSON" in found_problems["#/channels/xml/publish/message/contentType"]
    assert "different payloads" in found_problems["#/channels/mixed/subscribe"]


def test_dangling_and_circular_refs_are_reported_not_dropped() -> None:
    found = import_asyncapi(_doc(channels={
        "a": {"publish": {"operationId": "a", "message": {
            "$ref": "#/components/messages/Missing"}}},
        "b": {"$ref": "#/channels/b"}}), broker="bus")
    [spec] = found.tools
    assert spec.args["in"]["message"] == "any"
    found_problems = problems(found)
    assert "points at nothing" in found_problems["#/channels/a/publish/message"]
    assert "leads back to itself" in found_problems["#/channels/b"]


def test_refs_into_another_file_are_resolved(tmp_path: Path) -> None:
    (tmp_path / "common.yaml").write_text(
        "Ping:\n  type: object\n  required: [at]\n  properties: {at: {type: string}}\n")
    main = tmp_path / "main.yaml"
    main.write_text("asyncapi: 3.0.0\ninfo: {title: t, version: 1.0.0}\n"
                    "channels:\n  ping: {address: ping, messages: {Ping: {payload: "
                    "{$ref: 'common.yaml#/Ping'}}}}\n"
                    "operations:\n  ping: {action: receive, channel: {$ref: '#/channels/ping'}}\n")
    [spec] = imported(main).tools
    assert spec.args["in"]["message"] == "Ping"
    assert spec.args["defs"]["Ping"] == {"at": "string"}


def test_two_operations_with_one_code_get_numbered_codes() -> None:
    found = import_asyncapi(_doc(channels={
        "x": {"publish": {"operationId": "go", "message": {"payload": {}}}},
        "y": {"publish": {"operationId": "go", "message": {"payload": {}}}}}), broker="bus")
    assert [s.code for s in found.tools] == ["bus/go", "bus/go-2"]
    assert "bus/go-2" in problems(found)["#/channels/y/publish"]


@pytest.mark.parametrize(("document", "code", "pointer", "words"), [
    ([1, 2], "E102", "#", "not a list"),
    ({"openapi": "3.1.0", "paths": {}}, "E102", "#/openapi", "import-openapi"),
    ({"info": {}}, "E102", "#", "no 'asyncapi'"),
    ({"asyncapi": "1.2.0", "channels": {}}, "E102", "#/asyncapi", "not supported"),
    ({"asyncapi": "2.6.0"}, "E102", "#", "no 'channels'"),
    ({"asyncapi": "2.6.0", "channels": []}, "E102", "#/channels", "not a mapping"),
    ({"asyncapi": "3.0.0", "channels": {}}, "E102", "#", "no 'operations'"),
    ({"asyncapi": "3.0.0", "operations": [1]}, "E102", "#/operations", "not a mapping"),
])
def test_documents_that_cannot_be_imported_are_errors_naming_the_place(
        document: Any, code: str, pointer: str, words: str) -> None:
    with pytest.raises(AsyncApiError) as caught:
        import_asyncapi(document, broker="bus")
    assert (caught.value.code, caught.value.pointer) == (code, pointer)
    assert words in str(caught.value)


def test_unreadable_files_are_e101(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("asyncapi: [1\n")
    with pytest.raises(AsyncApiError) as caught:
        load_asyncapi(bad)
    assert caught.value.code == "E101" and "line 2" in str(caught.value)
    listed = tmp_path / "list.yaml"
    listed.write_text("- 1\n")
    with pytest.raises(AsyncApiError, match="not an AsyncAPI document"):
        load_asyncapi(listed)


def test_a_bad_broker_or_version_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="broker name"):
        import_asyncapi(_doc(), broker="a/b")
    with pytest.raises(ValueError, match="semantic version"):
        import_asyncapi(_doc(), broker="bus", version="1")


def test_the_input_document_is_not_changed() -> None:
    document = load_asyncapi(PRICING)
    before = copy.deepcopy(document)
    import_asyncapi(document, broker="bus")
    assert document == before


def test_a_3_0_operation_without_messages_is_typed_any_and_reported() -> None:
    found = import_asyncapi({
        "asyncapi": "3.0.0", "info": {"title": "t", "version": "1.0.0"},
        "channels": {"c": {"address": "c"}},
        "operations": {"go": {"action": "receive", "channel": {"$ref": "#/channels/c"}},
                       "bad": {"action": "publish", "channel": {"$ref": "#/channels/c"}}}},
        broker="bus")
    [spec] = found.tools
    assert spec.args["in"]["message"] == "any"
    found_problems = problems(found)
    assert "names a message" in found_problems["#/operations/go"]
    assert "neither send nor receive" in found_problems["#/operations/bad/action"]
