"""JSON metadata read without trust: parsed with bounded nesting, checked by small
validators.

:func:`parse_metadata` refuses a ``[[[[...`` bomb by a linear scan before the
JSON parser could recurse; :func:`dump_metadata` writes under the same limits.
The validators (:class:`Int`, :class:`Float`, :class:`Str`, :class:`Obj`, ...)
raise :class:`SchemaError` naming the field by its path with its value shortened
and escaped. The checkpoint's own schema, built from them, is
:mod:`rnnplay.core.store.manifest`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from rnnplay.core import limits
from rnnplay.errors import one_line

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_SCAN_CHUNK = 1 << 22


class SchemaError(Exception):
    """A value does not fit the schema; ``path`` names where."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path} {problem}" if path else problem)
        self.path = path
        self.problem = problem


def shown(value: Any, limit: int = 60) -> str:
    """``value`` for an error line: repr, shortened, control characters escaped."""
    if isinstance(value, (dict, list)):
        text = f"a {type(value).__name__} of {len(value)} items"
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**20:
        text = f"an integer of {len(str(abs(value)))} digits"
    else:
        text = repr(value)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return one_line(text)


# -- bounded parsing ------------------------------------------------------------------
def nesting_depth(data: bytes) -> int:
    """The deepest nesting of ``[``/``{`` in JSON text, strings skipped (linear, no recursion)."""
    skeleton = np.frombuffer(_STRING.sub(b'""', data), dtype=np.uint8)
    depth = deepest = 0
    for start in range(0, skeleton.size, _SCAN_CHUNK):
        chunk = skeleton[start : start + _SCAN_CHUNK]
        step = (chunk == 0x5B).astype(np.int64) + (chunk == 0x7B)
        step -= (chunk == 0x5D).astype(np.int64) + (chunk == 0x7D)
        if not step.any():
            continue
        running = np.cumsum(step) + depth
        deepest = max(deepest, int(running.max()))
        depth = int(running[-1])
    return deepest


def parse_metadata(data: bytes) -> Any:
    """The JSON value of ``data``; SchemaError when it is too big, too deep or not JSON."""
    if len(data) > limits.MAX_META_BYTES:
        raise SchemaError("", f"is {len(data)} bytes (limit {limits.MAX_META_BYTES})")
    depth = nesting_depth(data)
    if depth > limits.MAX_JSON_DEPTH:
        raise SchemaError("", f"nests {depth} levels deep (limit {limits.MAX_JSON_DEPTH})")
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise SchemaError("", "is not valid JSON (not UTF-8 text)") from None
    except (ValueError, RecursionError):
        raise SchemaError("", "is not valid JSON") from None


def dump_metadata(header: dict[str, Any]) -> bytes:
    """``header`` as the bytes the writer stores (the reader's limits applied)."""
    try:
        text = json.dumps(header, ensure_ascii=False, allow_nan=True)
    except (TypeError, ValueError, RecursionError) as exc:
        raise SchemaError("", f"is not JSON-serialisable ({exc})") from None
    data = text.encode("utf-8")
    if len(data) > limits.MAX_META_BYTES:
        raise SchemaError("", f"is {len(data)} bytes (limit {limits.MAX_META_BYTES})")
    depth = nesting_depth(data)
    if depth > limits.MAX_JSON_DEPTH:
        raise SchemaError("", f"nests {depth} levels deep (limit {limits.MAX_JSON_DEPTH})")
    return data


# -- validators ---------------------------------------------------------------------------
class Check:
    """A validator: ``check(value, path)`` raises SchemaError or returns None."""

    def check(self, value: Any, path: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def represent(self, value: Any) -> Any:
        """What a writer stores for ``value`` (the identity but for figures inside)."""
        return value


class Int(Check):
    def __init__(self, lo: int, hi: int) -> None:
        self.lo, self.hi = lo, hi

    def check(self, value: Any, path: str) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            raise SchemaError(path, f"must be a whole number, got {shown(value)}")
        if not self.lo <= value <= self.hi:
            raise SchemaError(path, f"must lie in [{self.lo}, {self.hi}], got {shown(value)}")


class Float(Check):
    """A JSON number (int or float) in ``[lo, hi]``; ``inf`` only when ``allow_inf``."""

    def __init__(self, lo: float, hi: float, *, allow_inf: bool = False) -> None:
        self.lo, self.hi, self.allow_inf = lo, hi, allow_inf

    def check(self, value: Any, path: str) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise SchemaError(path, f"must be a number, got {shown(value)}")
        if isinstance(value, int) and abs(value) > 2**1000:
            raise SchemaError(path, f"must lie in [{self.lo:g}, {self.hi:g}], got {shown(value)}")
        if math.isnan(value) or (math.isinf(value) and not (self.allow_inf and value > 0)):
            raise SchemaError(path, f"must be a finite number, got {shown(value)}")
        if not (self.lo <= value <= self.hi or (self.allow_inf and value == math.inf)):
            raise SchemaError(path, f"must lie in [{self.lo:g}, {self.hi:g}], got {shown(value)}")


class Figure(Float):
    """A number training derived (a loss, a perplexity, a learning rate after a
    schedule, a time, an epoch count): the reader checks it as a :class:`Float`;
    the writer stores it through :meth:`represent`, which maps whatever training
    produced into the range: above ``hi`` a figure is stored as ``inf`` where the
    reader takes ``inf`` to mean "overflowed" (a perplexity past 1e30), else as
    ``hi`` (saturated: "at least this"); below ``lo`` (a rounding of the last bit,
    a rate that underflowed) as ``lo``. NaN and anything that is not a number
    are left alone: they are bugs of the writer, which the check then names."""

    def represent(self, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
            return value
        if value > self.hi:
            return math.inf if self.allow_inf else self.hi
        if value < self.lo:
            return self.lo
        return value


class Str(Check):
    def __init__(self, max_chars: int = 4096, choices: tuple[str, ...] | None = None) -> None:
        self.max_chars, self.choices = max_chars, choices

    def check(self, value: Any, path: str) -> None:
        if not isinstance(value, str):
            raise SchemaError(path, f"must be text, got {shown(value)}")
        if self.choices is not None and value not in self.choices:
            raise SchemaError(path, f"must be one of {', '.join(self.choices)}, got {shown(value)}")
        if len(value) > self.max_chars:
            raise SchemaError(path, f"is {len(value)} characters long (limit {self.max_chars})")


class Bool(Check):
    def check(self, value: Any, path: str) -> None:
        if not isinstance(value, bool):
            raise SchemaError(path, f"must be true or false, got {shown(value)}")


class Optional(Check):
    def __init__(self, inner: Check) -> None:
        self.inner = inner

    def check(self, value: Any, path: str) -> None:
        if value is not None:
            self.inner.check(value, path)

    def represent(self, value: Any) -> Any:
        if isinstance(self.inner, Figure) and isinstance(value, float) and value != value:
            return None  # an optional figure that came out NaN: "no figure"
        return None if value is None else self.inner.represent(value)


class ListOf(Check):
    def __init__(self, item: Check, max_items: int = limits.MAX_LIST_ITEMS) -> None:
        self.item, self.max_items = item, max_items

    def check(self, value: Any, path: str) -> None:
        if not isinstance(value, list):
            raise SchemaError(path, f"must be a list, got {shown(value)}")
        if len(value) > self.max_items:
            raise SchemaError(path, f"has {len(value)} items (limit {self.max_items})")
        for i, item in enumerate(value):
            self.item.check(item, f"{path}[{i}]")

    def represent(self, value: Any) -> Any:
        if not isinstance(value, list):
            return value
        return [self.item.represent(item) for item in value]


class Tokens(Check):
    """A vocabulary's token list: many short strings, checked without a call per token."""

    def check(self, value: Any, path: str) -> None:
        if not isinstance(value, list):
            raise SchemaError(path, f"must be a list, got {shown(value)}")
        if not 1 <= len(value) <= limits.MAX_VOCAB:
            raise SchemaError(path, f"has {len(value)} tokens (need 1 to {limits.MAX_VOCAB})")
        if not all(type(token) is str for token in value):
            bad = next(t for t in value if type(t) is not str)
            raise SchemaError(path, f"must hold only text, got {shown(bad)}")
        longest = max(map(len, value))
        if longest > limits.MAX_TOKEN_CHARS:
            raise SchemaError(path, f"holds a token of {longest} characters")


class AnyJSON(Check):
    """Any JSON value, sizes bounded (the depth is bounded by the parser)."""

    def check(self, value: Any, path: str) -> None:
        if isinstance(value, str):
            Str(limits.MAX_STRING_CHARS).check(value, path)
        elif isinstance(value, list):
            ListOf(self).check(value, path)
        elif isinstance(value, dict):
            MapOf(self).check(value, path)
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**128:
            raise SchemaError(path, f"is too large ({shown(value)})")


class MapOf(Check):
    """An object with any text keys whose values all fit ``value``."""

    def __init__(self, value: Check, max_items: int = limits.MAX_LIST_ITEMS) -> None:
        self.value, self.max_items = value, max_items

    def check(self, value: Any, path: str) -> None:
        if not isinstance(value, dict):
            raise SchemaError(path, f"must be an object, got {shown(value)}")
        if len(value) > self.max_items:
            raise SchemaError(path, f"has {len(value)} entries (limit {self.max_items})")
        for key, item in value.items():
            Str(1000).check(key, f"{path} key")
            self.value.check(item, f"{path}[{shown(key)}]")


class Obj(Check):
    """An object with named fields; unknown keys are refused unless ``extra`` checks them."""

    def __init__(
        self,
        required: dict[str, Check],
        optional: dict[str, Check] | None = None,
        extra: Check | None = None,
    ) -> None:
        self.required, self.optional, self.extra = required, optional or {}, extra

    def check(self, value: Any, path: str) -> None:
        if not isinstance(value, dict):
            raise SchemaError(path, f"must be an object, got {shown(value)}")
        missing = [k for k in self.required if k not in value]
        if missing:
            raise SchemaError(path, f"lacks {', '.join(missing)}")
        unknown = [k for k in value if k not in self.required and k not in self.optional]
        if unknown and self.extra is None:
            names = ", ".join(shown(k, 30) for k in unknown[:5])
            raise SchemaError(path, f"has unknown fields {names}")
        if len(value) > limits.MAX_LIST_ITEMS:
            raise SchemaError(path, f"has {len(value)} entries")
        for key, item in value.items():
            rule = self.required.get(key) or self.optional.get(key) or self.extra
            name = shown(key, 30) if key in unknown else key
            rule.check(item, f"{path}.{name}" if path else name)

    def represent(self, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        out = {}
        for key, item in value.items():
            rule = self.required.get(key) or self.optional.get(key) or self.extra
            out[key] = item if rule is None else rule.represent(item)
        return out


class Where(Check):
    """``rule`` plus a check of the whole value (``test`` returns a problem or None)."""

    def __init__(self, rule: Check, test: Callable[[Any], str | None]) -> None:
        self.rule, self.test = rule, test

    def check(self, value: Any, path: str) -> None:
        self.rule.check(value, path)
        problem = self.test(value)
        if problem:
            raise SchemaError(path, problem)

    def represent(self, value: Any) -> Any:
        return self.rule.represent(value)


# -- the schema ---------------------------------------------------------------------------
