"""A least-recently-used cache bounded in bytes, not in entries.

Compiled templates differ in cost by four orders of magnitude (a few KB of vector drawing, or a
dozen decoded 6000 x 6000 images), so a count of entries bounds nothing. Callers say what each
entry costs; the oldest entries go until the total fits.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class SizedCache(Generic[K, V]):
    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.total = 0
        self._items: OrderedDict[K, tuple[V, int]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: K) -> V | None:
        entry = self._items.get(key)
        if entry is None:
            return None
        self._items.move_to_end(key)
        return entry[0]

    def put(self, key: K, value: V, size: int) -> None:
        """Keep `value` unless it alone is over the bound; evict the oldest entries to make room."""
        if key in self._items:
            self.total -= self._items.pop(key)[1]
        if size > self.max_bytes:
            return
        self._items[key] = (value, size)
        self.total += size
        while self.total > self.max_bytes:
            _, (_, evicted) = self._items.popitem(last=False)
            self.total -= evicted

    def clear(self) -> None:
        self._items.clear()
        self.total = 0
