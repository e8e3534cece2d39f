"""Section Markdown: one page -> front matter, lesson blocks and its quiz.

A page is read with markdown-it-py (front matter through mdit-py-plugins) into blocks:
- `Heading` for every heading, with a GitHub-style anchor;
- `CodeGroup` for fenced code; a bold label line (`**Java**`) right before a fence labels it, and
  consecutive labelled fences form one group (one example in several languages);
- `Diagram` for `mermaid` fences;
- `Markdown` for everything else, with shortcodes rewritten:
  `{{< ref "/kafka/4/4/1" >}}` -> the URL `lesson:4/4/1` (so `[x]({{< ref "/kafka/4/4/1" >}})` becomes
  `[x](lesson:4/4/1)`, and a bare ref becomes `[4/4/1](lesson:4/4/1)`; a `#anchor` is kept:
  `lesson:4/4/1#anchor`). The app resolves `lesson:<id>` links with `Course.lesson(id)`.
  `{{< katex >}}x{{< /katex >}}` -> `$x$`, and a katex block -> `$$` ... `$$` (math kept as text);
- `Shortcode` for a line holding a shortcode the reader does not know, kept visible, with a warning.
The `{{< quizdown >}}` block is cut out and parsed by engine.content.quizdown into the lesson's quiz.

Reading never raises on bad content: problems (file, line, column) are collected on the page.
Mojibake, CRLF, a BOM, bad bytes and a missing closing shortcode are reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.front_matter import front_matter_plugin

from engine.model import Block, CodeGroup, CodeSample, Diagram, Heading, Markdown, Quiz, Shortcode
from engine.problems import Problem
from engine.content.quizdown import parse_quizdown

LINK_SCHEME = "lesson:"

# A line that is only a shortcode: `{{< name args >}}` or `{{% name args %}}`, maybe a closing one.
_SHORTCODE_LINE = re.compile(r"^[ \t]*\{\{([<%])[ \t]*(/?)[ \t]*([\w.-]+)(.*?)[>%]\}\}[ \t]*$")
# Any shortcode inside text.
_SHORTCODE = re.compile(r"\{\{([<%])\s*(/?)\s*([\w.-]+)((?:[^>%}]|[>%](?!\}\}))*?)\s*[>%]\}\}")
_REF_ARG = re.compile(r"""^\s*(?:"([^"]*)"|'([^']*)'|(\S+))""")
_INLINE_KATEX = re.compile(r"\{\{[<%]\s*katex\s*[>%]\}\}(.*?)\{\{[<%]\s*/katex\s*[>%]\}\}", re.S)
_FENCE_OPEN = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_LABEL = re.compile(r"^\*\*([^*\n]{1,40}?)\*\*:?$")
# UTF-8 read as Latin-1 / cp1252: a lead byte (Ã, Â, â€) followed by what was a continuation byte.
_MOJIBAKE = re.compile(r"(?:Ã[\x80-\xbf¡-¿]|Â[\x80-\xbf¡-¿]|â€[\x80-\xbf™œ\x9d˜“”¢¦¡])")
_SLUG_DROP = re.compile(r"[^\w\- ]")
_NATURAL = re.compile(r"(\d+)")

KNOWN_BLOCK_SHORTCODES = ("quizdown", "katex")
_BREAK = ("break",)  # an item that ends the current Markdown run (where lines were cut out)

_md: MarkdownIt | None = None


def _parser() -> MarkdownIt:
    global _md
    if _md is None:
        # Block structure only (core `inline` rule off): lessons keep inline Markdown as text.
        _md = MarkdownIt("commonmark").use(front_matter_plugin).enable("table").disable("inline")
    return _md


# ---------------------------------------------------------------- one page


@dataclass
class Page:
    """One section Markdown page, read."""

    file: str  # the label problems carry (the path as given)
    text: str  # the whole page, normalised (LF line ends, no BOM)
    front_matter: dict[str, Any] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)
    quiz: Quiz | None = None
    quiz_lines: tuple[int, int] | None = None  # 0-based [start, end) of the quizdown block, shortcodes included
    problems: list[Problem] = field(default_factory=list)
    front_matter_ok: bool = True

    @property
    def title(self) -> str:
        fm_title = self.front_matter.get("title")
        if fm_title:
            return str(fm_title)
        heading = next((b for b in self.blocks if isinstance(b, Heading)), None)
        return heading.text if heading else ""

    @property
    def weight(self) -> int:
        w = self.front_matter.get("nav_weight", self.front_matter.get("weight", 0))
        return w if isinstance(w, int) and not isinstance(w, bool) else 0

    def text_without_quiz(self) -> str:
        """The page with its quizdown block (shortcode lines included) removed."""
        if self.quiz_lines is None:
            return self.text
        lines = self.text.split("\n")
        a, b = self.quiz_lines
        kept = lines[:a] + lines[b:]
        while 0 < a < len(kept) and not kept[a - 1].strip() and not kept[a].strip():
            del kept[a]  # collapse the blank lines the cut leaves behind
        return "\n".join(kept)


def decode(data: bytes, file: str) -> tuple[str, list[Problem]]:
    """Bytes -> text, reporting bytes that are not UTF-8 (they become U+FFFD)."""
    problems: list[Problem] = []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        problems.append(Problem(file, line, f"bytes that are not UTF-8 (0x{data[exc.start]:02x}); they are shown "
                                "as \ufffd: save the file as UTF-8", col, "warning"))
        text = data.decode("utf-8", errors="replace")
    return text, problems


def normalize(text: str, file: str) -> tuple[str, list[Problem]]:
    """Drop a BOM and turn CRLF / CR line ends into LF, reporting the line ends."""
    problems: list[Problem] = []
    text = text.removeprefix("\ufeff")
    if "\r" in text:
        problems.append(Problem(file, text[: text.index("\r")].count("\n") + 1, "Windows (CRLF) or old Mac (CR) "
                                "line ends, read as LF; save the file with LF line ends", severity="warning"))
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, problems


def read_page(path: Path, *, lesson_id: str = "", file: str | None = None) -> Page:
    """Read a page from disk; never raises (an unreadable file gives a page with one error)."""
    label = file if file is not None else str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        page = Page(label, "", problems=[Problem(label, 0, f"cannot read the page: {exc.strerror or exc}")])
        page.front_matter_ok = False
        return page
    text, problems = decode(data, label)
    page = parse_page(text, file=label, lesson_id=lesson_id)
    page.problems[:0] = problems
    return page


def parse_page(text: str, *, file: str = "", lesson_id: str = "") -> Page:
    """Section Markdown text -> Page. Never raises."""
    text, problems = normalize(text, file)
    page = Page(file, text, problems=problems)
    try:
        _parse_into(page, lesson_id)
    except Exception as exc:  # a reader bug must not stop a whole course from loading
        page.problems.append(Problem(file, 0, f"internal error while reading the page ({type(exc).__name__}: "
                                     f"{exc}); please report it"))
    return page


def _parse_into(page: Page, lesson_id: str) -> None:
    file = page.file
    lines = page.text.split("\n")
    _check_mojibake(lines, file, page.problems)
    specials, blank = _scan_shortcodes(lines, file, page, lesson_id)
    if blank:
        lines = [("" if k in blank else s) for k, s in enumerate(lines)]
    tokens = _parser().parse("\n".join(lines))
    items: list[tuple[int, Any]] = list(specials)  # (line, Block or ("md", start, end) or ("label", ...))
    _collect(tokens, lines, page, items)
    items.sort(key=lambda it: it[0])
    page.blocks = _assemble(items, lines, page)


def _check_mojibake(lines: list[str], file: str, problems: list[Problem]) -> None:
    for k, s in enumerate(lines):
        m = _MOJIBAKE.search(s)
        if m:
            guess = _unmojibake(m.group(0))
            hint = f" (probably {guess!r})" if guess else ""
            problems.append(Problem(file, k + 1, f"{m.group(0)!r} looks like mojibake: UTF-8 text decoded as "
                                    f"Latin-1/cp1252{hint}; re-save the text as UTF-8", m.start() + 1, "warning"))
            return  # one report per page is enough to act on


def _unmojibake(s: str) -> str:
    try:
        return s.encode("cp1252").decode("utf-8")
    except UnicodeError:
        return ""


def _scan_shortcodes(
    lines: list[str], file: str, page: Page, lesson_id: str
) -> tuple[list[tuple[int, Any]], set[int]]:
    """Find block shortcodes (line-level, outside fences): quizdown, katex, unknown ones.

    Returns blocks keyed by line and the set of lines to blank before the Markdown parse.
    """
    specials: list[tuple[int, Any]] = []  # (line, Block or _BREAK)
    blank: set[int] = set()
    fence: str | None = None
    k = 0
    n = len(lines)
    while k < n:
        s = lines[k]
        if fence is not None:
            if s.strip().startswith(fence) and not s.strip().strip(fence[0]):
                fence = None
            k += 1
            continue
        fm = _FENCE_OPEN.match(s)
        if fm:
            fence = fm.group(1)
            k += 1
            continue
        if "{{" not in s:
            k += 1
            continue
        m = _SHORTCODE_LINE.match(s)
        if not m:
            k += 1
            continue
        closing, name = m.group(2), m.group(3)
        if closing:
            if name in KNOWN_BLOCK_SHORTCODES:
                page.problems.append(Problem(file, k + 1, f"`{{{{< /{name} >}}}}` closes nothing; remove it or "
                                             f"add `{{{{< {name} >}}}}` before the block", severity="warning"))
                specials.append((k, _BREAK))
                blank.add(k)
            else:
                specials.append((k, Shortcode(name, s.strip(), k + 1)))
                blank.add(k)
            k += 1
            continue
        if name in KNOWN_BLOCK_SHORTCODES:
            end = _find_close(lines, k + 1, name)
            if end is None:
                page.problems.append(Problem(file, k + 1, f"`{{{{< {name} >}}}}` is never closed; add "
                                             f"`{{{{< /{name} >}}}}` where the block ends (read to the end of "
                                             "the page)", severity="warning"))
                end_line = n
            else:
                end_line = end
            inner = "\n".join(lines[k + 1 : end_line])
            if name == "quizdown":
                specials.append((k, _BREAK))  # text before and after the quiz are separate blocks
                if page.quiz is not None:
                    page.problems.append(Problem(file, k + 1, "a second quizdown block; a page has one quiz, "
                                                 "merge its questions into the first block"))
                else:
                    page.quiz, qproblems = parse_quizdown(
                        inner, file=file, line_offset=k + 1, quiz_id=quiz_id_for(lesson_id)
                    )
                    page.problems.extend(qproblems)
                    page.quiz_lines = (k, min(end_line + 1, n))
            else:  # katex block: math kept as text
                specials.append((k, Markdown(f"$$\n{inner.strip()}\n$$", k + 1)))
            blank.update(range(k, min(end_line + 1, n)))
            k = end_line + 1
            continue
        if name in ("ref", "relref"):
            k += 1  # a ref alone on a line is ordinary text; the inline pass rewrites it
            continue
        specials.append((k, Shortcode(name, s.strip(), k + 1)))
        page.problems.append(Problem(file, k + 1, f"unknown shortcode `{name}`; it is shown as written",
                                     m.start(3) + 1, "warning"))
        blank.add(k)
        k += 1
    return specials, blank


def _find_close(lines: list[str], start: int, name: str) -> int | None:
    for j in range(start, len(lines)):
        if "{{" in lines[j]:
            m = _SHORTCODE_LINE.match(lines[j])
            if m and m.group(2) and m.group(3) == name:
                return j
    return None


def _collect(tokens: list[Token], lines: list[str], page: Page, items: list[tuple[int, Any]]) -> None:
    """Top-level tokens -> items keyed by their first line."""
    i = 0
    n = len(tokens)
    while i < n:
        tok = tokens[i]
        end = i
        if tok.nesting == 1:
            depth = 0
            for j in range(i, n):
                depth += tokens[j].nesting
                if depth == 0:
                    end = j
                    break
        start = tok.map[0] if tok.map else 0
        stop = tok.map[1] if tok.map else start + 1
        if tok.type == "front_matter":
            _read_front_matter(tok, page)
        elif tok.type == "heading_open":
            items.append((start, ("heading", int(tok.tag[1]), tokens[i + 1].content.strip())))
        elif tok.type == "fence":
            lang = (tok.info.strip().split() or [""])[0].lower()
            code = tok.content.rstrip("\n")
            if lang == "mermaid":
                items.append((start, Diagram("mermaid", code, start + 1)))
            else:
                items.append((start, CodeSample(lang, code, "", start + 1)))
        elif tok.type == "paragraph_open" and _LABEL.match(tokens[i + 1].content.strip()):
            label = _LABEL.match(tokens[i + 1].content.strip()).group(1).strip()  # type: ignore[union-attr]
            items.append((start, ("label", label, start, stop)))
        else:
            items.append((start, ("md", start, stop)))
        i = end + 1


def _read_front_matter(tok: Token, page: Page) -> None:
    try:
        data = yaml.safe_load(tok.content) if tok.content.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        page.problems.append(Problem(page.file, (mark.line + 2) if mark else 1,
                                     f"the front matter is not valid YAML ({getattr(exc, 'problem', None) or exc}); "
                                     "write `key: value` lines between the `---` lines and quote values that "
                                     "hold `:` or `#`", (mark.column + 1) if mark else 0))
        page.front_matter_ok = False
        return
    if not isinstance(data, dict):
        page.problems.append(Problem(page.file, 2, "the front matter must be `key: value` lines"))
        page.front_matter_ok = False
        return
    page.front_matter = {str(k): v for k, v in data.items()}
    w = page.front_matter.get("nav_weight")
    if w is not None and (not isinstance(w, int) or isinstance(w, bool)):
        page.problems.append(Problem(page.file, 2, f"nav_weight must be a whole number, not {w!r}",
                                     severity="warning"))


def _assemble(items: list[tuple[int, Any]], lines: list[str], page: Page) -> list[Block]:
    """Merge items into blocks: Markdown runs, labelled code groups, headings."""
    blocks: list[Block] = []
    anchors: dict[str, int] = {}
    run: list[int] = []  # [start, stop) of the current Markdown run
    pending: tuple[str, int, int] | None = None  # a label paragraph waiting for its fence

    def flush() -> None:
        nonlocal run
        if run:
            text = "\n".join(lines[run[0] : run[1]]).strip("\n")
            if text.strip():
                blocks.append(Markdown(rewrite_inline(text, page, run[0]), run[0] + 1))
            run = []

    def add_md(start: int, stop: int) -> None:
        nonlocal run
        if run:
            run[1] = stop
        else:
            run = [start, stop]

    for line, item in items:
        if isinstance(item, CodeSample):
            if pending is not None:
                item.label = pending[0]
                item.line = pending[1] + 1
                if not item.language:  # a fence without an info string: the label names the language
                    item.language = pending[0].lower()
                pending = None
                last = blocks[-1] if blocks else None
                if not run and isinstance(last, CodeGroup) and last.samples[-1].label:
                    last.samples.append(item)
                    continue
            flush()
            blocks.append(CodeGroup([item], item.line))
            continue
        if pending is not None:  # a bold line not followed by a fence is ordinary text
            add_md(pending[1], pending[2])
            pending = None
        if isinstance(item, tuple) and item[0] == "label":
            pending = (item[1], item[2], item[3])
            continue
        if isinstance(item, tuple) and item[0] == "md":
            add_md(item[1], item[2])
            continue
        flush()
        if item is _BREAK:
            continue
        if isinstance(item, tuple) and item[0] == "heading":
            level, raw = item[1], item[2]
            text = rewrite_inline(raw, page, line)
            blocks.append(Heading(level, text, _anchor(text, anchors), line + 1))
        else:
            blocks.append(item)
    if pending is not None:
        add_md(pending[1], pending[2])
    flush()
    return blocks


def _anchor(text: str, seen: dict[str, int]) -> str:
    plain = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", lambda m: m.group(1) or "", text)
    slug = _SLUG_DROP.sub("", plain.lower()).strip().replace(" ", "-")
    count = seen.get(slug, 0)
    seen[slug] = count + 1
    return slug if count == 0 else f"{slug}-{count}"


def normalize_ref(target: str) -> str:
    """`/kafka/4/4/1/index.md#x` -> `kafka/4/4/1#x` (the book prefix is resolved by load_course)."""
    path, _, anchor = target.partition("#")
    path = path.strip().strip("/")
    for suffix in ("/_index.md", "/index.md", "_index.md", "index.md", ".md"):
        if path.endswith(suffix):
            path = path[: -len(suffix)].rstrip("/")
            break
    return f"{path}#{anchor}" if anchor else path


def rewrite_inline(text: str, page: Page, line0: int) -> str:
    """Rewrite inline shortcodes: ref -> `lesson:` links, katex -> `$...$`, unknown -> kept + warning."""
    if "{{" not in text:
        return text
    text = _INLINE_KATEX.sub(lambda m: f"${m.group(1).strip()}$", text)

    def repl(m: re.Match[str]) -> str:
        name = m.group(3)
        if name in ("ref", "relref") and not m.group(2):
            arg = _REF_ARG.match(m.group(4))
            target = next((g for g in arg.groups() if g is not None), "") if arg else ""
            if not target:
                line = line0 + text.count("\n", 0, m.start()) + 1
                page.problems.append(Problem(page.file, line, "a ref shortcode without a target; write "
                                             '`{{< ref "/book/1/2" >}}`', severity="warning"))
                return m.group(0)
            url = LINK_SCHEME + normalize_ref(target)
            if m.string[max(0, m.start() - 2) : m.start()] == "](":
                return url
            return f"[{normalize_ref(target)}]({url})"
        line = line0 + text.count("\n", 0, m.start()) + 1
        if name in KNOWN_BLOCK_SHORTCODES:
            message = f"`{m.group(0)}` must stand on a line of its own to take effect; it is shown as written"
        else:
            message = f"unknown shortcode `{name}`; it is shown as written"
        page.problems.append(Problem(page.file, line, message, severity="warning"))
        return m.group(0)

    return _SHORTCODE.sub(repl, text)


def quiz_id_for(lesson_id: str) -> str:
    return lesson_id.replace("/", "-") if lesson_id else "index"


def natural_key(name: str) -> list[Any]:
    """Sort key where numbers in names compare as numbers (`2` before `10`)."""
    return [int(p) if p.isdigit() else p.lower() for p in _NATURAL.split(name)]
