"""Democratic evaluations on the workbench: who sees the list, the trustees' and organizers'
to-dos, the search provider. Reads only, scoped like the list."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.ballots.choices import State
from dangjian.ballots.models import Credential, Evaluation, Trustee
from dangjian.core.hooks import SearchHit, Todo
from dangjian.core.scoping import has_any, scoped


def may_list(user: Any) -> bool:
    """Who may open the list (``ballots:list`` checks the same)."""
    return bool(getattr(user, "is_authenticated", False)
                and (has_any(user, "ballots.view") or Trustee.objects.filter(user=user).exists()))


# --- trustees: a key to register, a tally to decrypt ----------------------------------------------

def _trustee_qs(user: Any) -> QuerySet[Trustee]:
    if not getattr(user, "is_authenticated", False):
        return Trustee.objects.none()
    waiting = Q(evaluation__state=State.KEYS, public_key="") | Q(evaluation__state=State.CLOSED,
                                                                 decryption__isnull=True)
    return Trustee.objects.filter(waiting, user=user)


def trustee_count(user: Any) -> int:
    return _trustee_qs(user).count()


def trustee_items(user: Any, limit: int) -> list[Todo]:
    rows = _trustee_qs(user).select_related("evaluation__organization").order_by("evaluation__opens_at", "pk")[:limit]
    items = []
    for t in rows:
        e = t.evaluation
        what = (_("Create your trustee key for “%(title)s”") if e.state == State.KEYS
                else _("Decrypt the tally of “%(title)s”")) % {"title": e.title}
        items.append(Todo(title=what, url=reverse("ballots:trustee", args=[e.uuid]), org=e.organization.name,
                          due=timezone.localdate(e.opens_at) if e.state == State.KEYS else None,
                          urgent=e.state == State.CLOSED, ref=f"evaluation:{e.pk}:trustee"))
    return items


# --- organizers: open what has its keys, close what is past its time --------------------------------

def _organize_qs(user: Any) -> QuerySet[Evaluation]:
    now = timezone.now()
    ready = Q(state=State.KEYS) & ~Q(trustees__public_key="")
    due = Q(state=State.OPEN, closes_at__lte=now)
    qs = scoped(Evaluation.objects.all(), user, "ballots.manage", path_field="org_path")
    return qs.filter(pk__in=Evaluation.objects.filter(ready | due).values("pk"))


def organize_count(user: Any) -> int:
    return _organize_qs(user).count()


def organize_items(user: Any, limit: int) -> list[Todo]:
    rows = _organize_qs(user).select_related("organization").order_by("opens_at", "pk")[:limit]
    return [Todo(title=(_("Open the evaluation “%(title)s”") if e.state == State.KEYS
                        else _("Close the evaluation “%(title)s”")) % {"title": e.title},
                 url=reverse("ballots:detail", args=[e.uuid]), org=e.organization.name,
                 due=timezone.localdate(e.opens_at), ref=f"evaluation:{e.pk}:organize")
            for e in rows]


# --- voters: a code sent to me and not used yet ------------------------------------------------------

def _vote_qs(user: Any) -> QuerySet[Credential]:
    if not getattr(user, "is_authenticated", False):
        return Credential.objects.none()
    return Credential.objects.filter(voter__user=user, used=False, evaluation__state=State.OPEN,
                                     evaluation__closes_at__gt=timezone.now())


def vote_count(user: Any) -> int:
    return _vote_qs(user).count()


# The to-do source ``ballots.trustee`` lists a trustee's work and a voter's unused sent code: one
# query tells whether the user has either (most users have neither, and pay only that query).

def has_ballot_work(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    trustee = Trustee.objects.filter(user=user, evaluation__state__in=(State.KEYS, State.CLOSED))
    return Evaluation.objects.filter(Q(pk__in=trustee.values("evaluation_id"))
                                     | Q(pk__in=_vote_qs(user).values("evaluation_id"))).exists()


def my_count(user: Any) -> int:
    return trustee_count(user) + vote_count(user)


def my_items(user: Any, limit: int) -> list[Todo]:
    return (trustee_items(user, limit) + vote_items(user, limit))[:limit]


def vote_items(user: Any, limit: int) -> list[Todo]:
    """"Vote in …" until the voter's code is used (by them — or by someone else, which the
    evaluation's page then tells them)."""
    rows = _vote_qs(user).select_related("evaluation__organization").order_by("evaluation__closes_at",
                                                                                "evaluation_id")[:limit]
    return [Todo(title=_("Vote in the evaluation “%(title)s”") % {"title": c.evaluation.title},
                 url=reverse("ballots:vote", args=[c.evaluation.uuid]), org=c.evaluation.organization.name,
                 due=timezone.localdate(c.evaluation.closes_at), ref=f"evaluation:{c.evaluation_id}:vote")
            for c in rows]


# --- the member home (党员e家): vote while my sent code is unused ------------------------------------

def home_items(request: Any) -> list[dict[str, Any]]:
    """"Vote in the evaluation …" for each open evaluation whose code was sent to this user and
    not used yet: one query (none for anonymous users)."""
    rows = _vote_qs(getattr(request, "user", None)).select_related("evaluation").order_by(
        "evaluation__closes_at", "evaluation_id")[:3]
    return [{"title": _("Vote in the evaluation “%(title)s”") % {"title": c.evaluation.title},
             "body": _("Secret ballot, open until %(closes)s. Your code is in the message you were sent.")
             % {"closes": timezone.localtime(c.evaluation.closes_at).strftime("%Y-%m-%d %H:%M")},
             "url": reverse("ballots:vote", args=[c.evaluation.uuid]), "order": 15}
            for c in rows]


# --- search ---------------------------------------------------------------------------------------

def find_evaluations(user: Any, q: str, limit: int) -> list[SearchHit]:
    from dangjian.ballots.selectors import evaluations_for

    rows = evaluations_for(user).filter(title__icontains=q)[:limit]
    return [SearchHit(title=e.title, url=reverse("ballots:detail", args=[e.uuid]),
                      detail=f"{State(e.state).label} · {e.organization.name}") for e in rows]
