"""JSON Schemas (draft 2020-12) for the course's YAML files: quiz, scenario, exercise, answers.

The schemas are *generated* from the validators' own tables (engine.schemas.build) and shipped
as package data beside this file, so an editor with a YAML language server completes and checks
the same keys, types and enums that `course validate` and `course grade` accept. Each shipped
YAML file names its schema on its first line:

    # yaml-language-server: $schema=../engine/schemas/quiz.schema.json

`python -m engine.schemas.build --write` regenerates the files (and the reference in
docs/authoring.md); a test fails when the committed ones differ from what the tables give.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

SCHEMA_NAMES: tuple[str, ...] = ("quiz", "scenario", "exercise", "answers")

# Which course files each schema describes (glob patterns relative to a course folder).
SCHEMA_FILES: dict[str, tuple[str, ...]] = {
    "quiz": ("quizzes/*.yaml",),
    "scenario": ("lessons/*/examples/*.yaml", "exercises/*/scenario.yaml"),
    "exercise": ("exercises/*/exercise.yaml",),
    "answers": (),
}

MODELINE = "# yaml-language-server: $schema="


def schema_filename(name: str) -> str:
    return f"{name}.schema.json"


def schema_text(name: str) -> str:
    """The shipped schema file's text; KeyError for a name that is not one of SCHEMA_NAMES."""
    if name not in SCHEMA_NAMES:
        raise KeyError(name)
    return resources.files(__name__).joinpath(schema_filename(name)).read_text(encoding="utf-8")


def load_schema(name: str) -> dict[str, Any]:
    return json.loads(schema_text(name))
