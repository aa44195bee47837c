"""Audit event names recorded by core (accounts, roles, tokens, notifications, calendar, the trail itself)."""

from django.utils.translation import gettext_lazy as _

from dangjian.core.audit import CHAIN_OPENED, declare_events

EVENTS = declare_events({
    CHAIN_OPENED: _("Audit chain opened"),
    "user.registered": _("Account registered"),
    "user.created": _("Account created"),
    "user.preferences_changed": _("Account preferences changed"),
    "user.password_reset": _("Password reset by an administrator"),
    "user.password_changed": _("Password changed"),
    "user.password_reset_by_email": _("Password reset by e-mail"),
    "user.email_changed": _("E-mail address changed"),
    "user.mfa_added": _("Two-factor authentication added"),
    "user.mfa_removed": _("Two-factor authentication removed"),
    "user.mfa_reset": _("Two-factor recovery codes reset"),
    "role.granted": _("Role granted"),
    "role.revoked": _("Role revoked"),
    "api_token.issued": _("API token issued"),
    "api_token.revoked": _("API token revoked"),
    "notification.read": _("Notification read"),
    "notification.all_read": _("All notifications read"),
    "notification.preferences_changed": _("Notification preferences changed"),
    "notification.push_subscribed": _("Web push subscribed"),
    "notification.push_unsubscribed": _("Web push unsubscribed"),
    "notification.push_subscription_gone": _("Web push subscription expired"),
    "calendar.year_saved": _("Official calendar year saved"),
    "calendar.year_deleted": _("Official calendar year deleted"),
    "crypto.keys_rotated": _("Field-encryption keys rotated"),
})
