"""Word level, as a learner sees it (issue 24, item 5): the prime is not glued to
the first generated word, and the status says how many words the model knows."""

from __future__ import annotations

from rnnplay.tui.widgets.sample_view import SampleView
from rnnplay.tui.widgets.status import StatusPanel
from tests.tui.app_helpers import make_app, tiny_config, wait_for


def status_text(app) -> str:
    panel = app.query_one(StatusPanel)
    return "\n".join(panel.render_line(y).text for y in range(panel.size.height))


async def test_the_prime_and_the_first_word_are_apart(tmp_path):
    app = make_app(tmp_path, config=tiny_config(level="word"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("p", "t", "h", "e", "space", "l", "o", "v", "e", "enter")
        view = app.query_one(SampleView)
        await wait_for(pilot, lambda: view.token_count > 0)
        assert view.prime == "the love "
        first_row = view.render_line(0).text
        assert first_row.startswith("the love "), first_row


async def test_the_status_shows_the_vocabulary_size_at_80x24(tmp_path):
    app = make_app(tmp_path, config=tiny_config(level="word", hidden=512, embed=256))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        size = len(app.session.trainer.dataset.vocab)
        assert size > 1000
        assert f"{size:,}" in status_text(app), status_text(app)
