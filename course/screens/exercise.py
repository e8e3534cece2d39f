"""An exercise in the app: the task, the learner's copy to edit, Check, hints, the solution after a pass.

The learner's copy is the same file `course check` grades (engine.runs.exercises.Workspace), so it
can be edited here (a TextArea), in $EDITOR (the app suspends meanwhile), or in any editor outside
with watch mode on (the screen checks again each time the file is saved, as rustlings' watch does).
Check runs engine.runs.exercises.check in a thread worker: the same run, verdict and feedback as
`course check`, with the run's progress (faults, messages sent and acknowledged) shown as it goes.
The app hears of each check (`Checked`) and each hint revealed (`HintShown`) and records them.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path
from typing import Any, Sequence

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Header, Markdown, RichLog, Static, TabbedContent, TabPane, TextArea

from course.widgets.footer import KeyFooter
from course.widgets.mounting import mount_into
from course.widgets.next_step import NextSteps, Step
from engine.runs.exercises import CheckResult, Exercise, Workspace, check
from engine.runs.runner import ClusterUnreachable, RunEvent

WATCH_INTERVAL = 0.5  # seconds between looks at the file's modification time in watch mode


class ExerciseScreen(Screen):
    """One exercise. Keys are ctrl combinations (priority) so that they work while typing code."""

    BINDINGS = [
        Binding("escape", "leave", "Back"),
        Binding("ctrl+r", "check", "Check", priority=True),
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("ctrl+o", "editor", "$EDITOR", priority=True),
        Binding("ctrl+t", "hint", "Hint", priority=True),
        Binding("ctrl+g", "solution", "Solution", priority=True),
        Binding("ctrl+f", "watch", "Watch", priority=True),
        # `?` types a question mark in the editor: f1 opens the keys from there (select all is f7...).
        Binding("f1", "app.help", "Help (also while typing)", show=False, priority=True),
        # The task, the verdict and the next steps can be taller than a small terminal: scroll the
        # Task pane from wherever the focus is (the editor, when focused, keeps these keys).
        Binding("down", "scroll_task('down')", "Scroll down", show=False),
        Binding("up", "scroll_task('up')", "Scroll up", show=False),
        Binding("pagedown", "scroll_task('page_down')", "Page down", show=False),
        Binding("pageup", "scroll_task('page_up')", "Page up", show=False),
    ]

    class Checked(Message):
        """A check of the learner's copy finished (passed or not): count it in progress."""

        def __init__(self, name: str, passed: bool) -> None:
            super().__init__()
            self.name = name
            self.passed = passed

    class HintShown(Message):
        """The learner has now seen `shown` hints of this exercise."""

        def __init__(self, name: str, shown: int) -> None:
            super().__init__()
            self.name = name
            self.shown = shown

    def __init__(self, exercise: Exercise, *, bootstrap_servers: str | None = None, passed: bool = False,
                 hints_shown: int = 0, steps: Sequence[Step] = (), workspace: Workspace | None = None) -> None:
        super().__init__(classes="exercise-screen")
        self.exercise = exercise
        self.bootstrap_servers = bootstrap_servers
        self.passed = passed
        self.hints_shown = min(hints_shown, len(exercise.hints))
        self.steps = tuple(steps)
        self.workspace = workspace or Workspace()
        self.path: Path = self.workspace.path(exercise)
        self.saved_text: str | None = None  # the file's text as last loaded or saved (None: not loaded yet)
        self.checking = False
        self.watching = False
        self._seen_mtime: int | None = None
        self._recheck = False  # the file changed while a check was running
        self.result: CheckResult | None = None
        self.sub_title = f"Exercise: {exercise.title}"

    # ------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(id="exercise-tabs", initial="task"):
            with TabPane("Task", id="task"):
                with VerticalScroll(id="task-body"):
                    yield Markdown(self.task_markdown(), id="task-text")
                    yield Markdown("", id="hints")
                    yield Markdown("", id="verdict")
                    yield RichLog(id="check-log", wrap=True, markup=False, max_lines=500)
            with TabPane("Your code", id="code"):
                yield TextArea.code_editor("", language="python", id="editor", read_only=True)
            with TabPane("Solution", id="solution", disabled=not self.passed):
                yield TextArea.code_editor("", language="python", id="solution-code", read_only=True)
        yield Static("", id="check-status", markup=False)
        with Horizontal(id="exercise-buttons"):
            yield Button("Check", id="check-button", variant="primary")
            yield Button("Save", id="save-button")
            yield Button("Hint", id="hint-button")
            yield Button("Watch: off", id="watch-button")
        yield KeyFooter()

    # Smaller than this (columns, rows), the buttons drop their borders: one row instead of three for the
    # task, and all four fit across (their keys are in the footer either way).
    COMPACT = (72, 26)

    def on_resize(self) -> None:
        compact = self.size.width < self.COMPACT[0] or self.size.height < self.COMPACT[1]
        for button in self.query("#exercise-buttons Button").results(Button):
            button.compact = compact

    def task_markdown(self) -> str:
        ex = self.exercise
        faults = "; ".join(f.describe() for f in ex.scenario.faults) or "none"
        return (f"## {ex.title}\n\n{ex.description.strip()}\n\n"
                f"**Passes when** `{ex.rule.text}`. **Faults:** {faults}.\n\n"
                f"Your copy: `{self.path}` (edit it under *Your code*, or `ctrl+o` for $EDITOR; "
                "`ctrl+f` checks again on every save).")

    def on_mount(self) -> None:
        self.query_one("#check-log").display = False
        self.show_hints()
        self.load_files()
        self.set_interval(WATCH_INTERVAL, self._poll_file)

    # ------------------------------------------------------------ files (in workers)

    @work(thread=True, exclusive=True, group="exercise-files")
    def load_files(self) -> None:
        """The learner's copy (made from the starting script the first time) and, once passed, the solution."""
        try:
            path = self.workspace.ensure(self.exercise)
            text = path.read_text(encoding="utf-8")
            mtime = path.stat().st_mtime_ns
            solution = self.exercise.solution.read_text(encoding="utf-8")
        except OSError as error:
            self.app.call_from_thread(self.notify, f"Could not open your copy: {error}", severity="error")
            return
        self.app.call_from_thread(self._files_loaded, text, mtime, solution)

    def _files_loaded(self, text: str, mtime: int, solution: str) -> None:
        if not self.is_attached:
            return
        editor = self.query_one("#editor", TextArea)
        editor.read_only = False
        if editor.text != text:
            editor.load_text(text)
        self.saved_text, self._seen_mtime = text, mtime
        self._solution = solution
        if self.passed:
            self.query_one("#solution-code", TextArea).load_text(solution)
        self._sync()

    @property
    def dirty(self) -> bool:
        return self.saved_text is not None and self.query_one("#editor", TextArea).text != self.saved_text

    def _write(self, text: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(text, encoding="utf-8")

    @on(Button.Pressed, "#save-button")
    def action_save(self) -> None:
        if self.saved_text is None:
            return
        text = self.query_one("#editor", TextArea).text
        try:
            self._write(text)
            self._seen_mtime = self.path.stat().st_mtime_ns if not self.watching else self._seen_mtime
        except OSError as error:
            self.notify(f"Could not save: {error}", severity="error")
            return
        self.saved_text = text
        self.notify("Saved." + (" Checking again (watch mode)." if self.watching else ""), timeout=2)
        self._sync()

    # ------------------------------------------------------------ checking

    @on(Button.Pressed, "#check-button")
    def action_check(self) -> None:
        if self.saved_text is None:
            return
        if self.checking:
            self._recheck = True  # once this one is over
            return
        if self.dirty:  # the check grades the file, so the file must be what the learner sees
            self.action_save()
            if self.watching:
                return  # the save is seen by the watch, which starts the check
        self._start_check()

    def _start_check(self) -> None:
        self.checking = True
        self._recheck = False
        self._counts = {"sent": 0, "acked": 0, "faults": 0}
        log = self.query_one("#check-log", RichLog)
        log.clear()
        log.display = True
        self.call_after_refresh(self.query_one("#verdict", Markdown).update, "")
        self.query_one("#check-status", Static).update("Checking: starting the sandbox…")
        self.query_one("#exercise-tabs", TabbedContent).active = "task"
        self._sync()
        self.run_check()

    @work(thread=True, exclusive=True, group="exercise-check")
    def run_check(self) -> None:
        def listener(event: RunEvent) -> None:
            self.app.call_from_thread(self._on_event, event)

        try:
            result = check(self.exercise, self.path, bootstrap_servers=self.bootstrap_servers, listener=listener)
        except ClusterUnreachable as error:
            self.app.call_from_thread(self._check_failed, str(error))
            return
        except Exception as error:  # a broken scenario or runner: say so here, not in a traceback
            self.app.call_from_thread(self._check_failed, f"{type(error).__name__}: {error}")
            return
        self.app.call_from_thread(self._checked, result)

    def _on_event(self, event: RunEvent) -> None:
        """The run's progress, as `course check` prints it, plus counts of the example's own lines."""
        if not self.is_attached:
            return
        log = self.query_one("#check-log", RichLog)
        if event.kind == "output":
            word = event.text.split(" ", 1)[0]
            if word in ("sent", "acked"):
                self._counts[word] += 1
            else:
                log.write(f"{event.time:5.1f}s  {event.text}")
        elif event.kind == "fault":
            self._counts["faults"] += 1
            log.write(f"{event.time:5.1f}s  fault: {event.text}")
        elif event.kind in ("started", "timeout", "exited", "note"):
            log.write(f"{event.time:5.1f}s  {event.text or event.kind}")
        c = self._counts
        self.query_one("#check-status", Static).update(
            f"Checking: {event.time:4.1f} s · sent {c['sent']} · acknowledged {c['acked']} · faults {c['faults']}")

    def _check_failed(self, why: str) -> None:
        self.checking = False
        if self.is_attached:
            self.query_one("#check-status", Static).update(f"The check could not run: {why}")
            self._sync()

    async def _checked(self, result: CheckResult) -> None:
        self.checking = False
        self.post_message(self.Checked(self.exercise.name, result.passed))  # recorded even if we leave now
        if not self.is_attached:
            self.result = result
            return
        o = result.run.outcome
        verdict = "PASSED ✓" if result.passed else "NOT YET ✗"
        counts = (f"sent {o.sent}, acknowledged {o.acknowledged}, in the log {o.in_log}, "
                  f"lost {o.lost}, duplicates {o.duplicates}")
        self.query_one("#check-status", Static).update(f"{verdict}  {counts}")
        lines = [f"### {verdict}", "", counts, ""] + [f"- {line}" for line in result.feedback]
        if not result.passed and self.hints_shown < len(self.exercise.hints):
            lines += ["", "Stuck? `ctrl+t` shows a hint."]
        verdict_view = self.query_one("#verdict", Markdown)
        await verdict_view.update("\n".join(lines))
        verdict_view.set_class(result.passed, "-passed")
        verdict_view.set_class(not result.passed, "-failed")
        if result.passed and not self.passed:
            self.passed = True
            self.query_one("#solution", TabPane).disabled = False
            if getattr(self, "_solution", None) is not None:
                self.query_one("#solution-code", TextArea).load_text(self._solution)
            if self.steps and not self.query("#next-steps"):
                # Right under the verdict, above the run's log: seen without scrolling, and focused
                # so that enter takes the learner on.
                steps = NextSteps(self.steps)
                if await mount_into(self.query_one("#task-body"), steps, before=self.query_one("#check-log")):
                    self.set_focus(self.query_one("#step-0"), scroll_visible=False)
        self._sync()
        self.call_after_refresh(self._show_verdict)
        # Published last: whoever waits on `result` (a test, the next step) finds the screen showing it.
        self.result = result
        if self._recheck and self.is_attached:
            self._start_check()

    def _show_verdict(self) -> None:
        """Scroll the Task pane to the verdict and, after a pass, the next steps under it."""
        if not self.is_attached:
            return
        verdict = self.query_one("#verdict")
        steps = self.query("#next-steps")
        region = verdict.virtual_region_with_margin
        if steps:
            region = region.union(steps.first().virtual_region_with_margin)
        body = self.query_one("#task-body", VerticalScroll)
        body.scroll_to_region(region, animate=False, top=True)

    def action_scroll_task(self, how: str) -> None:
        if self.query_one("#exercise-tabs", TabbedContent).active == "task":
            getattr(self.query_one("#task-body", VerticalScroll), f"scroll_{how}")(animate=False)

    # ------------------------------------------------------------ watch mode

    @on(Button.Pressed, "#watch-button")
    def action_watch(self) -> None:
        self.watching = not self.watching
        self.notify("Watch mode on: every save of your copy is checked." if self.watching else "Watch mode off.",
                    timeout=3)
        self._sync()

    def _poll_file(self) -> None:
        """Watch mode: a new modification time is a save (here, in $EDITOR or any editor): check again."""
        if self.saved_text is None:
            return
        try:
            mtime = self.path.stat().st_mtime_ns
        except OSError:
            return
        if mtime == self._seen_mtime:
            return
        self._seen_mtime = mtime
        if not self.watching:
            return
        self._reload_from_disk()
        if self.checking:
            self._recheck = True
        else:
            self._start_check()

    def _reload_from_disk(self) -> None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except OSError:
            return
        editor = self.query_one("#editor", TextArea)
        if editor.text != text:
            if self.dirty:
                self.notify("Your copy changed on disk; your unsaved edits here were replaced.", severity="warning")
            editor.load_text(text)
        self.saved_text = text

    # ------------------------------------------------------------ $EDITOR

    def action_editor(self) -> None:
        """Edit the copy in $VISUAL or $EDITOR, the app suspended meanwhile; reload it afterwards."""
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
        if not editor:
            self.notify("Set $EDITOR (e.g. EDITOR=nano) to edit in your own editor; "
                        f"or open {self.path} in any editor with watch mode on.", severity="warning", timeout=8)
            return
        if self.dirty:
            self.action_save()
        try:
            with self.app.suspend():
                subprocess.run([*shlex.split(editor), str(self.path)], check=False)
        except Exception as error:  # SuspendNotSupported (no terminal, e.g. the web), a missing editor
            self.notify(f"Could not open {editor}: {error}", severity="error")
            return
        self._reload_from_disk()

    # ------------------------------------------------------------ hints, solution, leaving

    def show_hints(self) -> None:
        hints = self.exercise.hints[: self.hints_shown]
        text = "\n".join(f"{i}. {hint}" for i, hint in enumerate(hints, 1))
        view = self.query_one("#hints", Markdown)
        view.display = bool(hints)
        self.call_after_refresh(view.update, f"**Hints** ({len(hints)} of {len(self.exercise.hints)})\n\n{text}")

    @on(Button.Pressed, "#hint-button")
    def action_hint(self) -> None:
        if self.hints_shown >= len(self.exercise.hints):
            self.notify("That was the last hint." if self.exercise.hints else "This exercise has no hints.")
            return
        self.hints_shown += 1
        self.post_message(self.HintShown(self.exercise.name, self.hints_shown))
        self.show_hints()
        self.query_one("#exercise-tabs", TabbedContent).active = "task"
        self._sync()

    def action_solution(self) -> None:
        if not self.passed:
            self.notify("The solution opens once your copy passes the check.", severity="warning")
            return
        self.query_one("#exercise-tabs", TabbedContent).active = "solution"

    def action_leave(self) -> None:
        if self.dirty:
            self.action_save()  # nothing typed is lost by leaving
        self.dismiss()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "hint":
            return self.hints_shown < len(self.exercise.hints)
        if action == "solution":
            return self.passed
        return True

    def _sync(self) -> None:
        if not self.is_mounted:
            return
        self.query_one("#check-button", Button).label = "Checking…" if self.checking else "Check"
        self.query_one("#watch-button", Button).label = f"Watch: {'on' if self.watching else 'off'}"
        self.query_one("#hint-button").display = self.hints_shown < len(self.exercise.hints)
        self.refresh_bindings()

