"""Where the keys go is clear, and typed text starts nothing (issue 24, item 6).

At 80x24 the first tab used to focus the tab strip, which looks like nothing;
text typed then ran commands (m opened Compare, space trained into a fresh
run folder). Now tab goes to the prime (its tab shown), and letters typed
with no field focused run no command.
"""

from __future__ import annotations

from textual.widgets import Input

from rnnplay.tui.screens.compare import CompareScreen
from tests.tui.app_helpers import make_app, record_notifications


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_first_tab_at_80x24_goes_to_the_prime_on_its_tab(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("tab")
        assert isinstance(app.focused, Input) and app.focused.id == "prime"
        assert app._tab == "sample"
        await pilot.press("h", "i")
        assert app.focused.value == "hi"


async def test_text_typed_with_no_field_focused_starts_nothing(tmp_path):
    app = make_app(tmp_path)
    seen = record_notifications(app)
    async with app.run_test(size=(80, 24)) as pilot:
        app.typing.clock = FakeClock()
        await pilot.press(*"hello", "space", *"warm", "space", *"summers")
        await pilot.pause()
        assert not app.session.running and app.session.trainer.step_count == 0
        assert not isinstance(app.screen, CompareScreen)
        assert not (tmp_path / "ckpt").exists() or not any((tmp_path / "ckpt").iterdir())
        assert any("press p (or tab) to type the prime" in text for text, _ in seen)


async def test_keys_pressed_one_by_one_still_work(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        clock = FakeClock()
        app.typing.clock = clock
        await pilot.press("h")  # a stray letter
        clock.now += 2.0  # a moment later: a command, on purpose
        await pilot.press("n")
        assert app.session.wait_idle(5.0)
        await pilot.pause()
        assert app.session.trainer.step_count == 1
        await pilot.press("n", "n")  # a command repeated is no typing
        assert app.session.wait_idle(5.0)
        await pilot.pause()
        assert app.session.trainer.step_count >= 2


async def test_the_focused_field_is_lit(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        prime = app.query_one("#prime", Input)
        before = prime.styles.background
        await pilot.press("tab")
        await pilot.pause()
        assert app.focused is prime
        assert prime.styles.background != before


async def test_q_quits_even_right_after_stray_text(tmp_path):
    """The monkey (seed 10005 at 20x5) typed letters and then q: the guard took q for
    text and the app did not quit. Quitting is never text."""
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        app.typing.clock = FakeClock()  # every key at the same instant: typing speed
        await pilot.press(*"hello", "q")
        await pilot.pause()
        assert not app.is_running


async def test_at_80x24_tab_reaches_every_control_on_the_controls_tab(tmp_path):
    """At 80x24 one tab shows at a time: on the Controls tab, Tab must walk its fields
    (it used to jump to the prime on the Sample tab, leaving the controls unreachable),
    and after a change, on to "apply & reset"."""
    from textual.widgets import Button

    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4", "tab")
        assert app._tab == "controls" and app.focused is not None
        assert app.focused.id == "corpus"
        reached = set()
        while app.focused.id != "hidden":
            reached.add(app.focused.id)
            await pilot.press("tab")
        assert {"corpus", "level", "cell", "layers", "embed"} <= reached
        app.focused.value = ""
        await pilot.press("4", "8")
        for _ in range(12):
            await pilot.press("tab")
            if isinstance(app.focused, Button):
                break
        assert isinstance(app.focused, Button)  # apply & reset, enabled by the change
        assert app._tab == "controls"


async def test_typed_text_gives_one_notice_not_one_a_key(tmp_path):
    app = make_app(tmp_path)
    seen = record_notifications(app)
    async with app.run_test(size=(80, 24)) as pilot:
        app.typing.clock = FakeClock()
        await pilot.press(*"hello world")
        await pilot.pause()
        notices = [text for text, _ in seen if "press p (or tab)" in text]
        assert len(notices) == 1
