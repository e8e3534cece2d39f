"""The four JVM languages a lesson example may be written in, and how each one is compiled.

Every twin is compiled ahead of time into a class directory (engine.jvm.compiler caches it by the
source's hash), then started with plain `java -cp <classes>:<kafka-clients>:<runtime> <MainClass>`:

    java     javac (from the JDK)                              main class: the first top-level class
    kotlin   org.jetbrains.kotlin.cli.jvm.K2JVMCompiler        main class: @file:JvmName, else <File>Kt
    scala    dotty.tools.dotc.Main (Scala 3)                   main class: the @main method, else the object
    clojure  clojure.main -e "(compile 'ns)" (AOT, :gen-class) main class: the namespace, munged

The compilers come from the pinned poms in engine/jvm/poms (resolved through engine.jvm.maven).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from engine.jvm.maven import POMS


@dataclass(frozen=True)
class Language:
    name: str  # "java": what `course run --lang` takes
    title: str  # "Java": what messages say
    extension: str  # ".java"
    pom: Path | None  # the toolchain's pinned pom; None: the JDK's own javac
    runtime_jars: tuple[str, ...] = ()  # file-name prefixes of the toolchain jars a compiled twin needs to run


LANGUAGES: dict[str, Language] = {
    "java": Language("java", "Java", ".java", None),
    "kotlin": Language("kotlin", "Kotlin", ".kt", POMS / "kotlin.xml", ("kotlin-stdlib-", "annotations-")),
    "scala": Language("scala", "Scala", ".scala", POMS / "scala.xml", ("scala3-library_3-", "scala-library-")),
    "clojure": Language("clojure", "Clojure", ".clj", POMS / "clojure.xml",
                        ("clojure-", "spec.alpha-", "core.specs.alpha-")),
}

CLIENTS_POM = POMS / "clients.xml"  # kafka-clients + SLF4J's no-op provider: on every twin's classpath


def language_for(path: Path) -> Language | None:
    """The JVM language of a source file by its extension, or None (a Python script, say)."""
    return next((lang for lang in LANGUAGES.values() if lang.extension == path.suffix), None)


class MainClassError(ValueError):
    """The source declares nothing that could be started: str() says what to write."""


def main_class(lang: Language, source: Path, text: str) -> str:
    """The class `java` starts, read from the source the way each compiler names its output."""
    if lang.name == "java":
        m = re.search(r"^(?:(?:public|final|abstract)\s+)*class\s+(\w+)", text, re.M)
        if m is None:
            raise MainClassError(f"{source}: no top-level class; write `class Name {{ public static void "
                                 "main(String[] args) ... }}`")
        return m.group(1)
    if lang.name == "kotlin":
        m = re.search(r"^@file:JvmName\(\"([\w$]+)\"\)", text, re.M)
        # Kotlin's file facade: the file name as a Java identifier, capitalised, plus "Kt".
        return m.group(1) if m else _identifier(source.stem)[:1].upper() + _identifier(source.stem)[1:] + "Kt"
    if lang.name == "scala":
        m = re.search(r"@main\s+def\s+(\w+)", text) or re.search(r"^object\s+(\w+)", text, re.M)
        if m is None:
            raise MainClassError(f"{source}: no entry point; write `@main def run(): Unit = ...`")
        return m.group(1)
    return namespace_class(clojure_namespace(source, text))


def clojure_namespace(source: Path, text: str) -> str:
    m = re.search(r"^\(ns\s+([\w.*+!?<>=-]+)", text, re.M)
    if m is None:
        raise MainClassError(f"{source}: no namespace; start with `(ns {source.stem} (:gen-class))` and "
                             "define `(defn -main [& args] ...)`")
    return m.group(1)


def namespace_class(namespace: str) -> str:
    """Clojure's name for a namespace's class: dashes become underscores (`commit-first` -> commit_first)."""
    return namespace.replace("-", "_")


def _identifier(stem: str) -> str:
    return re.sub(r"[^\w$]", "_", stem)
