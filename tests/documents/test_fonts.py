"""The CJK font unpacked into the environment (pdf.FONT_DIR, where bootstrap.sh could not install one for the
system): the PDF is set in it, and a page opened in the browser never names it (the browser's policy refuses the
file:// URL, a violation in the console)."""

import re
import shutil
import zlib

import pytest

from api import headers
from api.accounts.models import Role
from api.documents import pdf
from tests.bulletins.helpers import make_bulletin
from tests.factories import login, make_user
from tests.test_security_headers import directives

# Any font file does: the PDF names a font by the family its @font-face declares.
STAND_IN = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"


@pytest.fixture
def unpacked_font(tmp_path, monkeypatch):
    folder = tmp_path / "fonts"
    folder.mkdir()
    shutil.copy(STAND_IN, folder / "cjk.ttf")
    monkeypatch.setattr(pdf, "FONT_DIR", folder)
    return folder


def inflated(data: bytes) -> bytes:
    """The PDF with its streams inflated: the fonts' names sit in compressed object streams."""
    parts = [data]
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", data, re.S):
        try:
            parts.append(zlib.decompressobj().decompress(stream))
        except zlib.error:
            pass
    return b"".join(parts)


def test_the_pdf_is_set_in_the_unpacked_font(unpacked_font):
    base_css = pdf.environment("api.documents").globals["base_css"]
    data = pdf.render_pdf(f"<html><head><style>{base_css}</style></head><body><p>Grid patrol</p></body></html>")
    names = set(re.findall(rb"/BaseFont\s*/[A-Z]{6}\+([\w-]+)", inflated(data)))
    assert pdf.FONT_FAMILY.replace(" ", "-").encode() in names, names  # the name its @font-face gave it


def test_a_bulletin_in_the_browser_declares_no_font(client, db, settings, unpacked_font):
    author = make_user(db, "dispatcher", Role.dispatcher)
    db.commit()
    row = make_bulletin(db, settings, author)
    page = client.get(f"/api/v1/bulletins/{row.id}.html", headers=login(client, "dispatcher"))
    assert page.status_code == 200, page.text
    assert "file://" not in page.text and "@font-face" not in page.text
    # Its style is still the one the policy lets in.
    style_src = directives(page.headers["content-security-policy"])["style-src"]
    assert set(headers.inline_hashes(page.text, "style")) <= set(style_src)
