"""A prime the model cannot read never leaves the learner without samples (issue 24, item 3).

The learner types a prime with characters the sonnets never had; the note
beside the field names them, and samples go on from the rest (or from a line
start when nothing is left), by key and while training samples by itself.
"""

from __future__ import annotations

from rnnplay.tui.widgets.prime_note import PrimeNote
from rnnplay.tui.widgets.sample_view import SampleView
from tests.tui.app_helpers import make_app, record_notifications, wait_for

SIZE = (120, 40)
KEY_NAMES = {" ": "space", "@": "at"}


async def type_prime(pilot, text: str) -> None:
    await pilot.press("p")
    for char in text:
        await pilot.press(KEY_NAMES.get(char, char))
    await pilot.pause()
    assert pilot.app.query_one("#prime").value.endswith(text)


async def test_unknown_characters_are_named_on_the_field_and_sampling_goes_on(tmp_path):
    app = make_app(tmp_path)
    errors = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await type_prime(pilot, "Th@ love")
        note = app.query_one(PrimeNote)
        assert "@" in note.text and "unknown: left out" in note.text
        assert note.display
        await pilot.press("enter")
        view = app.query_one(SampleView)
        await wait_for(pilot, lambda: view.token_count > 0)
        assert view.prime == "Th love"
        assert not [e for e in errors if e[1] == "error"]
        await pilot.press("g")  # g samples again, as often as asked
        await wait_for(pilot, lambda: not app.samples.active and view.token_count > 0)


async def test_a_prime_of_nothing_readable_samples_from_a_line_start(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await type_prime(pilot, "@@")
        assert "unknown: from a line start" in app.query_one(PrimeNote).text
        await pilot.press("enter")
        view = app.query_one(SampleView)
        await wait_for(pilot, lambda: view.token_count > 0)
        assert view.prime == ""


async def test_the_note_goes_when_the_prime_is_readable_again(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await type_prime(pilot, "a@")
        assert app.query_one(PrimeNote).display
        await pilot.press("backspace")
        assert not app.query_one(PrimeNote).display
        assert app.query_one(PrimeNote).text == ""
