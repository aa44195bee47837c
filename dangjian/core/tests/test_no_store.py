"""Pages, exports and API answers with personal data carry ``Cache-Control: no-store``; public
pages keep their caching (issue 13 §4)."""

from __future__ import annotations

from django.urls import reverse


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_member_pages_and_export_are_no_store(client, users, tree):
    client.force_login(users.organizer)
    assert no_store(client.get(reverse("members:list")))
    assert no_store(client.get(reverse("members:detail", args=[tree.alice.pk])))
    assert no_store(client.get(reverse("members_excel:export")))


def test_reveal_is_no_store(client, users, tree):
    client.force_login(users.secretary)
    response = client.post(reverse("members:reveal", args=[tree.alice.pk]))
    assert response.status_code == 200 and tree.alice.person.id_number in response.content.decode()
    assert no_store(response)


def test_api_member_answers_are_no_store(client, users, tree):
    client.force_login(users.organizer)
    assert no_store(client.get("/api/v1/members"))
    assert no_store(client.get(f"/api/v1/members/{tree.alice.pk}"))


def test_own_record_and_accounts_are_no_store(client, users):
    client.force_login(users.member)
    assert no_store(client.get(reverse("core:member_home")))
    client.force_login(users.admin)
    assert no_store(client.get(reverse("core:account_list")))


def test_public_pages_keep_their_caching(client):
    response = client.get(reverse("core:manifest"))
    assert not no_store(response) and "max-age=3600" in response["Cache-Control"]
