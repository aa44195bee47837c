"""The migrations that start the membership history (members 0004) and date dissolved
organizations (orgs 0003) on data written before them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("members", "0003_id_number_tail"), ("orgs", "0002_org_name_search_index")]
AFTER = [("members", "0004_member_history"), ("orgs", "0003_dissolved_on")]


@pytest.mark.django_db(transaction=True)
def test_backfill_from_join_date_created_day_and_status_change():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        apps = executor.loader.project_state(BEFORE).apps
        Organization = apps.get_model("orgs", "Organization")
        Person = apps.get_model("members", "Person")
        Member = apps.get_model("members", "Member")
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
        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        apps = executor.loader.project_state(AFTER).apps
        MemberSpell = apps.get_model("members", "MemberSpell")

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
        Organization = apps.get_model("orgs", "Organization")
        assert Organization.objects.get(pk=gone.pk).dissolved_on == today
        assert Organization.objects.get(pk=root.pk).dissolved_on is None
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
