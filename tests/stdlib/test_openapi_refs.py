"""OpenAPI reading on libraries: ``$ref``s resolved with ``referencing`` (inside the
document, in other files, cycles), validation with ``openapi-spec-validator`` (errors at
their place with their JSON path), Swagger 2.0 refused with a coded message."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from fdl.cli import main
from stdlib.openapi import OpenApiError, import_openapi, load_openapi
from tests._http import serving

COMMON = """\
components:
  parameters:
    Id: {name: id, in: path, required: true, schema: {$ref: "#/components/schemas/Id"}}
  responses:
    Problem:
      description: a problem
      content:
        application/json:
          schema: {$ref: "#/components/schemas/Person"}
  schemas:
    Id: {type: integer, format: int32}
    Person:
      type: object
      properties:
        name: {type: string}
        friend: {$ref: "#/components/schemas/Person"}
"""


def _document(version: str) -> dict[str, Any]:
    """A document whose path parameter, response and one property are in common.yaml,
    with a cycle inside it (Item.parent) and one inside common.yaml (Person.friend)."""
    return {
        "openapi": version,
        "info": {"title": "Refs", "version": "1.0.0"},
        "paths": {"/items/{id}": {
            "parameters": [{"$ref": "common.yaml#/components/parameters/Id"}],
            "get": {"operationId": "getItem", "responses": {
                "200": {"description": "ok", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Item"}}}},
                "default": {"$ref": "common.yaml#/components/responses/Problem"}}}}},
        "components": {"schemas": {"Item": {
            "type": "object", "required": ["id"], "properties": {
                "id": {"type": "string"},
                "parent": {"$ref": "#/components/schemas/Item"},
                "owner": {"$ref": "./common.yaml#/components/schemas/Person"}}}}},
    }


def _write(folder: Path, version: str, as_json: bool) -> Path:
    (folder / "common.yaml").write_text(COMMON)
    document = _document(version)
    if as_json:
        file = folder / "api.json"
        file.write_text(json.dumps(document))
    else:
        file = folder / "api.yaml"
        file.write_text(yaml.safe_dump(document, sort_keys=False))
    return file


@pytest.mark.parametrize(("version", "as_json"), [("3.0.3", False), ("3.1.0", True)])
def test_internal_and_external_refs_and_cycles(tmp_path: Path, version: str,
                                               as_json: bool) -> None:
    file = _write(tmp_path, version, as_json)
    result = import_openapi(load_openapi(file), service="s", base_uri=file.as_uri(),
                            validate=True)
    (tool,) = result.tools
    assert tool.args["in"] == {"id": "int"}          # common.yaml → its own #/…/Id
    assert tool.args["out"] == "Item"
    assert tool.args["defs"] == {
        "Item": {"id": "string", "parent": "Item?", "owner": "ItemOwner?"},  # cycle kept
        "ItemOwner": {"name": "string?", "friend": "any"},                  # cycle cut
    }
    person = f"{(tmp_path / 'common.yaml').as_uri()}#/components/schemas/Person"
    assert [str(p) for p in result.problems] == [
        f"{person}/properties/friend: the schema is recursive through '{person}', which is "
        "not a component: typed any (recursion is kept only through #/components/schemas)"]


def test_external_refs_without_a_base_uri_are_reported(tmp_path: Path) -> None:
    file = _write(tmp_path, "3.1.0", as_json=True)
    result = import_openapi(load_openapi(file), service="s")
    text = "\n".join(map(str, result.problems))
    assert "the external $ref 'common.yaml#/components/parameters/Id' is not resolved" in text
    assert result.tools[0].args["defs"]["Item"]["owner"] == "any"


def test_an_external_file_that_is_missing_is_reported(tmp_path: Path) -> None:
    file = _write(tmp_path, "3.0.3", as_json=False)
    (tmp_path / "common.yaml").unlink()
    result = import_openapi(load_openapi(file), service="s", base_uri=file.as_uri())
    text = "\n".join(map(str, result.problems))
    assert f"the external $ref '{(tmp_path / 'common.yaml').as_uri()}#/components/" \
           "parameters/Id' is not resolved, so this parameter is not translated" in text


def test_a_validation_error_is_reported_with_its_json_path() -> None:
    document = {"openapi": "3.1.0", "info": {"title": "t"}, "paths": {"/a": {"get": {
        "operationId": "a", "responses": {"200": {"description": "ok"}}}}}}
    result = import_openapi(document, service="s", validate=True)
    assert [(p.pointer, p.message) for p in result.problems] == [
        ("#/info", 'not valid OpenAPI 3.1 at $.info: "version" is a required property')]
    assert [t.code for t in result.tools] == ["s/a"]
    assert import_openapi(document, service="s").problems == ()   # not asked to validate
    with pytest.raises(OpenApiError) as caught:
        import_openapi(document, service="s", strict=True)
    assert caught.value.code == "E105"
    assert '#/info ($.info): "version" is a required property' in str(caught.value)


def test_a_nested_validation_error_has_its_full_path() -> None:
    document = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {
        "/a": {"get": {"responses": {"200": {"content": {}}}}}}}
    result = import_openapi(document, service="s", validate=True)
    found = [p for p in result.problems if p.message.startswith("not valid")]
    assert [p.pointer for p in found] == ["#/paths/~1a/get/responses/200"]
    assert found[0].message.startswith(
        "not valid OpenAPI 3.0 at $.paths['/a'].get.responses[200]: ")
    assert "\n" not in found[0].message


def test_swagger_2_is_refused_with_a_code() -> None:
    with pytest.raises(OpenApiError) as caught:
        import_openapi({"swagger": "2.0", "info": {}, "paths": {}}, service="s")
    assert caught.value.code == "E102"
    assert "this is a Swagger 2.0 document; only OpenAPI 3.0 and 3.1 are imported: " \
           "convert it first" in str(caught.value)


def test_the_cli_reports_codes_and_validates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                             ) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    swagger = tmp_path / "swagger.yaml"
    swagger.write_text("swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}\n")
    refused = runner.invoke(main, ["tools", "import-openapi", str(swagger), "--service", "s"])
    assert refused.exit_code == 1
    assert refused.stderr.startswith("error: E102: this is a Swagger 2.0 document")
    bad = tmp_path / "bad.yaml"
    bad.write_text("openapi: 3.1.0\ninfo: {title: t}\npaths: {/a: {get: {operationId: a, "
                   "responses: {'200': {description: ok}}}}}\n")
    args = ["tools", "import-openapi", str(bad), "--service", "s", "--dry-run"]
    warned = runner.invoke(main, args)
    assert warned.exit_code == 0, warned.stderr
    assert f'{bad}#/info: not valid OpenAPI 3.1 at $.info: "version" is a required ' \
           "property" in warned.stderr
    strict = runner.invoke(main, [*args, "--strict"])
    assert strict.exit_code == 1
    assert strict.stderr.startswith("error: E105: the document is not valid OpenAPI 3.1")
    good = _write(tmp_path, "3.0.3", as_json=False)
    written = runner.invoke(main, ["tools", "import-openapi", str(good), "--service", "s",
                                   "--write", str(tmp_path / "tools"), "--json"])
    assert written.exit_code == 0, written.stderr
    assert json.loads(written.stdout)["tools"] == ["api://s/getItem"]
    assert "common.yaml#/components/schemas/Person/properties/friend: the schema is " \
           "recursive" in written.stderr


def test_a_document_from_a_url_may_not_read_local_files(tmp_path: Path) -> None:
    local = tmp_path / "local.yaml"
    local.write_text("Secret: {type: object, properties: {token: {type: string}}}\n")
    document = {"openapi": "3.1.0", "info": {"title": "t", "version": "1.0.0"}, "paths": {
        "/a": {"get": {"operationId": "a", "responses": {"200": {
            "description": "ok", "content": {"application/json": {
                "schema": {"$ref": f"{local.as_uri()}#/Secret"}}}}}}}}}
    from_file = import_openapi(document, service="s", validate=True,
                               base_uri=(tmp_path / "api.yaml").as_uri())
    assert from_file.tools[0].args["out"] == "AResult"           # read: a local document
    from_url = import_openapi(document, service="s", validate=True,
                              base_uri="https://api.example.com/openapi.yaml")
    assert from_url.tools[0].args["out"] == "any"                 # refused
    assert any("is not resolved: typed any" in p.message for p in from_url.problems)


def _folder_handler(folder: Path) -> type[BaseHTTPRequestHandler]:
    """A handler serving the files of ``folder`` (404 for anything else)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            file = folder / self.path.lstrip("/")
            data = file.read_bytes() if file.is_file() else b"not here"
            self.send_response(200 if file.is_file() else 404)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


def test_refs_of_a_document_read_from_a_url(tmp_path: Path) -> None:
    _write(tmp_path, "3.1.0", as_json=True)
    with serving(_folder_handler(tmp_path)) as server:
        url = f"{server.url}/api.json"
        result = import_openapi(load_openapi(url), service="s", base_uri=url, validate=True)
    (tool,) = result.tools
    assert tool.args["in"] == {"id": "int"}
    assert tool.args["defs"]["ItemOwner"] == {"name": "string?", "friend": "any"}
    person = f"{server.url}/common.yaml#/components/schemas/Person"
    assert [p.pointer for p in result.problems] == [f"{person}/properties/friend"]
