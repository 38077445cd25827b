"""The image pipeline on real camera JPEGs (../shared/photos)."""

import io

import pytest
from PIL import Image, ImageChops, ImageStat

from api.documents import pdf
from api.photos import pipeline
from tests.factories import PHOTOS


def _display(name: str) -> Image.Image:
    return Image.open(io.BytesIO(pipeline.analyse(PHOTOS / name).copies["display"])).convert("L")


def _difference(a: Image.Image, b: Image.Image) -> float:
    if a.size != b.size:
        return 255.0
    return ImageStat.Stat(ImageChops.difference(a, b)).mean[0]


@pytest.mark.parametrize("name", ["orientation_landscape_6.jpg"])
def test_landscape_orientation_comes_out_upright(name):
    reference = _display("orientation_landscape_1.jpg")
    derived = _display(name)
    upright = _difference(reference, derived)
    assert upright < 25
    for angle in (90, 180, 270):
        assert upright < _difference(reference, derived.rotate(angle, expand=True))


def test_portrait_orientations_agree():
    """Orientation 3 and 8 store the same portrait scene rotated differently; both come out upright
    and identical in shape and content."""
    three, eight = _display("orientation_portrait_3.jpg"), _display("orientation_portrait_8.jpg")
    assert three.size == eight.size == (450, 600)
    same = _difference(three, eight)
    assert same < 10
    assert all(same < _difference(three, eight.rotate(a, expand=True)) for a in (90, 180, 270))


def test_derivatives_are_small_and_exif_free():
    variants = pipeline.analyse(PHOTOS / "mobile_jolla.jpg").copies
    display, thumb = (Image.open(io.BytesIO(variants[v])) for v in ("display", "thumb"))
    assert max(display.size) == 1600 and max(thumb.size) == 320
    assert not display.getexif() and not thumb.getexif()


def test_gps_is_decoded_to_decimal_degrees():
    facts = pipeline.inspect(PHOTOS / "gps_DSCN0010.jpg", "image/jpeg", 50_000_000)
    assert facts.exif["gps_lat"] == pytest.approx(43.4674, abs=1e-4)
    assert facts.exif["gps_lon"] == pytest.approx(11.8851, abs=1e-4)
    assert facts.exif["make"] == "NIKON" and facts.exif["model"] == "COOLPIX P6000"
    assert facts.exif["datetime_original"] == "2008-10-22T16:28:39"
    assert (facts.width, facts.height) == (640, 480)


def test_editing_software_and_missing_camera_are_read():
    gimp = pipeline.inspect(PHOTOS / "Canon_40D.jpg", "image/jpeg", 50_000_000)
    assert gimp.exif["software"] == "GIMP 2.4.5" and gimp.exif["make"] == "Canon"
    imported = pipeline.inspect(PHOTOS / "Canon_40D_photoshop_import.jpg", "image/jpeg", 50_000_000)
    assert imported.exif["make"] is None and imported.exif["model"] is None
    assert imported.exif["datetime_original"] is None


def test_damaged_camera_file_does_not_crash():
    facts = pipeline.inspect(PHOTOS / "corrupted.jpg", "image/jpeg", 50_000_000)
    assert (facts.width, facts.height) == (3648, 2736)
    analysis = pipeline.analyse(PHOTOS / "corrupted.jpg")
    assert len(analysis.phash) == 16 and set(analysis.copies) == {"display", "thumb"}


def test_truncated_and_garbage_and_bombs_are_refused(tmp_path):
    data = (PHOTOS / "gps_DSCN0010.jpg").read_bytes()
    (tmp_path / "truncated.jpg").write_bytes(data[: len(data) * 6 // 10])
    (tmp_path / "text.jpg").write_text("这不是图片 not a picture")
    Image.new("1", (10_000, 8_000)).save(tmp_path / "bomb.png")  # 80 MP, a few KB
    for name, content_type in (("truncated.jpg", "image/jpeg"), ("text.jpg", "image/jpeg"),
                               ("bomb.png", "image/png")):
        with pytest.raises(pipeline.PhotoInvalid) as caught:
            pipeline.inspect(tmp_path / name, content_type, 50_000_000)
        assert caught.value.message and caught.value.message_en
    with pytest.raises(pipeline.PhotoInvalid, match="not the declared"):
        pipeline.inspect(PHOTOS / "Canon_40D.jpg", "image/png", 50_000_000)


def _phash_cases():
    """Every decodable sample photo, crops and rescales of them, and random noise."""
    import random

    rng = random.Random(7)
    for path in sorted(PHOTOS.glob("*.jpg")):
        if path.name == "corrupted.jpg":
            continue
        with Image.open(path) as image:
            image = image.convert("RGB")
        yield image
        for _ in range(5):
            w, h = image.size
            x, y = rng.randrange(w // 3), rng.randrange(h // 3)
            yield image.crop((x, y, x + w // 2, y + h // 2)).resize((rng.randrange(40, 900), rng.randrange(40, 900)))
    for _ in range(40):
        yield Image.frombytes("L", (64, 48), rng.randbytes(64 * 48))


def test_perceptual_hash_has_the_same_bits_as_imagehash_phash():
    import imagehash  # its phash loads scipy; fine in a test process

    cases = list(_phash_cases())
    assert len(cases) > 90
    for image in cases:
        assert str(pipeline.perceptual_hash(image)) == str(imagehash.phash(image))


def test_an_upright_jpeg_within_the_display_size_is_its_own_display_copy():
    original = (PHOTOS / "gps_DSCN0010.jpg").read_bytes()  # 640×480, upright, EXIF with GPS
    display_bytes = pipeline.analyse(PHOTOS / "gps_DSCN0010.jpg").copies["display"]
    display = Image.open(io.BytesIO(display_bytes))
    assert not display.getexif() and "exif" not in display.info and "xmp" not in display.info
    assert b"Exif" not in display_bytes[:200] and b"NIKON" not in display_bytes
    assert original.endswith(display_bytes[-50_000:])  # the picture data as received: no re-encoding
    with Image.open(PHOTOS / "gps_DSCN0010.jpg") as source:
        assert not ImageChops.difference(display.convert("RGB"), source.convert("RGB")).getbbox()


def test_metadata_stripping_keeps_the_colour_profile_and_refuses_what_it_does_not_know():
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "SomeCamera"  # Make
    Image.new("RGB", (64, 48), "red").save(buffer, "JPEG", exif=exif, icc_profile=b"\0" * 300, comment=b"note")
    assert b"SomeCamera" in buffer.getvalue() and b"note" in buffer.getvalue()
    stripped_bytes = pipeline.strip_metadata(buffer.getvalue())
    assert b"SomeCamera" not in stripped_bytes and b"note" not in stripped_bytes
    stripped = Image.open(io.BytesIO(stripped_bytes))
    assert stripped.info.get("icc_profile") == b"\0" * 300
    assert not stripped.getexif() and "comment" not in stripped.info
    assert stripped.convert("RGB").getpixel((10, 10))[0] > 240
    assert pipeline.strip_metadata(b"GIF89a...") is None
    assert pipeline.strip_metadata(buffer.getvalue()[:30]) is None  # cut off before the picture


def test_printing_a_document_leaves_damaged_pictures_refused(tmp_path):
    pdf.weasyprint()  # importing it once let Pillow load truncated pictures throughout the process
    data = (PHOTOS / "gps_DSCN0010.jpg").read_bytes()
    (tmp_path / "truncated.jpg").write_bytes(data[: len(data) * 6 // 10])
    with pytest.raises(pipeline.PhotoInvalid):
        pipeline.inspect(tmp_path / "truncated.jpg", "image/jpeg", 50_000_000)
