"""Inline Markdown (code, emphasis, links) as Textual Content, for one-line labels."""

from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt
from textual.content import Content

_STYLES = {"strong": "bold", "em": "italic", "s": "strike", "link": "underline"}


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("strikethrough")


def inline_content(text: str) -> Content:
    """`acks=all` in bold, **strong** bold, *em* italic; block syntax is kept as plain text."""
    parts: list[str | tuple[str, str]] = []
    open_styles: list[str] = []
    for block in _parser().parseInline(text.strip()):
        for token in block.children or []:
            style = " ".join(open_styles)
            if token.type == "text":
                parts.append((token.content, style) if style else token.content)
            elif token.type == "code_inline":
                parts.append((token.content, f"bold {style}".strip()))
            elif token.type in ("softbreak", "hardbreak"):
                parts.append(" ")
            elif token.type.endswith("_open"):
                open_styles.append(_STYLES.get(token.type[: -len("_open")], ""))
            elif token.type.endswith("_close") and open_styles:
                open_styles.pop()
            elif token.content:
                parts.append(token.content)
    return Content.assemble(*parts)
