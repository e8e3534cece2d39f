"""Answer widgets, one per question kind. Each knows the 1-based option numbers as written.

- `SingleAnswer` (RadioSet): one option.
- `MultipleAnswer` (checkboxes): any number of options; nothing says how many are correct.
- `OrderAnswer` (OptionList + move keys and buttons): put the options in order.

All three offer `chosen() -> list[int]` (for order: the numbers in the learner's order),
`freeze()` once the answer is submitted, and `focus_widget` (what takes the keyboard).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, ScrollableContainer, Vertical
from textual.content import Content
from textual.geometry import Region, Size
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Checkbox, OptionList, RadioButton, RadioSet
from textual.widgets.option_list import Option as ListOption

from course.widgets.inline import inline_content
from engine.model import Question


class WrappingLabel:
    """Mixed into a RadioButton or Checkbox: a long label wraps, indented under itself.

    (The toggle buttons are one line high and cut their label at the edge.)
    """

    INDENT = 4  # the button's cells and the space after it

    def _lines(self, width: int) -> list[Content]:
        content = super().render().rstrip()  # type: ignore[misc]
        if width <= self.INDENT * 2 or content.cell_length <= width:
            return [content]
        first, *rest = content.wrap(width)
        words = [line.rstrip() for line in rest]
        tail = Content(" ").join(line[len(line.plain) - len(line.plain.lstrip()):] for line in words if line.plain.strip())
        if not tail:
            return [first]
        return [first, *(Content(" " * self.INDENT) + line for line in tail.wrap(width - self.INDENT))]

    def render(self) -> Content:
        return Content("\n").join(self._lines(self.content_region.width or self.size.width))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._lines(width))


class WrappingRadioButton(WrappingLabel, RadioButton):
    """A radio button with a wrapping label."""


class WrappingCheckbox(WrappingLabel, Checkbox):
    """A checkbox with a wrapping label, knowing the option number it stands for."""

    def __init__(self, label: Content, number: int) -> None:
        super().__init__(label)
        self.number = number


class SingleAnswer(RadioSet):
    def __init__(self, question: Question, order: list[int]) -> None:
        self.numbers = order
        buttons = [WrappingRadioButton(inline_content(question.options[n - 1].text)) for n in order]
        super().__init__(*buttons, classes="answer single")

    @property
    def focus_widget(self) -> Widget:
        return self

    def chosen(self) -> list[int]:
        """Read from the buttons themselves: a key pressed right after space must see the choice.

        The set switches the previous button off only when it handles the toggle's message, so
        for a moment two may be on: the new one is the one that is not `pressed_button`.
        """
        buttons = list(self.query(RadioButton))
        on = [i for i, button in enumerate(buttons) if button.value]
        if len(on) > 1:
            on = [i for i in on if buttons[i] is not self.pressed_button] or on
        return [self.numbers[on[-1]]] if on else []

    def freeze(self) -> None:
        self.disabled = True

    def watch__selected(self) -> None:
        """The highlight moved (up/down): bring that option into view on the screen, for a question
        taller than the screen leaves its last options below the fold (RadioSet scrolls only itself)."""
        super().watch__selected()
        # Only a move by the learner: the first option selected on mount must not scroll the question away.
        if self._selected is not None and self.is_mounted and self.has_focus:
            self.call_after_refresh(self._nodes[self._selected].scroll_visible, animate=False)


class MultipleAnswer(Vertical):
    """One checkbox per option; up/down move between them, space ticks. Nothing tells the count."""

    BINDINGS = [
        Binding("down", "move(1)", "Next option", show=False),
        Binding("up", "move(-1)", "Previous option", show=False),
    ]

    def __init__(self, question: Question, order: list[int]) -> None:
        super().__init__(*[WrappingCheckbox(inline_content(question.options[n - 1].text), n) for n in order],
                         classes="answer multiple")

    @property
    def boxes(self) -> list[WrappingCheckbox]:
        return list(self.query(WrappingCheckbox))

    @property
    def focus_widget(self) -> Widget:
        return self.boxes[0]

    def action_move(self, step: int) -> None:
        boxes = self.boxes
        focused = self.screen.focused
        here = boxes.index(focused) if focused in boxes else -step
        there = max(0, min(len(boxes) - 1, here + step))
        self.screen.set_focus(boxes[there])

    def chosen(self) -> list[int]:
        return sorted(box.number for box in self.boxes if box.value)

    def freeze(self) -> None:
        for box in self.boxes:
            box.disabled = True


class OrderList(OptionList):
    """The options in the learner's current order; shift+up / shift+down move the highlighted one."""

    BINDINGS = [
        Binding("shift+up,ctrl+up,K", "move(-1)", "Move up"),
        Binding("shift+down,ctrl+down,J", "move(1)", "Move down"),
    ]

    class Moved(Message):
        def __init__(self, order_list: "OrderList") -> None:
            super().__init__()
            self.order_list = order_list

        @property
        def control(self) -> "OrderList":
            return self.order_list

    def __init__(self, labels: dict[int, Content], order: list[int]) -> None:
        self.option_labels = labels
        self.sequence = list(order)
        super().__init__(*self._make_options(), id="order-list")

    def _make_options(self) -> list[ListOption]:
        return [ListOption(Content.assemble((f"{pos}. ", "bold"), self.option_labels[n]), id=f"o{n}")
                for pos, n in enumerate(self.sequence, 1)]

    def on_mount(self) -> None:
        self.highlighted = 0

    def watch_highlighted(self, highlighted: int | None) -> None:
        """OptionList scrolls the highlight into view inside itself; the list can be taller than the
        screen's quiz body too, so bring the highlighted option into that view as well."""
        super().watch_highlighted(highlighted)
        if highlighted is not None and self.is_mounted and self.has_focus:  # a move, not the mount
            self.call_after_refresh(self._reveal_highlight)

    def _reveal_highlight(self) -> None:
        body = next((a for a in self.ancestors if isinstance(a, ScrollableContainer)), None)
        highlighted = self.highlighted
        if body is None or highlighted is None or not self.is_mounted:
            return
        try:
            line, height = self._index_to_line[highlighted], self._heights[highlighted]
        except (KeyError, IndexError):
            return
        on_screen = self.content_region.y + line - int(self.scroll_offset.y)
        in_body = on_screen - body.content_region.y + int(body.scroll_offset.y)
        body.scroll_to_region(Region(0, in_body, 1, height), animate=False)

    def action_move(self, step: int) -> None:
        here = self.highlighted
        if here is None or self.disabled:
            return
        there = here + step
        if not 0 <= there < len(self.sequence):
            return
        self.sequence[here], self.sequence[there] = self.sequence[there], self.sequence[here]
        self.set_options(self._make_options())
        self.highlighted = there
        self.post_message(self.Moved(self))


class OrderAnswer(Vertical):
    """The list, and two buttons for the mouse: highlight an item with a click, then move it."""

    def __init__(self, question: Question, order: list[int]) -> None:
        super().__init__(classes="answer order")
        self.option_labels = {n: inline_content(o.text) for n, o in enumerate(question.options, 1)}
        self.initial = order

    def compose(self) -> ComposeResult:
        yield OrderList(self.option_labels, self.initial)
        with Horizontal(classes="order-buttons"):
            yield Button("↑ Move up", id="move-up", compact=True)
            yield Button("↓ Move down", id="move-down", compact=True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id in ("move-up", "move-down"):
            event.stop()
            order_list = self.query_one(OrderList)
            order_list.action_move(-1 if event.button.id == "move-up" else 1)
            order_list.focus()

    def chosen(self) -> list[int]:
        return list(self.query_one(OrderList).sequence)

    def freeze(self) -> None:
        self.query_one(OrderList).disabled = True
        for button in self.query(Button):
            button.disabled = True

    @property
    def focus_widget(self) -> Widget:
        return self.query_one(OrderList)


AnswerWidget = SingleAnswer | MultipleAnswer | OrderAnswer


def answer_widget(question: Question, order: list[int]) -> AnswerWidget:
    """The widget for the question's kind, options shown in `order` (1-based numbers)."""
    if question.kind == "single":
        return SingleAnswer(question, order)
    if question.kind == "multiple":
        return MultipleAnswer(question, order)
    return OrderAnswer(question, order)
