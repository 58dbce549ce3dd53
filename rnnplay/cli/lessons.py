"""``rnnplay lessons``: the built-in lessons, and the check of a teacher's lesson file.

    rnnplay lessons                 one line per built-in lesson
    rnnplay lessons check FILE      read FILE as a lesson: "ok" and a summary, or one
                                    line saying what is wrong (exit 2)
    rnnplay lessons --figures       the live figures a card may quote, {name}

A lesson opens with ``rnnplay --lesson NAME|FILE`` (and ``rnnplay serve --lesson``).
"""

from __future__ import annotations

import argparse
from typing import Any

from rnnplay.errors import EXIT_OK
from rnnplay.process import streams


def register(commands: Any) -> None:
    """Add ``lessons`` (and ``lessons check``) to the CLI's subparsers."""
    from rnnplay.cli.flags import add_version

    lessons = commands.add_parser(
        "lessons",
        help="list the built-in lessons; check a lesson file",
        description="List the built-in lessons (open one with 'rnnplay --lesson NAME'), "
        "or check a lesson file a teacher wrote (docs/lessons.md describes the format).",
    )
    lessons.add_argument(
        "--figures", action="store_true", help="list the live figures a card may quote"
    )
    add_version(lessons)
    lessons.set_defaults(handler=run_list)
    actions = lessons.add_subparsers(dest="lessons_action", metavar="ACTION")
    check = actions.add_parser(
        "check",
        help="check a lesson file: ok, or one line naming the problem",
        description="Read a lesson file as the playground would; print ok and what it sets "
        "up, or one line naming the first problem (exit 2).",
    )
    check.add_argument("file", metavar="FILE|NAME")
    check.set_defaults(handler=run_check)


def run_list(args: argparse.Namespace) -> int:
    if args.figures:
        from rnnplay.core.lessons.figures import FIGURES

        width = max(map(len, FIGURES)) + 2
        for name, what in FIGURES.items():
            streams.write_out(f"{'{' + name + '}':<{width}}  {what}\n")
        return EXIT_OK
    from rnnplay.core.lessons.loader import builtin_lessons

    lessons = builtin_lessons()
    width = max(len(lesson.name) for lesson in lessons)
    for lesson in lessons:
        minutes = f"{lesson.minutes} min" if lesson.minutes else ""
        streams.write_out(f"{lesson.name:<{width}}  {minutes:>6}  {lesson.title}\n")
    streams.write_out(
        "(rnnplay --lesson NAME opens one; rnnplay lessons check FILE checks yours)\n"
    )
    return EXIT_OK


def run_check(args: argparse.Namespace) -> int:
    from rnnplay.core.lessons.loader import load_lesson

    lesson = load_lesson(args.file)
    hidden = sorted(lesson.hidden_panels | lesson.hidden_controls | lesson.hidden_keys)
    settings = " ".join(f"{k}={v}" for k, v in lesson.settings.items()) or "the defaults"
    streams.write_out(
        f"ok: '{lesson.title}': {len(lesson.cards)} cards; settings {settings}"
        + (f"; race {', '.join(lesson.race)}" if lesson.race else "")
        + (f"; hides {', '.join(hidden)}" if hidden else "")
        + "\n"
    )
    return EXIT_OK
