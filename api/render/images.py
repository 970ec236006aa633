"""Background and logo images: decoded once per job, embedded once per PDF.

A JPEG keeps its original bytes as cairo MIME data, so the PDF holds the file itself rather than
re-encoded pixels; every image carries a unique id, so cairo writes it once however many pages
paint it.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from typing import Literal, cast

import cairocffi
from PIL import Image

from api.render.errors import LimitExceededError, RenderInputError
from api.render.svgcheck import image_size

Fit = Literal["cover", "contain", "stretch"]
FITS: tuple[Fit, ...] = ("cover", "contain", "stretch")
MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000


@dataclass(frozen=True)
class PlacedImage:
    surface: cairocffi.ImageSurface
    width: int
    height: int
    fit: Fit


def load_image(data: bytes, fit: str = "cover", *, location: str = "background") -> PlacedImage:
    """Check and decode a PNG or JPEG; refuse other formats, oversized files and pixel bombs."""
    kind = _check_header(data, fit, location)
    surface = _decode(data, location)
    if kind == "jpeg":
        surface.set_mime_data("image/jpeg", data)
    # One id per loaded image: the PDF backend writes an image object once per id.
    surface.set_mime_data("application/x-cairo.uuid", uuid.uuid4().hex.encode())
    return PlacedImage(surface, surface.get_width(), surface.get_height(), cast(Fit, fit))


def probe_image(data: bytes, fit: str = "cover", *, location: str = "background") -> tuple[int, int]:
    """Refuse what load_image would refuse, without keeping the pixels; return (width, height).

    A JPEG is decoded at an eighth of its size (its DCT scaling reads every block of the file at a
    64th of the memory); a PNG has no such shortcut, so it is decoded whole and dropped.
    """
    _check_header(data, fit, location)
    try:
        with Image.open(io.BytesIO(data)) as opened:
            size = opened.size
            if opened.format == "JPEG":
                opened.draft("RGB", (max(1, size[0] // 8), max(1, size[1] // 8)))
            opened.load()
    except (OSError, ValueError):
        raise RenderInputError("the image cannot be decoded", location=location) from None
    return size


def _check_header(data: bytes, fit: str, location: str) -> str:
    """The image's kind ("jpeg" or "png") once format, byte size and pixel count are within limits."""
    if fit not in FITS:
        raise RenderInputError(f"fit must be one of {', '.join(FITS)}", location=location)
    if len(data) > MAX_IMAGE_BYTES:
        raise LimitExceededError(f"the image is larger than {MAX_IMAGE_BYTES} bytes", location=location)
    kind = "jpeg" if data[:3] == b"\xff\xd8\xff" else "png" if data[:8] == b"\x89PNG\r\n\x1a\n" else None
    if kind is None:
        raise RenderInputError("the image must be a PNG or a JPEG file", location=location)
    try:
        dimensions = image_size(data)
    except OSError:
        raise RenderInputError(f"the {kind.upper()} file cannot be read", location=location) from None
    if dimensions is None or dimensions[0] * dimensions[1] > MAX_IMAGE_PIXELS:
        raise LimitExceededError(f"the image has more than {MAX_IMAGE_PIXELS} pixels", location=location)
    return kind


def _decode(data: bytes, location: str) -> cairocffi.ImageSurface:
    try:
        with Image.open(io.BytesIO(data)) as opened:
            rgba = opened.convert("RGBA")
    except (OSError, ValueError):
        raise RenderInputError("the image cannot be decoded", location=location) from None
    # cairo wants premultiplied alpha in native-endian ARGB: Pillow's "BGRa" mode is exactly that.
    pixels = bytearray(rgba.tobytes("raw", "BGRa"))
    stride = cairocffi.ImageSurface.format_stride_for_width(cairocffi.FORMAT_ARGB32, rgba.width)
    assert stride == rgba.width * 4
    # Opaque images go in as RGB24: the PDF then needs no soft mask for them.
    has_alpha = opened_has_alpha(rgba)
    image_format = cairocffi.FORMAT_ARGB32 if has_alpha else cairocffi.FORMAT_RGB24
    return cairocffi.ImageSurface.create_for_data(pixels, image_format, rgba.width, rgba.height, stride)


def opened_has_alpha(rgba: Image.Image) -> bool:
    lowest = rgba.getchannel("A").getextrema()[0]  # one band: a (lowest, highest) pair
    return isinstance(lowest, int) and lowest < 255


# Below this an image printed on a badge looks soft or shows its pixels; 300 dpi is what print
# shops ask for, and at half of it the loss is plain at reading distance.
MIN_PRINT_DPI = 150


def _fit_scales(image: PlacedImage, width: float, height: float) -> tuple[float, float]:
    """Points per image pixel, across and down, for `image` fitted into a width x height box."""
    scale_x, scale_y = width / image.width, height / image.height
    if image.fit == "cover":
        scale_x = scale_y = max(scale_x, scale_y)
    elif image.fit == "contain":
        scale_x = scale_y = min(scale_x, scale_y)
    return scale_x, scale_y


def printed_dpi(image: PlacedImage, width: float, height: float) -> float:
    """The image's resolution as printed in a box of `width` x `height` points (the lower of its
    two directions: a stretched image is as soft as its most stretched side)."""
    return 72 / max(_fit_scales(image, width, height))


def paint_image(
    ctx: cairocffi.Context, image: PlacedImage, x: float, y: float, width: float, height: float
) -> None:
    """Paint `image` into the box, scaled by its fit mode and clipped to the box."""
    scale_x, scale_y = _fit_scales(image, width, height)
    ctx.save()
    ctx.rectangle(x, y, width, height)
    ctx.clip()
    ctx.translate(x + (width - image.width * scale_x) / 2, y + (height - image.height * scale_y) / 2)
    ctx.scale(scale_x, scale_y)
    ctx.set_source_surface(image.surface, 0, 0)
    ctx.get_source().set_filter(cairocffi.FILTER_GOOD)
    ctx.paint()
    ctx.restore()
