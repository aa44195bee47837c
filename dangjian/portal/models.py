"""Portal pages (Wagtail) and the portal's own tables: comments, sensitive words, search tokens,
and the link between organizations and the Wagtail groups that carry their editors' rights."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page

from dangjian.portal import CommentStatus, CorrectionStatus, ReviewStage, SectionKind, ViewChannel
from dangjian.portal.blocks import article_body_blocks, article_text
from dangjian.portal.cache import CSRF_PLACEHOLDER, PAGE_CACHE_FLAG, cached, serve_page

SECTION_PAGE_SIZE = 12


class PortalPageMixin:
    """Context every portal page shares: the home page (header menu) and breadcrumbs."""

    def portal_context(self, request: Any) -> dict[str, Any]:

        page: Page = self  # type: ignore[assignment]
        if getattr(request, "is_preview", False) or page.pk is None:  # drafts: nothing shared
            context: dict[str, Any] = {"breadcrumbs": breadcrumbs(page), "menu_sections": menu_sections(page)}
        else:  # both change only with a publish/unpublish/move, which bumps the cache generation
            context = {
                "breadcrumbs": cached("crumbs", lambda: breadcrumbs(page), page.pk),
                "menu_sections": cached("menu", lambda: menu_sections(page), page.path[:8]),
            }
        if getattr(request, PAGE_CACHE_FLAG, False):
            context["csrf_token"] = CSRF_PLACEHOLDER  # rendered for the shared cache (cache.serve_page)
        return context

    def serve(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        page: Page = self  # type: ignore[assignment]
        response = serve_page(request, lambda: super(PortalPageMixin, self).serve(  # type: ignore[misc]
            request, *args, **kwargs), page.pk)
        if request.method == "GET" and response.status_code == 200:
            from dangjian.portal.counting import record_view

            record_view(page.pk, request)
        return response


class PortalHomePage(PortalPageMixin, Page):
    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["portal.SectionPage"]
    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = _("portal home page")
        verbose_name_plural = _("portal home pages")

    def get_context(self, request: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        context.update(self.portal_context(request))
        context.update(home_blocks(self))
        return context


class SectionPage(PortalPageMixin, Page):
    """A section (栏目): news, results, notices, policies, or one town's/committee's own pages.
    ``organization`` decides who edits it: the publicity officers of that organization or of
    any organization above it."""

    kind = models.CharField(_("kind"), max_length=20, choices=SectionKind.choices, default=SectionKind.NEWS)
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, null=True, blank=True, related_name="portal_sections",
        verbose_name=_("organization"),
        help_text=_("Publicity officers of this organization (and of those above it) edit this section."),
    )
    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])
    show_in_feed = models.BooleanField(_("include in the portal-wide news feed"), default=True)

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel([FieldPanel("kind"), FieldPanel("organization"), FieldPanel("show_in_feed")],
                        heading=_("Section")),
        FieldPanel("intro"),
    ]
    subpage_types = ["portal.ArticlePage", "portal.SectionPage"]
    parent_page_types = ["portal.PortalHomePage", "portal.SectionPage"]

    class Meta:
        verbose_name = _("section page")
        verbose_name_plural = _("section pages")

    def get_context(self, request: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        context.update(self.portal_context(request))
        paginator = Paginator(section_articles(self), SECTION_PAGE_SIZE)
        context["articles"] = paginator.get_page(request.GET.get("page"))
        context["subsections"] = SectionPage.objects.child_of(self).live().public().order_by("path")
        return context


class ArticlePage(PortalPageMixin, Page):
    date = models.DateTimeField(_("publication date"), default=timezone.now)
    summary = models.TextField(_("summary"), blank=True, max_length=500)
    cover_image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("cover image"),
    )
    author = models.CharField(_("author / source"), max_length=100, blank=True)
    body = StreamField(article_body_blocks(), verbose_name=_("body"), blank=True)
    comments_open = models.BooleanField(_("accept public comments"), default=True)

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel([FieldPanel("date"), FieldPanel("author"), FieldPanel("summary"),
                         FieldPanel("cover_image")], heading=_("Article")),
        FieldPanel("body"),
        FieldPanel("comments_open"),
    ]
    subpage_types: list[str] = []
    parent_page_types = ["portal.SectionPage"]

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")

    def get_context(self, request: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from dangjian.portal.forms import CommentForm, CorrectionForm

        context = super().get_context(request, *args, **kwargs)
        context.update(self.portal_context(request))
        context["comments"] = published_comments(self)
        context.setdefault("comment_form", CommentForm())
        context["corrections"] = accepted_corrections(self)
        context.setdefault("correction_form", CorrectionForm(prefix="correction"))
        return context

    def plain_text(self) -> str:
        return article_text(self)


class SectionEditors(models.Model):
    """The Wagtail group holding the page rights on the sections of one organization."""

    organization = models.OneToOneField("orgs.Organization", on_delete=models.CASCADE, related_name="portal_editors")
    group = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="portal_section_editors")

    class Meta:
        verbose_name = _("section editors group")
        verbose_name_plural = _("section editors groups")


class ReviewGroup(models.Model):
    """The Wagtail group whose members perform one review stage of 三审三校."""

    stage = models.CharField(_("stage"), max_length=10, choices=ReviewStage.choices, unique=True)
    group = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="portal_review_stage")

    class Meta:
        verbose_name = _("review group")
        verbose_name_plural = _("review groups")


class PublicComment(models.Model):
    """A comment of the public on an article, or a response on a public matter page (S3): the
    target is either ``page`` or a matter (``matter_kind`` + ``matter_ref``, a source registered
    with ``core.hooks.register_matter_source``). One moderation, answer and review queue for both."""

    page = models.ForeignKey(ArticlePage, on_delete=models.CASCADE, related_name="public_comments",
                             null=True, blank=True, verbose_name=_("article"))
    matter_kind = models.CharField(_("matter kind"), max_length=40, blank=True)
    matter_ref = models.CharField(_("matter"), max_length=64, blank=True)
    matter_title = models.CharField(_("matter title"), max_length=255, blank=True)  # for the review queue
    name = models.CharField(_("name"), max_length=40, blank=True)
    body = models.TextField(_("comment"), max_length=1000)
    status = models.CharField(_("status"), max_length=10, choices=CommentStatus.choices,
                              default=CommentStatus.PENDING, db_index=True)
    flagged_words = models.CharField(_("sensitive words found"), max_length=200, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", verbose_name=_("signed-in user"))
    ip_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("submitted at"), default=timezone.now, db_index=True)
    moderated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("moderated by"))
    moderated_at = models.DateTimeField(_("moderated at"), null=True, blank=True)
    answer = models.TextField(_("official answer"), blank=True, max_length=2000)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("answered by"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    section_path = models.CharField(max_length=255, db_index=True)  # the article's page path ("" for matters)
    org_path = models.CharField(max_length=255, blank=True, db_index=True)  # owning organization

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("public comment")
        verbose_name_plural = _("public comments")
        indexes = [models.Index(fields=["matter_kind", "matter_ref", "status"], name="portal_comment_matter_idx")]
        constraints = [models.CheckConstraint(
            condition=(models.Q(page__isnull=False, matter_kind="", matter_ref="")
                       | (models.Q(page__isnull=True) & ~models.Q(matter_kind="") & ~models.Q(matter_ref=""))),
            name="portal_comment_one_target")]

    def __str__(self) -> str:
        return self.body[:30]

    @property
    def is_matter_response(self) -> bool:
        return bool(self.matter_kind)


class SensitiveWord(models.Model):
    word = models.CharField(_("word"), max_length=50, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["word"]
        verbose_name = _("sensitive word")
        verbose_name_plural = _("sensitive words")

    def __str__(self) -> str:
        return self.word


class SearchToken(models.Model):
    """The portable full-text index: one row per (page, jieba token) with a weight (title tokens
    weigh more). Works the same on SQLite and PostgreSQL; see ``portal/search.py``."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=64)
    weight = models.PositiveIntegerField(default=1)

    class Meta:
        indexes = [models.Index(fields=["token", "page"])]
        constraints = [models.UniqueConstraint(fields=["page", "token"], name="portal_searchtoken_unique")]


class SearchDocument(models.Model):
    """The text a search hit's snippet is cut from (plain text of the live version)."""

    page = models.OneToOneField(Page, on_delete=models.CASCADE, related_name="+", primary_key=True)
    title = models.CharField(max_length=255)
    text = models.TextField(blank=True)
    date = models.DateTimeField(null=True)


class CorrectionSuggestion(models.Model):
    """"Suggest a correction" (S4): a visitor points at an error on a published page; the section's
    editors accept (the correction note is then shown on the page with their answer) or decline."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="+", verbose_name=_("page"))
    quote = models.CharField(_("wrong text"), max_length=300, blank=True)
    body = models.TextField(_("suggested correction"), max_length=1000)
    name = models.CharField(_("name"), max_length=40, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=CorrectionStatus.choices,
                              default=CorrectionStatus.PENDING, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", verbose_name=_("signed-in user"))
    ip_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("submitted at"), default=timezone.now, db_index=True)
    answer = models.TextField(_("editors' answer"), blank=True, max_length=2000)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("answered by"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    org_path = models.CharField(max_length=255, blank=True, db_index=True)  # owning organization

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("correction suggestion")
        verbose_name_plural = _("correction suggestions")

    def __str__(self) -> str:
        return self.body[:30]


class PageViewCount(models.Model):
    """Views of one page from one channel on one day. Written only by the periodic flush of the
    cache counters (``portal/stats.py``) and by channel adapters reporting their own read counts."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(_("channel"), max_length=10, choices=ViewChannel.choices)
    day = models.DateField(_("day"))
    views = models.PositiveBigIntegerField(_("views"), default=0)

    class Meta:
        verbose_name = _("page views")
        verbose_name_plural = _("page views")
        constraints = [models.UniqueConstraint(fields=["page", "channel", "day"], name="portal_pageviews_unique")]
        indexes = [models.Index(fields=["day", "page"], name="portal_pageviews_day_idx")]


# --- What the pages show --------------------------------------------------------------------
# The reads behind the pages' ``get_context`` live with the pages (the models are the bottom of the
# portal: selectors, views, search and stats import them, never the reverse); the feeds and views
# reuse them.

HOME_NEWS = 8
HOME_NOTICES = 6
HOME_RESULTS = 4


def live_articles() -> Any:
    """Live, public articles (a Wagtail PageQuerySet), newest first."""
    return ArticlePage.objects.live().public().select_related("cover_image").order_by("-date", "-pk")


def _under(sections: list[Page]) -> Q:
    q = Q(pk__in=[])
    for s in sections:
        q |= Q(path__startswith=s.path, depth__gt=s.depth)
    return q


def articles_of_kind(home: Page, kind: str) -> Any:
    sections = list(SectionPage.objects.live().descendant_of(home).filter(kind=kind).only("path", "depth"))
    return live_articles().filter(_under(sections))


def home_blocks(home: PortalHomePage) -> dict[str, Any]:
    """The home page's lists, cached until the next publish/unpublish (``portal.cache``)."""
    def build() -> dict[str, Any]:
        return {
            "latest_news": list(news_feed_articles(home)[:HOME_NEWS]),
            "notices": list(articles_of_kind(home, SectionKind.NOTICES)[:HOME_NOTICES]),
            "results": list(articles_of_kind(home, SectionKind.RESULTS)[:HOME_RESULTS]),
            "sections": list(SectionPage.objects.child_of(home).live().public().order_by("path")),
        }

    return cached("home", build, home.pk)


def news_feed_articles(home: Page) -> Any:
    """资讯动态: every live article of the portal except sections kept out of the news feed."""
    hidden = list(SectionPage.objects.descendant_of(home).filter(show_in_feed=False).only("path", "depth"))
    qs = live_articles().descendant_of(home)
    if hidden:
        qs = qs.exclude(_under(hidden))
    return qs


def section_articles(section: SectionPage) -> Any:
    return live_articles().descendant_of(section)


def breadcrumbs(page: Page) -> list[Page]:
    """Ancestors from the portal home down to the page's parent (the home page itself first)."""
    return list(Page.objects.ancestor_of(page).filter(depth__gte=2).order_by("depth"))


def menu_sections(page: Page) -> list[SectionPage]:
    home = Page.objects.ancestor_of(page, inclusive=True).filter(depth=2).first()
    if home is None:
        return []
    return list(SectionPage.objects.child_of(home).live().public().in_menu().order_by("path"))


def published_comments(article: ArticlePage) -> QuerySet[PublicComment]:
    return article.public_comments.filter(status=CommentStatus.APPROVED).order_by("created_at")[:200]


def accepted_corrections(page: Page) -> list[Any]:
    """The correction notes shown on a page: accepted suggestions with the editors' answer."""
    return list(CorrectionSuggestion.objects.filter(page_id=page.pk, status=CorrectionStatus.ACCEPTED)
                .order_by("answered_at", "pk")[:50])
