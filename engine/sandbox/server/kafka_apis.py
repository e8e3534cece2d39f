"""A broker's request dispatch (Kafka's KafkaApis): decode, apply faults, call the handler the
API table (`api_handlers.HANDLERS`) names, encode. Emits a `request` and a `response` event for
each request.
"""

from __future__ import annotations

import struct
import time
from typing import TYPE_CHECKING, Any

from engine.sandbox.common import protocol
from engine.sandbox.common.errors import Errors
from engine.sandbox.common.layouts import Buffer, EncodedBody
from engine.sandbox.faults import Action
from engine.sandbox.network.socket_server import CloseConnection, Connection
from engine.sandbox.server.api_handlers import HANDLERS, ApiHandler

if TYPE_CHECKING:
    from engine.sandbox.server.broker_server import Broker

API_VERSIONS = 18


class KafkaApis:
    """One broker's request handler: the SocketServer hands it each request frame in turn."""

    def __init__(self, broker: "Broker", handlers: dict[int, ApiHandler] = HANDLERS) -> None:
        self.broker = broker
        self.cluster = broker.cluster
        self.events = broker.cluster.events
        self.handlers = handlers

    def supported_versions(self) -> dict[int, tuple[int, int]]:
        """The version range of each API key, as ApiVersions advertises it."""
        return {k: (h.min_version, h.max_version) for k, h in self.handlers.items()}

    async def handle(self, frame: bytes, connection: Connection) -> bytes | list[Buffer] | None:
        """Answer one request frame: the response frame (or its buffers, in order, for the data
        path's hand-encoded responses), None for none (acks=0), or
        CloseConnection for what Kafka would disconnect on (unknown API or version, bad frame)."""
        broker_id = self.broker.broker_id
        try:
            header = protocol.peek_header(frame)
        except struct.error:
            raise CloseConnection() from None
        handler = self.handlers.get(header.api_key)
        if header.api_key == API_VERSIONS and (handler is None or header.api_version > handler.max_version):
            # KIP-511: answer an unknown ApiVersions version with v0, the error and our ranges.
            body = protocol.api_versions_body(self.supported_versions(), Errors.UNSUPPORTED_VERSION)
            return protocol.encode_response(API_VERSIONS, 0, header.correlation_id, body)
        if handler is None or not handler.min_version <= header.api_version <= handler.max_version:
            self.events.emit(broker_id, "bad_request", peer=connection.peer, api_key=header.api_key,
                             api_version=header.api_version, reason="unsupported API or version")
            raise CloseConnection()
        try:
            request = protocol.decode_request(header, frame)
        except Exception as exc:
            self.events.emit(broker_id, "bad_request", peer=connection.peer, api=handler.name,
                             api_version=header.api_version, reason=f"undecodable: {exc!r}"[:200])
            raise CloseConnection() from None
        action = self.cluster.faults.on_request(broker_id, handler.name, header.correlation_id)
        client_id = getattr(getattr(request, "header", None), "client_id", None)
        self.events.emit(broker_id, "request", api=handler.name, version=header.api_version,
                         correlation_id=header.correlation_id, client_id=client_id,
                         **({"dropped": True} if action is Action.DROP else {}))
        if action is Action.DROP:
            raise CloseConnection()
        started = time.monotonic()
        fields = await handler.fn(self, header, request)
        if action is Action.LOSE_ACK:
            self.events.emit(broker_id, "response", api=handler.name, correlation_id=header.correlation_id,
                             lost=True)
            raise CloseConnection()
        if fields is None:
            return None
        encoded = isinstance(fields, EncodedBody)
        self.events.emit(broker_id, "response", api=handler.name, correlation_id=header.correlation_id,
                         ms=round((time.monotonic() - started) * 1000, 1),
                         errors=_error_names(fields.errors) if encoded else _errors_in(fields))
        if encoded:
            return fields.framed(header.correlation_id)
        return protocol.encode_response(header.api_key, header.api_version, header.correlation_id, fields)


# Per response container class: its error-code fields and the fields that hold nested
# containers. Worked out once per class, so the per-response walk visits only those fields.
_ERROR_PLANS: dict[type, tuple[tuple[str, ...], tuple[str, ...]]] = {}


def _error_plan(cls: type) -> tuple[tuple[str, ...], tuple[str, ...]]:
    plan = _ERROR_PLANS.get(cls)
    if plan is None:
        struct = getattr(cls, "_struct", None)
        if struct is not None:      # a kafka-python message or nested container
            fields = struct.fields.values()
            plan = (tuple(f.name for f in fields if f.name.endswith("error_code")),
                    tuple(f.name for f in fields if f.is_struct() or f.is_struct_array()))
        else:
            names = tuple(getattr(cls, "__slots__", ()))
            plan = (tuple(n for n in names if n.endswith("error_code")),
                    tuple(n for n in names if not n.endswith("error_code")))
        _ERROR_PLANS[cls] = plan
    return plan


def _errors_in(fields: dict[str, Any]) -> list[str]:
    """The non-zero error codes anywhere in a response, by name (for the event log)."""
    found: set[int] = set()

    def walk(value: Any) -> None:
        if isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            for key, item in value.items():
                if key.endswith("error_code"):
                    if isinstance(item, int) and item:
                        found.add(item)
                elif isinstance(item, (list, dict)) or hasattr(type(item), "__slots__"):
                    walk(item)
        elif hasattr(type(value), "__slots__") and not isinstance(value, (bytes, str)):
            errors, children = _error_plan(type(value))
            for name in errors:
                code = getattr(value, name, 0)
                if isinstance(code, int) and code:
                    found.add(code)
            for name in children:
                child = getattr(value, name, None)
                if child is not None:
                    walk(child)

    walk(fields)
    return _error_names(found)


def _error_names(found: set[int]) -> list[str]:
    """Error codes by name, in code order (an unknown code by its number)."""
    names = []
    for code in sorted(found):
        try:
            names.append(Errors(code).name)
        except ValueError:
            names.append(str(code))
    return names
