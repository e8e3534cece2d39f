"""The run picture draws only the rows in view, keeps the newest in view, and redraws a row
whose count changed (course.widgets.run_picture.PictureBody, a Line API widget)."""

from __future__ import annotations

from textual.app import App, ComposeResult

import course.widgets.run_picture as run_picture
from course.widgets.run_picture import PictureBody, PictureModel, Row, RunPicture
from tests.app.apphelpers import run_async, wait_for


class PictureApp(App):
    def compose(self) -> ComposeResult:
        yield RunPicture(id="picture")


def screen_text(app: App) -> str:
    """What the screen shows, as plain text lines."""
    update = app.screen._compositor.render_update(full=True)  # noqa: SLF001
    return "\n".join("".join(strip.text for strip in line) for line in update.strips)


def long_model(rows: int) -> PictureModel:
    model = PictureModel.for_brokers(3)
    for i in range(rows):
        model._add(Row("arrow", f"Produce {i}", src="producer", dst="broker 1", tone="accent"))  # noqa: SLF001
        model.note(f"phase {i} ends", significant=True)
    return model


@run_async
async def test_a_long_run_draws_only_the_rows_in_view_and_follows_the_newest(monkeypatch) -> None:
    drawn: list[str] = []
    draw_row = run_picture.draw_row

    def counting(row, lanes, width, tones):
        drawn.append(row.text())
        return draw_row(row, lanes, width, tones)

    monkeypatch.setattr(run_picture, "draw_row", counting)
    app = PictureApp()
    async with app.run_test(size=(100, 20)) as pilot:
        picture = app.query_one(RunPicture)
        model = long_model(400)  # 800 rows, 19 of them in view
        picture.show(model)
        body = app.query_one(PictureBody)
        await wait_for(pilot, lambda: body.scroll_y > 0 and "phase 399 ends" in screen_text(app),
                       "the newest row in view")
        assert body.virtual_size.height == 800
        assert "Produce 0 " not in screen_text(app)
        # Only what was in view was drawn (a few frames' worth), not the run's 800 rows.
        assert 0 < len(drawn) < 200, len(drawn)
        assert "Produce 0" not in drawn

        # A row whose count grows is drawn again; rows that did not change come from the cache.
        drawn.clear()
        model.rows[-2].count = 5
        model.version += 1
        picture.refresh_picture()
        await wait_for(pilot, lambda: "Produce 399 ×5" in screen_text(app), "the row's new count")
        assert drawn.count("Produce 399 ×5") >= 1
        assert "phase 398 ends" not in drawn


@run_async
async def test_an_empty_picture_says_how_to_start_and_scrolled_up_stays_put() -> None:
    app = PictureApp()
    async with app.run_test(size=(100, 20)) as pilot:
        picture = app.query_one(RunPicture)
        await wait_for(pilot, lambda: "Press Run (ctrl+r)" in screen_text(app), "the empty picture's hint")
        model = long_model(100)
        picture.show(model)
        body = app.query_one(PictureBody)
        await wait_for(pilot, lambda: body.scroll_y > 0 and body.scroll_y >= body.max_scroll_y - 1
                       and body.allow_vertical_scroll, "the end, with its scrollbar laid out")
        body.scroll_to(y=0, animate=False, immediate=True)
        await wait_for(pilot, lambda: body.scroll_y == 0, "the learner's scroll to the top")
        model.note("a fault strikes", significant=True)
        picture.refresh_picture()
        await pilot.pause()
        await pilot.pause()
        assert body.scroll_y == 0  # the learner scrolled up to read: the picture does not jump away
        assert "Produce 0 " in screen_text(app)


@run_async
async def test_a_long_note_takes_several_lines_and_the_rows_below_follow() -> None:
    app = PictureApp()
    async with app.run_test(size=(60, 20)) as pilot:
        picture = app.query_one(RunPicture)
        model = PictureModel.for_brokers(3)
        model.note("✓ nothing lost, nothing duplicated, and every one of the records the example sent "
                   "was acknowledged by the leader and read back", "success")
        model._add(Row("arrow", "Produce after", src="producer", dst="broker 1"))  # noqa: SLF001
        picture.show(model)
        body = app.query_one(PictureBody)
        await wait_for(pilot, lambda: "Produce after" in screen_text(app), "the row below the note")
        assert body.virtual_size.height == 1 + len([line for line in screen_text(app).splitlines()
                                                    if "nothing lost" in line or "acknowledged" in line
                                                    or "read back" in line])
        assert "read back" in screen_text(app)  # the verdict is never cut short
