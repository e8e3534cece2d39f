"""Finding Java and Maven, and turning a pinned pom into a classpath, cached by the pom's hash.

Maven is the JVM world's package manager: `mvn dependency:build-classpath` on a pom downloads the
pinned artifacts (and their dependencies) into the user's ~/.m2 and prints the jar paths. That
takes seconds even when everything is downloaded already, so the list is cached under
$XDG_CACHE_HOME keyed by the pom's content hash: a second use reads one small file and needs no
Maven at all, and editing the pom (a version bump) resolves again.

    tools = find_tools(need=("java", "mvn"), purpose="the Java examples")   # MissingTool says what to install
    classpath = resolve_classpath(POMS / "clients.xml", tools)            # "a.jar:b.jar:..."

Any pinned pom can use this (engine.apache_kafka's release pom too: pass its own `cache_file`).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

POMS = Path(__file__).with_name("poms")

INSTALL_HINT = ("install a JDK (17 or newer) and Maven 3.8+, e.g. `apt-get install openjdk-17-jdk-headless maven`, "
                "or set JAVA_HOME to a JDK")


class MissingTool(RuntimeError):
    """Java, javac or Maven is not installed: str() is one line saying what to install."""


class ResolveError(RuntimeError):
    """Maven ran but could not resolve the pom (offline, unknown version): str() ends with Maven's last lines."""


@dataclass(frozen=True)
class Tools:
    java: str | None
    javac: str | None
    mvn: str | None  # None: only a cached classpath can be used


def find_tools(need: tuple[str, ...] = ("java",), purpose: str = "the JVM examples") -> Tools:
    """`java` and `javac` from JAVA_HOME or PATH, `mvn` from PATH (or $MAVEN_HOME/bin).

    Raises MissingTool naming each tool in `need` that is not found and how to install it."""
    java = javac = None
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        bin_dir = Path(java_home) / "bin"
        java = str(bin_dir / "java") if (bin_dir / "java").is_file() else None
        javac = str(bin_dir / "javac") if (bin_dir / "javac").is_file() else None
    java = java or shutil.which("java")
    javac = javac or shutil.which("javac")
    mvn = shutil.which("mvn")
    maven_home = os.environ.get("MAVEN_HOME")
    if mvn is None and maven_home and (Path(maven_home) / "bin" / "mvn").is_file():
        mvn = str(Path(maven_home) / "bin" / "mvn")
    found = {"java": java, "javac": javac, "mvn": mvn}
    missing = [name for name in need if not found.get(name)]
    if missing:
        raise MissingTool(f"{purpose} need {' and '.join(missing)}, not found: {INSTALL_HINT}")
    return Tools(java, javac, mvn)


def cache_root() -> Path:
    """$XDG_CACHE_HOME/kafka-semantics-course (~/.cache/... when unset)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kafka-semantics-course"


def pom_hash(pom: Path) -> str:
    return hashlib.sha256(pom.read_bytes()).hexdigest()[:16]


def cached_classpath_file(pom: Path) -> Path:
    """Where the resolved jar list of `pom` is kept: one file per pom name and content."""
    return cache_root() / "jvm" / f"classpath-{pom.stem}-{pom_hash(pom)}.txt"


def jars(classpath: str) -> list[Path]:
    return [Path(j) for j in classpath.split(os.pathsep) if j]


def usable(classpath: str) -> bool:
    """Every jar still on disk (a cleaned ~/.m2 makes a cached list stale)."""
    listed = jars(classpath)
    return bool(listed) and all(j.is_file() for j in listed)


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive advisory lock on `path` (created if missing): two processes never run the same
    Maven resolution or compilation at once; the second waits, then finds the first one's result."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def resolve_classpath(pom: Path, tools: Tools | None = None, *, cache_file: Path | None = None,
                      timeout: float = 900) -> str:
    """The jars `pom` pins, with their dependencies, joined with os.pathsep.

    Uses the cached list while every jar in it exists; otherwise runs Maven once (downloading into
    ~/.m2 the first time) and caches its answer. Raises MissingTool without mvn, ResolveError when
    Maven fails."""
    cached = cache_file or cached_classpath_file(pom)
    text = _read_cached(cached)
    if text is not None:
        return text
    with file_lock(cached.with_suffix(".lock")):
        text = _read_cached(cached)  # another process may have resolved it while we waited
        if text is not None:
            return text
        tools = tools or find_tools(("mvn",), f"resolving {pom.name}")
        if tools.mvn is None:
            raise MissingTool(f"resolving {pom.name} needs mvn (nothing is cached for it yet), not found: {INSTALL_HINT}")
        out = cached.with_suffix(f".{os.getpid()}.tmp")
        cmd = [str(tools.mvn), "-q", "-B", "-f", str(pom), "dependency:build-classpath", f"-Dmdep.outputFile={out}"]
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)
        if proc.returncode != 0 or not out.is_file():
            tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
            raise ResolveError(f"Maven could not resolve {pom} (exit {proc.returncode}); is Maven Central "
                               f"reachable?\n{tail}")
        text = out.read_text(encoding="utf-8").strip()
        out.replace(cached)  # atomic: a concurrent reader never sees half a list
    if not usable(text):
        raise ResolveError(f"Maven listed jars that are not on disk for {pom}: {text[:300]}")
    return text


def _read_cached(cached: Path) -> str | None:
    if not cached.is_file():
        return None
    text = cached.read_text(encoding="utf-8").strip()
    return text if usable(text) else None
