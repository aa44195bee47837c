from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from dangjian.core.models import Notification
from dangjian.core.roles import Role
from dangjian.members.models import Person
from dangjian.services import Anchor, Audience, SignOffRule, State, StepState
from dangjian.services.actions import (
    do_delegate_signoffs,
    do_request_supplement,
    do_resubmit_application,
    do_return_application,
    do_save_form,
    do_save_matter,
    do_sign_step,
    do_submit_application,
    do_supply_material,
    do_withdraw_application,
    escalate_overdue,
    warn_steps,
)
from dangjian.services.models import Application, Step
from dangjian.services.selectors import applications_for, inbox_for
from dangjian.services.tests.conftest import set_today
from dangjian.testing.fixtures import make_member, make_user

pytestmark = pytest.mark.django_db


def _chain(app: Application) -> list[tuple[str, str]]:
    return [(s.name, s.organization.name) for s in app.steps.select_related("organization").order_by("position")]


def test_chain_for_a_branch_under_a_town(tree: Any, users: Any, sv: Any) -> None:
    app = do_submit_application(sv.hardship, {"details": "因病致困"}, acting_user=users.member)
    assert _chain(app) == [("支部核实", tree.branch_a1.name), ("镇党委审核", tree.town_a.name),
                           ("县委组织部审批", tree.county.name)]
    assert app.state == State.SUBMITTED and app.current_position == 1
    assert app.number.startswith("BJ") and app.org_path == tree.branch_a1.path


def test_chain_for_a_branch_under_a_working_committee_and_a_grid_branch(tree: Any, users: Any, sv: Any, grid: Any,
                                                                         root_user: Any) -> None:
    # "The nearest committee" of a branch under a working committee is the county itself.
    make_member(grid.wc_branch, "钱工委", acting_user=root_user)
    wc_user = make_user("wc-member", Role.MEMBER, grid.wc_branch, acting_user=root_user)
    Person.objects.filter(name="钱工委").update(user=wc_user)
    app = do_submit_application(sv.hardship, {"details": "因灾"}, acting_user=wc_user)
    assert _chain(app) == [("支部核实", grid.wc_branch.name), ("镇党委审核", tree.county.name),
                           ("县委组织部审批", tree.county.name)]
    # A matter whose second step is "the parent": a grid branch's parent is its town.
    parent_matter = do_save_matter(tree.county, {"title": "网格服务", "audience": Audience.MEMBERS,
                                                 "time_limit_days": 5, "active": True},
                                   [{"name": "网格党支部", "anchor": Anchor.OWN, "time_limit_days": 1},
                                    {"name": "上级党委", "anchor": Anchor.PARENT, "time_limit_days": 2}],
                                   fields=[{"key": "what", "label": "诉求", "type": "text", "required": True}],
                                   acting_user=users.admin)
    make_member(grid.grid_branch, "孙网格", acting_user=root_user)
    grid_user = make_user("grid-member", Role.MEMBER, grid.grid_branch, acting_user=root_user)
    Person.objects.filter(name="孙网格").update(user=grid_user)
    app = do_submit_application(parent_matter, {"what": "楼道灯坏了"}, acting_user=grid_user)
    assert _chain(app) == [("网格党支部", grid.grid_branch.name), ("上级党委", tree.town_b.name)]


def test_a_step_with_no_organization_refuses_and_stores_nothing(tree: Any, users: Any) -> None:
    matter = do_save_matter(tree.county, {"title": "工委审核", "audience": Audience.MEMBERS, "time_limit_days": 5,
                                          "active": True},
                            [{"name": "机关工委", "anchor": Anchor.ANCESTOR, "anchor_kind": "working_committee",
                              "time_limit_days": 1}],
                            fields=[{"key": "x", "label": "X", "type": "text"}], acting_user=users.admin)
    with pytest.raises(ValidationError) as exc:
        do_submit_application(matter, {}, acting_user=users.member)  # branch A1 has no working committee above
    assert "机关工委" in str(exc.value.message_dict["matter"])
    assert not Application.objects.exists()


def test_invalid_data_names_every_field_and_stores_nothing(users: Any, sv: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        do_submit_application(sv.proof, {"purpose": "旅游", "copies": "九", "note": "x" * 21, "bogus": 1},
                              acting_user=users.member)
    errors = exc.value.message_dict
    assert set(errors) == {"purpose", "copies", "note", "bogus"}
    assert "用途" in errors["purpose"][0] and "份数" in errors["copies"][0]
    with pytest.raises(ValidationError) as exc:
        do_submit_application(sv.proof, {}, acting_user=users.member)
    assert set(exc.value.message_dict) == {"purpose"}
    assert not Application.objects.exists() and not Step.objects.exists()


def test_known_data_is_the_platforms_current_data(tree: Any, users: Any, sv: Any, root_user: Any) -> None:
    person = tree.alice.person
    person.name = "张爱莉"
    person.save(update_fields=["name"])
    app = do_submit_application(sv.proof, {"purpose": "政审"}, acting_user=users.member)
    assert app.data["name"] == "张爱莉" and app.data["organization"] == tree.branch_a1.name
    assert app.known["status"] and app.applicant_name == "张爱莉"
    # A client sending its own value for a known field is refused: the platform fills it in.
    with pytest.raises(ValidationError) as exc:
        do_submit_application(sv.proof, {"purpose": "政审", "nickname": "别人"}, acting_user=users.member)
    assert "nickname" in exc.value.message_dict
    # A value sent for a known field is replaced by the platform's.
    other = do_submit_application(sv.proof, {"purpose": "政审", "name": "别人"}, acting_user=users.member)
    assert other.data["name"] == "张爱莉"


def test_answers_are_encrypted_at_rest(users: Any, sv: Any) -> None:
    app = do_submit_application(sv.proof, {"purpose": "政审", "note": "家住幸福里"}, acting_user=users.member)
    with connection.cursor() as cursor:
        cursor.execute("SELECT data_text FROM services_application WHERE id = %s", [app.pk])
        raw = cursor.fetchone()[0]
    assert "幸福里" not in raw and "purpose" not in raw
    assert Application.objects.get(pk=app.pk).data["note"] == "家住幸福里"


def test_form_versions_are_kept_per_application(users: Any, sv: Any) -> None:
    first = do_submit_application(sv.proof, {"purpose": "入学"}, acting_user=users.member)
    fields = [*sv.proof.current_form().fields, {"key": "school", "label": "学校", "type": "text", "required": True}]
    v2 = do_save_form(sv.proof, fields, acting_user=users.admin)
    assert v2.number == 2
    assert do_save_form(sv.proof, fields, acting_user=users.admin).pk == v2.pk  # unchanged: no new version
    with pytest.raises(ValidationError) as exc:
        do_submit_application(sv.proof, {"purpose": "入学"}, acting_user=users.member)
    assert "school" in exc.value.message_dict
    second = do_submit_application(sv.proof, {"purpose": "入学", "school": "一中"}, acting_user=users.member)
    first.refresh_from_db()
    assert first.form_version.number == 1 and second.form_version.number == 2


def test_serial_steps_and_the_document(tree: Any, users: Any, sv: Any,
                                       django_capture_on_commit_callbacks: Any) -> None:
    app = do_submit_application(sv.proof, {"purpose": "政审"}, acting_user=users.member)
    assert list(inbox_for(users.secretary)) and not list(inbox_for(users.admin))
    with pytest.raises(PermissionDenied):
        do_sign_step(app, "approve", acting_user=users.admin)  # not the county's step yet
    do_sign_step(app, "approve", acting_user=users.secretary)
    app.refresh_from_db()
    assert app.state == State.IN_PROGRESS and app.current_position == 2
    assert [s.pk for s in inbox_for(users.admin)] == [app.steps.get(position=2).pk]
    with django_capture_on_commit_callbacks(execute=True):
        do_sign_step(app, "approve", acting_user=sv.county_two)
    app.refresh_from_db()
    assert app.state == State.APPROVED and app.decided_on_time is True
    assert app.document.facts["name"] == tree.alice.person.name
    assert Notification.objects.filter(recipient=users.member, kind="services.application").exists()


def test_parallel_sign_off_all_any_and_n_of_m(tree: Any, users: Any, sv: Any, root_user: Any) -> None:
    third = make_user("county-three", Role.SECRETARY, tree.county, acting_user=root_user)
    matter = do_save_matter(tree.county, {"title": "联签", "audience": Audience.MEMBERS, "time_limit_days": 9,
                                          "active": True},
                            [{"name": "二人以上", "anchor": Anchor.FIXED, "fixed_organization": tree.county.pk,
                              "rule": SignOffRule.QUORUM, "quorum": 2, "time_limit_days": 3},
                             {"name": "全体", "anchor": Anchor.FIXED, "fixed_organization": tree.county.pk,
                              "rule": SignOffRule.ALL, "time_limit_days": 3},
                             {"name": "任一", "anchor": Anchor.FIXED, "fixed_organization": tree.county.pk,
                              "rule": SignOffRule.ANY, "time_limit_days": 3}],
                            fields=[{"key": "x", "label": "X", "type": "text"}], acting_user=users.admin)
    app = do_submit_application(matter, {}, acting_user=users.member)
    county = [users.admin, sv.county_two, third]
    assert sorted(app.steps.get(position=1).approvers.values_list("user_id", flat=True)) == sorted(
        u.pk for u in county)
    do_sign_step(app, "approve", acting_user=users.admin)
    with pytest.raises(PermissionDenied):
        do_sign_step(app, "approve", acting_user=users.admin)  # once per round
    app.refresh_from_db()
    assert app.current_position == 1
    do_sign_step(app, "approve", acting_user=third)
    app.refresh_from_db()
    assert app.current_position == 2  # 2 of 3
    do_sign_step(app, "approve", acting_user=users.admin)
    do_sign_step(app, "approve", acting_user=sv.county_two)
    app.refresh_from_db()
    assert app.current_position == 2  # all three needed
    do_sign_step(app, "approve", acting_user=third)
    app.refresh_from_db()
    assert app.current_position == 3
    do_sign_step(app, "approve", acting_user=sv.county_two)
    app.refresh_from_db()
    assert app.state == State.APPROVED


def test_a_rejection_ends_the_application_with_its_reason(users: Any, sv: Any) -> None:
    app = do_submit_application(sv.proof, {"purpose": "政审"}, acting_user=users.member)
    with pytest.raises(ValidationError):
        do_sign_step(app, "reject", "", acting_user=users.secretary)
    do_sign_step(app, "reject", "不是本支部党员", acting_user=users.secretary)
    app.refresh_from_db()
    assert app.state == State.REJECTED and app.reason == "不是本支部党员"
    assert not list(inbox_for(users.admin))


def test_delegation_for_a_date_range(tree: Any, users: Any, sv: Any, root_user: Any) -> None:
    deputy = make_user("deputy", None, None, acting_user=root_user)
    app = do_submit_application(sv.proof, {"purpose": "政审"}, acting_user=users.member)
    with pytest.raises(PermissionDenied):
        do_sign_step(app, "approve", acting_user=deputy)
    from django.utils import timezone

    today = timezone.localdate()
    with pytest.raises(ValidationError):
        do_delegate_signoffs(deputy, today, today - dt.timedelta(days=1), acting_user=users.secretary)
    later = do_delegate_signoffs(deputy, today + dt.timedelta(days=1), today + dt.timedelta(days=5),
                                 acting_user=users.secretary)
    with pytest.raises(PermissionDenied):
        do_sign_step(app, "approve", acting_user=deputy)  # not in force yet
    later.delete()
    do_delegate_signoffs(deputy, today, today + dt.timedelta(days=5), acting_user=users.secretary)
    assert [s.application_id for s in inbox_for(deputy)] == [app.pk]
    assert applications_for(deputy).filter(pk=app.pk).exists()
    do_sign_step(app, "approve", acting_user=deputy)
    app.refresh_from_db()
    signoff = app.steps.get(position=1).signoffs.get()
    assert signoff.principal_id == users.secretary.pk and signoff.signed_by_id == deputy.pk
    assert app.current_position == 2


def test_return_to_an_earlier_step_and_to_the_applicant(users: Any, sv: Any) -> None:
    app = do_submit_application(sv.hardship, {"details": "因病"}, acting_user=users.member)
    do_sign_step(app, "approve", acting_user=users.secretary)
    do_sign_step(app, "approve", acting_user=users.organizer)
    app.refresh_from_db()
    assert app.current_position == 3
    with pytest.raises(ValidationError):
        do_return_application(app, "", to_position=1, acting_user=users.admin)
    do_return_application(app, "请支部重新核实收入", to_position=1, acting_user=users.admin)
    app.refresh_from_db()
    first = app.steps.get(position=1)
    assert app.current_position == 1 and first.state == StepState.ACTIVE and first.round == 2
    assert app.returns == 1 and list(inbox_for(users.secretary))
    do_return_application(app, "请补充医疗费用说明", acting_user=users.secretary)
    app.refresh_from_db()
    assert app.state == State.RETURNED and app.current_position is None
    with pytest.raises(PermissionDenied):
        do_resubmit_application(app, {"details": "x"}, acting_user=users.secretary)
    do_resubmit_application(app, {"details": "因病，医疗费用三万元"}, acting_user=users.member)
    app.refresh_from_db()
    assert app.state == State.SUBMITTED and app.resubmissions == 1 and app.current_position == 1
    assert app.data["details"] == "因病，医疗费用三万元" and app.form_version.number == 1


def test_withdrawal_by_the_applicant_only(users: Any, sv: Any) -> None:
    app = do_submit_application(sv.proof, {"purpose": "政审"}, acting_user=users.member)
    with pytest.raises(PermissionDenied):
        do_withdraw_application(app, acting_user=users.secretary)
    do_withdraw_application(app, acting_user=users.member)
    app.refresh_from_db()
    assert app.state == State.WITHDRAWN and not list(inbox_for(users.secretary))
    with pytest.raises(ValidationError):
        do_withdraw_application(app, acting_user=users.member)


def test_deadlines_across_holidays_and_make_up_days(monkeypatch: Any, users: Any, sv: Any) -> None:
    # 2026-09-30 (Wed); 1–7 October National Day; Saturday 10 October is a make-up working day.
    set_today(monkeypatch, dt.date(2026, 9, 30))
    app = do_submit_application(sv.proof, {"purpose": "政审"}, acting_user=users.member)
    first = app.steps.get(position=1)
    assert first.due_on == dt.date(2026, 10, 9)  # 2 working days: 8 and 9 October
    assert app.due_on == dt.date(2026, 10, 13)  # 5: 8, 9, 10 (Sat, make-up), 12, 13
    set_today(monkeypatch, dt.date(2026, 10, 9))
    do_sign_step(app, "approve", acting_user=users.secretary)
    second = app.steps.get(position=2)
    assert second.opened_on == dt.date(2026, 10, 9) and second.due_on == dt.date(2026, 10, 13)


def test_supplement_pauses_the_clock(monkeypatch: Any, users: Any, sv: Any) -> None:
    set_today(monkeypatch, dt.date(2026, 9, 28))  # Monday
    app = do_submit_application(sv.proof, {"purpose": "政审"}, acting_user=users.member)
    step = app.steps.get(position=1)
    assert step.due_on == dt.date(2026, 9, 30) and app.due_on == dt.date(2026, 10, 10)  # 29, 30, 8, 9, 10
    do_request_supplement(app, "请说明用途", acting_user=users.secretary)
    app.refresh_from_db()
    assert app.state == State.SUPPLEMENT and not list(inbox_for(users.secretary))
    # Paused Monday 28 September → supplied Thursday 8 October: 3 working days stood still
    # (29, 30 September and 8 October; the holiday does not count).
    set_today(monkeypatch, dt.date(2026, 10, 8))
    assert escalate_overdue(dt.date(2026, 10, 8)) == 0  # no clock while paused
    with pytest.raises(ValidationError) as exc:
        do_supply_material(app, {"purpose": "旅游"}, acting_user=users.member)
    assert "purpose" in exc.value.message_dict
    do_supply_material(app, {"note": "政审用"}, acting_user=users.member)
    app.refresh_from_db()
    step.refresh_from_db()
    assert app.paused_days == 3 and app.state == State.IN_PROGRESS and app.supplement_rounds == 1
    assert step.due_on == dt.date(2026, 10, 10)  # 30 Sep + 3 working days: 8, 9, 10 (make-up)
    assert app.due_on == dt.date(2026, 10, 14)  # 10 Oct + 3: 12, 13, 14
    assert app.data["purpose"] == "政审" and app.data["note"] == "政审用"


def test_warnings_at_50_80_100_percent_once_each(monkeypatch: Any, tree: Any, users: Any,
                                                django_capture_on_commit_callbacks: Any) -> None:
    matter = do_save_matter(tree.county, {"title": "十日", "audience": Audience.MEMBERS, "time_limit_days": 10,
                                          "active": True},
                            [{"name": "支部", "anchor": Anchor.OWN, "time_limit_days": 10}],
                            fields=[{"key": "x", "label": "X", "type": "text"}], acting_user=users.admin)
    set_today(monkeypatch, dt.date(2026, 11, 2))  # Monday
    do_submit_application(matter, {}, acting_user=users.member)  # due Monday 16 November
    with django_capture_on_commit_callbacks(execute=True):
        assert warn_steps(dt.date(2026, 11, 5)) == 0  # 3 of 10
        assert warn_steps(dt.date(2026, 11, 9)) == 1  # 5 of 10: 50 %
        assert warn_steps(dt.date(2026, 11, 9)) == 0
        assert warn_steps(dt.date(2026, 11, 12)) == 1  # 8 of 10: 80 %
        assert warn_steps(dt.date(2026, 11, 16)) == 1  # 100 %
        assert warn_steps(dt.date(2026, 11, 17)) == 0
    assert Notification.objects.filter(recipient=users.secretary, kind="services.deadline").count() == 3


def test_warning_pass_sends_one_digest_per_approver_in_a_fixed_number_of_queries(
        monkeypatch: Any, tree: Any, users: Any, django_assert_max_num_queries: Any) -> None:
    matter = do_save_matter(tree.county, {"title": "十日", "audience": Audience.MEMBERS, "time_limit_days": 10,
                                          "active": True},
                            [{"name": "支部", "anchor": Anchor.OWN, "time_limit_days": 10}],
                            fields=[{"key": "x", "label": "X", "type": "text"}], acting_user=users.admin)
    set_today(monkeypatch, dt.date(2026, 11, 2))
    first = do_submit_application(matter, {}, acting_user=users.member)
    with django_assert_max_num_queries(12):  # the same for one step as for a thousand
        assert warn_steps(dt.date(2026, 11, 9)) == 1
    one = Notification.objects.get(recipient=users.secretary, kind="services.deadline")
    assert first.number in one.title and one.url == f"/services/a/{first.public_id}/"
    more = [do_submit_application(matter, {}, acting_user=users.member) for _ in range(7)]
    with django_assert_max_num_queries(12):
        assert warn_steps(dt.date(2026, 11, 12)) == 8  # all eight reach 80 % (the first from 50 %)
    digest = Notification.objects.filter(recipient=users.secretary, kind="services.deadline").exclude(pk=one.pk).get()
    assert "8" in digest.title and digest.url == "/services/inbox/"
    assert first.number in digest.body and more[-1].number not in digest.body  # five listed, "3 more"
    assert warn_steps(dt.date(2026, 11, 12)) == 0  # claimed: a second pass sends nothing
    assert Notification.objects.filter(kind="services.deadline").count() == 2


def test_escalation_fires_once_even_with_a_stale_second_sweep(monkeypatch: Any, tree: Any, users: Any, sv: Any,
                                                              django_capture_on_commit_callbacks: Any) -> None:
    set_today(monkeypatch, dt.date(2026, 11, 2))
    app = do_submit_application(sv.proof, {"purpose": "政审"}, acting_user=users.member)
    step = app.steps.get(position=1)  # branch A1, due 4 November
    assert escalate_overdue(dt.date(2026, 11, 4)) == 0
    # Two sweeps read the same overdue list; the first claims, the second finds the row taken.
    stale = list(Step.objects.filter(pk=step.pk).values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        assert escalate_overdue(dt.date(2026, 11, 5), candidates=stale) == 1
        assert escalate_overdue(dt.date(2026, 11, 5), candidates=stale) == 0
        assert escalate_overdue(dt.date(2026, 11, 6)) == 0
    step.refresh_from_db()
    assert step.escalated_to_id == tree.town_a.pk
    assert Notification.objects.filter(recipient=users.organizer, kind="services.deadline").count() == 1
    # The town's approver may now decide the step alone.
    assert [s.pk for s in inbox_for(users.organizer)] == [step.pk]
    do_sign_step(app, "approve", acting_user=users.organizer)
    app.refresh_from_db()
    assert app.current_position == 2


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweeps_escalate_once(monkeypatch: Any, tree: Any, users: Any, sv: Any) -> None:
    if connection.vendor == "sqlite":
        pytest.skip("SQLite runs writing transactions one at a time; the race needs PostgreSQL")
    set_today(monkeypatch, dt.date(2026, 11, 2))
    apps = [do_submit_application(sv.proof, {"purpose": "政审"}, acting_user=users.member) for _ in range(5)]
    barrier = threading.Barrier(2)
    results: list[int] = []
    errors: list[BaseException] = []

    def sweep() -> None:
        from django.db import connection as conn

        try:
            barrier.wait()
            results.append(escalate_overdue(dt.date(2026, 11, 9)))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and sum(results) == len(apps)
    assert Step.objects.filter(escalated_at__isnull=False).count() == len(apps)


def test_scope_a_town_sees_its_own_applications_only(tree: Any, users: Any, sv: Any, root_user: Any) -> None:
    mine = do_submit_application(sv.proof, {"purpose": "政审"}, acting_user=users.member)
    town_b = make_user("town-b-organizer", Role.ORGANIZER, tree.town_b, acting_user=root_user)
    dave = make_user("dave", Role.MEMBER, tree.branch_b1, acting_user=root_user)
    Person.objects.filter(pk=tree.dave.person_id).update(user=dave)
    theirs = do_submit_application(sv.proof, {"purpose": "就业"}, acting_user=dave)
    assert set(applications_for(users.organizer)) == {mine}
    assert set(applications_for(town_b)) == {theirs}
    assert set(applications_for(users.admin)) == {mine, theirs}
    assert set(applications_for(dave)) == {theirs}
    assert not applications_for(users.public).exists()


def test_public_matters_and_members_only_matters(tree: Any, users: Any, sv: Any) -> None:
    with pytest.raises(PermissionDenied):
        do_submit_application(sv.proof, {"purpose": "政审"}, acting_user=users.public)
    room = do_save_matter(tree.county, {"title": "会议室预约", "audience": Audience.PUBLIC, "time_limit_days": 2,
                                        "active": True},
                          [{"name": "确认", "anchor": Anchor.OWN, "time_limit_days": 1}],
                          fields=[{"key": "name", "label": "姓名", "type": "text", "known": "name"},
                                  {"key": "topic", "label": "内容", "type": "text", "required": True}],
                          acting_user=users.admin)
    app = do_submit_application(room, {"topic": "座谈"}, acting_user=users.public)
    assert app.organization_id == tree.county.pk and app.data["name"] == users.public.name


def test_schema_and_chain_validation(tree: Any, users: Any) -> None:
    base = {"title": "X", "audience": Audience.MEMBERS, "time_limit_days": 3, "active": True}
    step = [{"name": "S", "anchor": Anchor.OWN, "time_limit_days": 1}]
    for bad in ([], [{"key": "Bad Key", "label": "L", "type": "text"}],
                [{"key": "a", "label": "L", "type": "text"}, {"key": "a", "label": "M", "type": "text"}],
                [{"key": "a", "label": "L", "type": "choice"}], [{"key": "a", "label": "L", "type": "audio"}]):
        with pytest.raises(ValidationError) as exc:
            do_save_matter(tree.county, base, step, fields=bad, acting_user=users.admin)
        assert "fields" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        do_save_matter(tree.county, base, [{"name": "S", "anchor": Anchor.ANCESTOR, "time_limit_days": 1}],
                       fields=[{"key": "a", "label": "L", "type": "text"}], acting_user=users.admin)
    assert "steps" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        do_save_matter(tree.county, base, step, acting_user=users.organizer)  # town A's organizer: not the county
