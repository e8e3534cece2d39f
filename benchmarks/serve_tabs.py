"""`course serve`: how long a browser tab waits for the outline, what each tab's app costs in memory,
and how soon a closed tab's app is gone; one tab at a time, then several at once.

A websocket client stands in for the page (the server cannot tell the difference); the course is
this checkout's. Prints numbers, and the ratio of the concurrent start to the single one.

    .venv/bin/python benchmarks/serve_tabs.py [--tabs N]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp  # noqa: E402

from course.commands import serve  # noqa: E402
from engine.paths import course_dir  # noqa: E402

OUTLINE = b"lessons done"  # the outline's summary line: the tab is ready to use


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def open_tab(http: aiohttp.ClientSession, url: str) -> tuple[aiohttp.ClientWebSocketResponse, float]:
    """A tab, once it shows the outline; the seconds that took."""
    t0 = time.monotonic()
    ws = await http.ws_connect(url.replace("http://", "ws://") + "ws?width=120&height=40")
    drawn = b""
    while OUTLINE not in drawn:
        message = await ws.receive(timeout=120)
        if message.type != aiohttp.WSMsgType.BINARY:
            raise RuntimeError(f"the tab closed before its outline: {message}")
        drawn += message.data
    return ws, time.monotonic() - t0


async def close_all(server, tabs: list[aiohttp.ClientWebSocketResponse]) -> float:
    t0 = time.monotonic()
    for ws in tabs:
        await ws.close()
    while server.sessions:
        await asyncio.sleep(0.02)
    return time.monotonic() - t0


async def main(tabs: int) -> list[str]:
    server = serve.make_server(serve.session_command(course_dir(), None), "benchmark")
    url = await server.start("127.0.0.1", 0)
    try:
        async with aiohttp.ClientSession() as http:
            singles, memory, gone = [], [], []
            for _ in range(tabs):
                ws, seconds = await open_tab(http, url)
                singles.append(seconds)
                memory.append(rss_mb(next(iter(server.sessions)).pid))
                gone.append(await close_all(server, [ws]))
            together = await asyncio.gather(*(open_tab(http, url) for _ in range(tabs)))
            slowest = max(seconds for _, seconds in together)
            all_gone = await close_all(server, [ws for ws, _ in together])
    finally:
        await server.close()
    single = statistics.median(singles)
    return [
        f"one tab:  outline after {single:.2f} s (median of {tabs}; min {min(singles):.2f}, max {max(singles):.2f})",
        f"          its app holds {statistics.median(memory):.0f} MB resident at the outline",
        f"          closed tab -> app gone in {statistics.median(gone):.2f} s",
        f"{tabs} tabs at once: the last outline after {slowest:.2f} s ({slowest / single:.1f}x one tab, "
        f"on {os.cpu_count()} cores); all gone {all_gone:.2f} s after closing",
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tabs", type=int, default=3)
    options = parser.parse_args()
    os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="serve-bench-")  # the learner's progress stays untouched
    with contextlib.redirect_stdout(io.StringIO()):  # the server's own lines (session started/ended)
        report = asyncio.run(main(options.tabs))
    print("\n".join(report))
