from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from dangjian.core.models import AuditEvent
from dangjian.opinions.actions import do_submit_opinion
from dangjian.opinions.models import Opinion
from dangjian.opinions.tests.helpers import PHONE, PNG, opinion_data
from dangjian.testing.fixtures import PASSWORD

pytestmark = pytest.mark.django_db


def _post_data(**extra: Any) -> dict[str, Any]:
    data = opinion_data(**extra)
    data["is_public"] = "1" if data["is_public"] else "0"
    return data


def test_submit_page_renders_for_anonymous(client: Any, tree: Any) -> None:
    response = client.get(reverse("opinions:submit"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert 'type="radio"' in html and 'name="kind"' in html
    assert tree.town_a.name in html  # depth 2: offered
    assert tree.branch_a1.name in html  # depth 3 (communities/branches): offered
    assert "style=" not in html


def test_anonymous_web_submit_shows_tracking_number(client: Any, tree: Any) -> None:
    data = _post_data(place=tree.town_a.pk)
    data["photos"] = [SimpleUploadedFile("p.png", PNG, content_type="image/png")]
    response = client.post(reverse("opinions:submit"), data)
    assert response.status_code == 302
    opinion = Opinion.objects.get()
    assert opinion.photos.count() == 1
    page = client.get(response["Location"])
    assert opinion.tracking_no in page.content.decode()
    assert PHONE not in page.content.decode()


def test_signed_in_web_submit_and_mine(client: Any, users: Any) -> None:
    client.login(username=users.public.username, password=PASSWORD)
    response = client.post(reverse("opinions:submit"), _post_data(phone=""))
    assert response.status_code == 302
    opinion = Opinion.objects.get()
    assert opinion.sender == users.public
    mine = client.get(reverse("opinions:mine"))
    assert opinion.tracking_no in mine.content.decode()


def test_mine_needs_login(client: Any, db: Any) -> None:
    assert client.get(reverse("opinions:mine")).status_code == 302


def test_web_validation_error_names_field_and_writes_nothing(client: Any, tree: Any) -> None:
    audit_before = AuditEvent.objects.count()
    data = _post_data(title="ab", phone="")
    data["photos"] = [SimpleUploadedFile("x.jpg", b"hello, I am text", content_type="image/jpeg")]
    response = client.post(reverse("opinions:submit"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert "title" in form.errors and "phone" in form.errors and "photos" in form.errors
    assert Opinion.objects.count() == 0 and AuditEvent.objects.count() == audit_before


def test_track_right_phone_shows_timeline(client: Any, tree: Any) -> None:
    opinion = do_submit_opinion(opinion_data(), [], acting_user=AnonymousUser())
    response = client.post(reverse("opinions:track"), {"tracking_no": opinion.tracking_no.lower(), "phone": PHONE})
    assert response.status_code == 200
    html = response.content.decode()
    assert opinion.title in html and 'class="timeline"' in html
    assert PHONE not in html


def test_track_wrong_phone_or_number_identical(client: Any, tree: Any) -> None:
    opinion = do_submit_opinion(opinion_data(), [], acting_user=AnonymousUser())
    wrong_phone = client.post(reverse("opinions:track"), {"tracking_no": opinion.tracking_no, "phone": "13800000000"})
    wrong_no = client.post(reverse("opinions:track"), {"tracking_no": "YJ20000101-9999", "phone": PHONE})
    assert wrong_phone.status_code == wrong_no.status_code == 404
    assert opinion.title not in wrong_phone.content.decode()
    def normalized(response: Any, no: str) -> str:
        html = re.sub(r'(csrf[^"]*" *(value|content)=)"[^"]*"', r"\1", response.content.decode())
        return html.replace(no, "NO")

    assert normalized(wrong_phone, opinion.tracking_no) == normalized(wrong_no, "YJ20000101-9999")
    assert PHONE not in wrong_no.content.decode()


def test_track_rate_limited_per_ip(client: Any, tree: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPINION_TRACK_RATE_LIMIT", "3/10m")
    opinion = do_submit_opinion(opinion_data(), [], acting_user=AnonymousUser())
    for _ in range(3):
        assert client.post(reverse("opinions:track"), {"tracking_no": opinion.tracking_no, "phone": "13800000000"}).status_code == 404
    blocked = client.post(reverse("opinions:track"), {"tracking_no": opinion.tracking_no, "phone": PHONE})
    assert blocked.status_code == 429 and blocked["Retry-After"]
    assert opinion.title not in blocked.content.decode()
    other_ip = client.post(reverse("opinions:track"), {"tracking_no": opinion.tracking_no, "phone": PHONE},
                           REMOTE_ADDR="10.9.9.9")
    assert other_ip.status_code == 200


def test_track_default_limit_is_20_per_10_minutes(client: Any, tree: Any) -> None:
    for _ in range(20):
        client.post(reverse("opinions:track"), {"tracking_no": "YJ1", "phone": PHONE})
    assert client.post(reverse("opinions:track"), {"tracking_no": "YJ1", "phone": PHONE}).status_code == 429


def test_public_list_only_public_masked_no_phone(client: Any, tree: Any) -> None:
    public = do_submit_opinion(opinion_data(title="公开的意见标题"), [], acting_user=AnonymousUser())
    private = do_submit_opinion(opinion_data(title="私密的意见标题", is_public=False, name="李四"), [],
                                acting_user=AnonymousUser())
    response = client.get(reverse("opinions:public_list"))
    html = response.content.decode()
    assert public.title in html and private.title not in html
    assert "张**" in html and "张三丰" not in html
    assert PHONE not in html and "139****5678" not in html
    with connection.cursor() as cur:
        cur.execute("SELECT sender_phone FROM opinions_opinion")
        assert all(PHONE not in row[0] for row in cur.fetchall())


def _make(n: int) -> None:
    for i in range(n):
        do_submit_opinion(opinion_data(title=f"意见标题{i:03d}", name=f"王{i}"), [], acting_user=AnonymousUser())


def test_public_list_query_count_bounded(client: Any, tree: Any, django_assert_max_num_queries: Any) -> None:
    _make(5)
    with django_assert_max_num_queries(6) as small:
        client.get(reverse("opinions:public_list"))
    _make(35)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("opinions:public_list"))
    assert response.context["page"].paginator.count == 40
    assert client.get(reverse("opinions:public_list") + "?page=2").status_code == 200


def test_web_intake_rate_limited(client: Any, tree: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPINION_RATE_LIMIT", "1/m")
    assert client.post(reverse("opinions:submit"), _post_data()).status_code == 302
    assert client.post(reverse("opinions:submit"), _post_data()).status_code == 429
    assert Opinion.objects.count() == 1
