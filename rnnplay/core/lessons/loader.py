"""Finding and reading lessons: a built-in name or a teacher's TOML file.

``rnnplay --lesson NAME|FILE`` and ``rnnplay serve --lesson`` come here;
so does ``rnnplay lessons check FILE``. A built-in name wins over a file of
the same name in the current folder (as corpora do). Every failure is one
:class:`~rnnplay.errors.ConfigError` line naming the lesson.
"""

from __future__ import annotations

from pathlib import Path

from rnnplay.core.lessons.schema import Lesson, parse_lesson
from rnnplay.errors import ConfigError

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the same parser, as a package (pyproject)
    import tomli as tomllib  # type: ignore[no-redef]

BUILTIN_DIR = Path(__file__).resolve().parent / "builtin"
MAX_BYTES = 256 * 1024
"""A lesson is a page of text; anything bigger is not one."""

PATH_SETTINGS = ("corpus", "valid", "test")
"""Settings naming files: relative to the lesson file's folder."""


def builtin_names() -> list[str]:
    """The built-in lessons' names, in teaching order (their files are numbered)."""
    return [_name(path) for path in sorted(BUILTIN_DIR.glob("*.toml"))]


def builtin_lessons() -> list[Lesson]:
    return [load_lesson(name) for name in builtin_names()]


def _name(path: Path) -> str:
    """``03-temperature.toml`` -> ``temperature``: the number only orders them."""
    stem = path.stem
    head, _, rest = stem.partition("-")
    return rest if head.isdigit() and rest else stem


def resolve(name_or_path: str) -> tuple[Path, bool]:
    """The file of a built-in name or an existing path, and whether it is built in."""
    for path in sorted(BUILTIN_DIR.glob("*.toml")):
        if _name(path) == name_or_path:
            return path, True
    path = Path(name_or_path).expanduser()
    if path.is_file():
        return path.resolve(), False
    if path.suffix != ".toml" and "/" not in name_or_path:
        names = ", ".join(builtin_names())
        raise ConfigError(f"unknown lesson '{name_or_path}': not a built-in ({names}) nor a file")
    raise ConfigError(f"lesson file '{name_or_path}' does not exist")


def load_lesson(name_or_path: str) -> Lesson:
    """Read and check a lesson; ConfigError (one line) for anything wrong."""
    path, builtin = resolve(name_or_path)
    source = _name(path) if builtin else str(path)
    data = _read_toml(path, source)
    settings = data.get("settings")
    if not builtin and isinstance(settings, dict):
        for key in PATH_SETTINGS:
            value = settings.get(key)
            if isinstance(value, str) and _is_relative_file(value, path.parent):
                settings[key] = str((path.parent / value).resolve())
    return parse_lesson(data, name=_name(path), source=source, builtin=builtin)


def _is_relative_file(value: str, folder: Path) -> bool:
    from rnnplay.core.data.corpus import BUILTIN_CORPORA

    return (
        value not in BUILTIN_CORPORA
        and not Path(value).is_absolute()
        and ((folder / value).exists())
    )


def _read_toml(path: Path, source: str) -> dict:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ConfigError(f"cannot read lesson '{source}': {error.strerror}") from None
    if len(raw) > MAX_BYTES:
        raise ConfigError(f"lesson '{source}' is {len(raw)} bytes; a lesson is at most 256 KB")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"lesson '{source}' is not UTF-8 text") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"lesson '{source}' is not valid TOML: {error}") from None
