"""Class-data-sharing (AppCDS) archives of kafka-clients and each language's runtime, so a twin's JVM
starts faster.

A JVM spends much of a short program's start loading and verifying classes. CDS lets it map them
from an archive made once instead: `java -XX:DumpLoadedClassList` records which classes a
warm-up program (a producer and a consumer built and closed, nothing connected) loads, and
`java -Xshare:dump` writes those classes, read from the jars, into one archive. The JVM only
accepts an archive whose classpath is a prefix of the one it runs with, and every twin's
classpath is the kafka-clients jars, then its language's runtime jars, then its own classes:

    java      clients-KEY.jsa   warmup/CdsWarmup.java    the kafka-clients jars
    kotlin    kotlin-KEY.jsa    warmup/CdsWarmup.kt      those, then kotlin-stdlib
    scala     scala-KEY.jsa     warmup/CdsWarmup.scala   those, then the Scala 3 and 2.13 libraries
    clojure   clojure-KEY.jsa   warmup/cds_warmup.clj    those, then Clojure (most of a Clojure start)

A language's warm-up is compiled like a twin (engine.jvm.compiler, cached); when its archive
cannot be made the twin uses the kafka-clients one, still a prefix of its classpath.

Archives are keyed by their classpath, the `java` binary and the warm-up's text, kept under
$XDG_CACHE_HOME, and optional: when none can be made (no javac, an unusual JVM), twins start
without one.

A JVM that cannot use an archive says nothing and starts slowly (-Xshare:auto), so a new archive is
proved before it is kept: a JVM started with -Xshare:on (which refuses to start without it) and
the twins' flags must map it. The same check decides whether the archive may be mapped where it
was dumped: JDK 17 updates relocate it to a random address by default (ArchiveRelocationMode=1),
which rewrites every pointer in its 20 MB on each start and costs a warm run about a fifth of its
time to the first report line (benchmarks/jvm_startup.py).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Callable, Sequence

from engine.jvm.maven import MissingTool, ResolveError, Tools, cache_root, file_lock

WARMUPS = Path(__file__).with_name("warmup")
WARMUP = WARMUPS / "CdsWarmup.java"  # kafka-clients alone: compiled with javac
LANGUAGE_WARMUPS = {"kotlin": WARMUPS / "CdsWarmup.kt", "scala": WARMUPS / "CdsWarmup.scala",
                    "clojure": WARMUPS / "cds_warmup.clj"}

# A warm-up ready to run: (the directory of its classes, its main class), or None when it cannot be built.
WarmupBuild = Callable[[Path], "tuple[Path, str] | None"]


# Map the archive at the address it was dumped for (relocating only if that address is taken).
AT_BASE = ("-XX:+UnlockDiagnosticVMOptions", "-XX:ArchiveRelocationMode=0")
# Bump when the way archives are made or checked changes: older archives are then made again.
FORMAT = "2"


def archive_flags(archive: Path | None) -> list[str]:
    """The `java` flags that use `archive`; none without one. Unified logging for cds is off so a
    JVM that declines the archive (it never fails for that: -Xshare:auto) says nothing on stdout."""
    if archive is None:
        return []
    at_base = list(AT_BASE) if _at_base_marker(archive).is_file() else []
    return [*at_base, f"-XX:SharedArchiveFile={archive}", "-Xshare:auto", "-Xlog:cds=off,cds+dynamic=off"]


def _at_base_marker(archive: Path) -> Path:
    """Present when this JVM accepted AT_BASE with the archive (the check in _dump)."""
    return archive.with_suffix(".at-base")


def shared_archive(tools: Tools, clients_classpath: str, lang: str = "java",
                   runtime: Sequence[str] = ()) -> Path | None:
    """The archive for a twin in `lang` whose classpath starts with `clients_classpath`, then the
    `runtime` jars: made (once, a few seconds; a language's warm-up is compiled first) if missing.
    The kafka-clients archive when the language's cannot be made; None when neither can."""
    if tools.java is None:
        return None
    warmup = LANGUAGE_WARMUPS.get(lang) if runtime else None
    if warmup is not None:
        prefix = os.pathsep.join([clients_classpath, *runtime])
        made = _archive(tools, lang, prefix, warmup, lambda scratch: _compiled_warmup(tools, warmup))
        if made is not None:
            return made
    if tools.javac is None:
        return None
    return _archive(tools, "clients", clients_classpath, WARMUP,
                    lambda scratch: _javac_warmup(tools, clients_classpath, scratch))


def _archive(tools: Tools, name: str, prefix: str, warmup: Path, build: WarmupBuild) -> Path | None:
    key = hashlib.sha256(f"{FORMAT}\0{prefix}\0{Path(str(tools.java)).resolve()}\0{warmup.read_text()}"
                         .encode()).hexdigest()[:16]
    archive = cache_root() / "jvm" / "cds" / f"{name}-{key}.jsa"
    if archive.is_file():
        return archive
    with file_lock(cache_root() / "jvm" / "locks" / f"{archive.name}.lock"):
        if archive.is_file():
            return archive
        archive.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=".cds.", dir=archive.parent))
        try:
            return _dump(tools, prefix, build, scratch, archive)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)


def _javac_warmup(tools: Tools, clients_classpath: str, scratch: Path) -> tuple[Path, str] | None:
    assert tools.javac is not None
    classes = scratch / "classes"
    cmd = [tools.javac, "-d", str(classes), "-cp", clients_classpath, "-proc:none", "-nowarn", str(WARMUP)]
    try:
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return (classes, "CdsWarmup") if proc.returncode == 0 else None


def _compiled_warmup(tools: Tools, warmup: Path) -> tuple[Path, str] | None:
    """A language's warm-up, compiled as its twins are (cached like them), without an archive of its own."""
    from engine.jvm.compiler import CompileError, compile_source  # the compiler imports this module

    try:
        compiled = compile_source(warmup, tools, archive=False)
    except (CompileError, MissingTool, ResolveError, OSError, ValueError):
        return None
    return compiled.classes, compiled.main_class


def _dump(tools: Tools, prefix: str, build: WarmupBuild, scratch: Path, archive: Path) -> Path | None:
    assert tools.java is not None
    built = build(scratch)
    if built is None:
        return None
    classes, main = built
    run = dict(stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300, cwd=str(scratch))
    listing = scratch / "classes.list"
    made = scratch / "classes.jsa"
    steps = [
        [tools.java, f"-XX:DumpLoadedClassList={listing}", "-XX:+UseSerialGC",
         "-cp", os.pathsep.join([prefix, str(classes)]), main],
        # The warm-up's own classes are not in the jars: the dump skips them (and says so, unheard).
        [tools.java, "-Xshare:dump", f"-XX:SharedClassListFile={listing}", f"-XX:SharedArchiveFile={made}",
         "-XX:+UseSerialGC", "-Xlog:cds=off", "-cp", prefix],
    ]
    for cmd in steps:
        try:
            proc = subprocess.run(cmd, **run)  # type: ignore[call-overload]
        except (OSError, subprocess.TimeoutExpired):
            return None
        if proc.returncode != 0:
            return None
    if not made.is_file():
        return None
    # Proved before it is kept, with the flags a twin uses (engine.jvm.compiler.JVM_FLAGS): first
    # mapped at its own address, else wherever the JVM likes; neither -> no archive.
    from engine.jvm.compiler import JVM_FLAGS  # the compiler imports this module

    check = [tools.java, *JVM_FLAGS, "-Xshare:on", f"-XX:SharedArchiveFile={made}", "-Xlog:cds=off",
             "-cp", prefix, "-version"]
    for at_base in (list(AT_BASE), []):
        try:
            proc = subprocess.run([check[0], *at_base, *check[1:]], **run)  # type: ignore[call-overload]
        except (OSError, subprocess.TimeoutExpired):
            return None
        if proc.returncode == 0:
            if at_base:
                _at_base_marker(archive).write_text(" ".join(AT_BASE) + "\n", encoding="utf-8")
            made.replace(archive)  # last: an archive on disk has been checked
            return archive
    return None
