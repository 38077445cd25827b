"""Every table, imported once so the metadata is complete (Alembic, tests, create scripts)."""

from api.accounts.models import AuthToken, LoginFailure, User
from api.audit.models import AuditEntry
from api.bulletins.models import Bulletin
from api.bureaus.models import Bureau
from api.catalog.models import Category, PointType
from api.citizens.models import CitizenSettings, Open311Key, PublicCategory, PublicReport, PublicReportPhoto
from api.reference_data import ReferenceVersion
from api.exports.models import Export
from api.grid.models import CellInspector, GridArea, GridCell, GridRevision
from api.indicators.models import FrozenTally, RankingSettings
from api.keypoints.models import ChecklistVersion, KeyPoint
from api.notifications.models import Notification, WebhookDelivery
from api.patrols.models import Patrol, PatrolPhoto
from api.photos.models import PhotoHashBand
from api.routing.models import RoutingRule
from api.spotchecks.models import SpotCheck, SpotCheckDraw
from api.tickets.models import Photo, Ticket, TicketEvent
from api.workcalendar.models import CalendarOverride

__all__ = ["AuditEntry", "AuthToken", "Bulletin", "Bureau", "CalendarOverride", "Category", "CellInspector",
           "ChecklistVersion", "CitizenSettings", "Export", "FrozenTally", "GridArea", "GridCell", "GridRevision",
           "KeyPoint", "Open311Key", "PublicCategory", "PublicReport", "PublicReportPhoto",
           "LoginFailure", "Notification", "Patrol", "PatrolPhoto", "Photo", "PhotoHashBand", "PointType",
           "RankingSettings", "ReferenceVersion", "RoutingRule", "SpotCheck", "SpotCheckDraw", "Ticket", "TicketEvent",
           "User", "WebhookDelivery"]
