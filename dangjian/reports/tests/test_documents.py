"""Evidence documents: PDF and Office Open XML (docx, xlsx, pptx) lose their author, company and
times; what stays is the document; the stripped copy is sealed like a photo (the original only on
request) and a handler with the key downloads it."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from dangjian.reports import actions as act
from dangjian.reports import attachments
from dangjian.reports.models import Attachment
from dangjian.reports.tests.conftest import PASSPHRASE, proof

pytestmark = pytest.mark.django_db

AUTHOR = "李作者"
SECRETS = (AUTHOR, "AuthorWriter-7731", "ProducerTool-7731", "XMP-SECRET-7731", "CompanyName-7731",
           "LastEditor-7731", "CustomProp-7731", "Annot-Author-7731")


def pdf_with_metadata() -> bytes:
    writer = PdfWriter()
    page = writer.add_blank_page(width=200, height=200)
    content = DecodedStreamObject()
    content.set_data(b"BT /F1 12 Tf 20 100 Td (Evidence-Body-Text) Tj ET")
    page[NameObject("/Contents")] = writer._add_object(content)
    annot = DictionaryObject({NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Text"),
                              NameObject("/Rect"): ArrayObject([NumberObject(0), NumberObject(0), NumberObject(20),
                                                                NumberObject(20)]),
                              NameObject("/T"): TextStringObject("Annot-Author-7731"),
                              NameObject("/Contents"): TextStringObject("a note")})
    page[NameObject("/Annots")] = ArrayObject([writer._add_object(annot)])
    writer.add_metadata({"/Author": AUTHOR, "/Creator": "AuthorWriter-7731", "/Producer": "ProducerTool-7731",
                         "/CreationDate": "D:20260305210744+08'00'"})
    xmp = DecodedStreamObject()
    xmp.set_data(b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-'
                 b'ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>XMP-SECRET-7731'
                 b'</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>')
    xmp[NameObject("/Type")] = NameObject("/Metadata")
    xmp[NameObject("/Subtype")] = NameObject("/XML")
    writer.root_object[NameObject("/Metadata")] = writer._add_object(xmp)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _with_extra_props(package: bytes) -> bytes:
    """An Office package with a company and last editor in app.xml/core.xml and a custom.xml part."""
    src = zipfile.ZipFile(io.BytesIO(package))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "docProps/app.xml":
                body = body.replace(b"</Properties>", b"<Company>CompanyName-7731</Company></Properties>")
            if info.filename == "[Content_Types].xml":
                body = body.replace(b"</Types>", b'<Override PartName="/docProps/custom.xml" ContentType="application/'
                                    b'vnd.openxmlformats-officedocument.custom-properties+xml"/></Types>')
            if info.filename == "_rels/.rels":
                body = body.replace(b"</Relationships>", b'<Relationship Id="rIdC" Type="http://schemas.openxmlformats.'
                                    b'org/officeDocument/2006/relationships/custom-properties" '
                                    b'Target="docProps/custom.xml"/></Relationships>')
            z.writestr(info, body)
        z.writestr("docProps/custom.xml", '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
                   'custom-properties"><property name="Owner"><vt:lpwstr>CustomProp-7731</vt:lpwstr></property>'
                   '</Properties>')
    return out.getvalue()


def docx_with_metadata() -> bytes:
    d = docx.Document()
    d.add_paragraph("Evidence-Body-Text 合同金额")
    d.core_properties.author = AUTHOR
    d.core_properties.last_modified_by = "LastEditor-7731"
    out = io.BytesIO()
    d.save(out)
    return _with_extra_props(out.getvalue())


def xlsx_with_metadata() -> bytes:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "Evidence-Body-Text"
    wb.properties.creator = AUTHOR
    wb.properties.lastModifiedBy = "LastEditor-7731"
    out = io.BytesIO()
    wb.save(out)
    return _with_extra_props(out.getvalue())


def pptx_with_metadata() -> bytes:
    """A minimal presentation package (no python-pptx here): main part, core and app properties."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Override PartName="/ppt/presentation.xml" ContentType="application/vnd.openxmlformats-'
                   'officedocument.presentationml.presentation.main+xml"/></Types>')
        z.writestr("_rels/.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '</Relationships>')
        z.writestr("ppt/presentation.xml", "<p:presentation>Evidence-Body-Text</p:presentation>")
        z.writestr("docProps/core.xml", f"<cp:coreProperties><dc:creator>{AUTHOR}</dc:creator>"
                   "<cp:lastModifiedBy>LastEditor-7731</cp:lastModifiedBy></cp:coreProperties>")
        z.writestr("docProps/app.xml", "<Properties><Application>AuthorWriter-7731</Application></Properties>")
    return _with_extra_props(out.getvalue())


def _all_bytes(package: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(package)) as z:
        return b"\n".join(z.read(name) for name in z.namelist())


def test_a_pdf_loses_its_document_info_xmp_and_annotation_authors() -> None:
    raw = pdf_with_metadata()
    before = PdfReader(io.BytesIO(raw))
    assert before.metadata is not None and before.metadata.author == AUTHOR and before.xmp_metadata is not None
    clean, ctype = attachments.strip(raw)
    assert ctype == "application/pdf"
    after = PdfReader(io.BytesIO(clean))
    assert after.metadata is None and after.xmp_metadata is None and "/Info" not in after.trailer
    contents: Any = after.pages[0].get_contents()
    assert len(after.pages) == 1 and b"Evidence-Body-Text" in contents.get_data()
    page: Any = after.pages[0]
    annots = [a.get_object() for a in page["/Annots"]]
    assert annots and all("/T" not in a for a in annots)
    for secret in SECRETS:
        assert secret.encode() not in clean and secret.encode("utf-16-be") not in clean, secret


@pytest.mark.parametrize(("make", "ctype", "main"), [
    (docx_with_metadata, attachments.DOCX, "word/document.xml"),
    (xlsx_with_metadata, attachments.XLSX, "xl/workbook.xml"),
    (pptx_with_metadata, attachments.PPTX, "ppt/presentation.xml"),
])
def test_an_office_file_loses_author_company_times_and_custom_properties(make: Any, ctype: str, main: str) -> None:
    raw = make()
    assert AUTHOR.encode() in _all_bytes(raw) and b"CompanyName-7731" in _all_bytes(raw)
    clean, got = attachments.strip(raw)
    assert got == ctype
    with zipfile.ZipFile(io.BytesIO(clean)) as z:
        names = z.namelist()
        assert main in names and "docProps/custom.xml" not in names
        assert b"creator" not in z.read("docProps/core.xml") and b"Company" not in z.read("docProps/app.xml")
        assert b"custom.xml" not in z.read("_rels/.rels") + z.read("[Content_Types].xml")
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    body = _all_bytes(clean)
    assert b"Evidence-Body-Text" in body
    for secret in SECRETS:
        assert secret.encode() not in body, secret


def test_a_stripped_word_file_still_opens() -> None:
    clean, _ctype = attachments.strip(docx_with_metadata())
    d = docx.Document(io.BytesIO(clean))
    assert d.paragraphs[0].text.startswith("Evidence-Body-Text") and d.core_properties.author == ""
    wb = openpyxl.load_workbook(io.BytesIO(attachments.strip(xlsx_with_metadata())[0]))
    # openpyxl names itself when a workbook has no creator
    assert wb.active["A1"].value == "Evidence-Body-Text" and wb.properties.creator in (None, "openpyxl")


def test_a_zip_that_is_not_an_office_file_is_refused_naming_the_field() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(ValidationError) as err:
        attachments.strip(out.getvalue())
    assert "photos" in err.value.message_dict


def test_documents_are_sealed_and_the_original_kept_only_on_request(staff: Any) -> None:
    pdf, word = pdf_with_metadata(), docx_with_metadata()
    done = act.do_submit_report({"content": "某局长虚报工程量，合同和验收单附后。"}, acting_user=staff.county1,
                                photos=[pdf, word])
    items = list(Attachment.objects.filter(report=done.report))
    assert [i.content_type for i in items] == [attachments.PDF, attachments.DOCX]
    assert all(i.original_file == "" for i in items)
    media = b"".join(p.read_bytes() for p in Path(settings.MEDIA_ROOT).rglob("*.bin"))
    for needle in (b"%PDF", b"Evidence-Body-Text", AUTHOR.encode(), b"word/document.xml"):
        assert needle not in media
    for item in items:  # the stored copy, decrypted: no author
        data, _ctype = act.read_attachment(done.report, item.pk, staff.county1, staff.keys["county1"])
        flat = data if item.content_type == attachments.PDF else _all_bytes(data)
        assert b"Evidence-Body-Text" in flat and AUTHOR.encode() not in flat and b"AuthorWriter-7731" not in flat
    kept = act.do_submit_report({"content": "同一事项，保留原件作证据。"}, acting_user=staff.county1, photos=[pdf],
                                keep_originals=True)
    assert Attachment.objects.get(report=kept.report).original_file.endswith(".bin")


def test_the_page_takes_a_pdf_and_the_handler_downloads_the_clean_copy(client: Any, staff: Any) -> None:
    p = proof("submit")
    upload = SimpleUploadedFile("合同.pdf", pdf_with_metadata(), content_type="application/pdf")
    r = client.post("/reports/new/", {"content": "某局长虚报工程量，合同附后。", "kind": "integrity",
                                      "pow_challenge": p["challenge"], "pow_nonce": p["nonce"], "photos": [upload]})
    assert r.status_code == 200 and b'id="receipt-code"' in r.content
    item = Attachment.objects.get()
    client.force_login(staff.county1)
    client.post("/reports/key/", {"op": "unlock", "passphrase": PASSPHRASE})
    url = f"/reports/{item.report.uuid}/photos/{item.pk}/"
    r = client.get(url)
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r["Content-Disposition"].startswith("attachment;") and r["Content-Disposition"].endswith('.pdf"')
    assert r["X-Content-Type-Options"] == "nosniff" and AUTHOR.encode() not in r.content
    page = client.get(f"/reports/{item.report.uuid}/").content
    assert f'href="{url}" download'.encode() in page and f'src="{url}"'.encode() not in page


def test_a_renamed_file_is_judged_by_its_bytes(client: Any, staff: Any) -> None:
    p = proof("submit")
    upload = SimpleUploadedFile("evidence.pdf", b"MZ\x90\x00 an executable", content_type="application/pdf")
    r = client.post("/reports/new/", {"content": "某局长虚报工程量，合同附后。", "kind": "integrity",
                                      "pow_challenge": p["challenge"], "pow_nonce": p["nonce"], "photos": [upload]})
    assert r.status_code == 200 and r.context["photo_errors"] and not act.Report.objects.exists()


def test_the_reporter_adds_files_at_follow_up_stripped_and_sealed(client: Any, staff: Any, monkeypatch: Any) -> None:
    from django.db import connection

    from dangjian.reports import throttle
    from dangjian.reports.crypto import format_receipt
    from dangjian.reports.tests.conftest import submit

    monkeypatch.setattr(throttle, "sleep", lambda seconds: None)
    done = submit()
    p = proof("follow")
    upload = SimpleUploadedFile("合同.docx", docx_with_metadata())
    r = client.post("/reports/follow/", {"receipt_code": format_receipt(done.receipt_code), "text": "补充合同原件。",
                                         "kind": "evidence", "pow_challenge": p["challenge"],
                                         "pow_nonce": p["nonce"], "photos": [upload]})
    assert r.status_code == 200 and r.context["report"].pk == done.report.pk and not r.context["photo_errors"]
    item = Attachment.objects.get(report=done.report)
    assert item.content_type == attachments.DOCX and item.original_file == ""
    data, _ctype = act.read_attachment(done.report, item.pk, staff.county1, staff.keys["county1"])
    assert b"Evidence-Body-Text" in _all_bytes(data) and AUTHOR.encode() not in _all_bytes(data)
    media = b"".join(p.read_bytes() for p in Path(settings.MEDIA_ROOT).rglob("*.bin"))
    rows: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - our own table names
            rows.extend(str(v) for row in cursor.fetchall() for v in row if not isinstance(v, bytes | memoryview))
    for needle in ("Evidence-Body-Text", AUTHOR, "补充合同原件", done.receipt_code):
        assert needle.encode() not in media and needle not in "\n".join(rows), needle
    # a file that is neither a photo nor a document: refused naming the field, nothing stored
    p = proof("follow")
    r = client.post("/reports/follow/", {"receipt_code": done.receipt_code, "pow_challenge": p["challenge"],
                                         "pow_nonce": p["nonce"],
                                         "photos": [SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf")]})
    assert r.status_code == 200 and r.context["photo_errors"] and Attachment.objects.count() == 1
    # at most MAX_REPORT_FILES in all
    session = act.open_with_receipt(done.receipt_code)
    assert session is not None
    with pytest.raises(ValidationError) as err:
        act.do_add_reporter_files(session, [pdf_with_metadata()] * act.MAX_REPORT_FILES)
    assert "photos" in err.value.message_dict and Attachment.objects.count() == 1


def _jpeg_with_exif() -> bytes:
    from PIL import Image

    exif = Image.Exif()
    exif[0x013B] = "Camera-Owner-7731"  # Artist
    exif[0x0110] = "PhoneModel-7731"  # Model
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_people_in_comments_and_revisions_and_photo_exif_inside_an_office_file_are_removed() -> None:
    d = docx.Document()
    para = d.add_paragraph("Evidence-Body-Text 合同金额")
    d.add_comment(para.runs, text="批注内容", author=AUTHOR, initials="LZ")
    d.add_picture(io.BytesIO(_jpeg_with_exif()))
    out = io.BytesIO()
    d.save(out)
    # a tracked insertion by the same person, as Word writes it
    src = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    raw_io = io.BytesIO()
    with zipfile.ZipFile(raw_io, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "word/document.xml":
                body = body.replace(b"<w:body>", f'<w:body><w:p><w:ins w:id="90" w:author="{AUTHOR}" '
                                    'w:date="2026-03-01T08:00:00Z"><w:r><w:t>Inserted-Text</w:t></w:r></w:ins></w:p>'
                                    .encode(), 1)
            z.writestr(info, body)
    raw = raw_io.getvalue()
    flat = _all_bytes(raw)
    assert AUTHOR.encode() in flat and b"Camera-Owner-7731" in flat and b"2026-03-01T08:00:00Z" in flat
    clean, ctype = attachments.strip(raw)
    assert ctype == attachments.DOCX
    body = _all_bytes(clean)
    for secret in (AUTHOR.encode(), b"Camera-Owner-7731", b"PhoneModel-7731", b"2026-03-01T08:00:00Z", b'w:initials="LZ"'):
        assert secret not in body, secret
    # the document still opens with its text, its comment (now without a name) and its picture
    opened = docx.Document(io.BytesIO(clean))
    assert "Inserted-Text" in opened.element.body.xml and opened.paragraphs[1].text.startswith("Evidence-Body-Text")
    assert [c.text for c in opened.comments] == ["批注内容"] and [c.author for c in opened.comments] == [""]
    from PIL import Image

    with zipfile.ZipFile(io.BytesIO(clean)) as z:
        media = [n for n in z.namelist() if n.startswith("word/media/")]
        assert len(media) == 1
        with Image.open(io.BytesIO(z.read(media[0]))) as img:
            assert img.format == "JPEG" and img.size == (40, 30) and not img.getexif()


def test_a_picture_inside_an_office_file_that_cannot_be_decoded_refuses_the_file() -> None:
    d = docx.Document()
    d.add_paragraph("Evidence-Body-Text")
    d.add_picture(io.BytesIO(_jpeg_with_exif()))
    out = io.BytesIO()
    d.save(out)
    src = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as z:
        for info in src.infolist():
            body = src.read(info)
            z.writestr(info, b"\xff\xd8 not a picture" if info.filename.startswith("word/media/") else body)
    with pytest.raises(ValidationError) as err:
        attachments.strip(broken.getvalue())
    assert "photos" in err.value.message_dict
