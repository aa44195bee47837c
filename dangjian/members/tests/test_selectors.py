import datetime as dt

from dangjian.core.idgen import make_id_number
from dangjian.members.selectors import members_for, search, subtree_member_count, subtree_member_counts
from dangjian.testing.fixtures import make_member


def _id_ending_in_x() -> str:
    for seq in range(1000):
        value = make_id_number("320321", dt.date(1970, 2, 2), seq)
        if value.endswith("X"):
            return value
    raise AssertionError("no X check digit found")


def test_search_by_last_digits_with_x_check_digit(tree, root_user):
    id_number = _id_ending_in_x()
    m = make_member(tree.branch_a1, "钱七", acting_user=root_user, id_number=id_number)
    qs = members_for(root_user)
    assert list(search(qs, id_number[-4:].lower(), user=root_user)) == [m]
    assert list(search(qs, id_number.lower(), user=root_user)) == [m]


def test_search_by_name_pinyin_and_phone(tree, root_user):
    qs = members_for(root_user)
    assert list(search(qs, "王卡", user=root_user)) == [tree.carol]
    assert list(search(qs, "wangka", user=root_user)) == [tree.carol]
    assert list(search(qs, tree.dave.person.phone, user=root_user)) == [tree.dave]
    assert list(search(qs, "+86 " + tree.dave.person.phone, user=root_user)) == [tree.dave]


def test_full_number_search_only_within_pii_scope(users, tree):
    """The organizer sees masked numbers only: a full-number search must not confirm a guess."""
    organizer = users.organizer
    qs = members_for(organizer)
    assert list(search(qs, tree.alice.person.id_number, user=organizer)) == []
    assert list(search(qs, tree.alice.person.phone, user=organizer)) == []
    secretary = users.secretary
    assert list(search(members_for(secretary), tree.alice.person.id_number, user=secretary)) == [tree.alice]
    # A member finds their own record by their own number.
    assert list(search(members_for(users.member), tree.alice.person.id_number, user=users.member)) == [tree.alice]


def test_subtree_counts_match_brute_force(tree):
    paths = [tree.county.path, tree.town_a.path, tree.town_b.path, tree.branch_a1.path]
    counts = subtree_member_counts(paths)
    assert counts == {p: subtree_member_count(p) for p in paths}
    assert counts[tree.county.path] == 4 and counts[tree.town_a.path] == 3 and counts[tree.branch_a1.path] == 2


def test_lists_do_not_decrypt_personal_data(client, users, tree, monkeypatch):
    from dangjian.core import crypto

    calls = []
    real = crypto.decrypt
    monkeypatch.setattr(crypto, "decrypt", lambda token: calls.append(token) or real(token))
    client.force_login(users.admin)
    assert client.get("/members/").status_code == 200
    assert client.get("/api/v1/members").status_code == 200
    assert calls == []
    # The detail's reveal does decrypt (and is logged elsewhere).
    client.post(f"/members/{tree.alice.pk}/reveal/")
    assert calls
