"""Demo data for the forum: two boards and a couple of threads, written through the actions."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from dangjian.opinions.forum.actions import do_create_board, do_create_reply, do_create_thread
from dangjian.opinions.forum.models import Board


def seed_forum(ctx: Any) -> None:
    if Board.objects.exists():
        return
    moderator = ctx.users.get("demo-admin")
    if moderator is None:
        return
    poster = ctx.users.get("demo-member") or moderator
    work = do_create_board({"name": _("Organization work"), "description": _("Party building in branches"),
                            "order": 10}, acting_user=moderator)
    do_create_board({"name": _("Suggestions"), "description": _("Ideas for the county"), "order": 20},
                    acting_user=moderator)
    thread = do_create_thread(work, {"title": _("How do you run theme party days?"),
                                     "body": _("Please share how your branch organizes its theme party day.")},
                              acting_user=poster)
    do_create_reply(thread, {"body": _("We visit a red education site once a quarter.")}, acting_user=moderator)
    do_create_thread(work, {"title": _("Welcome to the forum"),
                            "body": _("Be kind and stay on topic; moderators review reported posts.")},
                     acting_user=moderator)
