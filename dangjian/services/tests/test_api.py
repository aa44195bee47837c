"""The API: catalogue, form schema with the caller's known data, applying (chain, 400 naming each
field, nothing stored), my applications (paginated, bounded), document verification."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from dangjian.services.actions import do_sign_step, do_submit_application
from dangjian.services.models import Application

pytestmark = pytest.mark.django_db
BASE = "/api/v1/services"


def post(client: Client, url: str, body: Any) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_catalogue_and_form(tree: Any, users: Any, sv: Any) -> None:
    c = Client()
    c.force_login(users.member)
    titles = {m["title"] for m in c.get(f"{BASE}/matters").json()}
    assert titles == {"党员身份证明", "困难党员帮扶"}
    form = c.get(f"{BASE}/matters/{sv.proof.pk}").json()
    assert form["form_version"] == 1
    by_key = {f["key"]: f for f in form["fields"]}
    assert by_key["name"]["known"] == "name" and by_key["name"]["value"] == tree.alice.person.name
    assert by_key["purpose"]["choices"] == ["入学", "就业", "政审"] and by_key["purpose"]["value"] == ""
    c.force_login(users.public)
    assert c.get(f"{BASE}/matters").json() == []
    assert c.get(f"{BASE}/matters/{sv.proof.pk}").status_code == 404
    assert Client().get(f"{BASE}/matters").status_code == 401


def test_apply_returns_the_chain_and_bad_data_names_each_field(tree: Any, users: Any, sv: Any) -> None:
    c = Client()
    c.force_login(users.member)
    bad = post(c, f"{BASE}/applications", {"matter": sv.proof.pk, "data": {"purpose": "旅游", "copies": "x"}})
    assert bad.status_code == 400
    body = bad.json()
    assert body["code"] == "invalid" and {e["field"] for e in body["errors"]} == {"purpose", "copies"}
    assert not Application.objects.exists()
    ok = post(c, f"{BASE}/applications", {"matter": sv.proof.pk, "data": {"purpose": "政审"}})
    assert ok.status_code == 201, ok.content
    app = ok.json()
    assert app["state"] == "submitted" and app["data"]["name"] == tree.alice.person.name
    assert [(s["name"], s["organization"], s["state"]) for s in app["chain"]] == [
        ("党支部审核", tree.branch_a1.name, "active"), ("县委组织部出具", tree.county.name, "pending")]
    assert app["chain"][0]["due_on"] and app["current_step"]["position"] == 1
    assert post(c, f"{BASE}/applications", {"matter": 10**9, "data": {}}).status_code == 404
    assert post(c, f"{BASE}/applications", {"matter": sv.proof.pk, "data": {}, "x": 1}).status_code == 422


def test_my_applications_paginated_with_bounded_queries(users: Any, sv: Any,
                                                         django_assert_max_num_queries: Any) -> None:
    for _ in range(3):
        do_submit_application(sv.proof, {"purpose": "政审"}, acting_user=users.member)
    c = Client()
    c.force_login(users.member)
    with django_assert_max_num_queries(8) as small:
        page = c.get(f"{BASE}/applications?page_size=2").json()
    assert page["count"] == 3 and len(page["items"]) == 2
    assert page["items"][0]["current_step"]["name"] == "党支部审核"
    for _ in range(5):
        do_submit_application(sv.proof, {"purpose": "政审"}, acting_user=users.member)
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = c.get(f"{BASE}/applications?page_size=8").json()
    assert len(page["items"]) == 8
    c.force_login(users.secretary)
    assert c.get(f"{BASE}/applications").json()["count"] == 0  # the caller's own only


def test_verify_endpoint(users: Any, sv: Any) -> None:
    app = do_submit_application(sv.proof, {"purpose": "政审"}, acting_user=users.member)
    do_sign_step(app, "approve", acting_user=users.secretary)
    do_sign_step(app, "approve", acting_user=users.admin)
    code = Application.objects.get(pk=app.pk).document.code
    answer = Client().get(f"{BASE}/documents/verify/{code}")
    assert answer.status_code == 200
    body = answer.json()
    assert body["valid"] is True and body["facts"]["number"] == app.number
    assert "*" in body["facts"]["name"] and app.applicant_name not in json.dumps(body, ensure_ascii=False)
    assert Client().get(f"{BASE}/documents/verify/nonsense").status_code == 404


def test_a_file_field_through_the_api(tree: Any, users: Any) -> None:
    import base64

    from dangjian.services import Anchor, Audience
    from dangjian.services.actions import do_save_matter

    matter = do_save_matter(tree.county, {"title": "带附件", "audience": Audience.MEMBERS, "time_limit_days": 3,
                                          "active": True},
                            [{"name": "支部", "anchor": Anchor.OWN, "time_limit_days": 1}],
                            fields=[{"key": "proof", "label": "证明材料", "type": "file", "required": True}],
                            acting_user=users.admin)
    c = Client()
    c.force_login(users.member)
    bad = post(c, f"{BASE}/applications", {"matter": matter.pk, "data": {"proof": {"name": "a.pdf",
                                                                                   "content_base64": "不是base64"}}})
    assert bad.status_code == 400 and [e["field"] for e in bad.json()["errors"]] == ["proof"]
    wrong = post(c, f"{BASE}/applications", {"matter": matter.pk, "data": {"proof": {
        "name": "a.exe", "content_base64": base64.b64encode(b"MZ").decode()}}})
    assert wrong.status_code == 400 and "证明材料" in wrong.json()["errors"][0]["message"]
    # a program renamed to .pdf: the name is what the client claims, the first bytes what it is
    disguised = post(c, f"{BASE}/applications", {"matter": matter.pk, "data": {"proof": {
        "name": "证明.pdf", "content_base64": base64.b64encode(b"MZ\x90\x00 not a pdf").decode()}}})
    assert disguised.status_code == 400 and [e["field"] for e in disguised.json()["errors"]] == ["proof"]
    assert disguised.json()["errors"][0]["message"] == "“证明材料”：文件实际上不是 PDF 文件。"
    assert not Application.objects.exists()
    ok = post(c, f"{BASE}/applications", {"matter": matter.pk, "data": {"proof": {
        "name": "证明.pdf", "content_base64": base64.b64encode(b"%PDF-1.4 test").decode()}}})
    assert ok.status_code == 201, ok.content
    app = Application.objects.get()
    attachment = app.attachments.get()
    assert (attachment.key, attachment.name) == ("proof", "证明.pdf")
    assert attachment.file.read() == b"%PDF-1.4 test"
