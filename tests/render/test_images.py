"""Background images: only PNG and JPEG, no pixel bombs, alpha kept, fit modes honoured."""

from __future__ import annotations

import io

import cairocffi
import pytest
from PIL import Image

from api.render.errors import LimitExceededError, RenderInputError
from api.render.images import load_image, paint_image


def encoded(image: Image.Image, kind: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, kind)
    return buffer.getvalue()


def test_a_transparent_png_keeps_its_alpha_and_an_opaque_one_does_not_need_it():
    transparent = load_image(encoded(Image.new("RGBA", (20, 10), (255, 0, 0, 0)), "PNG"))
    opaque = load_image(encoded(Image.new("RGB", (20, 10), "red"), "PNG"))

    assert transparent.surface.get_format() == cairocffi.FORMAT_ARGB32
    assert opaque.surface.get_format() == cairocffi.FORMAT_RGB24
    assert (opaque.width, opaque.height) == (20, 10)


@pytest.mark.parametrize(
    "data",
    [b"GIF89a....", b"<svg/>", encoded(Image.new("RGB", (4, 4)), "GIF"), b"\x89PNG\r\n\x1a\nbroken"],
    ids=["gif-header", "svg", "real-gif", "truncated-png"],
)
def test_other_formats_and_broken_files_are_refused(data):
    with pytest.raises(RenderInputError):
        load_image(data)


def test_a_png_that_decodes_to_too_many_pixels_is_refused_before_decoding():
    bomb = encoded(Image.new("1", (20000, 20000)), "PNG")

    with pytest.raises(LimitExceededError, match="pixels"):
        load_image(bomb)


def test_an_unknown_fit_mode_is_refused():
    with pytest.raises(RenderInputError, match="fit"):
        load_image(encoded(Image.new("RGB", (4, 4)), "PNG"), "tile")


@pytest.mark.parametrize(
    ("fit", "corner_painted", "centre_painted"),
    [("cover", True, True), ("contain", False, True), ("stretch", True, True)],
)
def test_fit_modes(fit, corner_painted, centre_painted):
    # A wide red image in a square box: contain leaves bands, cover and stretch fill it.
    image = load_image(encoded(Image.new("RGB", (200, 50), "red"), "PNG"), fit)
    surface = cairocffi.ImageSurface(cairocffi.FORMAT_RGB24, 100, 100)
    ctx = cairocffi.Context(surface)
    ctx.set_source_rgb(1, 1, 1)
    ctx.paint()
    paint_image(ctx, image, 0, 0, 100, 100)
    surface.flush()
    pixels = Image.frombuffer("RGBX", (100, 100), bytes(surface.get_data()), "raw", "BGRX").convert("RGB")

    def is_red(xy: tuple[int, int]) -> bool:
        red, green, _ = pixels.getpixel(xy)
        return red > 200 and green < 50

    assert is_red((2, 2)) is corner_painted
    assert is_red((50, 50)) is centre_painted
