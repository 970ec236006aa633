"""Script coverage: at least 95% of a script's sample mapped."""

from __future__ import annotations

from api.fonts import SCRIPTS, scripts_covered
from api.fonts.scripts import script_samples


def test_every_script_has_a_sample():
    samples = script_samples()

    assert tuple(samples) == SCRIPTS
    assert len(samples["Latin"]) == 52
    assert len(samples["Greek"]) == 49
    assert len(samples["Arabic"]) == 36
    assert len(samples["Hebrew"]) == 27
    assert 250 <= len(samples["Han"]) <= 400
    assert 250 <= len(samples["Hangul"]) <= 400
    assert ord("一") in samples["Han"]
    assert all(0x4E00 <= code <= 0x9FFF for code in samples["Han"])
    assert all(0xAC00 <= code <= 0xD7A3 for code in samples["Hangul"])


def test_a_whole_sample_covers_its_script_and_nothing_else():
    for script, sample in script_samples().items():
        assert scripts_covered(sample) == [script]


def test_nearly_all_is_enough_a_few_is_not():
    latin = sorted(script_samples()["Latin"])

    assert scripts_covered(latin[2:]) == ["Latin"]  # 50 of 52
    assert scripts_covered(latin[4:]) == []  # 48 of 52 is under 95%
    assert scripts_covered(range(ord("A"), ord("Z") + 1)) == []  # capitals only


def test_order_follows_scripts_and_any_iterable_works():
    samples = script_samples()
    mixed = iter(sorted(samples["Thai"] | samples["Latin"] | samples["Kana"]))

    assert scripts_covered(mixed) == ["Latin", "Thai", "Kana"]
