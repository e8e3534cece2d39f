"""Compiling a JVM twin once per source: class directories cached by the hash of what went in.

The key covers the source text, the language, the pinned poms (compiler and kafka-clients
versions) and the `java` binary, so a second run of the same file starts straight from its
classes, and any edit (or a version bump) compiles again. A failed compilation is not cached:
the learner fixes the file and runs again.

    compiled = compile_source(Path("commit-first.java"))   # CompileError, MissingTool
    compiled.command()  # ["java", ..., "-cp", "<classes>:<jars>", "CommitFirst"]
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from engine.jvm.cds import archive_flags, shared_archive
from engine.jvm.languages import CLIENTS_POM, Language, clojure_namespace, language_for, main_class
from engine.jvm.maven import Tools, cache_root, file_lock, find_tools, jars, pom_hash, resolve_classpath

# Flags for every JVM we start, the compilers included: these are short programs on a shared
# machine, so one GC thread (serial), class-data sharing for the JDK's own classes, and only the
# quick C1 JIT (C2's optimising compiler threads cost more than they win in a few seconds: the
# Kotlin compiler finishes in about half the time with C1 alone). No hsperfdata file either: it is
# for jstat/jcmd attaching to long-lived JVMs, and creating it is part of every start.
JVM_FLAGS = ("-XX:+UseSerialGC", "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData")
COMPILER_FLAGS = JVM_FLAGS


@dataclass(frozen=True)
class CompileProblem:
    line: int  # 1-based; 0 when the compiler named no line
    message: str


class CompileError(Exception):
    """The twin does not compile. str() is one line: the file, the count, the first problem."""

    def __init__(self, source: Path, lang: Language, problems: list[CompileProblem], output: str):
        self.source = source
        self.language = lang
        self.problems = problems
        self.output = output  # the compiler's whole report, for whoever wants every detail
        first = problems[0] if problems else CompileProblem(0, "the compiler failed without a message")
        where = f"line {first.line}: " if first.line else ""
        count = f"{len(problems)} error{'s' if len(problems) != 1 else ''}"
        super().__init__(f"{source.name} does not compile ({lang.title}, {count}); {where}{first.message}")


@dataclass(frozen=True)
class Compiled:
    """A twin's classes on disk, and what `java` needs to start them."""

    source: Path
    language: Language
    classes: Path
    main_class: str
    classpath: tuple[str, ...]  # kafka-clients first (the CDS archive's prefix), the language's runtime, the classes
    java: str
    fresh: bool  # True: compiled by this call; False: found in the cache
    archive: Path | None = None  # the class-data-sharing archive of kafka-clients and the runtime (engine.jvm.cds), if any

    def command(self) -> list[str]:
        return [self.java, *JVM_FLAGS, *archive_flags(self.archive), "-cp", os.pathsep.join(self.classpath),
                self.main_class]


def compile_source(source: Path, tools: Tools | None = None, *, archive: bool = True) -> Compiled:
    """The compiled twin of `source`, from the cache when this exact source was compiled before;
    with its class-data-sharing archive (engine.jvm.cds) unless `archive` is False."""
    source = source.resolve()
    lang = language_for(source)
    if lang is None:
        raise ValueError(f"{source.name}: not a JVM source (.java, .kt, .scala, .clj)")
    tools = tools or find_tools(("java",) + (("javac",) if lang.name == "java" else ()),
                                f"{lang.title} examples")
    text = source.read_text(encoding="utf-8")
    entry = main_class(lang, source, text)
    clients = resolve_classpath(CLIENTS_POM, tools)
    toolchain = resolve_classpath(lang.pom, tools) if lang.pom else ""
    runtime = [str(j) for j in jars(toolchain) if j.name.startswith(lang.runtime_jars)] if lang.pom else []
    key = hashlib.sha256("\0".join([lang.name, text, pom_hash(CLIENTS_POM), pom_hash(lang.pom) if lang.pom else "",
                                    str(tools.java)]).encode()).hexdigest()[:16]
    target = cache_root() / "jvm" / "classes" / f"{lang.name}-{source.stem}-{key}"
    done = target / ".compiled"  # written last: a directory without it is not trusted
    fresh = False
    if not done.is_file():
        with file_lock(cache_root() / "jvm" / "locks" / f"{target.name}.lock"):
            if not done.is_file():
                _compile(lang, source, text, tools, clients, toolchain, runtime, target)
                done.write_text(entry, encoding="utf-8")
                fresh = True
    classpath = (*(str(j) for j in jars(clients)), *runtime, str(target))
    assert tools.java is not None
    shared = shared_archive(tools, clients, lang.name, runtime) if archive else None
    return Compiled(source, lang, target, entry, classpath, tools.java, fresh, shared)


def _compile(lang: Language, source: Path, text: str, tools: Tools, clients: str, toolchain: str,
             runtime: list[str], target: Path) -> None:
    """Compile into a scratch directory, then move it into place whole."""
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        out = scratch / "classes"
        out.mkdir()
        compile_cp = os.pathsep.join([clients, *runtime])
        if lang.name == "java":
            assert tools.javac is not None
            cmd = [tools.javac, "-d", str(out), "-cp", clients, "-encoding", "UTF-8", "-proc:none", "-nowarn",
                   "-J-XX:+UseSerialGC", str(source)]
        elif lang.name == "kotlin":
            cmd = [str(tools.java), *COMPILER_FLAGS, "-cp", toolchain, "org.jetbrains.kotlin.cli.jvm.K2JVMCompiler",
                   "-no-stdlib", "-no-reflect", "-nowarn", "-jvm-target", "17", "-cp", compile_cp,
                   "-d", str(out), str(source)]
        elif lang.name == "scala":
            cmd = [str(tools.java), *COMPILER_FLAGS, "-cp", toolchain, "dotty.tools.dotc.Main", "-color:never",
                   "-nowarn", "-classpath", compile_cp, "-d", str(out), str(source)]
        else:
            # Clojure compiles a namespace found on the classpath under its munged path, and
            # loads it while compiling: a twin only defines things and does its work in -main.
            ns = clojure_namespace(source, text)
            src = scratch / "src" / (ns.replace("-", "_").replace(".", "/") + ".clj")
            src.parent.mkdir(parents=True)
            shutil.copyfile(source, src)
            cmd = [str(tools.java), *COMPILER_FLAGS, "-Dclojure.main.report=stderr",
                   f"-Dclojure.compile.path={out}", "-cp", os.pathsep.join([toolchain, clients, str(scratch / 'src'),
                                                                              str(out)]),
                   "clojure.main", "-e", f"(compile '{ns})"]
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, cwd=str(scratch),
                              timeout=600)
        report = (proc.stdout + proc.stderr).strip()
        if proc.returncode != 0:
            raise CompileError(source, lang, parse_problems(lang, report), report)
        if target.exists():
            shutil.rmtree(target)
        out.replace(target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


_LINE_ERROR = re.compile(r"^\S*?:(\d+):(?:\d+:)? error: (.+)$", re.M)  # javac and kotlinc
_SCALA_HEADER = re.compile(r"^-- (?:\[E\d+\] )?[\w ]*Error: \S*?:(\d+):\d+ -*$", re.M)
_CLOJURE = re.compile(r"^Syntax error.*?at \(\S*?:(\d+):\d+\)\.\n(.+)$", re.M)


def parse_problems(lang: Language, report: str) -> list[CompileProblem]:
    """(line, message) for each error in a compiler's report; warnings are left out."""
    if lang.name in ("java", "kotlin"):
        found = [CompileProblem(int(m.group(1)), m.group(2).strip()) for m in _LINE_ERROR.finditer(report)]
    elif lang.name == "scala":
        found = []
        lines = report.splitlines()
        for m in _SCALA_HEADER.finditer(report):
            start = report.count("\n", 0, m.start()) + 1
            found.append(CompileProblem(int(m.group(1)), _scala_message(lines[start:])))
    else:
        found = [CompileProblem(int(m.group(1)), m.group(2).strip()) for m in _CLOJURE.finditer(report)]
        if not found:  # an exception while loading, e.g. a class that does not exist
            found = [CompileProblem(0, line.strip()) for line in report.splitlines()[:1] if line.strip()]
    if not found and report:
        last = [line.strip() for line in report.splitlines() if line.strip()]
        found = [CompileProblem(0, last[-1])] if last else []
    return found


def _scala_message(lines: list[str]) -> str:
    """The text under the carets of one Scala 3 diagnostic: `|` lines up to the blank `|`."""
    message: list[str] = []
    seen_carets = False
    for line in lines:
        if not line.lstrip().startswith("|") and not re.match(r"^\d+ \|", line):
            break
        body = line.split("|", 1)[1].strip()
        if not seen_carets:
            seen_carets = bool(body) and set(body) <= {"^"}
            continue
        if not body:
            break
        message.append(body)
    return " ".join(message) or "see the compiler's report"
