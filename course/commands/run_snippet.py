"""`course run-snippet PAGE [--block N] [--list]`: run one code block of any page against a fresh sandbox.

The block (Java, Kotlin, Scala, Clojure or Python) is wrapped in a harness (engine.jvm.snippets):
the usual imports, a main, the topics it names created first, its bootstrap address pointed at the
sandbox (said in the output). What the sandbox saw is printed as one line per request, then what
the client reported.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.jvm.snippets import SnippetError, page_blocks, request_lines, run_block


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run-snippet", help="run one code block of a page (a lesson's, an imported book's) "
                                           "against the sandbox",
                       description="Wrap a page's code block in a program (imports, a main), point its bootstrap "
                                   "address at a fresh sandbox, run it, and show the requests it made.")
    p.add_argument("page", metavar="PAGE", help="a section Markdown page (index.md) or its folder")
    p.add_argument("--block", type=int, default=1, metavar="N",
                   help="which runnable block of the page, counting from 1 (see --list)")
    p.add_argument("--list", action="store_true", help="list the page's runnable blocks and stop")
    p.add_argument("--timeout", type=float, default=90.0, metavar="SECONDS", help="kill the block after this long")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    page = Path(args.page)
    if page.is_dir():
        page = next((page / n for n in ("index.md", "_index.md") if (page / n).is_file()), page / "index.md")
    if not page.is_file():
        print(f"course run-snippet: {page}: no such page", file=sys.stderr)
        return 2
    blocks = page_blocks(page)
    if args.list or not blocks:
        if not blocks:
            print(f"course run-snippet: {page} has no Java, Kotlin, Scala, Clojure or Python block",
                  file=sys.stderr)
            return 2 if not args.list else 0
        for b in blocks:
            first = next((line.strip() for line in b.code.splitlines() if line.strip()), "")
            mark = f"  (illustrative: {b.illustrative})" if b.illustrative else ""
            print(f"{b.number:3d}  {b.language:8s} line {b.line:<5d} {first[:60]}{mark}")
        return 0
    if not 1 <= args.block <= len(blocks):
        print(f"course run-snippet: {page} has {len(blocks)} runnable blocks; --block takes 1 to {len(blocks)}",
              file=sys.stderr)
        return 2
    block = blocks[args.block - 1]
    print(f"block {block.number} ({block.language}) at {block.where}", flush=True)

    def show(event) -> None:  # type: ignore[no-untyped-def]
        if event.kind == "output":
            print(f"  | {event.text}", flush=True)
        elif event.kind in ("started", "timeout", "note"):
            print(f"{event.time:6.2f}s {event.kind}: {event.text}", flush=True)

    try:
        result = run_block(block, listener=show, timeout=args.timeout)
    except SnippetError as exc:
        print(f"course run-snippet: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("course run-snippet: interrupted; the block was stopped", file=sys.stderr)
        return 130
    print("\nwhat the sandbox saw:")
    for line in request_lines(result.events):
        print(f"  {line}")
    state = "killed at the timeout" if result.timed_out else f"exit code {result.exit_code}"
    print(f"\nblock {block.number} {state}, {result.duration:.1f} s")
    return 0 if result.exit_code == 0 and not result.timed_out else 1
