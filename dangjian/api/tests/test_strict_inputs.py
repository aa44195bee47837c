"""Request bodies with a field the endpoint does not know are refused (422), not silently
accepted (issue 13 §4)."""

from __future__ import annotations

from dangjian.api.api import api
from dangjian.core.actions import do_issue_api_token
from dangjian.members.transfers.actions import do_start_transfer
from dangjian.members.transfers.models import Transfer
from dangjian.members.transfers.tests.helpers import start_data


def test_every_json_body_schema_forbids_unknown_fields():
    schema = api.get_openapi_schema()
    components = schema["components"]["schemas"]
    bodies = []
    for path, operations in schema["paths"].items():
        for method, op in operations.items():
            content = op.get("requestBody", {}).get("content", {}).get("application/json")
            if content:
                ref = content["schema"]["$ref"].rsplit("/", 1)[1]
                bodies.append((method, path, ref))
    assert len(bodies) > 15
    lax = [(m, p, ref) for m, p, ref in bodies if components[ref].get("additionalProperties") is not False]
    assert lax == []


def test_approval_with_an_unknown_field_is_refused_and_changes_nothing(client, tree, users):
    t = do_start_transfer(tree.alice, start_data(to_org=tree.branch_a2.pk), acting_user=users.secretary)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {do_issue_api_token(users.secretary)}"}
    r = client.post(f"/api/v1/transfers/{t.pk}/approve", {"reason": "同意", "skip_to": tree.branch_a2.pk},
                    content_type="application/json", **headers)
    assert r.status_code == 422 and r.json()["field"] == "skip_to"
    assert not Transfer.objects.get(pk=t.pk).hops.filter(state="approved").exists()
