"""A class-data-sharing (AppCDS) archive of kafka-clients, so a twin's JVM starts faster.

A JVM spends much of a short program's start loading and verifying classes. CDS lets it map them
from an archive made once instead: `java -XX:DumpLoadedClassList` records which classes a
warm-up program (warmup/CdsWarmup.java: a producer and a consumer built and closed, nothing
connected) loads, and `java -Xshare:dump` writes those classes, read from the kafka-clients jars,
into one archive. Every twin, whatever its language, starts with the kafka-clients jars first on
its classpath, so one archive serves them all (the JVM only accepts an archive whose classpath is
a prefix of the one it runs with).

The archive is keyed by the jar list and the `java` binary, kept under $XDG_CACHE_HOME, and
optional: when it cannot be made (no javac, an unusual JVM), twins start without it.

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

from engine.jvm.maven import Tools, cache_root, file_lock

WARMUP = Path(__file__).with_name("warmup") / "CdsWarmup.java"


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


def shared_archive(tools: Tools, clients_classpath: str) -> Path | None:
    """The archive for these jars and this `java`, made (once, a few seconds) if missing; None when it
    cannot be made."""
    if tools.java is None or tools.javac is None:
        return None
    key = hashlib.sha256(f"{FORMAT}\0{clients_classpath}\0{Path(tools.java).resolve()}\0{WARMUP.read_text()}"
                         .encode()).hexdigest()[:16]
    archive = cache_root() / "jvm" / "cds" / f"clients-{key}.jsa"
    if archive.is_file():
        return archive
    with file_lock(cache_root() / "jvm" / "locks" / f"{archive.name}.lock"):
        if archive.is_file():
            return archive
        archive.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=".cds.", dir=archive.parent))
        try:
            return _dump(tools, clients_classpath, scratch, archive)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)


def _dump(tools: Tools, clients_classpath: str, scratch: Path, archive: Path) -> Path | None:
    assert tools.java is not None and tools.javac is not None
    run = dict(stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300, cwd=str(scratch))
    classes = scratch / "classes"
    listing = scratch / "classes.list"
    made = scratch / "clients.jsa"
    steps = [
        [tools.javac, "-d", str(classes), "-cp", clients_classpath, "-proc:none", "-nowarn", str(WARMUP)],
        [tools.java, f"-XX:DumpLoadedClassList={listing}", "-XX:+UseSerialGC",
         "-cp", os.pathsep.join([clients_classpath, str(classes)]), "CdsWarmup"],
        # The warm-up's own class is not in the jars: the dump skips it (and says so, unheard).
        [tools.java, "-Xshare:dump", f"-XX:SharedClassListFile={listing}", f"-XX:SharedArchiveFile={made}",
         "-XX:+UseSerialGC", "-Xlog:cds=off", "-cp", clients_classpath],
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
             "-cp", clients_classpath, "-version"]
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
