"""Kafka's Java client for the oracle suite: java/ProducerDriver.java, compiled with javac against
the pinned release's jars (the same Maven resolution as the brokers) into the user's cache, keyed
by the source's and the classpath's hash, so it is compiled once.

    command = driver_command(tools)   # java -cp ... ProducerDriver, add key=value producer configs
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

from engine.apache_kafka.release import MissingTool, Tools, cache_dir, find_tools, resolve_classpath

SOURCE = Path(__file__).with_name("java") / "ProducerDriver.java"


def compile_driver(tools: Tools | None = None) -> tuple[Path, str]:
    """(the folder holding ProducerDriver.class, the Kafka classpath); javac runs only when needed."""
    tools = tools or find_tools()
    classpath = resolve_classpath(tools)
    digest = hashlib.sha256(SOURCE.read_bytes() + classpath.encode()).hexdigest()[:16]
    out = cache_dir() / f"java-driver-{digest}"
    if (out / "ProducerDriver.class").is_file():
        return out, classpath
    if tools.javac is None:
        raise MissingTool("the Java client driver needs javac (a JDK, not only a JRE): "
                          "e.g. `apt-get install openjdk-17-jdk-headless`")
    tmp = out.with_name(out.name + f".{os.getpid()}.tmp")
    tmp.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([tools.javac, "-nowarn", "-cp", classpath, "-d", str(tmp), str(SOURCE)],
                          capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise RuntimeError(f"javac failed on {SOURCE}:\n{proc.stderr[-2000:]}")
    try:
        tmp.rename(out)
    except OSError:  # compiled concurrently by another process: theirs is as good
        pass
    return out, classpath


def driver_command(tools: Tools | None = None) -> list[str]:
    tools = tools or find_tools()
    classes, classpath = compile_driver(tools)
    return [tools.java, "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-Dlog4j2.level=ERROR", "-cp", f"{classes}{os.pathsep}{classpath}", "ProducerDriver"]
