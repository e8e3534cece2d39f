"""`course schema NAME` prints the JSON Schema of a course YAML file; `--markdown` the key reference.

The schemas (quiz, scenario, exercise, answers) are generated from the validators' tables by
engine.schemas.build and shipped with the package, so editors check what `course validate` checks.
"""

from __future__ import annotations

import argparse
import sys

from engine.schemas import SCHEMA_NAMES, schema_text


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "schema",
        help="print the JSON Schema of a course YAML file (quiz, scenario, exercise, answers)",
        description="Print one of the JSON Schemas (draft 2020-12) the course's YAML files follow, for an "
        "editor's YAML language server or `check-jsonschema`. With --markdown, print every key of every "
        "file with its type, default and meaning instead.",
    )
    p.add_argument("name", nargs="?", choices=SCHEMA_NAMES, metavar="NAME",
                   help="one of: " + ", ".join(SCHEMA_NAMES))
    p.add_argument("--markdown", action="store_true", help="print the reference of every key as Markdown")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    if args.markdown:
        from engine.schemas.build import reference_markdown

        sys.stdout.write(reference_markdown())
        return 0
    if args.name is None:
        print("give a schema name: " + ", ".join(SCHEMA_NAMES) + " (or --markdown)", file=sys.stderr)
        return 2
    sys.stdout.write(schema_text(args.name))
    return 0
