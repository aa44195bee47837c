"""Core writes: accounts, roles, API tokens, profile. Each checks permission, runs in one
transaction and records an audit event (DESIGN.md §4 rule 1)."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit
from dangjian.core.actors import ActingUser
from dangjian.core.hooks import roles_changed
from dangjian.core.models import ApiToken, RoleAssignment, User
from dangjian.core.roles import Role
from dangjian.core.scoping import require


def do_register_public_user(user: User) -> RoleAssignment:
    """A self-registered account becomes a public user (群众); no organization scope."""
    with transaction.atomic():
        assignment, _created = RoleAssignment.objects.get_or_create(user=user, role=Role.PUBLIC, organization=None)
        audit.record(user, "user.registered", user, after={"username": user.username, "role": Role.PUBLIC})
    return assignment


def do_create_user(*, username: str, password: str | None, name: str = "", email: str = "", acting_user: ActingUser | None) -> User:
    if acting_user is not None and not acting_user.is_superuser:
        from dangjian.core.scoping import has_any

        if not has_any(acting_user, "roles.grant"):
            raise PermissionDenied(_("You may not create accounts."))
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": _("This username is already taken.")})
    with transaction.atomic():
        user = User(username=username, name=name, email=email)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        audit.record(acting_user, "user.created", user, after={"username": username, "name": name})
    return user


def do_grant_role(user: User, role: str, organization: Any, *, acting_user: ActingUser | None) -> RoleAssignment:
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    if role == Role.PUBLIC:
        organization = None
    elif organization is None:
        raise ValidationError({"organization": _("This role must be granted on an organization.")})
    if acting_user is not None and organization is not None:
        require(acting_user, "roles.grant", organization.path)
    with transaction.atomic():
        assignment, created = RoleAssignment.objects.get_or_create(user=user, role=role, organization=organization)
        if created:
            audit.record(
                acting_user, "role.granted", user,
                after={"role": role, "organization": organization.pk if organization else None},
                org_path=organization.path if organization else "",
            )
            roles_changed(user)
    for attr in ("_dj_assignments", "_dj_scope"):
        user.__dict__.pop(attr, None)
    return assignment


def do_revoke_role(assignment: RoleAssignment, *, acting_user: ActingUser) -> None:
    org = assignment.organization
    if acting_user is not None and org is not None:
        require(acting_user, "roles.grant", org.path)
    with transaction.atomic():
        audit.record(
            acting_user, "role.revoked", assignment.user,
            before={"role": assignment.role, "organization": org.pk if org else None},
            org_path=org.path if org else "",
        )
        assignment.delete()
        roles_changed(assignment.user)


def do_issue_api_token(user: User, *, ip: str | None = None) -> str:
    """Create a bearer token; return the raw value (shown once, stored only as a digest)."""
    raw = secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            digest=ApiToken.digest_of(raw),
            expires_at=timezone.now() + dt.timedelta(hours=settings.API_TOKEN_TTL_HOURS),
        )
        audit.record(user, "api_token.issued", user, after={"token_id": token.pk}, ip=ip)
    return raw


def do_revoke_api_token(token: ApiToken, *, acting_user: ActingUser, ip: str | None = None) -> None:
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        audit.record(acting_user, "api_token.revoked", token.user, before={"token_id": token.pk}, ip=ip)


def do_update_preferences(user: User, *, acting_user: ActingUser, language: str | None = None, large_font: bool | None = None) -> User:
    if acting_user.pk != user.pk:
        raise PermissionDenied(_("You may only change your own preferences."))
    before = audit.snapshot(user, ["language", "large_font"])
    if language is not None:
        if language and language not in dict(settings.LANGUAGES):
            raise ValidationError({"language": _("Unsupported language.")})
        user.language = language
    if large_font is not None:
        user.large_font = large_font
    with transaction.atomic():
        user.save(update_fields=["language", "large_font"])
        b, a = audit.diff(before, audit.snapshot(user, ["language", "large_font"]))
        if a:
            audit.record(acting_user, "user.preferences_changed", user, before=b, after=a)
    return user


def _initial_password() -> str:
    return secrets.token_urlsafe(9)


def do_create_account(*, username: str, name: str, email: str, role: str, organization: Any,
                      acting_user: ActingUser) -> tuple[User, str]:
    """A staff account with its first role, in one step. Returns the user and a one-time initial
    password to hand over (the user changes it after signing in)."""
    if role == Role.PUBLIC:
        raise ValidationError({"role": _("Public users register themselves.")})
    if organization is None:
        raise ValidationError({"organization": _("This role must be granted on an organization.")})
    require(acting_user, "roles.grant", organization.path)
    username = (username or "").strip()
    if not username:
        raise ValidationError({"username": _("The username cannot be empty.")})
    password = _initial_password()
    with transaction.atomic():
        user = do_create_user(username=username, password=password, name=name, email=email, acting_user=acting_user)
        user.must_change_password = True  # a one-time password: changed at first sign-in
        user.save(update_fields=["must_change_password"])
        do_grant_role(user, role, organization, acting_user=acting_user)
    return user, password


def may_administer(acting_user: ActingUser, user: User) -> bool:
    """Whether ``acting_user`` may take over-the-account actions (password reset) on ``user``:
    every role the account holds must lie inside the actor's ``roles.grant`` scope, so a town
    administrator can never reset the password of a county administrator or a superuser."""
    if acting_user.is_superuser:
        return True
    if user.is_superuser or user.pk == acting_user.pk:
        return False
    assignments = list(user.role_assignments.select_related("organization"))
    scoped_paths = [a.organization.path for a in assignments if a.organization is not None]
    if not scoped_paths:
        return False
    from dangjian.core.scoping import in_scope

    return all(in_scope(acting_user, "roles.grant", p) for p in scoped_paths)


def revoke_all_api_tokens(user: User) -> int:
    """Part of a password change or reset: tokens issued under the old password stop working.
    Call inside the caller's transaction (which records the audit event)."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


def do_reset_password(user: User, *, acting_user: ActingUser) -> str:
    """Give a user a new one-time password and revoke their API tokens."""
    if not may_administer(acting_user, user):
        raise PermissionDenied(_("You may not reset this account's password."))
    password = _initial_password()
    with transaction.atomic():
        user.set_password(password)
        user.must_change_password = True  # a one-time password: changed at the next sign-in
        user.save(update_fields=["password", "must_change_password"])
        revoked = revoke_all_api_tokens(user)
        audit.record(acting_user, "user.password_reset", user, after={"api_tokens_revoked": revoked})
    return password


def do_record_account_security_event(user: Any, event: str, *, ip: str | None = None) -> None:
    """Audit a change the user made to their own sign-in (password, two-step verification, e-mail)
    through allauth's pages; a password change also revokes the user's API tokens."""
    with transaction.atomic():
        after: dict[str, Any] = {}
        if event in ("user.password_changed", "user.password_reset_by_email"):
            after["api_tokens_revoked"] = revoke_all_api_tokens(user)
            if user.must_change_password:  # the one-time password is gone
                user.must_change_password = False
                user.save(update_fields=["must_change_password"])
        audit.record(user, event, user, after=after or None, ip=ip)
