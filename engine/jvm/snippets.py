"""Code fragments of any page, made into programs: compiled (and config-checked) in the tests, run
against the sandbox from the reader and from `course run-snippet`.

A page's code block is usually a fragment: statements that build a Properties, a producer, a send,
a transaction. `harness()` wraps it, per language, in what a reader fills in without thinking:
the usual imports, a class (Java), file (Kotlin), object (Scala) or namespace (Clojure) with a
main, and the fragment's statements inside that main, on lines that map back to the page's. Names a
fragment takes from an earlier block of the page are predeclared (`props` with the address and
String (de)serializers, `running`, `process(value)`, `producer`, `consumer`: the clients stand in
until first used, then end a check, or are built against the sandbox in a run). A whole program
(`class ... main`, `fun main`, `@main`/`def main`, `(ns ...)`) is left as written.

Every `new KafkaProducer(...)` / `new KafkaConsumer(...)` of the fragment becomes a call to
coursesnippets.SnippetSupport (engine/jvm/harness), which runs the configuration through the
client's own validation first (ProducerConfig, the producer's delivery.timeout.ms rule,
ConsumerConfig). In check mode it stops there, so the test suite sees a fragment that would throw
at start-up in kafka-clients 4.x without connecting anywhere; in run mode it points
bootstrap.servers at the sandbox, says so, and builds the client.

    blocks = page_blocks(Path("lessons/02-at-most-once/index.md"))
    results = check_blocks(blocks)            # one compiler run and one checking JVM per language
    result = run_block(blocks[0], listener=print)   # a fresh sandbox, through engine.runs.runner

A block the page marks illustrative (```java {illustrative="why"}) is skipped by the check with
that reason; it can still be run from the reader.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from engine.jvm.cds import archive_flags, shared_archive
from engine.jvm.compiler import COMPILER_FLAGS, JVM_FLAGS, _scala_message
from engine.jvm.languages import CLIENTS_POM, LANGUAGES, Language
from engine.jvm.maven import Tools, cache_root, file_lock, find_tools, jars, pom_hash, resolve_classpath

SUPPORT_SOURCE = Path(__file__).with_name("harness") / "SnippetSupport.java"
SUPPORT_CLASS = "coursesnippets.SnippetSupport"

# Fence languages -> the language a block runs as ("python" runs under the course's own Python).
ALIASES = {"java": "java", "kotlin": "kotlin", "kt": "kotlin", "scala": "scala", "clojure": "clojure",
           "clj": "clojure", "python": "python", "py": "python", "python3": "python"}
RUNNABLE = tuple(sorted(set(ALIASES.values())))

_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})\s*([^`\s{]*)\s*(\{.*\})?\s*$")
_ILLUSTRATIVE = re.compile(r"""\billustrative\s*=\s*(?:"([^"]*)"|'([^']*)'|(\S+?))\s*[,}\s]""")


# ---------------------------------------------------------------- blocks of a page


@dataclass(frozen=True)
class SnippetBlock:
    """One runnable code block of a page."""

    page: str  # the page's path as given (what messages name)
    number: int  # 1-based among the page's runnable blocks (`course run-snippet PAGE --block N`)
    language: str  # java, kotlin, scala, clojure or python
    code: str
    line: int  # the page line of the code's first line
    illustrative: str = ""  # the page's reason when it marks the block illustrative

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"


def blocks_of(page_text: str, samples: Iterable[Any], page: str) -> list[SnippetBlock]:
    """The runnable blocks among a page's code samples (engine.model.CodeSample: language, code, line).

    A sample's line is its label's or its fence's; the fence (with its attributes) is the first
    fence line from there on, read from the page's text."""
    lines = page_text.split("\n")
    found: list[SnippetBlock] = []
    for sample in samples:
        lang = ALIASES.get(sample.language.lower())
        if lang is None:
            continue
        fence_at = max(sample.line - 1, 0)
        while fence_at < len(lines) and not _FENCE.match(lines[fence_at]):
            fence_at += 1
        info = _FENCE.match(lines[fence_at]) if fence_at < len(lines) else None
        reason = ""
        if info and info.group(3):
            m = _ILLUSTRATIVE.search(info.group(3).rstrip("}") + " }")
            if m:
                reason = next((g for g in m.groups() if g is not None), "") or "marked illustrative"
        found.append(SnippetBlock(page, len(found) + 1, lang, sample.code, fence_at + 2, reason))
    return found


def page_blocks(path: Path) -> list[SnippetBlock]:
    """The runnable code blocks of a section Markdown page, in page order."""
    from engine.content.page import read_page  # the page reader (markdown-it) only when pages are read
    from engine.model import CodeGroup

    page = read_page(path)
    samples = [s for b in page.blocks if isinstance(b, CodeGroup) for s in b.samples]
    return blocks_of(page.text, samples, str(path))


# ---------------------------------------------------------------- the harness


JAVA_IMPORTS = """import java.util.*;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.*;
import java.time.Duration;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.common.*;
import org.apache.kafka.common.errors.*;
import org.apache.kafka.common.serialization.*;
import coursesnippets.SnippetSupport;"""

KOTLIN_IMPORTS = """import java.util.*
import java.util.concurrent.atomic.*
import java.time.Duration
import org.apache.kafka.clients.producer.*
import org.apache.kafka.clients.consumer.*
import org.apache.kafka.common.*
import org.apache.kafka.common.errors.*
import org.apache.kafka.common.serialization.*
import coursesnippets.SnippetSupport"""

SCALA_IMPORTS = """import java.util.{Properties, Collections, Arrays}
import java.util.concurrent.atomic.{AtomicInteger, AtomicLong, AtomicBoolean}
import java.time.Duration
import scala.util.{Try, Using}
import scala.jdk.CollectionConverters.*
import org.apache.kafka.clients.producer.*
import org.apache.kafka.clients.consumer.*
import org.apache.kafka.common.*
import org.apache.kafka.common.errors.*
import org.apache.kafka.common.serialization.*
import coursesnippets.SnippetSupport"""

CLOJURE_IMPORTS = """  (:import (java.util Properties Collections Arrays List Map HashMap)
           (java.util.concurrent.atomic AtomicInteger AtomicLong AtomicBoolean)
           (java.time Duration)
           (org.apache.kafka.clients.producer KafkaProducer Producer ProducerRecord ProducerConfig Callback RecordMetadata)
           (org.apache.kafka.clients.consumer KafkaConsumer Consumer ConsumerRecord ConsumerRecords ConsumerConfig
                                              ConsumerRebalanceListener CooperativeStickyAssignor
                                              OffsetAndMetadata)
           (org.apache.kafka.common TopicPartition KafkaException)
           (org.apache.kafka.common.errors ProducerFencedException OutOfOrderSequenceException
                                           AuthorizationException TimeoutException RetriableException
                                           NotEnoughReplicasException NotEnoughReplicasAfterAppendException
                                           RecordTooLargeException SerializationException WakeupException
                                           InvalidProducerEpochException TransactionAbortedException
                                           RebalanceInProgressException UnknownTopicOrPartitionException)
           (org.apache.kafka.common.serialization StringSerializer StringDeserializer)
           (coursesnippets SnippetSupport))"""

PYTHON_PRELUDE = '''import json, os, sys, time
import confluent_kafka as _confluent
from confluent_kafka import KafkaError, KafkaException, TopicPartition


def _sandbox(configs, key, client):
    """Point the client at the sandbox (BOOTSTRAP_SERVERS), and say so."""
    sandbox = os.environ.get("BOOTSTRAP_SERVERS")
    named = configs.get(key)
    if sandbox and named != sandbox:
        print(f"snippet: {client} {key} {named} -> {sandbox} (the sandbox)", flush=True)
        configs = dict(configs, **{key: sandbox})
    return configs


def Producer(configs, **kwargs):
    return _confluent.Producer(_sandbox(configs, "bootstrap.servers", "producer"), **kwargs)


def Consumer(configs, **kwargs):
    return _confluent.Consumer(_sandbox(configs, "bootstrap.servers", "consumer"), **kwargs)


def KafkaProducer(**configs):
    import kafka
    return kafka.KafkaProducer(**_sandbox(configs, "bootstrap_servers", "producer"))


def KafkaConsumer(*topics, **configs):
    import kafka
    return kafka.KafkaConsumer(*topics, **_sandbox(configs, "bootstrap_servers", "consumer"))


def on_delivery(err, msg):
    print(f"delivery: {err or 'ok'} {msg.topic()} [{msg.partition()}] @ {msg.offset()}", flush=True)


def process(value):
    pass


running = False
'''

_WHOLE = {
    "java": re.compile(r"^\s*(?:public\s+|final\s+)*class\s+\w+|\bstatic\s+void\s+main\s*\(", re.M),
    "kotlin": re.compile(r"^\s*fun\s+main\s*\(", re.M),
    "scala": re.compile(r"^\s*@main\b|\bdef\s+main\s*\(", re.M),
    "clojure": re.compile(r"^\s*\(ns\s", re.M),
    "python": re.compile(r"^if\s+__name__\s*==", re.M),
}
_IMPORT = {
    "java": re.compile(r"^\s*import\s+[\w.*]+\s*;\s*$"),
    "kotlin": re.compile(r"^\s*import\s+[\w.*`]+(\s+as\s+\w+)?\s*$"),
    "scala": re.compile(r"^\s*import\s+\S.*$"),
}
# `new KafkaProducer<..>(` (Java), `KafkaProducer<..>(` (Kotlin), `new KafkaProducer[..](` (Scala).
_CTOR = {
    "java": re.compile(r"\bnew\s+Kafka(Producer|Consumer)\s*(?:<\s*>|(<[^()]*>))?\s*\("),
    "kotlin": re.compile(r"(?<![\w.])Kafka(Producer|Consumer)\s*(<[^()]*>)?\s*\("),
    "scala": re.compile(r"\bnew\s+Kafka(Producer|Consumer)\s*(\[[^()]*\])?\s*\("),
    "clojure": re.compile(r"\((?:new\s+)?Kafka(Producer|Consumer)\.?(?=\s)"),
}


@dataclass(frozen=True)
class Harness:
    """A block made into a program: its source file's name and text, where the block's lines sit."""

    block: SnippetBlock
    name: str  # the class / namespace to start
    filename: str
    text: str
    offset: int  # harness line = block line index (0-based) + offset + 1
    inserted: int = -1  # a whole program: the 0-based line where the support import was inserted

    def page_line(self, harness_line: int) -> int:
        """The page line of a harness line (0 when the line is the harness's own)."""
        if self.inserted >= 0:
            if harness_line == self.inserted + 1:
                return 0
            harness_line -= harness_line > self.inserted + 1
        index = harness_line - self.offset - 1
        lines = self.block.code.count("\n") + 1
        return self.block.line + index if 0 <= index < lines else 0


def _rewrite_constructors(lang: str, code: str) -> str:
    """Each producer/consumer construction goes through SnippetSupport (validation, the sandbox's address)."""

    def sub(m: re.Match[str]) -> str:
        kind = m.group(1).lower()
        if lang == "clojure":
            return f"(SnippetSupport/{kind}"
        args = m.group(2) or ""
        if lang == "java":
            return f"SnippetSupport.{args}{kind}(" if args else f"SnippetSupport.{kind}("
        return f"SnippetSupport.{kind}{args}("

    return _CTOR[lang].sub(sub, code)


def _lift_imports(lang: str, code: str) -> tuple[str, list[str]]:
    """A fragment's own import lines go to the top of the file; blank lines keep the line numbers."""
    pattern = _IMPORT.get(lang)
    if pattern is None:
        return code, []
    kept, lifted = [], []
    for line in code.split("\n"):
        if pattern.match(line):
            lifted.append(line.strip())
            kept.append("")
        else:
            kept.append(line)
    return "\n".join(kept), lifted


def harness(block: SnippetBlock, name: str) -> Harness:
    """The program around `block`; `name` is the class (namespace) to generate, unique per compile run."""
    lang = block.language
    code = block.code
    whole = bool(_WHOLE[lang].search(code))
    if lang == "python":
        head = PYTHON_PRELUDE + "\n# ---- the page's block\n"
        return Harness(block, name, f"{name}.py", head + code + "\n", head.count("\n"))
    code = _rewrite_constructors(lang, code)
    if whole:
        return _whole_program(block, name, code)
    code, lifted = _lift_imports(lang, code)
    extra = "\n".join(lifted)
    if lang == "java":
        head = (f"{JAVA_IMPORTS}\n{extra}\n"
                f"public class {name} {{\n"
                "    static Properties props = SnippetSupport.baseProperties();\n"
                "    static Properties producerProps = SnippetSupport.baseProperties();\n"
                "    static Properties consumerProps = SnippetSupport.baseProperties();\n"
                "    static Properties baseProps() { return SnippetSupport.baseProperties(); }\n"
                "    static boolean running = false;\n"
                "    static void process(Object value) {}\n"
                "    static Producer<String, String> producer = SnippetSupport.earlierProducer();\n"
                "    static Consumer<String, String> consumer = SnippetSupport.earlierConsumer();\n"
                "    public static void main(String[] args) throws Exception {\n")
        tail = "\n    }\n}\n"
        filename = f"{name}.java"
    elif lang == "kotlin":
        head = (f"@file:JvmName(\"{name}\")\npackage {name.lower()}\n{KOTLIN_IMPORTS}\n{extra}\n"
                "var props: Properties = SnippetSupport.baseProperties()\n"
                "var producerProps: Properties = SnippetSupport.baseProperties()\n"
                "var consumerProps: Properties = SnippetSupport.baseProperties()\n"
                "fun baseProps(): Properties = SnippetSupport.baseProperties()\n"
                "var running = false\n"
                "fun process(value: Any?) {}\n"
                "var producer: Producer<String, String> = SnippetSupport.earlierProducer()\n"
                "var consumer: Consumer<String, String> = SnippetSupport.earlierConsumer()\n"
                "fun main() {\n")
        tail = "\n}\n"
        filename = f"{name}.kt"
        name = f"{name.lower()}.{name}"
    elif lang == "scala":
        head = (f"{SCALA_IMPORTS}\n{extra}\n"
                f"object {name} {{\n"
                "  var props: Properties = SnippetSupport.baseProperties()\n"
                "  var producerProps: Properties = SnippetSupport.baseProperties()\n"
                "  var consumerProps: Properties = SnippetSupport.baseProperties()\n"
                "  def baseProps(): Properties = SnippetSupport.baseProperties()\n"
                "  var running = false\n"
                "  def process(value: Any): Unit = ()\n"
                "  var producer: Producer[String, String] = SnippetSupport.earlierProducer()\n"
                "  var consumer: Consumer[String, String] = SnippetSupport.earlierConsumer()\n"
                "  def main(args: Array[String]): Unit = {\n")
        tail = "\n  }\n}\n"
        filename = f"{name}.scala"
    else:
        ns = name.lower().replace("_", "-")
        head = (f"(ns {ns}\n{CLOJURE_IMPORTS}\n  (:gen-class))\n"
                "(def props (SnippetSupport/baseProperties))\n"
                "(def producer-props (SnippetSupport/baseProperties))\n"
                "(def consumer-props (SnippetSupport/baseProperties))\n"
                "(defn base-props [] (SnippetSupport/baseProperties))\n"
                "(def running false)\n"
                "(defn process [value] nil)\n"
                "(def producer (SnippetSupport/earlierProducer))\n"
                "(def consumer (SnippetSupport/earlierConsumer))\n"
                "(defn -main [& args]\n")
        tail = "\n)\n"
        filename = ns.replace("-", "_") + ".clj"
        name = ns
    return Harness(block, name, filename, head + code + tail, head.count("\n"))


def _whole_program(block: SnippetBlock, name: str, code: str) -> Harness:
    """A whole program keeps its own names; the support class is imported where the language needs it."""
    from engine.jvm.languages import clojure_namespace, main_class

    lang = LANGUAGES[block.language]
    fake = Path(f"{name}{lang.extension}")
    if block.language == "clojure":
        ns = clojure_namespace(fake, code)
        code = re.sub(r"^(\s*\(ns\s+[\w.*+!?<>=-]+)", r"\1 (:import (coursesnippets SnippetSupport))", code,
                      count=1, flags=re.M)
        return Harness(block, ns, ns.replace("-", "_").replace(".", "/") + ".clj", code, 0)
    entry = main_class(lang, fake, code)
    importer = {"java": "import coursesnippets.SnippetSupport;", "kotlin": "import coursesnippets.SnippetSupport",
                "scala": "import coursesnippets.SnippetSupport"}[block.language]
    # After a package line if there is one (the import must follow it), else first; one line either way.
    lines = code.split("\n")
    at = next((i + 1 for i, s in enumerate(lines) if re.match(r"^\s*package\s", s)), 0)
    lines.insert(at, importer)
    package = next((re.match(r"^\s*package\s+([\w.]+)", s).group(1)  # type: ignore[union-attr]
                    for s in lines if re.match(r"^\s*package\s", s)), "")
    filename = f"{entry}{lang.extension}" if block.language == "java" else f"{name}{lang.extension}"
    # Lines after the inserted import moved down by one (page_line undoes it).
    return Harness(block, f"{package}.{entry}" if package else entry, filename, "\n".join(lines), 0, at)


# ---------------------------------------------------------------- compiling


@dataclass
class Toolchain:
    """What compiling and starting one language's snippets needs, resolved once."""

    language: Language
    tools: Tools
    clients: str  # kafka-clients' classpath
    toolchain: str  # the language's compiler classpath ("" for Java)
    runtime: list[str]  # the language's runtime jars
    support: Path  # SnippetSupport's classes


def toolchain(lang_name: str) -> Toolchain:
    lang = LANGUAGES[lang_name]
    tools = find_tools(("java", "javac"), f"{lang.title} snippets")
    clients = resolve_classpath(CLIENTS_POM, tools)
    chain = resolve_classpath(lang.pom, tools) if lang.pom else ""
    runtime = [str(j) for j in jars(chain) if j.name.startswith(lang.runtime_jars)] if lang.pom else []
    return Toolchain(lang, tools, clients, chain, runtime, _support_classes(tools, clients))


def _support_classes(tools: Tools, clients: str) -> Path:
    """SnippetSupport compiled once per source and kafka-clients pin."""
    text = SUPPORT_SOURCE.read_text(encoding="utf-8")
    key = hashlib.sha256("\0".join([text, pom_hash(CLIENTS_POM), str(tools.java)]).encode()).hexdigest()[:16]
    target = cache_root() / "jvm" / "snippets" / f"support-{key}"
    done = target / ".compiled"
    if not done.is_file():
        with file_lock(cache_root() / "jvm" / "locks" / f"snippet-support-{key}.lock"):
            if not done.is_file():
                scratch = Path(tempfile.mkdtemp(prefix=".support.", dir=_mkdir(target.parent)))
                try:
                    assert tools.javac is not None
                    proc = subprocess.run([tools.javac, "-d", str(scratch), "-cp", clients, "-encoding", "UTF-8",
                                           "-proc:none", "-nowarn", "-J-XX:+UseSerialGC", str(SUPPORT_SOURCE)],
                                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=600)
                    if proc.returncode != 0:
                        raise RuntimeError(f"{SUPPORT_SOURCE.name} does not compile:\n{proc.stderr.strip()}")
                    (scratch / ".compiled").write_text("ok", encoding="utf-8")
                    if target.exists():
                        shutil.rmtree(target)
                    scratch.replace(target)
                finally:
                    shutil.rmtree(scratch, ignore_errors=True)
    return target


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass(frozen=True)
class Diagnostic:
    """One compiler error, in the harness file it was reported for."""

    filename: str
    line: int
    message: str


_JAVAC = re.compile(r"^(\S+?\.(?:java|kt)):(\d+):(?:\d+:)? error: (.+)$(?:\n.*\n.*\^\s*\n\s*symbol:\s*(.+)$)?", re.M)
_SCALA = re.compile(r"^-- (?:\[E\d+\] )?[\w ]*Error: (\S+?\.scala):(\d+):\d+ -*$", re.M)


def parse_diagnostics(lang: str, report: str) -> list[Diagnostic]:
    """(file, line, message) for each error of a javac, kotlinc or Scala 3 report."""
    if lang == "scala":
        lines = report.splitlines()
        return [Diagnostic(Path(m.group(1)).name, int(m.group(2)),
                           _scala_message(lines[report.count("\n", 0, m.start()) + 1:]))
                for m in _SCALA.finditer(report)]
    # javac names the missing symbol two lines under its "cannot find symbol".
    return [Diagnostic(Path(m.group(1)).name, int(m.group(2)),
                       m.group(3).strip() + (f" ({m.group(4).strip()})" if m.group(4) else ""))
            for m in _JAVAC.finditer(report)]


def compile_harnesses(chain: Toolchain, harnesses: list[Harness], target: Path) -> tuple[list[Diagnostic], str]:
    """Compile the harness files of one language in one compiler run into `target` (Clojure: only
    written there; it is compiled when loaded). Returns the errors and the compiler's report."""
    src = _mkdir(target / "src")
    out = _mkdir(target / "classes")
    paths = []
    for h in harnesses:
        path = src / h.filename
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(h.text, encoding="utf-8")
        paths.append(str(path))
    lang = chain.language.name
    if lang == "clojure":
        return [], ""
    compile_cp = os.pathsep.join([chain.clients, *chain.runtime, str(chain.support)])
    tools = chain.tools
    if lang == "java":
        assert tools.javac is not None
        cmd = [tools.javac, "-d", str(out), "-cp", compile_cp, "-encoding", "UTF-8", "-proc:none", "-nowarn",
               "-J-XX:+UseSerialGC", *paths]
    elif lang == "kotlin":
        cmd = [str(tools.java), *COMPILER_FLAGS, "-cp", chain.toolchain, "org.jetbrains.kotlin.cli.jvm.K2JVMCompiler",
               "-no-stdlib", "-no-reflect", "-nowarn", "-jvm-target", "17", "-cp", compile_cp, "-d", str(out), *paths]
    else:
        cmd = [str(tools.java), *COMPILER_FLAGS, "-cp", chain.toolchain, "dotty.tools.dotc.Main", "-color:never",
               "-nowarn", "-classpath", compile_cp, "-d", str(out), *paths]
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, cwd=str(target), timeout=900)
    report = (proc.stdout + proc.stderr).strip()
    found = parse_diagnostics(lang, report)
    if proc.returncode != 0 and not found:
        found = [Diagnostic("", 0, (report.splitlines() or ["the compiler failed without a message"])[-1])]
    return found, report


def run_classpath(chain: Toolchain, target: Path) -> list[str]:
    """kafka-clients first (the class-data-sharing archive's prefix), the runtime, support, the classes."""
    extra = [str(target / "src")] if chain.language.name == "clojure" else []
    return [*(str(j) for j in jars(chain.clients)), *chain.runtime, str(chain.support), str(target / "classes"),
            *extra]


# ---------------------------------------------------------------- checking (the test suite)


@dataclass
class SnippetResult:
    """What checking one block found: ok, skipped (illustrative) or failed, with the page line."""

    block: SnippetBlock
    status: str  # "ok", "skipped", "failed"
    line: int = 0  # the page line of the first problem (0: none, or not known)
    message: str = ""
    details: list[str] = field(default_factory=list)  # every problem, "page:line: message"

    def __str__(self) -> str:
        where = f"{self.block.page}:{self.line or self.block.line}"
        return f"{where}: block {self.block.number} ({self.block.language}) {self.status}: {self.message}"


def _class_name(block: SnippetBlock, index: int) -> str:
    stem = re.sub(r"\W+", "_", Path(block.page).parent.name or "page").strip("_")
    return f"Snippet{index}_{stem}_{block.number}"[:80]


def check_blocks(blocks: list[SnippetBlock], *, timeout: float = 900) -> list[SnippetResult]:
    """Compile every JVM block, one compiler run per language, then run each one's configuration
    through kafka-clients' validation (one JVM per language, nothing connects). Python blocks are
    compiled by Python. Illustrative blocks are skipped with their reason."""
    results: dict[int, SnippetResult] = {}
    by_lang: dict[str, list[tuple[int, Harness]]] = {}
    for i, block in enumerate(blocks):
        if block.illustrative:
            results[i] = SnippetResult(block, "skipped", 0, block.illustrative)
            continue
        h = harness(block, _class_name(block, i))
        if block.language == "python":
            try:
                compile(h.text, h.filename, "exec")
                results[i] = SnippetResult(block, "ok", 0, "compiles")
            except SyntaxError as exc:
                line = h.page_line(exc.lineno or 0)
                results[i] = SnippetResult(block, "failed", line, f"does not compile: {exc.msg}")
            continue
        by_lang.setdefault(block.language, []).append((i, h))
    for lang, items in by_lang.items():
        results.update(_check_language(lang, items, timeout))
    return [results[i] for i in range(len(blocks))]


def _check_language(lang: str, items: list[tuple[int, Harness]], timeout: float) -> dict[int, SnippetResult]:
    chain = toolchain(lang)
    results: dict[int, SnippetResult] = {}
    by_file = {h.filename: (i, h) for i, h in items}
    with tempfile.TemporaryDirectory(prefix=f"snippets-{lang}-") as tmp:
        target = Path(tmp)
        diagnostics, report = compile_harnesses(chain, [h for _, h in items], target)
        if diagnostics and lang != "clojure":
            # javac and the others write no classes when any file fails: compile the rest again.
            failing = {d.filename for d in diagnostics}
            rest = [h for _, h in items if h.filename not in failing]
            if rest and len(rest) < len(items):
                shutil.rmtree(target / "src")
                shutil.rmtree(target / "classes")
                more, _ = compile_harnesses(chain, rest, target)
                diagnostics = diagnostics + more
        for d in diagnostics:
            i, h = by_file.get(d.filename, items[0])
            line = h.page_line(d.line)
            text = f"{h.block.page}:{line or '?'}: {d.message}"
            r = results.setdefault(i, SnippetResult(h.block, "failed", line, f"does not compile: {d.message}"))
            r.details.append(text)
        if diagnostics and not any(d.filename in by_file for d in diagnostics):
            for i, h in items:  # an error outside every harness: nothing compiled
                results.setdefault(i, SnippetResult(h.block, "failed", 0, f"does not compile: {report[-500:]}"))
        to_run = [(i, h) for i, h in items if i not in results]
        if not to_run:
            return results
        cp = os.pathsep.join(run_classpath(chain, target))
        env = dict(os.environ, SNIPPET_MODE="check", BOOTSTRAP_SERVERS="127.0.0.1:9092")
        java = str(chain.tools.java)
        if lang == "clojure":
            pairs = " ".join(f'["{h.name}" "{h.filename}"]' for _, h in to_run)
            script = (f"(doseq [[n f] [{pairs}]]"
                      "  (try (require (symbol n))"
                      "       (coursesnippets.SnippetSupport/checkOne n f (fn [] ((resolve (symbol n \"-main\")))))"
                      "    (catch Throwable e"
                      "      (println (str \"SNIPPET\\t\" n \"\\tcompile\\t\""
                      "                    (or (:clojure.error/line (ex-data e)) 0) \"\\t\""
                      "                    (.replace (str (or (ex-message (ex-cause e)) (ex-message e))) \"\\n\" \" \"))))))"
                      "(shutdown-agents) (System/exit 0)")
            cmd = [java, *JVM_FLAGS, "-Dclojure.main.report=stderr", "-cp", cp, "clojure.main", "-e", script]
        else:
            cmd = [java, *JVM_FLAGS, "-cp", cp, SUPPORT_CLASS, *(f"{h.name}={h.filename}" for _, h in to_run)]
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env,
                              cwd=tmp, timeout=timeout)
    by_name = {h.name: (i, h) for i, h in to_run}
    for raw in proc.stdout.splitlines():
        parts = raw.split("\t", 4)
        if len(parts) != 5 or parts[0] != "SNIPPET" or parts[1] not in by_name:
            continue
        i, h = by_name[parts[1]]
        status, line, message = parts[2], int(parts[3] or 0), parts[4]
        page_line = h.page_line(line)
        if status == "ok":
            results[i] = SnippetResult(h.block, "ok", page_line, message)
        else:
            prefix = "does not compile: " if status == "compile" else "throws at start-up: "
            results[i] = SnippetResult(h.block, "failed", page_line, prefix + message)
    for i, h in to_run:
        results.setdefault(i, SnippetResult(h.block, "failed", 0, "the checking JVM gave no verdict: "
                                            + (proc.stderr.strip().splitlines() or ["no output"])[-1]))
    return results


# ---------------------------------------------------------------- running (the reader, course run-snippet)


class SnippetError(RuntimeError):
    """A block that cannot run: str() is one line saying why."""


_TOPIC_LITERALS = [
    re.compile(r"ProducerRecord\s*(?:<[^()]*>|\[[^()]*\])?\s*[.(]?\s*\(?\s*\"([\w.\-]+)\""),
    re.compile(r"\(ProducerRecord\.\s+\"([\w.\-]+)\""),
    re.compile(r"\.(?:produce|send)\(\s*[\"']([\w.\-]+)[\"']"),
    re.compile(r"subscribe\([^)\"']*[\"']([\w.\-]+)[\"']"),
]


def topics_named(code: str) -> list[str]:
    """Topic names a block writes as literals (a ProducerRecord's, a send's, a subscription's)."""
    names: list[str] = []
    for pattern in _TOPIC_LITERALS:
        for m in pattern.finditer(code):
            if m.group(1) not in names and not m.group(1).startswith("__"):
                names.append(m.group(1))
    return names


@dataclass(frozen=True)
class PreparedSnippet:
    """A block ready for the runner: a script it starts (the JVM's launcher, or the Python harness)."""

    block: SnippetBlock
    script: Path
    topics: list[str]


def prepare(block: SnippetBlock) -> PreparedSnippet:
    """Write the block's program (compiled, for the JVM) and the script the runner starts.

    Raises SnippetError (one line: the compile error at its page line, a missing JDK)."""
    from engine.jvm.maven import MissingTool, ResolveError

    name = f"Snippet_{block.number}"
    h = harness(block, name)
    key = hashlib.sha256("\0".join([block.language, h.text, SUPPORT_SOURCE.read_text(encoding="utf-8"),
                                    pom_hash(CLIENTS_POM)]).encode()).hexdigest()[:16]
    target = _mkdir(cache_root() / "jvm" / "snippets" / f"{block.language}-{key}")
    topics = topics_named(block.code)
    if block.language == "python":
        script = target / f"block-{block.number}.py"
        script.write_text(h.text, encoding="utf-8")
        return PreparedSnippet(block, script, topics)
    try:
        chain = toolchain(block.language)
    except (MissingTool, ResolveError) as exc:
        raise SnippetError(str(exc).splitlines()[0]) from None
    done = target / ".compiled"
    if not done.is_file():
        with file_lock(cache_root() / "jvm" / "locks" / f"snippet-{key}.lock"):
            if not done.is_file():
                diagnostics, report = compile_harnesses(chain, [h], target)
                if diagnostics:
                    d = diagnostics[0]
                    line = h.page_line(d.line)
                    raise SnippetError(f"{block.page}:{line or block.line}: the {chain.language.title} block does "
                                       f"not compile: {d.message}")
                done.write_text("ok", encoding="utf-8")
    java = str(chain.tools.java)
    cp = run_classpath(chain, target)
    flags = [*JVM_FLAGS, *archive_flags(shared_archive(chain.tools, chain.clients, chain.language.name, chain.runtime))]
    if block.language == "clojure":
        command = [java, *flags, "-Dclojure.main.report=stderr", "-cp", os.pathsep.join(cp), "clojure.main",
                   "-m", h.name]
    else:
        command = [java, *flags, "-cp", os.pathsep.join(cp), h.name]
    # The runner starts scripts with Python; this one becomes the JVM (same process, same pipes).
    script = target / f"block-{block.number}.{chain.language.name}.py"
    script.write_text("import os\n"
                      f"command = {command!r}\n"
                      "os.environ['SNIPPET_MODE'] = 'run'\n"
                      "os.execvp(command[0], command)\n", encoding="utf-8")
    return PreparedSnippet(block, script, topics)


def snippet_scenario(prepared: PreparedSnippet, timeout: float = 90.0) -> Any:
    """The default scenario: three brokers, no faults, the topics the block names created first."""
    from engine.runs.scenario import Scenario, TopicSpec

    return Scenario(title=f"block {prepared.block.number} of {Path(prepared.block.page).name}",
                    timeout=timeout, topics=[TopicSpec(t) for t in prepared.topics])


def run_block(block: SnippetBlock, *, listener: Callable[[Any], None] | None = None,
              cancel: Any = None, timeout: float = 90.0) -> Any:
    """Run one block against a fresh sandbox through the runner; returns its RunResult.

    Raises SnippetError when the block cannot run (it does not compile, no JDK)."""
    from engine.runs.runner import run_example

    prepared = prepare(block)
    return run_example(prepared.script, snippet_scenario(prepared, timeout), listener=listener, cancel=cancel,
                       python=sys.executable)


def request_lines(events: Iterable[Any]) -> list[str]:
    """The requests a run's client made, in order, one line each (repeats folded into a count);
    a Produce the broker never answered is marked: that is acks=0, where no response exists."""
    answered: set[tuple[Any, Any]] = set()
    sandbox = [e for e in events if e.kind == "sandbox"]
    for e in sandbox:
        if e.data.get("event") == "response":
            answered.add((e.data.get("broker"), e.data.get("details", {}).get("correlation_id")))
    lines: list[str] = []
    last, count = "", 0
    for e in sandbox:
        d = e.data.get("details", {})
        if e.data.get("event") != "request":
            continue
        text = f"broker {e.data.get('broker')}: {d.get('api')}"
        if d.get("dropped"):
            text += " (dropped)"
        elif d.get("api") == "Produce" and (e.data.get("broker"), d.get("correlation_id")) not in answered:
            text += " (no response: acks=0)"
        if text == last:
            count += 1
            continue
        if last:
            lines.append(last + (f" ×{count}" if count > 1 else ""))
        last, count = text, 1
    if last:
        lines.append(last + (f" ×{count}" if count > 1 else ""))
    return lines
