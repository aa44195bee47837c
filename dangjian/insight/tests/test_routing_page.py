"""Routing suggestions on the dispatcher's page with insight's real advisor (a fitted run), the
dispatcher's choice recorded next to the suggestions, and the re-dispatch rate before and after
suggestions (page and API) from the runs' routing histories."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse

from dangjian.cases.actions import do_create_department
from dangjian.core.hooks import routing_suggestions
from dangjian.insight.alert_selectors import redispatch_rates
from dangjian.insight.models import RoutingDecision, TextAnalysis
from dangjian.insight.tests.test_runs import start
from dangjian.opinions.actions import do_submit_opinion
from dangjian.opinions.tests.helpers import opinion_data

pytestmark = pytest.mark.django_db


def test_the_dispatcher_sees_insights_suggestions_and_the_choice_is_recorded(
        tree, users, eval_source, django_capture_on_commit_callbacks):
    run = start(tree.county, users.admin, django_capture_on_commit_callbacks)
    names = sorted({d for row in eval_source.rows for d in row["departments"]})
    depts = {n: do_create_department({"name": n, "organization": tree.county}, acting_user=users.admin) for n in names}
    row = next(r for r in eval_source.rows if len(r["departments"]) == 1 and "路灯" in r["text"])
    title, _sep, body = row["text"].partition("，")
    opinion = do_submit_opinion(opinion_data(place=tree.town_a.pk, title=title[:50] or "路灯", body=body or row["text"]),
                                [], acting_user=AnonymousUser())
    text = f"{opinion.title}\n{opinion.body}"
    suggested = routing_suggestions(text, opinion.org_path)
    assert len(suggested) == 3 and all(s["terms"] for s in suggested[:1])
    admin = Client()
    admin.force_login(users.admin)
    page = admin.get(reverse("opinions:staff_detail", args=[opinion.pk])).content.decode()
    block = page.split('id="routing-suggestions"')[1].split("</div>")[0]
    positions = [block.index(s["department"]) for s in suggested]
    assert positions == sorted(positions)  # the three, best first
    assert "、".join(suggested[0]["terms"][:5]) in block
    assert f"?suggested={depts[suggested[0]['department']].pk}" in block
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(reverse("opinions:staff_assign", args=[opinion.pk]),
                   {"lead_department": depts[suggested[0]["department"]].pk})
    decision = RoutingDecision.objects.get(key=f"opinions:{opinion.pk}")
    assert decision.followed and decision.suggested == [s["department"] for s in suggested]
    assert decision.chosen == suggested[0]["department"]
    assert run.pk


def test_redispatch_rate_before_and_after_suggestions(tree, users, eval_source, django_capture_on_commit_callbacks):
    run = start(tree.county, users.admin, django_capture_on_commit_callbacks)
    routed = list(TextAnalysis.objects.filter(run=run).exclude(departments=[]).order_by("id"))
    assert any(len(t.departments) > 1 for t in routed)  # the histories reached the run
    # the last 100 routed texts were dispatched with suggestions shown; 70 followed the first
    after = routed[-100:]
    for i, t in enumerate(after):
        RoutingDecision.objects.create(key=t.key, org_path=t.org_path, suggested=["甲", "乙", "丙"],
                                       chosen="甲" if i < 70 else "乙", followed=i < 70)
    RoutingDecision.objects.create(key="opinions:999999", org_path=tree.branch_a1.path, suggested=[], chosen="甲")
    rates = redispatch_rates(run)
    before = routed[:-100]
    assert rates["before"] == {"routed": len(before), "redispatched": sum(len(t.departments) > 1 for t in before),
                               "rate": round(sum(len(t.departments) > 1 for t in before) / len(before), 4)}
    moved_after = sum(len(t.departments) > 1 for t in after)
    assert rates["after"]["routed"] == 100 and rates["after"]["redispatched"] == moved_after
    assert rates["followed"]["routed"] == 70 and rates["not_followed"]["routed"] == 30
    assert rates["decisions"] == 100 and rates["followed_share"] == 0.7
    admin = Client()
    admin.force_login(users.admin)
    page = admin.get(reverse("insight:routing")).content.decode()
    assert 'id="redispatch-before"' in page and f"<td>{len(before)}</td>" in page and "<td>100</td>" in page
    api = admin.get("/api/v1/insight/routing/redispatch").json()
    assert api["before"] == rates["before"] and api["after"] == rates["after"] and api["run"] == run.pk
    member = Client()
    member.force_login(users.member)
    assert member.get(reverse("insight:routing")).status_code == 403
