"""The pinned Apache Kafka release: its jars, found through Maven with the pom shipped beside this
module, and the Java that runs them.

`mvn dependency:build-classpath` resolves kafka_2.13 (the broker, `kafka.Kafka`, and the KRaft
storage formatter, `kafka.tools.StorageTool`) and kafka-clients into the user's ~/.m2; the
resulting classpath is cached under $XDG_CACHE_HOME keyed by the pom's hash, so the second start
needs no Maven at all.

    tools = find_tools()            # raises MissingTool, whose text says what to install
    classpath = resolve_classpath(tools)
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

POM = Path(__file__).with_name("pom.xml")


def kafka_version(pom: Path = POM) -> str:
    """The Kafka release the pom pins (its <kafka.version> property)."""
    match = re.search(r"<kafka\.version>([^<]+)</kafka\.version>", pom.read_text(encoding="utf-8"))
    if match is None:
        raise ValueError(f"{pom}: no <kafka.version> property; add one naming the Kafka release")
    return match.group(1).strip()


class MissingTool(RuntimeError):
    """Java or Maven is not installed: the message says what to install."""


INSTALL_HINT = ("install a JDK (17 or newer) and Maven 3.8+, e.g. `apt-get install openjdk-17-jdk-headless maven`, "
                "or set JAVA_HOME")


@dataclass(frozen=True)
class Tools:
    java: str
    javac: str | None
    mvn: str | None  # None: only a cached classpath can be used


def find_tools(need_mvn: bool = False) -> Tools:
    """`java` from JAVA_HOME or PATH, `mvn` from PATH; raises MissingTool naming what to install."""
    java_home = os.environ.get("JAVA_HOME")
    java = javac = None
    if java_home and (Path(java_home) / "bin" / "java").exists():
        java = str(Path(java_home) / "bin" / "java")
        javac_path = Path(java_home) / "bin" / "javac"
        javac = str(javac_path) if javac_path.exists() else None
    java = java or shutil.which("java")
    javac = javac or shutil.which("javac")
    mvn = shutil.which("mvn")
    missing = [name for name, found in (("java", java), ("mvn", mvn if need_mvn else "ok")) if not found]
    if missing:
        raise MissingTool(f"real Kafka needs {' and '.join(missing)}, not found: {INSTALL_HINT}")
    assert java is not None
    return Tools(java, javac, mvn)


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kafka-semantics-course" / "apache-kafka"


def pom_hash(pom: Path = POM) -> str:
    return hashlib.sha256(pom.read_bytes()).hexdigest()[:16]


def cached_classpath_file(pom: Path = POM) -> Path:
    return cache_dir() / f"classpath-{kafka_version(pom)}-{pom_hash(pom)}.txt"


def _usable(classpath: str) -> bool:
    jars = [j for j in classpath.split(os.pathsep) if j]
    return bool(jars) and all(Path(j).is_file() for j in jars)


def resolve_classpath(tools: Tools | None = None, pom: Path = POM, timeout: float = 900) -> str:
    """The jars of the pinned release, joined with os.pathsep. Uses the cached list while every
    jar in it still exists; otherwise runs Maven (downloads into ~/.m2 the first time)."""
    cached = cached_classpath_file(pom)
    if cached.is_file():
        text = cached.read_text(encoding="utf-8").strip()
        if _usable(text):
            return text
    tools = tools or find_tools(need_mvn=True)
    if tools.mvn is None:
        raise MissingTool(f"real Kafka's jars are not resolved yet and mvn is not found: {INSTALL_HINT}")
    cached.parent.mkdir(parents=True, exist_ok=True)
    out = cached.with_suffix(f".{os.getpid()}.tmp")
    cmd = [tools.mvn, "-q", "-B", "-f", str(pom), "dependency:build-classpath", f"-Dmdep.outputFile={out}"]
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0 or not out.is_file():
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        raise RuntimeError(f"Maven could not resolve Kafka {kafka_version(pom)} from {pom} "
                           f"(exit {proc.returncode}); is Maven Central reachable?\n{tail}")
    text = out.read_text(encoding="utf-8").strip()
    out.replace(cached)  # atomic: a concurrent start never reads half a file
    if not _usable(text):
        raise RuntimeError(f"Maven listed jars that are not on disk: {text[:300]}")
    return text
