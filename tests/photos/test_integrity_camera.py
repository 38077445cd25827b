"""Camera origin: judged by positive evidence of a camera in the file or in the EXIF the phone declared;
the PWA's own re-encode never flags; screenshots and renders say so plainly; disagreements are named."""

import hashlib
import io
import uuid

from PIL import Image, ImageDraw, ImageOps

from api.photos import pipeline
from api.photos.integrity import integrity_flags
from tests.factories import PHOTOS, capture_body, photo_bytes

LAT, LON = 28.9078, 120.0270


def _traces(tmp_path, data: bytes) -> dict:
    path = tmp_path / f"{uuid.uuid4()}"
    path.write_bytes(data)
    return pipeline.analyse(path).traces


def _codes(found: dict, declared: dict | None = None) -> set[str]:
    return {f["code"] for f in integrity_flags(found, declared)}


def _pwa_copy(name: str) -> tuple[bytes, dict]:
    """What the PWA sends: the EXIF it read from the original, and an upright 2048-px copy at quality 85."""
    with Image.open(PHOTOS / name) as image:
        declared = pipeline.exif_summary(image)
        picture = ImageOps.exif_transpose(image).convert("RGB")
    picture.thumbnail((2048, 2048), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=85)
    return buffer.getvalue(), declared


def _screen(size: tuple[int, int], fmt: str) -> bytes:
    screen = Image.new("RGB", size, (240, 240, 245))
    draw = ImageDraw.Draw(screen)
    draw.rectangle((0, 0, size[0], 90), fill=(30, 120, 220))  # a title bar
    with Image.open(PHOTOS / "gps_DSCN0010.jpg") as photo:
        screen.paste(photo.convert("RGB"), (20, 200))  # a photo shown on the screen
    buffer = io.BytesIO()
    screen.save(buffer, fmt)
    return buffer.getvalue()


def test_camera_originals_carry_their_evidence(tmp_path):
    for name in ("gps_DSCN0010.jpg", "mobile_jolla.jpg"):
        assert not _codes(_traces(tmp_path, photo_bytes(name))) & {"not_from_camera", "camera_metadata_missing"}
    found = _traces(tmp_path, photo_bytes("gps_DSCN0010.jpg"))
    assert found["make"] == "NIKON" and found["exposure"] and found["datetime_original"]


def test_the_pwa_re_encode_never_flags(tmp_path):
    for name in ("gps_DSCN0010.jpg", "mobile_jolla.jpg", "corrupted.jpg"):
        data, declared = _pwa_copy(name)
        found = _traces(tmp_path, data)
        assert found["make"] is None  # the re-encode holds no EXIF of its own
        assert _codes(found, declared) == set(), name


def test_the_pwa_path_end_to_end(client, inspector):
    """Through the capture contract: the declared EXIF goes with the photo, and the analysis reads it."""
    data, declared = _pwa_copy("mobile_jolla.jpg")
    body = capture_body([data], lat=LAT, lon=LON)
    body["photos"][0]["exif"] = {k: declared[k] for k in ("make", "model", "datetime_original")}
    ticket_id = str(uuid.uuid4())
    assert client.put(f"/api/v1/tickets/{ticket_id}", json=body, headers=inspector).status_code == 201
    photo_id = body["photos"][0]["id"]
    assert client.put(f"/api/v1/tickets/{ticket_id}/photos/{photo_id}", content=data,
                      headers={**inspector, "Content-Type": "image/jpeg"}).status_code == 201
    client.app.state.analysis_pool.submit(lambda: None).result(timeout=60)
    (photo,) = client.get(f"/api/v1/tickets/{ticket_id}", headers=inspector).json()["photos"]
    assert photo["analysed"]
    assert not {f["code"] for f in photo["flags"]} & {"not_from_camera", "camera_metadata_missing", "exif_mismatch",
                                                      "editing_software", "modified_after_capture"}
    assert hashlib.sha256(data).hexdigest() == photo["sha256"]


def test_screenshots_and_renders_are_named_plainly(tmp_path):
    for size, fmt, says in (((1170, 2532), "PNG", "PNG"), ((1080, 2400), "JPEG", "手机屏幕"),
                            ((1920, 1080), "JPEG", "屏幕分辨率")):
        flags = integrity_flags(_traces(tmp_path, _screen(size, fmt)), None)
        (flag,) = [f for f in flags if f["code"] == "not_from_camera"]
        assert says in flag["reason"] and "screenshot" in flag["reason_en"]
        assert "camera_metadata_missing" not in {f["code"] for f in flags}
    # Re-encoded by the PWA (a phone screenshot is taller than 2:1 whatever its size): still named.
    with Image.open(io.BytesIO(_screen((1170, 2532), "PNG"))) as shot:
        copy = shot.convert("RGB")
    copy.thumbnail((2048, 2048))
    buffer = io.BytesIO()
    copy.save(buffer, "JPEG", quality=85)
    assert "not_from_camera" in _codes(_traces(tmp_path, buffer.getvalue()))


def test_a_screenshot_saying_so_in_its_exif(tmp_path):
    exif = Image.Exif()
    exif[0x0131] = "Screenshot"
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), "white").save(buffer, "JPEG", exif=exif)
    (flag,) = [f for f in integrity_flags(_traces(tmp_path, buffer.getvalue()), None) if f["code"] == "not_from_camera"]
    assert "Screenshot" in flag["reason"]


def test_no_camera_evidence_is_the_weak_flag(tmp_path):
    """EXIF stripped, or a camera's name with none of what a camera writes: no camera evidence."""
    picture = Image.open(io.BytesIO(photo_bytes("mobile_jolla.jpg"))).convert("RGB")
    stripped = io.BytesIO()
    picture.save(stripped, "JPEG", quality=80)
    assert _codes(_traces(tmp_path, stripped.getvalue())) == {"camera_metadata_missing"}
    named = Image.Exif()
    named[0x010F], named[0x0110] = "Canon", "Canon EOS 40D"
    forged = io.BytesIO()
    picture.save(forged, "JPEG", quality=80, exif=named)
    assert "camera_metadata_missing" in _codes(_traces(tmp_path, forged.getvalue()))
    # A declared camera name without the time it took the picture is not evidence either.
    assert "camera_metadata_missing" in _codes(_traces(tmp_path, stripped.getvalue()), {"make": "HUAWEI"})


def test_file_and_declared_exif_disagreeing_is_said(tmp_path):
    found = _traces(tmp_path, photo_bytes("gps_DSCN0010.jpg"))
    declared = {"make": "HUAWEI", "model": "nova 11", "datetime_original": "2024:05:01 10:00:00"}
    (flag,) = [f for f in integrity_flags(found, declared) if f["code"] == "exif_mismatch"]
    assert "NIKON ≠ HUAWEI" in flag["reason"] and "differ" in flag["reason_en"]
    assert "DateTimeOriginal" in flag["reason_en"]
    # The same facts, in the PWA's spelling (EXIF's own time format): no disagreement.
    same = {"make": "NIKON", "model": "COOLPIX P6000", "datetime_original": "2008:10:22 16:28:39"}
    assert "exif_mismatch" not in _codes(found, same)
