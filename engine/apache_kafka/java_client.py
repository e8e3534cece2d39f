"""Kafka's Java client for the oracle suite: the drivers in java/ (ProducerDriver.java, plain and
transactional; ConsumerDriver.java, group member or assigned reader), compiled with javac against
the pinned release's jars (the same Maven resolution as the brokers) into the user's cache, keyed
by the sources' and the classpath's hash, so they are compiled once.

    command = driver_command(tools)                       # java -cp ... ProducerDriver, add key=value configs
    command = driver_command(tools, main="ConsumerDriver")
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

from engine.apache_kafka.release import MissingTool, Tools, cache_dir, find_tools, resolve_classpath

SOURCES = sorted((Path(__file__).with_name("java")).glob("*.java"))


def compile_driver(tools: Tools | None = None) -> tuple[Path, str]:
    """(the folder holding the drivers' classes, the Kafka classpath); javac runs only when needed."""
    tools = tools or find_tools()
    classpath = resolve_classpath(tools)
    digest = hashlib.sha256(b"".join(s.read_bytes() for s in SOURCES) + classpath.encode()).hexdigest()[:16]
    out = cache_dir() / f"java-driver-{digest}"
    if all((out / f"{s.stem}.class").is_file() for s in SOURCES):
        return out, classpath
    if tools.javac is None:
        raise MissingTool("the Java client driver needs javac (a JDK, not only a JRE): "
                          "e.g. `apt-get install openjdk-17-jdk-headless`")
    tmp = out.with_name(out.name + f".{os.getpid()}.tmp")
    tmp.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([tools.javac, "-nowarn", "-cp", classpath, "-d", str(tmp), *map(str, SOURCES)],
                          capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise RuntimeError(f"javac failed on {[s.name for s in SOURCES]}:\n{proc.stderr[-2000:]}")
    try:
        tmp.rename(out)
    except OSError:  # compiled concurrently by another process: theirs is as good
        pass
    return out, classpath


def driver_command(tools: Tools | None = None, main: str = "ProducerDriver") -> list[str]:
    """The java command line running the driver class `main`; add its key=value client configs."""
    tools = tools or find_tools()
    classes, classpath = compile_driver(tools)
    return [tools.java, "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-Dlog4j2.level=ERROR", "-cp", f"{classes}{os.pathsep}{classpath}", main]
