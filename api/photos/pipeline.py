"""Image work, all synchronous and CPU-bound: callers run it off the event loop.

inspect(): decode safely, read EXIF, size, perceptual hash (what integrity needs at upload time).
derive(): oriented, EXIF-stripped JPEG copies for display (1600 px) and thumbnails (320 px).
"""

import io
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import imagehash
import pillow_heif
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

pillow_heif.register_heif_opener()
# We check pixel counts ourselves (below) with a clear error; Pillow's guard stays as a backstop.
Image.MAX_IMAGE_PIXELS = 100_000_000

FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP", "image/heic": "HEIF"}
VARIANTS = {"display": 1600, "thumb": 320}


class PhotoInvalid(Exception):
    def __init__(self, message: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message, self.message_en = message, message_en


@dataclass
class PhotoFacts:
    width: int
    height: int
    exif: dict
    phash: str


def _clean(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = re.sub(r"[\x00-\x1f]", "", str(value)).strip()
    return text[:128] or None


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


def inspect(path: Path, content_type: str, max_pixels: int) -> PhotoFacts:
    """Decode the whole image (truncation and garbage are caught here), read its facts."""
    try:
        with Image.open(path) as image:
            if image.format != FORMATS.get(content_type):
                raise PhotoInvalid(f"文件内容是 {image.format}，与声明的 {content_type} 不符",
                                   f"content is {image.format}, not the declared {content_type}")
            width, height = image.size
            if width * height > max_pixels:
                raise PhotoInvalid(f"图片像素过多（{width}×{height}），上限 {max_pixels // 1_000_000} 百万像素",
                                   f"too many pixels ({width}×{height}); limit {max_pixels // 1_000_000} MP")
            exif = exif_summary(image)
            if image.format == "JPEG":
                # DCT scaling to 1/8: every block is still entropy-decoded (so truncation is caught),
                # at a fraction of the cost; the perceptual hash only looks at 32×32 anyway.
                image.draft("L", (64, 64))
            image.load()
            ImageOps.exif_transpose(image, in_place=True)
            phash = str(imagehash.phash(image))
    except PhotoInvalid:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError):
        raise PhotoInvalid("不是可识别的图片", "not a recognisable image") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise PhotoInvalid("图片已损坏或不完整", f"damaged or truncated image: {exc}") from None
    return PhotoFacts(width, height, exif, phash)


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=82)
    return buffer.getvalue()


def derive(path: Path) -> dict[str, bytes]:
    """Upright, EXIF-free JPEGs: `display` (long edge ≤ 1600) and `thumb` (≤ 320). Each is decoded
    at the smallest JPEG scale that still covers it, so a 12-MP original never decodes in full."""
    out = {}
    for variant, edge in VARIANTS.items():
        with Image.open(path) as image:
            if image.format == "JPEG":
                image.draft("RGB", (edge, edge))
            image.load()
            ImageOps.exif_transpose(image, in_place=True)  # no copy when already upright
            image = image.convert("RGB") if image.mode != "RGB" else image
            if max(image.size) > edge:
                image.thumbnail((edge, edge), Image.Resampling.BICUBIC, reducing_gap=2.0)
            out[variant] = _jpeg(image)
    return out
