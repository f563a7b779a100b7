"""``oss://`` (stdlib/tools/oss.py, tools.md §6) on the embedded local folder and on an S3
endpoint: moto's server mode, started by the test on loopback. Every behaviour test runs on
both stores through the parametrized ``store`` fixture."""

from __future__ import annotations

import base64
import hashlib
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
import trio
from moto.server import ThreadedMotoServer

from stdlib.config import ConfigError, project_config
from stdlib.tools import ToolCall, ToolError
from stdlib.tools.oss import OssTools
from stdlib.tools.oss_config import OssConfig
from tests.fdl.test_cli_adapters import invoke, output_of, write

KEYS = {"S3_KEY": "testing-key", "S3_SECRET": "testing-secret-value"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def _bucket(endpoint: str, name: str) -> None:
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                 aws_access_key_id=KEYS["S3_KEY"],
                 aws_secret_access_key=KEYS["S3_SECRET"]).create_bucket(Bucket=name)


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> OssTools:
    if request.param == "local":
        config = OssConfig.model_validate({"url": "file://objects"})
    else:
        endpoint = request.getfixturevalue("s3_endpoint")
        bucket = f"b-{tmp_path.name.lower().replace('_', '-')[-40:]}"
        _bucket(endpoint, bucket)
        config = OssConfig.model_validate({"url": f"s3://{bucket}/team", "endpoint": endpoint,
                                           "key_env": "S3_KEY", "secret_env": "S3_SECRET"})
    return OssTools({"files": config}, base=tmp_path, environ=KEYS)


def call(tools: OssTools, operation: str, **args: Any) -> Any:
    base = f"oss://files/{operation}"
    tool = tools.resolve(base)
    assert tool is not None

    async def go() -> Any:
        try:
            return await tool.call(ToolCall(uri=base, base=base, type="oss",
                                            code=f"files/{operation}", args=args))
        finally:
            await tools.aclose()

    return trio.run(go)


def fails(tools: OssTools, operation: str, **args: Any) -> ToolError:
    with pytest.raises(ToolError) as caught:
        call(tools, operation, **args)
    return caught.value


def test_put_then_get_round_trips_text(store: OssTools) -> None:
    put = call(store, "put", key="reports/today.csv", content="a,b\n1,2\n")
    assert put == {"key": "reports/today.csv", "size": 8,
                   "etag": hashlib.md5(b"a,b\n1,2\n").hexdigest()}
    assert call(store, "get", key="reports/today.csv") == {"content": "a,b\n1,2\n",
                                                            "contentType": "text/csv"}


def test_bytes_travel_as_base64(store: OssTools) -> None:
    data = bytes(range(256))
    encoded = base64.b64encode(data).decode()
    call(store, "put", key="blob.bin", content={"base64": encoded})
    assert call(store, "get", key="blob.bin")["content"] == {"base64": encoded}


def test_get_of_a_missing_key_is_null(store: OssTools) -> None:
    assert call(store, "get", key="nothing/here.txt") is None


def test_list_gives_keys_under_a_prefix_in_order(store: OssTools) -> None:
    for key in ("b/2.txt", "a/1.txt", "b/1.txt"):
        call(store, "put", key=key, content=key)
    listed = call(store, "list", prefix="b/")
    assert [(item["key"], item["size"]) for item in listed] == [("b/1.txt", 7), ("b/2.txt", 7)]
    assert all(item["modified"][:4].isdigit() for item in listed)
    assert [item["key"] for item in call(store, "list")] == ["a/1.txt", "b/1.txt", "b/2.txt"]


def test_delete_says_whether_there_was_an_object(store: OssTools) -> None:
    call(store, "put", key="x.txt", content="x")
    assert call(store, "delete", key="x.txt") == {"deleted": True}
    assert call(store, "delete", key="x.txt") == {"deleted": False}
    assert call(store, "get", key="x.txt") is None


@pytest.mark.parametrize("key", ["../escape.txt", "/etc/passwd", "a\\b", "a/../../b", "dir/"])
def test_keys_that_could_leave_the_store_are_refused(store: OssTools, key: str) -> None:
    error = fails(store, "put", key=key, content="x")
    assert (error.code, error.type) == ("OSS400", "validation")


def test_content_must_be_text_or_base64(store: OssTools) -> None:
    assert fails(store, "put", key="k", content=42).code == "OSS400"
    assert fails(store, "put", key="k", content={"base64": "***"}).code == "OSS400"


def test_the_local_store_writes_inside_its_folder(tmp_path: Path) -> None:
    tools = OssTools({"files": OssConfig.model_validate({"url": "file://data/objects"})},
                     base=tmp_path)
    call(tools, "put", key="a/b.txt", content="hi")
    assert (tmp_path / "data" / "objects" / "a" / "b.txt").read_text() == "hi"
    assert fails(tools, "presign", key="a/b.txt").code == "OSS400"


def test_a_presigned_url_reads_the_object(s3_endpoint: str, tmp_path: Path) -> None:
    _bucket(s3_endpoint, "presigned")
    tools = OssTools({"files": OssConfig.model_validate({
        "url": "s3://presigned", "endpoint": s3_endpoint, "key_env": "S3_KEY",
        "secret_env": "S3_SECRET"})}, environ=KEYS)
    call(tools, "put", key="hello.txt", content="hello")
    url = call(tools, "presign", key="hello.txt", expires=60)["url"]
    assert httpx.get(url).text == "hello"


def test_a_missing_bucket_is_the_stores_error_code(s3_endpoint: str) -> None:
    tools = OssTools({"files": OssConfig.model_validate({
        "url": "s3://no-such-bucket", "endpoint": s3_endpoint, "key_env": "S3_KEY",
        "secret_env": "S3_SECRET"})}, environ=KEYS)
    error = fails(tools, "put", key="k", content="x")
    assert error.code == "NoSuchBucket"


def test_a_missing_credential_variable_is_named(s3_endpoint: str) -> None:
    tools = OssTools({"files": OssConfig.model_validate({
        "url": "s3://b", "endpoint": s3_endpoint, "key_env": "S3_KEY",
        "secret_env": "S3_SECRET"})}, environ={"S3_KEY": "k"})
    error = fails(tools, "get", key="k")
    assert (error.code, error.type) == ("OSS401", "auth") and "S3_SECRET" in error.message


def test_an_endpoint_that_is_not_there_is_a_retryable_connection_error() -> None:
    tools = OssTools({"files": OssConfig.model_validate({
        "url": "s3://b", "endpoint": f"http://127.0.0.1:{_free_port()}", "key_env": "S3_KEY",
        "secret_env": "S3_SECRET"})}, environ=KEYS)
    error = fails(tools, "get", key="k")
    assert (error.code, error.type, error.retryable) == ("OSS503", "connection", True)
    assert KEYS["S3_SECRET"] not in error.message


# ---------------------------------------------------------------------------- fdl.yaml


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(("entry", "key"), [
    ("{url: 'ftp://x'}", "oss.files.url"),
    ("{url: 's3://user:pw@bucket'}", "oss.files.url"),
    ("{url: 'file://objects', endpoint: 'http://x'}", "oss.files"),
    ("{url: 's3://b', key_env: K}", "oss.files"),
])
def test_a_bad_oss_entry_is_a_configuration_error_with_its_line(project: Path, entry: str,
                                                                key: str) -> None:
    write("fdl.yaml", f"oss:\n    files: {entry}\n")
    with pytest.raises(ConfigError) as caught:
        project_config(project)
    assert caught.value.key is not None and caught.value.key.startswith(key)
    assert caught.value.line == 2
    assert "pw" not in str(caught.value)


def test_fdl_run_stores_and_reads_in_the_local_folder(project: Path) -> None:
    write("fdl.yaml", "oss:\n    files: {url: 'file://.fdl/objects'}\n")
    write("flows/store.yaml", """\
        flow:
            name: Store
            node:
                put:
                    exec: oss://files/put
                    args: key = 'notes/a.txt', content = 'hello'
                    next: get
                get:
                    exec: oss://files/get
                    args: key = put.key
    """)
    result = invoke("run", "flows/store.yaml", "--json")
    assert output_of(result)["output"] == {"content": "hello", "contentType": "text/plain"}
    assert (project / ".fdl" / "objects" / "notes" / "a.txt").read_text() == "hello"


def test_fdl_check_knows_the_operations_of_a_configured_store(project: Path) -> None:
    write("fdl.yaml", "oss:\n    files: {url: 'file://objects'}\n")
    write("flows/store.yaml", """\
        flow:
            name: Store
            node:
                put:
                    exec: oss://files/upload
                    args: key = 'a', content = 'b'
    """)
    result = invoke("check", "flows/store.yaml")
    # no operation is close to 'upload': E301 lists the store's operations instead
    assert result.exit_code == 1
    assert ("unknown tool 'oss://files/upload'; 'oss://files' has the operations delete, get, "
            "list, presign, put") in result.output
