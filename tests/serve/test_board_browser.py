"""A served lesson in a real browser: three students, the teacher's board, a refused peek.

Headless Chromium drives ``rnnplay serve --lesson temperature``: three tabs
each get the lesson (its card panel, its hidden keys), train, and move to
different cards; the board page (at the secret address the server printed)
shows all three sessions advancing, each on its own card; a student's tab
that tries the board's address gets a 404 and no terminal. Bounded: every
wait has a limit, and the whole test takes about a minute on two busy cores.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from tests.serve.browser import open_page, press, save_screenshot, screen_text, wait_for_screen
from tests.serve.harness import SMALL_MODEL, ServedClassroom, wait_until

ROW = re.compile(r"(run-\d+)\s+(?:running|paused|stopped|done)?\s*(\d+)\s+.*?(\d)/(\d)")


def board_rows(text: str) -> dict[str, tuple[int, int]]:
    """{session: (steps, card)} read off the board's table."""
    return {m[1]: (int(m[2]), int(m[3])) for m in ROW.finditer(text)}


def _has_lesson(text: str) -> bool:
    return "Lesson: Temperature and sampling" in text and "card 1/" in text


@pytest.mark.slow
def test_three_students_and_the_board(browser, artifacts: Path, tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    flags = ("--lesson", "temperature", "--max-steps", "100000", *SMALL_MODEL)
    with ServedClassroom(runs, *flags, max_sessions=3) as classroom:
        tabs = []
        for number in range(3):
            tabs.append(open_page(browser, classroom.url, new_tab=number > 0))
            text = wait_for_screen(browser, _has_lesson, timeout=60)
            assert _has_lesson(text), text
            # The lesson's hidden keys are out of the footer: no Open, Runs, Compare, Reset.
            for gone in ("Open", "Runs", "Compare", "Reset"):
                assert gone not in text.splitlines()[-1], text.splitlines()[-1]
            press(browser, "l" * number)  # student n moves to card n + 1
            wait_for_screen(browser, lambda t, n=number: f"card {n + 1}/" in t, timeout=10)
            press(browser, " ")
        assert wait_until(lambda: len(classroom.sessions()) == 3, 10)

        # The teacher's board: every session, its steps rising, its card.
        open_page(browser, classroom.board_url, new_tab=True)
        first = wait_for_screen(browser, lambda t: len(board_rows(t)) == 3, timeout=60)
        before = board_rows(first)
        assert len(before) == 3, first
        assert sorted(card for _steps, card in before.values()) == [1, 2, 3], first
        assert "3 sessions" in first
        later = wait_for_screen(
            browser,
            lambda t: (
                len(board_rows(t)) == 3
                and all(board_rows(t)[name][0] > before[name][0] for name in before)
            ),
            timeout=60,
        )
        assert all(board_rows(later)[name][0] > before[name][0] for name in before), later
        shot = save_screenshot(browser, artifacts / "board-three-students.png")
        print(f"screenshot of the board: {shot}")

        # A student's tab, as the student sees it (the lesson panel on card 3).
        browser.switch_to.window(tabs[2])
        save_screenshot(browser, artifacts / "lesson-student.png")

        # A student who tries the board's address (without its token) is refused.
        browser.switch_to.window(tabs[0])
        for guess in ("board", "board/", "board/guess"):
            browser.get(classroom.url + guess)
            time.sleep(0.5)
            assert "404" in browser.page_source, guess
            assert screen_text(browser) == ""
        assert classroom.stop() == 130
