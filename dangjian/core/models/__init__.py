from .accounts import ApiToken, RoleAssignment, User
from .audit import AuditEvent, AuditHead
from .scheduler import SchedulerTick
from .notifications import Delivery, Notification, NotificationPreference, WebPushSubscription

__all__ = [
    "SchedulerTick",
    "ApiToken", "AuditEvent", "AuditHead", "Delivery", "Notification", "NotificationPreference", "RoleAssignment",
    "User", "WebPushSubscription",
]
