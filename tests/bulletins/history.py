"""A hand-built October 2026 (and the September before it) for the bulletin tests: tickets with their events,
before and after photos stored as uploads store them, a key point with failed patrols, a recurrence."""

import hashlib
import os
import uuid
from datetime import datetime

from sqlmodel import Session

from api.accounts.models import User
from api.config import Settings
from api.patrols.models import Patrol
from api.tickets.models import Photo
from api.photos.storage import LocalStorage
from tests.factories import make_checklist, make_key_point, make_point_type, photo_bytes
from tests.indicators.history import C1, C2, C3, Story, county, local

CELLS = {"zhzf": C1, "jjdd": C1, "zjj": C2, "sjj": C3}
UNITS = {"zhzf": "综合执法局", "jjdd": "交警大队", "zjj": "住建局", "sjj": "市监局"}


def add_photo(db: Session, settings: Settings, story: Story, kind: str, name: str, at: datetime,
              flags: list[dict] | None = None) -> Photo:
    """A received photo of the ticket, its original stored by SHA-256 as an upload stores it."""
    data = photo_bytes(name)
    sha256 = hashlib.sha256(data).hexdigest()
    storage = LocalStorage(settings.data_dir / "photos")
    fd, temp = storage.new_temp()
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    storage.put_original(temp, sha256)
    photo = Photo(id=uuid.uuid4(), ticket_id=story.ticket.id, kind=kind, position=0, sha256=sha256,
                  content_type="image/jpeg", size=len(data), uploaded_by=story.ticket.author_id, received_at=at,
                  flags=flags or [])
    db.add(photo)
    db.flush()
    return photo


def due(db: Session, users: dict[str, User], bureau: str, month: int, day: int, outcome: str = "on_time") -> Story:
    """A ticket due at 17:00 on the day: rectified that morning (`on_time`), three days later (`late`), or never
    (`open`)."""
    story = Story(db, users["insp1"], CELLS[bureau], local(month, day)).dispatch(
        local(month, day), bureau, local(month, day, 17)).accept(local(month, day, 9, 30))
    if outcome == "open":
        return story
    rectified = local(month, day + 3 if outcome == "late" else day, 10)
    return story.rectify(rectified).verify(rectified.replace(hour=15))


def build(db: Session, settings: Settings) -> dict:
    """September: 交警大队 all on time, 住建局 one late, 综合执法局 two open. October: 综合执法局 all on time,
    住建局 all on time, 交警大队 one late and one open of six, 市监局 one ticket (not ranked). Then the 曝光台's
    material: a reworked ticket and one closed on flagged evidence (both with photo pairs), an overdue one
    with a before-photo only, an escalation, a recurrence, and a key point failing its patrols."""
    users = county(db)
    for day in (14, 15, 16, 17, 18):
        due(db, users, "jjdd", 9, day)
    for day, outcome in ((14, "on_time"), (15, "on_time"), (16, "on_time"), (17, "on_time"), (18, "late")):
        due(db, users, "zjj", 9, day, outcome)
    for day, outcome in ((14, "on_time"), (15, "on_time"), (16, "on_time"), (17, "open"), (18, "open")):
        due(db, users, "zhzf", 9, day, outcome)
    for day in (12, 13, 14, 15, 16):
        due(db, users, "zhzf", 10, day)
    for day in (12, 13, 14, 15, 16):
        due(db, users, "zjj", 10, day)
    for day, outcome in ((12, "on_time"), (13, "on_time"), (14, "on_time"), (15, "on_time"), (16, "late")):
        due(db, users, "jjdd", 10, day, outcome)
    late_open = due(db, users, "jjdd", 10, 20, "open")
    late_open._event(local(10, 20, 17, 1), "overdue", "accepted", "accepted")
    late_open.ticket.overdue_at = local(10, 20, 17, 1)
    late_open._event(local(10, 21, 9), "auto_escalate", "accepted", "accepted")
    late_open.ticket.escalated = True
    late_open._save()
    add_photo(db, settings, late_open, "before", "gps_DSCN0010.jpg", local(10, 20))
    due(db, users, "sjj", 10, 12)

    # Reworked, then closed: rectified with a photo the verifier turned down, then again.
    reworked = Story(db, users["insp2"], C2, local(10, 5), description="人行道上长期停放车辆").dispatch(
        local(10, 5), "zjj", local(10, 5, 17)).accept(local(10, 5, 9, 30)).rectify(local(10, 5, 11))
    reworked.verify(local(10, 5, 14), passed=False).rectify(local(10, 6, 10)).verify(local(10, 6, 15))
    add_photo(db, settings, reworked, "before", "orientation_landscape_1.jpg", local(10, 5))
    add_photo(db, settings, reworked, "after", "orientation_portrait_8.jpg", local(10, 6, 10))

    # Closed on an after-photo that named editing software.
    flag = {"code": "editing_software", "reason": "EXIF 显示经编辑软件处理：Adobe Photoshop",
            "reason_en": "EXIF names editing software: Adobe Photoshop"}
    flagged = Story(db, users["insp1"], C1, local(10, 8)).dispatch(local(10, 8), "zhzf", local(10, 8, 17)) \
        .accept(local(10, 8, 9, 30)).rectify(local(10, 8, 11))
    flagged.verify(local(10, 8, 15), flags=("editing_software",))
    add_photo(db, settings, flagged, "before", "gps_DSCN0012.jpg", local(10, 8))
    add_photo(db, settings, flagged, "after", "Canon_40D_photoshop_import.jpg", local(10, 8, 11), flags=[flag])

    # The same cell and category again within days: a recurrence (反复).
    first = Story(db, users["insp3"], C3, local(10, 9)).dispatch(local(10, 9), "sjj", local(10, 9, 17))
    again = Story(db, users["insp3"], C3, local(10, 10)).dispatch(local(10, 10), "sjj", local(10, 10, 17))
    again.ticket.recurring_of = first.ticket.id
    again._save()

    # A key point whose patrols failed an item twice in October.
    make_point_type(db, "night_market", "夜市")
    make_checklist(db, "night_market", codes=("B1", "B2"))
    point = make_key_point(db, "城东夜市", point_type="night_market", cell_code=C1, bureau_code="zhzf")
    for day, result in ((6, "fail"), (7, "fail"), (8, "pass")):
        started = local(10, day, 20)
        db.add(Patrol(id=uuid.uuid4(), key_point_id=point.id, inspector_id=users["insp1"].id, started_at=started,
                      finished_at=started, day=started.date(), lat=point.lat, lon=point.lon, accuracy_m=5,
                      located_at=started, distance_m=3, checklist_version=1, request_sha256="0" * 64,
                      items=[{"code": "B1", "result": result, "note": ""}, {"code": "B2", "result": "pass"}]))
    db.commit()
    return {"users": users, "reworked": reworked.ticket.id, "flagged": flagged.ticket.id,
            "late_open": late_open.ticket.id}
