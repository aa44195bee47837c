"""Who performs an action (the ``acting_user`` of every ``do_<verb>_<noun>``): a signed-in
``User``, or a visitor (``AnonymousUser``: an opinion sent from the public form, a rating from the
SMS link). System jobs pass ``None`` where the action's signature says ``ActingUser | None``."""

from __future__ import annotations

from typing import TypeAlias

from django.contrib.auth.models import AnonymousUser

from dangjian.core.models import User

ActingUser: TypeAlias = User | AnonymousUser


def as_user(actor: ActingUser | None) -> User | None:
    """The signed-in user behind ``actor`` for a "done by" column; None for a visitor or the system."""
    return actor if isinstance(actor, User) else None


def signed_in(actor: ActingUser | None) -> User:
    """``actor`` as the signed-in user an action needs for a required "by" column (its permission
    check has already refused visitors); anything else is refused here too."""
    if not isinstance(actor, User):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    return actor
