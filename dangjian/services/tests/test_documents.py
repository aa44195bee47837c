"""Documents: random codes, the keyed HMAC (a tampered row fails), revocation, the PDF with its
QR code, the public page (name masked)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.loader import render_to_string
from django.test import Client
from django.utils.translation import gettext as _

from dangjian.services import documents as docs
from dangjian.services.actions import do_revoke_document, do_sign_step, do_submit_application
from dangjian.services.models import Document

pytestmark = pytest.mark.django_db


@pytest.fixture
def doc(users: Any, sv: Any) -> Document:
    app = do_submit_application(sv.proof, {"purpose": "政审"}, acting_user=users.member)
    do_sign_step(app, "approve", acting_user=users.secretary)
    do_sign_step(app, "approve", acting_user=users.admin)
    return Document.objects.get(application=app)


def test_code_is_random_and_the_facts_verify(doc: Document, tree: Any) -> None:
    assert len(doc.code) >= 22  # 16 random bytes, base64url
    assert docs.new_code() != docs.new_code()
    result = docs.verify(doc.code)
    assert result.valid and result.facts["number"] == doc.application.number
    assert result.facts["name"] == docs.mask_name(tree.alice.person.name) != tree.alice.person.name
    assert tree.alice.person.name not in result.facts["statement"]
    assert tree.branch_a1.name in result.facts["statement"]
    assert not docs.verify("x" * 22).found


@pytest.mark.parametrize("field,value", [("name", "李四"), ("organization", "别的支部"), ("issued_on", "2020-01-01")])
def test_a_tampered_row_fails(doc: Document, field: str, value: str) -> None:
    facts = {**doc.facts, field: value}
    Document.objects.filter(pk=doc.pk).update(facts=facts)
    result = docs.verify(doc.code)
    assert result.found and not result.valid
    assert result.reason == _("Not valid: the document's record has been altered.")


def test_revocation(doc: Document, users: Any) -> None:
    with pytest.raises(PermissionDenied):
        do_revoke_document(doc, "误发", acting_user=users.secretary)  # the county's matter
    with pytest.raises(ValidationError):
        do_revoke_document(doc, "", acting_user=users.admin)
    do_revoke_document(doc, "当事人组织关系已转出", acting_user=users.admin)
    result = docs.verify(doc.code)
    assert result.found and not result.valid and "当事人组织关系已转出" in result.reason
    page = Client().get(f"/services/verify/{doc.code}/")
    assert page.status_code == 200 and "当事人组织关系已转出" in page.content.decode()


def test_public_page_and_pdf(doc: Document, users: Any, tree: Any) -> None:
    page = Client().get(f"/services/verify/{doc.code}/")
    html = page.content.decode()
    assert page.status_code == 200 and doc.application.number in html
    assert tree.alice.person.name not in html
    assert Client().get("/services/verify/unknown-code/").status_code == 404
    c = Client()
    c.force_login(users.member)
    pdf = c.get(f"/services/a/{doc.application.public_id}/document.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    html = render_to_string("services/document_pdf.html", {
        "doc": doc, "facts": doc.facts, "verify_url": "http://testserver" + docs.verify_path(doc),
        "qr": docs.qr_data_uri("x")})
    assert doc.code in html and "data:image/svg+xml" in html
    c.force_login(users.public)
    assert c.get(f"/services/a/{doc.application.public_id}/document.pdf").status_code == 404
