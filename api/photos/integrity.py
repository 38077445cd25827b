"""What a photo file says of where it came from, and the flags a verifier reads from it.

traces(): read from the file's header when it is analysed (after the acknowledgement): the camera data
    a camera writes (its name, exposure data, a maker note, an EXIF thumbnail, the time it was taken),
    the tools named in the Software tag and the XMP packet, and the file's modification time.
integrity_flags(): judges camera origin by positive evidence of a camera, from the file and from the
    EXIF the phone read from the original before re-encoding it (the PWA's copy has none of its own),
    and reports editors' traces. Flags inform the verifier; they never reject a photo.
"""

import contextlib
import re
from datetime import datetime, timedelta

from PIL import ExifTags, Image

# Names in EXIF Software or XMP CreatorTool/History that mean the picture went through an editor or a
# photo manager that rewrites it (domain.md §8). Lower case; matched as substrings.
EDITORS = ("photoshop", "gimp", "lightroom", "snapseed", "picsart", "美图", "meitu", "醒图", "xingtu", "faceu",
           "pixlr", "affinity", "paint.net", "vsco", "美颜", "polarr", "canva", "picasa", "photo gallery",
           "windows photo editor", "acdsee", "irfanview", "xnview", "capture one", "darktable", "rawtherapee",
           "luminar", "photodirector", "photoscape", "fotor", "b612", "轻颜", "wink", "photoworks", "pixelmator",
           "inpixio", "photopea", "corel", "paintshop", "helicon", "dxo", "on1 photo", "facetune", "remini",
           "美易", "一甜相机", "无他相机", "wps图片", "光影魔术手", "fotojet")
# Makers of cameras and camera phones: a Make naming one is evidence of a camera (others are not evidence
# against one: the test is what the file holds, see _camera_evidence).
CAMERA_MAKERS = ("canon", "nikon", "sony", "fujifilm", "fuji", "olympus", "om digital", "panasonic", "pentax",
                 "ricoh", "leica", "samsung", "apple", "huawei", "honor", "xiaomi", "redmi", "poco", "oppo",
                 "vivo", "iqoo", "oneplus", "realme", "meizu", "zte", "nubia", "lenovo", "motorola", "google",
                 "lge", "lg electronics", "htc", "nokia", "hmd", "kodak", "casio", "sigma", "hasselblad", "dji",
                 "gopro", "insta360", "tcl", "coolpad", "tecno", "infinix", "itel", "asus", "blackberry",
                 "minolta", "konica", "jolla", "microsoft", "sharp", "kyocera", "fairphone", "phase one")
SCREEN_WORDS = ("screenshot", "screen shot", "screen capture", "截屏", "截图", "snipping", "game bar",
                "obs studio", "sharex", "snipaste", "nvidia share", "shadowplay")
# Screen sizes (either way up) of common monitors and phones; a camera's photo, or the PWA's 2048-px copy
# of one, has other proportions and sizes.
SCREEN_SIZES = {frozenset(s) for s in ((1920, 1080), (2560, 1440), (3840, 2160), (1366, 768), (1280, 720),
                                       (1600, 900), (1440, 900), (1680, 1050), (1280, 800), (1920, 1200),
                                       (2560, 1600), (2880, 1800), (1280, 1024), (1024, 768), (1536, 864))}
# Camera sensors are 4:3, 3:2, 16:9 or square; phone screens are taller than 2:1.
SCREEN_ASPECT = 1.95
EDIT_GAP = timedelta(seconds=30)  # a camera writes DateTime when it saves: at most seconds after the shot

def clean(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    else:  # Pillow reads EXIF text as Latin-1; Chinese apps write UTF-8 (美图秀秀)
        with contextlib.suppress(UnicodeError):
            value = str(value).encode("latin-1").decode("utf-8")
    text = re.sub(r"[\x00-\x1f]", "", str(value)).strip()
    return text[:128] or None


def exif_time(value) -> datetime | None:
    """An EXIF time as written ("2014:09:21 16:00:56") or as ISO (how the server stores it)."""
    text = clean(value)
    if text is None:
        return None
    for parse in (lambda t: datetime.strptime(t, "%Y:%m:%d %H:%M:%S"), datetime.fromisoformat):
        try:
            return parse(text).replace(tzinfo=None)
        except ValueError:
            continue
    return None


_XMP_TOOLS = re.compile(rb'(?:CreatorTool|softwareAgent)(?:\s*=\s*"([^"]*)"|>([^<]*)<)')


def traces(image: Image.Image) -> dict:
    """From an opened picture's header (no decode for a JPEG). Times as ISO, camera local time."""
    exif = image.getexif()
    sub = exif.get_ifd(ExifTags.IFD.Exif)
    taken, saved = exif_time(sub.get(ExifTags.Base.DateTimeOriginal)), exif_time(exif.get(ExifTags.Base.DateTime))
    xmp = image.info.get("xmp") or b""
    tools = sorted({tool for a, b in _XMP_TOOLS.findall(xmp if isinstance(xmp, bytes) else xmp.encode())
                    if (tool := clean(a or b))})
    comment = sub.get(ExifTags.Base.UserComment)
    return {
        "format": image.format,
        "width": image.width,
        "height": image.height,
        "make": clean(exif.get(ExifTags.Base.Make)),
        "model": clean(exif.get(ExifTags.Base.Model)),
        "software": clean(exif.get(ExifTags.Base.Software)),
        "tools": tools[:5],
        "comment": clean(comment[8:] if isinstance(comment, bytes) else comment),  # after its charset code
        "datetime_original": taken.isoformat() if taken else None,
        "datetime": saved.isoformat() if saved else None,
        "exposure": any(tag in sub for tag in (ExifTags.Base.ExposureTime, ExifTags.Base.FNumber,
                                                ExifTags.Base.ISOSpeedRatings)),
        "maker_note": ExifTags.Base.MakerNote in sub,
        "thumbnail": ExifTags.Base.JpegIFOffset in exif.get_ifd(ExifTags.IFD.IFD1),
    }


def _flag(code: str, reason: str, reason_en: str) -> dict:
    return {"code": code, "reason": reason, "reason_en": reason_en}


def _names(text: str | None, names: tuple[str, ...]) -> bool:
    return text is not None and any(name in text.lower() for name in names)


def _camera_evidence(facts: dict) -> list[str]:
    """What in these facts only a camera writes: a camera maker's name, exposure data, a maker note,
    an EXIF thumbnail, the time the shutter fired."""
    return [what for what, present in (
        ("maker", _names(facts.get("make"), CAMERA_MAKERS)), ("exposure", facts.get("exposure")),
        ("maker_note", facts.get("maker_note")), ("thumbnail", facts.get("thumbnail")),
        ("datetime_original", facts.get("datetime_original"))) if present]


def _camera_in_file(found: dict) -> bool:
    """A camera's name (make or model) and at least two of the other things a camera writes."""
    return bool(found.get("make") or found.get("model")) and len(_camera_evidence(found)) >= 2


def _camera_declared(declared: dict) -> bool:
    """What the phone read from the original holds a camera's name and the time the shutter fired (the
    PWA reads no more than that; an editor's output, saved without camera data, has neither)."""
    return bool(declared.get("make") or declared.get("model")) and bool(declared.get("datetime_original"))


def _screen_signs(found: dict) -> tuple[str, str] | None:
    """Why the picture looks like a screenshot or a computer-made image (zh, en), or None."""
    words = " ".join(filter(None, (found.get("software"), found.get("comment"), *found.get("tools", ()))))
    if _names(words, SCREEN_WORDS):
        return f"文件注明为截屏（{words[:40]}）", f"the file says it is a screen capture ({words[:40]})"
    if found.get("format") in ("PNG", "WEBP", "GIF"):
        return f"{found['format']} 格式（相机拍摄的照片为 JPEG 或 HEIC）", f"a {found['format']} (cameras write JPEG or HEIC)"
    width, height = found.get("width") or 0, found.get("height") or 0
    if frozenset((width, height)) in SCREEN_SIZES:
        return f"尺寸 {width}×{height} 与屏幕分辨率相同", f"its size, {width}×{height}, is a screen's"
    if min(width, height) and max(width, height) / min(width, height) > SCREEN_ASPECT:
        return f"长宽比 {width}×{height} 与手机屏幕相同", f"its proportions, {width}×{height}, are a phone screen's"
    return None


def span(delta: timedelta) -> tuple[str, str]:
    """A duration as a person says it: minutes, hours, days or years (zh, en)."""
    minutes = abs(delta.total_seconds()) / 60
    units = ((60, 1, "分钟", "minutes"), (48 * 60, 60, "小时", "hours"), (730 * 24 * 60, 24 * 60, "天", "days"),
             (float("inf"), 365.25 * 24 * 60, "年", "years"))
    for limit, unit, zh, en in units:
        if minutes < limit:
            amount = round(minutes / unit, 1 if unit == 60 else 0)
            text = f"{amount:g}"
            return f"{text} {zh}", f"{text} {en}"
    raise AssertionError("unreachable")


def _disagreements(found: dict, declared: dict) -> list[str]:
    """Where the file's own EXIF and the EXIF the phone declared both speak and differ."""
    differ = []
    for key in ("make", "model"):
        if found.get(key) and declared.get(key) and found[key].strip().lower() != declared[key].strip().lower():
            differ.append(f"{key} {found[key]} ≠ {declared[key]}")
    taken, said = exif_time(found.get("datetime_original")), exif_time(declared.get("datetime_original"))
    if taken and said and abs(taken - said) > timedelta(seconds=2):
        differ.append(f"DateTimeOriginal {taken.isoformat(' ')} ≠ {said.isoformat(' ')}")
    return differ


def integrity_flags(found: dict, declared: dict | None) -> list[dict]:
    """The flags from the file's traces (`found`, from traces()) and the EXIF the phone declared."""
    declared = {k: v for k, v in (declared or {}).items() if v is not None}
    flags = []
    for source, zh, en in ((found.get("software"), "EXIF", "EXIF"), (declared.get("software"), "EXIF", "EXIF"),
                           *((tool, "XMP 记录", "the XMP record") for tool in found.get("tools", ()))):
        if _names(source, EDITORS):
            flags.append(_flag("editing_software", f"{zh} 显示经编辑软件处理：{source}",
                               f"{en} names editing software: {source}"))
            break
    taken, saved = exif_time(found.get("datetime_original")), exif_time(found.get("datetime"))
    if taken and saved and saved - taken > EDIT_GAP:
        zh, en = span(saved - taken)
        flags.append(_flag("modified_after_capture", f"文件在拍摄 {zh}后被修改保存过（EXIF 修改时间晚于拍摄时间）",
                           f"the file was saved again {en} after the photo was taken (EXIF DateTime)"))
    differ = _disagreements(found, declared)
    if differ:
        flags.append(_flag("exif_mismatch", f"文件中的相机信息与手机读取的原图信息不一致：{'; '.join(differ)}",
                           f"the file's camera data and the phone's reading of the original differ: "
                           f"{'; '.join(differ)}"))
    if not (_camera_in_file(found) or _camera_declared(declared)):
        screen = _screen_signs(found)
        if screen:
            flags.append(_flag("not_from_camera", f"疑似截图或电脑生成的图片：{screen[0]}，且没有相机拍摄的信息",
                               f"looks like a screenshot or a computer-made picture: {screen[1]}, and no camera data"))
        else:
            flags.append(_flag("camera_metadata_missing", "没有相机拍摄的证据（相机型号、曝光数据、拍摄时间），"
                                                          "可能经过编辑、转存或截图",
                               "no evidence of a camera (model, exposure data, time taken): edited, re-saved or "
                               "a screenshot?"))
    return flags
