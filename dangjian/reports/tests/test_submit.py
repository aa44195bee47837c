"""Submission: the API and the page; what is left behind (database, media, logs) after one."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from dangjian.reports import throttle
from dangjian.reports.models import Report, ReportAccess
from dangjian.reports.privacy import AccessLogger
from dangjian.reports.tests.conftest import proof

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports"
IP = "203.0.113.77"
UA = "Mozilla/5.0 (ReporterPhone; TraceMe-UA-7731)"
CONTENT = "县水利局副局长甲某在河道工程验收中收受承包商现金五万元，地点在其办公室。"
ACCUSED = "水利局副局长甲某"
PLACE = "县水利局三楼办公室"


def post(client: Any, body: dict[str, Any], **extra: Any) -> Any:
    return client.post(URL, body, content_type="application/json", REMOTE_ADDR=IP, HTTP_USER_AGENT=UA, **extra)


def _every_row_bytes() -> bytes:
    """Every value of every table of the database, as bytes (the raw look of a stolen copy)."""
    out = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - our own table names
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        out.append(bytes(value))
                    elif value is not None:
                        out.append(str(value).encode())
    return b"\n".join(out)


def test_submission_leaves_no_plaintext_ip_or_receipt_in_db_media_or_logs(client: Any, staff: Any, caplog: Any,
                                                                           tmp_path: Path) -> None:
    caplog.set_level(logging.DEBUG)
    r = post(client, {"content": CONTENT, "accused": ACCUSED, "place": PLACE, "real_name": "钱举报",
                      "phone": "13912345678", "proof": proof("submit")})
    assert r.status_code == 201, r.content
    shown = r.json()["receipt_code"]
    code = shown.replace(" ", "")
    assert len(code) == 28
    follow = client.post(f"{URL}/follow", {"receipt_code": shown, "proof": proof("follow")},
                         content_type="application/json", REMOTE_ADDR=IP, HTTP_USER_AGENT=UA)
    assert follow.status_code == 200
    report = Report.objects.get()
    assert report.real_name and ReportAccess.objects.filter(report=report).count() == 2  # the two keyed county staff

    raw = _every_row_bytes()
    for secret in (CONTENT, ACCUSED, PLACE, "钱举报", "13912345678", "139****5678"):
        assert secret.encode() not in raw, secret
    for trace in (IP, "203.0.113", UA, "TraceMe", code, shown, code[:12]):
        assert trace.encode() not in raw, trace
    # a time of day: the report keeps days only; no audit event for a submission
    assert not any(f.get_internal_type() == "DateTimeField" for f in Report._meta.fields)
    from dangjian.core.models import AuditEvent

    assert not AuditEvent.objects.filter(action__startswith="report.").exists()

    media = b"".join(p.read_bytes() for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())
    for needle in (CONTENT.encode(), IP.encode(), code.encode()):
        assert needle not in media

    logged = "\n".join(f"{rec.getMessage()} {rec.__dict__}" for rec in caplog.records)
    for trace in (CONTENT, ACCUSED, IP, UA, code, shown, "13912345678"):
        assert trace not in logged

    # gunicorn's access line for these paths: method, path, status — nothing else
    log_file = tmp_path / "access.log"
    access = _gunicorn_logger(log_file)
    req = SimpleNamespace(headers=[("USER-AGENT", UA)])
    for path in (URL, f"{URL}/follow", "/reports/new/"):
        access.access(_Resp(), req, {"PATH_INFO": path, "REQUEST_METHOD": "POST", "REMOTE_ADDR": IP,
                                      "HTTP_USER_AGENT": UA, "QUERY_STRING": ""}, dt.timedelta(milliseconds=3))
    access.access(_Resp(), req, {"PATH_INFO": "/members/", "REQUEST_METHOD": "GET", "REMOTE_ADDR": IP,
                                  "HTTP_USER_AGENT": UA, "QUERY_STRING": "", "RAW_URI": "/members/",
                                  "SERVER_PROTOCOL": "HTTP/1.1"}, dt.timedelta(milliseconds=3))
    for handler in access.access_log.handlers:
        handler.flush()
    lines = log_file.read_text().splitlines()
    assert lines[:3] == ['- - [-] "POST /api/v1/reports" 201 -', '- - [-] "POST /api/v1/reports/follow" 201 -',
                         '- - [-] "POST /reports/new/" 201 -']
    assert IP in lines[3]  # elsewhere the ordinary access line is unchanged
    assert IP not in "\n".join(lines[:3]) and "TraceMe" not in "\n".join(lines[:3])


def _Resp() -> SimpleNamespace:  # noqa: N802
    return SimpleNamespace(status="201 Created", sent=10, headers=[])


def _gunicorn_logger(path: Path) -> AccessLogger:
    from gunicorn.config import Config

    cfg = Config()
    cfg.set("accesslog", str(path))
    cfg.set("logger_class", "dangjian.reports.privacy.AccessLogger")
    return AccessLogger(cfg)


@pytest.mark.parametrize(("body", "field"), [
    ({"content": ""}, "content"),
    ({"content": "短"}, "content"),
    ({"content": CONTENT, "phone": "12345"}, "phone"),
    ({"content": CONTENT, "real_name": "钱举报"}, "phone"),
    ({"content": CONTENT, "phone": "13912345678"}, "real_name"),
    ({"content": CONTENT, "kind": "gossip"}, "kind"),
])
def test_bad_input_names_the_field_and_stores_nothing(client: Any, staff: Any, body: dict[str, Any], field: str) -> None:
    r = post(client, {**body, "proof": proof("submit")})
    assert r.status_code == 400, r.content
    assert r.json()["field"] == field
    assert not Report.objects.exists()


def test_unknown_field_is_refused(client: Any, staff: Any) -> None:
    r = post(client, {"content": CONTENT, "ip": IP, "proof": proof("submit")})
    assert r.status_code == 422 and not Report.objects.exists()


def test_proof_of_work_is_required_checked_and_single_use(client: Any, staff: Any) -> None:
    good = proof("submit")
    assert post(client, {"content": CONTENT, "proof": {**good, "nonce": str(int(good["nonce"]) + 1)}}).status_code \
        in (201, 400)  # the next nonce may happen to work at 4 bits; the real check is below
    Report.objects.all().delete()
    wrong_purpose = proof("follow")
    r = post(client, {"content": CONTENT, "proof": wrong_purpose})
    assert r.status_code == 400 and r.json()["field"] == "proof"
    assert post(client, {"content": CONTENT, "proof": good}).status_code in (201, 400)
    r = post(client, {"content": CONTENT, "proof": good})  # replayed
    assert r.status_code == 400 and r.json()["field"] == "proof"
    forged = {"challenge": good["challenge"][:-2] + "xx", "nonce": good["nonce"]}
    assert post(client, {"content": CONTENT, "proof": forged}).json()["field"] == "proof"


def test_challenge_is_public_and_signed(client: Any) -> None:
    r = client.get(f"{URL}/challenge?purpose=follow")
    assert r.status_code == 200 and r.json()["bits"] == 4
    assert throttle.check_proof("follow", r.json()["challenge"],
                                __import__("dangjian.reports.crypto", fromlist=["x"]).solve_pow(r.json()["challenge"], 4))


def test_rate_limit_per_hashed_client(client: Any, staff: Any, settings: Any) -> None:
    settings.REPORTS_SUBMIT_RATE = "2/h"
    for _i in range(2):
        assert post(client, {"content": CONTENT, "proof": proof("submit")}).status_code == 201
    r = post(client, {"content": CONTENT, "proof": proof("submit")})
    assert r.status_code == 429 and int(r["Retry-After"]) > 0
    # another address is not blocked by the first one's count
    r = client.post(URL, {"content": CONTENT, "proof": proof("submit")}, content_type="application/json",
                    REMOTE_ADDR="198.51.100.1")
    assert r.status_code == 201
    assert throttle.client_key(IP) != IP


def test_the_page_submits_and_shows_the_receipt_once(client: Any, staff: Any) -> None:
    page = client.get("/reports/new/")
    assert page.status_code == 200 and b'data-pow="submit"' in page.content
    p = proof("submit")
    r = client.post("/reports/new/", {"content": CONTENT, "kind": "integrity", "pow_challenge": p["challenge"],
                                      "pow_nonce": p["nonce"]}, REMOTE_ADDR=IP)
    assert r.status_code == 200 and b'id="receipt-code"' in r.content
    assert Report.objects.get().kind == "integrity"
    assert "no-store" in r["Cache-Control"]


def test_the_page_refuses_without_proof_and_names_bad_fields(client: Any, staff: Any) -> None:
    r = client.post("/reports/new/", {"content": CONTENT, "kind": "other"})
    assert r.status_code == 200 and b'id="receipt-code"' not in r.content
    p = proof("submit")
    r = client.post("/reports/new/", {"content": CONTENT, "phone": "1", "kind": "other",
                                      "pow_challenge": p["challenge"], "pow_nonce": p["nonce"]})
    assert "phone" in r.context["form"].errors
    assert not Report.objects.exists()


def test_make_run_starts_gunicorn_with_the_private_access_logger() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("dangjian_run_tool_reports",
                                                  Path(settings.BASE_DIR) / "tools" / "run.py")
    assert spec is not None and spec.loader is not None
    run_tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run_tool)
    web = next(s for s in run_tool.stack_services(18000, {"DUES_DEMO_SIMULATOR": "0"}) if s.name == "web")
    argv = list(web.argv)
    assert argv[argv.index("--logger-class") + 1] == "dangjian.reports.privacy.AccessLogger"


def test_the_public_finds_the_report_page_from_the_portal() -> None:
    from dangjian.core.hooks import public_links

    assert "/reports/new/" in [link["url"] for link in public_links()]


def test_ids_and_numbers_do_not_tell_the_order_of_arrival(staff: Any) -> None:
    import re

    from dangjian.reports.models import Exclusion
    from dangjian.reports.tests.conftest import submit

    reports = [submit(accused="王纪检").report for _ in range(3)]  # 王纪检 is a county handler: excluded
    for report in reports:
        assert re.fullmatch(r"JB\d{4}-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{10}", report.number)
        assert report.pk >= 1 << 40  # random, not 1, 2, 3
        rows = [*ReportAccess.objects.filter(report=report), *Exclusion.objects.filter(report=report)]
        assert rows and all(row.pk >= 1 << 40 for row in rows)
    assert len({r.number for r in reports}) == 3

