"""``manage.py rotate_keys``: personal data re-encrypted with the newest key and re-digested with
a new HMAC key, in batches, resumable after an interruption, readable with the new key alone."""

from __future__ import annotations

import secrets

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db.models import ExpressionWrapper, F, TextField

from dangjian.core import crypto
from dangjian.core.models import AuditEvent
from dangjian.members.models import Member, Person
from dangjian.members.selectors import search
from dangjian.testing.fixtures import make_member

pytestmark = pytest.mark.django_db

NEW_KEY, NEW_HMAC = Fernet.generate_key().decode(), secrets.token_urlsafe(48)


def raw_id_numbers() -> list[str]:
    expr = ExpressionWrapper(F("id_number"), output_field=TextField())
    return list(Person.objects.annotate(raw=expr).order_by("pk").values_list("raw", flat=True))


@pytest.fixture
def people(settings, tree, users):
    """Members written under the installation's keys; then a new key is put first in the ring
    (the old ones stay) and the HMAC key is replaced."""
    members = [make_member(tree.branch_a1, f"党员{i}", acting_user=users.admin) for i in range(5)]
    originals = {p.pk: (p.id_number, p.phone) for p in Person.objects.all()}
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, *settings.FIELD_ENCRYPTION_KEYS]
    settings.FIELD_HMAC_KEY = NEW_HMAC
    return {pk: originals[pk] for pk in sorted(originals)} if members else {}


def test_an_interrupted_rotation_resumes_and_leaves_only_the_new_key_needed(settings, people, users):
    call_command("rotate_keys", batch_size=1, max_batches=2)
    done = [crypto.is_current(token) for token in raw_id_numbers()]
    assert done[:2] == [True, True] and not any(done[2:])  # stopped after two rows
    assert AuditEvent.objects.filter(action="crypto.keys_rotated").count() == 1

    call_command("rotate_keys", batch_size=1)  # continues; the finished rows are passed over
    assert all(crypto.is_current(token) for token in raw_id_numbers())

    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]  # the old key retired
    for pk, (id_number, phone) in people.items():
        person = Person.objects.get(pk=pk)
        assert (person.id_number, person.phone) == (id_number, phone)
    member = Member.objects.order_by("-pk").first()
    id_number, phone = people[member.person_id]
    assert search(Member.objects.all(), id_number, user=users.admin).get() == member
    assert search(Member.objects.all(), phone, user=users.admin).get() == member


def test_a_second_run_changes_nothing(people):
    call_command("rotate_keys")
    before = raw_id_numbers()
    call_command("rotate_keys")
    assert raw_id_numbers() == before
    last = AuditEvent.objects.filter(action="crypto.keys_rotated").order_by("-pk").first()
    assert last.after["finished"] and sum(last.after["rows"].values()) == 0
