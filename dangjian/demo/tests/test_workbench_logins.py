"""The demo logins of issue 14: a case handler in county departments who answers a citizen
opinion from the workbench, and a portal editor with content awaiting review."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from django.test import Client

from dangjian.core.hooks import DemoContext
from dangjian.core.models import User
from dangjian.core.navigation import navigation
from dangjian.core.todos import forget_counts, todos_for
from dangjian.demo.actions import DEMO_PASSWORD, demo_logins
from dangjian.demo.cases import seed_cases
from dangjian.demo.editor import PENDING_TITLE, seed_editor
from dangjian.opinions.models import Opinion
from dangjian.portal.demo import seed_portal

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(tree: Any, users: Any, settings: Any, tmp_path: Any) -> DemoContext:
    settings.MEDIA_ROOT = tmp_path / "media"
    ctx = DemoContext(root=tree.county, branch=tree.branch_a1, users={"demo-admin": users.admin},
                      rng=random.Random(7), today=dt.date(2026, 11, 25), scale="small")  # noqa: S311
    seed_portal(ctx)
    seed_cases(ctx)
    seed_editor(ctx)
    return ctx


def test_handler_answers_a_citizen_opinion_from_the_workbench(demo: DemoContext) -> None:
    assert ("demo-handler", DEMO_PASSWORD) in [(u, p) for u, p, _label in demo_logins()]
    handler = User.objects.get(username="demo-handler")
    client = Client()
    assert client.login(username="demo-handler", password=DEMO_PASSWORD)
    page = client.get("/").content.decode()  # the workbench
    waiting = Opinion.objects.get(title="公交线路延伸到乙镇")  # its case is accepted, the reply owed
    item = next(t for t in todos_for(handler).items if t.ref == f"case:{waiting.case_id}")
    assert item.url in page and "公交线路延伸到乙镇" in item.title
    assert client.get(item.url).status_code == 200
    reply = "县交通运输局已将 3 路公交延伸到乙镇中心，下月起运行。"
    response = client.post(f"/cases/reply/{waiting.case_id}/", {"reply": reply})
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == "answered" and waiting.answer == reply
    forget_counts(handler)
    assert f"case:{waiting.case_id}" not in [t.ref for t in todos_for(handler).items]


def test_editor_has_content_awaiting_review_and_opens_cms(demo: DemoContext) -> None:
    from dangjian.portal.actions import do_review
    from dangjian.portal.models import ArticlePage

    assert "demo-editor" in [u for u, _p, _label in demo_logins()]
    editor = User.objects.get(username="demo-editor")
    items = todos_for(editor, sources=["portal.review"]).items
    assert len(items) == 1 and PENDING_TITLE in items[0].title
    entries = {e["key"]: e["url"] for g in navigation(editor, badges=False) for e in g["entries"]}
    client = Client()
    client.force_login(editor)
    assert client.get(entries["wagtailadmin_home"]).status_code == 200
    assert client.get(items[0].url).status_code == 200
    do_review(ArticlePage.objects.get(title=PENDING_TITLE), acting_user=editor, approve=True)
    forget_counts(editor)
    assert todos_for(editor, sources=["portal.review"]).items == []


def test_seed_demo_prints_the_handler_and_editor(demo: DemoContext) -> None:
    import io

    from dangjian.demo.management.commands.seed_demo import Command

    out = io.StringIO()
    cmd = Command(stdout=out)
    cmd._print_logins()
    text = out.getvalue()
    assert "demo-handler" in text and "demo-editor" in text
