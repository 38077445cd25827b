"""Image work, all synchronous and CPU-bound: callers run it off the event loop.

inspect(): what the acknowledgement needs: format, pixel size and EXIF from the header, and that the
    picture is whole. A JPEG whose segments are all in place, whose picture data ends in an
    end-of-image marker and holds only byte pairs a scan can hold is not decoded; anything else (other
    formats, odd JPEGs) is decoded, JPEGs at 1/8 scale, and the decode decides.
analyse(): after the acknowledgement, one decode for the perceptual hash and the oriented, EXIF-free
    JPEG copies for display (1600 px) and thumbnails (320 px), and the file's traces of its origin
    (camera data, editors) from its header.
Both refuse, from the header, a picture whose decode would take more than MAX_DECODED_BYTES: a few
hundred KB of PNG can ask for hundreds of MB. inspect() decodes in full one picture at a time, so however
many uploads arrive at once their decodes take one picture's memory (the analysis, on one thread, another).
"""

import contextlib
import io
import math
import mmap
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import imagehash
import numpy
import pillow_heif
from PIL import ExifTags, Image, ImageMode, ImageOps, UnidentifiedImageError
from PIL.JpegImagePlugin import JpegImageFile

from api.photos import integrity
from api.photos.integrity import clean as _clean

pillow_heif.register_heif_opener()
# We check pixel counts ourselves (below) with a clear error; Pillow's guard stays as a backstop.
Image.MAX_IMAGE_PIXELS = 100_000_000
# A 32-MP picture in RGB; what phones send (JPEGs, decoded at reduced size) takes far less.
MAX_DECODED_BYTES = 128 * 2**20
_INSPECTING_IN_FULL = threading.Lock()

FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP", "image/heic": "HEIF"}
VARIANTS = {"display": 1600, "thumb": 320}


class PhotoInvalid(Exception):
    def __init__(self, message: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message, self.message_en = message, message_en


class PhotoTooLarge(PhotoInvalid):
    """Too many pixels, or too much memory to decode: a picture, but not one to take."""


@dataclass
class PhotoFacts:
    width: int
    height: int
    exif: dict


@dataclass
class Analysis:
    phash: str
    copies: dict[str, bytes]  # variant → JPEG bytes
    traces: dict  # integrity.traces: what the file says of its origin


def _degrees(dms, ref) -> float | None:
    try:
        d, m, s = (float(v) for v in dms)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = d + m / 60 + s / 3600
    return round(-value if _clean(ref) in ("S", "W") else value, 7)


def exif_summary(image: Image.Image) -> dict:
    exif = image.getexif()
    sub = exif.get_ifd(ExifTags.IFD.Exif)
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    taken = _clean(sub.get(ExifTags.Base.DateTimeOriginal))
    try:
        taken_iso = datetime.strptime(taken, "%Y:%m:%d %H:%M:%S").isoformat() if taken else None
    except ValueError:
        taken_iso = None
    offset = _clean(sub.get(ExifTags.Base.OffsetTimeOriginal))
    lat = _degrees(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef)) if gps else None
    lon = _degrees(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef)) if gps else None
    return {
        "make": _clean(exif.get(ExifTags.Base.Make)),
        "model": _clean(exif.get(ExifTags.Base.Model)),
        "software": _clean(exif.get(ExifTags.Base.Software)),
        "datetime_original": taken_iso,  # camera local time, as written
        "offset_time_original": offset,
        "gps_lat": lat,
        "gps_lon": lon,
        "orientation": exif.get(ExifTags.Base.Orientation),
    }


def _dct_matrix(n: int) -> numpy.ndarray:
    """scipy.fftpack.dct's type II, unnormalised, as a matrix: 2·Σ x[i]·cos(π·k·(2i+1)/2n)."""
    k, i = numpy.arange(n)[:, None], numpy.arange(n)[None, :]
    return 2 * numpy.cos(numpy.pi * k * (2 * i + 1) / (2 * n))


_DCT32 = _dct_matrix(32)


def perceptual_hash(image: Image.Image) -> imagehash.ImageHash:
    """imagehash.phash, step for step, with its two 32-point DCTs done as one matrix product: phash
    imports scipy for them, 16 MB in every server process. Same bits (tests/photos compare them)."""
    pixels = numpy.asarray(image.convert("L").resize((32, 32), Image.Resampling.LANCZOS), dtype=numpy.float64)
    low = (_DCT32 @ pixels @ _DCT32.T)[:8, :8]
    return imagehash.ImageHash(low > numpy.median(low))


@contextlib.contextmanager
def _decoding():
    """Pillow's many ways of saying "not a picture" or "broken picture", as PhotoInvalid. An error of
    the machine (a read that failed: it carries an errno) is not the picture's fault and passes through."""
    try:
        yield
    except PhotoInvalid:
        raise
    except Image.DecompressionBombError as exc:  # Pillow's own guard, before a size is known to us
        raise PhotoTooLarge("图片像素过多，无法处理", f"too many pixels: {exc}") from None
    except UnidentifiedImageError:
        raise PhotoInvalid("不是可识别的图片", "not a recognisable image") from None
    except OSError as exc:
        if exc.errno is not None:
            raise
        raise PhotoInvalid("图片已损坏或不完整", f"damaged or truncated image: {exc}") from None
    except (SyntaxError, ValueError) as exc:
        raise PhotoInvalid("图片已损坏或不完整", f"damaged or truncated image: {exc}") from None


# Inside a scan a 0xFF byte is followed by 0x00 (stuffing), a restart marker or the end; between the
# scans of a progressive JPEG come tables, comments and APPn segments. Any other pair means the picture
# data is not what it should be.
_MAY_FOLLOW_FF = numpy.zeros(256, dtype=bool)
_MAY_FOLLOW_FF[[0x00, *range(0xD0, 0xDA), 0xFF, 0xC4, 0xCC, 0xDA, 0xDB, 0xDD, 0xFE, *range(0xE0, 0xF0)]] = True


def _jpeg_is_whole(path: Path) -> bool:
    """Every header segment in place, an end-of-image marker after the start of the picture data, and
    nothing between them that picture data cannot contain. A truncated upload has no end marker (inside
    entropy-coded data FF D9 can only be the end); random bytes are caught by the pairs. The header is
    walked in a mapping, the picture data scanned by numpy in chunks (numpy lets go of the GIL; a regex
    held it, ~1 ms of a 600 KB photo on the acknowledgement's path). False means "decode to decide"."""
    try:
        with open(path, "rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
            header = _header_segments(data)
            return header is not None and _picture_data_ends_cleanly(data, header[1])
    except (OSError, ValueError):  # a file system without mmap, say: the decode decides
        return False


_SCAN_CHUNK = 256 * 1024  # bounds the scan's arrays: 16 uploads of 12-MP photos at once stay small


def _picture_data_ends_cleanly(data, start: int) -> bool:
    """From `start`: an end marker, and before it only pairs picture data can hold. In chunks that
    overlap by a byte, so a pair across a chunk's edge is seen; each chunk is a copy, so no array
    points into the mapping when it closes."""
    for low in range(start, len(data) - 1, _SCAN_CHUNK):
        chunk = numpy.frombuffer(data[low:low + _SCAN_CHUNK + 1], dtype=numpy.uint8)
        following = chunk[numpy.flatnonzero(chunk[:-1] == 0xFF) + 1]
        ends = numpy.flatnonzero(following == 0xD9)
        if not _MAY_FOLLOW_FF[following[:ends[0] if ends.size else None]].all():
            return False
        if ends.size:
            return True
    return False


def decoded_bytes(image: Image.Image) -> int:
    """The memory decoding an opened picture as analyse() does holds at once, from its header. A baseline
    JPEG is decoded at reduced size, a few rows at a time: a few MB within the pixel limit, not counted.
    libjpeg keeps a progressive JPEG's coefficients, 2 bytes a sample of each (perhaps subsampled)
    component, whatever the scale. Other formats decode in full, at Pillow's bytes per pixel (4 for
    several bands), with the analysis's RGB copy (4 a pixel) on top unless the picture is RGB already."""
    width, height = image.size
    if image.format == "JPEG":
        assert isinstance(image, JpegImageFile)  # the plugin that reads JPEG, which keeps its components' sampling
        if not image.info.get("progressive"):
            return 0
        h_max, v_max = (max(component[i] for component in image.layer) for i in (1, 2))
        return 2 * sum(math.ceil(width * h / h_max) * math.ceil(height * v / v_max) for _, h, v, _ in image.layer)
    per_pixel = 4 if len(image.getbands()) > 1 else numpy.dtype(ImageMode.getmode(image.mode).typestr).itemsize
    return width * height * (per_pixel + (0 if image.mode == "RGB" else 4))


def _decodable(image: Image.Image) -> int:
    """What decoding the picture holds; PhotoTooLarge when that is over the limit."""
    width, height = image.size
    needed = decoded_bytes(image)
    if needed > MAX_DECODED_BYTES:
        raise PhotoTooLarge(f"图片过大（{width}×{height}），解码需 {needed // 2**20} MB 内存，上限 "
                            f"{MAX_DECODED_BYTES // 2**20} MB", f"too large to decode ({width}×{height}): "
                            f"{needed // 2**20} MB of memory; limit {MAX_DECODED_BYTES // 2**20} MB")
    return needed


def inspect(path: Path, content_type: str, max_pixels: int) -> PhotoFacts:
    """The facts the acknowledgement needs; refuses what is not a whole picture of the declared type.
    Decoding is left to analyse() for whole JPEGs (the photos phones send): it would catch only damage
    inside the picture data, which libjpeg mostly decodes as grey blocks anyway."""
    with _decoding(), Image.open(path) as image:
        if image.format != FORMATS.get(content_type):
            raise PhotoInvalid(f"文件内容是 {image.format}，与声明的 {content_type} 不符",
                               f"content is {image.format}, not the declared {content_type}")
        width, height = image.size
        if width * height > max_pixels:
            raise PhotoTooLarge(f"图片像素过多（{width}×{height}），上限 {max_pixels // 1_000_000} 百万像素",
                                f"too many pixels ({width}×{height}); limit {max_pixels // 1_000_000} MP")
        needed = _decodable(image)
        whole_jpeg = image.format == "JPEG" and _jpeg_is_whole(path)
        # A full decode waits for the one in progress. Reading a PNG's EXIF decodes it (it may follow the pixels).
        with _INSPECTING_IN_FULL if needed and not whole_jpeg else contextlib.nullcontext():
            exif = exif_summary(image)
            if not whole_jpeg:
                if image.format == "JPEG":
                    image.draft("L", (64, 64))  # 1/8 scale: every block is still entropy-decoded, cheaply
                image.load()
    return PhotoFacts(width, height, exif)


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=82)
    return buffer.getvalue()


def _is_kept(marker: int, segment: bytes) -> bool:
    """Everything the picture needs; no APPn metadata (EXIF, XMP, IPTC, MPF…) and no comments, except
    JFIF (APP0), Adobe's colour transform (APP14) and an ICC profile (APP2)."""
    if marker == 0xFE:
        return False
    if 0xE0 <= marker <= 0xEF:
        return marker in (0xE0, 0xEE) or (marker == 0xE2 and segment[4:16] == b"ICC_PROFILE\0")
    return True


def _header_segments(data) -> tuple[list[tuple[int, int, int]], int] | None:
    """A JPEG's segments before its first scan, as (marker, start, end), and where that scan starts;
    None when the header is not the plain sequence of segments expected."""
    if data[:2] != b"\xff\xd8":
        return None
    segments: list[tuple[int, int, int]] = []
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker == 0xDA:  # start of scan: the rest is picture data
            return segments, i
        if marker == 0xD8 or marker == 0x01 or 0xD0 <= marker <= 0xD7:
            return None
        end = i + 2 + int.from_bytes(data[i + 2:i + 4], "big")
        if end > len(data):
            return None
        segments.append((marker, i, end))
        i = end
    return None


def strip_metadata(data: bytes) -> bytes | None:
    """The same JPEG, byte for byte from its first scan on, without metadata segments; None when the
    header is not the plain sequence of segments expected."""
    header = _header_segments(data)
    if header is None:
        return None
    segments, scan = header
    kept = (data[start:end] for marker, start, end in segments if _is_kept(marker, data[start:end]))
    return b"".join([data[:2], *kept, data[scan:]])


def _display_as_is(path: Path, edge: int) -> bytes | None:
    """An upright JPEG already within the display size needs no new pixels, only its metadata gone:
    no decode, no generation loss, and ~0.1 ms instead of ~30 ms."""
    with Image.open(path) as image:
        if (image.format != "JPEG" or image.mode not in ("RGB", "L") or max(image.size) > edge
                or image.getexif().get(ExifTags.Base.Orientation, 1) != 1):
            return None
    return strip_metadata(path.read_bytes())


def analyse(path: Path) -> Analysis:
    """The perceptual hash, the file's traces (integrity.traces) and the upright, EXIF-free copies,
    `display` (long edge ≤ 1600) and `thumb` (≤ 320), from one decode at the smallest JPEG scale that
    covers the largest copy still to be made (a 12-MP original never decodes in full). An upright JPEG
    within 1600 px becomes its own display copy, metadata removed; the thumbnail is then made from an
    eighth- or quarter-scale decode.
    A picture too large to decode (stored before the limit was) is PhotoTooLarge: no copies, no hash."""
    with _decoding():
        as_is = _display_as_is(path, VARIANTS["display"])
    copies = {} if as_is is None else {"display": as_is}
    largest = max(edge for variant, edge in VARIANTS.items() if variant not in copies)
    with _decoding(), Image.open(path) as image:
        _decodable(image)
        traces = integrity.traces(image)
        if image.format == "JPEG":
            # The box keeps the picture's proportions: asked for (1600, 1600), a 4000×3000 photo would
            # have to be decoded in full (36 MB), since half size (2000×1500) is not that tall.
            width, height = image.size
            scale = min(1.0, largest / max(width, height))
            image.draft("RGB", (math.ceil(width * scale), math.ceil(height * scale)))
        image.load()
        ImageOps.exif_transpose(image, in_place=True)  # no copy when already upright
        rgb = image.convert("RGB") if image.mode != "RGB" else image
        phash = str(perceptual_hash(rgb))
        for variant, edge in sorted(VARIANTS.items(), key=lambda item: -item[1]):  # the thumb from the display
            if variant not in copies:
                if max(rgb.size) > edge:
                    rgb.thumbnail((edge, edge), Image.Resampling.BICUBIC, reducing_gap=2.0)
                copies[variant] = _jpeg(rgb)
    return Analysis(phash, copies, traces)
