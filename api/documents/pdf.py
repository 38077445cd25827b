"""Printable documents (bulletins, the photo ledgers): HTML from Jinja2 templates that extend one base
(api/documents/templates/document.html, with base.css: A4, a running header, "第 x 页 / 共 y 页"), made into PDF
by WeasyPrint.

Chinese needs a CJK font. scripts/bootstrap.sh installs one for the system (apt, as root) or, where it cannot,
unpacks one into FONT_DIR inside the environment; a font found there is declared to WeasyPrint by @font-face (never
in the HTML: a page opened in the browser would ask for a file:// URL its policy refuses), a system one is found by
fontconfig under the names in base.css. Without either, `render_pdf` refuses (FontMissing) rather than print boxes
where the names should be."""

import functools
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, tzinfo
from importlib.resources import files
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, PackageLoader, StrictUndefined, pass_context
from markupsafe import Markup

FONT_DIR = Path(sys.prefix) / "share" / "fonts" / "gridpatrol"
FONT_FAMILY = "GridPatrol CJK"


class FontMissing(Exception):
    message = "服务器未安装中文字体，无法生成 PDF；请运行 scripts/bootstrap.sh 安装"
    message_en = "no CJK font on the server, so no PDF; run scripts/bootstrap.sh to install one"


def _project_font() -> Path | None:
    fonts = sorted(p for p in FONT_DIR.glob("*") if p.suffix.lower() in (".ttf", ".ttc", ".otf"))
    return fonts[0] if fonts else None


@functools.cache
def _system_cjk_font() -> bool:
    """Whether fontconfig knows a Chinese font (True where it cannot be asked: WeasyPrint will find out)."""
    if shutil.which("fc-list") is None:
        return True
    listed = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False)
    return bool(listed.stdout.strip())


def _local(context, value: datetime | None, pattern: str = "%Y年%-m月%-d日 %H:%M") -> str:
    """A moment as the county reads it (the template's `tz`)."""
    return value.astimezone(context["tz"]).strftime(pattern) if value else "—"


def _percent(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f}%"


@functools.cache
def environment(package: str) -> Environment:
    """Templates of `package` (its templates/ folder), which extend this package's document.html."""
    env = Environment(loader=ChoiceLoader([PackageLoader(package), PackageLoader("api.documents")]),
                      autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["local"] = pass_context(_local)
    env.filters["percent"] = _percent
    # Inside <style> nothing is unescaped, so the CSS goes in as it is written.
    env.globals["base_css"] = Markup(files("api.documents").joinpath("base.css").read_text(encoding="utf-8"))
    return env


def render_html(package: str, template: str, *, tz: tzinfo, **context) -> str:
    return environment(package).get_template(template).render(tz=tz, **context)


@functools.cache
def weasyprint():
    """WeasyPrint, imported where PDFs are made (Pango loads with it). Its import lets Pillow load truncated
    pictures process-wide; the photo pipeline must go on refusing them (a truncated upload is no evidence), and
    documents embed only our own whole copies: the setting is put back at once."""
    import weasyprint  # noqa: PLC0415
    import weasyprint.text.fonts  # noqa: PLC0415
    from PIL import ImageFile  # noqa: PLC0415

    ImageFile.LOAD_TRUNCATED_IMAGES = False
    return weasyprint


def _laid_out(html: str, on_layout: Callable[[], None]):
    printer = weasyprint()

    font = _project_font()
    if font is None and not _system_cjk_font():
        raise FontMissing()
    fonts = printer.text.fonts.FontConfiguration()
    fetcher = printer.URLFetcher(allowed_protocols={"file"}, fail_on_errors=True)
    faces = [printer.CSS(string=f'@font-face {{ font-family: "{FONT_FAMILY}"; src: url("{font.as_uri()}"); }}',
                         url_fetcher=fetcher, font_config=fonts)] if font else []
    document = printer.HTML(string=html, url_fetcher=fetcher).render(stylesheets=faces, font_config=fonts)
    on_layout()
    return document


def render_pdf(html: str, on_layout: Callable[[], None] = lambda: None) -> bytes:
    """The HTML as an A4 PDF. Only local files are read (the photos' copies, the font): nothing is fetched
    over the network, and a picture that cannot be read fails the document rather than leaving a gap.
    `on_layout` is called between laying out the pages and writing them."""
    return _laid_out(html, on_layout).write_pdf()


def write_pdf(html: str, target: Path, on_layout: Callable[[], None] = lambda: None) -> None:
    """As render_pdf, written to a file: a ledger's PDF, hundreds of photos large, is not held twice."""
    _laid_out(html, on_layout).write_pdf(target=str(target))
