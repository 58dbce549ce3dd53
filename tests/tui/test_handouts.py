"""Handouts and small things of issue 24 (item 11 and "also wanted"), by keys:
w writes the sample, e the curves as CSV, the palette's screenshot never lands in
the current folder, ctrl+c quits."""

from __future__ import annotations

import csv

from rnnplay.tui.widgets.sample_view import SampleView
from tests.tui.app_helpers import make_app, record_notifications, wait_for


async def test_w_writes_the_sample_shown_and_says_where(tmp_path):
    app = make_app(tmp_path)
    notes = record_notifications(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("g")
        view = app.query_one(SampleView)
        await wait_for(pilot, lambda: view.token_count > 0 and not app.samples.active)
        await pilot.press("w")
        files = list((tmp_path / "ckpt" / "exports").glob("sample-step0.txt"))
        assert len(files) == 1
        assert files[0].read_text().rstrip("\n") == (view.prime + view.generated_text).rstrip("\n")
        assert any(str(files[0]) in text for text, _ in notes)


async def test_e_exports_the_curves_as_csv_into_the_run_folder(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(3):
            await pilot.press("n")
            assert app.session.wait_idle(5.0)
            await pilot.pause()
        app.query_one("LossChart").add_eval(100, 3.9)
        await pilot.press("e")
        folder = app.place.folder
        rows = list(csv.reader((folder / "curves-step3.csv").open()))
        assert rows[0] == ["kind", "tokens", "loss_nats"]
        kinds = {row[0] for row in rows[1:]}
        assert kinds == {"train_smoothed", "validation"}


async def test_the_palette_screenshot_without_a_run_goes_under_runs(tmp_path, monkeypatch):
    here = tmp_path / "cwd"
    here.mkdir()
    monkeypatch.chdir(here)
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+p", *"screenshot", "enter")
        await wait_for(pilot, lambda: any((tmp_path / "ckpt" / "exports").glob("*.svg")))
    assert list(here.iterdir()) == []


async def test_ctrl_c_quits(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+c")
        await pilot.pause()
    assert app.return_code == 0


async def test_a_sample_fills_a_large_sample_panel(tmp_path):
    app = make_app(tmp_path, sample_tokens=None)
    async with app.run_test(size=(160, 50)) as pilot:
        view = app.query_one(SampleView)
        assert view.room() > 400
        await pilot.press("g")
        await wait_for(pilot, lambda: view.token_count > 0 and not app.samples.active)
        assert view.token_count > 200  # was always 200 characters
        assert view.token_count >= min(view.room(), 800)
