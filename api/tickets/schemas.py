"""What the ticket endpoints answer: the shapes service.py renders, declared so that /openapi.json describes them.

Shapes the code builds forbid unknown keys, so a key the renderer adds without declaring it here fails the
response's validation in the tests rather than slipping out of the documentation (or being dropped). What was
stored as JSON (EXIF, flags, event payloads) is read as it was written, unknown keys ignored.

Plain pydantic models, not SQLModel ones: they are never tables, and FastAPI validates every page of tickets
through them, which costs several times as much through SQLModel's classes.
"""

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from api.tickets.models import BureauQueueStatus, Status

PhotoKind = Literal["before", "after", "verification", "spotcheck"]


class Rendered(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CategoryRef(Rendered):
    code: str
    name: str
    name_en: str


class KeyPointRef(Rendered):
    id: int
    name: str
    point_type: str


class NearestKeyPoint(Rendered):
    """The nearest active key point within 100 m, for a ticket that names none."""

    id: int
    name: str
    distance_m: int


class TicketLocation(Rendered):
    lat: float
    lon: float
    accuracy_m: float
    located_at: datetime


class PendingPark(Rendered):
    at: datetime
    reason: str | None


class PendingExtension(Rendered):
    until: datetime
    reason: str | None


class RoutingDecision(Rendered):
    rule_id: int | None
    source: str | None
    reason: str | None
    reason_en: str | None


class PersonRef(Rendered):
    username: str
    display_name: str


class ExifFacts(BaseModel):
    """EXIF facts: as the server read them from the bytes (`exif`), or as the phone read them before
    re-encoding (`client_exif`)."""

    make: str | None = None
    model: str | None = None
    software: str | None = None
    datetime_original: str | None = None
    offset_time_original: str | None = None
    gps_lat: float | None = None
    gps_lon: float | None = None
    orientation: int | None = None


class PhotoFlag(BaseModel):
    """An integrity doubt about a photo (editing software, time or place far off, reuse…)."""

    code: str
    reason: str
    reason_en: str
    tickets: list[str] | None = None  # near_duplicate: the other tickets whose photos look alike


class PhotoPublic(Rendered):
    id: uuid.UUID
    kind: PhotoKind
    position: int
    sha256: str
    content_type: str
    size: int
    received: bool
    analysed: bool
    received_at: datetime | None
    width: int | None
    height: int | None
    exif: ExifFacts | None
    client_exif: ExifFacts | None
    flags: list[PhotoFlag]
    # Only the copies there are, and the original only for those who may read it.
    urls: dict[Literal["thumb", "display", "original"], str]


class TicketPublic(Rendered):
    id: uuid.UUID
    status: Status
    source: Literal["inspection", "supervision", "citizen"]
    category: CategoryRef
    point_type: str | None
    description: str
    key_point: KeyPointRef | None
    nearest_key_point: NearestKeyPoint | None
    patrol_id: uuid.UUID | None
    checklist_item: str | None
    return_reason: str | None
    location: TicketLocation
    captured_at: datetime
    created_at: datetime
    completed_at: datetime | None
    cell_code: str | None
    cell_name: str | None
    cell_override: bool
    bureau_code: str | None
    bureau_name: str | None
    dispatched_at: datetime | None
    deadline_at: datetime | None
    # The clock (api/tickets/deadlines.py); the capture's own answer leaves these out.
    time_used_ratio: float | None = None
    working_seconds_left: int | None = None
    light: Literal["green", "yellow", "red"] | None = None
    overdue: bool = False
    clock_resumes_at: datetime | None = None
    park_requested: PendingPark | None
    extension_requested: PendingExtension | None
    routing: RoutingDecision
    rework_count: int
    escalated: bool
    recurring: bool
    recurring_of: uuid.UUID | None
    author: PersonRef
    photos: list[PhotoPublic]
    photos_missing: list[uuid.UUID]


class EventActor(PersonRef):
    role: str | None


class TicketEventPublic(Rendered):
    id: int
    at: datetime
    action: str
    from_status: str | None
    to_status: str | None
    actor: EventActor | None
    payload: dict[str, Any]  # what the action recorded: its reason or note, photos, routing…
    action_id: uuid.UUID | None


class TicketDetail(TicketPublic):
    events: list[TicketEventPublic]
    allowed_actions: list[str]  # what the caller may do to the ticket now


class ActionOutcome(TicketDetail):
    replayed: bool  # true: this action_id had been applied already, nothing changed


class TicketPage(Rendered):
    items: list[TicketPublic]
    next_cursor: str | None


class BureauQueue(TicketPage):
    bureau: str
    counts: dict[BureauQueueStatus, int]


class DispatcherQueue(Rendered):
    reported: TicketPage
    returned: TicketPage
    extension_requests: TicketPage
    park_requests: TicketPage
    parked: TicketPage
