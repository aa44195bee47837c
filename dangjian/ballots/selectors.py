"""Reads for democratic evaluations, scoped through core's helpers.

Who sees an evaluation: ``ballots.view`` over its organization (organizers, the discipline
officer), and its trustees. Voters need no account: the manifest and, after closing, the
bulletin are public to whoever has the evaluation's link (its random UUID).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from dangjian.ballots import counting, crypto
from dangjian.ballots.choices import PUBLISHED_STATES, State
from dangjian.ballots.models import Ballot, Credential, Decryption, Evaluation, Result, RollEntry, Trustee
from dangjian.core.scoping import get_scoped_or_404, in_scope, scoped

VIEW = "ballots.view"
MANAGE = "ballots.manage"
BULLETIN_FORMAT = crypto.FORMAT


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def _trustee_q(user: Any) -> Q | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Q(pk__in=Trustee.objects.filter(user=user).values("evaluation_id"))


def evaluations_for(user: Any) -> QuerySet[Evaluation]:
    """Evaluations ``user`` may see (distinct; ordered newest first)."""
    if not getattr(user, "is_authenticated", False):
        return Evaluation.objects.none()
    extra = _trustee_q(user)
    qs = scoped(Evaluation.objects.all(), user, VIEW, path_field="org_path", extra=extra)
    return qs.select_related("organization").order_by("-opens_at", "-pk")


def access_evaluation(user: Any, public_id: Any) -> Evaluation:
    """The evaluation ``user`` may see, by its public id; 404 otherwise (no existence leak)."""
    key = _uuid(public_id)
    if key is None:
        raise Http404(_("Not found."))
    return get_scoped_or_404(Evaluation.objects.select_related("organization"), user, VIEW, path_field="org_path",
                             extra=_trustee_q(user), uuid=key)


def _public(key: uuid.UUID) -> Evaluation:
    found = Evaluation.objects.select_related("organization").filter(uuid=key).first()
    if found is None:
        raise Http404(_("Not found."))
    return found


def public_evaluation(public_id: Any) -> Evaluation:
    """An evaluation by its link, for voters (no account): only once it has a manifest."""
    key = _uuid(public_id)
    if key is None:
        raise Http404(_("Not found."))
    found = _public(key)
    if not found.manifest_text:
        raise Http404(_("Not found."))
    return found


#: What casting reads of an evaluation (``actions.do_cast_ballot``): its state and times, the
#: manifest and its fingerprint. Not the organization, not the tally.
CASTING_FIELDS = ("pk", "uuid", "state", "opens_at", "closes_at", "manifest_text", "eid")


def casting_evaluation(public_id: Any) -> Evaluation:
    """``public_evaluation`` for a cast: the same 404s, only the columns casting needs (one narrow
    query instead of the evaluation and its organization)."""
    key = _uuid(public_id)
    if key is None:
        raise Http404(_("Not found."))
    found = Evaluation.objects.only(*CASTING_FIELDS).filter(uuid=key).order_by().first()
    if found is None or not found.manifest_text:
        raise Http404(_("Not found."))
    return found


def can_manage(user: Any, evaluation: Evaluation) -> bool:
    return in_scope(user, MANAGE, evaluation.org_path)


def can_view(user: Any, evaluation: Evaluation) -> bool:
    return in_scope(user, VIEW, evaluation.org_path)


def credential_counts(evaluation: Evaluation) -> dict[str, int]:
    row = Credential.objects.filter(evaluation=evaluation).aggregate(
        issued=Count("pk"), used=Count("pk", filter=Q(used=True)), sent=Count("pk", filter=Q(voter__isnull=False)))
    return {"issued": row["issued"], "used": row["used"], "sent": row["sent"], "slips": row["issued"] - row["sent"]}


def slip_voters(evaluation: Evaluation) -> list[str]:
    """The voters of the roll whose code was not sent to them (no active account): they get a
    slip. Empty for an evaluation whose codes are all slips (every voter gets one)."""
    sent = Credential.objects.filter(evaluation=evaluation, voter__isnull=False).values("voter_id")
    return list(RollEntry.objects.filter(evaluation=evaluation).exclude(pk__in=sent).order_by("position")
                .values_list("name", flat=True))


def slip_serial(evaluation: Evaluation, hashed: str) -> int | None:
    """The number printed on the slip whose code hashes to ``hashed`` (a reissued slip keeps it)."""
    return Credential.objects.filter(evaluation=evaluation, code_hash=hashed).values_list("serial", flat=True).first()


def roll_entry_named(evaluation: Evaluation, text: str) -> RollEntry:
    """The voter of the roll called ``text`` (their name, or their account's user name when
    namesakes make the name ambiguous); a ValidationError on ``voter`` otherwise."""
    from django.core.exceptions import ValidationError

    text = (text or "").strip()[:150]
    if not text:
        raise ValidationError({"voter": [_("Give the voter's name or user name.")]})
    found = list(RollEntry.objects.filter(Q(name=text) | Q(user__username=text), evaluation=evaluation)
                 .order_by("position")[:2])
    if not found:
        raise ValidationError({"voter": [_("Nobody called %(name)s is on the roll.") % {"name": text}]})
    if len(found) > 1:
        raise ValidationError({"voter": [_("Several voters on the roll are called %(name)s: give the user name.")
                                         % {"name": text}]})
    return found[0]


def my_credential(evaluation: Evaluation, user: Any) -> Credential | None:
    """The credential sent to ``user`` for this evaluation (None: none was sent to them)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Credential.objects.filter(evaluation=evaluation, voter__user=user).first()


def bulletin(evaluation: Evaluation) -> dict[str, Any]:
    """The public bulletin (docs/modules/ballots-protocol.md, "The bulletin"); after closing only."""
    if evaluation.state not in PUBLISHED_STATES:
        raise ValueError("the bulletin is published when the evaluation closes")
    ballots = [json.loads(p) for p in
               Ballot.objects.filter(evaluation=evaluation).order_by("receipt").values_list("payload", flat=True)]
    decryptions = [{"trustee": d.trustee.index, "shares": d.shares}
                   for d in Decryption.objects.filter(trustee__evaluation=evaluation)
                   .select_related("trustee").order_by("trustee__index")]
    counts = [r.counts for r in Result.objects.filter(evaluation=evaluation).order_by("question")]
    return {
        "format": BULLETIN_FORMAT,
        "manifest": evaluation.manifest,
        "election": evaluation.eid,
        "roll": list(evaluation.roll.order_by("position").values_list("name", flat=True)),
        "credentials_used": Credential.objects.filter(evaluation=evaluation, used=True).count(),
        "ballots": ballots,
        "tally": evaluation.tally,
        "decryptions": decryptions,
        # None until every trustee has decrypted, and for good below the group minimum.
        "result": counts if evaluation.state == State.TALLIED and not evaluation.results_hidden else None,
    }


def receipts(evaluation: Evaluation) -> list[str]:
    return list(Ballot.objects.filter(evaluation=evaluation).order_by("receipt").values_list("receipt", flat=True))


def results(evaluation: Evaluation) -> list[dict[str, Any]]:
    """Per subject: every dimension's counts and shares, and whether a threshold flags the subject.
    Empty until tallied, and always empty below the group minimum."""
    if evaluation.state != State.TALLIED or evaluation.results_hidden:
        return []
    options = evaluation.options
    rows: dict[int, dict[str, Any]] = {}
    for r in Result.objects.filter(evaluation=evaluation).select_related("subject").order_by("question"):
        total = sum(r.counts) or 1
        shares = [round(100 * c / total, 1) for c in r.counts]
        flags = []
        for f in counting.flags(evaluation, list(r.counts)):
            if f["rule"] == "lowest":
                flags.append(_("“%(grade)s” %(share).0f%% ≥ %(limit)d%%")
                             % {"grade": options[-1], "share": f["share"], "limit": f["limit"]})
            else:
                flags.append(_("“%(a)s” and “%(b)s” %(share).0f%% ≥ %(limit)d%%")
                             % {"a": options[-2], "b": options[-1], "share": f["share"], "limit": f["limit"]})
        row = rows.setdefault(r.subject_id, {"subject": r.subject, "dimensions": [], "flags": []})
        row["dimensions"].append({"dimension": r.dimension, "counts": r.counts, "shares": shares,
                                  "cells": list(zip(options, r.counts, shares, strict=True)), "flags": flags})
        row["flags"].extend(f"{r.dimension}: {f}" for f in flags)
    return list(rows.values())


def users_by_username(usernames: list[str], field: str) -> list[Any]:
    """Active accounts by user name, in the order given; an unknown name is an error on ``field``."""
    from django.core.exceptions import ValidationError

    from dangjian.core.models import User

    found = {u.username: u for u in User.objects.filter(username__in=usernames, is_active=True)}
    missing = [n for n in usernames if n not in found]
    if missing:
        raise ValidationError({field: [_("No active account with the user name %(names)s.")
                                       % {"names": "、".join(missing)}]})
    return [found[n] for n in usernames]
