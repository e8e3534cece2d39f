"""The event loop the cluster runs on: uvloop (libuv, pinned in pyproject.toml) where it is
installed, else asyncio's own. Both run the same asyncio code; uvloop's sockets and scheduling
cost less per request, which is most of a broker's work here.

SANDBOX_EVENT_LOOP=asyncio forces asyncio's loop (to compare the two, or rule uvloop out).
"""

from __future__ import annotations

import asyncio
import os

try:
    import uvloop
except ImportError:          # not available on this platform (e.g. Windows): asyncio's loop
    uvloop = None

ENV_VARIABLE = "SANDBOX_EVENT_LOOP"


def new_event_loop() -> asyncio.AbstractEventLoop:
    """A new loop for the cluster's thread: uvloop's unless absent or SANDBOX_EVENT_LOOP=asyncio."""
    if uvloop is not None and os.environ.get(ENV_VARIABLE, "uvloop") != "asyncio":
        return uvloop.new_event_loop()
    return asyncio.new_event_loop()


def loop_name(loop: asyncio.AbstractEventLoop) -> str:
    """'uvloop' or 'asyncio', for events and benchmark output."""
    return "uvloop" if type(loop).__module__.startswith("uvloop") else "asyncio"
