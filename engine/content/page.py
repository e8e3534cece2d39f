"""Section Markdown: one page -> front matter, lesson blocks and its quiz, read as Hugo reads it.

Hugo first reads the front matter (engine.content.frontmatter: YAML `---`, TOML `+++` or JSON `{}`),
then finds the shortcodes in the raw text (engine.content.shortcodes), before any Markdown is
parsed: a shortcode inside a code fence still runs, an escaped one `{{</* x */>}}` is shown as
`{{< x >}}`, and pairs nest. The reader does the same, then parses the Markdown (markdown-it-py)
with each shortcode replaced by what it stands for:
- `{{< quizdown >}}` ... `{{< /quizdown >}}` is cut out and parsed by engine.content.quizdown into
  the lesson's quiz (shortcodes inside it are rendered first, as Hugo renders a shortcode's inner
  content);
- `{{< ref "/kafka/4/4/1" >}}` -> the URL `lesson:4/4/1` (so `[x]({{< ref "/kafka/4/4/1" >}})`
  becomes `[x](lesson:4/4/1)`, and a bare ref becomes `[4/4/1](lesson:4/4/1)`; a `#anchor` is kept:
  `lesson:4/4/1#anchor`). The app resolves `lesson:<id>` links with `Course.lesson(id)`;
- KaTeX (math kept as text): `{{< katex />}}` only switches math on for the page (`Page.math`);
  `{{< katex >}}x{{< /katex >}}` within a line -> `$x$`; a pair on lines of their own -> a `$$`
  block;
- a shortcode the reader does not know is kept visible, with a warning: on a line of its own as a
  `Shortcode` block, within text as written. The inner content of a pair is read as Markdown (with
  `{{% %}}` Hugo renders it as Markdown; with `{{< >}}` themes commonly do the same).
The Markdown becomes blocks:
- `Heading` for every heading, with a GitHub-style anchor;
- `CodeGroup` for fenced code; a bold label line (`**Java**`) right before a fence labels it, and
  consecutive labelled fences form one group (one example in several languages);
- `Diagram` for `mermaid` fences;
- `Markdown` for everything else.

Reading never raises on bad content: problems (file, line, column) are collected on the page.
Mojibake, CRLF, a BOM, bad bytes, a shortcode left open or closing nothing and a code fence that is
never closed are reported.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from engine.model import Block, CodeGroup, CodeSample, Diagram, Heading, Markdown, Quiz, Shortcode
from engine.problems import Problem
from engine.content.frontmatter import read_front_matter
from engine.content.quizdown import parse_quizdown
from engine.content.shortcodes import Tag, lex, nest

LINK_SCHEME = "lesson:"

_REF_ARG = re.compile(r"""^\s*(?:"([^"]*)"|'([^']*)'|`([^`]*)`|(\S+))""")
_LABEL = re.compile(r"^\*\*([^*\n]{1,40}?)\*\*:?$")
# UTF-8 read as Latin-1 / cp1252: a lead byte (Ã, Â, â€) followed by what was a continuation byte.
_MOJIBAKE = re.compile(r"(?:Ã[\x80-\xbf¡-¿]|Â[\x80-\xbf¡-¿]|â€[\x80-\xbf™œ\x9d˜“”¢¦¡])")
_SLUG_DROP = re.compile(r"[^\w\- ]")
_NATURAL = re.compile(r"(\d+)")

KNOWN_BLOCK_SHORTCODES = ("quizdown", "katex")
LINK_SHORTCODES = frozenset({"ref", "relref"})  # never take inner content
_BREAK = ("break",)  # an item that ends the current Markdown run (where lines were cut out)

_md: MarkdownIt | None = None


def _parser() -> MarkdownIt:
    global _md
    if _md is None:
        # Block structure only (core `inline` rule off): lessons keep inline Markdown as text.
        _md = MarkdownIt("commonmark").enable("table").disable("inline")
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
    quiz_span: tuple[int, int] | None = None  # the same as offsets in `text`
    problems: list[Problem] = field(default_factory=list)
    front_matter_ok: bool = True
    front_matter_format: str = ""  # "yaml", "toml", "json" or "" (none)
    math: bool = False  # the page uses KaTeX (`{{< katex />}}` or a katex shortcode)

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
        """The page with its quizdown block (shortcodes included) removed."""
        if self.quiz_span is None or self.quiz_lines is None:
            return self.text
        a, b = self.quiz_span
        line_start = self.text.rfind("\n", 0, a) + 1
        line_end = self.text.find("\n", b)
        line_end = len(self.text) if line_end < 0 else line_end
        if self.text[line_start:a].strip() or self.text[b:line_end].strip():
            return self.text[:a] + self.text[b:]  # a quiz within a line: cut just the shortcode
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
    fm = read_front_matter(lines, file)
    page.front_matter, page.front_matter_ok, page.front_matter_format = fm.data, fm.ok, fm.format
    page.problems.extend(fm.problems)
    _check_nav_weight(page)
    # Blank the front matter instead of cutting it, so offsets and line numbers stay those of the page.
    body = "\n" * fm.lines + "\n".join(lines[fm.lines :])
    shift = sum(len(s) + 1 for s in lines[: fm.lines]) - fm.lines  # body offset + shift = text offset
    rendered, specials = _Renderer(page, body, lesson_id, shift).render_page()
    r_lines = rendered.split("\n")
    tokens = _parser().parse(rendered)
    items: list[tuple[int, Any]] = list(specials)  # (line, Block or ("md", start, end) or ("label", ...))
    _collect(tokens, r_lines, page, items)
    items.sort(key=lambda it: it[0])
    page.blocks = _assemble(items, r_lines, page)


def _check_nav_weight(page: Page) -> None:
    w = page.front_matter.get("nav_weight")
    if w is not None and (not isinstance(w, int) or isinstance(w, bool)):
        page.problems.append(Problem(page.file, 2, f"nav_weight must be a whole number, not {w!r}",
                                     severity="warning"))


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




# ---------------------------------------------------------------- shortcodes


class _Renderer:
    """Replaces each shortcode of a page's text by what it stands for, keeping every line break.

    Lines stay where they are (a shortcode that is cut out leaves its line breaks), so Markdown
    tokens, quiz questions and problems keep the page's line numbers. Block-level results
    (a `$$` block, an unknown shortcode on its own line, the end of the quiz) are returned as
    specials keyed by line, as _collect keys Markdown tokens.
    """

    def __init__(self, page: Page, body: str, lesson_id: str, shift: int = 0) -> None:
        self.page = page
        self.body = body
        self.shift = shift  # the body is the page with its front matter blanked: offsets differ by this
        self.lesson_id = lesson_id
        self.newlines = [m.start() for m in re.finditer("\n", body)]
        self.specials: list[tuple[int, Any]] = []

    def render_page(self) -> tuple[str, list[tuple[int, Any]]]:
        if "{{" not in self.body:
            return self.body, []
        tags, malformed = lex(self.body)
        for offset, message in malformed:
            self._warn(offset, message)
        roots = nest(tags, len(self.body), leaf=LINK_SHORTCODES, to_end=frozenset({"quizdown"}))
        return self._render(roots, 0, len(self.body), top=True), self.specials

    # --- positions
    def line(self, offset: int) -> int:
        """0-based line of an offset."""
        return bisect.bisect_left(self.newlines, offset)

    def column(self, offset: int) -> int:
        line = self.line(offset)
        return offset - (self.newlines[line - 1] + 1 if line else 0) + 1

    def own_line(self, start: int, end: int) -> bool:
        """Whether [start, end) is alone on its line(s), spaces aside."""
        line_start = self.body.rfind("\n", 0, start) + 1
        line_end = self.body.find("\n", end)
        line_end = len(self.body) if line_end < 0 else line_end
        return not self.body[line_start:start].strip() and not self.body[end:line_end].strip()

    def blank(self, start: int, end: int) -> str:
        """What replaces a cut-out span: its line breaks only."""
        return "\n" * self.body.count("\n", start, end)

    def _warn(self, offset: int, message: str, column: int | None = None) -> None:
        self.page.problems.append(Problem(self.page.file, self.line(offset) + 1, message,
                                          column if column is not None else self.column(offset), "warning"))

    # --- rendering
    def _render(self, nodes: list[Tag], lo: int, hi: int, *, top: bool) -> str:
        out: list[str] = []
        pos = lo
        for tag in nodes:
            out.append(self.body[pos : tag.start])
            replacement = self._tag(tag, top)
            # a tag written over several lines (arguments on their own lines) keeps its line breaks
            missing = self.body.count("\n", tag.start, tag.outer_end) - replacement.count("\n")
            out.append(replacement + "\n" * missing if missing > 0 else replacement)
            pos = min(tag.outer_end, hi)
        out.append(self.body[pos:hi])
        return "".join(out)

    def _tag(self, tag: Tag, top: bool) -> str:
        if tag.escape is not None:
            return tag.escape
        written = self.body[tag.start : tag.end]
        if tag.closing:  # a closing tag that closes nothing
            if tag.name in KNOWN_BLOCK_SHORTCODES:
                self._warn(tag.start, f"`{written}` closes nothing; remove it or add "
                                      f"`{{{{< {tag.name} >}}}}` before the block", 0)
                if top and self.own_line(tag.start, tag.end):
                    self.specials.append((self.line(tag.start), _BREAK))
                    return self.blank(tag.start, tag.end)
                return written
            return self._unknown(tag, top, warn=False)
        if tag.name in LINK_SHORTCODES:
            return self._ref(tag, written)
        if tag.name == "katex":
            return self._katex(tag, top, written)
        if tag.name == "quizdown":
            return self._quizdown(tag, top, written)
        opening = self._unknown(tag, top, warn=True)
        if tag.close is None:
            return opening
        inner = self._render(tag.children, tag.end, tag.close.start, top=top)
        return opening + inner + self._unknown(tag.close, top, warn=False)

    def _unknown(self, tag: Tag, top: bool, *, warn: bool) -> str:
        written = self.body[tag.start : tag.end]
        if warn:
            self._warn(tag.start, f"unknown shortcode `{tag.name}`; it is shown as written",
                       self.column(tag.name_offset))
        if top and self.own_line(tag.start, tag.end):
            line = self.line(tag.start)
            self.specials.append((line, Shortcode(tag.name, written.strip(), line + 1)))
            return self.blank(tag.start, tag.end)
        return written

    def _ref(self, tag: Tag, written: str) -> str:
        arg = _REF_ARG.match(tag.args)
        target = next((g for g in arg.groups() if g is not None), "") if arg else ""
        if not target:
            self._warn(tag.start, 'a ref shortcode without a target; write `{{< ref "/book/1/2" >}}`', 0)
            return written
        url = LINK_SCHEME + normalize_ref(target)
        if self.body[max(0, tag.start - 2) : tag.start] == "](":
            return url
        return f"[{normalize_ref(target)}]({url})"

    def _katex(self, tag: Tag, top: bool, written: str) -> str:
        if tag.self_closing:  # a page-level switch: math is rendered on this page
            self.page.math = True
            return self.blank(tag.start, tag.end)
        if tag.close is None:
            self._warn(tag.start, f"`{written}` is never closed; add `{{{{< /katex >}}}}` after the math, or write "
                                  "`{{< katex />}}` to turn math on for the page", 0)
            return self.blank(tag.start, tag.end)
        self.page.math = True
        math = self.body[tag.end : tag.close.start]
        block = self.own_line(tag.start, tag.end) and self.own_line(tag.close.start, tag.close.end)
        if block and top:
            line = self.line(tag.start)
            self.specials.append((line, Markdown(f"$$\n{math.strip()}\n$$", line + 1)))
            return self.blank(tag.start, tag.close.end)
        if block:  # inside a quiz: the same block, as text, on the same lines
            return f"$${math}$$"
        fence = "$$" if "display" in tag.args.split() or "display=true" in tag.args else "$"
        return f"{fence}{math.strip() if chr(10) not in math else math}{fence}"

    def _quizdown(self, tag: Tag, top: bool, written: str) -> str:
        end = tag.outer_end
        inner = tag.inner
        if inner is None:  # `{{< quizdown />}}`
            self._warn(tag.start, "a quizdown shortcode without questions; put them between "
                                  "`{{< quizdown >}}` and `{{< /quizdown >}}`", 0)
            return self.blank(tag.start, tag.end)
        if top:
            self.specials.append((self.line(end), _BREAK))  # text before and after the quiz are separate blocks
        if tag.close is None:
            self._warn(tag.start, f"`{written}` is never closed; add `{{{{< /quizdown >}}}}` where the block ends "
                                  "(read to the end of the page)", 0)
        if self.page.quiz is not None or not top:
            self.page.problems.append(Problem(self.page.file, self.line(tag.start) + 1, "a second quizdown block; "
                                              "a page has one quiz, merge its questions into the first block"))
            return self.blank(tag.start, end)
        text = self._render(tag.children, inner[0], inner[1], top=False)
        self.page.quiz, problems = parse_quizdown(text, file=self.page.file, line_offset=self.line(inner[0]),
                                                  quiz_id=quiz_id_for(self.lesson_id))
        self.page.problems.extend(problems)
        close_line = self.line(end) + 1 if tag.close is not None else len(self.newlines) + 1
        self.page.quiz_lines = (self.line(tag.start), close_line)
        self.page.quiz_span = (tag.start + self.shift, end + self.shift)
        return self.blank(tag.start, end)


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
        if tok.type == "heading_open":
            items.append((start, ("heading", int(tok.tag[1]), tokens[i + 1].content.strip())))
        elif tok.type == "fence":
            _check_fence_closed(tok, lines, page)
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


def _check_fence_closed(tok: Token, lines: list[str], page: Page) -> None:
    """A fence without its closing line runs to the end of the page (CommonMark): say so."""
    if not tok.map:
        return
    start, stop = tok.map
    last = lines[stop - 1].strip() if stop - 1 < len(lines) else ""
    marker = tok.markup[:1]
    closed = stop - 1 > start and last.startswith(tok.markup) and not last.strip(marker)
    if not closed:
        page.problems.append(Problem(page.file, start + 1, f"this code block is never closed, so everything after "
                                     f"it shows as code; add a `{tok.markup}` line where the code ends",
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
                blocks.append(Markdown(text, run[0] + 1))
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
            blocks.append(Heading(level, raw, _anchor(raw, anchors), line + 1))
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




def quiz_id_for(lesson_id: str) -> str:
    return lesson_id.replace("/", "-") if lesson_id else "index"


def natural_key(name: str) -> list[Any]:
    """Sort key where numbers in names compare as numbers (`2` before `10`)."""
    return [int(p) if p.isdigit() else p.lower() for p in _NATURAL.split(name)]
