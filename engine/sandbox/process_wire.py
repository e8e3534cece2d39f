"""The pipe between `SandboxProcess` (engine.sandbox.process) and its child
(engine.sandbox.process_child): message shapes, errors and events across it.

Messages are pickled tuples framed by `multiprocessing.connection.Connection`:
- parent to child: ("start", settings), then ("call", id, name, args, kwargs) and ("release", gate);
- child to parent: ("batch", items), each item one of ("ready", bootstrap_servers),
  ("failed", error), ("event", Event, gate or None), ("reply", id, ok, value or error).
One sender thread in the child writes every batch, so nothing it says overtakes what it said before.
"""

from __future__ import annotations

import pickle
import sys
import traceback
from dataclasses import replace
from typing import Any

from engine.sandbox.events import Event

# The Sandbox members the parent forwards, besides the lifecycle; each runs in the child as
# getattr(sandbox, name)(*args) (or reads the property).
FORWARDED = ("bootstrap_servers", "events", "create_topic", "leader", "isr", "replicas", "lose_acks",
             "drop_requests", "pause_replication", "resume_replication", "stop_broker", "start_broker",
             "clean_logs", "broker_running", "high_watermark", "log_end_offset", "records", "topic_configs",
             "log_start_offset", "cleanup_logs")
PROPERTIES = ("bootstrap_servers", "events")


class SandboxProcessError(RuntimeError):
    """The sandbox's process is not running: not started, closed, killed or crashed."""


# ---------------------------------------------------------------- errors across the pipe


def pack_error(exc: BaseException) -> tuple[Any, ...]:
    """An exception as the parent can rebuild it: pickled whole when that round-trips, else its
    type's name, args and attributes (TopicError's __init__ takes two arguments, pickle passes one)."""
    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    try:
        blob = pickle.dumps(exc)
        pickle.loads(blob)
        return ("pickled", blob, tb)
    except Exception:
        pass
    state = {}
    for key, value in getattr(exc, "__dict__", {}).items():
        try:
            pickle.dumps(value)
            state[key] = value
        except Exception:
            state[key] = repr(value)
    args = tuple(a if isinstance(a, (str, int, float, bool, type(None))) else repr(a) for a in exc.args)
    return ("parts", type(exc).__module__, type(exc).__qualname__, args, state, str(exc), tb)


def unpack_error(packed: tuple[Any, ...]) -> BaseException:
    """The exception to raise in the parent: the child's own type where it can be rebuilt,
    SandboxProcessError naming it otherwise."""
    if packed[0] == "pickled":
        exc: BaseException = pickle.loads(packed[1])
        tb = packed[2]
    else:
        _, module, qualname, args, state, text, tb = packed
        try:
            cls: Any = sys.modules.get(module) or __import__(module, fromlist=["_"])
            for part in qualname.split("."):
                cls = getattr(cls, part)
            if not (isinstance(cls, type) and issubclass(cls, BaseException)):
                raise TypeError(qualname)
            exc = cls.__new__(cls)
            BaseException.__init__(exc, *args)
            exc.__dict__.update(state)
        except Exception:
            exc = SandboxProcessError(f"{qualname}: {text}")
    if hasattr(exc, "add_note"):
        exc.add_note("raised in the sandbox process:\n" + tb.rstrip())
    return exc


def dumps(message: tuple[Any, ...]) -> bytes:
    """Pickle a message; an event whose details will not pickle travels with them as text."""
    try:
        return pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
    except Exception:
        if message[0] != "batch":
            raise
    items = []
    for item in message[1]:
        try:
            pickle.dumps(item, pickle.HIGHEST_PROTOCOL)
        except Exception:
            if item[0] == "event":
                event = item[1]
                item = ("event", replace(event, details={k: _plain(v) for k, v in event.details.items()}), item[2])
            else:
                item = (item[0], item[1], False, pack_error(TypeError(f"the result of call {item[1]} does not pickle")))
        items.append(item)
    return pickle.dumps(("batch", items), pickle.HIGHEST_PROTOCOL)


def _plain(value: Any) -> Any:
    try:
        pickle.dumps(value)
        return value
    except Exception:
        return repr(value)


def appended_records(event: Event) -> tuple[str, int] | None:
    """(topic, records) for a leader's append of a data batch, None for any other event: what a
    scenario's `records` trigger counts (transaction markers are control batches, not records)."""
    if event.kind != "append" or event.details.get("control"):
        return None
    d = event.details
    return d.get("topic"), int(d["last_offset"]) - int(d["base_offset"]) + 1
