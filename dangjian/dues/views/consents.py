"""Who pays for whom: a member's consents to family members paying."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dangjian.dues.billing import current_month, parse_month
from dangjian.dues.selectors import access_managed_member


@login_required
@require_http_methods(["GET", "POST"])
def consents(request: HttpRequest, member_id: int) -> HttpResponse:
    """The branch records (or revokes) its consent to quarterly or proxy payment for a member."""
    from dangjian.core.models import User
    from dangjian.dues import ConsentKind
    from dangjian.dues.consent import do_grant_consent, do_revoke_consent
    from dangjian.dues.models import DuesConsent

    member = access_managed_member(request.user, member_id)
    if request.method == "POST":
        try:
            revoke = request.POST.get("revoke") or ""
            if revoke:
                consent = DuesConsent.objects.filter(member=member, pk=int(revoke)).first() if revoke.isdigit() else None
                if consent is None:
                    raise Http404(_("Not found."))
                do_revoke_consent(consent, acting_user=request.user)
            else:
                username = (request.POST.get("proxy") or "").strip()
                proxy = User.objects.filter(username=username, is_active=True).first() if username else None
                if username and proxy is None:
                    raise ValidationError({"proxy": _("No active account with this user name.")})
                do_grant_consent(member, kind=request.POST.get("kind", ""),
                                 from_month=parse_month(request.POST.get("from_month")),
                                 to_month=parse_month(request.POST.get("to_month")),
                                 reason=request.POST.get("reason", ""), proxy=proxy, acting_user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Saved."))
        return redirect("dues:consents", member.pk)
    return render(request, "dues/consents.html", {
        "member": member, "kinds": ConsentKind.choices, "this_month": current_month(),
        "consents": DuesConsent.objects.filter(member=member).select_related("proxy").order_by("-granted_at")[:50]})
