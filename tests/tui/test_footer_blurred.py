"""The footer lists the keys in a session that starts "blurred" (issue 24, item 2).

Textual's web driver tells a served app it is blurred until the browser
reports focus; Textual's footer then stayed empty until the page was clicked.
"""

from __future__ import annotations

from textual import events

from rnnplay.tui.widgets.footer import FittingFooter
from tests.tui.app_helpers import make_app, wait_for


async def test_the_footer_lists_keys_while_the_app_is_blurred():
    app = make_app()
    app.call_later(app.post_message, events.AppBlur())  # as the web driver does
    async with app.run_test(size=(142, 31)) as pilot:
        footer = app.query_one(FittingFooter)

        def keys() -> list[str | None]:
            return [getattr(child, "key", None) for child in footer.children]

        # the blur and the footer's keys arrive when the machine gets to them
        await wait_for(pilot, lambda: not app.app_focus and "space" in keys())
        assert "question_mark" in keys()
        await pilot.press("space")  # and the first key works: training starts
        assert app.session.running or app.session.last_step is not None
        app.session.request_stop()
        assert app.session.wait_idle(5.0)
