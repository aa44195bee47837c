"""Excel template, import and export of members (issue 2 item 6)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from dangjian.core import spreadsheets
from dangjian.core.idgen import make_id_number
from dangjian.core.models import AuditEvent
from dangjian.core.validators import birth_date_from_id, sex_from_id
from dangjian.members import excel
from dangjian.members.import_actions import do_import_members
from dangjian.members.models import Member, Person
from dangjian.testing.fixtures import make_member

HEADERS = [c.header for c in excel.COLUMNS]
TEMPLATE_URL = reverse("members_excel:template")
IMPORT_URL = reverse("members_excel:import")
EXPORT_URL = reverse("members_excel:export")


@pytest.fixture(autouse=True)
def english(client, settings):
    """Pages and messages in English (source strings), whatever the catalogue holds."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture(autouse=True)
def plain_static(settings):
    """Serve static files without the manifest (no collectstatic in tests)."""
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


def check(content: bytes, user: Any, max_rows: int = 100) -> excel.ImportCheck:
    with translation.override("en"):
        return excel.check_file(io.BytesIO(content), user=user, max_rows=max_rows)


def new_id(seq: int, birth: dt.date = dt.date(1985, 5, 20)) -> str:
    return make_id_number("320322", birth, seq)


def row(org: Any, **over: Any) -> dict[str, Any]:
    data = {
        "name": "孙新人", "sex": "男", "ethnicity": "汉族", "id_number": new_id(1), "phone": "13912345678",
        "education": "大学本科", "address": "演示县幸福路1号", "work_unit": "演示县农机站", "job_post": "站长",
        "organization": org.name, "category": "在岗职工", "status": "正式党员",
        "join_date": "2010-07-01", "full_date": "2011.07.01", "add_type": "新发展", "note": "",
    }
    data.update(over)
    return data


def xlsx(rows: list[dict[str, Any]], headers: list[str] | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(headers or HEADERS)
    for r in rows:
        ws.append([r.get(c.key) for c in excel.COLUMNS])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def upload(client: Any, content: bytes, name: str = "members.xlsx") -> Any:
    f = io.BytesIO(content)
    f.name = name
    return client.post(IMPORT_URL, {"file": f})


def exported(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200
    assert response["Content-Type"] == spreadsheets.XLSX_CONTENT_TYPE
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    ws = wb.worksheets[0]
    values = list(ws.iter_rows(values_only=True))
    assert list(values[0]) == HEADERS
    return [dict(zip([c.key for c in excel.COLUMNS], r, strict=True)) for r in values[1:]]


# --- template ---------------------------------------------------------------------------------


def test_template_has_bilingual_headers_allowed_values_and_dropdowns(client, users, tree):
    client.force_login(users.secretary)
    response = client.get(TEMPLATE_URL)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    data, values = wb.worksheets[0], wb.worksheets[1]
    header = [c.value for c in data[1]]
    assert header == HEADERS
    assert header[0] == "姓名 Name" and "公民身份号码 ID-card number" in header
    listed = {c.value for col in values.iter_cols() for c in col}
    assert {"男", "女", "正式党员", "预备党员", "在岗职工", "新发展", "大学本科"} <= listed
    # The secretary's importable branches are offered; others are not.
    assert tree.branch_a1.name in listed and tree.branch_b1.name not in listed
    ranges = {str(dv.sqref).split(":")[0] for dv in data.data_validations.dataValidation}
    sex_col = "B"
    assert f"{sex_col}2" in ranges and "K2" in ranges  # sex, organization


@pytest.mark.parametrize("who", ["member", "public", "nobody", "publicity", "discipline"])
def test_template_and_import_need_import_permission(client, users, who):
    client.force_login(getattr(users, who))
    assert client.get(TEMPLATE_URL).status_code == 403
    assert client.get(IMPORT_URL).status_code == 403
    assert upload(client, xlsx([])).status_code == 403


def test_anonymous_is_sent_to_login(client, tree):
    response = client.get(IMPORT_URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get(EXPORT_URL).status_code == 302


# --- import: the good path ---------------------------------------------------------------------


def test_valid_file_imports_every_member_encrypted_and_masked(client, users, tree):
    client.force_login(users.secretary)
    rows = [
        row(tree.branch_a1),
        # codes instead of labels, an Excel date, organization by id, probationary member
        row(tree.branch_a1, name="周预备", id_number=new_id(2, dt.date(1995, 1, 2)), phone="13700000002",
            sex="female", education="bachelor", category="farmer", status="probationary",
            join_date=dt.datetime(2024, 7, 1), full_date=None, add_type="transferred_in",
            organization=str(tree.branch_a1.pk)),
        # slashes, no ID number, label aliases
        row(tree.branch_a1, name="吴无证", id_number="", phone="", birth_date="1970/03/04", sex="女",
            education="硕士", category="离退休", join_date="1995/06/30", full_date="1996/06/30", add_type="转入"),
    ]
    before_people = Person.objects.count()
    response = upload(client, xlsx(rows), name="三月名册.xlsx")
    assert response.status_code == 200, response.content.decode()[:2000]
    body = response.content.decode()
    assert 'data-count="3"' in body
    assert Person.objects.count() == before_people + 3

    sun = Member.objects.select_related("person").get(person__name="孙新人")
    assert sun.organization_id == tree.branch_a1.pk and sun.org_path == tree.branch_a1.path
    assert sun.person.id_number == new_id(1)
    assert sun.person.id_number_masked == new_id(1)[:2] + "*" * 14 + new_id(1)[-2:]
    assert sun.person.phone_masked == "139****5678"
    assert sun.person.birth_date == dt.date(1985, 5, 20)  # derived from the ID number
    assert sun.person.name_initials == "sxr"
    assert (sun.status, sun.category, sun.add_type, sun.person.education) == ("full", "in_service", "developed", "bachelor")
    assert sun.full_date == dt.date(2011, 7, 1)

    zhou = Member.objects.select_related("person").get(person__name="周预备")
    assert (zhou.status, zhou.category, zhou.add_type, zhou.person.sex) == ("probationary", "farmer", "transferred_in", "female")
    assert zhou.join_date == dt.date(2024, 7, 1) and zhou.full_date is None

    wu = Member.objects.select_related("person").get(person__name="吴无证")
    assert wu.person.birth_date == dt.date(1970, 3, 4) and wu.person.education == "master"
    assert (wu.category, wu.add_type, wu.person.id_number) == ("retired", "transferred_in", "")

    # Encrypted at rest: the raw column holds neither number.
    with connection.cursor() as cur:
        table = connection.ops.quote_name(Person._meta.db_table)
        cur.execute(f"SELECT id_number, phone FROM {table} WHERE id = %s", [sun.person_id])  # noqa: S608 - model table name
        raw_id, raw_phone = cur.fetchone()
    assert new_id(1) not in raw_id and "13912345678" not in raw_phone

    # One file event, one creation event per member.
    imported = AuditEvent.objects.get(action="member.imported")
    assert imported.actor_id == users.secretary.pk
    assert imported.after["count"] == 3 and imported.after["filename"] == "三月名册.xlsx"
    assert imported.after["org_paths"] == [tree.branch_a1.path]
    created = AuditEvent.objects.filter(action="member.created", target_id__in=[str(m.pk) for m in (sun, zhou, wu)])
    assert created.count() == 3
    assert all(new_id(1) not in str(e.after) for e in created)  # only masked data in the trail


def test_organizer_imports_into_several_branches_by_code(client, users, tree, root_user):
    from dangjian.orgs.actions import do_update_organization

    do_update_organization(tree.branch_a2, {"code": "A2-0001"}, acting_user=root_user)
    client.force_login(users.organizer)
    response = upload(client, xlsx([row(tree.branch_a1), row(tree.branch_a2, name="钱二", id_number=new_id(3), organization="A2-0001")]))
    assert 'data-count="2"' in response.content.decode()
    assert Member.objects.get(person__name="钱二").organization_id == tree.branch_a2.pk


# --- import: bad rows write nothing ----------------------------------------------------------


def test_file_with_bad_rows_writes_nothing_and_reports_each_row_column_and_rule(client, users, tree):
    alice_id = tree.alice.person.id_number
    bad_checksum = new_id(10)[:17] + ("0" if new_id(10)[17] != "0" else "1")
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    rows = [
        row(tree.branch_a1, id_number=new_id(9)),                                    # 2: good
        row(tree.branch_a1, id_number=bad_checksum),                                 # 3: checksum
        row(tree.branch_a1, name="", id_number=new_id(11)),                          # 4: missing name
        row(tree.branch_a1, organization="不存在的党支部", id_number=new_id(12)),     # 5: unknown org
        row(tree.branch_a1, organization=tree.branch_b1.name, id_number=new_id(13)),  # 6: out of scope
        row(tree.branch_a1, id_number=new_id(14), join_date=future, full_date=""),   # 7: future date
        row(tree.branch_a1, id_number=new_id(9)),                                    # 8: duplicate of row 2
        row(tree.branch_a1, id_number=alice_id, join_date="2024-07-01", full_date="2025-07-01"),  # 9: registered
        row(tree.branch_a1, id_number=new_id(15, dt.date(2000, 1, 1)),
            join_date="2015-01-01", full_date="2016-01-01"),                          # 10: joined at 15
        row(tree.branch_a1, id_number=new_id(16), status="退休党员"),                  # 11: bad choice
        row(tree.branch_a1, id_number=new_id(17), join_date="2010-13-45"),           # 12: bad date
    ]
    client.force_login(users.secretary)
    people, events = Person.objects.count(), AuditEvent.objects.count()
    response = upload(client, xlsx(rows))
    assert response.status_code == 200
    assert Person.objects.count() == people and AuditEvent.objects.count() == events

    result = check(xlsx(rows), users.secretary)
    got = {(e.row, e.column): e.message for e in result.errors}
    assert not result.rows
    assert got[(3, "公民身份号码 ID-card number")].startswith("The ID-card number's check digit is wrong")
    assert got[(4, "姓名 Name")] == "This field is required."
    assert got[(5, "所在党组织 Organization")] == "No organization in your scope has this name, code or id."
    assert got[(6, "所在党组织 Organization")] == "No organization in your scope has this name, code or id."
    assert got[(7, "入党日期 Date joined the party")] == "This date is in the future."
    assert got[(8, "公民身份号码 ID-card number")] == "This ID-card number is already in row 2 of this file."
    assert got[(9, "公民身份号码 ID-card number")] == "A person with this ID-card number is already registered."
    assert got[(10, "入党日期 Date joined the party")] == "A member must be at least 18 years old when joining the party."
    assert "退休党员" in got[(11, "党员状态 Status")]
    assert got[(12, "入党日期 Date joined the party")] == "Enter a valid date."
    assert {e.row for e in result.errors} == set(range(3, 13))  # row 2 is fine
    # Each row's problems are reported even when another column of the same row is bad too.
    both = check(xlsx([row(tree.branch_a1, name="", id_number=alice_id, join_date="2024-07-01", full_date="2025-07-01")]),
                 users.secretary)
    assert {e.column for e in both.errors} == {"姓名 Name", "公民身份号码 ID-card number"}

    body = response.content.decode()
    assert "Nothing was imported" in body
    for r, column in [(3, "公民身份号码 ID-card number"), (4, "姓名 Name"), (10, "入党日期 Date joined the party")]:
        assert f'<td class="row-number">{r}</td><td class="column">{column}</td>' in body
    assert "A member must be at least 18 years old when joining the party." in body


def test_organization_must_be_a_branch_and_importable(users, tree):
    rows = [row(tree.town_a, id_number=new_id(20)), row(tree.branch_a1, organization="", id_number=new_id(21))]
    result = check(xlsx(rows), users.organizer)
    got = {(e.row, e.column): e.message for e in result.errors}
    assert got[(2, "所在党组织 Organization")] == f"Members belong to a branch; “{tree.town_a.name}” is not a branch."
    assert got[(3, "所在党组织 Organization")] == "This field is required."


def test_action_requires_import_permission_on_every_target(users, tree):
    good = check(xlsx([row(tree.branch_a2, id_number=new_id(30))]), users.organizer)
    assert good.ok
    people = Person.objects.count()
    with pytest.raises(PermissionDenied):
        do_import_members(good.rows, acting_user=users.secretary, filename="x.xlsx")  # branch_a2 is not hers
    assert Person.objects.count() == people


def test_file_level_problems(client, users, tree, settings):
    client.force_login(users.secretary)
    response = upload(client, b"not a zip file")
    assert "The file is not an Excel workbook (.xlsx)." in response.content.decode()
    response = upload(client, b"x", name="members.csv")
    assert "Upload an Excel workbook saved as .xlsx." in response.content.decode()
    response = upload(client, xlsx([row(tree.branch_a1)], headers=["Foo", "Bar"]))
    assert "missing: 姓名 Name、所在党组织 Organization、党员状态 Status" in response.content.decode()
    response = upload(client, xlsx([]))
    assert "The file has no member rows." in response.content.decode()
    settings.DANGJIAN = {**settings.DANGJIAN, "MEMBERS_IMPORT_MAX_ROWS": 2}
    rows = [row(tree.branch_a1, id_number=new_id(40 + i)) for i in range(3)]
    response = upload(client, xlsx(rows))
    assert "more than 2 member rows" in response.content.decode()
    assert not Person.objects.filter(name="孙新人").exists()


def test_headers_in_chinese_or_english_only_are_recognised(users, tree):
    zh = [c.zh for c in excel.COLUMNS]
    result = check(xlsx([row(tree.branch_a1)], headers=zh), users.secretary)
    assert result.ok, result.errors
    en = [c.en for c in excel.COLUMNS]
    headers, _rows = excel.read_workbook(io.BytesIO(xlsx([row(tree.branch_a1)], headers=en)), max_rows=10)
    assert set(headers) == {c.key for c in excel.COLUMNS}


# --- export ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("secretary", {"张爱丽", "李博"}),
        ("organizer", {"张爱丽", "李博", "王卡洛"}),
        ("admin", {"张爱丽", "李博", "王卡洛", "赵大伟"}),
        ("member", None), ("public", None), ("nobody", None), ("publicity", None), ("discipline", None),
    ],
)
def test_export_scope_matrix(client, users, who, expected):
    client.force_login(getattr(users, who))
    response = client.get(EXPORT_URL)
    if expected is None:
        assert response.status_code == 403
        assert not AuditEvent.objects.filter(action="member.exported").exists()
        return
    assert {r["name"] for r in exported(response)} == expected
    event = AuditEvent.objects.get(action="member.exported")
    assert event.actor_id == getattr(users, who).pk and event.after["count"] == len(expected)


def test_export_filters_and_out_of_scope_org_is_404(client, users, tree):
    client.force_login(users.organizer)
    assert {r["name"] for r in exported(client.get(EXPORT_URL, {"org": tree.branch_a2.pk}))} == {"王卡洛"}
    assert {r["name"] for r in exported(client.get(EXPORT_URL, {"status": "probationary"}))} == {"李博"}
    assert {r["name"] for r in exported(client.get(EXPORT_URL, {"q": "zal"}))} == {"张爱丽"}
    assert {r["name"] for r in exported(client.get(EXPORT_URL, {"category": "retired"}))} == set()
    assert client.get(EXPORT_URL, {"org": tree.branch_b1.pk}).status_code == 404
    assert client.get(EXPORT_URL, {"org": "nonsense"}).status_code == 404


def test_export_masks_pii_without_view_pii(client, users, tree):
    client.force_login(users.organizer)  # organizer: export but no members.view_pii
    rows = {r["name"]: r for r in exported(client.get(EXPORT_URL))}
    alice = tree.alice.person
    assert rows["张爱丽"]["id_number"] == alice.id_number_masked and "*" in rows["张爱丽"]["id_number"]
    assert rows["张爱丽"]["phone"] == alice.phone_masked
    assert not AuditEvent.objects.filter(action="member.pii_exported").exists()


def test_export_full_pii_for_secretary_is_logged_once(client, users, tree):
    client.force_login(users.secretary)
    rows = {r["name"]: r for r in exported(client.get(EXPORT_URL, {"q": tree.alice.person.id_number}))}
    assert rows["张爱丽"]["id_number"] == tree.alice.person.id_number
    assert rows["张爱丽"]["phone"] == tree.alice.person.phone
    event = AuditEvent.objects.get(action="member.pii_exported")
    assert event.actor_id == users.secretary.pk and event.after["count"] == 1
    # The ID number searched for is not written into the audit trail in clear.
    assert tree.alice.person.id_number not in str(event.after)
    exported_event = AuditEvent.objects.get(action="member.exported")
    assert tree.alice.person.id_number not in str(exported_event.after)


def test_export_writes_formula_like_text_as_text(client, users, tree, root_user):
    make_member(tree.branch_a1, "钱公式", acting_user=root_user, note='=HYPERLINK("http://evil.example","x")')
    client.force_login(users.secretary)
    response = client.get(EXPORT_URL, {"q": "钱公式"})
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    note_col = [c.key for c in excel.COLUMNS].index("note") + 1
    cell = wb.worksheets[0].cell(2, note_col)
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def test_export_row_cap(client, users, settings):
    settings.DANGJIAN = {**settings.DANGJIAN, "MEMBERS_EXPORT_MAX_ROWS": 2}
    client.force_login(users.admin)
    assert len(exported(client.get(EXPORT_URL))) == 2
    assert AuditEvent.objects.get(action="member.exported").after["truncated"] is True


def _export_queries(client: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(EXPORT_URL)
        b"".join(response.streaming_content)
    return len(ctx.captured_queries)


def test_export_query_count_is_bounded(client, users, tree, root_user, django_assert_max_num_queries):
    client.force_login(users.secretary)
    for i in range(3):
        make_member(tree.branch_a1, f"测试甲{i}", acting_user=root_user)
    small = _export_queries(client)  # 5 members
    for i in range(55):
        make_member(tree.branch_a1, f"测试乙{i}", acting_user=root_user)
    with django_assert_max_num_queries(small):
        response = client.get(EXPORT_URL)
        rows = exported(response)
    assert len(rows) == 60


def test_round_trip_export_edit_import(client, users, tree, root_user):
    """An export re-imports after editing; only the ID uniqueness conflict stands in the way."""
    originals = [
        make_member(tree.branch_a1, "郑往返", acting_user=root_user, category="retired",
                    id_number=new_id(50, dt.date(1960, 2, 29)), sex="male", birth_date=dt.date(1960, 2, 29), phone="0516-87654321", education="senior",
                    address="演示县北街2号", work_unit="演示县供销社", job_post="会计", note="老党员",
                    join_date=dt.date(1985, 7, 1), full_date=dt.date(1986, 7, 1), add_type="transferred_in"),
        make_member(tree.branch_a1, "冯预备", acting_user=root_user, category="retired", status="probationary",
                    id_number=make_id_number("320322", dt.date(1962, 8, 8), 51, male=False), sex="female",
                    birth_date=dt.date(1962, 8, 8), ethnicity="回族", phone="13800138000",
                    join_date=dt.date(2025, 1, 1), full_date=None),
    ]
    client.force_login(users.secretary)
    response = client.get(EXPORT_URL, {"category": "retired"})
    content = b"".join(response.streaming_content)
    # As exported: every row is fine except that the people are already registered.
    result = check(content, users.secretary)
    assert [(e.row, e.message) for e in result.errors] == [
        (2, "A person with this ID-card number is already registered."),
        (3, "A person with this ID-card number is already registered."),
    ]

    # Edit: new ID numbers (same birth dates and sex) and a changed post; then import.
    wb = load_workbook(io.BytesIO(content))
    ws = wb.worksheets[0]
    col = {c.key: i for i, c in enumerate(excel.COLUMNS, start=1)}
    for r in range(2, ws.max_row + 1):
        old_id = ws.cell(r, col["id_number"]).value
        ws.cell(r, col["id_number"]).value = make_id_number(
            "320399", birth_date_from_id(old_id), r, male=sex_from_id(old_id) == "male")
        ws.cell(r, col["job_post"]).value = "新职务"
    buf = io.BytesIO()
    wb.save(buf)
    response = upload(client, buf.getvalue())
    assert 'data-count="2"' in response.content.decode()

    for old in originals:
        new = Member.objects.select_related("person").exclude(pk=old.pk).get(person__name=old.person.name)
        for f in ("status", "category", "join_date", "full_date", "add_type", "organization_id", "note"):
            assert getattr(new, f) == getattr(old, f), f
        for f in ("sex", "ethnicity", "birth_date", "phone", "education", "address", "work_unit"):
            assert getattr(new.person, f) == getattr(old.person, f), f
        assert new.person.job_post == "新职务" and new.person.id_number != old.person.id_number


def test_uploaded_workbooks_are_parsed_with_defusedxml():
    """openpyxl switches to defusedxml when it is installed: entity-expansion bombs are refused."""
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML is True


# --- security review regressions ----------------------------------------------------------------


def _replace_part(content: bytes, part: str, data: bytes) -> bytes:
    """A copy of the .xlsx ``content`` with one zip member replaced."""
    src, out = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, data if info.filename == part else src.read(info.filename))
    return out.getvalue()


@pytest.mark.parametrize(
    ("part", "data", "message"),
    [
        ("[Content_Types].xml", b"<bad", "The file is not an Excel workbook (.xlsx)."),
        ("[Content_Types].xml", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>',
         "The file is not an Excel workbook (.xlsx)."),
        ("xl/workbook.xml", b"<bad", "The file is not an Excel workbook (.xlsx)."),
        ("xl/worksheets/sheet1.xml", b"<bad", "The file is not an Excel workbook (.xlsx)."),
        ("xl/worksheets/sheet1.xml", "truncated",  # damage found only while reading the rows
         "The workbook is damaged and its rows cannot be read. Save it again as .xlsx and retry."),
    ],
)
def test_malformed_workbook_is_reported_not_a_500(client, users, tree, part, data, message):
    """Regression: a zip whose XML parts are malformed raised ParseError (a 500)."""
    good = xlsx([row(tree.branch_a1, id_number=new_id(60))])
    if data == "truncated":
        sheet = zipfile.ZipFile(io.BytesIO(good)).read(part)
        data = sheet[: sheet.index(b"</row>") + 20]
    content = _replace_part(good, part, data)
    with pytest.raises(excel.ImportFileError):
        check(content, users.secretary)
    client.force_login(users.secretary)
    people, events = Person.objects.count(), AuditEvent.objects.count()
    response = upload(client, content)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Person.objects.count() == people and AuditEvent.objects.count() == events


@pytest.mark.parametrize("ref", ["²", "³", "１", "٣", "1²"])
def test_unicode_digits_in_organization_are_an_unknown_organization(client, users, tree, ref):
    """Regression: "²".isdigit() is True but int("²") raises: a 500 instead of a row error."""
    result = check(xlsx([row(tree.branch_a1, organization=ref, id_number=new_id(61))]), users.secretary)
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (2, "所在党组织 Organization", "No organization in your scope has this name, code or id."),
    ]
    client.force_login(users.secretary)
    response = upload(client, xlsx([row(tree.branch_a1, organization=ref, id_number=new_id(61))]))
    assert response.status_code == 200
    assert "No organization in your scope has this name, code or id." in response.content.decode()
    assert not Person.objects.filter(name="孙新人").exists()


def test_organization_id_in_ascii_digits_still_works(users, tree):
    result = check(xlsx([row(tree.branch_a1, organization=str(tree.branch_a1.pk), id_number=new_id(62))]),
                   users.secretary)
    assert result.ok, result.errors


@pytest.mark.parametrize("name", ["=1+2", '=HYPERLINK("http://evil.example","x")', "+1+2", "-1+2", "@SUM(A1)"])
def test_template_writes_formula_like_organization_names_as_text(client, users, tree, root_user, name):
    """Regression: organization names went into the template's allowed values as formulas."""
    from dangjian.orgs.actions import do_create_organization

    do_create_organization(tree.town_a, {"name": name, "kind": "branch"}, acting_user=root_user)
    client.force_login(users.organizer)
    response = client.get(TEMPLATE_URL)
    assert response.status_code == 200
    values = load_workbook(io.BytesIO(response.content)).worksheets[1]
    cells = [c for col in values.iter_cols() for c in col if c.value == name]
    assert len(cells) == 1
    assert cells[0].data_type == "s"  # text, not a formula
    assert cells[0].quotePrefix  # and stays text when edited in Excel / WPS
    plain = next(c for col in values.iter_cols() for c in col if c.value == tree.branch_a1.name)
    assert not plain.quotePrefix


def test_template_and_export_share_one_formula_guard():
    wb = Workbook()
    cell = spreadsheets.write_cell(wb.active.cell(1, 1), "=1+2")
    assert cell.data_type == "s" and cell.value == "=1+2" and cell.quotePrefix
    assert spreadsheets.write_cell(wb.active.cell(1, 2), "普通文本").data_type == "s"
    assert spreadsheets.write_cell(wb.active.cell(1, 3), 42).data_type == "n"


@pytest.mark.parametrize(
    ("q", "secrets"),
    [
        ("{id_spaced}", ["{id}", "{id_spaced}"]),
        ("{phone_spaced}", ["{phone}", "{phone_spaced}"]),
        ("+86 {phone_spaced}", ["{phone}", "{phone_spaced}"]),
        ("{id_hyphens}", ["{id}", "{id_hyphens}"]),
        ("张爱丽 {id_spaced}", ["{id}", "{id_spaced}"]),
    ],
)
def test_export_audit_never_stores_a_spaced_full_number(client, users, tree, q, secrets):
    """Regression: only unbroken runs of 7+ digits were masked, but the search ignores spaces,
    so "3203 2119 6011 2901 98" found the member and went into the audit trail in full."""
    person = tree.alice.person
    id_number, phone = person.id_number, person.phone
    parts = {
        "id": id_number, "phone": phone,
        "id_spaced": " ".join([id_number[:4], id_number[4:8], id_number[8:12], id_number[12:16], id_number[16:]]),
        "id_hyphens": "-".join([id_number[:6], id_number[6:14], id_number[14:]]),
        "phone_spaced": f"{phone[:3]} {phone[3:7]} {phone[7:]}",
    }
    query = q.format(**parts)
    client.force_login(users.secretary)
    response = client.get(EXPORT_URL, {"q": query})
    assert response.status_code == 200
    stored = AuditEvent.objects.get(action="member.exported").after["filters"]["q"]
    digits_only = "".join(ch for ch in stored if ch.isdigit())
    for secret in secrets:
        value = secret.format(**parts)
        assert value not in stored
        assert "".join(ch for ch in value if ch.isdigit()) not in digits_only
    assert "*" in stored


def test_export_audit_masks_the_searched_full_numbers(client, users, tree):
    person = tree.alice.person
    client.force_login(users.secretary)
    assert client.get(EXPORT_URL, {"q": " ".join(person.id_number[i:i + 4] for i in range(0, 18, 4))}).status_code == 200
    event = AuditEvent.objects.filter(action="member.exported").latest("pk")
    assert event.after["filters"]["q"] == person.id_number_masked
    phone = person.phone
    client.get(EXPORT_URL, {"q": f"{phone[:3]} {phone[3:7]} {phone[7:]}"})
    event = AuditEvent.objects.filter(action="member.exported").latest("pk")
    assert event.after["filters"]["q"] == person.phone_masked
    client.get(EXPORT_URL, {"q": "zal"})  # ordinary text is kept as typed
    assert AuditEvent.objects.filter(action="member.exported").latest("pk").after["filters"]["q"] == "zal"
