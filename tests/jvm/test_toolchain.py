"""engine.jvm: finding the tools, the classpath cache, compiling once per source, and compile
errors as (line, message) with a one-line summary, in each of the four languages."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from engine.jvm import CompileError, MissingTool, compile_source, find_tools
from engine.jvm.languages import CLIENTS_POM, LANGUAGES, MainClassError, language_for, main_class
from engine.jvm.maven import Tools, cached_classpath_file, resolve_classpath
from engine.runs.runner import launch_command

# A source that fails on a known line, per language; the second element is that line.
BROKEN = {
    "java": ("class Broken {\n    public static void main(String[] args) {\n"
             "        int count = \"two\";\n    }\n}\n", 3),
    "kotlin": ("fun main() {\n    println(\"hi\")\n    val count: Int = \"two\"\n}\n", 3),
    "scala": ("object Broken:\n  def main(args: Array[String]): Unit =\n    println(\"hi\")\n"
              "    val count: Int = \"two\"\n", 4),
    "clojure": ("(ns broken\n  (:gen-class))\n\n(defn -main [& _]\n  (no-such-function 1))\n", 5),
}


def _source(tmp_path: Path, lang: str, text: str) -> Path:
    path = tmp_path / f"broken-{uuid.uuid4().hex[:8]}{LANGUAGES[lang].extension}"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.slow
@pytest.mark.parametrize("lang", list(BROKEN))
def test_compile_error_names_the_line(lang: str, tools: Tools, tmp_path: Path) -> None:
    text, line = BROKEN[lang]
    source = _source(tmp_path, lang, text)
    with pytest.raises(CompileError) as caught:
        compile_source(source, tools)
    error = caught.value
    assert error.problems, error.output
    assert error.problems[0].line == line, error.output
    assert error.problems[0].message
    summary = str(error)
    assert "\n" not in summary
    assert summary.startswith(f"{source.name} does not compile ({LANGUAGES[lang].title}")
    assert f"line {line}:" in summary


def test_second_compile_uses_the_cache_without_a_compiler(tools: Tools, tmp_path: Path) -> None:
    marker = uuid.uuid4().hex  # a source no earlier session compiled
    source = tmp_path / "hello.java"
    source.write_text(f"// {marker}\nclass Hello {{ public static void main(String[] a) {{ "
                      f"System.out.println(\"sent {marker}\"); }} }}\n", encoding="utf-8")
    first = compile_source(source, tools)
    assert first.fresh and first.main_class == "Hello"
    assert (first.classes / "Hello.class").is_file()
    # No javac and no mvn: only the cached classes and classpath can make this work.
    second = compile_source(source, Tools(tools.java, javac="/nonexistent/javac", mvn=None))
    assert not second.fresh
    assert second.classes == first.classes
    source.write_text(source.read_text().replace("sent", "acked"), encoding="utf-8")
    third = compile_source(source, tools)
    assert third.fresh and third.classes != first.classes


def test_the_command_runs_the_twin_with_bootstrap_servers(tools: Tools, tmp_path: Path) -> None:
    import subprocess

    source = tmp_path / "env.java"
    source.write_text("class Env { public static void main(String[] a) { "
                      "System.out.println(\"sent \" + System.getenv(\"BOOTSTRAP_SERVERS\")); } }\n")
    proc = subprocess.run(launch_command(source), env=dict(os.environ, BOOTSTRAP_SERVERS="127.0.0.1:1"),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "sent 127.0.0.1:1"


def test_classpath_is_cached_by_pom_hash(tools: Tools, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    pom = tmp_path / "clients.xml"
    pom.write_text(CLIENTS_POM.read_text().replace("<!--", f"<!-- {uuid.uuid4().hex}", 1))
    no_maven = Tools(tools.java, tools.javac, mvn=None)
    with pytest.raises(MissingTool, match="mvn"):
        resolve_classpath(pom, no_maven)  # nothing cached for this pom yet: Maven is needed
    classpath = resolve_classpath(pom, tools)  # from ~/.m2, downloading what is missing
    names = [Path(j).name for j in classpath.split(os.pathsep)]
    assert any(n.startswith("kafka-clients-4.") for n in names) and any(n.startswith("slf4j-nop-") for n in names)
    assert cached_classpath_file(pom).read_text().strip() == classpath
    assert resolve_classpath(pom, no_maven) == classpath  # the second time needs no Maven
    pom.write_text(pom.read_text() + "\n<!-- edited -->\n")  # another hash: resolved again
    with pytest.raises(MissingTool):
        resolve_classpath(pom, no_maven)


def test_without_a_jdk_the_message_says_what_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no java, javac or mvn
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.delenv("MAVEN_HOME", raising=False)
    with pytest.raises(MissingTool) as caught:
        find_tools(("java", "javac", "mvn"), "the Java examples")
    assert "java and javac and mvn" in str(caught.value)
    assert "install a JDK" in str(caught.value) and "Maven" in str(caught.value)
    source = tmp_path / "Hello.java"
    source.write_text("class Hello { public static void main(String[] a) {} }\n")
    with pytest.raises(MissingTool, match="install a JDK"):
        launch_command(source)
    # Python examples never need any of it.
    script = tmp_path / "hello.py"
    script.write_text("print('sent x')\n")
    assert launch_command(script, "python3")[-1] == str(script.resolve())


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("commit-first.java", "import x;\n\nclass CommitFirst {\n  static class Inner {}\n}\n", "CommitFirst"),
    ("commit-first.java", "public final class Outer {}\n", "Outer"),
    ("commit-first.kt", "@file:JvmName(\"CommitFirst\")\nfun main() {}\n", "CommitFirst"),
    ("commit-first.kt", "fun main() {}\n", "Commit_firstKt"),
    ("commit-first.scala", "object CommitFirst:\n  def main(args: Array[String]): Unit = ()\n", "CommitFirst"),
    ("commit-first.scala", "@main def commitFirst(): Unit = ()\n", "commitFirst"),
    ("commit-first.clj", "(ns commit-first\n  (:gen-class))\n", "commit_first"),
])
def test_main_class_is_named_as_each_compiler_names_it(name: str, text: str, expected: str) -> None:
    path = Path(name)
    lang = language_for(path)
    assert lang is not None
    assert main_class(lang, path, text) == expected


def test_a_source_without_an_entry_point_says_what_to_write() -> None:
    with pytest.raises(MainClassError, match="gen-class"):
        main_class(LANGUAGES["clojure"], Path("x.clj"), "(println 1)\n")
    with pytest.raises(MainClassError, match="@main"):
        main_class(LANGUAGES["scala"], Path("x.scala"), "val x = 1\n")


def test_the_poms_ship_with_the_package() -> None:
    import tomllib

    from tests.paths import ROOT

    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    shipped = data["tool"]["setuptools"]["package-data"]["engine.jvm"]
    assert "poms/*.xml" in shipped and "warmup/*.java" in shipped
    from engine.jvm.cds import LANGUAGE_WARMUPS
    assert all(f"warmup/*{w.suffix}" in shipped for w in LANGUAGE_WARMUPS.values())
    for lang in LANGUAGES.values():
        assert lang.pom is None or lang.pom.is_file()


def test_twins_load_kafka_clients_from_the_shared_archive(tools: Tools, tmp_path: Path) -> None:
    import subprocess

    source = tmp_path / "cds.java"
    source.write_text("class Cds { public static void main(String[] a) { System.out.println(\"sent \" + "
                      "new org.apache.kafka.clients.producer.ProducerRecord<String, String>(\"t\", \"v\").topic()); } }\n")
    compiled = compile_source(source, tools)
    assert compiled.archive is not None and compiled.archive.is_file()
    # -Xshare:on: the JVM refuses to start unless it can map the archive for this classpath.
    cmd = ["-Xshare:on" if arg == "-Xshare:auto" else arg for arg in compiled.command()]
    cmd.insert(1, "-Xlog:class+load=info")
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr
    assert "sent t" in proc.stdout
    assert "org.apache.kafka.clients.producer.ProducerRecord source: shared objects file" in proc.stdout


# A class of each language's runtime that its warm-up loads (and so every twin in it does too).
RUNTIME_CLASS = {"kotlin": "kotlin.ranges.IntRange", "scala": "scala.collection.IterableOnce",
                 "clojure": "clojure.lang.RT"}


@pytest.mark.parametrize("lang", list(RUNTIME_CLASS))
def test_each_language_maps_its_runtime_from_its_own_archive(lang: str, tools: Tools) -> None:
    import dataclasses
    import subprocess

    from engine.jvm.cds import LANGUAGE_WARMUPS
    from tests.paths import ROOT

    twin = ROOT / "lessons" / "02-at-most-once" / "examples" / f"fire-and-forget{LANGUAGES[lang].extension}"
    compiled = compile_source(twin, tools)  # cached after the first session; makes the archive if missing
    assert compiled.archive is not None and compiled.archive.name.startswith(f"{lang}-")
    # The warm-up the archive was made from, compiled (cached) as a twin is, started as a twin is:
    # -Xshare:on refuses to start unless the archive maps for this classpath.
    warmup = dataclasses.replace(compile_source(LANGUAGE_WARMUPS[lang], tools, archive=False), archive=compiled.archive)
    cmd = ["-Xshare:on" if arg == "-Xshare:auto" else arg for arg in warmup.command()]
    cmd.insert(1, "-Xlog:class+load=info")
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr
    assert f"{RUNTIME_CLASS[lang]} source: shared objects file" in proc.stdout
    assert "org.apache.kafka.clients.producer.KafkaProducer source: shared objects file" in proc.stdout
