"""The demo portal editor (``demo-editor``): a publicity officer of the county — Wagtail editor
access comes with the role (the portal's role listener) — who also holds the first review stage,
and one article waiting in that stage, so the editor's journey (the review queue on the
workbench, approving in /cms/) can be tried. Runs after the portal's seeder."""

from __future__ import annotations

from typing import Any

from dangjian.core.actions import do_create_user, do_grant_role
from dangjian.core.models import User
from dangjian.core.roles import Role
from dangjian.demo.actions import DEMO_PASSWORD

EDITOR = "demo-editor"
PENDING_TITLE = "县委组织部开展“七一”走访慰问老党员活动"


def seed_editor(ctx: Any) -> None:
    from dangjian.portal import ReviewStage
    from dangjian.portal.actions import do_create_article, do_set_reviewer, do_submit_for_review, do_sync_editor_groups
    from dangjian.portal.models import SectionPage

    admin = ctx.users.get("demo-admin")
    if admin is None or User.objects.filter(username=EDITOR).exists():
        return
    editor = do_create_user(username=EDITOR, password=DEMO_PASSWORD, name="演示编辑", acting_user=admin)
    do_grant_role(editor, Role.PUBLICITY, ctx.root, acting_user=admin)
    section = SectionPage.objects.filter(slug="news").order_by("path").first()
    if section is None:  # no portal at this scale
        return
    do_sync_editor_groups(editor)
    do_set_reviewer(editor, ReviewStage.FIRST, acting_user=admin)
    editor = User.objects.get(pk=editor.pk)  # fresh permission caches
    article = do_create_article(section, {
        "title": PENDING_TITLE, "summary": "走访慰问老党员（演示，待审核）", "author": "县委组织部",
        "body": [("text", "<p>县委组织部走访慰问生活困难党员和老党员，送去组织的关怀。本文由演示数据生成，等待一审。</p>")],
    }, acting_user=editor)
    do_submit_for_review(article, acting_user=editor)
