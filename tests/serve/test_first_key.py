"""The served page takes keys at once (issue 24, item 2).

A student opens the page and presses space: training must start without a
click first, the footer must list the keys, and the page must say where the
keys go. Keys are sent to whatever the browser has focused (no element is
clicked or picked first), as a real keyboard does.
"""

from __future__ import annotations

from pathlib import Path

from tests.serve.browser import open_page, save_screenshot, status_number, wait_for_screen
from tests.serve.harness import ServedClassroom


def _ready(text: str) -> bool:
    return "Status" in text and status_number(text, "step") is not None


def type_keys(driver, keys: str) -> None:
    """Keystrokes to the focused element, as a keyboard sends them (no click)."""
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(driver).send_keys(keys).perform()


def test_space_trains_before_any_click(browser, artifacts: Path, tmp_path: Path) -> None:
    with ServedClassroom(tmp_path / "runs", max_sessions=1) as classroom:
        open_page(browser, classroom.url)
        text = wait_for_screen(browser, _ready)
        assert _ready(text), text
        focused = browser.execute_script(
            "return document.activeElement && document.activeElement.className"
        )
        assert "xterm-helper-textarea" in (focused or ""), focused
        text = wait_for_screen(browser, lambda t: "space Train" in t, timeout=10)
        assert "space Train" in text, text  # the footer lists the keys before any click
        type_keys(browser, " ")
        text = wait_for_screen(browser, lambda t: (status_number(t, "step") or 0) > 0)
        assert (status_number(text, "step") or 0) > 0, text
        save_screenshot(browser, artifacts / "serve-first-key.png")


def test_the_page_says_where_keys_go(browser, tmp_path: Path) -> None:
    """Focus taken away (another window, a click outside): the page says to click
    the terminal; focus back: the notice goes."""
    with ServedClassroom(tmp_path / "runs", max_sessions=1) as classroom:
        open_page(browser, classroom.url)
        assert _ready(wait_for_screen(browser, _ready))
        notice = browser.find_element("id", "keyboard")
        assert notice.get_attribute("data-state") == "here"
        assert "keys go to the playground" in notice.get_attribute("textContent")
        browser.execute_script("document.activeElement.blur()")
        assert notice.get_attribute("data-state") == "away"
        assert "click here" in notice.text  # shown over the page
        notice.click()
        type_keys(browser, " ")
        text = wait_for_screen(browser, lambda t: (status_number(t, "step") or 0) > 0)
        assert (status_number(text, "step") or 0) > 0, text


def test_the_teacher_sees_students_join_and_leave(browser, tmp_path: Path) -> None:
    """'1 session at most' (not '1 sessions'); a line when a student joins or leaves."""
    import signal

    from tests.serve.harness import wait_until

    with ServedClassroom(tmp_path / "runs", max_sessions=1) as classroom:
        assert "(1 session at most," in classroom.banner
        open_page(browser, classroom.url)
        assert _ready(wait_for_screen(browser, _ready))
        browser.get("about:blank")  # the student leaves
        wait_until(lambda: not classroom.sessions(), 20)
        assert classroom.stop(signal.SIGINT) == 130
        output = classroom.output()
    assert "joined (1 of 1 seats taken)" in output
    assert "left (0 of 1 seats taken)" in output
