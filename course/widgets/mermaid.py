"""Mermaid diagrams drawn as text pictures: pure functions, no Textual, no engine.

`render_mermaid(source)` returns the picture as a string:

- `sequenceDiagram`: one vertical lane per participant, each message an arrow between lanes
  (solid `───▶`, dotted `╌╌╌▶`, lost `───x`, async `───)`), self messages as a hook, notes as
  `[ text ]` over their lanes, `loop`/`alt`/`opt`/`par`/... blocks as labelled rules.
- `graph` / `flowchart`: nodes as boxes ranked by distance from the roots; a straight chain
  as arrows between the boxes (left to right for `LR`), anything else as one box row per rank
  with its incoming edges spelled out beneath.
- anything else: the source, under a line saying that the kind is not drawn.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["render_mermaid", "render_sequence", "render_flowchart"]


def render_mermaid(source: str) -> str:
    """Draw a mermaid diagram as text; unknown kinds come back as their source."""
    lines = _clean_lines(source)
    if not lines:
        return ""
    head = lines[0].split()[0]
    if head == "sequenceDiagram":
        return render_sequence(source)
    if head in ("graph", "flowchart"):
        return render_flowchart(source)
    return f"(mermaid {head}: not drawn, shown as source)\n" + "\n".join(lines)


def _clean_lines(source: str) -> list[str]:
    """Non-empty lines without `%%` comments or a `---` front-matter block."""
    out: list[str] = []
    in_front = False
    for raw in source.replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        if line == "---" and not out:
            in_front = not in_front
            continue
        if in_front or not line or line.startswith("%%"):
            continue
        out.append(line)
    return out


def _text(label: str) -> str:
    """A label as plain text: `<br>` becomes a space, quotes and entities are undone."""
    label = re.sub(r"<br\s*/?>", " ", label, flags=re.I).strip()
    if len(label) >= 2 and label[0] == label[-1] == '"':
        label = label[1:-1]
    return label.replace("#quot;", '"').replace("#semi;", ";").replace("&amp;", "&")


# ---------------------------------------------------------------- sequence diagrams

_ARROW = re.compile(
    r"^(?P<src>[^\s\-<>+]+?)\s*(?P<arrow><<-->>|<<->>|-->>|->>|-->|->|--x|-x|--\)|-\))\s*"
    r"[+-]?(?P<dst>[^:\s]+?)\s*:\s*(?P<text>.*)$"
)
_NOTE = re.compile(r"^note\s+(?P<where>left of|right of|over)\s+(?P<who>[^:]+):\s*(?P<text>.*)$", re.I)
_PARTICIPANT = re.compile(r"^(?:create\s+)?(?:participant|actor)\s+(?P<id>\S+?)(?:\s+as\s+(?P<label>.+))?$")
_BLOCK_OPEN = ("loop", "alt", "opt", "par", "critical", "break", "rect")
_BLOCK_MID = ("else", "and", "option")


@dataclass
class _Msg:
    src: str
    dst: str
    arrow: str
    text: str


@dataclass
class _Note:
    lanes: list[str]
    where: str
    text: str


@dataclass
class _Rule:
    label: str  # "" for the closing rule


@dataclass
class _Seq:
    order: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    steps: list[_Msg | _Note | _Rule] = field(default_factory=list)

    def add(self, ident: str, label: str | None = None) -> None:
        if ident not in self.labels:
            self.order.append(ident)
            self.labels[ident] = ident
        if label:
            self.labels[ident] = _text(label)


def _parse_sequence(source: str) -> _Seq:
    seq = _Seq()
    stack: list[str] = []
    number = 0
    autonumber = False
    for line in _clean_lines(source)[1:]:
        word = line.split()[0].lower()
        if m := _PARTICIPANT.match(line):
            seq.add(m["id"], m["label"])
        elif word == "autonumber":
            autonumber = True
        elif word in ("activate", "deactivate", "destroy", "title", "accTitle:", "accDescr:"):
            continue
        elif word == "box":
            stack.append("box")
        elif word in _BLOCK_OPEN:
            stack.append(word)
            if word != "rect":
                seq.steps.append(_Rule(f"{word} {_text(line[len(word):])}".strip()))
        elif word in _BLOCK_MID:
            seq.steps.append(_Rule(f"{word} {_text(line[len(word):])}".strip()))
        elif word == "end":
            kind = stack.pop() if stack else ""
            if kind not in ("box", "rect"):
                seq.steps.append(_Rule(""))
        elif m := _NOTE.match(line):
            lanes = [w.strip() for w in m["who"].split(",") if w.strip()]
            for lane in lanes:
                seq.add(lane)
            seq.steps.append(_Note(lanes, m["where"].lower(), _text(m["text"])))
        elif m := _ARROW.match(line):
            seq.add(m["src"])
            seq.add(m["dst"])
            text = _text(m["text"])
            if autonumber:
                number += 1
                text = f"{number}. {text}"
            seq.steps.append(_Msg(m["src"], m["dst"], m["arrow"], text))
        else:
            seq.steps.append(_Note([], "unknown", line))
    return seq


def _arrow_parts(arrow: str) -> tuple[str, str, str]:
    """(line character, head pointing right, head pointing left)."""
    line = "╌" if arrow.startswith("--") or arrow.startswith("<<--") else "─"
    if arrow.endswith(">>"):
        return line, "▶", "◀"
    if arrow.endswith("x"):
        return line, "x", "x"
    if arrow.endswith(")"):
        return line, ")", "("
    return line, line, line  # -> and -->: a line without a head


def render_sequence(source: str) -> str:
    """Draw a sequenceDiagram: lanes down the page, messages as arrows across them."""
    seq = _parse_sequence(source)
    if not seq.order:
        return "\n".join(_Note([], "unknown", s.text).text for s in seq.steps if isinstance(s, _Note))
    names = [seq.labels[i] for i in seq.order]
    index = {ident: n for n, ident in enumerate(seq.order)}
    count = len(names)

    # Gaps between neighbouring lanes: wide enough for both header boxes and every message.
    gaps = [max((len(names[i]) + 4) // 2 + (len(names[i + 1]) + 4) // 2 + 2, 8) for i in range(count - 1)]
    for step in seq.steps:
        if isinstance(step, _Msg) and step.src != step.dst:
            a, b = sorted((index[step.src], index[step.dst]))
            need = len(step.text) + 4
            have = sum(gaps[a:b])
            if have < need:
                gaps[b - 1] += need - have
    left = max((len(names[0]) + 4) // 2, 2)
    cols = [left]
    for gap in gaps:
        cols.append(cols[-1] + gap)
    self_room = max((len(s.text) + 5 for s in seq.steps if isinstance(s, _Msg) and s.src == s.dst), default=0)
    note_room = max((len(s.text) + 6 for s in seq.steps if isinstance(s, _Note) and s.where != "over"), default=0)
    width = max(cols[-1] + (len(names[-1]) + 4) // 2 + 1, cols[-1] + self_room + 1, cols[-1] + note_room + 1)
    for step in seq.steps:
        if isinstance(step, _Rule):
            width = max(width, len(step.label) + 6)
    base_width = width  # notes over lanes shift left to stay inside it when they can
    for step in seq.steps:
        if isinstance(step, _Note) and step.where == "over":
            width = max(width, len(step.text) + 4)

    def lanes_row() -> list[str]:
        row = [" "] * width
        for c in cols:
            row[c] = "│"
        return row

    def put(row: list[str], start: int, text: str) -> None:
        start = max(start, 0)
        for i, ch in enumerate(text):
            if start + i < len(row):
                row[start + i] = ch
            else:
                row.append(ch)

    out: list[list[str]] = [[" "] * width for _ in range(3)]
    for c, name in zip(cols, names):
        box = len(name) + 4
        start = c - box // 2
        put(out[0], start, "┌" + "─" * (box - 2) + "┐")
        put(out[1], start, "│ " + name + " │")
        put(out[2], start, "└" + "─" * (box - 2) + "┘")
        out[2][c] = "┬"
    out.append(lanes_row())

    for step in seq.steps:
        if isinstance(step, _Rule):
            row = lanes_row()
            label = f" {step.label} " if step.label else ""
            for i in range(width):
                row[i] = "┄" if row[i] == " " else "┼"
            put(row, 1, label)
            out.append(row)
        elif isinstance(step, _Note):
            row = lanes_row()
            text = f"[ {step.text} ]"
            if not step.lanes:
                put(row, 0, text)
            elif step.where == "over":
                lanes = [cols[index[w]] for w in step.lanes]
                middle = (min(lanes) + max(lanes)) // 2
                put(row, max(0, min(middle - len(text) // 2, base_width - len(text))), text)
            elif step.where == "right of":
                put(row, cols[index[step.lanes[0]]] + 2, text)
            else:
                put(row, cols[index[step.lanes[0]]] - 2 - len(text), text)
            out.append(row)
        elif step.src == step.dst:
            line, head_right, head_left = _arrow_parts(step.arrow)
            c = cols[index[step.src]]
            first, second = lanes_row(), lanes_row()
            put(first, c + 1, line * 2 + "┐ " + step.text)
            put(second, c + 1, (head_left if head_left != line else line) + line + "┘")
            out += [first, second]
        else:
            line, head_right, head_left = _arrow_parts(step.arrow)
            a, b = cols[index[step.src]], cols[index[step.dst]]
            lo, hi = sorted((a, b))
            label_row, arrow_row = lanes_row(), lanes_row()
            put(label_row, lo + 1 + (hi - lo - 1 - len(step.text)) // 2, step.text)
            body = [line] * (hi - lo - 1)
            if step.arrow.startswith("<<"):
                body[0], body[-1] = "◀", "▶"
            elif b > a:
                body[-1] = head_right
            else:
                body[0] = head_left
            put(arrow_row, lo + 1, "".join(body))
            out += [label_row, arrow_row]
    out.append(lanes_row())
    return "\n".join("".join(row).rstrip() for row in out)


# ---------------------------------------------------------------- flowcharts

_NODE = re.compile(
    r"^(?P<id>[A-Za-z0-9_.\-]+?)\s*(?:"
    r"\(\((?P<circle>.*?)\)\)|\(\[(?P<stadium>.*?)\]\)|\[\[(?P<sub>.*?)\]\]|\[\((?P<db>.*?)\)\]"
    r"|\{\{(?P<hex>.*?)\}\}|\[(?P<rect>.*?)\]|\((?P<round>.*?)\)|\{(?P<rhombus>.*?)\}|>(?P<flag>.*?)\])?$"
)
_EDGE = re.compile(
    r"\s*(?:--\s*(?P<l1>[^-|>][^>]*?)\s*-->|==\s*(?P<l2>[^=|>][^>]*?)\s*==>|-\.\s*(?P<l3>[^.|>][^>]*?)\s*\.->"
    r"|(?P<op><-->|-->|==>|-\.->|---|-\.-|===|--x|--o|~~~)\s*(?:\|(?P<l4>[^|]*)\|)?)\s*"
)


@dataclass
class _Flow:
    direction: str = "TD"
    labels: dict[str, str] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    edges: list[tuple[str, str, str]] = field(default_factory=list)  # (src, dst, label)

    def node(self, text: str) -> list[str]:
        """Register every node of an `A & B[x]` group; return their ids."""
        ids: list[str] = []
        for part in (p.strip() for p in text.split("&")):
            m = _NODE.match(part)
            if not m:
                ident, label = part, part
            else:
                ident = m["id"]
                label = next((v for k, v in m.groupdict().items() if k != "id" and v is not None), None)
            if ident not in self.labels:
                self.order.append(ident)
                self.labels[ident] = ident
            if label is not None:
                self.labels[ident] = _text(label)
            ids.append(ident)
        return ids


def _parse_flow(source: str) -> _Flow:
    lines = _clean_lines(source)
    words = lines[0].split()
    flow = _Flow(direction=(words[1].upper() if len(words) > 1 else "TD").replace("TB", "TD"))
    for line in lines[1:]:
        word = line.split()[0]
        if word in ("subgraph", "end", "classDef", "class", "style", "linkStyle", "click", "direction"):
            continue
        for statement in line.split(";"):
            parts = _EDGE.split(statement.strip())
            # re.split with 5 groups: node, l1, l2, l3, op, l4, node, ...
            nodes = parts[0::6]
            labels = [next((x for x in (parts[i + 1], parts[i + 2], parts[i + 3], parts[i + 5]) if x), "")
                      for i in range(0, len(parts) - 1, 6)]
            groups = [flow.node(n) for n in nodes if n.strip()]
            for i, label in enumerate(labels):
                if i + 1 < len(groups):
                    for src in groups[i]:
                        for dst in groups[i + 1]:
                            flow.edges.append((src, dst, _text(label)))
    return flow


def _ranks(flow: _Flow) -> dict[str, int]:
    """Longest distance from a root, ignoring edges that close a cycle."""
    children: dict[str, list[str]] = {n: [] for n in flow.order}
    for src, dst, _ in flow.edges:
        children[src].append(dst)
    rank: dict[str, int] = {}
    state: dict[str, int] = {}
    forward: set[tuple[str, str]] = set()

    def visit(node: str) -> None:  # DFS to find the edges that do not close a cycle
        state[node] = 1
        for child in children[node]:
            if state.get(child) == 1:
                continue
            forward.add((node, child))
            if child not in state:
                visit(child)
        state[node] = 2

    for node in flow.order:
        if node not in state:
            visit(node)
    for node in flow.order:
        rank.setdefault(node, 0)
    changed = True
    while changed:
        changed = False
        for src, dst in forward:
            if rank[dst] < rank[src] + 1:
                rank[dst] = rank[src] + 1
                changed = True
    return rank


def _boxes(labels: list[str]) -> list[str]:
    """A row of boxes, three lines high."""
    top, mid, bot = [], [], []
    for label in labels:
        top.append("┌" + "─" * (len(label) + 2) + "┐")
        mid.append("│ " + label + " │")
        bot.append("└" + "─" * (len(label) + 2) + "┘")
    return ["   ".join(top), "   ".join(mid), "   ".join(bot)]


def render_flowchart(source: str) -> str:
    """Draw a graph/flowchart: a chain as connected boxes, anything else rank by rank."""
    flow = _parse_flow(source)
    if not flow.order:
        return ""
    rank = _ranks(flow)
    by_rank: dict[int, list[str]] = {}
    for node in flow.order:
        by_rank.setdefault(rank[node], []).append(node)
    chain = all(len(v) == 1 for v in by_rank.values()) and all(rank[d] == rank[s] + 1 for s, d, _ in flow.edges)
    ordered = [by_rank[r] for r in sorted(by_rank)]
    edge_label = {(s, d): label for s, d, label in flow.edges}

    if chain and flow.direction in ("LR", "RL"):
        nodes = [group[0] for group in ordered]
        if flow.direction == "RL":
            nodes.reverse()
        rows = ["", "", ""]
        for i, node in enumerate(nodes):
            box = _boxes([flow.labels[node]])
            if i:
                pair = (nodes[i - 1], node) if flow.direction == "LR" else (node, nodes[i - 1])
                label = edge_label.get(pair, "")
                link = f"─{label}─▶" if flow.direction == "LR" else f"◀─{label}─"
                rows[0] += " " * len(link)
                rows[1] += link
                rows[2] += " " * len(link)
            rows = [r + b for r, b in zip(rows, box)]
        return "\n".join(r.rstrip() for r in rows)

    out: list[str] = []
    for i, group in enumerate(ordered):
        if i:
            incoming = [(s, d, label) for s, d, label in flow.edges if d in group and rank[s] == rank[d] - 1]
            if len(group) == 1 and len(ordered[i - 1]) == 1 and len(incoming) == 1:
                s, d, label = incoming[0]
                out.append(f"  │ {label}".rstrip())
                out.append("  ▼")
            else:
                for s, d, label in incoming:
                    middle = f"─{label}─" if label else "──"
                    out.append(f"  {flow.labels[s]} {middle}▶ {flow.labels[d]}")
        out.extend(_boxes([flow.labels[n] for n in group]))
    others = [(s, d, label) for s, d, label in flow.edges if rank[d] != rank[s] + 1]
    if others:
        out.append("")
        for s, d, label in others:
            middle = f"─{label}─" if label else "──"
            out.append(f"  ↺ {flow.labels[s]} {middle}▶ {flow.labels[d]}")
    return "\n".join(line.rstrip() for line in out)
