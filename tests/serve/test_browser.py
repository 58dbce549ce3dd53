"""The classroom in a real browser: headless Chromium drives ``rnnplay serve``."""

from __future__ import annotations

import signal
from pathlib import Path

from tests.serve.browser import (
    open_page,
    press,
    save_screenshot,
    screen_text,
    status_number,
    wait_for_screen,
)
from tests.serve.harness import ServedClassroom, alive, wait_until


def _has_status(text: str) -> bool:
    return "Status" in text and status_number(text, "step") is not None


def test_a_class_of_two_in_the_browser(browser, artifacts: Path, tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    with ServedClassroom(runs, max_sessions=2) as classroom:
        # The first student's page loads and shows the playground, paused.
        first_tab = open_page(browser, classroom.url)
        text = wait_for_screen(browser, _has_status)
        assert _has_status(text), text
        assert status_number(text, "step") == 0
        assert "paused" in text
        assert wait_until(lambda: len(classroom.sessions()) == 1, 5)
        (first_pid,) = classroom.sessions()

        # Space starts training: the step count rises.
        press(browser, " ")
        text = wait_for_screen(browser, lambda t: (status_number(t, "step") or 0) > 0)
        started = status_number(text, "step") or 0
        assert started > 0, text
        text = wait_for_screen(browser, lambda t: (status_number(t, "step") or 0) > started)
        assert (status_number(text, "step") or 0) > started, text

        # A second tab gets a session of its own, untrained while the first trains.
        second_tab = open_page(browser, classroom.url, new_tab=True)
        text = wait_for_screen(browser, _has_status)
        assert status_number(text, "step") == 0, text
        assert wait_until(lambda: len(classroom.sessions()) == 2, 5)
        (second_pid,) = set(classroom.sessions()) - {first_pid}

        # Over --max-sessions: the full page, not a terminal.
        open_page(browser, classroom.url, new_tab=True)
        full = browser.find_element("id", "full").text
        assert "The class is full" in full and "Try again later" in full
        assert screen_text(browser) == ""
        assert len(classroom.sessions()) == 2

        # The trained page, as a student sees it.
        browser.switch_to.window(first_tab)
        text = wait_for_screen(browser, lambda t: (status_number(t, "step") or 0) > started + 20)
        shot = save_screenshot(browser, artifacts / "serve-trained.png")
        print(f"screenshot of the trained page: {shot}")

        # Closing the second tab ends its process within a few seconds.
        browser.switch_to.window(second_tab)
        browser.close()
        assert wait_until(lambda: not alive(second_pid), 5), "closed tab's session lives on"
        assert classroom.sessions() == [first_pid]

        # Its seat is free again: the visitor who was turned away gets in.
        browser.switch_to.window(browser.window_handles[-1])
        open_page(browser, classroom.url)
        assert _has_status(wait_for_screen(browser, _has_status))

        # Ctrl-C on the server ends every session and exits 130.
        sessions = classroom.sessions()
        assert len(sessions) == 2
        assert classroom.stop(signal.SIGINT) == 130
        assert wait_until(lambda: not any(alive(pid) for pid in sessions), 5)
