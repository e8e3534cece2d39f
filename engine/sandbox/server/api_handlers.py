"""Registering API handlers: what KafkaApis dispatches to, and the versions it advertises.

A handler is `async fn(apis, header, request) -> dict | None`: the response's fields (the
adapter adds the header) or None for no response (acks=0). Register one with

    @handles("Produce", 3, 9)
    async def produce(apis, header, request): ...

in a module listed in HANDLER_MODULES; ApiVersions advertises exactly what is registered, and
registration refuses a range outside the schema's real `validVersions`. Modules load in list
order and a later registration of the same API replaces an earlier one (the transaction module
may take over InitProducerId; core_handlers' version delegates a transactional id to
`cluster.transaction_coordinator.handle_init_producer_id(apis, header, request)`).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from engine.sandbox.common.protocol import API_KEYS, RequestHeader, schema_versions

if TYPE_CHECKING:
    from engine.sandbox.server.kafka_apis import KafkaApis

HandlerFn = Callable[["KafkaApis", RequestHeader, Any], Awaitable[dict[str, Any] | None]]

# Modules whose @handles functions make up a broker's API; issue 4 adds its transaction module.
HANDLER_MODULES = [
    "engine.sandbox.server.core_apis",
    "engine.sandbox.server.group_apis",
    "engine.sandbox.server.transaction_apis",
]


@dataclass(frozen=True)
class ApiHandler:
    api_key: int
    name: str
    min_version: int
    max_version: int
    fn: HandlerFn


_REGISTRY: dict[int, ApiHandler] = {}


def handles(name: str, min_version: int, max_version: int) -> Callable[[HandlerFn], HandlerFn]:
    api_key = API_KEYS[name]
    low, high = schema_versions(api_key)
    if not low <= min_version <= max_version <= high:
        raise ValueError(f"{name} v{min_version}-{max_version} is outside its schema's v{low}-{high}")

    def register(fn: HandlerFn) -> HandlerFn:
        _REGISTRY[api_key] = ApiHandler(api_key, name, min_version, max_version, fn)
        return fn
    return register


def registry() -> dict[int, ApiHandler]:
    for module in HANDLER_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:      # a real import error inside an existing module
                raise
    return dict(_REGISTRY)
