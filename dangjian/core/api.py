"""API: login, logout and the caller's own account (``/api/v1/auth/*``, ``/api/v1/me``)."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from dangjian.core.actions import do_issue_api_token, do_revoke_api_token
from dangjian.core.apikit.auth import (
    api_user,
    begin_login,
    read_auth,
    token_auth,
)
from dangjian.core.apikit.errors import ApiError
from dangjian.core.apikit.schemas import ErrorOut, InputSchema, OkOut
from dangjian.core.http import client_ip
from dangjian.core.scoping import roles_of

router = Router(tags=["auth"])


class LoginIn(InputSchema):
    username: str = Field(..., min_length=1, max_length=150)
    password: str = Field(..., min_length=1, max_length=4096)
    code: str | None = Field(None, max_length=64, description="TOTP or recovery code, for accounts with MFA.")


class TokenOut(Schema):
    token: str
    token_type: str = "Bearer"  # noqa: S105 (the scheme name, not a secret)


class RoleOut(Schema):
    role: str
    org: int | None = Field(None, description="Organization id the role is granted on (its subtree).")


class MeOut(Schema):
    username: str
    name: str
    roles: list[RoleOut]


def _mfa_passed(request: HttpRequest, user: object, code: str | None) -> bool:
    """True when ``user`` has no MFA, or ``code`` is a valid TOTP/recovery code for them."""
    from allauth.mfa.base.forms import AuthenticateForm
    from allauth.mfa.utils import is_mfa_enabled

    if not is_mfa_enabled(user):  # type: ignore[arg-type]
        return True
    if not code:
        raise ApiError(401, "mfa_required", _("This account uses two-factor authentication: send “code”."),
                       field="code")
    return AuthenticateForm(user=user, data={"code": code}).is_valid()


@router.post("/auth/login", response={200: TokenOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut, 429: ErrorOut},
             auth=None, summary="Log in with username and password; returns a bearer token")
def login(request: HttpRequest, payload: LoginIn) -> TokenOut:
    ip = client_ip(request)
    attempt = begin_login(ip, payload.username)  # a failure keeps its slot in the throttle
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None or not user.is_active:
        raise ApiError(401, "invalid_credentials", _("Wrong username or password."))
    try:
        mfa_passed = _mfa_passed(request, user, payload.code)
    except ApiError:  # the right password, no code sent yet: not a guess
        attempt.cancel()
        raise
    if not mfa_passed:
        raise ApiError(401, "invalid_code", _("The two-factor code is not valid."), field="code")
    attempt.succeeded()
    if user.must_change_password:  # type: ignore[attr-defined]
        raise ApiError(403, "password_change_required",
                       _("Your password was set by an administrator: change it on the web before using the API."))
    return TokenOut(token=do_issue_api_token(user, ip=ip))  # type: ignore[arg-type]


@router.post("/auth/logout", response={200: OkOut, 401: ErrorOut}, auth=token_auth,
             summary="Revoke the bearer token used for this call")
def logout(request: HttpRequest) -> OkOut:
    token = request.api_token  # type: ignore[attr-defined]
    do_revoke_api_token(token, acting_user=api_user(request), ip=client_ip(request))
    return OkOut()


@router.get("/me", response={200: MeOut, 401: ErrorOut}, auth=read_auth, tags=["me"],
            summary="The caller's account and roles")
def me(request: HttpRequest) -> MeOut:
    user = api_user(request)
    return MeOut(
        username=user.username,
        name=user.name,
        roles=[RoleOut(role=a.role, org=a.organization_id) for a in roles_of(user)],
    )
