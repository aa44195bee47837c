"""A masked ID-card number is never shown with what would rebuild it (issue 13 §4): an organizer
without ``members.view_pii`` sees the birth year at most, and the mask hides the region and
sequence digits."""

from __future__ import annotations

import io

from django.urls import reverse
from openpyxl import load_workbook

from dangjian.core import crypto
from dangjian.members.selectors import members_for, search
from dangjian.testing.pii import assert_cannot_rebuild


def test_organizer_export_has_birth_year_not_date(client, users, tree):
    client.force_login(users.organizer)
    response = client.get(reverse("members_excel:export"))
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    person = tree.alice.person
    row = next(r for r in rows[1:] if r[0] == person.name)
    assert_cannot_rebuild(person.id_number, person.id_number_masked, row)
    assert str(person.birth_date.year) in row


def test_organizer_detail_page_does_not_rebuild(client, users, tree):
    client.force_login(users.organizer)
    html = client.get(reverse("members:detail", args=[tree.alice.pk])).content.decode()
    person = tree.alice.person
    assert person.id_number_masked in html
    assert_cannot_rebuild(person.id_number, person.id_number_masked, [html])


def test_organizer_list_page_does_not_rebuild(client, users, tree):
    client.force_login(users.organizer)
    html = client.get(reverse("members:list")).content.decode()
    person = tree.alice.person
    assert person.id_number_masked in html
    assert_cannot_rebuild(person.id_number, person.id_number_masked, [html])


def test_organizer_api_member_does_not_rebuild(client, users, tree):
    client.force_login(users.organizer)
    body = client.get(f"/api/v1/members/{tree.alice.pk}").json()
    person = tree.alice.person
    assert body["id_number"] == person.id_number_masked
    assert_cannot_rebuild(person.id_number, body["id_number"], [body])


def test_mask_keeps_two_characters_at_each_end():
    assert crypto.mask_id_number("320321198001010011") == "32**************11"


def test_last_four_digits_search_needs_view_pii(users, tree):
    """The last four digits are not all visible to an organizer: a match would disclose them."""
    tail = tree.alice.person.id_number[-4:]
    secretary, organizer = users.secretary, users.organizer
    assert tree.alice in search(members_for(secretary), tail, user=secretary)
    assert tree.alice not in search(members_for(organizer), tail, user=organizer)
    assert tree.alice in search(members_for(organizer), tail[-2:], user=organizer)


def test_secretary_detail_shows_birth_date_only_with_the_full_numbers(client, users, tree):
    """Someone who may reveal the number still gets the birth date only through the logged reveal."""
    client.force_login(users.secretary)
    person = tree.alice.person
    html = client.get(reverse("members:detail", args=[tree.alice.pk])).content.decode()
    assert_cannot_rebuild(person.id_number, person.id_number_masked, [html])
    revealed = client.post(reverse("members:reveal", args=[tree.alice.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert person.birth_date.isoformat() in revealed and person.id_number in revealed
