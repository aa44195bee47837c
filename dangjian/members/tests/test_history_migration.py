"""The migrations that start the membership history (members 0004) and date dissolved
organizations (orgs 0003) on data written before them.

Every test database is built by running all migrations, so both migrations run on each test run;
what this test adds is their data step on rows they must backfill. It calls the migrations' own
functions on such rows (written with the plain models, so no history exists yet) rather than
unapplying and reapplying every app's migrations around them, which took a minute and a half."""

from __future__ import annotations

import datetime as dt
import importlib

from django.apps import apps as django_apps
from django.utils import timezone

from dangjian.members.models import Member, MemberSpell, Person
from dangjian.orgs.models import Organization

member_history = importlib.import_module("dangjian.members.migrations.0004_member_history")
dissolved_on = importlib.import_module("dangjian.orgs.migrations.0003_dissolved_on")


def test_backfill_from_join_date_created_day_and_status_change(db):
    root = Organization.objects.create(path="0001", depth=1, numchild=1, name="县委", kind="committee")
    branch = Organization.objects.create(path="00010001", depth=2, numchild=0, name="支部", kind="branch")
    gone = Organization.objects.create(path="0002", depth=1, numchild=0, name="旧党委", kind="committee",
                                       is_active=False)

    def member(name: str, **fields) -> int:
        person = Person.objects.create(name=name, sex="female", education="bachelor", birth_date=dt.date(1980, 1, 1))
        return Member.objects.create(person=person, organization=branch, org_path=branch.path, **fields).pk

    full = member("甲", status="full", join_date=dt.date(2000, 7, 1), full_date=dt.date(2001, 7, 1))
    unknown = member("乙", status="full")
    died = member("丙", status="deceased", join_date=dt.date(1990, 7, 1), full_date=dt.date(1991, 7, 1),
                  status_changed_on=dt.date(2025, 3, 1))
    assert not MemberSpell.objects.exists(), "rows written before the migration have no history yet"

    # Neither data step touches the schema, so neither needs a schema editor.
    dissolved_on.date_inactive(django_apps, None)
    member_history.backfill(django_apps, None)

    def spells(pk: int) -> list[tuple]:
        return list(MemberSpell.objects.filter(member_id=pk).order_by("valid_from").values_list(
            "status", "valid_from", "valid_to", "prev_status", "sex", "education", "join_date"))

    assert spells(full) == [
        ("probationary", dt.date(2000, 7, 1), dt.date(2001, 7, 1), "", "female", "bachelor", dt.date(2000, 7, 1)),
        ("full", dt.date(2001, 7, 1), None, "probationary", "female", "bachelor", dt.date(2000, 7, 1)),
    ]
    today = timezone.localdate()
    assert spells(unknown) == [("full", today, None, "", "female", "bachelor", None)]
    assert [s[:3] for s in spells(died)] == [
        ("probationary", dt.date(1990, 7, 1), dt.date(1991, 7, 1)), ("full", dt.date(1991, 7, 1), dt.date(2025, 3, 1)),
        ("deceased", dt.date(2025, 3, 1), None)]
    assert Organization.objects.get(pk=gone.pk).dissolved_on == today
    assert Organization.objects.get(pk=root.pk).dissolved_on is None
