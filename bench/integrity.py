"""Evidence integrity: how many manipulated photos the analysis flags, and how many genuine ones.

Builds, from the sample photos (../shared/photos), genuine photos (camera originals as they are, and as
the PWA sends them: upright, scaled to 2048 px, re-encoded at quality 85 without EXIF, with the EXIF the
phone read declared beside them) and manipulated ones (crops of 80–100 %, scales of 50–100 %, JPEG
quality 60–95, brightness ±20 %, small rotations, EXIF stripped, editors' re-saves and XMP records,
synthetic screenshots and renders), and runs each through pipeline.analyse and the flags, as the server
does. Reuse is judged against the stored originals of every scene, as the near-duplicate search does
(whole-picture perceptual hashes within GRIDPATROL_FLAG_PHASH_DISTANCE bits): crops and rotations move
that hash and are mostly missed, which the figures by kind show; a false match is a genuine photo, or a
transform of one, matching a stored photo of another scene. More scenes than the samples hold come
from their quarters: four views of one place, unrelated photos of a similar scene. Then the CPU time
of analysing one 12-MP photo.

Run: .venv/bin/python bench/integrity.py
Target: ≥ 95 % of manipulated photos flagged, ≤ 2 % of genuine ones; < 300 ms of CPU a 12-MP photo.
"""

import io
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from PIL import Image, ImageDraw, ImageEnhance, ImageOps

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from api.config import Settings  # noqa: E402
from api.photos import integrity, pipeline  # noqa: E402

PHOTOS = REPO.parent / "shared" / "photos"
# Pictures of one scene (the same shot stored with different orientations) count as one.
SCENES = {"gps_DSCN0010.jpg": "dscn10", "gps_DSCN0012.jpg": "dscn12", "mobile_jolla.jpg": "jolla",
          "orientation_landscape_1.jpg": "landscape", "orientation_portrait_3.jpg": "portrait",
          "Canon_40D.jpg": "canon", "corrupted.jpg": "olympus"}
# Genuine: camera files as the camera wrote them, and what the PWA sends for them. The Nikons went through
# Nikon Transfer, which rewrote DateTime ten days after the shot (and the PWA sends a 640-px JPEG as it
# is), and the orientation samples through Photoshop: they are counted apart (IMPORTED), not as genuine.
AS_TAKEN = ("mobile_jolla.jpg", "corrupted.jpg")
IMPORTED = ("gps_DSCN0010.jpg", "gps_DSCN0012.jpg")
EDITOR_NAMES = ("Adobe Photoshop 25.0 (Windows)", "GIMP 2.10.34", "Adobe Photoshop Lightroom Classic 13.0 (Windows)",
                "Picasa", "Windows Photo Gallery 16.4.3528.331", "Snapseed 2.0", "MeituXiuxiu", "美图秀秀",
                "醒图", "Xingtu", "PicsArt", "ACDSee Pro 9", "Polarr", "VSCO", "FaceU")
DISTANCE = Settings(secret_key="b" * 40).flag_phash_distance


def _hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def _jpeg(image: Image.Image, quality: int = 90, exif: Image.Exif | None = None, xmp: bytes | None = None) -> bytes:
    buffer = io.BytesIO()
    options = {"quality": quality}
    if exif is not None:
        options["exif"] = exif
    if xmp is not None:
        options["xmp"] = xmp
    image.convert("RGB").save(buffer, "JPEG", **options)
    return buffer.getvalue()


def _upright(path: Path) -> Image.Image:
    with Image.open(path) as image:
        return ImageOps.exif_transpose(image).convert("RGB")


def _crop(image: Image.Image, share: float, x: float, y: float) -> Image.Image:
    w, h = image.size
    cw, ch = round(w * share), round(h * share)
    left, top = round((w - cw) * x), round((h - ch) * y)
    return image.crop((left, top, left + cw, top + ch))


def transforms(image: Image.Image, rng: random.Random) -> list[tuple[str, Image.Image, int]]:
    """(what, picture, JPEG quality): the ways a photo is reused after an edit."""
    out = []
    for share in (0.95, 0.9, 0.85, 0.8):
        out.append((f"crop {share:.0%} centre", _crop(image, share, 0.5, 0.5), rng.randint(60, 95)))
        x, y = rng.random(), rng.random()
        out.append((f"crop {share:.0%} off-centre", _crop(image, share, x, y), rng.randint(60, 95)))
    for scale in (0.5, 0.7, 0.85):
        size = (round(image.width * scale), round(image.height * scale))
        out.append((f"scale {scale:.0%}", image.resize(size, Image.Resampling.LANCZOS), rng.randint(60, 95)))
    for quality in (60, 75, 95):
        out.append((f"quality {quality}", image, quality))
    for factor in (0.8, 0.9, 1.1, 1.2):
        out.append((f"brightness {factor - 1:+.0%}", ImageEnhance.Brightness(image).enhance(factor), 85))
    for angle in (-3, -1.5, 1.5, 3):
        rotated = image.rotate(angle, Image.Resampling.BICUBIC, expand=False)
        out.append((f"rotate {angle}°", _crop(rotated, 0.92, 0.5, 0.5), 85))  # the edges rotated in cut off
    share = rng.uniform(0.8, 0.95)
    mixed = ImageEnhance.Brightness(_crop(image, share, rng.random(), rng.random())).enhance(rng.uniform(0.8, 1.2))
    out.append(("crop + brightness + scale", mixed.resize((mixed.width * 3 // 4, mixed.height * 3 // 4)), 70))
    return out


def camera_exif(path: Path, changes: dict | None = None) -> Image.Exif:
    """The photo's own EXIF (its sub-IFDs loaded, so they are written again), with `changes` to IFD0."""
    with Image.open(path) as image:
        exif = image.getexif()
    for ifd in (0x8769, 0x8825):
        exif.get_ifd(ifd)
    exif.update(changes or {})
    return exif


def pwa_copy(path: Path) -> tuple[bytes, dict | None]:
    """What the PWA sends for a photo: the EXIF it read, and an upright copy within 2048 px at quality 85
    (a JPEG already upright and within it goes as it is)."""
    with Image.open(path) as image:
        declared = pipeline.exif_summary(image)
        upright = image.getexif().get(0x0112, 1) == 1
        keep = max(image.size) <= 2048 and upright
    declared = declared if any(v is not None for v in declared.values()) else None
    if keep:
        return path.read_bytes(), declared
    picture = _upright(path)
    picture.thumbnail((2048, 2048), Image.Resampling.LANCZOS)
    return _jpeg(picture, 85), declared


def screenshots(rng: random.Random, photo: Image.Image) -> list[tuple[str, bytes, str]]:
    """Synthetic screen captures and renders: (what, bytes, format)."""
    made = []
    for width, height, fmt in ((1170, 2532, "PNG"), (1080, 2400, "JPEG"), (1920, 1080, "PNG"), (1920, 1080, "JPEG"),
                               (2560, 1440, "PNG"), (1280, 720, "JPEG"), (1024, 1024, "PNG"), (828, 1792, "JPEG")):
        screen = Image.new("RGB", (width, height), tuple(rng.randrange(256) for _ in range(3)))
        draw = ImageDraw.Draw(screen)
        for _ in range(30):
            x, y = rng.randrange(width), rng.randrange(height)
            draw.rectangle((x, y, x + rng.randrange(40, 400), y + rng.randrange(10, 80)),
                           fill=tuple(rng.randrange(256) for _ in range(3)))
        shot = photo.copy()
        shot.thumbnail((width * 9 // 10, height * 6 // 10))
        screen.paste(shot, ((width - shot.width) // 2, height // 5))  # a photo shown on the screen
        buffer = io.BytesIO()
        screen.save(buffer, fmt, **({"quality": 90} if fmt == "JPEG" else {}))
        made.append((f"screen {width}×{height} {fmt}", buffer.getvalue(), fmt))
    return made


def _analyse(data: bytes, folder: Path) -> pipeline.Analysis:
    path = folder / "photo"
    path.write_bytes(data)
    return pipeline.analyse(path)


def _codes(analysis: pipeline.Analysis, declared: dict | None) -> set[str]:
    return {f["code"] for f in integrity.integrity_flags(analysis.traces, declared)}


def _scenes() -> dict[str, Image.Image]:
    """Each distinct picture, upright, and for the larger ones their four quarters as scenes of their own."""
    scenes = {}
    for name, scene in SCENES.items():
        picture = _upright(PHOTOS / name)
        scenes[scene] = picture
        if min(picture.size) >= 400:
            w, h = picture.size
            for i, (x, y) in enumerate(((0, 0), (w // 2, 0), (0, h // 2), (w // 2, h // 2))):
                scenes[f"{scene}/q{i}"] = picture.crop((x, y, x + w // 2, y + h // 2))
    return scenes


def _related(a: str, b: str) -> bool:
    """One scene is, or holds, the other (a whole picture and its quarters)."""
    return a == b or a.startswith(b + "/") or b.startswith(a + "/")


def reuse(folder: Path, rng: random.Random) -> dict:
    scenes = _scenes()
    stored = {scene: _analyse(_jpeg(picture, 92), folder) for scene, picture in scenes.items()}
    caught, tried, false_matches, genuine_tried = defaultdict(int), defaultdict(int), 0, 0
    total = 0
    for scene, picture in scenes.items():
        for what, edited, quality in transforms(picture, rng):
            got = _analyse(_jpeg(edited, quality), folder)
            total += 1
            kind = what.split(" ")[0]
            if kind == "crop":
                kind = "crop + brightness + scale" if "+" in what else f"crop {what.split(' ')[-1]}"
            tried[kind] += 1
            matched = {other for other, s in stored.items() if _hamming(got.phash, s.phash) <= DISTANCE}
            caught[kind] += scene in matched
            # The same edit is also a genuine photo of its own scene, to every unrelated stored photo.
            genuine_tried += 1
            false_matches += any(not _related(scene, other) for other in matched)
    by_kind = {kind: f"{caught[kind]}/{n}" for kind, n in tried.items()}
    return {"total": total, "caught": sum(caught.values()), "by_kind": by_kind,
            "false": false_matches, "genuine": genuine_tried, "scenes": len(scenes)}


def file_signals(folder: Path, rng: random.Random) -> tuple[list, list, list]:
    """(genuine, manipulated, imported): each (what, set of integrity flag codes)."""
    genuine, manipulated, imported = [], [], []
    for name in AS_TAKEN:
        genuine.append((f"{name} as taken", _codes(_analyse((PHOTOS / name).read_bytes(), folder), None)))
    for name in AS_TAKEN:
        copy, declared = pwa_copy(PHOTOS / name)
        genuine.append((f"{name} through the PWA", _codes(_analyse(copy, folder), declared)))
    for name in IMPORTED:
        copy, declared = pwa_copy(PHOTOS / name)
        imported.append((f"{name} through the PWA (kept as it is)", _codes(_analyse(copy, folder), declared)))
    for name in ("gps_DSCN0010.jpg", "mobile_jolla.jpg", "orientation_landscape_1.jpg"):
        picture = _upright(PHOTOS / name)
        for editor in EDITOR_NAMES:  # an editor's re-save that keeps the camera's EXIF, DateTime as it was
            edited = camera_exif(PHOTOS / name, {0x0131: editor.encode()})  # UTF-8, as the apps write it
            manipulated.append((f"editor Software {editor}", _codes(_analyse(_jpeg(picture, 90, edited), folder),
                                                                    None)))
        for tool in ("Adobe Photoshop 25.0 (Windows)", "Adobe Photoshop Lightroom Classic 13.0"):
            xmp = (f'<x:xmpmeta xmlns:x="adobe:ns:meta/">'
                   f'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
                   f'<rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="{tool}"/>'
                   f'</rdf:RDF></x:xmpmeta>').encode()
            manipulated.append((f"XMP CreatorTool {tool}",
                                _codes(_analyse(_jpeg(picture, 92, camera_exif(PHOTOS / name), xmp), folder), None)))
        # An editor that names itself nowhere but stamps the time it saved.
        later = camera_exif(PHOTOS / name, {0x0132: "2025:01:02 09:30:00"})
        manipulated.append(("DateTime after DateTimeOriginal", _codes(_analyse(_jpeg(picture, 92, later), folder),
                                                                      None)))
        stripped = _jpeg(picture, rng.randint(60, 95))
        manipulated.append(("EXIF stripped", _codes(_analyse(stripped, folder), None)))
        small = picture.copy()
        small.thumbnail((2048, 2048))
        manipulated.append(("EXIF stripped, through the PWA", _codes(_analyse(_jpeg(small, 85), folder), None)))
        named = Image.Exif()
        named[0x010F], named[0x0110] = "Canon", "Canon EOS 40D"
        manipulated.append(("camera name, no camera data", _codes(_analyse(_jpeg(picture, 90, named), folder),
                                                                  None)))
    for what, data, _ in screenshots(rng, _upright(PHOTOS / "mobile_jolla.jpg")):
        manipulated.append((what, _codes(_analyse(data, folder), None)))
        with Image.open(io.BytesIO(data)) as shot:
            copy = shot.convert("RGB")
        copy.thumbnail((2048, 2048))
        manipulated.append((f"{what} through the PWA", _codes(_analyse(_jpeg(copy, 85), folder), None)))
    return genuine, manipulated, imported


def cpu_ms(folder: Path) -> tuple[float, float]:
    """CPU ms of pipeline.analyse on a 12-MP camera JPEG (4000×3000, its EXIF kept), median of 7; and of
    the file's traces (integrity.traces) within it."""
    with Image.open(PHOTOS / "mobile_jolla.jpg") as image:
        exif = image.getexif()
        big = image.resize((4000, 3000), Image.Resampling.BICUBIC)
    path = folder / "12mp.jpg"
    path.write_bytes(_jpeg(big, 92, exif))
    times, extra = [], []
    for _ in range(7):
        start = time.process_time()
        pipeline.analyse(path)
        times.append(time.process_time() - start)
        with Image.open(path) as image:
            start = time.process_time()
            integrity.traces(image)
            extra.append(time.process_time() - start)
    return statistics.median(times) * 1000, statistics.median(extra) * 1000


def main() -> None:
    rng = random.Random(23)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        found = reuse(folder, rng)
        genuine, manipulated, imported = file_signals(folder, rng)
        analyse_ms, integrity_ms = cpu_ms(folder)
    print(f"Reuse (whole-picture perceptual hash, {found['scenes']} scenes, within {DISTANCE} bits):")
    print(f"  caught {found['caught']}/{found['total']} = {found['caught'] / found['total']:.1%}  by kind: "
          + ", ".join(f"{k} {v}" for k, v in sorted(found["by_kind"].items())))
    print(f"  false matches (an edit matching an unrelated stored photo): {found['false']}/{found['genuine']}"
          f" = {found['false'] / found['genuine']:.1%}")
    signals = {"camera origin": {"not_from_camera", "camera_metadata_missing", "exif_mismatch"},
               "editor traces": {"editing_software", "modified_after_capture"}}
    for signal, codes in signals.items():
        hit = [what for what, flags in manipulated if flags & codes]
        false = [what for what, flags in genuine if flags & codes]
        print(f"{signal}: flags {len(hit)}/{len(manipulated)} manipulated files, "
              f"{len(false)}/{len(genuine)} genuine" + (f" ({'; '.join(false)})" if false else ""))
    missed = [what for what, flags in manipulated if not flags]
    weak_only = [what for what, flags in manipulated if flags == {"camera_metadata_missing"}]
    false = [f"{what}: {sorted(flags)}" for what, flags in genuine if flags]
    files_caught = len(manipulated) - len(missed)
    print(f"File signals overall: caught {files_caught}/{len(manipulated)} = {files_caught / len(manipulated):.1%}"
          f" ({len(weak_only)} by the weak camera_metadata_missing alone); genuine flagged {len(false)}/{len(genuine)}"
          f" = {len(false) / len(genuine):.1%}")
    for what in missed:
        print(f"  missed: {what}")
    for what in false:
        print(f"  genuine flagged: {what}")
    for what, flags in imported:
        print(f"  imported (not counted): {what}: {sorted(flags)}")
    total = found["total"] + len(manipulated)
    print(f"Overall: caught {found['caught'] + files_caught}/{total} = {(found['caught'] + files_caught) / total:.1%}; "
          f"genuine flagged {found['false'] + len(false)}/{found['genuine'] + len(genuine)} = "
          f"{(found['false'] + len(false)) / (found['genuine'] + len(genuine)):.1%}")
    print(f"CPU: analyse() of a 12-MP JPEG {analyse_ms:.0f} ms (the file's traces within it: {integrity_ms:.1f} ms)")


if __name__ == "__main__":
    main()
