"""API: list files (scoped, filtered, paginated, bounded queries) and record the next step."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from dangjian.core.actions import do_issue_api_token
from dangjian.members.development.models import ApplicantFile, StepRecord
from dangjian.members.development.tests.helpers import advance, create

pytestmark = pytest.mark.django_db
URL = "/api/v1/development/files"
APPLIED = dt.date(2024, 9, 2)


def _auth(user: Any) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {do_issue_api_token(user)}"}


@pytest.fixture
def f(tree: Any, users: Any, clock: Any) -> ApplicantFile:
    clock.set(APPLIED)
    return create(tree, users.secretary, APPLIED)


def test_list_scoped_filtered_paginated(client: Any, tree: Any, users: Any, clock: Any, f: ApplicantFile,
                                        root_user: Any, django_assert_max_num_queries: Any) -> None:
    from dangjian.testing.fixtures import make_user

    g = create(tree, users.secretary, APPLIED, name="孙二", birth_date=dt.date(1990, 1, 1))
    advance(g, 3, tree, users, clock)
    for i in range(5):
        create(tree, users.secretary, APPLIED, name=f"某{i}", birth_date=dt.date(1990, 1, 1))
    auth = _auth(users.organizer)
    with django_assert_max_num_queries(12):
        body = client.get(URL, {"org": tree.town_a.pk, "page_size": 3}, **auth).json()
    assert body["count"] == 7 and len(body["items"]) == 3 and body["page_size"] == 3
    body = client.get(URL, {"org": tree.town_a.pk, "stage": "activist"}, **auth).json()
    assert [i["name"] for i in body["items"]] == ["孙二"] and body["items"][0]["next_step"] == 4
    assert client.get(URL, {"page": 3, "page_size": 3}, **auth).json()["items"][0]["name"]
    # Out of scope: another county branch's secretary sees nothing, and an org filter outside is 404.
    other = make_user("sec-b1", "secretary", tree.branch_b1, acting_user=root_user)
    assert client.get(URL, **_auth(other)).json()["count"] == 0
    response = client.get(URL, {"org": tree.town_a.pk}, **_auth(other))
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    response = client.get(URL, {"stage": "nonsense"}, **auth)
    assert response.status_code == 422 and response.json()["field"] == "stage"
    assert client.get(URL).status_code == 401


def test_record_next_step(client: Any, tree: Any, users: Any, clock: Any, f: ApplicantFile) -> None:
    clock.set(APPLIED + dt.timedelta(days=3))
    url = f"{URL}/{f.pk}/steps"
    payload = {"step": 2, "date": "2024-09-05", "people": [{"role": "talker", "name": "王书记"}], "note": "谈话"}
    response = client.post(url, payload, content_type="application/json", **_auth(users.secretary))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["step"] == 2 and body["next_step"] == 3 and body["records"][-1]["people"][0]["name"] == "王书记"
    assert StepRecord.objects.filter(file=f, step=2).exists()


@pytest.mark.parametrize(("payload", "status", "field", "words"), [
    ({"step": 4, "date": "2024-09-05"}, 400, "step", "next step is 2"),
    ({"step": 2, "date": "2024-09-05"}, 400, "people", "talked"),
    ({"step": 2, "date": "2030-01-01", "people": [{"role": "talker", "name": "王"}]}, 400, "date", "future"),
    ({"step": 2, "date": "not a date"}, 422, "date", ""),
    ({"step": 99, "date": "2024-09-05"}, 422, "step", ""),
    ({"step": 2, "date": "2024-09-05", "people": [{"role": "boss", "name": "王"}]}, 400, "people", "role"),
])
def test_record_step_errors(client: Any, users: Any, clock: Any, f: ApplicantFile, payload: dict, status: int,
                            field: str, words: str) -> None:
    clock.set(APPLIED + dt.timedelta(days=3))
    response = client.post(f"{URL}/{f.pk}/steps?lang=en", payload, content_type="application/json",
                           **_auth(users.secretary))
    assert response.status_code == status, response.content
    body = response.json()
    assert body["field"] == field and body["message"] and body["code"]
    assert words in body["message"]
    assert StepRecord.objects.filter(file=f).count() == 1


def test_record_step_role_and_scope(client: Any, tree: Any, users: Any, clock: Any, f: ApplicantFile,
                                    root_user: Any) -> None:
    from dangjian.testing.fixtures import make_user

    f = advance(f, 3, tree, users, clock)
    url = f"{URL}/{f.pk}/steps"
    payload = {"step": 4, "date": clock.today.isoformat()}
    response = client.post(url, payload, content_type="application/json", **_auth(users.secretary))
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    other = make_user("sec-b1", "secretary", tree.branch_b1, acting_user=root_user)
    assert client.post(url, payload, content_type="application/json", **_auth(other)).status_code == 404
    response = client.post(url, payload, content_type="application/json", **_auth(users.organizer))
    assert response.status_code == 201 and response.json()["step"] == 4


def test_get_file(client: Any, users: Any, f: ApplicantFile) -> None:
    body = client.get(f"{URL}/{f.pk}", **_auth(users.secretary)).json()
    assert body["name"] == "钱小红" and body["records"][0]["step"] == 1 and "phone" not in body


# --- documents through the API (multipart) --------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _upload(client: Any, f: ApplicantFile, user: Any, data: Any, files: list[Any]) -> Any:
    import json

    from django.core.files.uploadedfile import SimpleUploadedFile

    body: dict[str, Any] = {"data": data if isinstance(data, str) else json.dumps(data)}
    if files:
        body["documents"] = [SimpleUploadedFile(name, content) for name, content in files]
    return client.post(f"{URL}/{f.pk}/steps/upload?lang=en", body, **_auth(user))


def test_record_step_with_documents(client: Any, tree: Any, users: Any, clock: Any, f: ApplicantFile) -> None:
    from dangjian.members.development.models import StepDocument

    clock.set(APPLIED + dt.timedelta(days=3))
    step = {"step": 2, "date": "2024-09-05", "people": [{"role": "talker", "name": "王书记"}], "note": "谈话"}
    response = _upload(client, f, users.secretary, step, [("谈话记录.pdf", PDF), ("photo.png", PNG)])
    assert response.status_code == 201, response.content
    docs = response.json()["records"][-1]["documents"]
    assert sorted(d["name"] for d in docs) == ["photo.png", "谈话记录.pdf"]
    assert {d["content_type"] for d in docs} == {"application/pdf", "image/png"}
    stored = StepDocument.objects.filter(record__file=f, record__step=2)
    assert stored.count() == 2 and stored.get(name="谈话记录.pdf").file.read() == PDF
    # the same file is readable through the page's scoped download
    client.force_login(users.secretary)
    doc = stored.get(name="谈话记录.pdf")
    assert client.get(f"/development/{f.pk}/uploads/{doc.pk}/").status_code == 200


@pytest.mark.parametrize(("files", "data", "status", "field", "words"), [
    ([("fake.pdf", b"MZ\x90\x00not a pdf")], None, 400, "documents", "not really a PDF"),
    ([("run.exe", b"MZ\x90\x00")], None, 400, "documents", "only PDF"),
    ([("empty.pdf", b"")], None, 400, "documents", "empty"),
    ([(f"d{i}.pdf", PDF) for i in range(11)], None, 400, "documents", "At most 10"),
    ([("ok.pdf", PDF)], "{not json", 422, "data", ""),
    ([("ok.pdf", PDF)], {"step": 2, "date": "someday"}, 422, "date", ""),
    ([("ok.pdf", PDF)], {"step": 2, "date": "2024-09-05"}, 400, "people", "talked"),
])
def test_documents_are_checked_like_the_page(client: Any, users: Any, clock: Any, f: ApplicantFile,
                                            files: list[Any], data: Any, status: int, field: str,
                                            words: str) -> None:
    from dangjian.members.development.models import StepDocument

    clock.set(APPLIED + dt.timedelta(days=3))
    step = {"step": 2, "date": "2024-09-05", "people": [{"role": "talker", "name": "王书记"}]}
    response = _upload(client, f, users.secretary, step if data is None else data, files)
    assert response.status_code == status, response.content
    body = response.json()
    assert body["field"] == field and words in body["message"]
    assert StepRecord.objects.filter(file=f).count() == 1 and not StepDocument.objects.exists()  # nothing written


def test_documents_upload_needs_the_role_and_scope(client: Any, tree: Any, users: Any, clock: Any,
                                                   f: ApplicantFile, root_user: Any) -> None:
    from dangjian.testing.fixtures import make_user

    clock.set(APPLIED + dt.timedelta(days=3))
    step = {"step": 2, "date": "2024-09-05", "people": [{"role": "talker", "name": "王书记"}]}
    other = make_user("sec-b1", "secretary", tree.branch_b1, acting_user=root_user)
    assert _upload(client, f, other, step, [("a.pdf", PDF)]).status_code == 404
    assert _upload(client, f, users.publicity, step, [("a.pdf", PDF)]).status_code in (403, 404)
    assert client.post(f"{URL}/{f.pk}/steps/upload", {"data": "{}"}).status_code == 401
