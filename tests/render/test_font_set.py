"""The engine's font set: the system's fonts less Ghostscript's base-35 clones (api/render/fontconfig)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import api.render
from api.render.fallback import installed_families, substitute_for


def test_the_engine_points_fontconfig_at_its_own_configuration():
    expected = Path(api.render.__file__).with_name("fontconfig") / "fonts.conf"

    assert os.environ["FONTCONFIG_FILE"] == str(expected)


def test_ghostscripts_urw_fonts_are_installed_but_left_out_of_the_engines_fonts():
    # Ghostscript (print-ready output) depends on fonts-urw-base35; the tests' machine has it.
    everything = subprocess.run(
        ["fc-list", "--format", "%{family[0]}\n"],
        env={name: value for name, value in os.environ.items() if name != "FONTCONFIG_FILE"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    engines = subprocess.run(
        ["fc-list", "--format", "%{family[0]}\n"], capture_output=True, text=True, check=True
    ).stdout.splitlines()

    assert "Z003" in everything
    assert "Nimbus Sans" in everything
    assert not {"Z003", "Nimbus Sans", "Nimbus Roman", "C059", "P052"} & set(engines)
    assert "Noto Sans" in engines
    assert "DejaVu Sans" in engines


def test_a_family_the_machine_lacks_resolves_to_noto_sans_not_a_calligraphic_clone():
    # With the URW fonts visible, fontconfig answered "Comic Sans MS" with Z003 (Zapf Chancery).
    assert substitute_for("Comic Sans MS") == "Noto Sans"
    assert substitute_for("Helvetica") == "Noto Sans"
    assert "z003" not in installed_families()
