"""Photos and photo ZIPs for tests: real JPEGs and PNGs, and archives that are bad on purpose."""

from __future__ import annotations

import io
import stat
import struct
import zipfile
import zlib
from collections.abc import Mapping

from PIL import Image

RED, GREEN, BLUE = (210, 20, 20), (20, 170, 40), (20, 40, 210)


def banded_jpeg(
    width: int = 1200,
    height: int = 1600,
    bands: tuple[tuple[float, tuple[int, int, int]], ...] = ((1 / 6, RED), (1.0, BLUE)),
    *,
    orientation: int | None = None,
) -> bytes:
    """A JPEG as it should look: horizontal bands from the top (each up to a share of the
    height). With `orientation`, the pixels are stored turned so that a viewer honouring the EXIF
    Orientation tag shows the bands as described (6: stored turned a quarter anticlockwise)."""
    image = Image.new("RGB", (width, height), bands[-1][1])
    top = 0
    for share, color in bands:
        bottom = round(height * share)
        image.paste(color, (0, top, width, bottom))
        top = bottom
    output = io.BytesIO()
    if orientation is None:
        image.save(output, "JPEG", quality=90)
        return output.getvalue()
    assert orientation == 6
    stored = image.transpose(Image.Transpose.ROTATE_90)  # a viewer turns it back clockwise
    exif = Image.Exif()
    exif[0x0112] = orientation
    stored.save(output, "JPEG", quality=90, exif=exif.tobytes())
    return output.getvalue()


def gradient_jpeg(seed: int, width: int = 1200, height: int = 1600) -> bytes:
    """A distinct photo-sized JPEG per seed (about 200 KB: noise keeps it from compressing away)."""
    import random

    rng = random.Random(seed)
    small = Image.new("RGB", (width // 8, height // 8))
    base = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
    small.putdata(
        [
            (
                (base[0] + x * 2 + rng.randrange(40)) % 256,
                (base[1] + y * 2 + rng.randrange(40)) % 256,
                (base[2] + (x + y) + rng.randrange(40)) % 256,
            )
            for y in range(small.height)
            for x in range(small.width)
        ]
    )
    image = small.resize((width, height), Image.Resampling.BICUBIC)
    output = io.BytesIO()
    image.save(output, "JPEG", quality=85)
    return output.getvalue()


def png_bytes(width: int = 40, height: int = 40, color: tuple[int, int, int, int] = (0, 0, 0, 0)) -> bytes:
    output = io.BytesIO()
    Image.new("RGBA", (width, height), color).save(output, "PNG")
    return output.getvalue()


def png_header_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height pixels (with one tiny, wrong IDAT): nothing a
    careful reader decodes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 16))
        + chunk(b"IEND", b"")
    )


def photo_zip(members: Mapping[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return output.getvalue()


def symlink_zip(name: str = "ada.jpg", target: str = "/etc/passwd") -> bytes:
    """A ZIP whose member is a symbolic link, as `zip --symlinks` writes it on Unix."""
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        info = zipfile.ZipInfo(name)
        info.create_system = 3  # Unix
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, target)
    return output.getvalue()


def with_central_size(data: bytes, size: int) -> bytes:
    """The ZIP with its first member's uncompressed size in the central directory set to `size`
    (a lying header: zipfile reads the sizes from there)."""
    patched = bytearray(data)
    at = patched.find(b"PK\x01\x02")
    struct.pack_into("<I", patched, at + 24, size)
    return bytes(patched)


def with_encrypted_flag(data: bytes) -> bytes:
    """The ZIP with its first member marked encrypted (general purpose flag bit 0)."""
    patched = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = patched.find(signature)
        flags = struct.unpack_from("<H", patched, at + offset)[0]
        struct.pack_into("<H", patched, at + offset, flags | 0x1)
    return bytes(patched)
