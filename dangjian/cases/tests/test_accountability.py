"""问责: an overdue or reopened case becomes an accountability record, kept with the case."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dangjian.cases import Rating
from dangjian.cases.actions import (
    do_accept_case,
    do_create_accountability,
    do_reopen_case,
    do_reply_case,
    rate_case_from_source,
)
from dangjian.cases.models import AccountabilityRecord, Case
from dangjian.cases.selectors import accountability_for

DATA = {"person": "王某某", "rule": "《交办件办理规定》第五条：按期答复", "decision": "reminder_talk", "notes": "超期三个工作日"}


@pytest.mark.django_db
def test_case_in_time_cannot_be_turned_into_a_record(make_case: Any, users: Any) -> None:
    case = make_case()
    with pytest.raises(ValidationError) as exc:
        do_create_accountability(case, DATA, acting_user=users.admin)
    assert "case" in exc.value.message_dict
    assert not AccountabilityRecord.objects.exists()


@pytest.mark.django_db
def test_overdue_case_record(make_case: Any, users: Any, depts: Any, tree: Any, root_user: Any) -> None:
    case = make_case()
    Case.objects.filter(pk=case.pk).update(deadline=dt.date(2020, 1, 2))
    case.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        do_create_accountability(case, {**DATA, "decision": "fine", "rule": ""}, acting_user=users.admin)
    assert set(exc.value.message_dict) == {"decision", "rule"}
    # discipline officer on town_a has no scope over county departments
    with pytest.raises(PermissionDenied):
        do_create_accountability(case, DATA, acting_user=users.discipline)
    record = do_create_accountability(case, DATA, acting_user=users.admin)
    assert record.case == case and record.department == depts.housing
    assert list(accountability_for(users.admin)) == [record]
    assert list(accountability_for(users.discipline)) == []
    assert case.events.filter(kind="accountability", public=False).exists()


@pytest.mark.django_db
def test_reopened_case_record(make_case: Any, users: Any, depts: Any) -> None:
    case = make_case()
    do_accept_case(case, acting_user=depts.h1)
    do_reply_case(case, reply="已经处理，路灯恢复。", acting_user=depts.h1)
    rate_case_from_source(case, Rating.NOT_SATISFIED, acting_user=None)
    do_reopen_case(case, reason="灯仍不亮，重新办理", acting_user=users.admin)
    record = do_create_accountability(case, {**DATA, "decision": "criticism"}, acting_user=users.admin)
    assert record.get_decision_display()
