"""The dispatcher's page shows the routing advisor's suggestions (``core.hooks``; opinion insight
registers the real one): the top departments with their deciding words, a link that pre-fills
the assign form, and the assignment is announced to the routing listeners after the commit."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from dangjian.cases.actions import do_create_department
from dangjian.core import hooks
from dangjian.opinions.actions import do_submit_opinion
from dangjian.opinions.tests.helpers import opinion_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def advice() -> Iterator[SimpleNamespace]:
    """A routing advisor answering from the opinion's words (as insight's does from its model),
    and a listener recording the decisions; the installed ones are put back afterwards."""
    asked: list[tuple[str, str]] = []
    decided: list[dict[str, Any]] = []

    def advisor(text: str, org_path: str) -> list[dict[str, Any]]:
        asked.append((text, org_path))
        if "路灯" not in text:
            return []
        return [{"department": "县住房和城乡建设局", "probability": 0.71, "terms": ["路灯", "不亮"]},
                {"department": "县交通运输局", "probability": 0.2, "terms": ["道路"]},
                {"department": "不存在的局", "probability": 0.09, "terms": []}]

    saved = list(hooks._routing_advisors)
    hooks.register_routing_advisor(advisor)
    hooks.register_routing_listener(decided.append)
    yield SimpleNamespace(asked=asked, decided=decided)
    hooks._routing_advisors[:] = saved
    hooks.unregister_routing_listener(decided.append)


def test_staff_page_shows_suggestions_and_prefills_the_choice(tree: Any, users: Any, advice: Any,
                                                              django_capture_on_commit_callbacks: Any) -> None:
    housing = do_create_department({"name": "县住房和城乡建设局", "organization": tree.county}, acting_user=users.admin)
    transport = do_create_department({"name": "县交通运输局", "organization": tree.county}, acting_user=users.admin)
    opinion = do_submit_opinion(opinion_data(place=tree.town_a.pk, title="村口路灯不亮", body="村口路灯坏了一个月，晚上很黑。"),
                                [], acting_user=AnonymousUser())
    admin = Client()
    admin.force_login(users.admin)
    page = admin.get(f"/opinions/staff/{opinion.pk}/").content.decode()
    assert 'id="routing-suggestions"' in page
    block = page.split('id="routing-suggestions"')[1].split("</div>")[0]
    assert block.index("县住房和城乡建设局") < block.index("县交通运输局")  # best first
    assert "路灯、不亮" in block and "71%" in block
    assert f"?suggested={housing.pk}" in block and f"?suggested={transport.pk}" in block
    assert "不存在的局" in block and block.count("use-suggestion") == 2  # no link to an unknown department
    assert advice.asked[0] == ("村口路灯不亮\n村口路灯坏了一个月，晚上很黑。", opinion.org_path)
    # picking a suggestion pre-fills the lead department; the dispatcher still confirms
    picked = admin.get(f"/opinions/staff/{opinion.pk}/?suggested={transport.pk}").content.decode()
    assert f'<option value="{transport.pk}" selected>' in picked
    assert f'<option value="{housing.pk}" selected>' not in picked
    with django_capture_on_commit_callbacks(execute=True):
        answer = admin.post(f"/opinions/staff/{opinion.pk}/assign/", {"lead_department": transport.pk})
    assert answer.status_code == 302
    assert advice.decided == [{"key": f"opinions:{opinion.pk}", "text": "村口路灯不亮\n村口路灯坏了一个月，晚上很黑。",
                               "org_path": opinion.org_path, "department": "县交通运输局"}]
    # once assigned, no suggestions (nothing to dispatch)
    assert 'id="routing-suggestions"' not in admin.get(f"/opinions/staff/{opinion.pk}/").content.decode()


def test_no_suggestions_without_advice(tree: Any, users: Any, advice: Any) -> None:
    opinion = do_submit_opinion(opinion_data(place=tree.town_a.pk, title="噪音扰民", body="楼下广场舞每天晚上太吵了，影响休息。"), [],
                                acting_user=AnonymousUser())
    admin = Client()
    admin.force_login(users.admin)
    page = admin.get(f"/opinions/staff/{opinion.pk}/").content.decode()
    assert 'id="assign-form"' in page and 'id="routing-suggestions"' not in page
