"""The run panel: a lesson's runnable examples, edited and run live against the sandbox.

    RunPanel(lesson, bootstrap_servers=None, id="examples")      # LessonScreen.examples_area

- a selector when the lesson has several examples; a language switch when the example has JVM
  twins (`<name>.java|.kt|.scala|.clj` beside it, engine.content.examples.twin); the script in an
  editable code editor, one edited copy per example and language;
- the scenario's faults as checkboxes (all on by default; untick one to run without it);
- Run (ctrl+r) saves the edited code to a copy, `course_data_dir()/runs/<lesson-id>/<example>.<ext>`
  (the lesson's own file is never written), and runs the copy with engine.runs.runner in a thread
  worker (a JVM copy is compiled first: its compile errors are listed by line and the editor's
  cursor goes to the first); Stop (ctrl+t) sets the run's cancel event;
- while it runs: the picture (lanes and arrows, course.widgets.run_picture), live counts in the
  tally, the example's output; at the end the outcome, the lesson's expectations met or not, and
  the partition log (course.widgets.log_table). A count the lesson's `expect:` names and the run
met (lost records of an aborted transaction, say) is drawn as expected, not as a failure.

Narrower than NARROW columns the code and the results do not fit side by side: the panel gets the
`-narrow` class and shows one of them at a time, switched by the Results/Code button (a run
brings the results to the front, a compile error the code).

The runner calls its listener from its own threads: the listener only appends to a deque, which
the UI thread drains ten times a second. The worker posts `RunPanel.Finished` (it bubbles: the
screen or app may listen) and nothing blocks the UI thread.

The panel's body is built once: off-screen when the lesson's text is all mounted (`prepare`), or
when the tab is first shown. The first example's script, saved copy and scenario are read off the UI
thread first, and the body is composed with them (code, status and fault boxes in one mount: one
layout and paint, not three). Later examples and languages are read in a worker that posts
`RunPanel.Loaded` back to the panel, handled in the panel's own message queue. Every swap of
widgets (the fault boxes) is awaited before the panel queries them, so nothing here depends on how
fast the machine lays widgets out.

With `course --bootstrap-servers S` the app hands the lesson screen, and it the panel,
`bootstrap_servers=S`: runs go to that cluster and the faults are not injected; the panel says so.

The backend switch ("Sandbox" / "Apache Kafka", beside the language switch) runs on Kafka when a
JDK and Maven are found; otherwise choosing Kafka puts it back on Sandbox and the status line says
what to install (so the panel looks the same on every machine until then). On Apache Kafka a run
goes through engine.apache_kafka.runs.run_on_kafka, as `course run --against kafka` does: the
scenario's faults are injected by the proxies in front of the brokers. The cluster is the app's
`engine.apache_kafka.session.KafkaSession` (`app.kafka_session`, made on first use): started by the
first such run (the status says "fetching Kafka …", "starting 3 brokers…"), kept for the next runs
of every lesson, stopped when the app quits.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import gc
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events, on, work
from textual.worker import get_current_worker
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Log, Select, Static, TabbedContent, TabPane, TextArea
from textual.widgets._select import SelectOverlay

from course.widgets.code_editor import CodeEditor
from course.widgets.gc_hold import hold, release
from course.widgets.log_table import LogTable
from course.widgets.mounting import is_leaving, mount_into
from course.widgets.run_picture import PictureModel, RunPicture
from course.widgets.tally import Tally
from course.widgets.tally import met_metrics
from course.widgets.view_tabs import ViewTabs
from engine import paths
from engine.apache_kafka.release import kafka_missing  # (light: the cluster loads on first use)
from engine.content.examples import EXTENSIONS
from engine.jvm import LANGUAGES, CompileError, CompileProblem, MissingTool, ResolveError, find_tools
from engine.model import Example, Lesson
from engine.problems import ContentError
from engine.runs.runner import RunEvent, RunResult, launch_command, run_example
from engine.runs.scenario import Fault, Scenario, load_scenario

if TYPE_CHECKING:
    from engine.apache_kafka.session import KafkaSession

NARROW = 76  # below this many columns the code and the results take turns (the `-narrow` class)

# What each language is called in the switch, Python first; the editor's highlighting for it.
LANGUAGE_TITLES = {"python": "Python", **{name: lang.title for name, lang in LANGUAGES.items()}}
HIGHLIGHT = {"python": "python", "java": "java"}  # Textual has no Kotlin, Scala or Clojure grammar
# Where runs go: the sandbox, or real Apache Kafka with the same faults (engine.apache_kafka).
BACKEND_TITLES = {"sandbox": "Sandbox", "kafka": "Apache Kafka"}
# What a Kafka run's picture cannot show: the proxies see the clients' requests, not the brokers' own work.
KAFKA_PICTURE_NOTE = ("on Apache Kafka the picture shows what the proxies in front of the brokers see "
                      "(requests, answers, appends): replication, ISR and leader changes are not drawn")


def copy_path(lesson_id: str, example: Example, lang: str = "python", course_root: Path | None = None) -> Path:
    """Where the learner's edited copy of an example (in `lang`) is saved and run from: in the
    course's data folder (engine.paths.course_data_dir; None is the course that ships with the tool)."""
    return (paths.course_data_dir(course_root) / "runs" / Path(*lesson_id.split("/"))
            / f"{example.name}{EXTENSIONS[lang]}")


def source_path(example: Example, lang: str) -> Path:
    """The lesson's own script of `example` in `lang`: the Python script or its JVM twin beside it."""
    return example.script if lang == "python" else example.script.with_suffix(EXTENSIONS[lang])


def example_languages(example: Example) -> list[str]:
    """The languages `example` is written in: Python, then each JVM twin that exists."""
    return ["python"] + [lang for lang in LANGUAGES if source_path(example, lang).is_file()]


@dataclasses.dataclass
class Shown:
    """What the panel shows for a loaded example: the editor's code and highlighting, the status
    line (text, tone) and the widgets of the faults column (an error, the fault boxes)."""

    code: str
    language: str | None
    status: tuple[str, str]
    faults: list[Widget]
    scenario: Scenario


class PanelSelect(Select[str]):
    """A Select that gives up setting itself up when its overlay is already gone.

    The panel is built off-screen after the lesson mounts; if the app quits (or the lesson closes)
    meanwhile, Textual may remove a Select's children before the Select handles its own Mount,
    whose setup then fails on the missing overlay (NoMatches) and takes the app down with it."""

    def _on_mount(self, event: events.Mount) -> None:
        if is_leaving(self) or not self.query(SelectOverlay):
            event.prevent_default()  # (Select's own _on_mount, called after this one, is skipped)


def button_label(label: str, narrow: bool) -> str:
    """A toolbar button's label: narrow, only its sign (its tooltip and the footer still name it)."""
    return label.split()[0] if narrow else label


class FaultBox(Checkbox):
    """One of the scenario's faults, on by default."""

    def __init__(self, fault: Fault, *, disabled: bool = False) -> None:
        super().__init__(fault.describe(), True, compact=True, classes="run-fault", disabled=disabled)
        self.fault = fault


class RunBody(Vertical):
    """What the run panel shows: toolbar, editor and faults, tally and the picture/log/output tabs."""

    DEFAULT_CSS = "RunBody { height: 1fr; & #run-backend { width: 17; margin-right: 1; } }"

    def __init__(self, panel: "RunPanel", shown: Shown | None = None) -> None:
        super().__init__(classes="run-body")
        self.panel = panel
        self.shown = shown  # the first example, composed in place (None: an empty editor, loaded after)

    def compose(self) -> ComposeResult:
        panel, shown = self.panel, self.shown
        narrow = panel.has_class("-narrow")
        with Horizontal(id="run-toolbar"):
            if len(panel.examples) > 1:
                chosen = panel.example.name if panel.example else panel.examples[0].name
                yield PanelSelect([(e.title or e.name, e.name) for e in panel.examples], value=chosen,
                                  allow_blank=False, compact=True, id="run-example")
            else:
                title = (panel.example.title or panel.example.name) if panel.example else "no example"
                yield Static(title, id="run-example-title", markup=False)
            yield Button("▶ Run", id="run-start", variant="success", compact=True, tooltip="Run the code (ctrl+r)")
            yield Button(button_label("■ Stop", narrow), id="run-stop", variant="error", compact=True,
                         disabled=True, tooltip="Stop the run (ctrl+t)")
            yield Button(button_label("↺ Reset", narrow), id="run-reset", compact=True,
                         tooltip="Put the lesson's code back in the editor (ctrl+g; ctrl+z undoes it)")
            yield Button("Results ▸", id="run-flip", compact=True,
                         tooltip="Show the run's results (narrow terminals show the code or the results)")
        with Horizontal(id="run-statusbar"):
            languages = example_languages(panel.example) if panel.example else ["python"]
            switch = PanelSelect([(LANGUAGE_TITLES[lang], lang) for lang in languages], value=panel.lang,
                                 allow_blank=False, compact=True, id="run-lang")
            switch.display = any(len(example_languages(e)) > 1 for e in panel.examples)
            yield switch
            yield panel.backend_switch()
            text, tone = shown.status if shown else (panel.idle_status(), "")
            yield Static(text, id="run-status", markup=False, classes=f"-{tone}" if tone else "")
        with Horizontal(id="run-main"):
            with Vertical(id="run-left"):
                yield CodeEditor.code_editor(shown.code if shown else "",
                                             language=shown.language if shown else "python", id="run-editor")
                yield VerticalScroll(*(shown.faults if shown else ()), id="run-faults")
            with Vertical(id="run-right"):
                yield Tally(id="run-tally")
                with ViewTabs(id="run-views"):
                    with TabPane("Picture", id="run-picture-tab"):
                        yield RunPicture(id="run-picture")
                    with TabPane("Log", id="run-log-tab"):
                        yield Static("The partition log appears here when a run ends.", id="run-log-note",
                                     markup=False)
                        table = LogTable(id="run-log")
                        table.display = False  # until a run has filled it
                        yield table
                    with TabPane("Output", id="run-output-tab"):
                        yield Log(id="run-output")


class RunPanel(Vertical):
    """Edit an example, pick its faults, run it, watch what happens."""

    BINDINGS = [
        Binding("ctrl+r", "run", "Run"),
        Binding("ctrl+t", "stop", "Stop"),
        # Safe on a key because ctrl+z undoes it; kept out of the footer (listed by `?`).
        Binding("ctrl+g", "reset", "Reset to the lesson's code", show=False),
    ]

    @property
    def course_root(self) -> Path | None:
        """The open course's folder (the app's), where the learner's copies are kept apart per course."""
        return getattr(self.app, "root", None)

    class Started(Message):
        """A run began (posted by the panel; bubbles)."""

        def __init__(self, example: Example, copy: Path) -> None:
            super().__init__()
            self.example = example
            self.copy = copy

    class Finished(Message):
        """A run ended: `result` (None if it could not run: see `error`, and `problems` for a copy
        that did not compile)."""

        def __init__(self, run_id: int, example: Example, result: RunResult | None, error: str = "",
                     cancelled: bool = False, problems: list[CompileProblem] | None = None) -> None:
            super().__init__()
            self.run_id = run_id
            self.example = example
            self.result = result
            self.error = error
            self.cancelled = cancelled
            self.problems = problems or []

    class Progress(Message, bubble=False):
        """The run worker is preparing the run (a JVM copy compiling): what to say meanwhile."""

        def __init__(self, run_id: int, text: str) -> None:
            super().__init__()
            self.run_id = run_id
            self.text = text

    class Loaded(Message, bubble=False):
        """The load worker read an example's script, saved copy and scenario (posted to the panel)."""

        def __init__(self, example: Example, text: str, saved: str | None, scenario: Scenario | None,
                     error: str, lang: str = "python", missing_tool: str = "") -> None:
            super().__init__()
            self.example = example
            self.text = text
            self.saved = saved
            self.scenario = scenario
            self.error = error
            self.lang = lang
            self.missing_tool = missing_tool

    can_focus = True  # so the lesson screen can move the keyboard here before the body is built
    REDRAW = 0.3  # seconds between redraws of the picture and tally while a run goes on
    # A measurement (`measurement: true`, lesson 8) is drawn once it has ended: a redraw every
    # REDRAW seconds took enough CPU from a 2-core machine to move its p99s by half against the
    # CLI's. Only the elapsed time is shown meanwhile, this often.
    MEASURING_TICK = 1.0

    def __init__(self, lesson: Lesson, *, bootstrap_servers: str | None = None, id: str | None = None) -> None:
        super().__init__(id=id, classes="run-panel")
        self.lesson = lesson
        self.bootstrap_servers = bootstrap_servers  # a real cluster to run against; None: the sandbox
        self.examples: list[Example] = list(lesson.examples)
        self.example: Example | None = self.examples[0] if self.examples else None
        self.scenario: Scenario | None = None
        self.lang = "python"  # the language shown, edited and run (the switch in the status bar)
        self.texts: dict[str, str] = {}  # the learner's edits, per example and language (`key`), while the panel lives
        self.originals: dict[str, str] = {}  # each example's script as the lesson has it, by `key`
        self.missing_tool = ""  # what to install for the language shown ("" when it can run)
        self.running = False
        self.result: RunResult | None = None  # the last finished run
        self.finished_runs = 0  # how many runs have ended (tests wait on it)
        self._run_id = 0
        self._cancel: threading.Event | None = None
        self._events: collections.deque[tuple[int, RunEvent]] = collections.deque()
        self._ticker: Timer | None = None
        self._redrawn = 0.0  # when the picture, tally and status were last redrawn
        self._ids_shown: tuple[int, int, int] = (0, 0, 0)  # the counts the tally shows
        self._started_at = 0.0
        self._ids: dict[str, set[str]] = {}
        self.model = PictureModel.for_brokers(3)
        self._built = False  # the body is mounted (set once the mount has been awaited)
        self._building = False
        self._build_done = asyncio.Event()  # set when a build ends (mounted, or given up)
        self._run_requested: str | None = None  # an example to run once it has loaded
        self._preparing = ""  # what the run worker is doing before the example starts (compiling)
        self.measuring = False  # the run going on is a measurement: drawn when it ends
        self.redraws = 0  # redraws of the picture and tally during runs (tests read it)
        self.backend = "sandbox"  # "kafka": real Apache Kafka (the backend switch)
        self.kafka_missing: str | None = None  # what to install for real Kafka ("" when found); None: not asked yet

    # ------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        return []  # built the first time the panel is shown (RunBody): opening a lesson stays quick

    async def on_show(self) -> None:
        """The Examples tab came into view: build the panel (unless built already), keyboard on Run.
        Garbage collections wait until the panel is painted (course.widgets.gc_hold)."""
        token = hold()
        try:
            if await self.build() or (self._building and await self._wait_built()):
                self._focus_run()
        finally:
            if not self.call_after_refresh(release, token):
                release(token)

    async def _wait_built(self) -> bool:
        """A build under way (prepare's): wait for it; True if the body is there."""
        await self._build_done.wait()
        return self._built

    async def settle(self) -> None:
        """Wait for a build under way to end (before the panel is removed)."""
        if self._building and not self._built:
            await self._build_done.wait()

    def prepare(self) -> None:
        """Build the body now, off-screen (the lesson's text is all on screen): the first switch to
        the Examples tab then only has to lay it out."""
        if not self._built and not self._building:
            self.run_worker(self._prepare(), group="run-build")

    def on_screen(self) -> bool:
        """The Examples tab is the one shown (the panel and its tab pane are displayed)."""
        return all(node.display for node in self.ancestors_with_self if isinstance(node, Widget))

    async def _prepare(self) -> None:
        if await self.build() and not self.on_screen():
            # Still off-screen: collect the garbage now, while the learner reads. Mounting the
            # lesson and this panel made many long-lived objects, so Python's next full collection
            # (a walk of the whole heap: a tenth of a second of CPU, more on a loaded machine) was
            # due, and the next burst of allocations, the switch to this tab, set it off.
            gc.collect()

    async def build(self) -> bool:
        """Mount the body once, with the first example in it; True once built (False: leaving, or
        a build already under way, which loads the example itself)."""
        if self._built:
            return True
        if self._building:
            return False
        self._building = True
        try:
            loaded: RunPanel.Loaded | None = None
            if self.example is not None:
                example, lang = self.example, self.lang
                loaded = await asyncio.to_thread(self.read_example, example, lang)
                if self.example is not example or self.lang != lang:
                    loaded = None  # request_run chose another meanwhile: loaded below
            # Narrow or not before the body exists: a class changed afterwards restyles all of it.
            self.set_class(self.is_narrow(), "-narrow")
            shown = self._shown(loaded) if loaded is not None else None
            with self.app.batch_update():
                if is_leaving(self) or not await mount_into(self, RunBody(self, shown)):
                    return False  # the lesson is being closed
        finally:
            self._build_done.set()
        self._built = True
        # Focusable only until its body exists (the lesson screen can hand it the keyboard early);
        # after that, focused as a whole it would hand the keyboard straight back to Run, and
        # shift+tab from Run could never leave the panel.
        self.can_focus = False
        if loaded is not None and shown is not None and loaded.example is self.example and loaded.lang == self.lang:
            self._adopt(loaded.example, shown.scenario)
        elif self.example is not None:  # another example was asked for while the body was built
            if len(self.examples) > 1:
                self.query_one("#run-example", Select).value = self.example.name
            self.load_example(self.example)
        return True

    def _focus_run(self) -> None:
        """The keyboard on Run, unless it is already somewhere inside the panel's body."""
        focused = self.screen.focused
        if (focused is None or focused is self or self not in focused.ancestors_with_self) and self.query("#run-start"):
            self.query_one("#run-start", Button).focus()

    def take_keyboard(self) -> None:
        """The keyboard to the panel: on Run once the body is built, else on the panel itself,
        which passes it on to Run when the body is there."""
        if self._built:
            self._focus_run()
        else:
            self.focus()

    def on_focus(self) -> None:
        """Focused as a whole (the palette asked for a run): pass the keyboard on to Run once it exists."""
        if self._built:
            self._focus_run()

    def is_narrow(self) -> bool:
        """Too narrow for the code and the results side by side. Hidden (the Examples tab not
        shown yet) the panel has no size: it will span the screen, so the screen's width decides
        (a Resize once shown corrects a wrong guess)."""
        return (self.size.width or self.screen.size.width) < NARROW

    def on_resize(self) -> None:
        """Side by side when wide enough, one at a time (code or results) when narrow."""
        if not self.size.width:
            return  # hidden: nothing to lay out (a class changed now would restyle the whole body)
        narrow = self.is_narrow()
        self.set_class(narrow, "-narrow")
        # Narrow, Stop and Reset keep only their signs (their tooltips and the footer still name them).
        for button, label in (("#run-stop", "■ Stop"), ("#run-reset", "↺ Reset")):
            for widget in self.query(button).results(Button):
                widget.label = button_label(label, narrow)

    def show_results(self, results: bool) -> None:
        """Narrow: bring the results (or the code) to the front; wide: both are shown anyway."""
        self.set_class(results, "-results")
        for flip in self.query("#run-flip").results(Button):
            flip.label = "◂ Code" if results else "Results ▸"

    @on(Button.Pressed, "#run-flip")
    def _flip_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.show_results(not self.has_class("-results"))

    def key(self, example: Example, lang: str | None = None) -> str:
        """What the edits and originals of `example` in `lang` (default: the one shown) are kept under."""
        return f"{example.name}{EXTENSIONS[lang or self.lang]}"

    def on_unmount(self) -> None:
        if self._cancel is not None:
            self._cancel.set()  # the run's subprocess and sandbox go with the panel

    def idle_status(self) -> str:
        if self.bootstrap_servers:
            return f"runs against {self.bootstrap_servers}: a real cluster, the faults are not injected"
        if self.backend == "kafka":
            return "runs against Apache Kafka (started at the first run, kept until you quit), faults injected"
        return "runs against the sandbox"

    # ------------------------------------------------------------ the backend switch

    def backend_switch(self) -> Select[str]:
        """"Sandbox" / "Apache Kafka" (its tooltip names what to install when the JDK or Maven is
        missing); absent when runs go to a cluster given with --bootstrap-servers."""
        if self.kafka_missing is None:
            self.kafka_missing = kafka_missing()  # PATH and JAVA_HOME look-ups only
        self.backend = getattr(self.app, "run_backend", self.backend) if not self.kafka_missing else "sandbox"
        switch: Select[str] = PanelSelect([(title, name) for name, title in BACKEND_TITLES.items()],
                                          value=self.backend, allow_blank=False, compact=True, id="run-backend")
        switch.tooltip = (f"Apache Kafka: {self.kafka_missing}" if self.kafka_missing
                          else "Run on the sandbox, or on real Apache Kafka with the same faults")
        switch.display = not self.bootstrap_servers
        return switch

    @on(Select.Changed, "#run-backend")
    def choose_backend(self, event: Select.Changed) -> None:
        """The backend switch: the next run goes to the sandbox or to real Kafka (remembered for
        the other lessons' panels while the app runs). Without a JDK and Maven, Kafka is refused
        in one line naming what to install."""
        event.stop()
        backend = str(event.value)
        if backend == "kafka" and self.kafka_missing:
            with event.select.prevent(Select.Changed):
                event.select.value = "sandbox"
            self.set_status(f"Apache Kafka: {self.kafka_missing}", "error")
            return
        if backend == self.backend or backend not in BACKEND_TITLES:
            return
        self.backend = backend
        self.app.run_backend = backend  # type: ignore[attr-defined]
        if not self.running:
            self.set_status(self.idle_status())

    def kafka_session(self) -> "KafkaSession":
        """The app's Kafka session (made the first time; the app stops its cluster when it quits)."""
        session = getattr(self.app, "kafka_session", None)
        if session is None:
            from engine.apache_kafka.session import KafkaSession

            session = KafkaSession()
            self.app.kafka_session = session  # type: ignore[attr-defined]
        return session

    def set_status(self, text: str, tone: str = "") -> None:
        classes = f"-{tone}" if tone else ""
        for status in self.query("#run-status").results(Static):
            # The run's ticker says the same ten times a second: an unchanged line is left alone
            # (an update lays the screen out again, new classes restyle it).
            if str(status.content) != text:
                status.update(text)
            if set(status.classes) != set(classes.split()):
                status.set_classes(classes)

    # ------------------------------------------------------------ choosing an example

    def request_run(self, name: str) -> None:
        """Run example `name` as soon as it is loaded (the palette's "Run: ..." commands)."""
        example = next((e for e in self.examples if e.name == name), None)
        if example is None:
            return
        if not self._built:  # on_show builds the panel and loads this example; _show_example runs it
            self.example, self._run_requested = example, name
        elif example is self.example and self.scenario is not None:  # loaded, faults mounted
            self.action_run()
        else:
            self._run_requested = name
            if example is not self.example:
                self.query_one("#run-example", Select).value = name  # choose() loads it

    @on(Select.Changed, "#run-example")
    def choose(self, event: Select.Changed) -> None:
        example = next((e for e in self.examples if e.name == event.value), None)
        if example is None or example is self.example:
            return
        self._keep_edits()
        self.example, self.scenario = example, None  # loading: Run waits for this example's faults
        languages = example_languages(example)
        if self.lang not in languages:
            self.lang = "python"
        switch = self.query_one("#run-lang", Select)
        with switch.prevent(Select.Changed):
            switch.set_options([(LANGUAGE_TITLES[lang], lang) for lang in languages])
            switch.value = self.lang
        self._clear_results()
        self.load_example(example)

    @on(Select.Changed, "#run-lang")
    def choose_language(self, event: Select.Changed) -> None:
        """The language switch: the editor shows (and Run runs) the example's copy in that language."""
        event.stop()
        lang = str(event.value)
        if self.example is None or lang == self.lang or lang not in EXTENSIONS:
            return
        self._keep_edits()
        self.lang, self.scenario = lang, None
        self._clear_results()
        self.load_example(self.example)

    def _keep_edits(self) -> None:
        """What the editor holds, kept for the example and language it shows (coming back finds it)."""
        if self.example is not None and self.key(self.example) in self.originals:
            self.texts[self.key(self.example)] = self.query_one("#run-editor", TextArea).text

    def _clear_results(self) -> None:
        """Another example or language: the last run's output, picture, tally and log are not its."""
        if self.running:
            return  # the run goes on; its results replace these when it ends
        self.result = None
        self.model = PictureModel.for_brokers(3)
        self._show_model()
        self.query_one(Tally).clear()
        self.query_one("#run-output", Log).clear()
        self.query_one("#run-log", LogTable).display = False
        note = self.query_one("#run-log-note", Static)
        note.display = True
        note.update("The partition log appears here when a run ends.")
        self.set_status(self.idle_status())

    @work(thread=True, exclusive=True, group="run-load")
    def load_example(self, example: Example) -> None:
        """Read the example in the language shown off the UI thread (read_example), and post it to
        the panel's own queue: handled after the body is mounted (the worker starts once it is),
        and dropped if the panel has been removed meanwhile."""
        self.post_message(self.read_example(example, self.lang))

    def read_example(self, example: Example, lang: str) -> "RunPanel.Loaded":
        """The script in `lang`, the learner's saved copy (if any) and the scenario; for a JVM
        language, whether the JDK (and Maven) are there. Reads files: call it off the UI thread."""
        script = source_path(example, lang)
        error = ""
        try:
            text = script.read_text(encoding="utf-8")
        except OSError as exc:
            text, error = "", f"could not read {script}: {exc.strerror or exc}"
        saved = None
        try:
            saved = copy_path(self.lesson.id, example, lang, self.course_root).read_text(encoding="utf-8")
        except (OSError, ValueError):
            pass
        missing = ""
        if lang != "python":
            try:  # javac always; Maven too for the languages whose compiler it fetches
                find_tools(("java", "javac") + (("mvn",) if LANGUAGES[lang].pom else ()),
                           purpose=f"the {LANGUAGE_TITLES[lang]} examples")
            except MissingTool as exc:
                missing = str(exc)
        scenario: Scenario | None = None
        if example.scenario is not None:
            try:
                scenario = load_scenario(example.scenario)
            except ContentError as exc:
                error = f"{error}\n{exc}".strip()
        return self.Loaded(example, text, saved, scenario, error, lang, missing)

    async def on_run_panel_loaded(self, message: Loaded) -> None:
        if message.example is not self.example or message.lang != self.lang or is_leaving(self):
            return  # another example or language was chosen meanwhile, or the panel is being removed
        await self._show_example(message)

    def _shown(self, loaded: Loaded) -> Shown:
        """What to show for `loaded` (the edits kept for it, or the copy the learner ran last time,
        else the lesson's code); records its original and the tools it lacks."""
        example, text, error = loaded.example, loaded.text, loaded.error
        self.missing_tool = loaded.missing_tool
        key = self.key(example, loaded.lang)
        self.originals[key] = text
        if key not in self.texts and loaded.saved is not None and loaded.saved != text:
            self.texts[key] = loaded.saved  # the copy the learner ran last time
        code = self.texts.get(key, text)
        if self.missing_tool:
            error = f"{error}\n{self.missing_tool}".strip()
            status = (self.missing_tool, "error")
        else:
            status = ("your edited code (↺ Reset puts the lesson's back)" if code != text else self.idle_status(), "")
        scenario = loaded.scenario or Scenario(title=example.title or example.name)
        widgets: list[Widget] = []
        if error:
            widgets.append(Static(error, classes="run-error", markup=False))
        if scenario.faults:
            note = "faults (untick to run without one):"
            if self.bootstrap_servers:
                note = "faults: not injected on a real cluster"
            widgets.append(Static(note, classes="run-faults-title", markup=False))
            widgets += [FaultBox(f, disabled=bool(self.bootstrap_servers)) for f in scenario.faults]
        else:
            widgets.append(Static("no faults in this scenario", classes="run-faults-title", markup=False))
        return Shown(code, HIGHLIGHT.get(loaded.lang), status, widgets, scenario)

    async def _show_example(self, loaded: Loaded) -> None:
        """Another example or language loaded into the built body: code, status, fault boxes."""
        shown = self._shown(loaded)
        editor = self.query_one("#run-editor", TextArea)
        if editor.language != shown.language:  # (each assignment sets up the document again)
            editor.language = shown.language
        editor.load_text(shown.code)
        if not self.running:
            self.set_status(*shown.status)
        # The fault boxes are swapped (awaited) before anyone reads which are ticked: until then
        # `self.scenario` stays None, and Run says the example is still loading.
        faults = self.query_one("#run-faults", VerticalScroll)
        await faults.remove_children()
        if not await mount_into(faults, *shown.faults):
            return  # the panel is being removed
        self._adopt(loaded.example, shown.scenario)

    def _adopt(self, example: Example, scenario: Scenario) -> None:
        """`example` is shown with its fault boxes: the picture and tally for its scenario, Run
        enabled, and the run asked for meanwhile started."""
        if not self.running:
            self.model = PictureModel.for_brokers(scenario.brokers)
            self._show_model()
            if self.result is None:  # nothing run yet for this example and language
                self.query_one(Tally).clear(scenario.expect)
        self.scenario = scenario
        if self._run_requested == example.name:
            self._run_requested = None
            self.action_run()

    def _show_model(self) -> None:
        """Hand the picture its model (the body, and the picture in its tab, are mounted with it)."""
        for picture in self.query(RunPicture):
            picture.show(self.model)

    def selected_faults(self) -> list[Fault]:
        return [box.fault for box in self.query(FaultBox) if box.value]

    # ------------------------------------------------------------ running

    @on(Button.Pressed, "#run-start")
    def _run_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_run()

    @on(Button.Pressed, "#run-stop")
    def _stop_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_stop()

    @on(Button.Pressed, "#run-reset")
    def _reset_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_reset()

    def action_reset(self) -> None:
        """The lesson's code back in the editor, as one edit that ctrl+z undoes; the saved copy (it
        held the edits) is set aside as `<copy>.bak`, as `course reset` does with an exercise."""
        if self.example is None or self.key(self.example) not in self.originals:
            return
        self.texts.pop(self.key(self.example), None)
        editor = self.query_one("#run-editor", TextArea)
        original = self.originals[self.key(self.example)]
        edited = editor.text != original
        if edited:
            # An edit, not load_text(): load_text clears the undo history, and with it the learner's code.
            editor.replace(original, (0, 0), editor.document.end)
            editor.move_cursor((0, 0))
        if not self.running:
            self.set_status("the lesson's code is back: ctrl+z in the editor brings yours back" if edited
                            else self.idle_status())
        self._set_copy_aside(self.example, self.lang)

    @work(thread=True, group="run-reset")
    def _set_copy_aside(self, example: Example, lang: str) -> None:
        copy = copy_path(self.lesson.id, example, lang, self.course_root)
        try:
            copy.replace(copy.with_suffix(copy.suffix + ".bak"))
        except FileNotFoundError:
            pass
        except OSError:  # no room for the .bak: the copy still must not come back as the learner's code
            with contextlib.suppress(OSError):
                copy.unlink(missing_ok=True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop":
            return self.running  # in the footer only while a run goes on
        return True

    def action_run(self) -> None:
        """Run the editor's code (a run in progress is stopped first)."""
        if self.example is None or self.scenario is None:
            self.notify("The example is still loading.", severity="warning", timeout=2)
            return
        if self.missing_tool:
            self.set_status(self.missing_tool, "error")
            self.notify(self.missing_tool, severity="error", timeout=8)
            return
        if self._cancel is not None:
            self._cancel.set()
        scenario = dataclasses.replace(self.scenario, faults=self.selected_faults())
        code = self.query_one("#run-editor", TextArea).text
        self.texts[self.key(self.example)] = code
        self._run_id += 1
        self._cancel = threading.Event()
        self._events.clear()
        self._ids = {"sent": set(), "acked": set(), "failed": set()}
        self._ids_shown, self._redrawn = (0, 0, 0), 0.0
        self.model = PictureModel.for_brokers(scenario.brokers)
        kafka = self.kafka_session() if self.backend == "kafka" and not self.bootstrap_servers else None
        if kafka is not None:
            self.model.note(KAFKA_PICTURE_NOTE, "muted")
        self._show_model()
        self.query_one(Tally).reset(scenario.expect, live=not scenario.measurement)
        self.query_one("#run-log", LogTable).display = False
        self.query_one("#run-log-note", Static).display = True
        self.query_one("#run-log-note", Static).update("The partition log appears here when the run ends.")
        self.query_one("#run-output", Log).clear()
        self.query_one("#run-views", TabbedContent).active = "run-picture-tab"
        self.show_results(True)
        self.running = True
        self._started_at = time.monotonic()
        self._preparing = ""
        self.measuring = scenario.measurement
        self.set_status(self._running_text(""), "running")
        self.query_one("#run-stop", Button).disabled = False
        self.refresh_bindings()
        if self._ticker is None:
            self._ticker = self.set_interval(0.1, self._drain)
        else:
            self._ticker.resume()
        self._run(self._run_id, self.example, self.lang, code, scenario, self.bootstrap_servers, self._cancel, kafka)

    def action_stop(self) -> None:
        if self.running and self._cancel is not None:
            self._cancel.set()
            self.set_status("stopping…", "running")

    @work(thread=True, exclusive=True, group="run-example")
    def _run(self, run_id: int, example: Example, lang: str, code: str, scenario: Scenario,
             bootstrap: str | None, cancel: threading.Event, kafka: "KafkaSession | None" = None) -> None:
        """Save the copy, compile it if it is a JVM twin, run it (blocking this worker thread) on the
        sandbox or on the session's real Kafka cluster, post the result."""
        try:
            copy = copy_path(self.lesson.id, example, lang, self.course_root)
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_text(code, encoding="utf-8")
        except OSError as exc:
            self.post_message(self.Finished(run_id, example, None, f"could not save your copy: {exc}"))
            return
        self.post_message(self.Started(example, copy))

        def listener(event: RunEvent) -> None:  # the runner's threads: only a deque append
            self._events.append((run_id, event))

        outcome: dict[str, Any] = {}

        def run() -> None:
            if lang != "python":
                self.post_message(self.Progress(run_id, f"compiling your {LANGUAGE_TITLES[lang]} copy (the first "
                                                        "time also fetches the toolchain and starts the compiler)…"))
                try:
                    launch_command(copy)  # compiled once per source: the run below finds the classes
                except CompileError as exc:
                    outcome["error"], outcome["problems"] = str(exc), exc.problems
                    return
                except (MissingTool, ResolveError) as exc:
                    outcome["error"] = str(exc)
                    return
                except Exception as exc:  # the compiler crashed, the main class cannot be told...
                    outcome["error"] = f"the {LANGUAGE_TITLES[lang]} copy could not be prepared: {exc}"
                    return
                if cancel.is_set():
                    return
                self.post_message(self.Progress(run_id, "running…"))
            try:
                if kafka is None:
                    outcome["result"] = run_example(copy, scenario, bootstrap_servers=bootstrap, listener=listener,
                                                    cancel=cancel)
                    return
                from engine.apache_kafka.runs import run_on_kafka

                def progress(text: str) -> None:
                    self.post_message(self.Progress(run_id, text))

                with kafka.lease(scenario.brokers, progress) as cluster:
                    if cancel.is_set():
                        return
                    progress("running…")
                    outcome["result"] = run_on_kafka(copy, scenario, cluster=cluster, listener=listener,
                                                     cancel=cancel)
            except Exception as exc:  # the sandbox could not start, Kafka did not, the cluster is unreachable...
                outcome["error"] = f"the run failed: {exc}"

        # The runner blocks; this worker watches for its own cancellation meanwhile (a newer run, the
        # panel removed, the app quitting) and turns it into the run's cancel event.
        worker = get_current_worker()
        runner = threading.Thread(target=run, name="course-example-run", daemon=True)
        runner.start()
        while runner.is_alive():
            runner.join(0.1)
            if worker.is_cancelled:
                cancel.set()
        self.post_message(self.Finished(run_id, example, outcome.get("result"), outcome.get("error", ""),
                                        cancelled=cancel.is_set(), problems=outcome.get("problems")))

    def on_run_panel_progress(self, message: Progress) -> None:
        if message.run_id == self._run_id and self.running:
            self._preparing = message.text if message.text != "running…" else ""
            self.set_status(self._running_text(""), "running")

    def _drain(self, final: bool = False) -> None:
        """Move what the run reported so far onto the screen (UI thread, every 0.1 s). The output
        goes out at each tick; the picture, the tally and the status, whose redraw lays the panel
        out again, at most every REDRAW seconds while the run goes on (`final`: now), so that the
        app's own work takes as little as it can from the run it is showing."""
        if not self.is_attached:
            return
        if self.measuring and not final:
            now = time.monotonic()
            if now - self._redrawn >= self.MEASURING_TICK and self.running:
                self._redrawn = now
                self._show_elapsed()
            return
        output = self.query_one("#run-output", Log)
        lines: list[str] = []
        # A run of lesson 8 reports tens of thousands of lines in seconds, and this loop shares the
        # machine with the run it shows: the common case, a report line, takes the shortest path
        # (its id into the tally; the picture draws requests, not report lines).
        events, ids, add, run_now = self._events, self._ids, self.model.add, self._run_id
        while events:
            run_id, event = events.popleft()
            if run_id != run_now:
                continue
            kind = event.kind
            if kind == "report":
                seen = ids.get(event.data.get("verb"))
                if seen is not None:
                    seen.add(str(event.data.get("id")))
                continue
            if kind == "exited" and self._cancel is not None and self._cancel.is_set():
                continue  # stopped: the signal's exit code says nothing; the verdict says "stopped"
            if kind == "output":
                lines.append(event.text)
            elif kind in ("fault", "note", "timeout"):
                lines.append(f"[{kind}] {event.text}")
            add(event)
        if lines:
            output.write_lines(lines)
        now = time.monotonic()
        if not final and now - self._redrawn < self.REDRAW:
            return
        self._redrawn = now
        self.redraws += 1
        counts = self._id_counts()
        if counts != self._ids_shown:  # (a run with no report lines leaves the tally as it was)
            self._ids_shown = counts
            self.query_one(Tally).live(*counts)
        self.query_one(RunPicture).refresh_picture()
        self._show_elapsed()

    def _running_text(self, elapsed: str) -> str:
        if self._preparing:
            return f"{self._preparing} {elapsed}".rstrip()
        if self.measuring:  # short enough for 80 columns; why it waits is in the lesson's text
            return " ".join(filter(None, ("measuring…", elapsed, "(shown when it ends)")))
        return f"running… {elapsed}".rstrip()

    def _show_elapsed(self) -> None:
        if self.running and not (self._cancel and self._cancel.is_set()):
            self.set_status(self._running_text(f"{time.monotonic() - self._started_at:.0f} s"), "running")

    def _id_counts(self) -> tuple[int, int, int]:
        ids = self._ids
        return len(ids.get("sent", ())), len(ids.get("acked", ())), len(ids.get("failed", ()))

    def on_run_panel_finished(self, message: RunPanel.Finished) -> None:
        if message.run_id != self._run_id or not self.is_attached:
            message.stop()  # a run replaced by a newer one, or a panel gone: nobody needs to hear of it
            return
        self._drain(final=True)
        self.running = False
        self.finished_runs += 1
        if self._ticker is not None:
            self._ticker.pause()
        self.query_one("#run-stop", Button).disabled = True
        self.refresh_bindings()
        result = message.result
        output = self.query_one("#run-output", Log)
        if result is None:
            self.set_status(message.error.splitlines()[0] if message.error else "the run failed", "error")
            output.write_line(message.error)
            self.model.note(f"✗ {message.error}", "error")
            if message.problems:
                self._show_problems(message.problems)
            self.query_one(RunPicture).refresh_picture()
            return
        self.result = result
        o = result.outcome
        where = " on Apache Kafka" if result.target == "kafka" else ""
        if message.cancelled:
            self.set_status(f"stopped after {result.duration:.0f} s: the example was killed", "warning")
        elif result.timed_out:
            self.set_status("killed at the scenario's timeout", "error")
        elif result.exit_code == 0:
            self.set_status(f"finished{where}: exit code 0", "done")
        else:
            self.set_status(f"finished{where}: exit code {result.exit_code}", "error")
        ended = "stopped" if message.cancelled else f"exit code {result.exit_code}"
        output.write_line(f"— {result.script.name}: {ended} after {result.duration:.1f} s (your copy: {result.script})")
        self.model.finish(o, result.exit_code, expected=met_metrics(result.checks), stopped=message.cancelled)
        if result.exit_code and not message.cancelled and not o.sent and not o.processed:
            self.query_one("#run-views", TabbedContent).active = "run-output-tab"  # the traceback
        self.query_one(RunPicture).refresh_picture()
        self.query_one(Tally).final(o, result.checks, result.allowed)
        table = self.query_one("#run-log", LogTable)
        note = self.query_one("#run-log-note", Static)
        if result.log:
            table.show_log(result.log)
            table.display, note.display = True, False
        else:
            note.update("The partition log is shown for sandbox and Apache Kafka runs only."
                        if result.target not in ("sandbox", "kafka")
                        else "The run's topics are empty.")

    def _show_problems(self, problems: list[CompileProblem]) -> None:
        """A copy that does not compile: each problem by line in the output, the code in front, the
        editor's cursor on the first problem's line."""
        output = self.query_one("#run-output", Log)
        output.write_lines([f"line {p.line}: {p.message}" if p.line else p.message for p in problems])
        for p in problems[:5]:
            self.model.note(f"line {p.line}: {p.message}" if p.line else p.message, "error")
        self.query_one("#run-views", TabbedContent).active = "run-output-tab"
        self.show_results(False)
        line = next((p.line for p in problems if p.line), 0)
        editor = self.query_one("#run-editor", TextArea)
        if line:
            editor.cursor_location = (line - 1, 0)
            editor.scroll_cursor_visible(center=True)
        editor.focus()
