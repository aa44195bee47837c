import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from dangjian.core import audit
from dangjian.core.models import AuditEvent, AuditHead


def test_every_write_in_the_fixture_is_audited_and_chain_verifies(tree):
    assert AuditEvent.objects.filter(action="member.created").count() == 4
    assert AuditEvent.objects.filter(action="org.created").count() == 6
    call_command("verify_audit")


def test_record_outside_transaction_is_refused(transactional_db):
    with pytest.raises(RuntimeError):
        audit.record(None, "x")


def test_events_chain_to_previous(tree):
    events = list(AuditEvent.objects.order_by("id"))
    assert events[0].prev_hash == audit.GENESIS
    for prev, cur in zip(events, events[1:], strict=False):
        assert cur.prev_hash == prev.hash


def _raw(sql, params=()):
    with connection.cursor() as cur:
        cur.execute(sql, params)


def test_altered_row_is_detected(tree):
    victim = AuditEvent.objects.filter(action="member.created").order_by("id")[1]
    # Tamper behind the ORM's back, as someone with database access would.
    _raw("UPDATE core_auditevent SET reason = %s WHERE id = %s", ["edited", victim.pk])
    with pytest.raises(CommandError, match=f"entry {victim.pk}"):
        call_command("verify_audit")


def test_altered_json_is_detected(tree):
    victim = AuditEvent.objects.filter(action="member.created").order_by("id").first()
    AuditEvent.objects.filter(pk=victim.pk).update(after={"name": "someone else"})
    with pytest.raises(CommandError, match=f"entry {victim.pk}"):
        call_command("verify_audit")


def test_deleted_row_is_detected(tree):
    events = list(AuditEvent.objects.order_by("id"))
    _raw("DELETE FROM core_auditevent WHERE id = %s", [events[3].pk])
    with pytest.raises(CommandError, match=f"entry {events[4].pk}"):
        call_command("verify_audit")


def test_deleted_tail_is_detected(tree):
    last = AuditEvent.objects.order_by("-id").first()
    _raw("DELETE FROM core_auditevent WHERE id = %s", [last.pk])
    with pytest.raises(CommandError, match="newest entries were deleted"):
        call_command("verify_audit")


def test_rewritten_chain_without_head_is_detected(tree):
    AuditHead.objects.all().delete()
    with pytest.raises(CommandError, match="head"):
        call_command("verify_audit")


def test_rolled_back_write_leaves_no_event_and_chain_intact(tree, root_user):
    from dangjian.members.actions import do_update_member

    before = AuditEvent.objects.count()
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        do_update_member(tree.alice, {"work_unit": "新单位"}, acting_user=root_user)
        1 / 0  # noqa: B018
    assert AuditEvent.objects.count() == before
    call_command("verify_audit")


def test_record_many_appends_a_verifiable_chain(tree, root_user):
    before = AuditEvent.objects.count()
    with transaction.atomic():
        audit.record_many(root_user, [audit.Entry("bulk.test", tree.alice, after={"i": i}) for i in range(50)])
        audit.record(root_user, "single.after_bulk", tree.bob)
    assert AuditEvent.objects.count() == before + 51
    call_command("verify_audit")
    last = AuditEvent.objects.order_by("-id").first()
    assert last.action == "single.after_bulk"
    assert AuditHead.objects.get().last_id == last.pk
