"""Every write of the portal: setup, sections, editor rights, articles through the 三审三校
workflow, comments and their moderation, the sensitive-word list."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    Site,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from dangjian.core import audit
from dangjian.core.actors import ActingUser, as_user
from dangjian.core.scoping import ALL, in_scope, require, scope_paths, subtrees_q
from dangjian.orgs.models import Organization
from dangjian.portal import COMMENT_TRANSITIONS, CommentStatus, ReviewStage, SectionKind
from dangjian.portal.models import (
    ArticlePage,
    PortalHomePage,
    PublicComment,
    ReviewGroup,
    SectionEditors,
    SectionPage,
    SensitiveWord,
)

EDITORS_GROUP = "门户编辑 Portal editors"
REVIEW_GROUP_NAMES = {
    ReviewStage.FIRST: "一审 First review",
    ReviewStage.SECOND: "二审 Second review",
    ReviewStage.FINAL: "终审 Final approval",
}
DEFAULT_WORKFLOW = "三审三校 Three reviews"
EDITOR_PAGE_PERMS = ("add_page", "change_page")
EDITOR_COLLECTION_PERMS = (("wagtailimages", "add_image"), ("wagtailimages", "choose_image"),
                           ("wagtaildocs", "add_document"), ("wagtaildocs", "choose_document"))
NAME_MAX, BODY_MIN, BODY_MAX, ANSWER_MAX = 40, 2, 1000, 2000


def _perm(app_label: str, codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def _require_superuser_or(user: Any, perm: str, path: str = "") -> None:
    if getattr(user, "is_superuser", False):
        return
    paths = scope_paths(user, perm)
    if path:
        require(user, perm, path)
    elif paths is not ALL and not paths:
        raise PermissionDenied(_("You do not have permission for this organization."))


# --- setup ----------------------------------------------------------------------------------


def _ensure_wagtail_roots() -> Page:
    """Wagtail's migrations create the root page, the root collection and the default locale; a
    database flushed since (or restored without them) gets them back here."""
    from django.conf import settings as dj_settings
    from wagtail.coreutils import get_supported_content_language_variant
    from wagtail.models import Locale

    Locale.objects.get_or_create(language_code=get_supported_content_language_variant(dj_settings.LANGUAGE_CODE))
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    root = Page.get_first_root_node()
    if root is None:
        root = Page.add_root(instance=Page(title="Root", slug="root", live=True))
    return root


def _admin_group(name: str) -> Group:
    group, _created = Group.objects.get_or_create(name=name)
    group.permissions.add(_perm("wagtailadmin", "access_admin"))
    root = Collection.get_first_root_node()
    for app_label, codename in EDITOR_COLLECTION_PERMS:
        GroupCollectionPermission.objects.get_or_create(group=group, collection=root,
                                                        permission=_perm(app_label, codename))
    return group


def do_setup_portal(*, acting_user: ActingUser, title: str = "", root_org: Organization | None = None) -> PortalHomePage:
    """Create (once) the portal home page as the default site's root, the editors' base group,
    the three review groups and the default 三审三校 workflow on the whole portal."""
    _require_superuser_or(acting_user, "portal.manage", root_org.path if root_org else "")
    with transaction.atomic():
        root = _ensure_wagtail_roots()
        home = PortalHomePage.objects.first()
        if home is None:
            home = PortalHomePage(title=title or _("Party-building portal"), slug="portal")
            root.add_child(instance=home)
            # Our own check above (portal.manage) governs the portal's structure.
            home.save_revision(user=acting_user).publish(user=acting_user, skip_permission_checks=True)
        site = Site.objects.filter(is_default_site=True).first()
        if site is None:
            Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True,
                                site_name=home.title)
        elif site.root_page_id != home.pk:
            site.root_page = home
            site.save()
        _admin_group(EDITORS_GROUP)
        tasks = []
        for stage in ReviewStage:
            group = _admin_group(REVIEW_GROUP_NAMES[stage])
            ReviewGroup.objects.get_or_create(stage=stage, defaults={"group": group})
            task, _created = GroupApprovalTask.objects.get_or_create(name=str(stage.label))
            task.groups.add(group)
            tasks.append(task)
        workflow, created = Workflow.objects.get_or_create(name=DEFAULT_WORKFLOW)
        if created:
            for i, task in enumerate(tasks):
                WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=i)
        WorkflowPage.objects.get_or_create(page=home, defaults={"workflow": workflow})
        audit.record(acting_user, "portal.setup", home, target_label=home.title)
    return home


def do_assign_workflow(section: Page, workflow: Workflow, *, acting_user: ActingUser) -> None:
    """Give ``section`` (and its subtree) its own review workflow."""
    _require_superuser_or(acting_user, "portal.manage")
    with transaction.atomic():
        WorkflowPage.objects.update_or_create(page=section, defaults={"workflow": workflow})
        audit.record(acting_user, "portal.workflow_assigned", section, after={"workflow": workflow.name})


# --- sections and editor rights -------------------------------------------------------------


def do_create_section(parent: Page, *, title: str, kind: str, acting_user: ActingUser, slug: str = "",
                      organization: Organization | None = None, intro: str = "") -> SectionPage:
    if kind not in SectionKind.values:
        raise ValidationError({"kind": _("Choose a valid section kind.")})
    if not title.strip():
        raise ValidationError({"title": _("Enter a title.")})
    _require_superuser_or(acting_user, "portal.manage", organization.path if organization else "")
    with transaction.atomic():
        section = SectionPage(title=title.strip(), slug=slug or slugify(title, allow_unicode=True) or kind,
                              kind=kind, organization=organization, intro=intro, show_in_menus=True)
        parent.add_child(instance=section)
        section.save_revision(user=acting_user).publish(user=acting_user, skip_permission_checks=True)
        audit.record(acting_user, "portal.section_created", section, target_label=section.title,
                     org_path=organization.path if organization else "")
        do_sync_section_permissions()
    return section


def do_sync_section_permissions() -> None:
    """Each organization with sections gets a Wagtail group holding add/change (never publish)
    on exactly those section pages; rights that no longer match a section are removed. Then
    every user's group membership is brought in line with their publicity roles."""
    with transaction.atomic():
        perms = [_perm("wagtailcore", c) for c in EDITOR_PAGE_PERMS]
        wanted: set[tuple[int, int, int]] = set()
        sections = SectionPage.objects.filter(organization__isnull=False).select_related("organization")
        for section in sections:
            org = section.organization
            assert org is not None
            link = SectionEditors.objects.filter(organization=org).select_related("group").first()
            if link is None:
                name = ("{}·{} [{}]".format(_("Portal editors"), org.display_name, org.path))[:150]
                group = _admin_group(name)
                link = SectionEditors.objects.create(organization=org, group=group)
            for perm in perms:
                GroupPagePermission.objects.get_or_create(group=link.group, page_id=section.pk, permission=perm)
                wanted.add((link.group_id, section.pk, perm.pk))
        managed = SectionEditors.objects.values_list("group_id", flat=True)
        for gpp in GroupPagePermission.objects.filter(group_id__in=managed):
            if (gpp.group_id, gpp.page_id, gpp.permission_id) not in wanted:
                gpp.delete()
    do_sync_all_editors()


def editor_groups_for(user: Any) -> set[int]:
    """The managed Wagtail groups ``user`` should be in, from their ``portal.edit`` scope."""
    if not getattr(user, "is_active", False):
        return set()
    paths = scope_paths(user, "portal.edit")
    if paths is not ALL and not paths:
        return set()
    links = SectionEditors.objects.all()
    if paths is not ALL:
        links = links.filter(subtrees_q(paths, "organization__path"))  # type: ignore[arg-type]
    groups = set(links.values_list("group_id", flat=True))
    base = Group.objects.filter(name=EDITORS_GROUP).values_list("pk", flat=True).first()
    if base:
        groups.add(base)
    return groups


def do_sync_editor_groups(user: Any) -> bool:
    """Bring ``user``'s portal-editor groups in line with their roles. Returns True if changed."""
    managed = set(SectionEditors.objects.values_list("group_id", flat=True))
    managed |= set(Group.objects.filter(name=EDITORS_GROUP).values_list("pk", flat=True))
    for attr in ("_dj_assignments", "_dj_scope"):
        if hasattr(user, attr):
            delattr(user, attr)
    wanted = editor_groups_for(user)
    current = set(user.groups.filter(pk__in=managed).values_list("pk", flat=True))
    if wanted == current:
        return False
    with transaction.atomic():
        user.groups.remove(*(current - wanted))
        user.groups.add(*(wanted - current))
        audit.record(None, "portal.editor_rights_synced", user, before={"groups": sorted(current)},
                     after={"groups": sorted(wanted)})
    for attr in ("_page_permission_cache", "_explorable_root_page_cache", "_perm_cache", "_group_perm_cache"):
        if hasattr(user, attr):
            delattr(user, attr)
    return True


def do_sync_all_editors() -> int:
    """Sync every user who holds a managed group or a role carrying ``portal.edit``."""
    from dangjian.core.models import RoleAssignment, User
    from dangjian.core.roles import roles_with

    managed = list(SectionEditors.objects.values_list("group_id", flat=True))
    users = User.objects.filter(
        pk__in=RoleAssignment.objects.filter(role__in=roles_with("portal.edit")).values("user_id")
    ) | User.objects.filter(groups__in=managed) | User.objects.filter(groups__name=EDITORS_GROUP)
    return sum(do_sync_editor_groups(u) for u in users.distinct())


def do_set_reviewer(user: Any, stage: str, *, acting_user: ActingUser, on: bool = True) -> None:
    """Put ``user`` into (or take them out of) the review group of ``stage``."""
    _require_superuser_or(acting_user, "portal.manage")
    link = ReviewGroup.objects.select_related("group").filter(stage=stage).first()
    if link is None:
        raise ValidationError({"stage": _("The portal has not been set up yet.")})
    with transaction.atomic():
        (user.groups.add if on else user.groups.remove)(link.group)
        audit.record(acting_user, "portal.reviewer_set" if on else "portal.reviewer_unset", user,
                     after={"stage": stage})


# --- articles and the review workflow ---------------------------------------------------------


def do_create_article(section: SectionPage, data: Mapping[str, Any], *, acting_user: ActingUser) -> ArticlePage:
    """A draft article under ``section`` (saved as a revision, not live)."""
    if not section.permissions_for_user(acting_user).can_add_subpage():
        raise PermissionDenied(_("You may not add pages to this section."))
    title = str(data.get("title") or "").strip()
    if not title:
        raise ValidationError({"title": _("Enter a title.")})
    with transaction.atomic():
        article = ArticlePage(
            title=title, slug=data.get("slug") or slugify(title, allow_unicode=True)[:50] or "article",
            summary=data.get("summary", ""), author=data.get("author", ""), body=data.get("body") or [],
            cover_image=data.get("cover_image"), date=data.get("date") or timezone.now(),
            owner=acting_user, live=False,
        )
        if Page.objects.child_of(section).filter(slug=article.slug).exists():
            article.slug = "{}-{}".format(article.slug[:40], timezone.now().strftime("%H%M%S%f"))
        section.add_child(instance=article)
        article.save_revision(user=acting_user)
        audit.record(acting_user, "portal.article_created", article, target_label=title,
                     org_path=_org_path(section))
    return article


def _org_path(page: Page) -> str:
    from dangjian.portal.selectors import section_organization_path

    return section_organization_path(page)


def do_submit_for_review(page: Page, *, acting_user: ActingUser) -> Any:
    """Start the page's workflow (三审三校) on its latest revision."""
    page = page.specific
    if not page.permissions_for_user(acting_user).can_submit_for_moderation():
        raise PermissionDenied(_("You may not submit this page for review."))
    workflow = page.get_workflow()
    if workflow is None:
        raise ValidationError({"workflow": _("No review workflow applies to this page.")})
    with transaction.atomic():
        if page.latest_revision is None:
            page.save_revision(user=acting_user)
        state = workflow.start(page, acting_user)
        audit.record(acting_user, "portal.submitted", page, target_label=page.title, org_path=_org_path(page))
    return state


def do_review(page: Page, *, acting_user: ActingUser, approve: bool, comment: str = "") -> None:
    """Approve (or send back) the page's current review task; the last approval publishes."""
    page = page.specific
    state = page.current_workflow_task_state
    if state is None:
        raise ValidationError({"workflow": _("This page is not in review.")})
    task = state.task.specific
    action = "approve" if approve else "reject"
    allowed = {name for name, *_rest in task.get_actions(page, acting_user)}
    if action not in allowed:
        raise PermissionDenied(_("You are not a reviewer of this stage."))
    with transaction.atomic():
        task.on_action(state, acting_user, action, comment=comment)
        audit.record(acting_user, "portal.reviewed", page, reason=comment, target_label=page.title,
                     after={"task": task.name, "approved": approve}, org_path=_org_path(page))


def do_publish_page(page: Page, *, acting_user: ActingUser) -> None:
    """Publish directly — only for users with Wagtail's publish right (administrators); editors
    must go through the workflow."""
    page = page.specific
    if not page.permissions_for_user(acting_user).can_publish():
        raise PermissionDenied(_("You may not publish this page; submit it for review."))
    with transaction.atomic():
        revision = page.latest_revision or page.save_revision(user=acting_user)
        revision.publish(user=acting_user)
        audit.record(acting_user, "portal.published", page, target_label=page.title, org_path=_org_path(page))


# --- comments --------------------------------------------------------------------------------


def _clean_comment(data: Mapping[str, Any]) -> tuple[str, str]:
    name = "".join(ch for ch in str(data.get("name") or "") if ch.isprintable()).strip()
    body = "".join(ch for ch in str(data.get("body") or "") if ch in "\n" or ch.isprintable()).strip()
    errors: dict[str, str] = {}
    if len(name) > NAME_MAX:
        errors["name"] = _("The name may have at most %(max)d characters.") % {"max": NAME_MAX}
    if len(body) < BODY_MIN:
        errors["body"] = _("Write a comment of at least %(min)d characters.") % {"min": BODY_MIN}
    elif len(body) > BODY_MAX:
        errors["body"] = _("A comment may have at most %(max)d characters.") % {"max": BODY_MAX}
    if errors:
        raise ValidationError(errors)
    return name, body


def sensitive_words_in(text: str) -> list[str]:
    lowered = text.lower()
    return [w for w in SensitiveWord.objects.values_list("word", flat=True) if w.lower() in lowered]


def do_submit_comment(target: Any, data: Mapping[str, Any], *, user: Any = None, ip: str = "") -> PublicComment:
    """A visitor's comment on an article, or response on a public matter page (``target`` is an
    ``ArticlePage`` or a ``disclosure.MatterTarget``). It waits for a moderator (or, without
    pre-moderation, is shown at once unless it contains a sensitive word)."""
    from dangjian.portal.disclosure import MatterTarget

    if isinstance(target, MatterTarget):
        if not target.responses_open:
            raise ValidationError({"body": target.closed_reason or _("This matter no longer takes responses.")})
        fields: dict[str, Any] = {"page": None, "matter_kind": target.kind, "matter_ref": target.ref,
                                  "matter_title": target.title, "section_path": "", "org_path": target.org_path}
    else:
        if not target.live or not target.comments_open:
            raise ValidationError({"body": _("This article does not accept comments.")})
        fields = {"page": target, "section_path": target.path, "org_path": _org_path(target)}
    name, body = _clean_comment(data)
    flagged = sensitive_words_in(name + "\n" + body)
    premoderate = getattr(settings, "PORTAL_COMMENT_PREMODERATION", True)
    status = CommentStatus.PENDING if (premoderate or flagged) else CommentStatus.APPROVED
    signed_in = getattr(user, "is_authenticated", False)
    with transaction.atomic():
        comment = PublicComment.objects.create(
            name=name, body=body, status=status, flagged_words=",".join(flagged)[:200],
            user=user if signed_in else None, ip_hash=hashlib.sha256(ip.encode()).hexdigest() if ip else "",
            **fields,
        )
        audit.record(user if signed_in else None, "portal.comment_submitted", comment, org_path=comment.org_path,
                     after={"status": status, "flagged": flagged, "matter": [comment.matter_kind, comment.matter_ref]
                            if comment.matter_kind else None})
        if status == CommentStatus.APPROVED:
            _on_published(comment)
    return comment


def submit_target_comment(*, kind: str, ref: str, title: str, org_path: str, data: Mapping[str, Any], user: Any,
                          ip: str = "") -> dict[str, Any]:
    """A signed-in user's comment under another module's record (``core.hooks.submit_comment``,
    e.g. a party-school lesson): the same ``do_submit_comment`` as an article comment — sensitive
    words, pre-moderation, the one review queue, moderated by ``portal.moderate`` of ``org_path``.
    Only registered comment targets, never a public matter's kind."""
    from dangjian.core.hooks import comment_target, matter_source
    from dangjian.portal.disclosure import MatterTarget

    if comment_target(kind) is None or matter_source(kind) is not None:
        raise ValueError(f"{kind!r} is not a comment target")
    target = MatterTarget(kind=kind, ref=str(ref)[:64], title=str(title or "")[:255], org_path=org_path,
                          responses_open=True, closed_reason="")
    comment = do_submit_comment(target, data, user=user, ip=ip)
    return {"id": comment.pk, "status": comment.status}


def _on_published(comment: PublicComment) -> None:
    """A comment became public: after the commit it is analysed on arrival (insight), and for a
    response on a matter page its source is told (e.g. the case's handlers are notified,
    ``cases/disclosure.py``)."""
    from dangjian.core.hooks import text_added
    from dangjian.portal.textsource import record_of

    text_added("comments", record_of(comment))
    if not comment.matter_kind:
        return
    from django.urls import reverse

    from dangjian.core.hooks import matter_response_published

    response = {"id": comment.pk, "name": comment.name, "body": comment.body, "created_at": comment.created_at,
                "url": reverse("portal:matter", args=[comment.matter_kind, comment.matter_ref]) + "#responses"}
    kind, ref = comment.matter_kind, comment.matter_ref
    transaction.on_commit(lambda: matter_response_published(kind, ref, response))


def _require_moderator(user: Any, comment: PublicComment) -> None:
    """Moderators act on comments of their organizations' sections (responses: of the matter's
    owning organization); a comment on a section with no organization, or a response to a matter
    whose source names none, is for county-wide moderators (scope ALL, i.e. superusers) only."""
    if getattr(user, "is_superuser", False):
        return
    if not (comment.org_path and in_scope(user, "portal.moderate", comment.org_path)):
        raise PermissionDenied(_("You may not moderate comments of this section."))


def do_moderate_comment(comment: PublicComment, status: str, *, acting_user: ActingUser, reason: str = "") -> PublicComment:
    _require_moderator(acting_user, comment)
    if status not in COMMENT_TRANSITIONS.get(comment.status, set()):
        raise ValidationError({"status": _("A comment that is “%(from)s” cannot become “%(to)s”.") % {
            "from": CommentStatus(comment.status).label, "to": CommentStatus(status).label
            if status in CommentStatus.values else status}})
    with transaction.atomic():
        before = comment.status
        comment.status = status
        comment.moderated_by = as_user(acting_user)
        comment.moderated_at = timezone.now()
        comment.save(update_fields=["status", "moderated_by", "moderated_at"])
        audit.record(acting_user, "portal.comment_moderated", comment, before={"status": before},
                     after={"status": status}, reason=reason, org_path=comment.org_path)
        if status == CommentStatus.APPROVED:
            _on_published(comment)
    transaction.on_commit(lambda: bump_cache_generation())
    return comment


def do_answer_comment(comment: PublicComment, answer: str, *, acting_user: ActingUser) -> PublicComment:
    """The official answer, shown under the comment once the comment is published."""
    _require_moderator(acting_user, comment)
    answer = "".join(ch for ch in str(answer or "") if ch in "\n" or ch.isprintable()).strip()
    if not answer:
        raise ValidationError({"answer": _("Write the answer.")})
    if len(answer) > ANSWER_MAX:
        raise ValidationError({"answer": _("The answer may have at most %(max)d characters.") % {"max": ANSWER_MAX}})
    with transaction.atomic():
        before = comment.answer
        comment.answer = answer
        comment.answered_by = as_user(acting_user)
        comment.answered_at = timezone.now()
        comment.save(update_fields=["answer", "answered_by", "answered_at"])
        audit.record(acting_user, "portal.comment_answered", comment, before={"answer": before},
                     after={"answer": answer}, org_path=comment.org_path)
    transaction.on_commit(lambda: bump_cache_generation())
    return comment


def do_set_sensitive_words(words: Iterable[str], *, acting_user: ActingUser) -> list[str]:
    _require_superuser_or(acting_user, "portal.manage")
    cleaned: list[str] = []
    for w in words:
        w = w.strip()
        if not w:
            continue
        if len(w) > 50:
            raise ValidationError({"words": _("A word may have at most 50 characters: %(word)s") % {"word": w[:20]}})
        if w not in cleaned:
            cleaned.append(w)
    with transaction.atomic():
        before = list(SensitiveWord.objects.values_list("word", flat=True))
        SensitiveWord.objects.exclude(word__in=cleaned).delete()
        for w in cleaned:
            SensitiveWord.objects.get_or_create(word=w)
        audit.record(acting_user, "portal.sensitive_words_set", None, before={"words": before},
                     after={"words": cleaned})
    return cleaned


def bump_cache_generation() -> None:
    from dangjian.portal.cache import bump

    bump()



# --- "suggest a correction" (S4) ----------------------------------------------------------------


def _clean_text(value: Any, multiline: bool = True) -> str:
    return "".join(ch for ch in str(value or "") if (multiline and ch == "\n") or ch.isprintable()).strip()


def do_suggest_correction(page: Page, data: Mapping[str, Any], *, user: Any = None, ip: str = "") -> Any:
    """A visitor's correction of a live, public portal page. It goes to the editors of the
    page's section (in-app notification) and waits for their answer."""
    from dangjian.portal.models import CorrectionSuggestion

    page = page.specific
    if not page.live or not isinstance(page, ArticlePage | SectionPage | PortalHomePage):
        raise ValidationError({"body": _("This page does not accept corrections.")})
    quote = _clean_text(data.get("quote"), multiline=False)
    body = _clean_text(data.get("body"))
    name = _clean_text(data.get("name"), multiline=False)
    errors: dict[str, str] = {}
    if len(body) < BODY_MIN:
        errors["body"] = _("Describe the correction in at least %(min)d characters.") % {"min": BODY_MIN}
    elif len(body) > BODY_MAX:
        errors["body"] = _("A correction may have at most %(max)d characters.") % {"max": BODY_MAX}
    if len(quote) > 300:
        errors["quote"] = _("Quote at most %(max)d characters of the wrong text.") % {"max": 300}
    if len(name) > NAME_MAX:
        errors["name"] = _("The name may have at most %(max)d characters.") % {"max": NAME_MAX}
    if errors:
        raise ValidationError(errors)
    signed_in = getattr(user, "is_authenticated", False)
    with transaction.atomic():
        suggestion = CorrectionSuggestion.objects.create(
            page=page, quote=quote, body=body, name=name, user=user if signed_in else None,
            ip_hash=hashlib.sha256(ip.encode()).hexdigest() if ip else "", org_path=_org_path(page),
        )
        audit.record(user if signed_in else None, "portal.correction_suggested", suggestion,
                     org_path=suggestion.org_path, target_label=page.title)
    transaction.on_commit(lambda: _notify_section_editors(suggestion))
    return suggestion


def section_editor_ids(org_path: str) -> list[int]:
    """Users holding ``portal.edit`` on the organization ``org_path`` (its own publicity officers
    and those above it); for a page without an owning organization, the county-wide ones."""
    from dangjian.core.models import RoleAssignment, User
    from dangjian.core.roles import roles_with

    step = Organization.steplen
    ancestors = [org_path[:i] for i in range(step, len(org_path) + 1, step)]
    user_ids = RoleAssignment.objects.filter(role__in=roles_with("portal.edit")).filter(
        Q(organization__isnull=True) | Q(organization__path__in=ancestors)).values("user_id")
    return sorted(User.objects.filter(pk__in=user_ids, is_active=True).values_list("pk", flat=True))


def _notify_section_editors(suggestion: Any) -> None:
    from django.urls import reverse

    from dangjian.core.notifications import notify

    notify(section_editor_ids(suggestion.org_path), "portal.correction",
           title=_("A visitor suggests a correction: %(title)s") % {"title": suggestion.page.title},
           body=suggestion.body[:200], url=reverse("portal:corrections"))


def _require_section_editor(user: Any, suggestion: Any) -> None:
    if getattr(user, "is_superuser", False):
        return
    if not (suggestion.org_path and in_scope(user, "portal.edit", suggestion.org_path)):
        raise PermissionDenied(_("You may not answer corrections of this section."))


def do_answer_correction(suggestion: Any, status: str, answer: str, *, acting_user: ActingUser) -> Any:
    """The editors' decision with an answer: accepted corrections are shown on the page as a
    correction note (更正说明) with the answer; declined ones stay private."""
    from dangjian.portal import CORRECTION_TRANSITIONS, CorrectionStatus

    _require_section_editor(acting_user, suggestion)
    if status not in CORRECTION_TRANSITIONS.get(suggestion.status, set()):
        raise ValidationError({"status": _("A correction that is “%(from)s” cannot become “%(to)s”.") % {
            "from": CorrectionStatus(suggestion.status).label,
            "to": CorrectionStatus(status).label if status in CorrectionStatus.values else status}})
    answer = _clean_text(answer)
    if not answer:
        raise ValidationError({"answer": _("Write the answer.")})
    if len(answer) > ANSWER_MAX:
        raise ValidationError({"answer": _("The answer may have at most %(max)d characters.") % {"max": ANSWER_MAX}})
    with transaction.atomic():
        before = suggestion.status
        suggestion.status = status
        suggestion.answer = answer
        suggestion.answered_by = acting_user
        suggestion.answered_at = timezone.now()
        suggestion.save(update_fields=["status", "answer", "answered_by", "answered_at"])
        audit.record(acting_user, "portal.correction_answered", suggestion, before={"status": before},
                     after={"status": status, "answer": answer}, org_path=suggestion.org_path)
        if status == CorrectionStatus.ACCEPTED:  # the note appears on the cached page
            bump_cache_generation()
            transaction.on_commit(bump_cache_generation)  # readers before the commit cached the old page
    return suggestion
