"""The mermaid text pictures: lanes and arrows for sequence diagrams, boxes for flowcharts."""

from course.widgets.mermaid import render_flowchart, render_mermaid, render_sequence

SEQUENCE = """sequenceDiagram
    participant P as Producer
    participant B as Broker
    P->>B: Produce
    B-->>P: ack
"""


def lane_columns(picture: str) -> list[int]:
    """Columns of the lanes, read from the row under the header boxes."""
    return [i for i, ch in enumerate(picture.splitlines()[3]) if ch == "│"]


def test_sequence_has_a_header_box_per_participant_in_order() -> None:
    lines = render_sequence(SEQUENCE).splitlines()
    assert "│ Producer │" in lines[1]
    assert lines[1].index("Producer") < lines[1].index("Broker")
    assert lines[2].count("┬") == 2


def test_sequence_message_is_an_arrow_between_the_two_lanes() -> None:
    picture = render_sequence(SEQUENCE)
    left, right = lane_columns(picture)
    lines = picture.splitlines()
    label, arrow = lines[4], lines[5]
    assert "Produce" in label
    assert left < label.index("Produce") < right
    assert arrow[left] == "│" and arrow[right] == "│"
    assert set(arrow[left + 1 : right - 1]) == {"─"}
    assert arrow[right - 1] == "▶"


def test_sequence_reply_is_dotted_and_points_left() -> None:
    picture = render_sequence(SEQUENCE)
    left, right = lane_columns(picture)
    arrow = picture.splitlines()[7]
    assert arrow[left + 1] == "◀"
    assert set(arrow[left + 2 : right]) == {"╌"}


def test_sequence_lanes_widen_to_fit_long_messages() -> None:
    long = "Produce a batch of fifty records with acks=1"
    picture = render_sequence(f"sequenceDiagram\n A->>B: {long}\n")
    left, right = lane_columns(picture)
    assert right - left > len(long)
    assert long in picture


def test_sequence_lost_message_self_message_note_and_loop() -> None:
    picture = render_sequence(
        """sequenceDiagram
        participant P as Producer
        participant L as Leader
        loop until acked
        P-xL: lost request
        end
        L->>L: crash
        Note over P,L: leader changes
        """
    )
    assert "x│" in picture  # the lost request ends in a cross at the leader's lane
    assert "┄ loop until acked ┄" in picture
    assert "┐ crash" in picture and "◀─┘" in picture
    assert "[ leader changes ]" in picture
    rules = [line for line in picture.splitlines() if line.startswith("┄")]
    assert len(rules) == 2  # the loop's start and its end


def test_sequence_implicit_participants_and_autonumber() -> None:
    picture = render_sequence("sequenceDiagram\nautonumber\nClient->>Server: hello\nServer->>Client: hi\n")
    assert "│ Client │" in picture and "│ Server │" in picture
    assert "1. hello" in picture and "2. hi" in picture


def test_flowchart_chain_top_down() -> None:
    picture = render_flowchart("graph TD\n A[Producer] -->|send| B(Leader)\n B --> C[Follower]\n")
    lines = picture.splitlines()
    assert lines[1] == "│ Producer │"
    assert "│ send" in picture
    assert lines.index("│ Leader │") > lines.index("│ Producer │")
    assert picture.count("▼") == 2


def test_flowchart_left_to_right_chain_is_one_row() -> None:
    picture = render_flowchart("flowchart LR\n A[Produce] --> B[Replicate] -->|HW| C[Consume]\n")
    lines = picture.splitlines()
    assert len(lines) == 3
    assert "│ Produce │──▶│ Replicate │─HW─▶│ Consume │" == lines[1]


def test_flowchart_branches_and_cycles_are_spelled_out() -> None:
    picture = render_flowchart(
        "graph TD\n A[Send] --> B{acks?}\n B -- all --> C[Wait]\n B -->|1| D[Reply]\n D --> A\n"
    )
    assert "acks? ─all─▶ Wait" in picture
    assert "acks? ─1─▶ Reply" in picture
    assert "│ Wait │   │ Reply │" in picture  # the two branches share a rank
    assert "↺ Reply ──▶ Send" in picture


def test_unknown_kinds_come_back_as_source_and_comments_are_dropped() -> None:
    picture = render_mermaid("%% a comment\npie title Pets\n  \"Dogs\": 3\n")
    assert picture.startswith("(mermaid pie: not drawn, shown as source)")
    assert '"Dogs": 3' in picture
    assert "a comment" not in picture


def test_render_mermaid_dispatches_and_empty_is_empty() -> None:
    assert render_mermaid(SEQUENCE) == render_sequence(SEQUENCE)
    assert render_mermaid("  \n") == ""


def test_note_over_the_last_lane_shifts_left_to_stay_inside_the_picture() -> None:
    picture = render_sequence(
        "sequenceDiagram\n participant P as Producer\n participant L as Leader\n participant C as Consumer\n"
        " P->>L: produce\n L->>C: fetch\n Note over C: process, then commit\n"
    )
    lines = picture.splitlines()
    note = next(line for line in lines if "[ process, then commit ]" in line)
    assert len(note) <= len(lines[1]) + 1  # as wide as the header row, give or take the last cell
    assert note.rstrip().endswith("]")
