"""Portal (issue 6, S1–S4): the county's public site on Wagtail — sections per organization,
三审三校 review workflow, feeds, Chinese full-text search and moderated public comments."""

from django.db import models
from django.utils.translation import gettext_lazy as _

#: Comments, responses and correction suggestions per client address (PORTAL_COMMENT_RATE_LIMIT).
COMMENT_RATE_DEFAULT = "5/10m"


class SectionKind(models.TextChoices):
    NEWS = "news", _("News and updates")
    RESULTS = "results", _("Work results")
    NOTICES = "notices", _("Notices")
    POLICIES = "policies", _("Policy documents")
    TOWN = "town", _("Town / committee")


class CommentStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting review")
    APPROVED = "approved", _("Published")
    REJECTED = "rejected", _("Rejected")


#: Allowed comment transitions (moderation). An approved comment may still be withdrawn.
COMMENT_TRANSITIONS: dict[str, set[str]] = {
    CommentStatus.PENDING: {CommentStatus.APPROVED, CommentStatus.REJECTED},
    CommentStatus.APPROVED: {CommentStatus.REJECTED},
    CommentStatus.REJECTED: {CommentStatus.APPROVED},
}


class ReviewStage(models.TextChoices):
    """The three reviews of 三审三校; each is a Wagtail group approval task."""

    FIRST = "first", _("First review")
    SECOND = "second", _("Second review")
    FINAL = "final", _("Final approval")


class CorrectionStatus(models.TextChoices):
    """A visitor's "suggest a correction" on a published page, handled by the section's editors."""

    PENDING = "pending", _("Awaiting the editors")
    ACCEPTED = "accepted", _("Corrected")
    DECLINED = "declined", _("Not corrected")


#: Allowed correction transitions: the editors answer once, accepting or declining.
CORRECTION_TRANSITIONS: dict[str, set[str]] = {
    CorrectionStatus.PENDING: {CorrectionStatus.ACCEPTED, CorrectionStatus.DECLINED},
    CorrectionStatus.ACCEPTED: set(),
    CorrectionStatus.DECLINED: set(),
}


class ViewChannel(models.TextChoices):
    """Where a page view came from (``?ch=`` tag or the referrer; ``portal/stats.py``).
    ``wechat`` = our page opened in WeChat's in-app browser; ``wechat_mp`` = reads of the copy
    published on the official account, as WeChat's statistics report them (``channels/readcounts.py``)."""

    WEB = "web", _("Web")
    APP = "app", _("App news feed")
    FEED = "feed", _("RSS/Atom/JSON feeds")
    WECHAT = "wechat", _("WeChat")
    WEIBO = "weibo", _("Weibo")
    WECHAT_MP = "wechat_mp", _("WeChat official account reads")


#: Channels a visit to our own site is counted under (``?ch=`` tag, referrer); ``wechat_mp`` is
#: only written by the WeChat read-count job (the official account's own statistics).
SITE_CHANNELS = (ViewChannel.WEB, ViewChannel.APP, ViewChannel.FEED, ViewChannel.WECHAT, ViewChannel.WEIBO)
