"""Writes of the channels app. Every user-facing write checks permission, runs in one
transaction, records an audit event and enqueues its tasks after commit.

- ``do_enqueue_deliveries(page, operation, revision_id)``: called when an article is published
  (also through the workflow or the scheduler) or unpublished; writes one outbox entry per
  channel in the same transaction as the publish (the outbox pattern: the delivery exists if and
  only if the publish committed).
- ``do_set_section_channel``: switch a channel on/off for a section (``portal.manage``).
- ``do_retry_entry``: an editor retries a delivery that gave up (``portal.edit``).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Page

from dangjian.core import audit
from dangjian.core.actors import ActingUser, as_user
from dangjian.core.scoping import in_scope
from dangjian.portal.channels import OPEN_STATUSES, ChannelKind, Operation, OutboxStatus, conf
from dangjian.portal.channels.models import ChannelPost, OutboxEntry, SectionChannel

SUPERSEDABLE = (OutboxStatus.PENDING, OutboxStatus.FAILED, OutboxStatus.GAVE_UP)


def _org_path(page: Page) -> str:
    from dangjian.portal.selectors import section_organization_path

    return section_organization_path(page)


def _require(user: Any, perm: str, org_path: str) -> None:
    if getattr(user, "is_superuser", False):
        return
    if not in_scope(user, perm, org_path):
        raise PermissionDenied(_("You do not have permission for this organization."))


def section_channels(page: Page) -> dict[str, SectionChannel]:
    """The channels an article goes to: for each channel, the nearest section above it (or the
    section itself) that configures it; a disabled row there switches it off below."""
    from dangjian.portal.models import SectionPage

    sections = SectionPage.objects.ancestor_of(page, inclusive=True).values_list("pk", flat=True)
    rows = SectionChannel.objects.filter(section_id__in=list(sections)).select_related("section")
    nearest: dict[str, SectionChannel] = {}
    for row in sorted(rows, key=lambda r: r.section.depth, reverse=True):
        nearest.setdefault(row.channel, row)
    return {ch: row for ch, row in nearest.items() if row.enabled}


def _supersede(page: Page, channel: str, keep: OutboxEntry) -> list[dict[str, Any]]:
    """Supersede the older entries still waiting, failed or given up. Remote things they left
    half-made (a WeChat draft, a publish still in progress) go to ``keep.progress["leftovers"]``
    for the adapter to clean up first; returns them."""
    stale = OutboxEntry.objects.filter(page=page, channel=channel, status__in=SUPERSEDABLE).exclude(pk=keep.pk)
    leftovers = [
        {"draft_media_id": p["draft_media_id"], "publish_id": p.get("publish_id", "")}
        for p in stale.values_list("progress", flat=True) if p and p.get("draft_media_id")
    ]
    stale.update(status=OutboxStatus.SUPERSEDED, next_attempt_at=None)
    if leftovers:
        keep.progress = {**(keep.progress or {}), "leftovers": leftovers}
        keep.save(update_fields=["progress"])
    return leftovers


def do_enqueue_deliveries(page: Page, operation: str, *, revision_id: int | None = None,
                          acting_user: ActingUser | None = None) -> list[OutboxEntry]:
    """Outbox entries for one publish (``Operation.PUBLISH``: a first publication or an edit) or
    withdrawal (``Operation.WITHDRAW``) of an article. Idempotent: the same revision in the same
    publication cycle gets one entry per channel however often this runs. Older open entries of
    the same article and channel are superseded: only the newest version is delivered."""
    page = page.specific
    created: list[OutboxEntry] = []
    with transaction.atomic():
        org_path = _org_path(page)
        if operation == Operation.WITHDRAW:
            posts = {p.channel: p for p in ChannelPost.objects.select_for_update().filter(page=page)}
            open_channels = set(OutboxEntry.objects.filter(page=page, status__in=OPEN_STATUSES)
                                .values_list("channel", flat=True))
            for channel in sorted(set(posts) | open_channels):
                post = posts.get(channel) or ChannelPost.objects.create(page=page, channel=channel)
                entry, made = OutboxEntry.objects.get_or_create(
                    page=page, channel=channel, cycle=post.cycle, operation=Operation.WITHDRAW,
                    revision_id=post.revision_id or 0,
                    defaults={"page_title": page.title[:255], "account": post.account, "org_path": org_path,
                              "created_by": as_user(acting_user),
                              # what to delete should the article itself be deleted before this runs
                              "progress": {"target": {"remote_id": post.remote_id}}},
                )
                if made:
                    leftovers = _supersede(page, channel, entry)
                    if not post.live and not leftovers and not OutboxEntry.objects.filter(
                            page=page, channel=channel, status=OutboxStatus.SENDING).exists():
                        entry.status = OutboxStatus.DONE  # nothing out there: only queued versions dropped
                        entry.done_at = timezone.now()
                        entry.save(update_fields=["status", "done_at"])
                    else:
                        created.append(entry)
                post.cycle += 1  # a later re-publish, even of the same revision, is a new delivery
                post.save(update_fields=["cycle"])
        else:
            revision_id = revision_id or page.live_revision_id or 0
            accounts = {ch: row.account for ch, row in section_channels(page).items()}
            # a channel switched off after the article went out still gets its edits (until withdrawn)
            for live in ChannelPost.objects.filter(page=page, live=True).exclude(channel__in=accounts):
                accounts[live.channel] = live.account
            for channel, account in sorted(accounts.items()):
                post, _new = ChannelPost.objects.select_for_update().get_or_create(
                    page=page, channel=channel, defaults={"account": account})
                op = Operation.UPDATE if post.live else Operation.PUBLISH
                if op == Operation.UPDATE and post.revision_id == revision_id:
                    continue  # this revision is what the channel shows already
                entry, made = OutboxEntry.objects.get_or_create(
                    page=page, channel=channel, cycle=post.cycle, operation=op, revision_id=revision_id,
                    defaults={"page_title": page.title[:255], "account": account, "org_path": org_path,
                              "created_by": as_user(acting_user)},
                )
                if made:
                    _supersede(page, channel, entry)
                    created.append(entry)
        if created:
            audit.record(acting_user, "channels.enqueued", page, target_label=page.title, org_path=org_path,
                         after={"operation": operation, "revision": revision_id,
                                "channels": [e.channel for e in created]})
            ids = [e.pk for e in created]
            transaction.on_commit(lambda: _enqueue(ids))
    return created


def _enqueue(ids: list[int]) -> None:
    from dangjian.portal.channels.tasks import enqueue_entry

    for pk in ids:
        enqueue_entry(pk)


def do_retry_entry(entry: OutboxEntry, *, acting_user: ActingUser) -> OutboxEntry:
    """An editor retries a delivery that failed or gave up: a fresh set of attempts; the earlier
    errors stay in ``errors``. Only the newest delivery of the article to that channel."""
    _require(acting_user, "portal.edit", entry.org_path)
    with transaction.atomic():
        entry = OutboxEntry.objects.select_for_update().get(pk=entry.pk)
        if not entry.can_retry:
            raise ValidationError(_("Only a delivery that failed or gave up can be retried."))
        before = audit.snapshot(entry, ["status", "attempts", "last_error"])
        entry.status = OutboxStatus.PENDING
        entry.attempts = 0
        entry.next_attempt_at = None
        entry.save(update_fields=["status", "attempts", "next_attempt_at"])
        audit.record(acting_user, "channels.retried", entry, before=before, target_label=str(entry),
                     org_path=entry.org_path)
        pk = entry.pk
        transaction.on_commit(lambda: _enqueue([pk]))
    return entry


def do_set_section_channel(section: Any, channel: str, *, enabled: bool, account: str = "default",
                           acting_user: ActingUser) -> SectionChannel:
    """Switch ``channel`` on or off for ``section`` (and what is below it). The account must be
    configured in the server settings (except the app feed, which needs none)."""
    _require(acting_user, "portal.manage", section.organization.path if section.organization_id else "")
    if channel not in ChannelKind.values:
        raise ValidationError({"channel": _("Unknown channel.")})
    account = (account or "default").strip()
    if enabled and channel != ChannelKind.APP and conf.account(channel, account) is None:
        raise ValidationError({"account": _(
            "Account “%(account)s” is not configured for this channel in the server settings "
            "(CHANNELS_ACCOUNTS).") % {"account": account}})
    with transaction.atomic():
        row, created = SectionChannel.objects.select_for_update().get_or_create(
            section=section, channel=channel, defaults={"account": account, "enabled": enabled})
        before = {} if created else audit.snapshot(row, ["account", "enabled"])
        row.account, row.enabled = account, enabled
        row.save(update_fields=["account", "enabled"])
        audit.record(acting_user, "channels.section_channel_set", row, before=before,
                     after=audit.snapshot(row, ["account", "enabled"]), target_label=section.title,
                     org_path=section.organization.path if section.organization_id else "")
    return row
