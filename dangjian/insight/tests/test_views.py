"""Pages: the dashboard (hot spots, chart data, start a run), a topic with its masked texts
(bounded queries whatever the page size), rename and merge forms, the run list; scope and
permissions; the nav entry and the workbench card."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from dangjian.core.hooks import workbench_cards
from dangjian.insight.models import Run, RunState, Topic
from dangjian.insight.tests.test_runs import start
from dangjian.testing.navigation import entries_of

pytestmark = pytest.mark.django_db


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


def test_dashboard_topic_page_rename_merge_and_runs(tree, users, eval_source, django_capture_on_commit_callbacks,
                                                     django_assert_max_num_queries, rf):
    c = client_for(users.admin)
    empty = c.get(reverse("insight:dashboard"))
    assert empty.status_code == 200 and "id=\"start-run\"" in empty.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        answer = c.post(reverse("insight:start"), {"organization": tree.county.pk})
    assert answer.status_code == 302
    run = Run.objects.get()
    assert run.state == RunState.DONE
    page = c.get(reverse("insight:dashboard")).content.decode()
    assert "insight-chart-data" in page and "hot-spots" in page
    lamp = next(t for t in run.topics.all() if "路灯" in t.keywords[:3])
    url = reverse("insight:topic", args=[lamp.pk])
    with django_assert_max_num_queries(14) as small:
        c.get(url)
    with django_assert_max_num_queries(len(small.captured_queries)):
        body = c.get(url + "?page=2").content.decode()
    assert "topic-texts" in body
    pages = [c.get(url + f"?page={n}").content.decode() for n in range(1, 6)]
    assert "13912345678" not in "".join(pages) and any("13*******78" in p for p in pages)
    c.post(reverse("insight:rename", args=[lamp.pk]), {"label": "路灯不亮"})
    assert Topic.objects.get(pk=lamp.pk).label == "路灯不亮"
    other = run.topics.exclude(pk=lamp.pk).first()
    c.post(reverse("insight:merge", args=[lamp.pk]), {"topics": [str(other.pk)]})
    assert Topic.objects.get(pk=other.pk).merged_into_id == lamp.pk
    runs = c.get(reverse("insight:runs")).content.decode()
    assert "run-list" in runs and "100%" in runs
    # the workbench card and the nav entry
    request = rf.get("/")
    request.user = users.admin
    card = next(card for card in workbench_cards(request) if card["url"] == reverse("insight:dashboard"))
    assert card["value"] == run.topics.filter(merged_into__isnull=True).count()
    assert entries_of(users.admin, lambda name: name.startswith("insight:"))
    assert not entries_of(users.member, lambda name: name.startswith("insight:"))


def test_scope_and_permissions(tree, users, eval_source, django_capture_on_commit_callbacks):
    run = start(tree.county, users.admin, django_capture_on_commit_callbacks)
    topic = run.topics.first()
    publicity = client_for(users.publicity)
    assert publicity.get(reverse("insight:dashboard")).status_code == 200  # no run of town A yet
    assert publicity.get(reverse("insight:topic", args=[topic.pk])).status_code == 404
    assert publicity.post(reverse("insight:rename", args=[topic.pk]), {"label": "x"}).status_code == 404
    assert publicity.post(reverse("insight:start"), {"organization": tree.town_a.pk}).status_code == 404
    assert client_for(users.member).get(reverse("insight:dashboard")).status_code == 403
    assert client_for(users.member).get(reverse("insight:runs")).status_code == 403
    assert Client().get(reverse("insight:dashboard")).status_code == 302


def test_county_dictionary_page(tree, users):
    from dangjian.core.audit import AuditEvent
    from dangjian.insight.models import DictionaryWord
    from dangjian.insight.pipeline.text import Segmenter
    from dangjian.insight.runner import county_dictionary

    c = client_for(users.admin)
    assert c.get(reverse("insight:dictionary")).status_code == 200
    c.post(reverse("insight:dictionary"), {"words": "老街口，桃源渡\n老街口"})
    assert sorted(DictionaryWord.objects.values_list("word", flat=True)) == ["桃源渡", "老街口"]
    assert AuditEvent.objects.filter(action="insight_dictionary.changed").count() == 1
    refused = c.post(reverse("insight:dictionary"), {"words": "好 " + "长" * 31}, follow=True).content.decode()
    assert "2 到 30 个字" in refused and DictionaryWord.objects.count() == 2
    page = c.get(reverse("insight:dictionary")).content.decode()
    assert "老街口" in page and "dictionary-list" in page
    # the next run segments with it: the word stays one token
    words = county_dictionary(tree.county, [])
    assert "桃源渡" in words and "老街口" in words
    assert "桃源渡" in Segmenter(words).tokens("桃源渡的渡船停了三天")
    word = DictionaryWord.objects.get(word="桃源渡")
    c.post(reverse("insight:dictionary_remove", args=[word.pk]))
    assert not DictionaryWord.objects.filter(word="桃源渡").exists()
    publicity = client_for(users.publicity)
    assert publicity.get(reverse("insight:dictionary")).status_code == 403
    assert publicity.post(reverse("insight:dictionary"), {"words": "甲乙"}).status_code == 403
    assert publicity.post(reverse("insight:dictionary_remove", args=[1])).status_code == 403
