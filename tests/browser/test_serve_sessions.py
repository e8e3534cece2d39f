"""`course serve` without a browser: the command line, and how sessions end (a websocket client
stands in for the page: the server cannot tell the difference)."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from course.cli import main as cli_main
from course.commands import serve
from tests.paths import FIXTURES

FIXTURE_COURSE = FIXTURES / "app_course"
WAIT = 45.0


def alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie has ended: only its exit status waits to be read)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


async def until(condition, what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.1)


def ws_url(page: str) -> str:
    return page.replace("http://", "ws://") + "ws?width=100&height=30"


# ---------------------------------------------------------------- the command line


def test_a_folder_without_lessons_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["serve", "--course", str(tmp_path), "--port", "0"]) == 2
    assert f"{tmp_path} is not a course: it holds no lessons (give --course DIR)" in capsys.readouterr().err
    missing = tmp_path / "missing"
    assert cli_main(["serve", "--course", str(missing), "--port", "0"]) == 2
    assert f"{missing} is not a course: not a course folder" in capsys.readouterr().err


def test_a_port_out_of_range_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["serve", "--course", str(FIXTURE_COURSE), "--port", "70000"]) == 2
    assert "a port is 0..65535" in capsys.readouterr().err


def test_only_loopback_goes_without_a_warning() -> None:
    for host in ("127.0.0.1", "::1", "localhost", "127.0.0.2"):
        assert serve.exposure_warning(host) is None, host
    warning = serve.exposure_warning("0.0.0.0")
    assert warning is not None
    assert "every interface" in warning and "no authentication" in warning and "Python code" in warning
    assert "192.0.2.7" in (serve.exposure_warning("192.0.2.7") or "")


def test_the_page_address_names_the_machine_for_a_wildcard() -> None:
    assert serve.page_url("127.0.0.1", 8123) == "http://127.0.0.1:8123/"
    assert serve.page_url("::1", 8123) == "http://[::1]:8123/"
    assert serve.page_url("0.0.0.0", 80) == f"http://{__import__('socket').gethostname()}:80/"


def test_the_page_talks_back_to_the_address_it_was_fetched_from() -> None:
    async def body() -> None:
        server = serve.make_server(serve.session_command(FIXTURE_COURSE, None), "Fixture course")
        url = await server.start("127.0.0.1", 0)
        try:
            port = url.rsplit(":", 1)[1].rstrip("/")
            async with aiohttp.ClientSession() as http:
                async with http.get(f"http://localhost:{port}/") as response:
                    page = await response.text()
        finally:
            await server.close()
        assert f'data-session-websocket-url="ws://localhost:{port}/ws"' in page
        assert f'src="http://localhost:{port}/static/js/textual.js"' in page
        assert "Fixture course" in page

    asyncio.run(body())


# ---------------------------------------------------------------- sessions


def test_a_tab_gets_its_own_app_which_ends_with_the_tab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))

    async def body() -> None:
        server = serve.make_server(serve.session_command(FIXTURE_COURSE, None), "t")
        url = await server.start("127.0.0.1", 0)
        try:
            async with aiohttp.ClientSession() as http:
                first = await http.ws_connect(ws_url(url))
                second = await http.ws_connect(ws_url(url))
                await until(lambda: len(server.sessions) == 2, "two sessions")
                pids = [s.pid for s in server.sessions]
                assert len(set(pids)) == 2 and all(alive(p) for p in pids)
                drawn = b""
                while b"Acknowledgements" not in drawn:  # the outline, drawn for this tab
                    message = await first.receive(timeout=WAIT)
                    assert message.type == aiohttp.WSMsgType.BINARY, message
                    drawn += message.data
                await first.close()
                await until(lambda: not alive(pids[0]), "the first tab's app to end")
                assert alive(pids[1]), "closing one tab ended another tab's app"
                await second.close()
                await until(lambda: not server.sessions, "every session to end")
                assert not alive(pids[1])
        finally:
            await server.close()

    asyncio.run(body())


# An app that ignores the request to quit and SIGTERM, with a child in a session of its own (as the
# runner starts an example): only the last resort, killing the process tree, ends them.
STUBBORN_APP = r"""
import signal, subprocess, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"], start_new_session=True)
open(sys.argv[1], "w").write(str(child.pid))
sys.stdout.write("__GANGLION__\n")
sys.stdout.flush()
time.sleep(300)
"""


def test_an_app_that_will_not_quit_is_killed_with_its_children(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(serve, "QUIT_GRACE", 1.0)
    monkeypatch.setattr(serve, "TERM_GRACE", 1.0)
    child_file = tmp_path / "child.pid"

    async def body() -> None:
        server = serve.make_server([sys.executable, "-c", STUBBORN_APP, str(child_file)], "t")
        url = await server.start("127.0.0.1", 0)
        try:
            async with aiohttp.ClientSession() as http:
                tab = await http.ws_connect(ws_url(url))
                await until(lambda: child_file.is_file() and child_file.read_text().strip(), "the app's child")
                app = next(iter(server.sessions)).pid
                child = int(child_file.read_text())
                assert alive(app) and alive(child)
                await tab.close()
                await until(lambda: not server.sessions, "the session to end")
                await until(lambda: not alive(child), "the app's child to be killed")
                assert not alive(app)
        finally:
            await server.close()

    try:
        asyncio.run(body())
    finally:  # after a failure, leave nothing behind
        if child_file.is_file() and child_file.read_text().strip():
            try:
                os.kill(int(child_file.read_text()), signal.SIGKILL)
            except ProcessLookupError:
                pass


def test_stopping_the_server_ends_every_session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))

    async def body() -> None:
        server = serve.make_server(serve.session_command(FIXTURE_COURSE, None), "t")
        url = await server.start("127.0.0.1", 0)
        async with aiohttp.ClientSession() as http:
            tab = await http.ws_connect(ws_url(url))
            await until(lambda: len(server.sessions) == 1, "a session")
            pid = next(iter(server.sessions)).pid
            await server.close()  # with the tab still open
            assert not alive(pid)
            ends = (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED)
            message = await tab.receive(timeout=WAIT)
            while message.type not in ends:  # what the app drew before it ended, then the close
                assert message.type == aiohttp.WSMsgType.BINARY, message
                message = await tab.receive(timeout=WAIT)

    asyncio.run(body())


@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL"])
def test_the_end_of_the_server_ends_its_apps(tmp_path: Path, how: str) -> None:
    """SIGTERM: the server stops every app, then exits 0. SIGKILL: each app's watchdog ends it."""
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "course", "serve", "--port", "0", "--course", str(FIXTURE_COURSE)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                            start_new_session=True)
    assert proc.stdout is not None
    app = 0

    async def body() -> None:
        nonlocal app
        url = re.search(r"http://\S+", await asyncio.to_thread(proc.stdout.readline)).group(0)  # type: ignore
        async with aiohttp.ClientSession() as http:
            tab = await http.ws_connect(ws_url(url))
            line = await asyncio.to_thread(proc.stdout.readline)  # type: ignore[union-attr]
            app = int(re.search(r"session 1 started \(pid (\d+)", line).group(1))  # type: ignore[union-attr]
            # Let the app draw the outline and fall idle: an idle app writes nothing, so nothing but
            # its watchdog would notice that the server is gone.
            drawn, quiet_since = b"", time.monotonic()
            while b"Acknowledgements" not in drawn or time.monotonic() - quiet_since < 2:
                try:
                    message = await tab.receive(timeout=0.5)
                except asyncio.TimeoutError:
                    continue
                drawn += message.data if message.type == aiohttp.WSMsgType.BINARY else b""
                quiet_since = time.monotonic()
            assert alive(app)
            proc.send_signal(getattr(signal, how))
            code = await asyncio.to_thread(proc.wait, 60)
            if how == "SIGTERM":
                assert code == 0
                assert "server stopped" in proc.stdout.read()  # type: ignore[union-attr]
                assert not alive(app), "the server exited before its app"
            else:
                await until(lambda: not alive(app), "the app to end after its server", timeout=WAIT)

    try:
        asyncio.run(body())
    finally:  # after a failure, leave nothing behind
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        if app and alive(app):
            os.kill(app, signal.SIGKILL)
