"""`SandboxProcess`: the sandbox cluster in a child process, behind the `Sandbox` interface.

Why: `Sandbox` runs the brokers' asyncio loop in a thread of the calling process, so they share
its GIL. Inside the Textual app, rendering and the run panel's work slow every request the
brokers handle, and a lesson's measurements (throughput, p99 latency) come out several times
worse than from the command line. Here the same `Sandbox` runs in a process of its own; the
caller's process only forwards calls and receives events.

How:
- the child (engine.sandbox.process_child) is `python -c ...child_main()` on one end of a
  socketpair: no `multiprocessing` start-up magic, nothing of the caller's `__main__` is
  re-imported; the messages are in engine.sandbox.process_wire. One sender thread writes
  everything the child says, so a call's reply never overtakes the events the call caused;
- in the child a call runs on a worker thread and waits for its work on the cluster's loop, as an
  in-process caller does; the events that work emits are queued before its reply. The parent
  hands events to subscribers on one dispatcher thread, in the order the cluster emitted them,
  and a call returns only after the events queued before its reply have reached the subscribers
  (as with `Sandbox`, whose listeners have run by the time a call returns);
- events cross the pipe only while the parent has subscribers (`events` asks the child for its
  log instead);
- `hold_at_records(topic, count)`: a lesson's "after N records" fault must strike at the same
  point of the stream every run. In-process, the runner's listener applies it on the loop thread
  before the broker handles the next request. Here the child's loop waits, at the append that
  brings the topic to `count` records, until the parent's subscribers have seen that event; calls
  they make meanwhile run on the waiting loop thread itself, as they would in-process;
- the child runs in a session of its own (its own scheduling autogroup on Linux, like the
  example's), so the caller's own CPU use does not come out of the brokers' share; terminal
  signals (Ctrl-C) do not reach it. It dies with its parent: it ends when the pipe reaches
  end-of-file, and a watchdog thread ends it if its parent process changes (the parent was
  killed). `close()` waits for it.
Errors raised in the child are raised in the parent with the same type when it can be rebuilt
(TopicError, ValueError, KeyError...), with the child's traceback as a note.
"""

from __future__ import annotations

import itertools
import os
import pickle
import queue
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Callable

from engine.sandbox.config import SandboxConfig
from engine.sandbox.events import DEFAULT_CAPACITY, Event
from engine.sandbox.process_wire import SandboxProcessError, unpack_error
from engine.sandbox.sandbox import ConsumedRecord, Isolation

__all__ = ["SandboxProcess", "SandboxProcessError"]

Listener = Callable[[Event], None]


class _Call:
    """One call waiting for its reply."""

    __slots__ = ("done", "ok", "value", "from_dispatcher")

    def __init__(self, from_dispatcher: bool) -> None:
        self.done = threading.Event()
        self.ok = False
        self.value: Any = None
        self.from_dispatcher = from_dispatcher

    def resolve(self, ok: bool, value: Any) -> None:
        self.ok, self.value = ok, value
        self.done.set()


class SandboxProcess:
    """A mini Kafka cluster on 127.0.0.1, run by a `Sandbox` in a child process; same methods and
    properties as `Sandbox` (see the module docstring). Listeners run on this object's dispatcher
    thread, one event at a time, in the order the cluster emitted them."""

    START_TIMEOUT = 180.0   # seconds for the child to start its brokers (a loaded machine)
    CALL_TIMEOUT = 120.0    # seconds for one call (Sandbox waits 60 s for its loop; plus the pipe)

    def __init__(self, brokers: int = 3, base_port: int | None = None, config: SandboxConfig | None = None,
                 host: str | None = None, max_events: int | None = DEFAULT_CAPACITY, **settings: Any) -> None:
        """As `Sandbox`: `settings` override SandboxConfig fields; `host` is the listeners' address;
        `max_events` caps the events the child's log keeps (subscribers see every one)."""
        if host is not None:
            settings["listen_host"] = host
        self.config = replace(config or SandboxConfig(), **settings)
        self.broker_count = brokers
        self.base_port = base_port
        self.max_events = max_events
        self._proc: subprocess.Popen | None = None
        self._conn: Connection | None = None
        self._stderr: Any = None
        self._send_lock = threading.Lock()
        self._calls: dict[int, _Call] = {}
        self._calls_lock = threading.Lock()
        self._ids = itertools.count(1)
        self._listeners: tuple[Listener, ...] = ()
        self._listeners_lock = threading.Lock()
        self._inbox: queue.SimpleQueue[Any] = queue.SimpleQueue()  # events and replies, for the dispatcher
        self._reader: threading.Thread | None = None
        self._dispatcher: threading.Thread | None = None
        self._dead: str | None = None   # why the child is gone, once it is
        self._closing = False

    # --- lifecycle --------------------------------------------------------------------
    @property
    def pid(self) -> int | None:
        """The child process's id while it runs (None before start and after close)."""
        return self._proc.pid if self._proc is not None else None

    def start(self) -> "SandboxProcess":
        """Start the child process and, in it, every broker; returns self (or raises, cleaned up)."""
        if self._proc is not None:
            raise RuntimeError("the sandbox process is already running")
        mine, theirs = socket.socketpair()
        self._stderr = tempfile.TemporaryFile(prefix="sandbox-stderr-")
        root = str(Path(__file__).resolve().parents[2])  # the folder holding the `engine` package
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p))
        code = "from engine.sandbox.process_child import child_main; child_main()"
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-c", code, str(theirs.fileno()), str(os.getpid())],
                pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=self._stderr, env=env,
                # A session of its own, as the runner gives the example: Linux's scheduler
                # (autogroup) shares the CPU between sessions first, so in the caller's session
                # the brokers would split one share with the caller, and a busy caller (the app
                # drawing the run) would slow them down where a plain CLI does not.
                start_new_session=True)
        finally:
            theirs.close()  # the child has its copy: its end-of-file is now only its own
        self._conn = Connection(mine.detach())
        self._dead = None
        self._closing = False
        try:
            self._send(("start", {"brokers": self.broker_count, "base_port": self.base_port,
                                  "config": self.config, "max_events": self.max_events,
                                  "stream": bool(self._listeners)}))
            self._await_start()
        except BaseException:
            self._reap(kill=True)
            raise
        self._reader = threading.Thread(target=self._read, name="sandbox-process-reader", daemon=True)
        self._dispatcher = threading.Thread(target=self._dispatch, name="sandbox-process-events", daemon=True)
        self._reader.start()
        self._dispatcher.start()
        return self

    def _await_start(self) -> None:
        """Read the child's first batches until it says ready (events before that go to the
        dispatcher: subscribers from before start() see the cluster start) or failed (raised)."""
        assert self._conn is not None and self._proc is not None
        deadline = time.monotonic() + self.START_TIMEOUT
        while True:
            while not self._conn.poll(0.1):
                if self._proc.poll() is not None:
                    raise SandboxProcessError(f"the sandbox process did not start: {self._exit_reason()}")
                if time.monotonic() > deadline:
                    raise SandboxProcessError(f"the sandbox process did not start in {self.START_TIMEOUT:g} s")
            try:
                items = pickle.loads(self._conn.recv_bytes())[1]
            except (EOFError, OSError):
                self._proc.wait(10)
                raise SandboxProcessError(f"the sandbox process did not start: {self._exit_reason()}") from None
            started = False
            for item in items:
                if item[0] == "failed":
                    raise unpack_error(item[1])
                if item[0] == "ready":
                    started = True
                elif item[0] == "event":
                    self._inbox.put(item)
            if started:
                return

    def close(self) -> None:
        """Stop every broker and end the child process (killed if it does not end in time); safe
        to call twice, and after the child died."""
        if self._proc is None:
            return
        self._closing = True
        if self._dead is None:
            try:
                self._call("close")
            except Exception:  # already gone, or hung: the kill below ends it either way
                pass
        self._reap(kill=False)

    def _reap(self, kill: bool) -> None:
        """Wait for the child to exit (kill it after a grace period), then release the pipe and threads."""
        proc, self._proc = self._proc, None
        if proc is not None:
            if kill:
                proc.kill()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(30)
        if self._conn is not None:
            try:
                self._conn.close()
            except OSError:
                pass
        me = threading.current_thread()
        for thread in (self._reader, self._dispatcher):
            if thread is not None and thread is not me:
                thread.join(10)
        self._reader = self._dispatcher = None
        self._conn = None
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        self._fail_calls(self._dead or "the sandbox process was closed")

    def __enter__(self) -> "SandboxProcess":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def cluster(self) -> Any:
        """Not available: the Cluster lives in the child process. Use the methods (partition_count,
        leader, records...) or an in-process `Sandbox`."""
        raise RuntimeError("the sandbox runs in a child process: its Cluster object is not reachable "
                           "from here; use SandboxProcess's methods, or engine.sandbox.Sandbox in-process")

    # --- the pipe ---------------------------------------------------------------------
    def _send(self, message: tuple[Any, ...]) -> None:
        conn = self._conn
        if conn is None:
            raise SandboxProcessError("the sandbox process is not running")
        data = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
        try:
            with self._send_lock:
                conn.send_bytes(data)
        except (OSError, ValueError) as exc:
            # The child is gone: the reader is about to see end-of-file and say how it ended.
            reader = self._reader
            if reader is not None and reader is not threading.current_thread():
                reader.join(10)
            raise SandboxProcessError(self._dead or f"the sandbox process is not reachable ({exc})") from None

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Run `name` in the child and return its result (or raise its error here)."""
        if self._proc is None:
            raise SandboxProcessError("the sandbox process is not running")
        call_id = next(self._ids)
        call = _Call(from_dispatcher=threading.current_thread() is self._dispatcher)
        with self._calls_lock:
            # Registered before `_dead` is read: the reader sets `_dead`, then fails every
            # registered call, so a call either sees the death here or is failed by the reader.
            self._calls[call_id] = call
        try:
            if self._dead is not None:
                raise SandboxProcessError(self._dead)
            self._send(("call", call_id, name, args, kwargs))
            if not call.done.wait(self.CALL_TIMEOUT):
                raise SandboxProcessError(f"the sandbox process did not answer {name}() in {self.CALL_TIMEOUT:g} s")
        finally:
            with self._calls_lock:
                self._calls.pop(call_id, None)
        if not call.ok:
            raise call.value if isinstance(call.value, BaseException) else unpack_error(call.value)
        return call.value

    def _read(self) -> None:
        """Reader thread: replies to the calls waiting for them, events to the dispatcher, in order."""
        conn = self._conn
        assert conn is not None
        try:
            while True:
                message = pickle.loads(conn.recv_bytes())
                for item in message[1]:
                    if item[0] == "reply":
                        with self._calls_lock:
                            call = self._calls.get(item[1])
                        if call is None:
                            continue
                        if call.from_dispatcher:
                            # The dispatcher itself is waiting (a listener called in): it cannot
                            # also be the one to hand it the reply.
                            call.resolve(item[2], item[3])
                        else:
                            self._inbox.put(("reply", call, item[2], item[3]))
                    else:
                        self._inbox.put(item)
        except (EOFError, OSError, ValueError):
            pass
        except Exception as exc:  # a message that does not unpickle here: say so, end the child
            if not self._closing:
                self._dead = f"the sandbox process sent what cannot be read here ({exc!r})"
                if self._proc is not None:
                    self._proc.kill()
        if not self._closing and self._dead is None:
            self._dead = f"the sandbox process ended unexpectedly: {self._exit_reason(wait=5)}"
        self._inbox.put(("end",))
        self._fail_calls(self._dead or "the sandbox process was closed")

    def _exit_reason(self, wait: float = 0) -> str:
        """How the child ended (exit code or signal), with the last lines it wrote to stderr."""
        proc = self._proc
        code = None
        if proc is not None:
            try:
                code = proc.wait(wait) if wait else proc.poll()
            except subprocess.TimeoutExpired:
                code = None
        if code is None:
            how = "its pipe closed"
        elif code < 0:
            try:
                how = f"killed by signal {-code} ({signal.Signals(-code).name})"
            except ValueError:
                how = f"killed by signal {-code}"
        else:
            how = f"exit code {code}"
        pid = f"pid {proc.pid}, " if proc is not None else ""
        tail = ""
        if self._stderr is not None:
            try:
                self._stderr.seek(0)
                lines = self._stderr.read().decode("utf-8", "replace").strip().splitlines()[-5:]
                tail = ("; its last words: " + " | ".join(lines)) if lines else ""
            except (OSError, ValueError):
                pass
        return f"{pid}{how}{tail}"

    def _fail_calls(self, reason: str) -> None:
        with self._calls_lock:
            waiting = list(self._calls.values())
        for call in waiting:
            if not call.done.is_set():
                call.resolve(False, SandboxProcessError(reason))

    def _dispatch(self) -> None:
        """Dispatcher thread: events to the listeners, in order; replies after the events before them."""
        while True:
            item = self._inbox.get()
            if item[0] == "end":
                return
            if item[0] == "reply":
                item[1].resolve(item[2], item[3])
                continue
            _, event, gate = item
            for listener in self._listeners:
                try:
                    listener(event)
                except Exception:  # a broken listener never breaks the cluster (as in EventLog)
                    pass
            if gate is not None:
                try:
                    self._send(("release", gate))
                except SandboxProcessError:
                    pass

    # --- what lessons, runners and tests use ------------------------------------------
    @property
    def bootstrap_servers(self) -> str:
        """The brokers' host:port list, as a client's bootstrap.servers."""
        return self._call("bootstrap_servers")

    @property
    def events(self) -> list[Event]:
        """Every event the child's log holds, oldest first (fetched from the child)."""
        return self._call("events")

    def subscribe(self, listener: Callable[[Event], None]) -> Callable[[], None]:
        """Call `listener` with every new event (on the dispatcher thread); returns unsubscribe.
        Events cross the pipe only while someone is subscribed."""
        with self._listeners_lock:
            first = not self._listeners
            self._listeners = self._listeners + (listener,)
        if first and self._proc is not None:  # before start(), the child is told when it starts
            self._call("_stream", True)

        def unsubscribe() -> None:
            with self._listeners_lock:
                if listener not in self._listeners:
                    return
                listeners = list(self._listeners)
                listeners.remove(listener)
                self._listeners = tuple(listeners)
                last = not self._listeners
            if last and self._dead is None and self._proc is not None:
                try:
                    self._call("_stream", False)
                except SandboxProcessError:
                    pass
        return unsubscribe

    def hold_at_records(self, topic: str, count: int) -> None:
        """At the append that brings `topic` to `count` data records (counted since start, over
        its partitions), the cluster waits until the subscribers have seen that event; calls
        they make meanwhile run at once. A `records` fault trigger strikes at the same point of
        the stream every run, as with an in-process `Sandbox` (whose listeners run on its loop)."""
        self._call("hold_at_records", topic, count)

    def partition_count(self, topic: str) -> int | None:
        """How many partitions the controller lists for `topic` (None: no such topic)."""
        return self._call("partition_count", topic)

    def create_topic(self, name: str, partitions: int = 1, replication_factor: int | None = None,
                     min_insync_replicas: int | None = None, configs: dict[str, str] | None = None) -> None:
        """Create a topic as CreateTopics would (ValueError naming the Kafka error if refused)."""
        self._call("create_topic", name, partitions, replication_factor, min_insync_replicas, configs)

    def topic_configs(self, topic: str) -> dict[str, str]:
        """The topic's config overrides (what CreateTopics or AlterConfigs set)."""
        return self._call("topic_configs", topic)

    def log_start_offset(self, topic: str, partition: int = 0, broker: int | None = None) -> int:
        """The first offset a replica still holds (the leader's if `broker` is None; -1 if none)."""
        return self._call("log_start_offset", topic, partition, broker)

    def cleanup_logs(self) -> None:
        """Run a retention pass on every running broker now: old segments go, log start offsets move."""
        self._call("cleanup_logs")

    def leader(self, topic: str, partition: int = 0) -> int | None:
        """The partition's leader broker id (None while it is offline)."""
        return self._call("leader", topic, partition)

    def isr(self, topic: str, partition: int = 0) -> list[int]:
        """The partition's in-sync replicas: the brokers an acks=all write waits for."""
        return self._call("isr", topic, partition)

    def replicas(self, topic: str, partition: int = 0) -> list[int]:
        """The brokers holding a replica of the partition, preferred leader first."""
        return self._call("replicas", topic, partition)

    def lose_acks(self, count: int = 1, api: str | None = "Produce") -> None:
        """The next `count` requests of `api` are applied but their response is lost (the client retries)."""
        self._call("lose_acks", count, api)

    def drop_requests(self, count: int = 1, api: str | None = "Produce") -> None:
        """The next `count` requests of `api` are discarded unapplied and their connection cut."""
        self._call("drop_requests", count, api)

    def pause_replication(self) -> None:
        """Followers stop fetching: the ISR shrinks after replica.lag.time.max.ms and the HW stalls."""
        self._call("pause_replication")

    def resume_replication(self) -> None:
        """Followers fetch again and catch up (back into the ISR)."""
        self._call("resume_replication")

    def stop_broker(self, broker_id: int) -> None:
        """Crash a broker: leaders and coordinators move, its logs stay for a restart."""
        self._call("stop_broker", broker_id)

    def start_broker(self, broker_id: int) -> None:
        """Restart a stopped broker: it truncates to its leaders' logs, catches up and rejoins the ISR."""
        self._call("start_broker", broker_id)

    def clean_logs(self) -> int:
        """Run the log cleaner now on every running broker; returns how many records it removed."""
        return self._call("clean_logs")

    def broker_running(self, broker_id: int) -> bool:
        """Whether the broker is up."""
        return self._call("broker_running", broker_id)

    def high_watermark(self, topic: str, partition: int = 0) -> int:
        """The partition leader's high watermark (-1 offline)."""
        return self._call("high_watermark", topic, partition)

    def log_end_offset(self, topic: str, partition: int = 0, broker: int | None = None) -> int:
        """The log end offset of a replica (the leader's if `broker` is None); -1 if it has none."""
        return self._call("log_end_offset", topic, partition, broker)

    def records(self, topic: str, partition: int = 0, isolation: Isolation = "read_committed") -> list[ConsumedRecord]:
        """What a consumer at `isolation` reads now from the partition's leader."""
        return self._call("records", topic, partition, isolation)
