"""The cluster's event loop: uvloop where installed, asyncio's own otherwise or when asked."""

from __future__ import annotations

import asyncio

import pytest

from engine.sandbox import Sandbox
from engine.sandbox.network import event_loop


def test_uvloop_is_used_when_installed_and_asyncio_on_request(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("uvloop", reason="uvloop is not installed on this platform")
    loop = event_loop.new_event_loop()
    try:
        assert event_loop.loop_name(loop) == "uvloop"
    finally:
        loop.close()
    monkeypatch.setenv(event_loop.ENV_VARIABLE, "asyncio")
    loop = event_loop.new_event_loop()
    try:
        assert event_loop.loop_name(loop) == "asyncio" and isinstance(loop, asyncio.BaseEventLoop)
    finally:
        loop.close()


def test_without_uvloop_the_sandbox_runs_on_asyncio(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(event_loop, "uvloop", None)
    with Sandbox(brokers=1) as sb:
        assert event_loop.loop_name(sb._loop) == "asyncio"
        sb.create_topic("t")
        assert sb.leader("t") == 1
