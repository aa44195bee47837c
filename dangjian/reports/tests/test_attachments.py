"""Evidence photos: the stored copy has no metadata (EXIF, XMP, ICC), both copies are encrypted,
the original is kept only when the reporter asks, and a handler with the key sees the clean copy."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from PIL import Image

from dangjian.reports import actions as act
from dangjian.reports import attachments
from dangjian.reports.models import Attachment
from dangjian.reports.tests.conftest import PASSPHRASE, proof

pytestmark = pytest.mark.django_db


def photo_with_metadata() -> bytes:
    img = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = img.getexif()
    exif[0x010F] = "SpyCamMaker"  # Make
    exif[0x0132] = "2026:03:05 21:07:44"  # DateTime
    exif[0x0112] = 6  # Orientation: rotate 90° to show upright
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (39.0, 54.0, 27.0)
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif, icc_profile=b"ICC-PROFILE-SECRET" * 8,
             xmp=b"<x:xmpmeta>XMP-SECRET-PLACE</x:xmpmeta>", comment=b"JPEG-COMMENT-SECRET")
    return out.getvalue()


def test_the_stripped_copy_has_no_exif_xmp_or_icc_and_is_upright() -> None:
    raw = photo_with_metadata()
    with Image.open(io.BytesIO(raw)) as before:
        assert before.getexif()[0x010F] == "SpyCamMaker"
    clean, ctype = attachments.strip(raw)
    assert ctype == "image/jpeg"
    with Image.open(io.BytesIO(clean)) as after:
        assert dict(after.getexif()) == {}
        assert "icc_profile" not in after.info and "xmp" not in after.info and "exif" not in after.info
        assert after.size == (48, 64)  # the orientation was applied, then dropped
    for secret in (b"SpyCamMaker", b"2026:03:05", b"Exif", b"ICC-PROFILE", b"XMP-SECRET", b"JPEG-COMMENT"):
        assert secret not in clean


def test_neither_a_photo_nor_a_document_is_refused_naming_the_field() -> None:
    for raw in (b"GIF89a not accepted", b"#!/bin/sh\necho hi\n", b"%PDF-1.7 broken", b"PK\x03\x04 broken zip"):
        with pytest.raises(ValidationError) as err:
            attachments.strip(raw)
        assert "photos" in err.value.message_dict, raw


def test_submitted_photos_are_encrypted_and_the_original_kept_only_on_request(client: Any, staff: Any) -> None:
    raw = photo_with_metadata()
    done = act.do_submit_report({"content": "某所长收受红包，照片为当晚所拍。"}, acting_user=staff.county1,
                                photos=[raw], keep_originals=False)
    item = Attachment.objects.get(report=done.report)
    assert item.original_file == ""
    media = b"".join(p.read_bytes() for p in Path(settings.MEDIA_ROOT).rglob("*.bin"))
    assert raw[:200] not in media and b"SpyCamMaker" not in media and b"JFIF" not in media
    data, ctype = act.read_attachment(done.report, item.pk, staff.county1, staff.keys["county1"])
    with Image.open(io.BytesIO(data)) as img:
        assert dict(img.getexif()) == {} and ctype == "image/jpeg"
    with pytest.raises(act.NoKey):  # li-jc had no key when it came
        act.read_attachment(done.report, item.pk, staff.county2, staff.keys["town"])
    both = act.do_submit_report({"content": "同一事项，保留原图作证据。"}, acting_user=staff.county1, photos=[raw],
                                keep_originals=True)
    assert Attachment.objects.get(report=both.report).original_file.endswith(".bin")


def test_the_page_takes_photos_and_the_handler_sees_the_clean_copy(client: Any, staff: Any) -> None:
    p = proof("submit")
    upload = SimpleUploadedFile("IMG_0001.jpg", photo_with_metadata(), content_type="image/jpeg")
    r = client.post("/reports/new/", {"content": "某所长收受红包，照片为当晚所拍。", "kind": "integrity",
                                      "pow_challenge": p["challenge"], "pow_nonce": p["nonce"], "photos": [upload]})
    assert r.status_code == 200 and b'id="receipt-code"' in r.content
    item = Attachment.objects.get()
    client.force_login(staff.county1)
    url = f"/reports/{item.report.uuid}/photos/{item.pk}/"
    assert client.get(url).status_code == 302  # locked: to the key page
    client.post("/reports/key/", {"op": "unlock", "passphrase": PASSPHRASE})
    r = client.get(url)
    assert r.status_code == 200 and r["Content-Type"] == "image/jpeg" and b"SpyCamMaker" not in r.content
    assert "no-store" in r["Cache-Control"]
    assert f'src="{url}"'.encode() in client.get(f"/reports/{item.report.uuid}/").content


def test_too_many_photos_are_refused_and_nothing_stored(client: Any, staff: Any) -> None:
    p = proof("submit")
    uploads = [SimpleUploadedFile(f"{n}.jpg", photo_with_metadata(), content_type="image/jpeg") for n in range(4)]
    r = client.post("/reports/new/", {"content": "某所长收受红包，照片为当晚所拍。", "kind": "other",
                                      "pow_challenge": p["challenge"], "pow_nonce": p["nonce"], "photos": uploads})
    assert r.status_code == 200 and r.context["photo_errors"]
    assert not Attachment.objects.exists() and not act.Report.objects.exists()


def test_a_submission_that_fails_in_the_database_leaves_no_encrypted_file(staff: Any, settings: Any, tmp_path: Path,
                                                                           monkeypatch: Any) -> None:
    """The sealed photos are written before the rows; when the rows fail (here the number is taken:
    the random number is made to repeat itself), the files go too."""
    settings.MEDIA_ROOT = tmp_path
    first = act.do_submit_report({"content": "某所长收受红包，照片为当晚所拍。"}, acting_user=staff.county1,
                                 photos=[photo_with_metadata()], keep_originals=True)
    kept = sorted(tmp_path.rglob("*.bin"))
    assert len(kept) == 2
    monkeypatch.setattr(act, "new_number", lambda year: first.report.number)
    with pytest.raises(IntegrityError):
        act.do_submit_report({"content": "同一事项，再报一次。"}, acting_user=staff.county1,
                             photos=[photo_with_metadata()], keep_originals=True)
    assert sorted(tmp_path.rglob("*.bin")) == kept
    assert act.Report.objects.count() == 1 and Attachment.objects.count() == 1
