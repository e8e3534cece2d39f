"""Time from Run to the example's first sign of life, Python against its JVM twins.

For each language the same lesson example (02-at-most-once/fire-and-forget) is run through the
course's runner against a one-broker sandbox, and the clock stops at the first event the example
causes: its first report line, or the first request the sandbox receives from it, whichever
comes first (the run is then cancelled). Measured:

  cold   the twin's source was never compiled (a copy with a fresh comment, so its hash is new):
         compile + JVM start + client start
  warm   the same source again: its classes come from the cache

Three clocks per run: "from Run" (what the learner waits: the sandbox's start included), "from
spawn" (the example's own process, from its start to its first sign of life: the JVM's or
Python's start and the client's) and "CPU" (the CPU seconds that process had used by then, all
its threads, read from /proc: on a busy machine the one of the three that the load hardly moves). Warm runs go round robin, Python then each language, so every
language meets the same load as the Python runs it is compared with; the machine's load average
is printed before and after. Maven's classpath resolution is not counted (it happens once per
pinned pom, then is cached): it is warmed up before the first measurement. Prints the median and
range per language and the ratio of each median to Python's.

    .venv/bin/python benchmarks/jvm_startup.py [--cold N] [--warm N] [--lang java ...]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from engine.jvm import LANGUAGES, MissingTool, compile_source, find_tools  # noqa: E402
from engine.runs.runner import ExampleRun, RunEvent  # noqa: E402
from engine.runs.scenario import Scenario, TopicSpec  # noqa: E402

EXAMPLE = REPO / "lessons" / "02-at-most-once" / "examples" / "fire-and-forget.py"
SCENARIO = Scenario(title="start-up", brokers=1, timeout=120,
                    topics=[TopicSpec("clicks", partitions=1, replication_factor=1, min_insync_replicas=1)])
COMMENT = {".java": "//", ".kt": "//", ".scala": "//", ".clj": ";;", ".py": "#"}


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process `pid` so far (all its threads); NaN without /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def time_to_first_event(script: Path) -> tuple[float, float, float]:
    """Seconds from calling run() (compile included) to the example's first report or request;
    from the example's process start (the runner's "started" event) to the same moment; and the
    CPU seconds the example's process had used by then."""
    cancel = threading.Event()
    first: list[float] = []
    spawned: list[float] = []
    pid: list[int] = []
    cpu: list[float] = []

    def listener(event: RunEvent) -> None:
        if event.kind == "started" and not spawned:
            spawned.append(time.perf_counter())
            pid.append(int(event.data["pid"]))
        request = event.kind == "sandbox" and event.data.get("event") == "request"
        if (event.kind == "report" or request) and not first:
            first.append(time.perf_counter())
            cpu.append(cpu_seconds(pid[0]) if pid else float("nan"))
            cancel.set()  # seen enough: the runner ends the example

    start = time.perf_counter()
    ExampleRun(script, SCENARIO, listener=listener, cancel=cancel).run()
    if not first or not spawned:
        raise RuntimeError(f"{script.name} ended without a report line or a request")
    return first[0] - start, first[0] - spawned[0], cpu[0]


def fresh_copy(source: Path, folder: Path) -> Path:
    """The source with a unique comment at its end: same program, a hash never compiled before."""
    copy = folder / uuid.uuid4().hex[:8] / source.name
    copy.parent.mkdir()
    copy.write_text(source.read_text(encoding="utf-8") + f"\n{COMMENT[source.suffix]} {uuid.uuid4().hex}\n",
                    encoding="utf-8")
    return copy


def summary(name: str, runs: list[tuple[float, ...]], base: list[tuple[float, ...]] | None) -> str:
    """One line: per clock, the median [min-max] and its ratio to Python's median."""
    cells = []
    for clock in (0, 1, 2):
        times = [run[clock] for run in runs]
        median = statistics.median(times)
        ratio = f"{median / statistics.median(r[clock] for r in base):4.1f}x" if base else "    -"
        cells.append(f"{median:5.2f} s [{min(times):.2f}-{max(times):.2f}] {ratio}")
    return f"{name:14s} " + "   ".join(cells) + f"   n={len(runs)}"


def load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg()) + f" on {os.cpu_count()} cores"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold", type=int, default=3, help="cold runs per JVM language (each compiles)")
    parser.add_argument("--warm", type=int, default=5, help="warm runs per language")
    parser.add_argument("--lang", action="append", choices=list(LANGUAGES), help="only these JVM languages")
    args = parser.parse_args()
    try:
        find_tools(("java", "javac", "mvn"), "this benchmark")
    except MissingTool as exc:
        print(exc)
        return 2
    langs = [LANGUAGES[name] for name in (args.lang or LANGUAGES)]
    sources = {lang.name: EXAMPLE.with_suffix(lang.extension) for lang in langs}
    for source in sources.values():
        compile_source(source)  # resolves every pinned pom once (not measured) and warms the cache

    time_to_first_event(EXAMPLE)  # the sandbox's own imports, once, outside the measurements
    for source in sources.values():
        time_to_first_event(source)  # each JVM's first start reads the jars from disk: not a warm run
    print(f"time to the first report line or request ({EXAMPLE.stem}, one-broker sandbox); {load()}")
    print(f"{'':14s} {'from Run: median [range] vs Python':36s}   {'from spawn: median [range] vs Python':36s}   "
          f"{'CPU: median [range] vs Python':36s}")
    # Warm: round robin, so that Python and every language share the load of each round.
    warm: dict[str, list[tuple[float, ...]]] = {"python": [], **{name: [] for name in sources}}
    for _ in range(args.warm):
        warm["python"].append(time_to_first_event(EXAMPLE))
        for name, source in sources.items():
            warm[name].append(time_to_first_event(source))
    print(summary("python", warm["python"], None))
    for name in sources:
        print(summary(f"{name} warm", warm[name], warm["python"]), flush=True)
    with tempfile.TemporaryDirectory() as scratch:
        for lang in langs:
            source = sources[lang.name]
            cold = [time_to_first_event(fresh_copy(source, Path(scratch))) for _ in range(args.cold)]
            print(summary(f"{lang.name} cold", cold, warm["python"]), flush=True)
    print(load())
    return 0


if __name__ == "__main__":
    sys.exit(main())
