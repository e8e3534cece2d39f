"""`course`: with no command it opens the app; each subcommand lives in course/commands/.

A module in course.commands joins the CLI by defining
    register(subparsers) -> None
which adds its parser and sets `func=` to a callable(args) -> int (the exit code).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from typing import Sequence

from engine import __version__


def app_parser(add_help: bool = True) -> argparse.ArgumentParser:
    """The options of `course` itself (opening the app), without the commands."""
    parser = argparse.ArgumentParser(
        prog="course",
        description="A terminal course on Kafka's message delivery semantics. "
        "With no command, opens the course.",
        add_help=add_help,
    )
    parser.add_argument("--version", action="version", version=f"course {__version__}")
    parser.add_argument("--course", metavar="DIR", help="open another course folder (lessons/ and quizzes/)")
    parser.add_argument(
        "--bootstrap-servers", metavar="S", help="run examples against this Kafka cluster instead of the sandbox"
    )
    parser.add_argument("--watch", action="store_true",
                        help="reload lessons, quizzes and examples in the open app when their files are saved")
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = app_parser()
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    from course import commands

    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"course.commands.{info.name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # Plain `course [--course DIR] [--bootstrap-servers S]` opens the app without importing every
    # command (they bring in the runner, the sandbox and both Kafka clients): a quicker start.
    # Anything else (a command, --help, a typo) goes to the full parser.
    opening, rest = app_parser(add_help=False).parse_known_args(argv)
    if not rest:
        from course.app import run_app

        return run_app(course_dir=opening.course, bootstrap_servers=opening.bootstrap_servers,
                       watch=opening.watch)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        from course.app import run_app

        return run_app(course_dir=args.course, bootstrap_servers=args.bootstrap_servers, watch=args.watch)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
