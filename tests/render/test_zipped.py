"""Member names of a one-file-per-attendee ZIP: safe on every OS, unique, never longer than 100."""

from __future__ import annotations

import pytest

from api.render.zipped import MAX_NAME_LENGTH, MemberNames, member_stem


@pytest.mark.parametrize(
    ("value", "stem"),
    [
        ("Ada Lovelace", "Ada Lovelace"),
        ("a/b\\c:d", "a b c d"),
        ("..", "badge 3"),
        (".hidden", "hidden"),
        ("tab\tand\nnewline\x00", "tab and newline"),
        ("\u202eexe.pdf", "exe.pdf"),
        ("Cafe\u0301", "Café"),
        ("   ", "badge 3"),
    ],
)
def test_a_member_stem_is_safe_and_readable(value, stem):
    assert member_stem(value, "badge 3") == stem


def test_a_long_name_is_cut_to_100_characters_and_its_repeats_stay_within_them():
    names = MemberNames()
    stem = member_stem("Ω" * 300, "x")

    first, second = names.claim(stem, "pdf"), names.claim(stem, "pdf")

    assert len(stem) == MAX_NAME_LENGTH
    assert first == "Ω" * 100 + ".pdf"
    assert second == "Ω" * 96 + " (2).pdf"
    assert names.claim("ω" * 100, "PDF") == "ω" * 96 + " (3).PDF"  # the same name to Windows and macOS
