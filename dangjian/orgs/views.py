"""Organization tree browser and organization pages (staff workbench)."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from dangjian.core.forms import apply_action_errors
from dangjian.core.scoping import has_any, in_scope
from dangjian.core.workbench import note_visit
from dangjian.orgs import PARENT_KINDS
from dangjian.orgs.actions import do_create_organization, do_update_organization
from dangjian.orgs.forms import OrganizationForm
from dangjian.orgs.models import Organization
from dangjian.orgs.selectors import access_org, ancestors, children, scope_roots, with_member_counts

_FIELD_NAME = re.compile(r"[a-z][a-z0-9_]{0,40}")


def _require_viewer(request: HttpRequest) -> None:
    if not has_any(request.user, "orgs.view"):
        raise PermissionDenied(_("Your role does not include the organization tree."))


@login_required
@require_GET
def org_tree(request: HttpRequest) -> HttpResponse:
    _require_viewer(request)
    roots = with_member_counts(scope_roots(request.user))
    return render(request, "orgs/tree.html", {"nodes": roots})


@login_required
@require_GET
def org_children(request: HttpRequest, org_id: int) -> HttpResponse:
    """Partial for htmx: the children of one node, with subtree member counts (bounded queries)."""
    org = access_org(request.user, org_id)
    return render(request, "orgs/_nodes.html", {"nodes": with_member_counts(children(org))})


@login_required
@require_GET
def org_detail(request: HttpRequest, org_id: int) -> HttpResponse:
    user = request.user
    org = access_org(user, org_id)
    note_visit(request, org.name, kind="organization")
    crumbs = [a for a in ancestors(org) if in_scope(user, "orgs.view", a.path)]
    with_member_counts([org])
    can_change = in_scope(user, "orgs.change", org.path)
    return render(request, "orgs/detail.html", {
        "org": org,
        "breadcrumbs": crumbs,
        "children": with_member_counts(children(org)) if org.numchild else [],
        "can_change": can_change,
        "can_add_child": can_change and org.kind in PARENT_KINDS,
        "can_list_members": in_scope(user, "members.view", org.path),
        "can_add_member": org.is_branch and in_scope(user, "members.add", org.path),
    })


@login_required
@require_http_methods(["GET", "POST"])
def org_create(request: HttpRequest, org_id: int) -> HttpResponse:
    parent = access_org(request.user, org_id)
    if not in_scope(request.user, "orgs.change", parent.path):
        raise PermissionDenied(_("Your role may not change this organization."))
    if parent.kind not in PARENT_KINDS:
        raise PermissionDenied(_("A branch cannot contain other organizations; add party groups instead."))
    form = OrganizationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            org = do_create_organization(parent, form.action_data(), acting_user=request.user)
        except ValidationError as exc:
            apply_action_errors(form, exc)
        else:
            messages.success(request, _("Organization %(name)s created.") % {"name": org.name})
            return redirect("orgs:detail", org_id=org.pk)
    return render(request, "orgs/form.html", {"form": form, "parent": parent, "org": None})


@login_required
@require_http_methods(["GET", "POST"])
def org_edit(request: HttpRequest, org_id: int) -> HttpResponse:
    org: Organization = access_org(request.user, org_id)
    if not in_scope(request.user, "orgs.change", org.path):
        raise PermissionDenied(_("Your role may not change this organization."))
    form = OrganizationForm(request.POST if request.method == "POST" else None, instance=org)
    if request.method == "POST" and form.is_valid():
        try:
            do_update_organization(org, form.action_data(), acting_user=request.user)
        except ValidationError as exc:
            apply_action_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("orgs:detail", org_id=org.pk)
    return render(request, "orgs/form.html", {"form": form, "parent": None, "org": org})


@login_required
@require_GET
def org_search(request: HttpRequest) -> HttpResponse:
    """Partial for the organization picker (orgs/search.py): up to 20 matches with their parent
    path, as radio options named after the form field. What may be found is the scope's rule;
    an unknown scope or a user it does not admit gets 404."""
    from dangjian.orgs import search

    scope = search.get_scope(request.GET.get("scope", ""))
    field = request.GET.get("field", "")
    if scope is None or not _FIELD_NAME.fullmatch(field) or not scope.allowed(request.user):
        raise Http404(_("Not found."))
    query = search.normalize_query(request.GET.get(f"{field}_q"))
    selected = search.hit_for(scope, request.user, request.GET.get(field)) if request.GET.get(field) else None
    hits, more = search.search(scope, request.user, query)
    if selected is not None:
        hits = [h for h in hits if h.pk != selected.pk]
    return render(request, "orgs/_search_results.html", {
        "field": field, "selected": selected, "hits": hits, "more": more, "searched": bool(query)})
