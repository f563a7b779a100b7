"""``oss://<name>/<operation>`` — object stores (spec/tools.md §6).

Each ``oss:`` entry of ``fdl.yaml`` (`stdlib.tools.oss_config.OssConfig`) is a store:

* ``file://FOLDER`` — the embedded default: a local folder (relative to ``fdl.yaml``),
  created on first write. A key is a relative path inside it; writes are atomic (a temporary
  file renamed into place). The content type is guessed from the key's extension and the
  etag is the content's MD5, as S3 reports it for a simple upload.
* ``s3://BUCKET[/PREFIX]`` — an S3-compatible bucket through boto3 (``endpoint`` for MinIO,
  moto and the like; path-style addressing there), credentials from the variables
  ``key_env``/``secret_env`` at first use (else boto3's own chain).

**Bridge to trio:** boto3 (imported when an S3 store is first used: it is slow to import)
and the file system are blocking; every operation runs in a worker
thread (`trio.to_thread.run_sync`), the S3 client created once per store and shared (boto3
clients are thread-safe).

Operations: ``put(key, content, contentType?)`` → ``{key, size, etag}`` (``content`` text, or
``{base64: ...}`` for bytes); ``get(key)`` → ``{content, contentType}`` (text when the bytes
are UTF-8, else ``{base64}``), or null when there is no such object (**decision**, as
``db://.../take``); ``list(prefix?)`` → ``[{key, size, modified}]`` sorted by key;
``delete(key)`` → ``{deleted}`` (whether there was one); ``presign(key, expires?)`` →
``{url}`` (S3 only; ``expires`` in seconds, default 3600).

Errors are `ToolError`: OSS400 for a key or content that cannot be used (a key with ``..``,
an absolute path, a backslash), OSS401 for missing or refused credentials (type ``auth``),
OSS503 for a store that cannot be reached (type ``connection``, retryable), the S3 error code
otherwise (``NoSuchBucket``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import mimetypes
import os
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar
from urllib.parse import urlsplit

import trio

from stdlib.tools import Tool, ToolCall, ToolError

from ._http import Secrets, describe_exception
from .mail import Attachment
from .oss_config import OSS_OPERATIONS, OssConfig

__all__ = ["OssTools"]

T = TypeVar("T")
DEFAULT_EXPIRES = 3600


def _content_bytes(value: Any, label: str) -> bytes:
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, Mapping) and set(value) == {"base64"} and isinstance(
            value["base64"], str):
        try:
            return base64.b64decode(value["base64"], validate=True)
        except (binascii.Error, ValueError):
            raise ToolError("OSS400", f"{label}: content.base64 is not base64",
                            type="validation") from None
    raise ToolError("OSS400", f"{label}: content must be text or {{base64: ...}}",
                    type="validation")


def _content_value(data: bytes) -> Any:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(data).decode("ascii")}


def _key(value: Any, label: str) -> str:
    if not isinstance(value, str) or not value:
        raise ToolError("OSS400", f"{label}: the key must be non-empty text",
                        type="validation")
    path = PurePosixPath(value)
    if value.startswith("/") or "\\" in value or ".." in path.parts or "\x00" in value or \
            value.endswith("/"):
        raise ToolError("OSS400", f"{label}: {value!r} is not a key (a relative path such as "
                        "reports/2025/today.csv, without '..', '\\' or a leading '/')",
                        type="validation")
    return value


def _guess(key: str) -> str:
    return mimetypes.guess_type(key)[0] or "application/octet-stream"


class _Local:
    """A store in a local folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, key: str) -> Path:
        return self.folder.joinpath(*PurePosixPath(key).parts)

    def put(self, key: str, data: bytes, content_type: str | None) -> dict[str, Any]:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".put-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return {"key": key, "size": len(data), "etag": hashlib.md5(data).hexdigest()}

    def get(self, key: str) -> dict[str, Any] | None:
        path = self._path(key)
        if not path.is_file():
            return None
        return {"content": _content_value(path.read_bytes()), "contentType": _guess(key)}

    def read(self, key: str) -> tuple[bytes, str] | None:
        path = self._path(key)
        return (path.read_bytes(), _guess(key)) if path.is_file() else None

    def list(self, prefix: str) -> list[dict[str, Any]]:
        if not self.folder.is_dir():
            return []
        found = []
        for path in self.folder.rglob("*"):
            if not path.is_file() or path.name.startswith(".put-"):
                continue
            key = path.relative_to(self.folder).as_posix()
            if key.startswith(prefix):
                stat = path.stat()
                found.append({"key": key, "size": stat.st_size,
                              "modified": datetime.fromtimestamp(stat.st_mtime, UTC)
                              .isoformat()})
        return sorted(found, key=lambda item: item["key"])

    def delete(self, key: str) -> dict[str, Any]:
        path = self._path(key)
        existed = path.is_file()
        path.unlink(missing_ok=True)
        return {"deleted": existed}

    def presign(self, key: str, expires: int) -> dict[str, Any]:
        raise ToolError("OSS400", "presign needs an s3:// store: a local folder has no URLs",
                        type="validation")


class _S3:
    """A store in an S3-compatible bucket."""

    def __init__(self, config: OssConfig, environ: Mapping[str, str], secrets: Secrets,
                 label: str) -> None:
        # boto3 takes a good part of a second to import: only projects with an S3 store pay.
        import boto3
        import botocore.config

        parts = urlsplit(config.url)
        self.bucket = parts.netloc
        self.prefix = parts.path.strip("/") + "/" if parts.path.strip("/") else ""
        credentials: dict[str, str] = {}
        if config.key_env and config.secret_env:
            for name, argument in ((config.key_env, "aws_access_key_id"),
                                   (config.secret_env, "aws_secret_access_key")):
                value = environ.get(name)
                if not value:
                    state = "is empty" if name in environ else "is not set"
                    raise ToolError("OSS401", f"{label}: the environment variable {name} "
                                    f"{state}", type="auth")
                secrets.add(value)
                credentials[argument] = value
        seconds = config.timeout / 1000
        self.client = boto3.session.Session().client(
            "s3", endpoint_url=config.endpoint, region_name=config.region or "us-east-1",
            config=botocore.config.Config(
                connect_timeout=seconds, read_timeout=seconds, retries={"max_attempts": 1},
                s3={"addressing_style": "path" if config.endpoint else "auto"},
                signature_version="s3v4"),
            **credentials)

    def _name(self, key: str) -> str:
        return self.prefix + key

    def put(self, key: str, data: bytes, content_type: str | None) -> dict[str, Any]:
        answer = self.client.put_object(Bucket=self.bucket, Key=self._name(key), Body=data,
                                        ContentType=content_type or _guess(key))
        return {"key": key, "size": len(data), "etag": str(answer.get("ETag", "")).strip('"')}

    def read(self, key: str) -> tuple[bytes, str] | None:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._name(key))
        except self.client.exceptions.ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise
        with answer["Body"] as body:
            return body.read(), str(answer.get("ContentType") or _guess(key))

    def get(self, key: str) -> dict[str, Any] | None:
        found = self.read(key)
        return None if found is None else {"content": _content_value(found[0]),
                                           "contentType": found[1]}

    def list(self, prefix: str) -> list[dict[str, Any]]:
        found = []
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self._name(prefix))
        for page in pages:
            for item in page.get("Contents", []):
                found.append({"key": item["Key"][len(self.prefix):], "size": item["Size"],
                              "modified": item["LastModified"].isoformat()})
        return sorted(found, key=lambda item: item["key"])

    def delete(self, key: str) -> dict[str, Any]:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except self.client.exceptions.ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return {"deleted": False}
            raise
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))
        return {"deleted": True}

    def presign(self, key: str, expires: int) -> dict[str, Any]:
        url = self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": self._name(key)},
            ExpiresIn=expires)
        return {"url": url}


_Store = _Local | _S3


def _store_error(error: Exception, label: str, config: OssConfig, secrets: Secrets
                 ) -> ToolError | None:
    """``error`` of a store as a `ToolError` (None: not a store's failure). botocore is only
    looked at when an S3 store loaded it."""
    if "botocore.exceptions" in sys.modules:
        import botocore.exceptions as bx

        if isinstance(error, bx.NoCredentialsError):
            return ToolError("OSS401", f"{label}: no credentials for {config.url}: set "
                             "key_env and secret_env", type="auth")
        if isinstance(error, bx.ClientError):
            info = error.response.get("Error", {})
            code = str(info.get("Code") or "OSS500")
            status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
            return ToolError(code, f"{label}: the store answered {code}: "
                             f"{secrets.scrub(str(info.get('Message') or ''))}",
                             type="auth" if status in (401, 403) else "tool",
                             retryable=status >= 500 or status == 429)
        if isinstance(error, bx.EndpointConnectionError | bx.ConnectionClosedError
                      | bx.ReadTimeoutError | bx.ConnectTimeoutError):
            return ToolError("OSS503", f"{label}: could not reach the store: "
                             f"{describe_exception(error, secrets)}", type="connection")
        if isinstance(error, bx.BotoCoreError):
            return ToolError("OSS500", f"{label}: {describe_exception(error, secrets)}",
                             type="tool")
    if isinstance(error, OSError):
        return ToolError("OSS500", f"{label}: {describe_exception(error, secrets)}",
                         type="tool")
    return None


class OssTools:
    """A runtime `ToolProvider` for ``oss://<name>/<operation>``.

    Args:
        stores: the ``oss:`` entries by name.
        base: the folder relative ``file://`` folders are relative to.
        environ: where credentials are read (default: ``os.environ``).
    """

    def __init__(self, stores: Mapping[str, OssConfig], *, base: Path | None = None,
                 environ: Mapping[str, str] | None = None) -> None:
        self.configs = dict(stores)
        self.base = base or Path.cwd()
        self.environ = environ
        self._stores: dict[str, _Store] = {}
        self._secrets: dict[str, Secrets] = {}

    def resolve(self, base: str) -> Tool | None:
        """The tool of ``oss://<name>/<operation>``; None for others."""
        scheme, _, code = base.partition("://")
        name, _, operation = code.partition("/")
        if scheme != "oss" or operation not in OSS_OPERATIONS or name not in self.configs:
            return None
        return _OssTool(self, name, operation)

    async def aclose(self) -> None:
        """Close the S3 clients' connection pools."""
        for store in self._stores.values():
            if isinstance(store, _S3):
                await trio.to_thread.run_sync(store.client.close)
        self._stores.clear()

    def _store(self, name: str, label: str) -> _Store:
        """The store ``name`` (created on first use; in a worker thread)."""
        store = self._stores.get(name)
        if store is None:
            config = self.configs[name]
            if config.is_local:
                parts = urlsplit(config.url)
                folder = Path(parts.netloc + parts.path)
                store = _Local(folder if folder.is_absolute() else self.base / folder)
            else:
                secrets = self._secrets.setdefault(name, Secrets())
                environ = self.environ if self.environ is not None else os.environ
                store = _S3(config, environ, secrets, label)
            self._stores[name] = store
        return store

    async def run(self, name: str, label: str, work: Callable[[_Store], T]) -> T:
        """``work(store)`` in a worker thread, its failures as `ToolError`."""
        secrets = self._secrets.setdefault(name, Secrets())
        config = self.configs[name]

        def step() -> T:
            return work(self._store(name, label))

        try:
            return await trio.to_thread.run_sync(step, abandon_on_cancel=True)
        except ToolError:
            raise
        except Exception as error:
            found = _store_error(error, label, config, secrets)
            if found is None:
                raise
            raise found from None

    async def attachment(self, store: str, key: str) -> Attachment:
        """The object ``key`` of ``store`` as a mail attachment (`stdlib.tools.mail`)."""
        label = f"oss://{store}/get"
        if store not in self.configs:
            raise ToolError("MAIL400", f"the attachment store '{store}' is not an oss entry",
                            type="validation")
        checked = _key(key, label)
        found = await self.run(store, label, lambda s: s.read(checked))
        if found is None:
            raise ToolError("404", f"{label}: there is no object {checked!r} to attach",
                            type="tool")
        return Attachment(PurePosixPath(checked).name, found[0], found[1])


class _OssTool:
    arguments: Sequence[str]

    def __init__(self, owner: OssTools, name: str, operation: str) -> None:
        self.owner = owner
        self.name = name
        self.operation = operation
        self.label = f"oss://{name}/{operation}"
        self.arguments = {"put": ("key", "content", "contentType"), "get": ("key",),
                          "list": ("prefix",), "delete": ("key",),
                          "presign": ("key", "expires")}[operation]

    async def call(self, call: ToolCall) -> Any:
        args, label = call.args, self.label
        run = self.owner.run
        if self.operation == "list":
            prefix = args.get("prefix") or ""
            if not isinstance(prefix, str):
                raise ToolError("OSS400", f"{label}: prefix must be text", type="validation")
            return await run(self.name, label, lambda s: s.list(prefix))
        key = _key(args.get("key"), label)
        if self.operation == "put":
            data = _content_bytes(args.get("content"), label)
            content_type = args.get("contentType")
            if content_type is not None and not isinstance(content_type, str):
                raise ToolError("OSS400", f"{label}: contentType must be text",
                                type="validation")
            return await run(self.name, label, lambda s: s.put(key, data, content_type))
        if self.operation == "get":
            return await run(self.name, label, lambda s: s.get(key))
        if self.operation == "delete":
            return await run(self.name, label, lambda s: s.delete(key))
        expires = args.get("expires") or DEFAULT_EXPIRES
        if not isinstance(expires, int) or isinstance(expires, bool) or expires <= 0:
            raise ToolError("OSS400", f"{label}: expires is a positive number of seconds",
                            type="validation")
        return await run(self.name, label, lambda s: s.presign(key, expires))
