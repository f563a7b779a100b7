"""An ``oss:`` entry of ``fdl.yaml``: an object store that ``oss://<name>/<operation>`` reads
and writes (tools.md §6), as a pydantic model read by the configuration (`stdlib.config`)
and by the adapter (`stdlib.tools.oss`), and the operations' signatures for checking.

```yaml
oss:
    files: {url: 'file://.fdl/objects'}           # embedded default: a local folder
    s3: {url: 's3://reports', endpoint: 'http://127.0.0.1:9000', key_env: S3_KEY,
         secret_env: S3_SECRET}
```

This module imports no storage client.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, model_validator

from compiler.catalog import ToolArg, ToolSignature
from compiler.validate import Invalid, Wording
from gml.types import ANY, BOOL, INT, LONG, STRING, ArrayType, ObjectType, nullable

from ._http import redact_url
from .config import ConfigModel, EnvName

__all__ = ["OSS_OPERATIONS", "OssConfig", "oss_signatures"]

OSS_OPERATIONS = ("put", "get", "list", "delete", "presign")
"""The operations of an ``oss`` entry (``oss://<name>/<operation>``)."""


def _store_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme == "file":
        if not (parts.netloc + parts.path).strip("/"):
            raise Invalid("must name a folder: file://.fdl/objects (relative to fdl.yaml) or "
                          "file:///srv/objects")
        return value
    if parts.scheme == "s3":
        if not parts.netloc or "@" in parts.netloc or parts.query:
            raise Invalid(f"must be s3://bucket or s3://bucket/prefix, not "
                          f"{redact_url(value)!r}")
        return value
    raise Invalid(f"must be a file:// folder or an s3:// bucket, not {redact_url(value)!r}")


def _endpoint(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
        raise Invalid("must be an http:// or https:// URL without credentials (name them "
                      "with key_env and secret_env)")
    return value


class OssConfig(ConfigModel):
    """An object store: a local folder or an S3-compatible bucket."""

    url: Annotated[str, AfterValidator(_store_url), Wording(
        expect="file://FOLDER or s3://BUCKET[/PREFIX]")]
    endpoint: Annotated[str | None, AfterValidator(lambda v: v and _endpoint(v))] = Field(
        None, description="an S3-compatible endpoint (default: AWS)")
    region: str | None = Field(None, description="the S3 region (default us-east-1)")
    key_env: EnvName | None = Field(None, description="the variable holding the access key")
    secret_env: EnvName | None = Field(None, description="the variable holding the secret "
                                                         "key")
    timeout: Annotated[int, Field(gt=0), Wording(expect="a positive number of ms")] = Field(
        30_000, description="the limit of connecting and of each read, in ms")

    @model_validator(mode="after")
    def _consistent(self) -> OssConfig:
        if (self.key_env is None) != (self.secret_env is None):
            raise Invalid(": key_env and secret_env go together")
        if self.is_local and (self.endpoint or self.key_env or self.region):
            raise Invalid(": endpoint, region, key_env and secret_env are for s3:// stores",
                          at=("url",))
        return self

    @property
    def is_local(self) -> bool:
        """A ``file://`` folder."""
        return self.url.startswith("file:")


def oss_signatures(name: str) -> list[ToolSignature]:
    """What the operations of ``oss://<name>/...`` take and answer (tools.md §6)."""
    key = ToolArg("key", STRING, True, "the object's key (a/b/c.txt)")
    listed = ObjectType({"key": STRING, "size": LONG, "modified": STRING}, closed=True)

    def op(operation: str, inputs: dict[str, ToolArg], out: object, text: str
           ) -> ToolSignature:
        return ToolSignature("oss", f"{name}/{operation}", inputs, out,  # type: ignore[arg-type]
                             f"{text} ({name})")

    return [
        op("put", {"key": key,
                   "content": ToolArg("content", ANY, True, "text, or {base64: ...}"),
                   "contentType": ToolArg("contentType", nullable(STRING), False,
                                          "the media type (default: from the key)")},
           ObjectType({"key": STRING, "size": LONG, "etag": STRING}, closed=True),
           "store an object"),
        op("get", {"key": key}, nullable(ObjectType({"content": ANY, "contentType": STRING},
                                                    closed=True)),
           "read an object (null when there is none)"),
        op("list", {"prefix": ToolArg("prefix", nullable(STRING), False,
                                      "only keys starting with this")},
           ArrayType(listed), "list objects"),
        op("delete", {"key": key}, ObjectType({"deleted": BOOL}, closed=True),
           "delete an object"),
        op("presign", {"key": key, "expires": ToolArg("expires", nullable(INT), False,
                                                      "seconds the URL is valid (default "
                                                      "3600)")},
           ObjectType({"url": STRING}, closed=True), "a temporary URL to read an object"),
    ]
