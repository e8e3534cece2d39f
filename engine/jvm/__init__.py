"""The lessons' examples in their own JVM languages: Java, Kotlin, Scala 3 and Clojure twins of
the Python examples, compiled once per source and started by the runner in place of Python.

- maven.py: find java/javac/mvn (MissingTool says what to install); a pinned pom -> classpath,
  cached under $XDG_CACHE_HOME by the pom's hash, jars in ~/.m2
- poms/: the pinned kafka-clients (with SLF4J's no-op provider) and the Kotlin, Scala, Clojure toolchains
- languages.py: the four languages, their extensions and how each names its main class
- compiler.py: compile_source() -> Compiled (cached by source hash); CompileError with (line, message)
- cds.py: class-data-sharing archives of kafka-clients and each language runtime (faster JVM starts),
  proved with -Xshare:on before use; warmup/: the programs their class lists come from
- example.py: JvmExample, the command line the runner spawns
"""

from engine.jvm.compiler import CompileError, CompileProblem, Compiled, compile_source
from engine.jvm.example import JvmExample
from engine.jvm.languages import LANGUAGES, Language, language_for
from engine.jvm.maven import MissingTool, ResolveError, find_tools, resolve_classpath

__all__ = ["CompileError", "CompileProblem", "Compiled", "JvmExample", "LANGUAGES", "Language", "MissingTool",
           "ResolveError", "compile_source", "find_tools", "language_for",
           "resolve_classpath"]
