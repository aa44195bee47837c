"""免申即享: a matter whose every field is data the platform has may be granted at once — no step,
the document issued on request and verifiable; a matter with a typed field may not."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from dangjian.services import Audience, State
from dangjian.services.actions import do_save_matter, do_submit_application
from dangjian.services.documents import verify

pytestmark = pytest.mark.django_db
KNOWN = [{"key": "name", "label": "姓名", "type": "text", "known": "name"},
         {"key": "organization", "label": "所在党组织", "type": "text", "known": "organization"}]


def test_granted_at_once_where_nothing_is_typed(tree: Any, users: Any) -> None:
    base = {"title": "党员身份证明（即时开具）", "audience": Audience.MEMBERS, "time_limit_days": 1, "active": True,
            "instant": True, "issues_document": True, "document_text": "兹证明 $name 同志系中国共产党党员。"}
    with pytest.raises(ValidationError) as exc:
        do_save_matter(tree.county, base, [], fields=[*KNOWN, {"key": "purpose", "label": "用途", "type": "text"}],
                       acting_user=users.admin)
    assert "instant" in exc.value.message_dict
    with pytest.raises(ValidationError):
        do_save_matter(tree.county, {**base, "audience": Audience.PUBLIC}, [], fields=KNOWN, acting_user=users.admin)
    matter = do_save_matter(tree.county, base, [], fields=KNOWN, acting_user=users.admin)
    app = do_submit_application(matter, {}, acting_user=users.member)
    app.refresh_from_db()
    assert app.state == State.APPROVED and not app.steps.exists() and app.decided_on_time
    assert app.data["name"] == tree.alice.person.name
    result = verify(app.document.code)
    assert result.valid and result.facts["number"] == app.number
