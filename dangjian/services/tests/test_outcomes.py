"""A matter hands its approved applications to the module that owns the outcome through
core.hooks (services never imports the member lifecycle): the floating-member certificate is
issued by the lifecycle's own flow, not duplicated; what it refuses fails the signature."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from dangjian.members.lifecycle.models import FloatingCertificate
from dangjian.services import Anchor, Audience, State
from dangjian.services.actions import do_save_matter, do_sign_step, do_submit_application

pytestmark = pytest.mark.django_db

FIELDS = [{"key": "name", "label": "姓名", "type": "text", "known": "name"},
          {"key": "reason", "label": "外出原因", "type": "text", "required": True},
          {"key": "host_place", "label": "流入地", "type": "text", "required": True}]


def _matter(tree: Any, users: Any, **extra: Any) -> Any:
    return do_save_matter(tree.county, {"title": "流动党员活动证申请", "audience": Audience.MEMBERS,
                                        "time_limit_days": 5, "active": True,
                                        "outcome": "lifecycle.floating_certificate", **extra},
                          [{"name": "党支部审核", "anchor": Anchor.OWN, "time_limit_days": 3}],
                          fields=FIELDS, acting_user=users.admin)


def test_the_floating_certificate_is_issued_by_the_lifecycle_flow(tree: Any, users: Any) -> None:
    matter = _matter(tree, users)
    app = do_submit_application(matter, {"reason": "外出务工", "host_place": "浙江省宁波市"}, acting_user=users.member)
    do_sign_step(app, "approve", acting_user=users.secretary)
    app.refresh_from_db()
    cert = FloatingCertificate.objects.get(member=tree.alice)
    assert app.state == State.APPROVED and app.outcome_label == cert.number
    assert app.outcome_url == f"/lifecycle/floating/{cert.pk}/" or app.outcome_url.endswith(f"/{cert.pk}/")
    assert (cert.reason, cert.host_place, cert.issued_by_id) == ("外出务工", "浙江省宁波市", users.secretary.pk)
    assert "handed_over" in set(app.history.values_list("kind", flat=True))
    # A second request while the certificate is valid: the lifecycle refuses, the signature fails
    # with its message and nothing of it is written.
    again = do_submit_application(matter, {"reason": "外出务工", "host_place": "江苏省苏州市"}, acting_user=users.member)
    with pytest.raises(ValidationError) as exc:
        do_sign_step(again, "approve", acting_user=users.secretary)
    assert cert.number in " ".join(exc.value.messages)
    again.refresh_from_db()
    assert again.state == State.SUBMITTED and not again.steps.get().signoffs.exists()
    assert FloatingCertificate.objects.filter(member=tree.alice).count() == 1


def test_an_outcome_is_checked_when_the_matter_is_saved(tree: Any, users: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        _matter(tree, users, audience=Audience.PUBLIC)
    assert "outcome" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        _matter(tree, users, outcome="nobody.nothing")
    assert "outcome" in exc.value.message_dict
