"""`course serve [--host 127.0.0.1] [--port 8000] [--course DIR]`: the course in a web browser.

textual-serve (pinned in pyproject.toml) answers the page and, for every browser tab that opens
its websocket, starts one app process that speaks Textual's web-driver protocol over its
stdin/stdout; the page draws that output with xterm.js. Each tab is its own learner session: its
own `CourseApp` process, and so its own sandbox when an example runs (the Kafka brokers are
threads of that process, listening on 127.0.0.1 only).

Process handling, which textual-serve leaves to its caller (it starts the app through a shell and,
when a tab closes, only asks it to quit and waits):

- every app runs in a new session (its own process group), so the terminal's Ctrl-C reaches the
  server alone, and the server can end an app's whole group;
- when a tab closes, or the server stops, the app is asked to quit (a running example is then
  stopped and its sandbox closed by the app itself); an app still alive after `QUIT_GRACE` seconds
  gets SIGTERM, which Textual's web driver turns into the same orderly exit, and after `TERM_GRACE`
  more its process tree is killed;
- every app watches its parent: if the server dies without stopping it (SIGKILL), the app ends
  itself within a second, in the same orderly way.

Progress is kept where the local app keeps it (`engine.paths.course_data_dir()` of the course
served): a server serves one learner, and every tab reads and writes that learner's progress.

The same module is the per-tab entry point: `python -m course.commands.serve --parent PID ...`
starts the watchdog, then the app.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import logging
import os
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
QUIT_GRACE = 10.0  # seconds an app gets to quit by itself: stopping a run takes up to ~7 s (runner._kill_group)
TERM_GRACE = 5.0  # after SIGTERM, before the app's process tree is killed
WATCHDOG_INTERVAL = 0.5  # how often an app checks that its server is still there

log = logging.getLogger("course.serve")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve", help="serve the course to a web browser",
        description="Serve the course over HTTP: each browser tab gets its own copy of the app (and its own "
                    "sandbox), ended when the tab closes. Progress is kept where `course` keeps it: one "
                    "learner per server. Ctrl-C stops the server and every session.")
    p.add_argument("--host", default=DEFAULT_HOST, metavar="ADDRESS",
                   help="the address to listen on (default 127.0.0.1; 0.0.0.0 for every interface). There is "
                        "no authentication: anyone who can reach the address can use the course, and run code")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, metavar="P",
                   help=f"the port to listen on (default {DEFAULT_PORT}; 0 picks a free one)")
    # SUPPRESS: without the option here, the top-level `course --course DIR serve` value stands.
    p.add_argument("--course", metavar="DIR", default=argparse.SUPPRESS,
                   help="serve another course folder (lessons/ and quizzes/)")
    p.set_defaults(func=main)


# ---------------------------------------------------------------- the server


def exposure_warning(host: str) -> str | None:
    """The warning printed before serving on a non-loopback address, or None."""
    # Imported here: the module is also each tab's entry point, which needs none of the sandbox.
    from course.commands.sandbox import is_loopback

    if is_loopback(host):
        return None
    where = "every interface of this machine" if host in ("", "0.0.0.0", "::") else host
    return (f"course serve: warning: listening on {where}; there is no authentication or encryption, so "
            "anyone who can reach it can use the course as you, including running the Python code of its "
            "Examples tab on this machine (use the default, 127.0.0.1, unless other machines must connect)")


def session_command(course_dir: Path, bootstrap_servers: str | None) -> list[str]:
    """The command line of one tab's app: this module as a script, watching this process."""
    argv = [sys.executable, "-m", "course.commands.serve", "--parent", str(os.getpid()),
            "--course", str(course_dir)]
    if bootstrap_servers:
        argv += ["--bootstrap-servers", bootstrap_servers]
    return argv


def page_url(host: str, port: int) -> str:
    """The address to open: a wildcard host is shown as this machine's name."""
    if host in ("", "0.0.0.0", "::"):
        host = socket.gethostname()
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    return f"http://{host}:{port}/"


def main(args: argparse.Namespace) -> int:
    from engine.content.course import load_course
    from engine.paths import course_dir

    course = getattr(args, "course", None)
    root = Path(course).resolve() if course else course_dir()
    if not 0 <= args.port <= 65535:
        print(f"course serve: --port {args.port}: a port is 0..65535 (0 picks a free one)", file=sys.stderr)
        return 2
    # Loaded once here (about half a second), so that a folder the app could not show is refused
    # before anyone opens a tab; each tab's app loads it again, as `course` does.
    loaded = load_course(root)
    if next(iter(loaded.lessons()), None) is None:
        why = "; ".join(p.message for p in loaded.problems[:1]) or "it holds no lessons"
        print(f"course serve: {root} is not a course: {why} (give --course DIR)", file=sys.stderr)
        return 2
    try:
        import textual_serve  # noqa: F401  (checked here: the error names the fix)
    except ImportError:
        print("course serve: textual-serve is not installed; reinstall the course (pip install -e .)",
              file=sys.stderr)
        return 1
    warning = exposure_warning(args.host)
    if warning:
        print(warning, file=sys.stderr, flush=True)
    logging.basicConfig(level=logging.WARNING, format="course serve: %(message)s")
    argv = session_command(root, getattr(args, "bootstrap_servers", None))
    server = make_server(argv, title=loaded.title or "Kafka delivery semantics")
    try:
        return asyncio.run(server.serve(args.host, args.port))
    except OSError as exc:
        print(f"course serve: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1


@functools.cache
def _make_server_class() -> type:
    """CourseServer, built on textual-serve's Server (imported late: `course --help` need not load aiohttp)."""
    import aiohttp_jinja2
    from aiohttp import web
    from textual_serve.app_service import AppService
    from textual_serve.server import Server, to_int

    class SessionService(AppService):
        """One tab's app process, started without a shell in a process group of its own."""

        def __init__(self, argv: list[str], **kwargs: Any) -> None:
            super().__init__(" ".join(argv), **kwargs)
            self.argv = argv
            self._stopping: asyncio.Task[None] | None = None

        @property
        def pid(self) -> int | None:
            return self._process.pid if self._process is not None else None

        async def _open_app_process(self, width: int = 80, height: int = 24) -> Any:
            env = self._build_environment(width=width, height=height)
            self._process = process = await asyncio.create_subprocess_exec(
                *self.argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE, env=env, start_new_session=True)
            assert process.stdin is not None
            self._stdin = process.stdin
            return process

        async def stop(self) -> None:
            """Quit the app, then terminate and kill it if it lingers (one stop, however often called)."""
            if self._process is None:
                return
            if self._stopping is None:
                self._stopping = asyncio.ensure_future(self._stop())
            await asyncio.shield(self._stopping)

        async def _stop(self) -> None:
            process = self._process
            assert process is not None
            await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
            if process.returncode is None:
                await self.send_meta({"type": "quit"})
                if not await _exited(process, QUIT_GRACE):
                    log.warning("session %s did not quit within %gs: terminating it", process.pid, QUIT_GRACE)
                    tree = process_tree(process.pid)  # before it dies: its children are then orphans
                    _signal_group(process.pid, signal.SIGTERM)
                    if not await _exited(process, TERM_GRACE):
                        log.warning("session %s ignored SIGTERM: killing it", process.pid)
                        kill_tree([*tree, *process_tree(process.pid)])
                        await _exited(process, TERM_GRACE)
            if self._task is not None:
                # The app's stdout is closed now, so the reader ends; unless a process it left holds the
                # pipe open: then the reader is cancelled.
                try:
                    await asyncio.wait_for(self._task, TERM_GRACE)
                except asyncio.TimeoutError:
                    log.warning("session %s: its output stays open after it ended", process.pid)
                self._task = None

    class CourseServer(Server):
        """textual-serve's server with per-tab sessions that always end, and page URLs taken from the request."""

        def __init__(self, argv: list[str], title: str) -> None:
            super().__init__(" ".join(argv), title=title)
            self.argv = argv
            self.sessions: dict[SessionService, web.WebSocketResponse] = {}
            self.opened = 0

        async def on_startup(self, app: web.Application) -> None:
            """(textual-serve prints a banner here; `serve` prints the address instead.)"""

        async def on_shutdown(self, app: web.Application) -> None:
            """Stop every session and close its websocket: the handlers then return by themselves."""
            sessions = list(self.sessions.items())
            await asyncio.gather(*(service.stop() for service, _ in sessions), return_exceptions=True)
            for _, websocket in sessions:
                await websocket.close()

        @aiohttp_jinja2.template("app_index.html")
        async def handle_index(self, request: web.Request) -> dict[str, Any]:
            """The page, with the websocket and static URLs built from the address the browser used
            (textual-serve builds them from the listening host, which is wrong for 0.0.0.0)."""
            router = request.app.router
            origin = f"{request.scheme}://{request.host}"
            ws_scheme = "wss" if request.scheme == "https" else "ws"
            static = f"{origin}{router['static'].url_for(filename='/')}".rstrip("/") + "/"
            return {
                "font_size": to_int(request.query.get("fontsize", "16"), 16),
                "app_websocket_url": f"{ws_scheme}://{request.host}{router['websocket'].url_for()}",
                "config": {"static": {"url": static}},
                "application": {"name": self.title},
            }

        async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
            """One tab: start its app, relay until the tab or the app goes, then stop the app."""
            websocket = web.WebSocketResponse(heartbeat=15)
            width = to_int(request.query.get("width", "80"), 80)
            height = to_int(request.query.get("height", "24"), 24)
            service: SessionService | None = None
            try:
                await websocket.prepare(request)
                service = SessionService(self.argv, write_bytes=websocket.send_bytes,
                                         write_str=websocket.send_str, close=websocket.close,
                                         download_manager=self.download_manager)
                await service.start(width, height)
                self.sessions[service] = websocket
                self.opened += 1
                print(f"session {self.opened} started (pid {service.pid}, {request.remote})", flush=True)
                await self._process_messages(websocket, service)
            except asyncio.CancelledError:
                await websocket.close()
            except Exception as error:  # one broken tab must not stop the server
                log.exception(error)
            finally:
                if service is not None:
                    await service.stop()
                    if self.sessions.pop(service, None) is not None:
                        print(f"session ended (pid {service.pid})", flush=True)
            return websocket

        async def start(self, host: str, port: int) -> str:
            """Listen on host:port (0: a free port); the page's URL."""
            self._runner = web.AppRunner(await self._make_app(), handle_signals=False,
                                         shutdown_timeout=QUIT_GRACE + TERM_GRACE + 5)
            await self._runner.setup()
            try:
                await web.TCPSite(self._runner, host, port).start()
            except BaseException:
                await self._runner.cleanup()
                raise
            bound = self._runner.addresses[0][1] if self._runner.addresses else port
            return page_url(host, bound)

        async def close(self) -> None:
            """Stop listening, then end every session (on_shutdown)."""
            await self._runner.cleanup()

        async def serve(self, host: str, port: int) -> int:
            """Listen until SIGINT or SIGTERM, then stop every session and return 0."""
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            url = await self.start(host, port)
            try:
                print(f"Serving the course on {url}  (Ctrl-C to stop)", flush=True)
                await stop.wait()
                print("stopping: ending every session", flush=True)
            finally:
                await self.close()
            print("server stopped", flush=True)
            return 0

    return CourseServer


def make_server(argv: list[str], title: str) -> Any:
    """A `CourseServer` (see `_make_server_class`) that starts `argv` for every tab."""
    return _make_server_class()(argv, title)


# ---------------------------------------------------------------- ending processes


async def _exited(process: asyncio.subprocess.Process, timeout: float) -> bool:
    """Whether the process ended within `timeout` seconds. (Not `process.wait()`: on Python 3.11 that
    also waits for its pipes to close, which a process it left behind may hold open.)"""
    deadline = time.monotonic() + timeout
    while process.returncode is None:
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(0.05)
    return True


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)  # the app leads its own group (start_new_session)
    except (ProcessLookupError, PermissionError):
        pass


def process_tree(pid: int) -> list[int]:
    """`pid` and every descendant still alive, read from /proc (Linux); [pid] elsewhere.

    An example runs in a session of its own (engine.runs.runner), outside the app's group, so
    ending the group alone could leave it behind."""
    children: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return [pid]
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            stat = Path("/proc", entry, "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        # The command name is in parentheses and may hold spaces: the parent pid follows the last ')'.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def kill_tree(pids: Sequence[int]) -> None:
    """SIGKILL each process and the group it leads."""
    for pid in pids:
        for kill in (os.killpg, os.kill):
            try:
                kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


# ---------------------------------------------------------------- one tab's app


@dataclass
class ParentWatch:
    """Ends this process in an orderly way (SIGTERM: Textual's web driver exits the app) when the
    server that started it is gone: its parent pid changes when the parent dies."""

    parent: int
    interval: float = WATCHDOG_INTERVAL
    _thread: threading.Thread | None = field(default=None, init=False)

    def start(self) -> "ParentWatch":
        self._thread = threading.Thread(target=self._watch, name="serve-parent-watch", daemon=True)
        self._thread.start()
        return self

    def _watch(self) -> None:
        while os.getppid() == self.parent:
            time.sleep(self.interval)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(QUIT_GRACE + TERM_GRACE)  # no orderly exit by then: nobody else will end it
        os.kill(os.getpid(), signal.SIGKILL)


def session_main(argv: Sequence[str] | None = None) -> int:
    """One tab's app (started by the server with TEXTUAL_DRIVER set to Textual's web driver)."""
    parser = argparse.ArgumentParser(prog="python -m course.commands.serve",
                                     description="one browser tab's course app (started by `course serve`)")
    parser.add_argument("--parent", type=int, required=True, metavar="PID", help="the server's pid, watched")
    parser.add_argument("--course", required=True, metavar="DIR")
    parser.add_argument("--bootstrap-servers", metavar="S")
    args = parser.parse_args(argv)
    if os.getppid() != args.parent:
        return 1  # the server is already gone
    ParentWatch(args.parent).start()
    from course.app import run_app

    return run_app(course_dir=args.course, bootstrap_servers=args.bootstrap_servers)


if __name__ == "__main__":
    sys.exit(session_main())
