"""Import the whole Kafka corpus and compare with a bare markdown-it-py parse of the same files.

Prints pages/s for both and the ratio import / bare parse (acceptance: at most 2). Each side runs
several times in this one process and the fastest run counts, which keeps a loaded machine's noise
out of the ratio. Exits 1 if the ratio is above 2, 2 if the corpus is missing.

    .venv/bin/python benchmarks/import_corpus.py [CORPUS_DIR] [--runs N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from markdown_it import MarkdownIt

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from engine.content.importer import import_paths  # noqa: E402

LIMIT = 2.0


def bare_parse(pages: list[Path]) -> float:
    md = MarkdownIt("commonmark")
    start = time.perf_counter()
    for page in pages:
        md.parse(page.read_text(encoding="utf-8"))
    return time.perf_counter() - start


def full_import(corpus: Path) -> tuple[float, int, int]:
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        report = import_paths([corpus], Path(out))
        elapsed = time.perf_counter() - start
    return elapsed, report.quizzes, len(report.errors)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=REPO.parent / "shared" / "corpus" / "kafka")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(f"no corpus at {args.corpus}; pass its folder as the first argument")
        return 2
    pages = sorted(args.corpus.rglob("*.md"))
    bare_parse(pages[:20])  # warm up imports and caches on both sides
    full_import(args.corpus)
    bare = min(bare_parse(pages) for _ in range(args.runs))
    runs = [full_import(args.corpus) for _ in range(args.runs)]
    imported = min(r[0] for r in runs)
    ratio = imported / bare
    print(f"pages:               {len(pages)} ({runs[0][1]} quizzes, {runs[0][2]} errors)")
    print(f"bare markdown-it:    {bare:.3f} s  ({len(pages) / bare:.0f} pages/s)")
    print(f"course import:       {imported:.3f} s  ({len(pages) / imported:.0f} pages/s)")
    print(f"ratio import/parse:  {ratio:.2f}  (limit {LIMIT:.1f}) {'ok' if ratio <= LIMIT else 'TOO SLOW'}")
    return 0 if ratio <= LIMIT else 1


if __name__ == "__main__":
    sys.exit(main())
