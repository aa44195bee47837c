from .accounts import ApiToken, RoleAssignment, User
from .audit import AuditEvent, AuditHead
from .notifications import Delivery, Notification, NotificationPreference, WebPushSubscription
from .ratelimit import RateCounter
from .scheduler import SchedulerTick
from .sequences import SequenceCounter
from .workbench import PinnedItem, RecentItem, TodoDigest
from .workdays import DayKind, OfficialCalendarYear, OfficialDay

__all__ = [
    "PinnedItem", "RateCounter", "RecentItem", "SchedulerTick", "TodoDigest", "SequenceCounter",
    "DayKind", "OfficialCalendarYear", "OfficialDay",
    "ApiToken", "AuditEvent", "AuditHead", "Delivery", "Notification", "NotificationPreference", "RoleAssignment",
    "User", "WebPushSubscription",
]
