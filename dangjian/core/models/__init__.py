from .accounts import ApiToken, RoleAssignment, User
from .audit import AuditEvent, AuditHead
from .notifications import Delivery, Notification, NotificationPreference, WebPushSubscription

__all__ = [
    "ApiToken", "AuditEvent", "AuditHead", "Delivery", "Notification", "NotificationPreference", "RoleAssignment",
    "User", "WebPushSubscription",
]
