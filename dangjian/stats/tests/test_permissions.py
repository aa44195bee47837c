from dangjian.core.roles import ROLE_PERMISSIONS, Role


def test_aggregates_for_staff_roles_submission_for_committees_and_branches():
    for role in (Role.COUNTY_ADMIN, Role.SECRETARY, Role.ORGANIZER, Role.PUBLICITY, Role.DISCIPLINE):
        assert "stats.view" in ROLE_PERMISSIONS[role]
    assert "stats.submit" in ROLE_PERMISSIONS[Role.SECRETARY]
    assert "stats.submit" not in ROLE_PERMISSIONS[Role.PUBLICITY]
    assert "stats.view" not in ROLE_PERMISSIONS[Role.MEMBER]
