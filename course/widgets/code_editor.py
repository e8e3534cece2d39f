"""The run panel's code editor: Textual's TextArea with each language's highlight query compiled once.

TextArea highlights with tree-sitter: for every document it sets up it reads the language's
highlight query (a .scm file) and compiles it, about 25 ms of CPU, far more than parsing an
example. And it sets up a document twice when it is made (once for its text, once more when its
`language` is assigned), and twice for each example the panel loads (the language, then the text).
A compiled query does not depend on the document, so `CodeEditor` keeps one per language for the
whole app: the first example of a language pays for it, every later one only parses.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual.binding import Binding
from textual.document._document_navigator import DocumentNavigator
from textual.document._syntax_aware_document import SyntaxAwareDocument, SyntaxAwareDocumentError
from textual.document._wrapped_document import WrappedDocument
from textual.widgets import TextArea


class CodeEditor(TextArea):
    """A TextArea (`CodeEditor.code_editor(...)`, as for Textual's) that reuses compiled highlight queries.

    Only Textual's built-in languages are cached; a language registered on the widget
    (`register_language`) takes Textual's own path. The document setup below is TextArea's
    (Textual 8.2, pinned in pyproject.toml) with the query taken from the cache; tests compare the
    highlights with a plain TextArea's.
    """

    # language name -> (tree-sitter Language, compiled highlight Query), shared by every editor
    queries: ClassVar[dict[str, tuple[Any, Any]]] = {}

    # Tab indents here, as in any code editor; escape is the way on to the faults and the results.
    # TextArea's own key handler moves the focus on escape; the binding names it in the footer
    # (where the screen's escape, back to the outline, would otherwise be shown) and in `?`.
    BINDINGS = [Binding("escape", "leave", "Leave the editor")]

    def action_leave(self) -> None:
        self.screen.focus_next()

    def _set_document(self, text: str, language: str | None) -> None:
        cached = CodeEditor.queries.get(language) if language and language not in self._languages else None
        if cached is None:
            super()._set_document(text, language)
            document = self.document
            if (language and language not in self._languages and isinstance(document, SyntaxAwareDocument)
                    and self._highlight_query is not None):
                CodeEditor.queries[language] = (document.language, self._highlight_query)
            return
        document_language, query = cached
        try:
            document = SyntaxAwareDocument(text, document_language)
        except SyntaxAwareDocumentError:
            super()._set_document(text, language)  # (Textual falls back to plain text, with a warning)
            return
        self._highlight_query = query
        self.document = document
        self.wrapped_document = WrappedDocument(document, tab_width=self.indent_width)
        self.navigator = DocumentNavigator(self.wrapped_document)
        self._build_highlight_map()
        self.move_cursor((0, 0))
        self._rewrap_and_refresh_virtual_size()
