"""Reference n-gram models of the training text: interpolated Kneser-Ney.

A learner reading "1.9 nats per character" asks whether that is good. The
honest answer is a comparison: what a model that only counts the last n-1
tokens of the training text reaches on the same validation text. This
module fits such models (orders 1-5 and beyond) with interpolated
Kneser-Ney smoothing (Chen & Goodman 1998), vectorised in NumPy.

The estimate for a token w after a context h of n-1 tokens (order n):

    p_n(w | h) = max(c(h w) - D_n, 0) / c(h .)
                 + D_n * N1+(h .) / c(h .) * p_{n-1}(w | h')

with h' the context without its first token, c the counts of the training
text, c(h .) = sum over w of c(h w) and N1+(h .) the number of distinct
tokens seen after h. The lower orders use continuation counts instead of
counts: N1+(. h' w), the number of distinct tokens seen before h' w (how
many contexts a token completes, not how often it occurs). Order 0 is the
uniform distribution over the V tokens, so every token keeps some
probability. A context never seen backs off entirely to the order below.
The discount of each order is D = n1 / (n1 + 2 n2) from the numbers n1, n2
of n-grams seen once and twice (clamped to [0.1, 0.9]), or one fixed value.

Where a position has fewer than n-1 tokens before it (the start of a text),
the longest available context is the top order.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np


@dataclass
class _Order:
    """The tables of one order k: n-grams as sorted keys ``ctx * V + w``
    (ctx: the dense id of the (k-1)-gram context in order k-1's keys)."""

    keys: np.ndarray
    count: np.ndarray  # c(h w), raw counts
    cont: np.ndarray  # N1+(. h w), continuation counts
    ctx_count: np.ndarray  # per context: c(h .)
    ctx_distinct: np.ndarray  # per context: N1+(h .) by raw counts
    ctx_cont: np.ndarray  # per context: sum of continuation counts
    ctx_cont_distinct: np.ndarray  # per context: grams with a continuation count
    discount_raw: float
    discount_cont: float


def _discount(counts: np.ndarray, fixed: float | None) -> float:
    if fixed is not None:
        return fixed
    n1, n2 = np.count_nonzero(counts == 1), np.count_nonzero(counts == 2)
    if n1 == 0 or n2 == 0:
        return 0.5
    return float(np.clip(n1 / (n1 + 2 * n2), 0.1, 0.9))


def _lookup(keys: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Index of each query key in the sorted ``keys``, -1 where absent."""
    if keys.size == 0:
        return np.full(query.shape, -1, dtype=np.int64)
    at = np.searchsorted(keys, query)
    at = np.minimum(at, keys.size - 1)
    return np.where(keys[at] == query, at, -1)


class KneserNey:
    """An interpolated Kneser-Ney model of ``order`` fitted on token ids.

    ``fit(ids)`` counts the training text; ``log_probs(ids)`` gives
    log p(ids[i] | ids[..i]) for every i >= 1 (nats, float64);
    ``cross_entropy(ids)`` their negated mean; ``prob(context, w)`` one
    probability (for tests and the curious).
    """

    def __init__(self, order: int, vocab_size: int, discount: float | None = None) -> None:
        if order < 1:
            raise ValueError(f"an n-gram order is at least 1, got {order}")
        if vocab_size < 1:
            raise ValueError(f"a vocabulary has at least one token, got {vocab_size}")
        if discount is not None and not 0 < discount <= 1:
            raise ValueError(f"a discount lies in (0, 1], got {discount}")
        self.order = order
        self.vocab_size = vocab_size
        self.discount = discount
        self._orders: list[_Order] = []

    def fit(self, ids: np.ndarray) -> KneserNey:
        """Count the n-grams of ``ids`` (1-D token ids); returns self."""
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        if ids.size and (ids.min() < 0 or ids.max() >= self.vocab_size):
            raise ValueError(f"token ids must lie in [0, {self.vocab_size})")
        V = self.vocab_size
        # gram[i]: dense id of the k-gram ending at i (-1 where i < k-1)
        grams: list[np.ndarray] = []
        keys_by_order: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        previous = np.zeros(ids.size, dtype=np.int64)  # the empty context, id 0
        for k in range(1, self.order + 1):
            valid = np.arange(ids.size) >= k - 1
            ctx = np.full(ids.size, -1, dtype=np.int64)
            if k == 1:
                ctx[:] = 0
            else:
                ctx[1:] = previous[:-1]
            ok = valid & (ctx >= 0)
            key = ctx[ok] * V + ids[ok]
            unique, inverse, count = np.unique(key, return_inverse=True, return_counts=True)
            gram = np.full(ids.size, -1, dtype=np.int64)
            gram[ok] = inverse
            grams.append(gram)
            keys_by_order.append((unique, count, unique // V))
            previous = gram
        for k in range(1, self.order + 1):
            unique, count, ctx_of = keys_by_order[k - 1]
            cont = np.zeros(unique.size, dtype=np.int64)
            if k < self.order:  # distinct left extensions: (k+1)-grams per suffix
                # a (k+1)-gram's suffix is one k-gram: count each (k+1)-gram once
                seen = grams[k] >= 0
                _, first = np.unique(grams[k][seen], return_index=True)
                cont = np.bincount(grams[k - 1][seen][first], minlength=unique.size)
            contexts = 1 if k == 1 else keys_by_order[k - 2][0].size
            self._orders.append(
                _Order(
                    keys=unique,
                    count=count,
                    cont=cont,
                    ctx_count=np.bincount(ctx_of, weights=count, minlength=contexts),
                    ctx_distinct=np.bincount(ctx_of, minlength=contexts).astype(float),
                    ctx_cont=np.bincount(ctx_of, weights=cont, minlength=contexts),
                    ctx_cont_distinct=np.bincount(ctx_of, weights=cont > 0, minlength=contexts),
                    discount_raw=_discount(count, self.discount),
                    discount_cont=_discount(cont, self.discount),
                )
            )
        return self

    @property
    def discounts(self) -> list[tuple[float, float]]:
        """Per order 1..n, the discounts used with counts and with continuation counts."""
        return [(table.discount_raw, table.discount_cont) for table in self._orders]

    def _order(self, order: int | None) -> int:
        if not self._orders:
            raise RuntimeError("KneserNey: fit() first")
        if order is None:
            return self.order
        if not 1 <= order <= self.order:
            raise ValueError(f"this model answers orders 1 to {self.order}, not {order}")
        return order

    def _probs(self, ids: np.ndarray, order: int | None = None) -> np.ndarray:
        """p(ids[i] | up to order-1 tokens before i) for every i."""
        order = self._order(order)
        V = self.vocab_size
        n = ids.size
        lower = np.full(n, 1.0 / V)  # order 0: uniform
        final = lower.copy()
        previous = np.zeros(n, dtype=np.int64)  # query's (k-1)-gram ids, -1 unseen
        for k, table in enumerate(self._orders[:order], start=1):
            ctx = np.full(n, -1, dtype=np.int64)
            if k == 1:
                ctx[:] = 0
            else:
                ctx[1:] = previous[:-1]
            available = np.arange(n) >= k - 1
            seen_ctx = available & (ctx >= 0)
            gram = np.full(n, -1, dtype=np.int64)
            gram[seen_ctx] = _lookup(table.keys, ctx[seen_ctx] * V + ids[seen_ctx])
            c = np.where(ctx >= 0, ctx, 0)
            g = np.where(gram >= 0, gram, 0)
            top = np.minimum(np.arange(n) + 1, order) == k
            results = []
            for counts, totals, distinct, D in (
                (table.count, table.ctx_count, table.ctx_distinct, table.discount_raw),
                (table.cont, table.ctx_cont, table.ctx_cont_distinct, table.discount_cont),
            ):
                total = np.where(seen_ctx, totals[c], 0.0)
                hit = np.where(gram >= 0, counts[g], 0).astype(float)
                usable = total > 0
                safe = np.where(usable, total, 1.0)
                p = np.maximum(hit - D, 0) / safe + D * distinct[c] / safe * lower
                results.append(np.where(usable, p, lower))
            raw, cont = results
            final = np.where(top, raw, final)
            lower = np.where(available, cont, lower)
            previous = gram
        return final

    def log_probs(self, ids: np.ndarray, order: int | None = None) -> np.ndarray:
        """log p(ids[i] | ids[..i]) for i = 1..T-1 (nats), float64 (T-1,).

        ``order`` (at most the fitted one) answers as the model of that order
        fitted on the same text would: the tables of the lower orders are the
        same, so one fit of order 5 serves orders 1 to 5."""
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        return np.log(self._probs(ids, order))[1:]

    def cross_entropy(self, ids: np.ndarray, order: int | None = None) -> float:
        """Mean -log p over ids[1:], in nats per token."""
        return float(-self.log_probs(ids, order).mean())

    def prob(self, context: list[int], token: int, order: int | None = None) -> float:
        """p(token | context) with the last order-1 tokens of ``context``."""
        n = self._order(order)
        keep = list(context)[len(context) - (n - 1) :] if n > 1 else []
        ids = np.array([*keep, token], dtype=np.int64)
        return float(self._probs(ids, n)[-1])


_FITTED: dict[tuple[str, int, int, float | None], KneserNey] = {}


def corpus_key(ids: np.ndarray) -> str:
    """A short fingerprint of a token sequence (which corpus a cache entry is for)."""
    return hashlib.sha256(np.ascontiguousarray(ids, dtype=np.int64).tobytes()).hexdigest()[:20]


def fitted(
    train: np.ndarray, vocab_size: int, order: int, discount: float | None = None
) -> KneserNey:
    """A model fitted on ``train`` that answers ``order`` (and every order
    below), fitted once per corpus and process: kept in memory, keyed by the
    text's fingerprint; a higher order asked later refits at that order."""
    key = (corpus_key(train), vocab_size, discount)
    model = _FITTED.get(key)
    if model is None or model.order < order:
        model = KneserNey(order, vocab_size, discount).fit(train)
        _FITTED[key] = model
    return model
