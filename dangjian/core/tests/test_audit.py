import threading
from contextlib import nullcontext

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from dangjian.core import audit
from dangjian.core.models import AuditEvent, AuditHead
from dangjian.orgs.actions import do_create_organization
from dangjian.orgs.models import Organization


def _raw(sql, params=()):
    with connection.cursor() as cur:
        cur.execute(sql, params)


def _chain_events(chain):
    return list(AuditEvent.objects.filter(chain=chain).order_by("id"))


def _problems():
    return [(p.chain, p.event_id, p.message) for p in audit.verify_chain()]


@pytest.fixture
def county_chain(tree):
    return audit.chain_of(tree.county.path)


@pytest.fixture
def second_root(tree, root_user):
    """A second top-level organization (another province) with a few events of its own."""
    other = do_create_organization(None, {"name": "中共另一县委员会", "kind": "committee"}, acting_user=root_user)
    for name in ("中共乙镇委员会", "中共丙镇委员会"):
        do_create_organization(other, {"name": name, "kind": "committee"}, acting_user=root_user)
    return other


def test_every_write_in_the_fixture_is_audited_and_chain_verifies(tree):
    assert AuditEvent.objects.filter(action="member.created").count() == 4
    assert AuditEvent.objects.filter(action="org.created").count() == 6
    call_command("verify_audit")


def test_record_outside_transaction_is_refused(transactional_db):
    with pytest.raises(RuntimeError):
        audit.record(None, "org.created")


def test_chain_key_is_one_step_of_the_organization_path():
    assert Organization.steplen == audit.CHAIN_KEY_LENGTH


def test_events_of_an_organization_go_to_its_top_level_chain(tree, county_chain):
    member_events = AuditEvent.objects.filter(action="member.created")
    assert {e.chain for e in member_events} == {county_chain}
    assert county_chain == tree.county.path[: Organization.steplen]
    assert set(AuditEvent.objects.filter(org_path="").values_list("chain", flat=True)) <= {audit.GLOBAL_CHAIN}


def test_each_chain_links_to_its_previous_event(tree, second_root):
    chains = set(AuditEvent.objects.values_list("chain", flat=True))
    assert len(chains - {audit.GLOBAL_CHAIN}) == 2
    for chain in chains:
        events = _chain_events(chain)
        assert events[0].prev_hash == audit.GENESIS
        for prev, cur in zip(events, events[1:], strict=False):
            assert cur.prev_hash == prev.hash
        assert AuditHead.objects.get(chain=chain).last_id == events[-1].pk


def test_opening_a_chain_is_recorded_in_the_global_chain(tree, second_root):
    opened = AuditEvent.objects.filter(action=audit.CHAIN_OPENED)
    assert {e.chain for e in opened} == {audit.GLOBAL_CHAIN}
    assert sorted(e.after["chain"] for e in opened) == sorted([audit.chain_of(tree.county.path),
                                                              audit.chain_of(second_root.path)])


def test_altered_row_is_detected(tree, county_chain):
    victim = AuditEvent.objects.filter(action="member.created").order_by("id")[1]
    # Tamper behind the ORM's back, as someone with database access would.
    _raw("UPDATE core_auditevent SET reason = %s WHERE id = %s", ["edited", victim.pk])
    with pytest.raises(CommandError, match=f"'{county_chain}' broken at entry {victim.pk}"):
        call_command("verify_audit")


def test_altered_json_is_detected(tree):
    victim = AuditEvent.objects.filter(action="member.created").order_by("id").first()
    AuditEvent.objects.filter(pk=victim.pk).update(after={"name": "someone else"})
    with pytest.raises(CommandError, match=f"entry {victim.pk}"):
        call_command("verify_audit")


def test_deleted_row_is_detected(tree, county_chain):
    events = _chain_events(county_chain)
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


def test_tampering_is_reported_in_its_own_chain_only(tree, second_root, county_chain):
    other_chain = audit.chain_of(second_root.path)
    victim = _chain_events(other_chain)[1]
    _raw("UPDATE core_auditevent SET target_label = %s WHERE id = %s", ["forged", victim.pk])
    assert [(c, i) for c, i, _m in _problems()] == [(other_chain, victim.pk)]


def test_reordered_events_are_detected(tree, county_chain):
    first, second = _chain_events(county_chain)[2:4]
    spare = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() + 1000
    _raw("UPDATE core_auditevent SET id = %s WHERE id = %s", [spare, first.pk])
    _raw("UPDATE core_auditevent SET id = %s WHERE id = %s", [first.pk, second.pk])
    _raw("UPDATE core_auditevent SET id = %s WHERE id = %s", [second.pk, spare])
    assert [(c, i) for c, i, _m in _problems()] == [(county_chain, first.pk)]


def test_event_moved_to_another_chain_is_detected(tree, second_root, county_chain):
    other_chain = audit.chain_of(second_root.path)
    victim = _chain_events(county_chain)[-1]
    _raw("UPDATE core_auditevent SET chain = %s WHERE id = %s", [other_chain, victim.pk])
    assert {c for c, _i, _m in _problems()} == {county_chain, other_chain}


def test_a_whole_deleted_chain_is_detected(tree, second_root):
    other_chain = audit.chain_of(second_root.path)
    AuditEvent.objects.filter(chain=other_chain).delete()
    AuditHead.objects.filter(chain=other_chain).delete()
    assert [(c, m) for c, _i, m in _problems()] == [
        (other_chain, "chain was deleted (opened in the global chain, no entries and no head left)")]


def test_a_chain_never_opened_is_detected(tree):
    AuditHead.objects.create(chain="ZZZZ")
    assert [c for c, _i, _m in _problems()] == ["ZZZZ"]


def test_rolled_back_write_leaves_no_event_and_chain_intact(tree, root_user):
    from dangjian.members.actions import do_update_member

    before = AuditEvent.objects.count()
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        do_update_member(tree.alice, {"work_unit": "新单位"}, acting_user=root_user)
        1 / 0  # noqa: B018
    assert AuditEvent.objects.count() == before
    call_command("verify_audit")


def test_record_many_appends_a_verifiable_chain(tree, root_user, county_chain):
    before = AuditEvent.objects.count()
    with transaction.atomic():
        audit.record_many(root_user, [audit.Entry("member.updated", tree.alice, after={"i": i},
                                                  org_path=tree.alice.org_path) for i in range(50)])
        audit.record(root_user, "member.pii_viewed", tree.bob, org_path=tree.bob.org_path)
    assert AuditEvent.objects.count() == before + 51
    call_command("verify_audit")
    last = AuditEvent.objects.order_by("-id").first()
    assert last.action == "member.pii_viewed" and last.chain == county_chain
    assert AuditHead.objects.get(chain=county_chain).last_id == last.pk


def test_record_many_spreads_entries_over_their_chains(tree, second_root, root_user):
    other_chain = audit.chain_of(second_root.path)
    entries = [audit.Entry("org.updated", org, after={"i": i}, org_path=org.path)
               for i, org in enumerate([tree.county, second_root, tree.town_a, second_root])]
    with transaction.atomic():
        events = audit.record_many(root_user, entries)
    assert [e.chain for e in events] == [audit.chain_of(tree.county.path), other_chain,
                                         audit.chain_of(tree.county.path), other_chain]
    assert [e.after["i"] for e in events] == [0, 1, 2, 3]
    assert _problems() == []


def _hash_as_before_chains(prev_hash, row):
    """The hash every row got before chains were split (the canonical form of migration 0005's era)."""
    import datetime as dt
    import hashlib
    import json

    payload = {k: getattr(row, k) for k in ("actor_id", "actor_label", "action", "target_type", "target_id",
                                             "target_label", "org_path", "before", "after", "reason", "ip")}
    payload["created_at"] = row.created_at.astimezone(dt.UTC).isoformat()
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical).hexdigest()


@pytest.mark.django_db(transaction=True)
def test_rows_written_before_chains_stay_a_verifiable_global_chain():
    from django.db.migrations.executor import MigrationExecutor
    from django.utils import timezone

    before_chains = [("core", "0006_sequence_counter")]
    executor = MigrationExecutor(connection)
    executor.migrate(before_chains)
    old = executor.loader.project_state(before_chains).apps
    OldEvent, OldHead = old.get_model("core", "AuditEvent"), old.get_model("core", "AuditHead")
    prev = audit.GENESIS
    for i, path in enumerate(["0001", "00010002", "", "0002"]):
        row = OldEvent(created_at=timezone.now(), actor_label="system", action="org.updated", org_path=path,
                       after={"i": i}, prev_hash=prev)
        row.hash = prev = _hash_as_before_chains(prev, row)
        row.save()
    OldHead.objects.create(pk=1, last_id=row.pk, last_hash=prev)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert set(AuditEvent.objects.values_list("chain", flat=True)) == {audit.GLOBAL_CHAIN}
    assert AuditHead.objects.get().chain == audit.GLOBAL_CHAIN
    assert _problems() == []
    with transaction.atomic():  # new writes: the organization's own chain, the global one continues
        audit.record(None, "org.updated", org_path="0001")
        audit.record(None, "org.updated")
    assert _problems() == []
    assert AuditEvent.objects.filter(chain="0001").count() == 1


# --- concurrent writers ---------------------------------------------------------------------------

def _org_with_root(root_user, name):
    return do_create_organization(None, {"name": name, "kind": "committee"}, acting_user=root_user)


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_in_two_chains_keep_both_verifiable(root_user):
    """Eight threads, two top-level organizations: every event lands, each chain stays linear.

    SQLite runs writing transactions one at a time (and the in-memory test database is one
    connection's), so there the writers take turns; PostgreSQL runs them concurrently.
    """
    orgs = [_org_with_root(root_user, "中共甲省委员会"), _org_with_root(root_user, "中共乙省委员会")]
    per_writer, writers = 10, 8
    turns = threading.Lock() if connection.vendor == "sqlite" else None
    errors: list[BaseException] = []
    barrier = threading.Barrier(writers)

    def write(org):
        from django.db import connection as conn

        try:
            barrier.wait()
            for i in range(per_writer):
                with turns or nullcontext(), transaction.atomic():
                    audit.record(root_user, "org.updated", org, after={"i": i}, org_path=org.path)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            if turns is None:
                conn.close()

    threads = [threading.Thread(target=write, args=(orgs[n % 2],)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for org in orgs:
        assert AuditEvent.objects.filter(chain=audit.chain_of(org.path), action="org.updated").count() == \
            per_writer * writers // 2
    assert _problems() == []


@pytest.mark.django_db(transaction=True)
def test_a_writer_in_one_chain_does_not_wait_for_an_open_transaction_in_another(root_user):
    """Writer A holds its chain's head locked (transaction open) while writer B appends to another
    chain and commits; with one global lock B would wait for A and A for B."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite runs writing transactions one at a time: no two can be open together")
    org_a, org_b = _org_with_root(root_user, "中共甲省委员会"), _org_with_root(root_user, "中共乙省委员会")
    b_done = threading.Event()
    a_saw_b: list[bool] = []
    errors: list[BaseException] = []

    def writer_a():
        from django.db import connection as conn

        try:
            with transaction.atomic():
                audit.record(root_user, "org.updated", org_a, org_path=org_a.path)
                b_thread.start()
                a_saw_b.append(b_done.wait(timeout=30))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            conn.close()

    def writer_b():
        from django.db import connection as conn

        try:
            with transaction.atomic():
                audit.record(root_user, "org.updated", org_b, org_path=org_b.path)
            b_done.set()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            conn.close()

    b_thread = threading.Thread(target=writer_b)
    a_thread = threading.Thread(target=writer_a)
    a_thread.start()
    a_thread.join()
    b_thread.join()
    assert errors == [] and a_saw_b == [True]
    assert _problems() == []

