"""Attendee photos on badges: matched by a column, cropped to the template's `data-photo` box,
downsampled to 300 dpi at their printed size and embedded once per PDF.

The rule for placing a photo (cover fit): after its EXIF orientation is applied, it is scaled to
cover the box and the rest cut off; across, the same amount from each side; down, a fifth of the
excess from the top and four fifths from the bottom, so the face (in the upper third of a
portrait) stays in the box. The cut is made once per photo, at 300 dpi of the box's printed size
(never enlarged: a small photo keeps its pixels and is scaled up when drawn), and re-encoded as a
JPEG at quality 85; a PNG with transparency is flattened onto white first (badges print on white).

Each photo is decoded once per render process. What is kept is bounded: the small re-encoded
JPEGs up to ENCODED_CACHE_BYTES, and the last SURFACE_CACHE image surfaces. A surface carries its
JPEG as cairo MIME data (the PDF holds that file, not re-encoded pixels) and an id that stays the
same for the photo for the whole job, so cairo writes a photo once however many badges show it,
even when its surface was dropped and made again.

An attendee without a photo (an empty cell, or a name no member has) gets a neutral silhouette,
drawn here, and a `photo_missing` finding in the proof report.
"""

from __future__ import annotations

import io
import math
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import cairocffi
from PIL import Image, ImageOps

from api.render.errors import RenderInputError
from api.render.findings import Finding
from api.render.photo_archive import PhotoArchive, photo_key

PRINT_DPI = 300
ORIENTATION_TAG = 0x0112  # EXIF Orientation
JPEG_QUALITY = 85
TOP_SHARE = 0.2  # of the height cut from a tall photo, the share taken from the top
ENCODED_CACHE_BYTES = 128 * 1024**2
SURFACE_CACHE = 16
DEFAULT_COLUMN = "photo"
UNUSED_SHOWN = 10  # unused photos named in the job's finding; the rest are counted


@dataclass(frozen=True)
class PhotoBox:
    """A rectangle marked `data-photo`, in its own units; rx/ry round its corners (an ellipse when
    they reach half its sides)."""

    matrix: tuple[float, float, float, float, float, float]
    x: float
    y: float
    width: float
    height: float
    rx: float = 0.0
    ry: float = 0.0

    def size_in_points(self) -> tuple[float, float]:
        xx, yx, xy, yy = self.matrix[:4]
        return self.width * math.hypot(xx, yx), self.height * math.hypot(xy, yy)


@dataclass(frozen=True)
class _Encoded:
    jpeg: bytes
    width: int
    height: int


def target_pixels(box: PhotoBox, dpi: int = PRINT_DPI) -> tuple[int, int]:
    """The box's printed size in pixels at `dpi` (a 30 mm side is 355 pixels at 300 dpi)."""
    width, height = box.size_in_points()
    return max(1, math.ceil(width / 72 * dpi)), max(1, math.ceil(height / 72 * dpi))


def cover_crop(width: int, height: int, aspect: float) -> tuple[int, int, int, int]:
    """The part (left, top, right, bottom) of a width x height image that covers a box of
    `aspect` (width / height): centred across, TOP_SHARE of the cut taken from the top."""
    if width / height > aspect:
        kept = max(1, round(height * aspect))
        left = (width - kept) // 2
        return left, 0, left + kept, height
    kept = max(1, round(width / aspect))
    top = math.floor((height - kept) * TOP_SHARE)
    return 0, top, width, top + kept


def prepare_photo(data: bytes, target: tuple[int, int]) -> tuple[_Encoded, Image.Image]:
    """Decode, orient, crop and downsample a checked photo; its JPEG and its pixels (RGB)."""
    with Image.open(io.BytesIO(data)) as opened:
        if opened.format == "JPEG":
            # Decode at the smallest DCT scale still at least as large as needed: an eighth of the
            # work for a phone photo printed 3 cm wide.
            scale = max(
                target[0] / opened.width,
                target[1] / opened.height,
                target[0] / opened.height,
                target[1] / opened.width,
            )
            opened.draft("RGB", (math.ceil(opened.width * scale), math.ceil(opened.height * scale)))
        opened.load()
        # Turned only when the tag says so: exif_transpose copies even an upright image.
        turned = opened.getexif().get(ORIENTATION_TAG, 1) not in (1, None)
        image = ImageOps.exif_transpose(opened) if turned else opened
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    elif image.mode != "RGB":
        image = image.convert("RGB")
    box = cover_crop(image.width, image.height, target[0] / target[1])
    cropped = image.crop(box)
    if cropped.width > target[0]:  # never enlarged: a small photo keeps its own pixels
        # Bicubic, as Pillow does it, filters over the whole source area (antialiased); Lanczos
        # looked the same at these ratios (at most 2:1 after the DCT draft) and took twice as long.
        cropped = cropped.resize(target, Image.Resampling.BICUBIC)
    output = io.BytesIO()
    cropped.save(output, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return _Encoded(output.getvalue(), cropped.width, cropped.height), cropped


def _surface(pixels: Image.Image, encoded: _Encoded, unique_id: bytes) -> cairocffi.ImageSurface:
    data = bytearray(pixels.tobytes("raw", "BGRX"))  # cairo's RGB24 in native-endian order
    stride = cairocffi.ImageSurface.format_stride_for_width(cairocffi.FORMAT_RGB24, pixels.width)
    assert stride == pixels.width * 4
    surface = cairocffi.ImageSurface.create_for_data(
        data, cairocffi.FORMAT_RGB24, pixels.width, pixels.height, stride
    )
    surface.set_mime_data("image/jpeg", encoded.jpeg)
    surface.set_mime_data("application/x-cairo.uuid", unique_id)
    return surface


class PhotoSet:
    """The job's photos for one template's photo box, prepared on first use in each process."""

    def __init__(self, archive: PhotoArchive | None, box: PhotoBox, column: str | None) -> None:
        self.archive = archive
        self.box = box
        self.column = column
        self.target = target_pixels(box)
        self.job_id = uuid.uuid4().hex  # with the key, the photo's id in the PDF
        self.encoded: OrderedDict[str, _Encoded | None] = OrderedDict()  # None: could not decode
        self.encoded_bytes = 0
        self.surfaces: OrderedDict[str, cairocffi.ImageSurface] = OrderedDict()

    def key_for(self, row: Mapping[str, str]) -> tuple[str | None, str]:
        """The member key of the attendee's photo (None when none matches) and the cell as written."""
        cell = row.get(self.column, "").strip() if self.column else ""
        if not cell or self.archive is None:
            return None, cell
        key = photo_key(cell)
        return (key if key in self.archive.members else None), cell

    def surface(self, key: str) -> cairocffi.ImageSurface | None:
        """The photo ready to paint, or None when it cannot be decoded."""
        surface = self.surfaces.get(key)
        if surface is not None:
            self.surfaces.move_to_end(key)
            return surface
        unique_id = f"{self.job_id}:{key}".encode()
        if key in self.encoded:
            encoded = self.encoded[key]
            if encoded is None:
                return None
            with Image.open(io.BytesIO(encoded.jpeg)) as small:
                pixels = small.convert("RGB")
        else:
            assert self.archive is not None
            try:
                encoded, pixels = prepare_photo(self.archive.read(key), self.target)
            except RenderInputError:
                self._keep(key, None)
                return None
            except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
                self._keep(key, None)  # passed the header check, failed to decode
                return None
            self._keep(key, encoded)
        surface = _surface(pixels, encoded, unique_id)
        self.surfaces[key] = surface
        if len(self.surfaces) > SURFACE_CACHE:
            self.surfaces.popitem(last=False)
        return surface

    def _keep(self, key: str, encoded: _Encoded | None) -> None:
        self.encoded[key] = encoded
        self.encoded_bytes += len(encoded.jpeg) if encoded else 0
        while self.encoded_bytes > ENCODED_CACHE_BYTES and self.encoded:
            _, dropped = self.encoded.popitem(last=False)
            self.encoded_bytes -= len(dropped.jpeg) if dropped else 0

    def draw(self, ctx: cairocffi.Context, row: Mapping[str, str]) -> Finding | None:
        """Paint the attendee's photo (or the placeholder) in the box; a finding when it is missing."""
        key, cell = self.key_for(row)
        surface = self.surface(key) if key is not None else None
        box = self.box
        ctx.save()
        ctx.transform(cairocffi.Matrix(*box.matrix))
        _box_path(ctx, box)
        ctx.clip()
        if surface is not None:
            ctx.translate(box.x, box.y)
            ctx.scale(box.width / surface.get_width(), box.height / surface.get_height())
            ctx.set_source_surface(surface, 0, 0)
            ctx.get_source().set_filter(cairocffi.FILTER_GOOD)
            ctx.paint()
        else:
            draw_placeholder(ctx, box)
        ctx.restore()
        if surface is not None or self.archive is None:
            return None  # without an archive the placeholder is the design (one job finding says so)
        if not cell:
            message = f"photo missing: the {self.column!r} cell is empty; a placeholder is printed"
        elif key is None:
            message = f"photo missing: no file {cell[:60]!r} in the photos; a placeholder is printed"
        else:
            message = f"photo {cell[:60]!r} could not be decoded; a placeholder is printed"
        return Finding("photo_missing", message, field="photo")


def _box_path(ctx: cairocffi.Context, box: PhotoBox) -> None:
    rx, ry = min(box.rx, box.width / 2), min(box.ry, box.height / 2)
    if rx <= 0 or ry <= 0:
        ctx.rectangle(box.x, box.y, box.width, box.height)
        return
    # Four quarter ellipses joined by the straight sides (an ellipse when rx, ry reach half).
    corners = (
        (box.x + box.width - rx, box.y + ry, -math.pi / 2, 0.0),
        (box.x + box.width - rx, box.y + box.height - ry, 0.0, math.pi / 2),
        (box.x + rx, box.y + box.height - ry, math.pi / 2, math.pi),
        (box.x + rx, box.y + ry, math.pi, 3 * math.pi / 2),
    )
    ctx.new_path()
    for centre_x, centre_y, start, end in corners:
        ctx.save()
        ctx.translate(centre_x, centre_y)
        ctx.scale(rx, ry)
        ctx.arc(0, 0, 1, start, end)
        ctx.restore()
    ctx.close_path()


def draw_placeholder(ctx: cairocffi.Context, box: PhotoBox) -> None:
    """A neutral silhouette (head and shoulders, greys) filling the box; clipped by the caller."""
    ctx.set_source_rgb(0.87, 0.88, 0.90)
    ctx.rectangle(box.x, box.y, box.width, box.height)
    ctx.fill()
    side = min(box.width, box.height)
    centre_x = box.x + box.width / 2
    ctx.set_source_rgb(0.66, 0.68, 0.72)
    ctx.arc(centre_x, box.y + box.height * 0.40, side * 0.21, 0, 2 * math.pi)
    ctx.fill()
    ctx.save()
    ctx.translate(centre_x, box.y + box.height * 0.98)
    ctx.scale(side * 0.40, side * 0.33)
    ctx.arc(0, 0, 1, 0, 2 * math.pi)
    ctx.restore()
    ctx.fill()


def photo_column(requested: str | None, columns: Iterable[str]) -> str | None:
    """The column that names each attendee's photo: the one asked for, else `photo` if the list
    has it; raise when the one asked for is not there."""
    available = list(columns)
    if requested is not None:
        if requested not in available:
            raise RenderInputError(
                f"no column {requested!r} in the attendee list to match photos by",
                location="options.photo_column",
            )
        return requested
    return DEFAULT_COLUMN if DEFAULT_COLUMN in available else None


def photo_job_findings(photos: PhotoSet | None, rows: Iterable[Mapping[str, str]]) -> tuple[Finding, ...]:
    """Said once for a job: photos in the archive no attendee names (for the log)."""
    if photos is None or photos.archive is None:
        return ()
    used = {photos.key_for(row)[0] for row in rows}
    unused = [member.name for key, member in photos.archive.members.items() if key not in used]
    if not unused:
        return ()
    shown = ", ".join(unused[:UNUSED_SHOWN]) + (
        f" and {len(unused) - UNUSED_SHOWN:,} more" if len(unused) > UNUSED_SHOWN else ""
    )
    message = f"{len(unused):,} photo(s) in the archive match no attendee: {shown}"
    return (Finding("photos_unused", message, field="photo"),)
