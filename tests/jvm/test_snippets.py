"""Every JVM code block of the lessons compiles against kafka-clients 4.x and its producer/consumer
configuration passes the client's own validation; any page's block runs against the sandbox."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.jvm.snippets import SnippetBlock, blocks_of, check_blocks, page_blocks, request_lines, run_block
from engine.content.page import parse_page
from engine.model import CodeGroup
from tests.jvm.conftest import jvm_tools
from tests.paths import CORPUS, ROOT

pytestmark = pytest.mark.slow

LESSON_PAGES = sorted(ROOT.glob("lessons/*/index.md"))


def _page(text: str, name: str = "page.md") -> list[SnippetBlock]:
    page = parse_page(text, file=name)
    return blocks_of(page.text, [s for b in page.blocks if isinstance(b, CodeGroup) for s in b.samples], name)


@pytest.fixture(scope="module")
def lesson_results():
    jvm_tools()
    blocks = [b for p in LESSON_PAGES for b in page_blocks(p) if b.language != "python"]
    return check_blocks(blocks)


def test_every_lesson_jvm_block_compiles_and_its_config_is_valid(lesson_results):
    failed = [r for r in lesson_results if r.status == "failed"]
    assert not failed, "lesson code blocks that fail:\n" + "\n".join(
        str(r) + "".join(f"\n      {d}" for d in r.details[1:4]) for r in failed)


def test_illustrative_marker_skips_with_the_reason():
    blocks = _page('# T\n\n```java {illustrative="the loop of lesson 3"}\nfoo(bar);\n```\n\n```java\nint x = 1;\n```\n')
    assert [b.illustrative for b in blocks] == ["the loop of lesson 3", ""]
    assert [b.line for b in blocks] == [4, 8]
    results = check_blocks(blocks[:1])
    assert results[0].status == "skipped" and results[0].message == "the loop of lesson 3"


BAD_PAGE = """# Configs that kafka-clients 4.x refuses

**Java**

```java
Properties p = new Properties();
p.put("bootstrap.servers", "localhost:9092");
p.put("key.serializer", StringSerializer.class.getName());
p.put("value.serializer", StringSerializer.class.getName());
p.put("delivery.timeout.ms", 1000);
p.put("linger.ms", 500);
p.put("request.timeout.ms", 30000);
KafkaProducer<String, String> producer = new KafkaProducer<>(p);
```

```kotlin
val p = Properties()
p["bootstrap.servers"] = "localhost:9092"
p["enable.idempotence"] = true
p["max.in.flight.requests.per.connection"] = 6
val producer = KafkaProducer<String, String>(p, StringSerializer(), StringSerializer())
```

```scala
val p = new Properties()
p.put("bootstrap.servers", "localhost:9092")
val x: Int = "not a number"
```

```java
props.put(ProducerConfig.ACKS_CONFIG, "all");
try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
    producer.send(new ProducerRecord<>("t", "v"));
}
```
"""


def test_start_up_failures_and_compile_errors_are_caught_at_the_page_line():
    jvm_tools()
    results = check_blocks(_page(BAD_PAGE))
    delivery, in_flight, wrong_type, fine = results
    assert delivery.status == "failed" and "delivery.timeout.ms" in delivery.message
    assert delivery.line == 13  # the line that builds the producer
    assert in_flight.status == "failed" and "max.in.flight.requests.per.connection" in in_flight.message
    assert in_flight.line == 21
    assert wrong_type.status == "failed" and wrong_type.message.startswith("does not compile")
    assert wrong_type.line == 27
    assert fine.status == "ok", fine  # `props` from an earlier block: the address and String serializers


def test_clojure_blocks_are_checked_by_loading_them():
    jvm_tools()
    page = ('```clojure\n(def p {"bootstrap.servers" "localhost:9092" "enable.idempotence" "true" "acks" "0"\n'
            '        "key.serializer" "org.apache.kafka.common.serialization.StringSerializer"\n'
            '        "value.serializer" "org.apache.kafka.common.serialization.StringSerializer"})\n'
            '(def producer (KafkaProducer. p))\n```\n\n```clojure\n(.send producr (ProducerRecord. "t" "v"))\n```\n')
    bad_config, unknown = check_blocks(_page(page))
    assert bad_config.status == "failed" and "acks" in bad_config.message, bad_config
    assert unknown.status == "failed" and "producr" in unknown.message and unknown.line == 9, unknown


# ---------------------------------------------------------------- running a book's page


@pytest.fixture(scope="module")
def book_page(tmp_path_factory) -> Path:
    corpus = Path(os.environ.get("COURSE_CORPUS", CORPUS))  # a worktree beside the checkout can name it
    if not (corpus / "4" / "4" / "1" / "index.md").is_file():
        pytest.skip(f"the book corpus is not at {corpus}")
    jvm_tools()
    out = tmp_path_factory.mktemp("book")
    subprocess.run([sys.executable, "-m", "course.cli", "import", str(corpus), "--out", str(out)], check=True,
                   capture_output=True, cwd=ROOT)
    return out / "lessons" / "4" / "4" / "1" / "index.md"


def _java_block(page: Path, needle: str) -> SnippetBlock:
    return next(b for b in page_blocks(page) if b.language == "java" and needle in b.code)


def test_book_at_most_once_java_block_runs_with_acks_0(book_page):
    block = _java_block(book_page, '"acks", "0"')
    result = run_block(block, timeout=120)
    assert result.exit_code == 0, result.output
    assert any("-> 127.0.0.1:" in line and "(the sandbox)" in line for line in result.output)
    assert any("acks=0" in line for line in result.output)
    lines = request_lines(result.events)
    assert any("Produce (no response: acks=0)" in line for line in lines), lines


def test_book_transactional_java_block_runs_a_transaction(book_page):
    block = _java_block(book_page, "transactional.id")
    result = run_block(block, timeout=120)
    assert result.exit_code == 0, result.output
    apis = [line.split(": ", 1)[1].split(" ")[0] for line in request_lines(result.events)]
    wanted = ["InitProducerId", "AddPartitionsToTxn", "Produce", "EndTxn"]
    positions = [apis.index(a) for a in wanted]
    assert positions == sorted(positions), apis


def test_course_run_snippet_cli(book_page):
    proc = subprocess.run([sys.executable, "-m", "course.cli", "run-snippet", str(book_page.parent), "--block", "1"],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "Produce (no response: acks=0)" in proc.stdout
    assert "(the sandbox)" in proc.stdout


# ---------------------------------------------------------------- the reader's Run button

def test_reader_runs_the_book_transactional_block(book_page):
    from textual.app import App, ComposeResult

    from course.screens.snippet_run import SnippetRunScreen
    from course.widgets.code_group import CodeGroupTabs, RunSnippetButton
    from engine.content.page import read_page
    from tests.app.apphelpers import run_async, wait_for

    group = next(b for b in read_page(book_page).blocks
                 if isinstance(b, CodeGroup) and any("transactional.id" in s.code for s in b.samples))

    class Reader(App[None]):
        def compose(self) -> ComposeResult:
            yield CodeGroupTabs(group, str(book_page))

        def on_code_group_tabs_run_requested(self, message: CodeGroupTabs.RunRequested) -> None:
            self.push_screen(SnippetRunScreen(message.block))  # as course.app does

    @run_async
    async def scenario() -> None:
        app = Reader()
        async with app.run_test(size=(100, 32)) as pilot:
            tabs = app.query_one(CodeGroupTabs)
            buttons = list(tabs.query(RunSnippetButton))
            assert len(buttons) == len([s for s in group.samples if s.language in ("java", "scala", "kotlin",
                                                                                    "clojure")])
            java = next(b for b in buttons if b.sample.language == "java")
            tabs.active = java.ancestors[1].id  # the Java tab's pane
            await pilot.pause()
            java.press()
            await wait_for(pilot, lambda: isinstance(app.screen, SnippetRunScreen), "the run screen")
            screen = app.screen
            await wait_for(pilot, lambda: screen.summary or screen.status.startswith("cannot run"),
                           "the run to end", timeout=300)
            apis = " ".join(screen.summary)
            for api in ("InitProducerId", "AddPartitionsToTxn", "Produce", "EndTxn"):
                assert api in apis, screen.summary
            assert "exit code 0" in screen.status

    scenario()
