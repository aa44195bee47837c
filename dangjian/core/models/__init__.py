from .accounts import ApiToken, RoleAssignment, User
from .audit import AuditEvent, AuditHead
from .notifications import Delivery, Notification, NotificationPreference, WebPushSubscription
from .ratelimit import RateCounter
from .scheduler import SchedulerTick
from .workdays import DayKind, OfficialCalendarYear, OfficialDay

__all__ = [
    "RateCounter", "SchedulerTick",
    "DayKind", "OfficialCalendarYear", "OfficialDay",
    "ApiToken", "AuditEvent", "AuditHead", "Delivery", "Notification", "NotificationPreference", "RoleAssignment",
    "User", "WebPushSubscription",
]
