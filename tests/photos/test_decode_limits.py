"""A picture whose decode would take too much memory is refused from its header, saying it is too large
(api/photos/pipeline.py); at upload, full decodes take turns."""

import io
import struct
import subprocess
import sys
import threading
import time
import uuid
import zlib
from functools import cache
from pathlib import Path

import pytest
from PIL import Image, ImageFile
from sqlmodel import col, func, select

from api.photos import pipeline
from api.tickets.models import Photo
from tests.factories import capture_body

REPO = Path(__file__).resolve().parents[2]
LAT, LON = 28.9078, 120.0270


def _png(width: int, height: int, bit_depth: int, colour_type: int, bytes_per_pixel: int) -> bytes:
    """A PNG of zeros, compressed a row at a time (the raw rows would take hundreds of MB here too)."""
    compress = zlib.compressobj(9)
    row = bytes(1 + width * bytes_per_pixel)
    pixels = b"".join(compress.compress(row) for _ in range(height)) + compress.flush()

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


@cache
def small_png_bomb() -> bytes:
    """The outside test's: 7000×7000 16-bit RGBA, 49 MP (under the pixel limit), 381 KB."""
    return _png(7000, 7000, 16, 6, 8)


def huge_png() -> bytes:
    """20000×20000 RGB: a header, and nothing to decode."""
    return _png(20000, 20000, 8, 2, 3)[:33] + _png(1, 1, 8, 2, 3)[-12:]


_MEASURE = """
import resource, sys
from pathlib import Path
from api.photos import pipeline
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    pipeline.inspect(Path(sys.argv[1]), "image/png", 50_000_000)
except pipeline.PhotoTooLarge as exc:
    print(exc.message_en)
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)
"""


def test_a_small_png_that_would_decode_to_hundreds_of_mb_is_refused_unread(tmp_path):
    path = tmp_path / "bomb.png"
    path.write_bytes(small_png_bomb())
    assert path.stat().st_size < 400_000
    # In a process of its own, whose peak memory is this inspection's.
    result = subprocess.run([sys.executable, "-c", _MEASURE, str(path)], cwd=REPO, capture_output=True, text=True,
                            timeout=120, check=True)
    message, grown_mb = result.stdout.splitlines()
    assert message.startswith("too large to decode (7000×7000)")
    assert int(grown_mb) < 32  # decoding it took 190 MB


def test_one_stored_before_the_limit_gets_no_copies(tmp_path):
    path = tmp_path / "bomb.png"
    path.write_bytes(small_png_bomb())
    with pytest.raises(pipeline.PhotoTooLarge):
        pipeline.analyse(path)


def test_a_picture_over_pillows_own_guard_is_said_to_be_too_large(tmp_path):
    path = tmp_path / "huge.png"
    path.write_bytes(huge_png())
    with pytest.raises(pipeline.PhotoTooLarge, match="too many pixels"):
        pipeline.inspect(path, "image/png", 50_000_000)


def _opened(image: Image.Image, fmt: str, **options) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return Image.open(io.BytesIO(buffer.getvalue()))


@pytest.mark.parametrize("mode, per_pixel", [("RGB", 4), ("RGBA", 8), ("L", 5), ("I;16", 6), ("P", 5)])
def test_decoded_bytes_of_a_full_decode(mode, per_pixel):
    assert pipeline.decoded_bytes(_opened(Image.new(mode, (100, 60)), "PNG")) == 100 * 60 * per_pixel


def test_decoded_bytes_of_jpegs():
    picture = Image.new("RGB", (64, 48))
    assert pipeline.decoded_bytes(_opened(picture, "JPEG")) == 0  # decoded at reduced size, a few rows at a time
    # A progressive one's coefficients, every one kept: 2 bytes a sample, the chroma subsampled 2×2.
    assert pipeline.decoded_bytes(_opened(picture, "JPEG", progressive=True, subsampling=2)) == 2 * (
        64 * 48 + 2 * 32 * 24)
    assert pipeline.decoded_bytes(_opened(picture, "JPEG", progressive=True, subsampling=0)) == 2 * 3 * 64 * 48


def test_full_decodes_at_upload_take_turns(tmp_path, monkeypatch):
    path = tmp_path / "screen.png"
    Image.new("RGB", (400, 300), "white").save(path)
    running, most = 0, 0
    load = ImageFile.ImageFile.load

    def counted(image):
        nonlocal running, most
        running += 1
        most = max(most, running)
        time.sleep(0.05)
        try:
            return load(image)
        finally:
            running -= 1

    monkeypatch.setattr(ImageFile.ImageFile, "load", counted)
    threads = [threading.Thread(target=pipeline.inspect, args=(path, "image/png", 50_000_000)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == 1


@pytest.mark.parametrize("data, message", [(small_png_bomb, "too large to decode"), (huge_png, "too many pixels")])
def test_an_upload_too_large_to_decode_is_refused_as_such(client, inspector, db, data, message):
    picture = data()
    body = capture_body([picture], lat=LAT, lon=LON, content_type="image/png")
    ticket_id = uuid.uuid4()
    assert client.put(f"/api/v1/tickets/{ticket_id}", json=body, headers=inspector).status_code == 201
    response = client.put(f"/api/v1/tickets/{ticket_id}/photos/{body['photos'][0]['id']}", content=picture,
                          headers={**inspector, "Content-Type": "image/png"})
    assert response.status_code == 413, response.text
    error = response.json()["error"]
    assert error["code"] == "photo_too_large" and error["message_en"].startswith(message)
    assert db.exec(select(func.count()).select_from(Photo).where(col(Photo.received_at).is_not(None))).one() == 0
