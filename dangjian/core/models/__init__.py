from .accounts import ApiToken, RoleAssignment, User
from .audit import AuditEvent, AuditHead
from .notifications import Delivery, Notification, NotificationPreference, WebPushSubscription
from .scheduler import SchedulerTick

__all__ = [
    "SchedulerTick",
    "ApiToken", "AuditEvent", "AuditHead", "Delivery", "Notification", "NotificationPreference", "RoleAssignment",
    "User", "WebPushSubscription",
]
