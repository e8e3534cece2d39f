"""The one adapter over kafka-python's wire codec (pinned in pyproject.toml).

kafka-python 3 ships every Kafka JSON schema with a per-version codec that also works
server-side, but: it registers responses only (we build the api_key -> request map), it
lowers every schema's minimum version to 0 (we read the real range from the JSON's
`validVersions`), and `encode(version=...)` on a response crashes (we pass `version=` to
the constructor). Everything else in the sandbox goes through this module.
"""

from __future__ import annotations

import importlib
import io
import pkgutil
import struct
from dataclasses import dataclass
from typing import Any

import kafka.protocol as _kp
from kafka.protocol.api_message import ApiMessage

from engine.sandbox.common.errors import Errors
from engine.sandbox.common.layouts import PRODUCE_VERSIONS, decode_produce_request

_HEADER = struct.Struct(">hhi")
PRODUCE = 0
_CLIENT_ID_LENGTH = struct.Struct(">h")
# Room past the client id for the flexible header's tagged fields (none are defined today).
_HEADER_TAGS_ROOM = 1024


def _load_messages() -> tuple[dict[int, type], dict[int, type]]:
    for package in ("metadata", "producer", "consumer", "admin"):
        module = importlib.import_module(f"{_kp.__name__}.{package}")
        for info in pkgutil.iter_modules(module.__path__):
            importlib.import_module(f"{module.__name__}.{info.name}")
    requests: dict[int, type] = {}
    responses: dict[int, type] = {}

    def walk(cls: type) -> Any:
        for sub in cls.__subclasses__():
            yield sub
            yield from walk(sub)

    for cls in walk(ApiMessage):
        if getattr(cls, "_class_version", None) is not None:   # a version-pinned alias
            continue
        try:
            (requests if cls.is_request() else responses)[cls.API_KEY] = cls
        except Exception:   # abstract helpers without an API key
            continue
    return requests, responses


REQUESTS, RESPONSES = _load_messages()


def schema_versions(api_key: int) -> tuple[int, int]:
    """The schema's real (min, max) from its JSON `validVersions` ("3-13" or "0")."""
    text = str(REQUESTS[api_key]._json["validVersions"])
    low, _, high = text.partition("-")
    return int(low), int(high or low)


API_NAMES: dict[int, str] = {k: c.__name__.removesuffix("Request") for k, c in REQUESTS.items()}
API_KEYS: dict[str, int] = {name: key for key, name in API_NAMES.items()}


@dataclass(frozen=True)
class RequestHeader:
    """The fixed start of every request: API key, API version and correlation id."""

    api_key: int
    api_version: int
    correlation_id: int

    @property
    def api_name(self) -> str:
        """The API's protocol name (e.g. Produce), for events."""
        return API_NAMES.get(self.api_key, f"api{self.api_key}")


def peek_header(frame: bytes) -> RequestHeader:
    """The fixed part of every request header; raises struct.error on a short frame."""
    return RequestHeader(*_HEADER.unpack_from(frame))


def decode_request(header: RequestHeader, frame: bytes | bytearray) -> Any:
    """The whole request (header and body) decoded at the header's version: Produce by its
    hand-written layout (`layouts`), every other API with kafka-python's codec.

    The header is parsed from a copy of its own bytes and the body from a view of the frame:
    kafka-python's `decode(header=True)` would copy the whole frame (a megabyte of produce
    records) just to read the header.
    """
    if header.api_key == PRODUCE and PRODUCE_VERSIONS[0] <= header.api_version <= PRODUCE_VERSIONS[1]:
        return decode_produce_request(frame, header.api_version)     # batches stay in the frame
    cls = REQUESTS[header.api_key]
    client_id_length, = _CLIENT_ID_LENGTH.unpack_from(frame, _HEADER.size)
    prefix = _HEADER.size + _CLIENT_ID_LENGTH.size + max(client_id_length, 0) + _HEADER_TAGS_ROOM
    header_bytes = io.BytesIO(bytes(memoryview(frame)[:prefix]))
    parsed_header = cls.parse_header(header_bytes, version=header.api_version)
    request = cls.decode(memoryview(frame)[header_bytes.tell():], version=header.api_version)
    request._header = parsed_header      # where kafka-python's own decode keeps it (`request.header`)
    return request


def response_class(api_key: int) -> type:
    """The response message class of an API, whose nested classes build the response's fields."""
    return RESPONSES[api_key]


def encode_response(api_key: int, version: int, correlation_id: int, fields: dict[str, Any]) -> bytes:
    """A framed response (size prefix, header, body) for `fields`."""
    response = RESPONSES[api_key](version=version, **fields)
    response.with_header(correlation_id=correlation_id)
    return response.encode(header=True, framed=True)


def api_versions_body(supported: dict[int, tuple[int, int]], error: Errors = Errors.NONE) -> dict[str, Any]:
    """The ApiVersions response fields advertising these version ranges (also KIP-511's v0 fallback)."""
    entry = RESPONSES[18].ApiVersion
    keys = [entry(api_key=k, min_version=lo, max_version=hi) for k, (lo, hi) in sorted(supported.items())]
    return dict(error_code=int(error), api_keys=keys, throttle_time_ms=0)
