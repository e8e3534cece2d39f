"""Hugo shortcodes found the way Hugo's page lexer finds them: tags, escapes and their nesting.

Hugo reads shortcodes out of the raw page before any Markdown is parsed, so a shortcode inside a
code fence is still a shortcode, and a fence that is never closed does not hide a later one. The
forms, as Hugo's content documentation gives them:
- `{{< name args >}}` uses the shortcode's output as it is; `{{% name args %}}` has Hugo render the
  output as Markdown. Both forms take the same arguments: quoted `"..."` (backslash escapes), raw
  `` `...` `` or bare words; a tag may span lines.
- `{{< name >}}inner{{< /name >}}` is a paired shortcode; pairs nest, and a closing tag closes the
  nearest open tag of its name (tags left open in between take no inner content).
- `{{< name />}}` is self-closing: no inner content, no closing tag.
- `{{</* name */>}}` is an escape (Hugo's comment form): it is shown literally as `{{< name >}}`
  and never runs, whatever it holds (`*/>}}` ends it).

Which shortcodes take inner content is decided by their templates in Hugo; here the caller names
the ones that never do (`leaf`) and the ones whose missing closing tag makes them run to the end
(`to_end`). Everything else pairs when a closing tag follows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_START = re.compile(r"\{\{[<%]")
_ESCAPE = re.compile(r"\{\{([<%])/\*(.*?)\*/([>%])\}\}", re.S)
_TAG = re.compile(
    r"\{\{(?P<d>[<%])\s*(?P<close>/)?\s*(?P<name>[\w.-]+(?:/[\w.-]+)*)"
    # arguments: quoted strings, raw strings, or any text that is not the tag's end (nor a new tag)
    r"(?P<args>(?:\"(?:[^\"\\]|\\.)*\"|`[^`]*`|[^\"`{}>%/]|/(?!\s*[>%]\}\})|[>%](?!\}\})|\{(?!\{)|\}(?!\}))*?)"
    r"\s*(?P<self>/)?\s*(?P<d2>[>%])\}\}"
)
_PAIR = {"<": ">", "%": "%"}


@dataclass
class Tag:
    """One shortcode tag (or escape) at [start, end) of the page text."""

    start: int
    end: int
    name: str = ""
    args: str = ""
    delim: str = "<"  # "<" for `{{< >}}`, "%" for `{{% %}}`
    closing: bool = False  # `{{< /name >}}`
    self_closing: bool = False  # `{{< name />}}`
    escape: str | None = None  # an escape's literal text (`{{< name >}}`)
    close: Tag | None = None  # the closing tag this one pairs with
    children: list[Tag] = field(default_factory=list)  # tags inside the pair (or up to inner_end)
    unclosed: bool = False  # an opening tag nothing closes
    inner_end: int | None = None  # where the inner content ends (the closing tag's start, or a boundary)
    name_offset: int = 0  # where the name starts, for columns in messages

    @property
    def outer_end(self) -> int:
        """The end of the whole shortcode, its closing tag (or inner content) included."""
        if self.close is not None:
            return self.close.end
        if self.inner_end is not None:
            return self.inner_end
        return self.end

    @property
    def inner(self) -> tuple[int, int] | None:
        """[start, end) of the inner content, or None for a tag without one."""
        if self.close is not None:
            return self.end, self.close.start
        if self.inner_end is not None:
            return self.end, self.inner_end
        return None


def lex(text: str) -> tuple[list[Tag], list[tuple[int, str]]]:
    """Every shortcode tag and escape in `text`, in order, and (offset, message) for malformed ones."""
    tags: list[Tag] = []
    problems: list[tuple[int, str]] = []
    pos = 0
    while True:
        found = _START.search(text, pos)
        if found is None:
            return tags, problems
        k = found.start()
        esc = _ESCAPE.match(text, k)
        if esc is not None:
            tags.append(Tag(k, esc.end(), escape="{{" + esc.group(1) + esc.group(2) + esc.group(3) + "}}"))
            pos = esc.end()
            continue
        m = _TAG.match(text, k)
        if m is None:
            pos = k + 3  # `{{<` that starts no shortcode: ordinary text
            continue
        d, d2 = m.group("d"), m.group("d2")
        if _PAIR[d] != d2:
            problems.append((k, f"`{m.group(0)}` opens with `{{{{{d}` but ends with `{d2}}}}}`; "
                                f"end it with `{_PAIR[d]}}}}}`"))
        tags.append(Tag(k, m.end(), m.group("name"), m.group("args").strip(), d, bool(m.group("close")),
                        bool(m.group("self")), name_offset=m.start("name")))
        pos = m.end()


def nest(tags: list[Tag], text_length: int, *, leaf: frozenset[str], to_end: frozenset[str]) -> list[Tag]:
    """Pair opening and closing tags and return the top-level tags, each holding its children.

    A closing tag that closes nothing stays in the list (its `closing` is set and it has no
    opener); an opening tag without a closing one is `unclosed` and, if its name is in `to_end`,
    takes everything up to the end of its parent (or of the text) as inner content.
    """
    pair: dict[int, int] = {}
    stack: list[int] = []
    for i, tag in enumerate(tags):
        if tag.escape is not None or tag.self_closing or (not tag.closing and tag.name in leaf):
            continue
        if not tag.closing:
            stack.append(i)
            continue
        at = next((j for j in range(len(stack) - 1, -1, -1) if tags[stack[j]].name == tag.name), None)
        if at is None:
            continue  # closes nothing
        pair[stack[at]] = i
        for j in stack[at + 1 :]:
            tags[j].unclosed = True
        del stack[at:]
    for j in stack:
        tags[j].unclosed = True

    def build(lo: int, hi: int, boundary: int) -> list[Tag]:
        out: list[Tag] = []
        i = lo
        while i < hi:
            tag = tags[i]
            if i in pair:
                c = pair[i]
                tag.close = tags[c]
                tag.children = build(i + 1, c, tags[c].start)
                out.append(tag)
                i = c + 1
            elif tag.unclosed and tag.name in to_end:
                tag.inner_end = boundary
                tag.children = build(i + 1, hi, boundary)
                out.append(tag)
                i = hi
            else:
                out.append(tag)
                i += 1
        return out

    return build(0, len(tags), text_length)
