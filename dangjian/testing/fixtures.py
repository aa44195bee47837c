"""pytest fixtures: a small organization tree and one user per role, made through the actions.

Tree (paths are treebeard's):
    county (committee)
    ├── town_a (committee)
    │   ├── branch_a1 (branch)      members: alice (full), bob (probationary)
    │   └── branch_a2 (branch)      members: carol
    └── town_b (committee)
        └── branch_b1 (branch)      members: dave
"""

from __future__ import annotations

import datetime as dt
import itertools
from types import SimpleNamespace
from typing import Any

import pytest

from dangjian.core.actions import do_create_user, do_grant_role
from dangjian.core.actors import ActingUser
from dangjian.core.idgen import make_id_number
from dangjian.core.models import User
from dangjian.core.roles import Role
from dangjian.members.actions import do_create_member, do_link_account
from dangjian.orgs.actions import do_create_organization

PASSWORD = "correct-horse-battery-9"  # noqa: S105 - test accounts only
_seq = itertools.count(1)


def make_member(org: Any, name: str, *, acting_user: ActingUser, status: str = "full", **extra: Any) -> Any:
    n = next(_seq)
    # Birth dates cycle through 1960–1990, so every member is an adult at the 2010 join date
    # however many members a test session makes; the order code keeps ID numbers distinct.
    birth = dt.date(1960, 1, 1) + dt.timedelta(days=(n % 300) * 37)
    data = {
        "name": name,
        "id_number": make_id_number("320321", birth, n),
        "birth_date": birth,
        "sex": "male",
        "phone": f"138{n % 10**8:08d}",
        "organization": org.pk,
        "status": status,
        "category": "in_service",
        "join_date": dt.date(2010, 7, 1),
        "full_date": dt.date(2011, 7, 1) if status == "full" else None,
        "add_type": "developed",
        **extra,
    }
    return do_create_member(data, acting_user=acting_user)


def pytest_configure(config: Any) -> None:
    config.addinivalue_line("markers", "history_unchecked: skip the membership-history check after the test "
                                       "(for tests that break the history on purpose)")


_DB_FIXTURES = ("db", "transactional_db", "live_server")


@pytest.fixture(autouse=True)
def _member_history_is_whole(request: Any) -> Any:
    """After every test that uses the database: each member's history agrees with their row
    (``testing/history.py``). The database fixture is set up first, so it is still there when
    this runs."""
    uses_db = request.node.get_closest_marker("django_db") is not None or any(
        name in request.fixturenames for name in _DB_FIXTURES)
    if not uses_db or request.node.get_closest_marker("history_unchecked"):
        yield
        return
    request.getfixturevalue("_django_db_helper")
    yield
    from django.db import connection

    from dangjian.testing.history import assert_history_whole

    if connection.connection is None or connection.needs_rollback:
        return
    assert_history_whole()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Argon2 is deliberately slow; tests that are not about hashing use a fast hasher.
    ``test_security.py`` checks that the real settings hash with Argon2."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_workday_calendar() -> Any:
    """The working-day calendar is cached per process; a test's rolled-back years must not leak."""
    from dangjian.core import workdays

    workdays.invalidate()
    yield
    workdays.invalidate()


@pytest.fixture(autouse=True)
def _fresh_process_cache() -> None:
    """Each test starts with an empty per-process cache: what an earlier test in the same worker
    cached (Wagtail renditions by image id, portal pages and blocks, rate-limit counters) must not
    outlive the rows and files that test flushed. A shared Redis cache (the PostgreSQL run) is left
    alone: clearing it would clear the other worker's cache too."""
    from django.conf import settings
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    for alias in settings.CACHES:
        if isinstance(cache := caches[alias], LocMemCache):
            cache.clear()


@pytest.fixture
def root_user(db: Any) -> User:
    return User.objects.create_superuser("root", "root@example.com", PASSWORD)


@pytest.fixture
def tree(root_user: User) -> SimpleNamespace:
    def org(parent: Any, name: str, kind: str) -> Any:
        return do_create_organization(parent, {"name": name, "kind": kind}, acting_user=root_user)

    county = org(None, "中共演示县委员会", "committee")
    town_a = org(county, "中共甲镇委员会", "committee")
    town_b = org(county, "中共乙镇委员会", "committee")
    branch_a1 = org(town_a, "甲镇一村党支部", "branch")
    branch_a2 = org(town_a, "甲镇二村党支部", "branch")
    branch_b1 = org(town_b, "乙镇社区党支部", "branch")
    t = SimpleNamespace(
        county=county, town_a=town_a, town_b=town_b,
        branch_a1=branch_a1, branch_a2=branch_a2, branch_b1=branch_b1,
    )
    t.alice = make_member(branch_a1, "张爱丽", acting_user=root_user)
    t.bob = make_member(branch_a1, "李博", acting_user=root_user, status="probationary")
    t.carol = make_member(branch_a2, "王卡洛", acting_user=root_user)
    t.dave = make_member(branch_b1, "赵大伟", acting_user=root_user)
    return t


def make_user(username: str, role: str | None, org: Any, *, acting_user: ActingUser) -> User:
    user = do_create_user(username=username, password=PASSWORD, name=username, acting_user=acting_user)
    if role:
        do_grant_role(user, role, org, acting_user=acting_user)
    return user


@pytest.fixture
def users(tree: SimpleNamespace, root_user: User) -> SimpleNamespace:
    """One user per role. Scoped roles sit on town_a (or branch_a1 for the secretary)."""
    u = SimpleNamespace()
    u.admin = make_user("county-admin", Role.COUNTY_ADMIN, tree.county, acting_user=root_user)
    u.secretary = make_user("secretary-a1", Role.SECRETARY, tree.branch_a1, acting_user=root_user)
    u.organizer = make_user("organizer-a", Role.ORGANIZER, tree.town_a, acting_user=root_user)
    u.publicity = make_user("publicity-a", Role.PUBLICITY, tree.town_a, acting_user=root_user)
    u.discipline = make_user("discipline-a", Role.DISCIPLINE, tree.town_a, acting_user=root_user)
    u.handler = make_user("handler-a", Role.DEPT_HANDLER, tree.town_a, acting_user=root_user)
    u.member = make_user("member-alice", Role.MEMBER, tree.branch_a1, acting_user=root_user)
    do_link_account(tree.alice, u.member, acting_user=root_user)
    u.public = make_user("citizen", Role.PUBLIC, None, acting_user=root_user)
    u.nobody = make_user("no-role", None, None, acting_user=root_user)
    return u


def activate_totp(user: User) -> Any:
    """Turn on TOTP for ``user`` through allauth; return a function giving the current code."""
    from allauth.mfa.totp.internal.auth import (
        TOTP,
        format_hotp_value,
        generate_totp_secret,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return lambda: format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))
