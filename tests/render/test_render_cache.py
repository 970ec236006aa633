"""Caches in render workers are bounded by the memory their entries hold, not by their number."""

from __future__ import annotations

import hashlib

import pytest

from api.render import tasks
from api.render.cache import SizedCache
from api.render.tasks import TemplateSource

SVG = b"""<svg xmlns="http://www.w3.org/2000/svg" width="90mm" height="55mm" viewBox="0 0 90 55">
  <rect width="90" height="55" fill="#fafafa"/><text x="5" y="20">{{name}}</text></svg>"""


def test_the_oldest_entries_go_until_the_total_fits():
    cache: SizedCache[str, str] = SizedCache(max_bytes=100)
    cache.put("a", "A", 40)
    cache.put("b", "B", 40)
    assert cache.get("a") == "A"  # now "b" is the least recently used

    cache.put("c", "C", 40)

    assert (cache.get("a"), cache.get("b"), cache.get("c")) == ("A", None, "C")
    assert cache.total == 80


def test_an_entry_bigger_than_the_whole_cache_is_not_kept():
    cache: SizedCache[str, str] = SizedCache(max_bytes=100)
    cache.put("small", "S", 10)

    cache.put("huge", "H", 101)

    assert cache.get("huge") is None
    assert cache.get("small") == "S"


def test_a_compiled_template_is_cached_by_content_and_a_wrong_key_is_refused():
    source = TemplateSource(svg=SVG, sha256=hashlib.sha256(SVG).hexdigest())

    first = source.compiled()

    assert source.compiled() is first
    assert first.placeholders == ["name"]
    assert tasks._templates.total > 0
    with pytest.raises(ValueError, match="sha256"):
        TemplateSource(svg=SVG + b" ", sha256="0" * 64).compiled()
