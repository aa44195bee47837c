"""Pages: dashboard (scoped, bounded queries), new file, next-step form, timeline, public notices,
documents, archive, member home."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dangjian.core.models import AuditEvent
from dangjian.members.development.actions import do_publish_notice
from dangjian.members.development.models import ApplicantFile, StepRecord
from dangjian.members.development.tests.helpers import advance, create

pytestmark = pytest.mark.django_db
APPLIED = dt.date(2024, 5, 6)


@pytest.fixture
def f(tree: Any, users: Any, clock: Any) -> ApplicantFile:
    clock.set(APPLIED)
    return create(tree, users.secretary, APPLIED)


def test_dashboard_counts_and_overdue(client: Any, tree: Any, users: Any, clock: Any, f: ApplicantFile,
                                      django_assert_max_num_queries: Any) -> None:
    g = create(tree, users.secretary, APPLIED, name="孙二", birth_date=dt.date(1990, 1, 1))
    advance(g, 3, tree, users, clock)
    clock.set(APPLIED + dt.timedelta(days=40))  # f's talk (due 6 June) is overdue
    client.force_login(users.organizer)
    url = reverse("development:dashboard") + f"?org={tree.town_a.pk}"
    with django_assert_max_num_queries(20):
        response = client.get(url)
    assert response.status_code == 200
    board = response.context["board"]
    counts = {row.stage: row.count for row in board.stages}
    assert counts == {"application": 1, "activist": 1, "candidate": 0, "admission": 0, "probation": 0}
    assert [x.pk for x in board.overdue] == [f.pk] and board.overdue_count == 1
    a1 = next(r for r in board.children if r["org"] == tree.branch_a1)
    assert a1["total"] == 2 and a1["application"] == 1 and a1["activist"] == 1
    html = response.content.decode()
    assert "钱小红" in html and "孙二" in html
    # More files do not mean more queries.
    for i in range(8):
        create(tree, users.secretary, APPLIED, name=f"某{i}", birth_date=dt.date(1990, 1, 1))
    with django_assert_max_num_queries(20):
        assert client.get(url).status_code == 200


def test_dashboard_scope(client: Any, tree: Any, users: Any, f: ApplicantFile) -> None:
    client.force_login(users.secretary)
    assert client.get(reverse("development:dashboard")).status_code == 200
    assert client.get(reverse("development:dashboard") + f"?org={tree.town_b.pk}").status_code == 404
    client.force_login(users.publicity)
    assert client.get(reverse("development:dashboard")).status_code == 403
    client.force_login(users.secretary)
    client.logout()
    assert client.get(reverse("development:dashboard")).status_code == 302


def test_file_pages_out_of_scope_are_404(client: Any, tree: Any, users: Any, f: ApplicantFile, root_user: Any) -> None:
    from dangjian.testing.fixtures import make_user

    other = make_user("sec-b1", "secretary", tree.branch_b1, acting_user=root_user)
    client.force_login(other)
    for name in ("detail", "step", "export"):
        assert client.get(reverse(f"development:{name}", args=[f.pk])).status_code == 404
    assert client.get(reverse("development:document", args=[f.pk, "talk"])).status_code == 404


def test_create_page(client: Any, tree: Any, users: Any, clock: Any, media: Any) -> None:
    clock.set(APPLIED)
    client.force_login(users.secretary)
    assert client.get(reverse("development:create")).status_code == 200
    bad = client.post(reverse("development:create"), {"name": "小孩", "organization": tree.branch_a1.pk,
                                                       "applied_on": "2024-05-06", "birth_date": "2010-01-01"})
    assert bad.status_code == 200 and "18" in bad.content.decode() and ApplicantFile.objects.count() == 0
    letter = SimpleUploadedFile("申请书.pdf", b"%PDF-1.4 letter", content_type="application/pdf")
    response = client.post(reverse("development:create"), {
        "name": "吴新", "organization": tree.branch_a1.pk, "applied_on": "2024-05-06", "birth_date": "1999-09-09",
        "phone": "13812345678", "documents": [letter]})
    f = ApplicantFile.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("development:detail", args=[f.pk])
    assert f.person.phone == "13812345678" and f.records.get().documents.count() == 1
    detail = client.get(response["Location"]).content.decode()
    assert "吴新" in detail and "13812345678" not in detail and "申请书.pdf" in detail


def test_step_form_offers_only_the_next_step(client: Any, tree: Any, users: Any, clock: Any, f: ApplicantFile) -> None:
    client.force_login(users.secretary)
    url = reverse("development:step", args=[f.pk])
    response = client.get(url)
    assert [c[0] for c in response.context["form"].fields["step"].choices] == [2]
    # Posting a later step is refused (not a legal choice).
    response = client.post(url, {"step": 5, "date": "2024-05-06", "names": "王书记"})
    assert response.status_code == 200 and StepRecord.objects.filter(file=f).count() == 1
    clock.set(APPLIED + dt.timedelta(days=5))
    client.force_login(users.secretary)  # sessions expire when the clock moves on
    response = client.post(url, {"step": 2, "date": "2024-05-10", "names": "王书记，李委员", "note": "谈了入党动机"})
    assert response.status_code == 302, response.context["form"].errors
    record = StepRecord.objects.get(file=f, step=2)
    assert sorted(record.people.values_list("name", flat=True)) == ["李委员", "王书记"]
    # Step 4 belongs to the committee above: the branch secretary cannot open its form.
    advance(f, 3, tree, users, clock)
    client.force_login(users.secretary)
    assert client.get(url).status_code == 403
    client.force_login(users.organizer)
    assert client.get(url).status_code == 200


def test_vote_fields_and_errors_on_the_page(client: Any, tree: Any, users: Any, clock: Any, f: ApplicantFile) -> None:
    advance(f, 11, tree, users, clock)
    client.force_login(users.secretary)
    url = reverse("development:step", args=[f.pk])
    form = client.get(url).context["form"]
    assert {"entitled", "present", "yes", "no", "abstain"} <= set(form.fields)
    response = client.post(url + "?lang=en", {"step": 12, "date": clock.today.isoformat(), "entitled": 5, "present": 2,
                                 "yes": 2, "no": 0, "abstain": 0})
    assert response.status_code == 200 and "quorum" in response.content.decode()


def test_public_notice_published_then_withdrawn(client: Any, tree: Any, users: Any, clock: Any, f: ApplicantFile) -> None:
    f = advance(f, 12, tree, users, clock)
    start = clock.today + dt.timedelta(days=1)
    f = do_publish_notice(f, start=start, acting_user=users.secretary)
    url = reverse("development:notice", args=[f.notice_token])
    assert client.get(url).status_code == 404  # not yet
    clock.set(start)
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "钱**" in html and "钱小红" not in html and "13900001111" not in html
    assert "钱**" in client.get(reverse("development:notices")).content.decode()
    clock.set(f.notice_ends_on)  # type: ignore[arg-type]
    assert client.get(url).status_code == 200
    clock.set(f.notice_ends_on + dt.timedelta(days=1))  # type: ignore[operator]
    assert client.get(url).status_code == 404
    assert "钱**" not in client.get(reverse("development:notices")).content.decode()


def test_publish_notice_page(client: Any, tree: Any, users: Any, clock: Any, f: ApplicantFile) -> None:
    f = advance(f, 12, tree, users, clock)
    client.force_login(users.secretary)
    response = client.post(reverse("development:publish_notice", args=[f.pk]), {"start": clock.today.isoformat()})
    assert response.status_code == 302
    f.refresh_from_db()
    assert f.notice_starts_on == clock.today and f.notice_ends_on


def test_documents_and_archive(client: Any, tree: Any, users: Any, clock: Any, f: ApplicantFile, media: Any) -> None:
    from docx import Document

    f = advance(f, 24, tree, users, clock)
    client.force_login(users.secretary)
    for kind, words in (("talk", "王书记"), ("notice", "周介绍"), ("resolution", "钱小红")):
        response = client.get(reverse("development:document", args=[f.pk, kind]))
        assert response.status_code == 200, kind
        text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
        assert words in text and "{{" not in text, (kind, text)
    response = client.get(reverse("development:export", args=[f.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert len([n for n in names if n.endswith(".docx")]) == 3 and any(n.endswith(".txt") for n in names)
    assert AuditEvent.objects.filter(action="development.exported").count() == 1


def test_applicant_sees_own_progress(client: Any, tree: Any, users: Any, clock: Any) -> None:
    clock.set(APPLIED)
    f = create(tree, users.secretary, APPLIED, user=users.public)
    advance(f, 3, tree, users, clock)
    client.force_login(users.public)
    response = client.get(reverse("development:mine"))
    assert response.status_code == 200 and "3/25" in response.content.decode()
    assert client.get(reverse("development:detail", args=[f.pk])).status_code == 200
    assert client.get(reverse("development:step", args=[f.pk])).status_code == 403
    assert client.get(reverse("development:export", args=[f.pk])).status_code == 404
    from dangjian.core.hooks import home_items

    request = client.get(reverse("development:mine")).wsgi_request
    items = [i for i in home_items(request) if i["url"] == reverse("development:mine")]
    assert len(items) == 1 and "3" in items[0]["body"]
    client.force_login(users.nobody)
    assert "no application" in client.get(reverse("development:mine") + "?lang=en").content.decode()


def test_dashboard_groups_deeper_files_under_their_child(tree: Any, users: Any, clock: Any,
                                                         f: ApplicantFile) -> None:
    """From the county, files of branches two levels down count under their town (grouped by
    the child's path prefix in SQL)."""
    from dangjian.members.development.selectors import dashboard

    create(tree, users.secretary, APPLIED, name="孙二", birth_date=dt.date(1990, 1, 1))
    board = dashboard(tree.county)
    by_org = {r["org"]: r for r in board.children}
    assert by_org[tree.town_a]["total"] == 2 and by_org[tree.town_a]["application"] == 2
    assert by_org[tree.town_b]["total"] == 0


def test_step_form_warns_before_the_step_7_time_rule(client: Any, tree: Any, users: Any, clock: Any,
                                                      f: ApplicantFile) -> None:
    from dangjian.members.development import rules

    f = advance(f, 6, tree, users, clock)
    earliest = rules.candidate_earliest(f.activist_on)  # type: ignore[arg-type]
    client.force_login(users.secretary)
    page = client.get(f"/development/{f.pk}/step/").content.decode()
    assert 'id="step-earliest"' in page and earliest.isoformat() in page
    clock.set(earliest)
    assert 'id="step-earliest"' not in client.get(f"/development/{f.pk}/step/").content.decode()


def test_extension_from_the_file_page_awaits_approval(client: Any, tree: Any, users: Any, clock: Any,
                                                      f: ApplicantFile) -> None:
    f = advance(f, 20, tree, users, clock)
    client.force_login(users.secretary)
    assert f'action="/development/{f.pk}/extend/"' in client.get(f"/development/{f.pk}/").content.decode()
    r = client.post(f"/development/{f.pk}/extend/", {"months": 6, "reason": "需继续考察"})
    assert r.status_code == 302
    page = client.get(f"/development/{f.pk}/").content.decode()
    assert 'id="extension-pending"' in page and f'action="/development/{f.pk}/extend/"' not in page
    f.refresh_from_db()
    assert not f.probation_extended
