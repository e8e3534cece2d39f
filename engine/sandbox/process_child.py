"""The child's side of `SandboxProcess` (engine.sandbox.process): a real `Sandbox`, the parent's
calls run against it, its events and the replies streamed back in order (engine.sandbox.process_wire).

Threads: the main thread reads the parent's messages and routes them; calls run on a small pool
of worker threads and wait for the cluster's loop like an in-process caller; the loop thread emits
events into the outbox; one sender thread writes the outbox to the pipe. While the loop is held
at a `hold_at_records` gate, the calls that arrive run on the loop thread itself.
"""

from __future__ import annotations

import itertools
import os
import pickle
import queue
import signal
import sys
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from typing import Any, Callable

from engine.sandbox.events import Event
from engine.sandbox.process_wire import FORWARDED, PROPERTIES, appended_records, dumps, pack_error
from engine.sandbox.sandbox import Sandbox


class ChildServer:
    """The child's end: runs the parent's calls, streams events and replies back in one ordered stream."""

    def __init__(self, conn: Connection, sandbox: Sandbox, streaming: bool) -> None:
        self.conn = conn
        self.sandbox = sandbox
        self._outbox: deque[tuple[Any, ...]] = deque()
        self._wake = threading.Event()
        self._stopped = False
        self._streaming = streaming  # whether the parent has subscribers: events cross the pipe
        self._appended: dict[str, int] = {}   # data records appended per topic, since start
        self._gates: dict[str, list[int]] = {}  # topic -> record counts to hold at
        self._gate_ids = itertools.count(1)
        self._gate_lock = threading.Lock()     # _appended and _gates: counted on the loop, armed by a call
        self._held: queue.SimpleQueue[Any] | None = None  # the waiting loop's inbox, while it waits
        self._route_lock = threading.Lock()
        self._handlers: dict[str, Callable[..., Any]] = {
            "_stream": self._stream, "hold_at_records": self._hold_at_records,
            "partition_count": self._partition_count}
        for name in FORWARDED:
            if name in PROPERTIES:
                self._handlers[name] = (lambda n: lambda: getattr(sandbox, n))(name)
            else:
                self._handlers[name] = getattr(sandbox, name)
        self._sender = threading.Thread(target=self._send_loop, name="sandbox-process-sender", daemon=True)
        # Calls wait for the loop like an in-process caller's; several at once, as several
        # threads of the parent may call at once (the runner's supervisor and its listener).
        self._workers = ThreadPoolExecutor(max_workers=4, thread_name_prefix="sandbox-process-call")

    def open(self) -> None:
        """Start sending, and listen to the cluster from its first event (before it starts)."""
        self._sender.start()
        self._unsubscribe = self.sandbox.subscribe(self.on_event)

    # --- outgoing: one writer, in order ------------------------------------------------
    def put(self, item: tuple[Any, ...]) -> None:
        """Queue one item for the parent (an event, a reply, ready or failed), after those before it."""
        self._outbox.append(item)
        self._wake.set()

    def finish(self) -> None:
        """Send what is queued, then stop the sender."""
        self._stopped = True
        self._wake.set()
        self._sender.join(10)

    def _send_loop(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            items = []
            while self._outbox:
                items.append(self._outbox.popleft())
            if items:
                try:
                    self.conn.send_bytes(dumps(("batch", items)))
                except (OSError, ValueError):
                    return  # the parent is gone: the main thread sees end-of-file and ends
            if self._stopped and not self._outbox:
                return

    # --- events ---------------------------------------------------------------------------
    def on_event(self, event: Event) -> None:
        """On the loop thread, for every event: count records, stream, hold at a gate."""
        counted = appended_records(event)
        gate = None
        if counted is not None:
            topic, n = counted
            with self._gate_lock:
                before = self._appended.get(topic, 0)
                self._appended[topic] = before + n
                marks = self._gates.get(topic)
                reached = bool(marks) and any(before < mark <= before + n for mark in marks)
                if reached:
                    self._gates[topic] = [m for m in marks if m > before + n]
            if reached and self._streaming and self._held is None:
                gate = next(self._gate_ids)
        if gate is not None:
            self._hold(event, gate)
        elif self._streaming:
            self.put(("event", event, None))

    def _hold(self, event: Event, gate: int) -> None:
        """Send the event and wait for the parent's release, running the calls that come meanwhile."""
        inbox: queue.SimpleQueue[Any] = queue.SimpleQueue()
        with self._route_lock:
            self._held = inbox
        self.put(("event", event, gate))
        while True:
            message = inbox.get()
            if message[0] != "call":
                return  # released (or the parent is gone)
            self._execute(message)

    def _stream(self, on: bool) -> None:
        self._streaming = bool(on)

    def _hold_at_records(self, topic: str, count: int) -> None:
        with self._gate_lock:
            if count > self._appended.get(topic, 0):  # not reached yet (else it is too late to hold)
                self._gates.setdefault(topic, []).append(int(count))

    def _partition_count(self, topic: str) -> int | None:
        t = self.sandbox.cluster.controller.topics.get(topic)
        return None if t is None else len(t.partitions)

    # --- calls ------------------------------------------------------------------------------
    def _execute(self, message: tuple[Any, ...]) -> None:
        """Run one call and queue its reply. On a worker thread, Sandbox's methods wait for their
        work on the loop, as for an in-process caller; on the held loop thread they run directly,
        as for an in-process listener (start_broker then returns before the broker is up)."""
        _, call_id, name, args, kwargs = message
        try:
            handler = self._handlers.get(name)
            if handler is None:
                raise AttributeError(f"the sandbox process has no call {name!r}")
            self.put(("reply", call_id, True, handler(*args, **kwargs)))
        except BaseException as exc:  # any error goes back to the caller, the child goes on
            self.put(("reply", call_id, False, pack_error(exc)))

    def serve(self) -> None:
        """Main thread: route the parent's messages until it says close or goes away."""
        close_id = None
        while True:
            try:
                message = pickle.loads(self.conn.recv_bytes())
            except (EOFError, OSError):
                break  # the parent is gone: close the cluster and end
            if message[0] == "release":
                with self._route_lock:
                    held, self._held = self._held, None
                if held is not None:
                    held.put(message)
                continue
            if message[0] != "call":
                continue
            if message[2] == "close":
                close_id = message[1]
                break
            with self._route_lock:
                held = self._held
            if held is not None:
                held.put(message)  # the loop is waiting for the parent: it runs the call itself
            else:
                self._workers.submit(self._execute, message)
        with self._route_lock:
            held, self._held = self._held, None
        if held is not None:
            held.put(("release", None))
        self._unsubscribe()
        self._streaming = False
        self._workers.shutdown(wait=False, cancel_futures=True)
        try:
            self.sandbox.close()
        except Exception:
            pass
        if close_id is not None:
            self.put(("reply", close_id, True, None))
        self.finish()


def _watch_parent(parent_pid: int) -> None:
    """End this process if its parent is gone (reparented), even if the pipe stays open somewhere."""
    while True:
        time.sleep(1.0)
        if os.getppid() != parent_pid:
            os._exit(70)


def child_main() -> None:
    """The child process: `python -c "...child_main()" FD PARENT_PID` (see SandboxProcess.start)."""
    fd, parent_pid = int(sys.argv[1]), int(sys.argv[2])
    # Ctrl-C reaches the whole foreground process group; the parent decides when the cluster stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="sandbox-parent-watch", daemon=True).start()
    conn = Connection(fd)
    try:
        message = pickle.loads(conn.recv_bytes())
    except (EOFError, OSError):
        return
    settings = message[1]
    sandbox = Sandbox(brokers=settings["brokers"], base_port=settings["base_port"], config=settings["config"],
                      max_events=settings["max_events"])
    server = ChildServer(conn, sandbox, streaming=settings["stream"])
    server.open()
    try:
        sandbox.start()
    except BaseException as exc:
        server.put(("failed", pack_error(exc)))
        server.finish()
        return
    server.put(("ready", sandbox.bootstrap_servers))
    server.serve()
    # The cluster is closed and the last reply sent. Leave now: a call still waiting for the
    # stopped loop would hold up the interpreter's exit (it joins the worker threads).
    os._exit(0)
