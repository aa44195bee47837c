"""Issued documents: their key facts, the keyed HMAC over them, the verification answer, the PDF.

The code in the QR code is random (``secrets.token_urlsafe(16)``: 128 bits) and tells nothing by
itself; the server answers with the facts it holds. ``mac`` is HMAC-SHA256 keyed from SECRET_KEY
over the code and the facts in a canonical JSON form, so a row altered in the database (a name, a
date, the organization) no longer verifies. Revocation sets ``revoked_at``: the answer becomes
"not valid" with the reason, the facts are still shown.
"""

from __future__ import annotations

import json
import secrets
import string
from dataclasses import dataclass
from typing import Any

import segno
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from dangjian.services.models import Application, Document

_SALT = "dangjian.services.document"
#: The facts a verifier is shown (in this order); the applicant's name is masked on public answers.
FACT_KEYS = ("number", "matter", "name", "organization", "issued_on", "statement")


def new_code() -> str:
    return secrets.token_urlsafe(16)


def compute_mac(code: str, facts: dict[str, Any]) -> str:
    canonical = json.dumps({"code": code, "facts": facts}, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return salted_hmac(_SALT, canonical, algorithm="sha256").hexdigest()


def statement(app: Application) -> str:
    """The matter's document text with the applicant's facts filled in ($name …)."""
    known = app.known or {}
    values = {"name": app.applicant_name, "organization": known.get("organization", app.organization.name),
              "status": known.get("status", ""), "join_date": known.get("join_date", ""),
              "matter": app.matter.title, "date": timezone.localdate().isoformat()}
    text = app.matter.document_text or _("The application $matter of $name ($organization) is approved.")
    return string.Template(text).safe_substitute(values)


def facts_for(app: Application) -> dict[str, Any]:
    return {"number": app.number, "matter": app.matter.title, "name": app.applicant_name,
            "organization": (app.known or {}).get("organization", app.organization.name),
            "issued_on": timezone.localdate().isoformat(), "statement": statement(app)}


def mask_name(name: str) -> str:
    """张三 → 张*, 张爱丽 → 张*丽, longer names keep the first and last character."""
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


@dataclass(frozen=True)
class Verification:
    found: bool
    valid: bool
    reason: str
    facts: dict[str, Any]
    revoked_at: Any = None


def verify(code: str) -> Verification:
    """The answer for ``code``: unknown → not found; altered or revoked → not valid (with why)."""
    doc = Document.objects.filter(code=str(code)[:40]).first() if code else None
    if doc is None:
        return Verification(False, False, _("No document has this code."), {})
    facts = {k: doc.facts.get(k, "") for k in FACT_KEYS}
    facts["name"] = mask_name(str(facts["name"]))
    facts["statement"] = str(facts["statement"]).replace(str(doc.facts.get("name", "")) or "\x00", facts["name"])
    if not constant_time_compare(doc.mac, compute_mac(doc.code, doc.facts)):
        return Verification(True, False, _("Not valid: the document's record has been altered."), facts)
    if doc.revoked:
        return Verification(True, False, _("Not valid: the document was revoked (%(reason)s).")
                            % {"reason": doc.revoked_reason}, facts, doc.revoked_at)
    return Verification(True, True, _("Valid: issued by the service centre and not revoked."), facts)


def verify_path(doc: Document) -> str:
    return reverse("services:verify", args=[doc.code])


def qr_data_uri(text: str) -> str:
    return str(segno.make(text, error="m").svg_data_uri(scale=3, border=1))


def render_pdf(doc: Document, base_url: str) -> bytes:
    """The document as PDF (WeasyPrint; CJK text in the Noto CJK fonts)."""
    from weasyprint import HTML

    url = base_url.rstrip("/") + verify_path(doc)
    html = render_to_string("services/document_pdf.html", {"doc": doc, "facts": doc.facts, "verify_url": url,
                                                           "qr": qr_data_uri(url)})
    return bytes(HTML(string=html, base_url=base_url).write_pdf())
