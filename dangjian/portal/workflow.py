"""Wagtail's ``WAGTAIL_FINISH_WORKFLOW_ACTION`` (imported while Wagtail's models load, so every
import here is deferred)."""

from __future__ import annotations

from typing import Any


def publish_approved(workflow_state: Any, user: Any = None) -> None:
    """When the last review approves, publish the reviewed revision. The workflow's approvals
    are the authority, so the final approver needs no publish right of their own — and nobody
    but administrators holds one, so the workflow cannot be skipped."""
    from wagtail.models import Page

    from dangjian.core import audit
    from dangjian.portal.selectors import section_organization_path

    obj = workflow_state.content_object
    revision = obj.get_latest_revision()
    revision.publish(user=user, skip_permission_checks=True)
    audit.record(user, "portal.published", obj, target_label=str(obj), reason="workflow",
                 org_path=section_organization_path(obj) if isinstance(obj, Page) else "")
