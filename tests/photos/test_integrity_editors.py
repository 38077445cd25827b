"""Editors' traces beyond the Software tag: photo managers and beautify apps by name, an XMP record
naming an editor, and a DateTime later than the shot."""

import io
import uuid

import pytest
from PIL import Image

from api.photos import pipeline
from api.photos.integrity import integrity_flags
from tests.factories import PHOTOS, photo_bytes, submit

LAT, LON = 28.9078, 120.0270


def _camera_exif(changes: dict | None = None) -> Image.Exif:
    """gps_DSCN0010.jpg's own EXIF (Nikon, exposure data, DateTimeOriginal), with `changes` to IFD0."""
    with Image.open(PHOTOS / "gps_DSCN0010.jpg") as image:
        exif = image.getexif()
    for ifd in (0x8769, 0x8825):
        exif.get_ifd(ifd)
    exif.update(changes or {})
    return exif


def _saved(tmp_path, exif: Image.Exif | None = None, xmp: bytes | None = None, quality: int = 90) -> dict:
    picture = Image.open(PHOTOS / "gps_DSCN0010.jpg").convert("RGB")
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=quality, **({"exif": exif} if exif else {}), **({"xmp": xmp} if xmp else {}))
    path = tmp_path / f"{uuid.uuid4()}.jpg"
    path.write_bytes(buffer.getvalue())
    return pipeline.analyse(path).traces


def _flags(found: dict) -> dict[str, dict]:
    return {f["code"]: f for f in integrity_flags(found, None)}


@pytest.mark.parametrize("software", ["MeituXiuxiu", "美图秀秀 9.2", "醒图", "Xingtu", "Adobe Photoshop Lightroom 6.0",
                                      "Picasa", "Windows Photo Gallery 16.4", "Snapseed", "ACDSee Pro 9", "FaceU"])
def test_editors_and_photo_managers_in_the_software_tag(tmp_path, software):
    # As the apps write it: UTF-8 (Pillow would write "????" for a str it cannot put in ASCII).
    flag = _flags(_saved(tmp_path, _camera_exif({0x0131: software.encode()})))["editing_software"]
    assert software in flag["reason"] and software in flag["reason_en"]


def test_a_phone_camera_firmware_is_not_an_editor(tmp_path):
    assert "editing_software" not in _flags(_saved(tmp_path, _camera_exif({0x0131: "ELS-AN00 4.0.0.123(C00E120R2P1)"})))


@pytest.mark.parametrize("xmp", [
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="Adobe Photoshop 25.0 (Windows)"/>'
    b'</rdf:RDF></x:xmpmeta>',
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description><xmpMM:History><rdf:Seq><rdf:li stEvt:action="saved" '
    b'stEvt:softwareAgent="Adobe Photoshop Lightroom Classic 13.0"/></rdf:Seq></xmpMM:History>'
    b'</rdf:Description></rdf:RDF></x:xmpmeta>',
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description><xmp:CreatorTool>Meitu</xmp:CreatorTool></rdf:Description></rdf:RDF></x:xmpmeta>',
])
def test_an_xmp_record_naming_an_editor(tmp_path, xmp):
    found = _saved(tmp_path, _camera_exif(), xmp)
    flag = _flags(found)["editing_software"]
    assert "XMP" in flag["reason"] and found["tools"][0] in flag["reason_en"]


def test_a_datetime_later_than_the_shot(tmp_path):
    flags = _flags(_saved(tmp_path, _camera_exif({0x0132: "2008:10:22 18:30:00"})))  # shot at 16:28:39
    # Nikon Transfer, importing the photos ten days later, rewrote DateTime: the file was saved again.
    assert "10 天" in _flags(_saved(tmp_path, _camera_exif()))["modified_after_capture"]["reason"]
    assert "2 小时" in flags["modified_after_capture"]["reason"]
    assert "2 hours" in flags["modified_after_capture"]["reason_en"]
    # A camera writes DateTime as it saves: a second or two after the shot is not an edit.
    assert "modified_after_capture" not in _flags(_saved(tmp_path, _camera_exif({0x0132: "2008:10:22 16:28:41"})))


def test_genuine_camera_files_carry_no_editor_trace(tmp_path):
    """The Nikons went through Nikon Transfer (it rewrote DateTime, see above), not an editor."""
    for name in ("gps_DSCN0010.jpg", "gps_DSCN0012.jpg", "mobile_jolla.jpg", "corrupted.jpg"):
        path = tmp_path / name
        path.write_bytes(photo_bytes(name))
        assert "editing_software" not in _flags(pipeline.analyse(path).traces), name


def test_editor_flags_reach_the_ticket_and_never_reject(client, inspector):
    data = io.BytesIO()
    Image.open(PHOTOS / "gps_DSCN0010.jpg").save(data, "JPEG", quality=90,
                                                 exif=_camera_exif({0x0131: "美图秀秀".encode()}))
    _, ticket = submit(client, inspector, [data.getvalue()], lat=LAT, lon=LON)
    (photo,) = ticket["photos"]
    assert ticket["status"] != "incomplete" and photo["analysed"]
    flags = {f["code"]: f for f in photo["flags"]}
    assert "美图秀秀" in flags["editing_software"]["reason"]
