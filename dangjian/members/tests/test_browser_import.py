"""Browser journey: a branch secretary imports members from Excel; a bad row stops the whole file."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from dangjian.core.idgen import make_id_number
from dangjian.members import excel
from dangjian.members.models import Member
from dangjian.testing.browser import login
from dangjian.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def plain_static(settings):
    """Serve static files without the manifest (no collectstatic in tests)."""
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


def workbook(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append([c.header for c in excel.COLUMNS])
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def member_row(name: str, id_number: str, org: str, join: str = "2012-07-01", full: str = "2013-07-01") -> list[object]:
    values = {
        "name": name, "sex": "", "ethnicity": "汉族", "birth_date": None, "id_number": id_number,
        "phone": "13955556666", "education": "大专", "address": "", "work_unit": "甲镇一村", "job_post": "",
        "organization": org, "category": "农牧渔民", "status": "正式党员", "join_date": join, "full_date": full,
        "add_type": "新发展", "note": "",
    }
    return [values[c.key] for c in excel.COLUMNS]


def test_secretary_import_with_bad_row_then_fixed(browser_page, live_server, tree, users):
    page = browser_page
    base = live_server.url
    branch = tree.branch_a1.name
    good1 = make_id_number("320321", dt.date(1975, 4, 5), 201)
    good2 = make_id_number("320321", dt.date(1980, 9, 9), 202, male=False)
    bad = good2[:17] + ("0" if good2[17] != "0" else "1")  # wrong check digit
    members_before = Member.objects.count()

    login(page, base, users.secretary.username, PASSWORD)
    page.goto(f"{base}/members/excel/import/")
    assert page.locator("a[href='/members/excel/template.xlsx']").count() == 1

    # 1. One bad row: the page lists it (row 3, the ID-number column) and nothing is imported.
    page.set_input_files("input[type=file]", files=[{
        "name": "名册.xlsx", "mimeType": XLSX,
        "buffer": workbook([member_row("陈一", good1, branch), member_row("林二", bad, branch)]),
    }])
    page.click("form.import-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    errors = page.locator("table.import-error-table tbody tr")
    assert errors.count() == 1
    assert errors.first.locator("td.row-number").inner_text() == "3"
    assert errors.first.locator("td.column").inner_text() == "公民身份号码 ID-card number"
    assert errors.first.locator("td.message").inner_text().strip()
    assert Member.objects.count() == members_before

    # 2. The fixed file goes in whole.
    page.set_input_files("input[type=file]", files=[{
        "name": "名册.xlsx", "mimeType": XLSX,
        "buffer": workbook([member_row("陈一", good1, branch), member_row("林二", good2, branch)]),
    }])
    page.click("form.import-form button[type=submit]")
    page.wait_for_selector("#import-result")
    assert page.get_attribute("#import-result", "data-count") == "2"
    assert "2" in page.inner_text("#import-result")
    assert Member.objects.count() == members_before + 2
    assert set(Member.objects.filter(organization=tree.branch_a1, person__name__in=["陈一", "林二"])
               .values_list("person__name", flat=True)) == {"陈一", "林二"}
