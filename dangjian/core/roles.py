"""Roles and the permissions they carry.

A role is granted on an organization node (``RoleAssignment``) and covers that node's whole
subtree. Permissions are plain strings ``"<app>.<verb>"``; modules add their own with
``register_permissions``. The ``member`` role covers the member's own record only, and the
``public`` role (self-registered citizens) covers no organization at all.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COUNTY_ADMIN = "county_admin", _("Organization-department administrator")
    SECRETARY = "secretary", _("Secretary")
    ORGANIZER = "organizer", _("Organizer")
    PUBLICITY = "publicity", _("Publicity officer")
    DISCIPLINE = "discipline", _("Discipline officer")
    DEPT_HANDLER = "dept_handler", _("Department handler")
    MEMBER = "member", _("Party member")
    PUBLIC = "public", _("Public user")


#: Roles that carry scope over an organization subtree.
STAFF_ROLES = frozenset(
    {Role.COUNTY_ADMIN, Role.SECRETARY, Role.ORGANIZER, Role.PUBLICITY, Role.DISCIPLINE, Role.DEPT_HANDLER}
)

ROLE_PERMISSIONS: dict[str, set[str]] = {
    Role.COUNTY_ADMIN: {
        "orgs.view", "orgs.change",
        "members.view", "members.add", "members.change", "members.change_status",
        "members.view_pii", "members.export", "members.import",
        "audit.view", "roles.grant", "notifications.send",
    },
    Role.SECRETARY: {
        "orgs.view", "orgs.change",
        "members.view", "members.add", "members.change", "members.change_status",
        "members.view_pii", "members.export", "members.import", "notifications.send",
    },
    Role.ORGANIZER: {
        "orgs.view",
        "members.view", "members.add", "members.change", "members.export", "members.import",
    },
    Role.PUBLICITY: {"orgs.view"},
    Role.DISCIPLINE: {"orgs.view", "members.view"},
    Role.DEPT_HANDLER: set(),
    Role.MEMBER: set(),
    Role.PUBLIC: set(),
}


def register_permissions(role: str, perms: set[str]) -> None:
    """Let a module add the permissions its features need to a role (called from AppConfig.ready)."""
    ROLE_PERMISSIONS.setdefault(role, set()).update(perms)


def roles_with(perm: str) -> set[str]:
    return {role for role, perms in ROLE_PERMISSIONS.items() if perm in perms}
