"""Handlers that change topic configs: IncrementalAlterConfigs and AlterConfigs (Kafka's
ConfigAdminManager). A topic's configs are its overrides of the broker's defaults, checked as
CreateTopics checks them (`topic_configs`: names and types; `log.log_config`: the ranges of
segment.bytes, retention.bytes and retention.ms, which the sandbox's logs act on).

- IncrementalAlterConfigs (KIP-339) changes the named configs only: SET, DELETE (back to the
  default), APPEND / SUBTRACT (list configs only, e.g. cleanup.policy).
- AlterConfigs replaces the whole set: a config it does not name reverts to the default.
Both answer per resource; only TOPIC resources can be altered here (dynamic broker configs are not
modelled), and `validate_only` checks without changing anything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.sandbox.common.errors import Errors
from engine.sandbox.common.protocol import RequestHeader, response_class
from engine.sandbox.server.controller import TopicError
from engine.sandbox.server.topic_configs import TOPIC_CONFIGS, ConfigType, InvalidConfig, validate_topic_configs

if TYPE_CHECKING:
    from engine.sandbox.server.kafka_apis import KafkaApis

TOPIC_RESOURCE = 2
SET, DELETE, APPEND, SUBTRACT = 0, 1, 2, 3


class ConfigRequestError(Exception):
    """A resource's alteration refused with a Kafka error code and a message."""

    def __init__(self, error: Errors, message: str) -> None:
        super().__init__(message)
        self.error = error


async def incremental_alter_configs(apis: "KafkaApis", header: RequestHeader, req: Any) -> dict[str, Any]:
    """IncrementalAlterConfigs: apply each topic's SET/DELETE/APPEND/SUBTRACT to its overrides."""

    def change(current: dict[str, str], resource: Any) -> dict[str, str]:
        updated = dict(current)
        names = [c.name for c in resource.configs]
        if len(names) != len(set(names)):
            raise ConfigRequestError(Errors.INVALID_REQUEST, "Error due to duplicate config keys")
        for c in resource.configs:
            op = c.config_operation
            if op == SET:
                if c.value is None:
                    raise ConfigRequestError(Errors.INVALID_REQUEST, f"Null value not supported for: {c.name}")
                updated[c.name] = c.value
            elif op == DELETE:
                updated.pop(c.name, None)
            elif op in (APPEND, SUBTRACT):
                definition = TOPIC_CONFIGS.get(c.name)
                if definition is None:
                    raise ConfigRequestError(Errors.INVALID_CONFIG, f"Unknown topic config name: {c.name}")
                if definition.type is not ConfigType.LIST:      # APPEND / SUBTRACT: list configs only
                    verb = "append" if op == APPEND else "subtract"
                    raise ConfigRequestError(Errors.INVALID_CONFIG,
                                             f"Config value {verb} is not allowed for config key: {c.name}")
                items = [v for v in updated.get(c.name, "").split(",") if v]
                values = [v.strip() for v in (c.value or "").split(",") if v.strip()]
                if op == APPEND:
                    items += [v for v in values if v not in items]
                else:
                    items = [v for v in items if v not in values]
                updated[c.name] = ",".join(items)
            else:
                raise ConfigRequestError(Errors.INVALID_REQUEST, f"Unknown config operation {op} for {c.name}")
        return updated

    return _alter(apis, 44, req, change)


async def alter_configs(apis: "KafkaApis", header: RequestHeader, req: Any) -> dict[str, Any]:
    """AlterConfigs: each topic's overrides become exactly the configs named."""

    def replace_all(_current: dict[str, str], resource: Any) -> dict[str, str]:
        updated: dict[str, str] = {}
        for c in resource.configs:
            if c.value is None:
                raise ConfigRequestError(Errors.INVALID_REQUEST, f"Null value not supported for: {c.name}")
            updated[c.name] = c.value
        return updated

    return _alter(apis, 33, req, replace_all)


def _alter(apis: "KafkaApis", api_key: int, req: Any, change: Any) -> dict[str, Any]:
    R = response_class(api_key)
    controller = apis.cluster.controller
    results = []
    for resource in req.resources:
        error, message = Errors.NONE, None
        try:
            if resource.resource_type != TOPIC_RESOURCE:
                raise ConfigRequestError(Errors.INVALID_REQUEST,
                                         f"resource type {resource.resource_type}: only topic configs can be altered here")
            topic = controller.topics.get(resource.resource_name)
            if topic is None:
                raise ConfigRequestError(Errors.UNKNOWN_TOPIC_OR_PARTITION,
                                         f"Topic {resource.resource_name} does not exist")
            configs = validate_topic_configs(change(topic.configs, resource))
            controller.set_topic_configs(topic.name, configs, validate_only=bool(req.validate_only))
        except InvalidConfig as exc:
            error, message = Errors.INVALID_CONFIG, str(exc)
        except ConfigRequestError as exc:
            error, message = exc.error, str(exc)
        except TopicError as exc:
            error, message = exc.error, str(exc)
        results.append(R.AlterConfigsResourceResponse(
            error_code=error, error_message=message, resource_type=resource.resource_type,
            resource_name=resource.resource_name))
    return dict(throttle_time_ms=0, responses=results)
