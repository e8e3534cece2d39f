"""The course app's entry point (the app itself grows in course/screens and course/widgets)."""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Static

from engine import paths


class CourseApp(App):
    TITLE = "Kafka delivery semantics"
    BINDINGS = [("q", "quit", "Quit")]

    def __init__(self, root: Path, bootstrap_servers: str | None = None):
        super().__init__()
        self.root = root
        self.bootstrap_servers = bootstrap_servers

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"Course folder: {self.root}", id="placeholder")
        yield Footer()


def run_app(course_dir: str | None = None, bootstrap_servers: str | None = None) -> int:
    root = Path(course_dir) if course_dir else paths.course_dir()
    CourseApp(root, bootstrap_servers).run()
    return 0
