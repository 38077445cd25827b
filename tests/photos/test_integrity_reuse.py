"""Reuse after a re-save: the whole-picture perceptual hash finds a smaller, brighter, darker or
re-compressed copy, through the indexed search; unrelated photos of a similar scene are not taken for it."""

import io
import uuid

import imagehash
import pytest
from PIL import Image, ImageEnhance, ImageOps

from api.photos import pipeline
from tests.factories import PHOTOS, photo_bytes, submit

LAT, LON = 28.9078, 120.0270


def _hamming(a: str, b: str) -> int:
    return imagehash.hex_to_hash(a) - imagehash.hex_to_hash(b)


def _upright(name: str) -> Image.Image:
    with Image.open(PHOTOS / name) as image:
        return ImageOps.exif_transpose(image).convert("RGB")


def _jpeg(image: Image.Image, quality: int = 80) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def _analysed(tmp_path, data: bytes) -> pipeline.Analysis:
    path = tmp_path / f"{uuid.uuid4()}.jpg"
    path.write_bytes(data)
    return pipeline.analyse(path)


EDITS = {
    "re-saved at quality 60": lambda im: im,
    "half size": lambda im: im.resize((im.width // 2, im.height // 2)),
    "brighter 20 %": lambda im: ImageEnhance.Brightness(im).enhance(1.2),
    "darker 20 %": lambda im: ImageEnhance.Brightness(im).enhance(0.8),
}


@pytest.mark.parametrize("edit", EDITS)
def test_a_re_saved_copy_is_within_the_distance_of_its_original(tmp_path, settings, edit):
    original = _analysed(tmp_path, photo_bytes("mobile_jolla.jpg"))
    copy = _analysed(tmp_path, _jpeg(EDITS[edit](_upright("mobile_jolla.jpg")), 60))
    assert _hamming(copy.phash, original.phash) <= settings.flag_phash_distance


def test_photos_taken_seconds_apart_at_one_place_are_not_reuse(tmp_path, settings):
    """gps_DSCN0010 and 0012: one camera, one place, 70 s apart; nor the quarters of one photo."""
    first, second = (_analysed(tmp_path, photo_bytes(n)) for n in ("gps_DSCN0010.jpg", "gps_DSCN0012.jpg"))
    assert _hamming(first.phash, second.phash) > settings.flag_phash_distance
    picture = _upright("mobile_jolla.jpg")
    w, h = picture.size
    quarters = [_analysed(tmp_path, _jpeg(picture.crop((x, y, x + w // 2, y + h // 2))))
                for x, y in ((0, 0), (w // 2, 0), (0, h // 2), (w // 2, h // 2))]
    for i, a in enumerate(quarters):
        for b in quarters[i + 1:]:
            assert _hamming(a.phash, b.phash) > settings.flag_phash_distance


def test_a_re_saved_reupload_is_flagged_through_the_index(client, inspector):
    first_id, _ = submit(client, inspector, [photo_bytes("mobile_jolla.jpg")], lat=LAT, lon=LON)
    smaller = _upright("mobile_jolla.jpg").resize((1000, 750))
    _, again = submit(client, inspector, [_jpeg(ImageEnhance.Brightness(smaller).enhance(1.15), 70)],
                      category="0102", lat=LAT, lon=LON)
    flag = next(f for f in again["photos"][0]["flags"] if f["code"] == "near_duplicate")
    assert flag["tickets"] == [first_id]


def test_an_unrelated_photo_of_a_similar_scene_is_not_flagged(client, inspector):
    submit(client, inspector, [photo_bytes("gps_DSCN0010.jpg")], lat=LAT, lon=LON)
    _, other = submit(client, inspector, [photo_bytes("gps_DSCN0012.jpg")], category="0102", lat=LAT, lon=LON)
    assert "near_duplicate" not in {f["code"] for f in other["photos"][0]["flags"]}
