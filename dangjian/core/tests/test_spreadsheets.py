"""Formula injection (issue 13 §2): hostile text typed into any text field — names, titles, places,
reasons, notes, organization names — comes out of every export as text, never as a formula, and
still reads as what the user typed. Every registered export (``core.spreadsheets.EXPORTS``) has a
case here, called through its real view."""

from __future__ import annotations

import datetime as dt
import importlib
import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dangjian.testing.fixtures import make_member

#: What an attacker types (the tab one arrives as "=1": the forms strip outer blanks).
PAYLOADS = ('=HYPERLINK("http://x","点我")', "+1+1", "-1+1", "@SUM(A1)", "＝1+1", "\t=1")
#: Text starting with one of these runs (or turns into) a formula in Excel or WPS.
DANGEROUS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
ROOT = Path(__file__).resolve().parents[2]  # the dangjian package


def cells_of(content: bytes) -> set[str]:
    """Every text cell of the workbook, after checking that none is (or will become) a formula."""
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                assert not re.search(rb"<f[ >]", zf.read(name)), f"a formula element in {name}"
    texts: set[str] = set()
    for ws in load_workbook(io.BytesIO(content)).worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.add(cell.value)
                    if cell.value.startswith(DANGEROUS):
                        # stored as text, and kept text by Excel's quote prefix when edited
                        assert cell.data_type in ("s", "inlineStr") and cell.quotePrefix, (ws.title, cell.coordinate)
    return texts


@pytest.fixture
def hostile(tree: Any, users: Any, root_user: Any) -> SimpleNamespace:
    """Under town_a, one branch per payload, named with it, holding one member whose every text
    field is the payload."""
    from dangjian.orgs.actions import do_create_organization

    branches, members = [], []
    for text in PAYLOADS:
        branch = do_create_organization(tree.town_a, {"name": text, "kind": "branch"}, acting_user=root_user)
        branches.append(branch)
        members.append(make_member(branch, text, acting_user=root_user, ethnicity=text[:20], address=text,
                                   work_unit=text, job_post=text, note=text))
    return SimpleNamespace(branches=branches, members=members)


def _get(client: Any, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return b"".join(response.streaming_content) if response.streaming else response.content


# --- one case per export: make the data, fetch the workbook(s) through the view ----------------

def members_export(client: Any, tree: Any, users: Any, root_user: Any, h: SimpleNamespace) -> list[bytes]:
    client.force_login(users.organizer)
    return [_get(client, reverse("members_excel:export"))]


def members_template(client: Any, tree: Any, users: Any, root_user: Any, h: SimpleNamespace) -> list[bytes]:
    client.force_login(users.organizer)
    return [_get(client, reverse("members_excel:template"))]


def transfers_ledger(client: Any, tree: Any, users: Any, root_user: Any, h: SimpleNamespace) -> list[bytes]:
    from dangjian.members.transfers.actions import do_register_incoming

    today = timezone.localdate()
    for i, (text, branch) in enumerate(zip(PAYLOADS, h.branches, strict=True)):
        member = {"name": text, "organization": branch.pk, "status": "full", "category": "in_service",
                  "join_date": dt.date(2015, 7, 1), "full_date": dt.date(2016, 7, 1), "note": text}
        do_register_incoming(member, {"number": text if i else text[:20], "from_org_name": text, "reason": text,
                                      "valid_until": today + dt.timedelta(days=10), "received_on": today},
                             acting_user=root_user)
    client.force_login(users.admin)
    return [_get(client, reverse("transfers:ledger_export") + f"?org={tree.county.pk}")]


def orglife_ledger(client: Any, tree: Any, users: Any, root_user: Any, h: SimpleNamespace) -> list[bytes]:
    from dangjian.orglife.actions import do_close_activity, do_plan_activity, do_start_activity

    start = timezone.now() - dt.timedelta(minutes=10)
    branch, lecturer = h.branches[0], h.members[0]
    for text in PAYLOADS:
        activity = do_plan_activity(branch, {"kind": "party_lecture", "topic": text, "place": text, "starts_at": start,
                                             "ends_at": start + dt.timedelta(hours=2)}, acting_user=root_user)
        do_start_activity(activity, acting_user=root_user)
        do_close_activity(activity, {"minutes": text + " 会议记录", "chair": text, "minute_taker": text,
                                     "lecturer": lecturer.pk}, acting_user=root_user)
    client.force_login(users.organizer)
    return [_get(client, reverse("orglife:ledger_export") + f"?org={branch.pk}&year={timezone.localdate().year}")]


def _billed(users: Any, h: SimpleNamespace) -> dt.date:
    from dangjian.dues.actions import do_generate_bills
    from dangjian.dues.billing import current_month
    from dangjian.dues.tests.conftest import give_base

    month = current_month()
    for member in h.members:
        give_base(member, 300000, acting_user=users.organizer)
    do_generate_bills(month)
    return month


def dues_bases_template(client: Any, tree: Any, users: Any, root_user: Any, h: SimpleNamespace) -> list[bytes]:
    client.force_login(users.organizer)
    return [_get(client, reverse("dues:import_bases") + "?template=1")]


def dues_ledger(client: Any, tree: Any, users: Any, root_user: Any, h: SimpleNamespace) -> list[bytes]:
    from dangjian.members.lifecycle.actions import do_issue_certificate

    month = _billed(users, h)
    today = timezone.localdate()
    for member in h.members:  # floating members hosted by branch_b1: listed on its ledger
        do_issue_certificate(member, {"reason": member.person.name, "host_unit": member.person.name,
                                      "host_org": tree.branch_b1.pk, "issued_on": today.isoformat(),
                                      "expires_on": (today + dt.timedelta(days=150)).isoformat()},
                             acting_user=root_user)
    client.force_login(users.admin)
    return [_get(client, reverse("dues:ledger") + f"?org={org.pk}&month={month:%Y-%m}&export=xlsx")
            for org in (tree.town_a, tree.branch_b1)]


def dues_notice(client: Any, tree: Any, users: Any, root_user: Any, h: SimpleNamespace) -> list[bytes]:
    month = _billed(users, h)
    client.force_login(users.organizer)
    return [_get(client, reverse("dues:manage_notice") + f"?org={branch.pk}&year={month.year}&export=xlsx")
            for branch in h.branches]


def dues_handovers(client: Any, tree: Any, users: Any, root_user: Any, h: SimpleNamespace) -> list[bytes]:
    from dangjian.dues.collection import do_decide_handover, do_hand_up_dues

    month = _billed(users, h)
    last = (month - dt.timedelta(days=1)).replace(day=1)  # only an ended month is handed up
    for i, (text, branch) in enumerate(zip(PAYLOADS, h.branches, strict=True)):
        handover = do_hand_up_dues(branch, period_start=last, months=1, handed_up_cents=0, reference=text,
                                   note=text, acting_user=root_user)
        if i % 2:
            do_decide_handover(handover, confirm=False, note=text, acting_user=root_user)
    client.force_login(users.organizer)
    return [_get(client, reverse("dues:handovers") + f"?org={tree.town_a.pk}&export=xlsx")]


def dues_member_year(client: Any, tree: Any, users: Any, root_user: Any, h: SimpleNamespace) -> list[bytes]:
    month = _billed(users, h)
    client.force_login(users.organizer)
    return [_get(client, reverse("dues:member_year") + f"?org={tree.town_a.pk}&year={month.year}&export=xlsx")]


def stats_tables(client: Any, tree: Any, users: Any, root_user: Any, h: SimpleNamespace) -> list[bytes]:
    client.force_login(users.organizer)
    return [_get(client, reverse("stats:tables") + f"?org={branch.pk}&export=xlsx") for branch in h.branches]


def stats_figures(client: Any, tree: Any, users: Any, root_user: Any, h: SimpleNamespace) -> list[bytes]:
    client.force_login(users.organizer)
    return [_get(client, reverse("stats:index") + f"?org={branch.pk}&export=xlsx") for branch in h.branches]


def learning_plan_report(client: Any, tree: Any, users: Any, root_user: Any, h: SimpleNamespace) -> list[bytes]:
    from dangjian.learning.actions import do_save_plan

    plan = do_save_plan(tree.town_a, {"title": PAYLOADS[0], "due_on": dt.date(2026, 12, 31)},
                        acting_user=users.organizer)
    client.force_login(users.organizer)
    return [_get(client, reverse("learning:plan_report", args=[plan.pk]) + "?export=xlsx")]
def exams_bank_template(client: Any, tree: Any, users: Any, root_user: Any, h: SimpleNamespace) -> list[bytes]:
    client.force_login(users.organizer)
    return [_get(client, reverse("exams:bank_template"))]


def exams_results(client: Any, tree: Any, users: Any, root_user: Any, h: SimpleNamespace) -> list[bytes]:
    from dangjian.learning.exams.actions import do_create_bank, do_create_exam, do_import_questions
    from dangjian.learning.exams.excel import ImportCheck

    bank = do_create_bank(tree.town_a, {"title": PAYLOADS[0]}, acting_user=users.organizer)
    do_import_questions(bank, ImportCheck(rows=[{"kind": "true_false", "text": PAYLOADS[1], "options": [],
                                                 "answer": True, "explanation": PAYLOADS[2]}]),
                        acting_user=users.organizer)
    now = timezone.now()
    exam = do_create_exam(tree.town_a, bank, {"title": PAYLOADS[3], "true_false_count": 1, "opens_at": now,
                                              "closes_at": now + dt.timedelta(days=1)}, acting_user=users.organizer)
    client.force_login(users.organizer)
    return [_get(client, reverse("exams:results_xlsx", args=[exam.pk]))]


Case = Callable[[Any, Any, Any, Any, SimpleNamespace], list[bytes]]
#: export name → (case, does the user's text show in it)
def insight_topics(client: Any, tree: Any, users: Any, root_user: Any, h: SimpleNamespace) -> list[bytes]:
    """A finished run's topics named and concluded with the payloads, each with one citizen's text
    that is the payload (rows as a run stores them; the pipeline itself is not needed here)."""
    from dangjian.insight.models import Run, RunState, TextAnalysis, Topic

    run = Run.objects.create(organization=tree.county, org_path=tree.county.path, state=RunState.DONE,
                             finished_at=timezone.now(), text_count=len(PAYLOADS))
    for i, text in enumerate(PAYLOADS):
        topic = Topic.objects.create(run=run, number=i, label=text, auto_label=text, keywords=[text],
                                     size=1, pain=float(i), places=[[text, 1]], conclusion=text,
                                     sample_keys=[f"eval:{i + 1}"])
        TextAnalysis.objects.create(run=run, key=f"eval:{i + 1}", source="eval", source_id=i + 1, text=text,
                                    created_at=timezone.now(), topic=topic, sentiment="neg", text_hash=str(i))
    client.force_login(users.admin)
    return [_get(client, reverse("insight:topics_xlsx"))]


CASES: dict[str, tuple[Case, bool]] = {
    "members.export": (members_export, True),
    "members.template": (members_template, True),
    "transfers.ledger": (transfers_ledger, True),
    "orglife.ledger": (orglife_ledger, True),
    "dues.bases_template": (dues_bases_template, False),  # headers only: nobody's text
    "dues.ledger": (dues_ledger, True),
    "dues.notice": (dues_notice, True),
    "dues.handovers": (dues_handovers, True),
    "dues.member_year": (dues_member_year, True),
    "stats.tables": (stats_tables, True),  # the organization's name
    "stats.figures": (stats_figures, True),
    "learning.plan_report": (learning_plan_report, True),  # member and branch names
    "exams.bank_template": (exams_bank_template, False),  # headers and examples: nobody's text
    "exams.results": (exams_results, True),  # the members' and branches' names
    "insight.topics": (insight_topics, True),  # analysts' labels and conclusions, citizens' texts
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_text_is_written_as_text(name, client, tree, users, root_user, hostile):
    case, shows_text = CASES[name]
    texts: set[str] = set()
    for content in case(client, tree, users, root_user, hostile):
        texts |= cells_of(content)
    if shows_text:  # the user's text reads back as typed (or as the form kept it: without outer blanks)
        assert [p for p in PAYLOADS if p not in texts and p.strip() not in texts] == []


def _export_modules() -> list[str]:
    """The modules that register an export (found in the source, so a new one cannot hide)."""
    found = []
    for path in ROOT.rglob("*.py"):
        if "tests" in path.parts or path.name == "spreadsheets.py":
            continue
        if re.search(r"spreadsheets\.export\(", path.read_text(encoding="utf-8")):
            found.append(".".join(path.relative_to(ROOT.parent).with_suffix("").parts))
    return found


def test_every_registered_export_has_a_hostile_text_case():
    from dangjian.core.spreadsheets import EXPORTS

    modules = _export_modules()
    for module in modules:
        importlib.import_module(module)
    assert set(EXPORTS) == set(CASES)


def test_only_the_core_writer_makes_workbooks():
    """An export that built its own openpyxl workbook would bypass the guard (and the registry)."""
    pattern = re.compile(r"from openpyxl import[^\n]*\bWorkbook\b|openpyxl\.Workbook\b|WriteOnlyCell")
    offenders = []
    for path in ROOT.rglob("*.py"):
        if "tests" in path.parts or "testing" in path.parts or path.relative_to(ROOT).as_posix() == "core/spreadsheets.py":
            continue
        text = path.read_text(encoding="utf-8")
        if "openpyxl" in text and pattern.search(text):
            offenders.append(path.relative_to(ROOT).as_posix())
    assert offenders == []


@pytest.mark.parametrize("write_only", [False, True])
@pytest.mark.parametrize("text", [*PAYLOADS, "\r=1", "\n=1", "＋1", "－1", "＠A1"])
def test_the_writer_keeps_formula_like_text_as_text(text, write_only):
    from dangjian.core import spreadsheets

    name = "test.writer"

    @spreadsheets.export(name)
    def write() -> bytes:
        book = spreadsheets.Book(write_only=write_only)
        sheet = book.sheet("t")
        sheet.append([text, 42, 1.5, dt.date(2026, 1, 2), "普通文本"])
        return book.to_bytes()

    try:
        content = write()
    finally:
        del spreadsheets.EXPORTS[name]
    assert text in cells_of(content)
    row = next(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert row[1:] == (42, 1.5, dt.datetime(2026, 1, 2), "普通文本")  # numbers and dates stay what they are


def test_a_workbook_outside_a_registered_export_is_refused():
    from dangjian.core import spreadsheets

    with pytest.raises(RuntimeError):
        spreadsheets.Book()


def test_control_characters_a_workbook_cannot_hold_are_dropped():
    """A stray control character in a note used to make the whole export fail."""
    from dangjian.core import spreadsheets

    wb = load_workbook(io.BytesIO(_one_cell(spreadsheets, "甲\x01乙\x1f")))
    assert wb.active["A1"].value == "甲乙"


def _one_cell(spreadsheets: Any, value: Any) -> bytes:
    @spreadsheets.export("test.one_cell")
    def write() -> bytes:
        book = spreadsheets.Book()
        book.sheet("t").append([value])
        return book.to_bytes()

    try:
        return write()
    finally:
        del spreadsheets.EXPORTS["test.one_cell"]
