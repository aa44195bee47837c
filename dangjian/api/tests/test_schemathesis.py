"""Schemathesis against /api/v1, in process (WSGI), inside the normal suite.

Every operation of the OpenAPI description (logout excepted: it would revoke the token the run
uses) gets a few generated requests, derandomized so each run sends the same ones, sent by the
demo county's administrator (scope: the whole county). Each answer must not be a 5xx, must have a
status the operation documents, and must match the schema documented for that status. In the
valid-data pass, path ids are pinned to objects of the demo load, so detail endpoints answer 200
with real data and that data is checked against its schema, not only their 404s; query strings and
bodies are generated. The invalid-data pass generates everything.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.db.models import Count
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from dangjian.core.actions import do_issue_api_token
from dangjian.core.models import User

pytestmark = pytest.mark.django_db

#: Generated requests per operation and mode (valid, invalid): ~60 operations × 2 × this.
MAX_EXAMPLES = 4
#: Members of the demo load: enough for every module's demo data, small enough to load fast.
MEMBERS = 80
#: Demo seeders left out for time (the portal's Wagtail pages and images ~15 s, and the app feed
#: built on them; the floating certificate ~6 s, on a loaded 2-core machine): those endpoints answer
#: with empty lists, and their detail endpoints are fuzzed with generated ids (404s).
SLOW_SEEDERS = {"dangjian.portal.demo", "dangjian.portal.channels.demo", "dangjian.members.lifecycle.hooks"}
#: Logout would revoke the token the run uses.
EXCLUDED = {"/api/v1/auth/logout"}
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


def _pinned_ids() -> dict[str, Any]:
    """One existing object per path parameter name, from the demo load."""
    from dangjian.cases.models import Case
    from dangjian.dues.models import Payment
    from dangjian.members.development.models import ApplicantFile
    from dangjian.members.lifecycle.models import FloatingCertificate, StatusChangeRequest
    from dangjian.members.models import Member
    from dangjian.members.transfers.models import Transfer
    from dangjian.opinions.forum.models import Board, Reply, Thread
    from dangjian.orglife.models import Activity
    from dangjian.orgs.models import Organization
    from dangjian.portal.models import ArticlePage

    def first(model: Any, field: str = "pk") -> Any:
        return model.objects.order_by("pk").values_list(field, flat=True).first()

    def fullest(model: Any, related: str) -> Any:
        """The object with the most ``related`` rows: its answer has the most nested data to check."""
        return model.objects.annotate(n=Count(related)).order_by("-n", "pk").values_list("pk", flat=True).first()

    found = {
        "org_id": first(Organization), "member_id": first(Member),
        "file_id": fullest(ApplicantFile, "records__people"), "case_id": fullest(Case, "events"),
        "thread_id": fullest(Thread, "replies"), "transfer_id": first(Transfer),
        "cert_id": first(FloatingCertificate), "request_id": first(StatusChangeRequest),
        "activity_id": first(Activity), "board_id": first(Board), "reply_id": first(Reply),
        "article_id": first(ArticlePage), "out_trade_no": first(Payment, "out_trade_no"),
    }
    return {name: value for name, value in found.items() if value is not None}


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    """The raw WSGI application fires request_started/request_finished, whose
    ``close_old_connections`` closes the database connection after each request on PostgreSQL —
    the connection that holds this test's transaction. Django's own test client unhooks it the
    same way for the requests it makes."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def demo_admin_token(db: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The demo county (a few dozen members and the modules' demo data, but for the slow
    seeders) and a token of its administrator, whose scope is the whole county."""
    from dangjian.core import hooks
    from dangjian.demo.actions import do_seed_demo

    monkeypatch.setattr(hooks, "_demo_seeders",
                        [(order, s) for order, s in hooks._demo_seeders if s.__module__ not in SLOW_SEEDERS])
    cache.clear()  # the login and opinion throttles live in the cache
    do_seed_demo("small", seed=5, members=MEMBERS)
    yield do_issue_api_token(User.objects.get(username="demo-admin"), ip="127.0.0.1")
    cache.clear()


def _operations() -> list[Any]:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    operations = []
    for result in schema.get_all_operations():
        if not isinstance(result, Ok):  # an operation schemathesis cannot read is a failure too
            pytest.fail(f"OpenAPI description unreadable: {result.err()}")
        operations.append(result.ok())
    return [op for op in operations if op.path not in EXCLUDED]


def _run(operation: Any, mode: GenerationMode, path_parameters: dict[str, Any] | None, token: str) -> None:
    strategy = operation.as_strategy(mode, path_parameters=path_parameters)

    @hypothesis.settings(max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None,
                         phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
                         suppress_health_check=list(hypothesis.HealthCheck))
    @hypothesis.given(case=strategy)
    def run(case: Any) -> None:
        case.call_and_validate(checks=CHECKS, headers={"Authorization": f"Bearer {token}"})

    run()


def test_every_answer_matches_the_openapi_description(demo_admin_token: str) -> None:
    operations = _operations()
    assert len(operations) > 50, [op.label for op in operations]
    pinned = _pinned_ids()
    failures = []
    for operation in operations:
        path_names = {p.name for p in operation.path_parameters}
        for mode, path_parameters in ((GenerationMode.POSITIVE, {n: pinned[n] for n in path_names if n in pinned}),
                                      (GenerationMode.NEGATIVE, None)):
            try:
                _run(operation, mode, path_parameters, demo_admin_token)
            except Unsatisfiable:  # nothing to make invalid: no parameters, no body
                pass
            except (Exception, BaseExceptionGroup) as exc:  # schemathesis's FailureGroup; report them all
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    assert not failures, "\n\n".join(failures)
