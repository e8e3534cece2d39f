"""A lesson example written for the JVM, as the runner starts it instead of `python -u script`.

The twin sees exactly what the Python example sees: BOOTSTRAP_SERVERS in its environment, its
own folder as the working directory, and it prints the same report lines (`sent ID`,
`acked ID PARTITION OFFSET`, `failed ID ERROR`, `processed ID`) on stdout.

    example = JvmExample(Path("lessons/02-at-most-once/examples/commit-first.java"))
    example.prepare()        # compile, or find the cached classes (CompileError, MissingTool)
    example.command()        # ["java", ..., "CommitFirst"]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from engine.jvm.compiler import Compiled, compile_source
from engine.jvm.languages import Language, language_for


@dataclass
class JvmExample:
    source: Path
    _compiled: Compiled | None = field(default=None, repr=False)

    @property
    def language(self) -> Language:
        lang = language_for(self.source)
        if lang is None:
            raise ValueError(f"{self.source.name}: not a JVM source (.java, .kt, .scala, .clj)")
        return lang

    def prepare(self) -> Compiled:
        """Compile the twin (once per source text; later calls and later runs use the cache)."""
        if self._compiled is None:
            self._compiled = compile_source(self.source)
        return self._compiled

    def command(self) -> list[str]:
        """The command line that starts the twin; the runner adds BOOTSTRAP_SERVERS to its environment."""
        return self.prepare().command()
