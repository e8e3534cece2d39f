"""`course sandbox` listens on 127.0.0.1 unless --host names another address, and warns then.

Every socket these tests open stays on the loopback network (127.0.0.0/8); the address of the
non-loopback case is a documentation address (192.0.2.1, TEST-NET-1) that no machine holds, so
binding it fails after the warning is printed.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time


from course.commands.sandbox import exposure_warning, is_loopback
from engine.sandbox import Sandbox
from engine.sandbox.config import SandboxConfig

DEADLINE_S = 60


def _start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "course", "sandbox", "--brokers", "1", "--events", "none", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def _stop(proc: subprocess.Popen[str]) -> tuple[str, str]:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
    out, err = proc.communicate(timeout=DEADLINE_S)
    return out, err


def test_the_sandbox_listens_on_loopback_by_default() -> None:
    with Sandbox(brokers=1) as sb:
        broker = sb.cluster.brokers[1]
        assert broker.server._server is not None
        assert {s.getsockname()[0] for s in broker.server._server.sockets} == {"127.0.0.1"}
        assert sb.bootstrap_servers == f"127.0.0.1:{broker.port}"


def test_a_named_host_reaches_the_listener_and_metadata() -> None:
    with Sandbox(brokers=1, host="127.0.0.2") as sb:
        broker = sb.cluster.brokers[1]
        assert {s.getsockname()[0] for s in broker.server._server.sockets} == {"127.0.0.2"}
        assert sb.bootstrap_servers == f"127.0.0.2:{broker.port}"
        with socket.create_connection(("127.0.0.2", broker.port), timeout=DEADLINE_S):
            pass
        # Not reachable on 127.0.0.1 is what the bound address above says. Trying to connect there
        # proves nothing: another test's listener may hold the same port number on 127.0.0.1 (a
        # clean-clone run connected to one).


def test_a_wildcard_listener_advertises_this_machine_by_name() -> None:
    assert SandboxConfig().advertised_host() == "127.0.0.1"
    assert SandboxConfig(listen_host="0.0.0.0").advertised_host() == socket.getfqdn()
    assert SandboxConfig(listen_host="10.1.2.3").advertised_host() == "10.1.2.3"


def test_which_hosts_are_loopback() -> None:
    assert all(is_loopback(h) for h in ("127.0.0.1", "127.0.0.2", "::1", "localhost"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "192.0.2.1", "kafka.example"))
    assert exposure_warning("127.0.0.1") is None
    assert "every interface" in (exposure_warning("0.0.0.0") or "")


def test_course_sandbox_default_prints_a_loopback_bootstrap_and_no_warning() -> None:
    proc = _start()
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("bootstrap.servers=127.0.0.1:")
    finally:
        out, err = _stop(proc)
    assert proc.returncode == 0 and "warning" not in err and "sandbox stopped" in out


def test_course_sandbox_on_another_host_warns_before_listening() -> None:
    proc = _start("--host", "192.0.2.1")
    deadline = time.monotonic() + DEADLINE_S
    while proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    out, err = _stop(proc)
    lines = err.strip().splitlines()
    assert "warning: listening on 192.0.2.1" in lines[0] and "no authentication" in lines[0]
    assert "cannot listen" in err and proc.returncode == 1 and "bootstrap.servers" not in out
