"""The pinned Apache Kafka release: its jars, found through Maven with the pom shipped beside this
module, and the Java that runs them.

`mvn dependency:build-classpath` resolves kafka_2.13 (the broker, `kafka.Kafka`, and the KRaft
storage formatter, `kafka.tools.StorageTool`) and kafka-clients into the user's ~/.m2; the
resulting classpath is cached under $XDG_CACHE_HOME keyed by the pom's hash, so the second start
needs no Maven at all. Finding Java and Maven and resolving a pom are `engine.jvm.maven`'s, shared
with the lessons' JVM twins; this module names the Kafka release and where its classpath is kept.

    tools = find_tools()            # raises MissingTool, whose text says what to install
    classpath = resolve_classpath(tools)
"""

from __future__ import annotations

import re
from pathlib import Path

from engine.jvm import maven
from engine.jvm.maven import INSTALL_HINT, MissingTool, Tools

__all__ = ["INSTALL_HINT", "MissingTool", "POM", "Tools", "cache_dir", "cached_classpath_file", "find_tools",
           "kafka_version", "pom_hash", "resolve_classpath"]

POM = Path(__file__).with_name("pom.xml")


def kafka_version(pom: Path = POM) -> str:
    """The Kafka release the pom pins (its <kafka.version> property)."""
    match = re.search(r"<kafka\.version>([^<]+)</kafka\.version>", pom.read_text(encoding="utf-8"))
    if match is None:
        raise ValueError(f"{pom}: no <kafka.version> property; add one naming the Kafka release")
    return match.group(1).strip()


def find_tools(need_mvn: bool = False) -> Tools:
    """`java` (and `mvn` when asked) from JAVA_HOME or PATH; raises MissingTool naming what to install."""
    return maven.find_tools(("java", "mvn") if need_mvn else ("java",), "real Kafka")


def kafka_missing() -> str:
    """Why real Kafka cannot run here, in one line naming what to install ("" when the JDK and
    Maven are found; Maven resolves the release's jars the first time). PATH and JAVA_HOME
    look-ups only: the app's run panel asks it as it is built."""
    try:
        find_tools(need_mvn=True)
    except MissingTool as exc:
        return str(exc)
    return ""


def cache_dir() -> Path:
    """Where the release's classpath list (and the compiled Java driver) are kept."""
    return maven.cache_root() / "apache-kafka"


def pom_hash(pom: Path = POM) -> str:
    return maven.pom_hash(pom)


def cached_classpath_file(pom: Path = POM) -> Path:
    return cache_dir() / f"classpath-{kafka_version(pom)}-{pom_hash(pom)}.txt"


def resolve_classpath(tools: Tools | None = None, pom: Path = POM, timeout: float = 900) -> str:
    """The jars of the pinned release, joined with os.pathsep. Uses the cached list while every
    jar in it still exists; otherwise runs Maven (downloads into ~/.m2 the first time)."""
    return maven.resolve_classpath(pom, tools, cache_file=cached_classpath_file(pom), timeout=timeout)
