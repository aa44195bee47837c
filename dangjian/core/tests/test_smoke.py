def test_tree_and_users(users, tree):
    from dangjian.members.selectors import members_for

    assert set(members_for(users.secretary)) == {tree.alice, tree.bob}
    assert set(members_for(users.organizer)) == {tree.alice, tree.bob, tree.carol}
    assert set(members_for(users.member)) == {tree.alice}
    assert set(members_for(users.admin)) == {tree.alice, tree.bob, tree.carol, tree.dave}
    assert list(members_for(users.public)) == []
