"""The year-end tables page: cells against the hand-counted county, drill-down links only with the
figure's permission, scope, bad input, bounded queries, the Excel export in the tables' layout."""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from dangjian.stats import tables as T
from dangjian.stats.tests.conftest import AS_OF

pytestmark = pytest.mark.django_db


def _url(org, **extra):
    query = {"org": org.pk, "date": AS_OF.isoformat(), **extra}
    return reverse("stats:tables") + "?" + "&".join(f"{k}={v}" for k, v in query.items())


def _cell(resp, key):
    for table, rows in resp.context["grids"]:
        for row in rows:
            for cell in row["cells"]:
                if f"{table.key}.{row['line'].key}.{cell['column'].key}" == key:
                    return cell
    raise KeyError(key)


def test_the_county_admin_sees_every_table_with_links_to_the_records(client, county, users,
                                                                     django_assert_max_num_queries):
    client.force_login(users.admin)
    with django_assert_max_num_queries(40):
        resp = client.get(_url(county.county))
    assert resp.status_code == 200
    female = _cell(resp, "members_basic.female.all")
    assert female["value"] == 2
    url = urlsplit(female["url"])
    assert url.path == "/stats/records/members.total/"
    assert parse_qs(url.query) == {"org": [str(county.county.pk)], "date": ["2025-12-31"], "f_sex": ["female"]}
    previous = _cell(resp, "changes.previous.count")
    assert previous["value"] == 6 and "date=2024-12-31" in previous["url"]
    html = resp.content.decode()
    assert 'data-cell="members_age.total.le30" data-value="2"' in html
    assert f'href="{female["url"].replace("&", "&amp;")}"' in html


def test_the_drill_down_list_has_as_many_records_as_the_cell(client, county, users):
    client.force_login(users.admin)
    resp = client.get(_url(county.county))
    for key in ("members_basic.female.all", "members_age.total.le30", "changes.joined_transferred_in.count",
                "changes.previous.count", "development.total.bachelor"):
        cell = _cell(resp, key)
        records = client.get(cell["url"])
        assert records.status_code == 200
        assert records.context["total"] == cell["value"], key


def test_without_the_figures_permission_the_values_show_without_links(client, county, users):
    """The publicity officer sees aggregates (stats.view) but may not list members."""
    client.force_login(users.publicity)
    resp = client.get(_url(county.town_a))
    assert resp.status_code == 200
    female = _cell(resp, "members_basic.female.all")
    assert (female["value"], female["url"]) == (2, "")
    assert "/stats/records/members.total/" not in resp.content.decode()
    assert _cell(resp, "orgs_basic.total.count")["url"]  # orgs.view is theirs


def test_a_secretary_sees_the_same_numbers_as_the_county_admin_for_the_branch_and_nothing_else(client, county,
                                                                                                   users):
    client.force_login(users.admin)
    admin = client.get(_url(county.branch_a1))
    client.force_login(users.secretary)
    mine = client.get(_url(county.branch_a1))
    assert mine.status_code == 200
    assert mine.context["result"].snapshot() == admin.context["result"].snapshot()
    assert mine.context["result"].table("members_basic").value("total", "all") == 3
    assert client.get(_url(county.town_a)).status_code == 404
    assert client.get(_url(county.branch_b1)).status_code == 404
    client.force_login(users.member)
    assert client.get(_url(county.branch_a1)).status_code == 404


def test_default_date_is_the_end_of_last_year_and_bad_dates_are_refused(client, county, users):
    client.force_login(users.admin)
    resp = client.get(reverse("stats:tables") + f"?org={county.county.pk}")
    assert resp.context["as_of"].month == 12 and resp.context["as_of"].day == 31
    resp = client.get(reverse("stats:tables") + f"?org={county.county.pk}&date=2025-02-30")
    assert resp.status_code == 200
    assert "YYYY-MM-DD" in resp.content.decode()
    resp = client.get(reverse("stats:tables") + f"?org={county.county.pk}&date=2999-01-01")
    assert list(resp.context["form"].errors) == ["date"]
    assert resp.context["as_of"].year < 2999
    assert client.get(reverse("stats:tables") + "?org=abc").status_code == 404


def test_the_excel_export_has_the_tables_layout_and_the_same_numbers(client, county, users):
    client.force_login(users.admin)
    resp = client.get(_url(county.county, export="xlsx"))
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(resp.content))
    computed = T.compute_tables(county.county.path, AS_OF)
    assert len(wb.worksheets) == len(T.TABLES) + 1
    for ws, result in zip(wb.worksheets, computed.tables, strict=False):
        table = result.table
        assert str(table.title) in ws["A1"].value
        assert ws["B2"].value == county.county.name and ws["D2"].value.date() == AS_OF
        header = [c.value for c in ws[3]][1:1 + len(table.columns)]
        assert header == [str(c.label) for c in table.columns]
        for i, row in enumerate(result.cells):
            cells = list(ws.iter_rows(min_row=4 + i, max_row=4 + i, values_only=True))[0]
            assert cells[0].strip() == str(row[0].row.label)
            expected = [c.value if c.available else "—" for c in row]
            assert list(cells[1:1 + len(row)]) == expected, (table.key, row[0].row.key)
    assert wb.worksheets[0]["B4"].value == 7 and isinstance(wb.worksheets[0]["B4"].value, int)
    checks = wb.worksheets[-1]
    assert checks.max_row == 3 + len(computed.checks)
    identity = next(i for i, c in enumerate(computed.checks) if c.check.key == "changes_identity")
    assert [c.value for c in checks[4 + identity]][1:4] == [7, 7, 0]
