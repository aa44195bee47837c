"""The hook registry: how modules plug things into core pages, and give lower modules what they
need, without being imported by them (``lint-imports`` enforces the direction; the list of hooks
and who registers them is in docs/architecture.md, "Dependencies"). Every hook is registered from
a module's ``AppConfig.ready()``. The first two:

``register_home_item(provider)``
    ``provider(request)`` returns an iterable of small dicts shown in the "for you" area of the
    member home (党员e家)::

        {"title": "Dues for May", "body": "¥12.00 due by 31 May", "url": "/dues/", "order": 10}

    ``title`` is required; ``body``, ``url`` and ``order`` (lower first, default 100) are
    optional. Providers run on every member-home view, so keep them to one or two queries. A
    provider that raises is logged and skipped: one broken module never breaks the page.

``register_nav_entry(url_name, label, *, group, icon, order, perm, member, visible, badge, primary)``
    An entry of the grouped navigation (side bar, phone bottom bar, ``/api/v1/me/navigation``);
    see ``core/navigation.py``. A URL name that does not resolve is skipped silently.

``register_todo_source(key, label, *, items, count, perm, member, visible)``
    Open work waiting for a user (the workbench's to-do list, badges, the daily digest); see
    ``core/todos.py``.

``register_search_provider(kind, label, find, *, perm, member, order)``
    What the one search box finds in a module, scoped to the caller; see ``core/search.py``.

``register_figure(Figure(key, label, module=, unit=, perm=, rows= | value=, dimensions=, …))``
    A statistics figure computed for an organization subtree as of a date, with the records it
    drills to; see ``core/stats.py``. Read by the statistics module and the workbench.

``register_text_source(TextSource(key, label, batches))``
    Citizens' texts offered to analysis (opinion insight), scoped by organization subtree; the
    record format is described at the registry below.

``register_text_listener(listener)`` / ``text_added(source_key, record)``
    A new text announced by its module (on commit), for analysis on arrival.

``register_evaluation_result_listener(listener)``
    ``listener(result)`` after a democratic evaluation is finished (its result stored, or final
    without one below the group minimum), on commit; the dict is described at the registry below.

``register_public_link(url_name, label, *, order)``
    A link for the public (no account) shown in the portal's menu — e.g. reports' "Report a
    violation" page — so the portal links to a module it does not import.

``register_activity_listener(listener)``
    ``listener(events)`` when a module has verified members' activity (attendance confirmed when
    an orglife activity is closed …), inside that module's transaction; see the registry below.

``register_service_outcome(ServiceOutcome(key, label, apply, fields=))``
    What an approved application of the service centre hands to the module that owns the outcome
    (a floating certificate issued by the member lifecycle …); see the registry below.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from dangjian.core.navigation import register_nav_entry, unregister_nav_entry
from dangjian.core.ownmember import register_own_member, resolve_own_member
from dangjian.core.search import SearchHit, register_search_provider, unregister_search_provider
from dangjian.core.stats import Dimension, Figure, register_figure, unregister_figure
from dangjian.core.todos import Todo, register_todo_source, unregister_todo_source

__all__ = [
    "register_own_member", "resolve_own_member",
    "Dimension", "Figure", "register_figure", "unregister_figure",
    "SearchHit", "Todo", "register_nav_entry", "register_search_provider", "register_todo_source",
    "unregister_nav_entry", "unregister_search_provider", "unregister_todo_source",
]

log = logging.getLogger(__name__)

HomeItemProvider = Callable[[HttpRequest], Iterable[dict[str, Any]]]

_home_providers: list[HomeItemProvider] = []


def register_home_item(provider: HomeItemProvider) -> HomeItemProvider:
    """Register ``provider`` (also usable as a decorator). Registering twice is a no-op."""
    if provider not in _home_providers:
        _home_providers.append(provider)
    return provider


def unregister_home_item(provider: HomeItemProvider) -> None:
    if provider in _home_providers:
        _home_providers.remove(provider)


def home_items(request: HttpRequest) -> list[dict[str, Any]]:
    """All providers' items for this request, sorted by ``order``."""
    items: list[dict[str, Any]] = []
    for provider in list(_home_providers):
        try:
            for item in provider(request) or ():
                if item.get("title"):
                    items.append(
                        {"title": item["title"], "body": item.get("body", ""), "url": item.get("url", ""),
                         "order": item.get("order", 100)}
                    )
        except Exception:
            log.exception("home item provider %r failed", provider)
    items.sort(key=lambda i: i["order"])
    return items


@dataclass(frozen=True)
class DemoContext:
    """What a module's demo seeder gets: the demo tree's root, the demo branch (the one the
    demo secretary and member belong to), the demo accounts by username, a seeded random
    generator (same seed, same data), the demo's "today", and the scale name
    (``small``/``county``/``province``: seeders keep big scales cheap)."""

    root: Any
    branch: Any
    users: dict[str, Any]
    rng: Any
    today: Any
    scale: str


DemoSeeder = Callable[[DemoContext], None]
_demo_seeders: list[tuple[int, DemoSeeder]] = []


def register_demo_seeder(seeder: DemoSeeder, *, order: int = 100) -> DemoSeeder:
    """A module adds its demo data (articles, activities, bills …) to ``seed_demo`` with this,
    from ``AppConfig.ready()``. Seeders run after the tree, members and demo accounts exist,
    inside the seeding transaction (a failure leaves nothing behind), lower ``order`` first.
    They must write through the module's own actions where those exist."""
    if all(s is not seeder for _, s in _demo_seeders):
        _demo_seeders.append((order, seeder))
    return seeder


def run_demo_seeders(ctx: DemoContext) -> None:
    for _order, seeder in sorted(_demo_seeders, key=lambda pair: pair[0]):
        seeder(ctx)


MemberActionProvider = Callable[[HttpRequest, Any], Iterable[dict[str, Any]]]
_member_action_providers: list[MemberActionProvider] = []


def register_member_action(provider: MemberActionProvider) -> MemberActionProvider:
    """Buttons other modules add to a member's page (start a transfer, issue a floating
    certificate …). ``provider(request, member)`` returns dicts ``{"label", "url", "order"}``;
    it must check the user's rights on the member itself (in_scope) and cost no queries beyond
    that. A provider that raises is logged and skipped."""
    if provider not in _member_action_providers:
        _member_action_providers.append(provider)
    return provider


def member_actions(request: HttpRequest, member: Any) -> list[dict[str, Any]]:
    actions: list[dict[str, Any]] = []
    for provider in list(_member_action_providers):
        try:
            actions.extend(a for a in provider(request, member) or () if a.get("label") and a.get("url"))
        except Exception:
            log.exception("member action provider %r failed", provider)
    actions.sort(key=lambda a: a.get("order", 100))
    return actions


RoleListener = Callable[[Any], object]
_role_listeners: list[RoleListener] = []


def register_role_listener(listener: RoleListener) -> RoleListener:
    """``listener(user)`` runs after a transaction that granted or revoked one of ``user``'s
    roles has committed (e.g. the portal brings the user's Wagtail editor groups in line).
    A listener that raises is logged and skipped; periodic jobs remain the safety net."""
    if listener not in _role_listeners:
        _role_listeners.append(listener)
    return listener


def roles_changed(user: Any) -> None:
    """Called by core's role actions; runs the listeners on commit."""
    from django.db import transaction

    def run() -> None:
        for listener in list(_role_listeners):
            try:
                listener(user)
            except Exception:
                log.exception("role listener %r failed", listener)

    transaction.on_commit(run)


# --- Whole-process disclosure (S3): public matters -------------------------------------------
# A module that owns matters (cases/opinions, development notices, service applications …)
# registers a ``MatterSource`` from its ``AppConfig.ready()``; the portal only reads through it
# (``/portal/matters/`` and ``/portal/matters/<kind>/<ref>/``). A source decides what is public:
# ``get(ref)`` answers None for an unknown or private matter (the page then answers 404), and
# every text it returns is meant for the public (names masked, internal steps left out).
#
#   get(ref) -> {"ref", "title", "summary", "state", "place", "started_at", "updated_at",
#                "steps": [{"at", "kind", "label", "text", "department"}],
#                optional: "org_path" (the owning organization: the portal's comment moderators
#                of its subtree moderate the public's responses; never shown),
#                "responses_open" (default True), "responses_closed_reason" (shown instead of
#                the form when closed)} | None
#   count() -> int                         number of public matters of this kind
#   listing(offset, limit) -> [dict]       newest first, the same keys without "steps"
#   on_response(ref, response) (optional)  a response of the public to the matter was published
#                (response: {"id", "name", "body", "created_at", "url"}); e.g. notify the handlers


@dataclass(frozen=True)
class MatterSource:
    kind: str  # the URL segment: [a-z0-9-]+
    label: Any  # a lazy translation
    get: Callable[[str], dict[str, Any] | None]
    count: Callable[[], int]
    listing: Callable[[int, int], list[dict[str, Any]]]
    order: int = 100
    on_response: Callable[[str, dict[str, Any]], object] | None = None


_matter_sources: dict[str, MatterSource] = {}


def register_matter_source(source: MatterSource) -> MatterSource:
    """Register (or replace, by ``kind``) a source of public matters."""
    _matter_sources[source.kind] = source
    return source


def matter_sources() -> list[MatterSource]:
    return sorted(_matter_sources.values(), key=lambda s: (s.order, s.kind))


def matter_source(kind: str) -> MatterSource | None:
    return _matter_sources.get(kind)


_matter_response_readers: list[Callable[[str, str], list[dict[str, Any]]]] = []


def register_matter_responses(reader: Callable[[str, str], list[dict[str, Any]]]) -> None:
    """The module that takes the public's responses on matter pages (the portal) says how to read
    the published ones: ``reader(kind, ref)`` → ``[{"id", "name", "body", "created_at", "answer",
    "answered_at"}]``, oldest first. The owning module shows them to its staff (a case's page)."""
    if reader not in _matter_response_readers:
        _matter_response_readers.append(reader)


def matter_responses(kind: str, ref: str) -> list[dict[str, Any]]:
    """The published responses of the public on matter ``kind``/``ref`` (none without a reader)."""
    return [r for reader in _matter_response_readers for r in reader(kind, ref)]


def matter_response_published(kind: str, ref: str, response: dict[str, Any]) -> None:
    """Tell the source of matter ``kind`` that a response of the public was published (after the
    commit of the caller's transaction). A source that raises is logged and skipped."""
    source = _matter_sources.get(kind)
    if source is None or source.on_response is None:
        return
    try:
        source.on_response(ref, response)
    except Exception:
        log.exception("matter source %r: on_response failed", kind)


# --- Comments under other modules' records (issue 16: the learning exchange) -----------------
# The portal moderates comments: sensitive words, pre-moderation, its review queue
# (``/staff/portal/comments/``) and official answers. A module that takes comments of signed-in
# users under its own records (the party school's lessons) sends them through the same pipeline:
# it registers a ``CommentTarget`` for its kind (what the review queue shows and links to) and
# calls ``submit_comment``; the published ones, with their answers, are read back with
# ``matter_responses(kind, ref)``. A comment target is never a public matter: the portal shows no
# page for it, so the comments stay where the owning module shows them (behind its access check).


@dataclass(frozen=True)
class CommentTarget:
    kind: str  # [a-z0-9-]+, distinct from every public matter kind
    label: Any  # a lazy translation, shown in the review queue ("Comment under a lesson")
    url: Callable[[str], str]  # the record's page, for the moderator (behind the module's own check)


_comment_targets: dict[str, CommentTarget] = {}
_comment_submitters: list[Callable[..., dict[str, Any]]] = []


def register_comment_target(target: CommentTarget) -> CommentTarget:
    """Register (or replace, by ``kind``) a kind of record that takes comments."""
    _comment_targets[target.kind] = target
    return target


def comment_target(kind: str) -> CommentTarget | None:
    return _comment_targets.get(kind)


def register_comment_submitter(submitter: Callable[..., dict[str, Any]]) -> None:
    """The module that moderates comments (the portal) takes them:
    ``submitter(kind=, ref=, title=, org_path=, data={"name", "body"}, user=, ip=)`` →
    ``{"id", "status": "pending" | "approved"}``; bad input raises ValidationError naming the
    field (``name``, ``body``), nothing written."""
    if submitter not in _comment_submitters:
        _comment_submitters.append(submitter)


def comments_available() -> bool:
    return bool(_comment_submitters)


def submit_comment(kind: str, ref: str, *, title: str, org_path: str, data: dict[str, Any], user: Any,
                   ip: str = "") -> dict[str, Any]:
    """Send a comment on record ``kind``/``ref`` (registered with ``register_comment_target``;
    ``org_path``: the owning organization, whose moderators review it) to the moderation pipeline.
    Without a moderating module installed it is refused on ``body``."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    if kind not in _comment_targets:
        raise ValueError(f"{kind!r} is not a registered comment target")
    if not _comment_submitters:
        raise ValidationError({"body": _("Comments are not available on this site.")})
    return _comment_submitters[0](kind=kind, ref=str(ref), title=title, org_path=org_path, data=data,
                                  user=user, ip=ip)


# --- Facts one module gives about another's records ------------------------------------------
# core and the lower modules ask through these; the module that owns the data registers the
# provider from its ``AppConfig.ready()``. With no provider registered (the module is not
# installed) the answer is the documented empty value.

SubtreeCounter = Callable[[list[str]], dict[str, int]]
_org_member_counters: list[SubtreeCounter] = []


def register_org_member_counts(counter: SubtreeCounter) -> SubtreeCounter:
    """The member registry counts current members under organizations for the tree browser:
    ``counter(paths)`` → ``{path: count}`` (subtree totals, one query)."""
    if counter not in _org_member_counters:
        _org_member_counters.append(counter)
    return counter


def org_member_counts(paths: list[str]) -> dict[str, int]:
    """Current members in the subtree of each of ``paths`` (empty without a member registry)."""
    counts: dict[str, int] = {}
    for counter in list(_org_member_counters):
        for path, n in counter(paths).items():
            counts[path] = counts.get(path, 0) + n
    return counts


MemberFact = Callable[[Any], Any]
_member_facts: dict[str, MemberFact] = {}


def register_member_fact(name: str, provider: MemberFact) -> MemberFact:
    """A module states one fact about a member for another module's documents, by name: e.g. the
    dues module registers ``"dues_paid_up_to"`` (the month the member's dues are settled to, a
    date or None) for the transfer letter. ``provider(member)`` costs one or two queries."""
    _member_facts[name] = provider
    return provider


def member_fact(name: str, member: Any) -> Any:
    """The fact ``name`` about ``member``; None when no module provides it."""
    provider = _member_facts.get(name)
    return None if provider is None else provider(member)


WorkbenchCardProvider = Callable[[HttpRequest], Iterable[dict[str, Any]]]
_workbench_card_providers: list[WorkbenchCardProvider] = []


def register_workbench_card(provider: WorkbenchCardProvider) -> WorkbenchCardProvider:
    """Figures on the staff workbench (the home page of users with a role). ``provider(request)``
    returns dicts ``{"label", "value", "url", "link", "order"}`` for the cards this user may see
    (it checks the user's rights itself; an empty iterable hides them)."""
    if provider not in _workbench_card_providers:
        _workbench_card_providers.append(provider)
    return provider


def workbench_cards(request: HttpRequest) -> list[dict[str, Any]]:
    """All providers' cards for this request, sorted by ``order`` (default 100)."""
    cards: list[dict[str, Any]] = []
    for provider in list(_workbench_card_providers):
        try:
            cards.extend(provider(request) or ())
        except Exception:
            if settings.HOOKS_STRICT:
                raise
            log.exception("workbench card provider %r failed", provider)
    cards.sort(key=lambda c: c.get("order", 100))
    return cards


OrgChoices = Callable[[Any, str], list[tuple[int, str]]]
OrgAccess = Callable[[Any, Any, str], Any]
_org_pickers: list[tuple[OrgChoices, OrgAccess]] = []


def register_org_picker(choices: OrgChoices, access: OrgAccess) -> None:
    """The organization tree lets core's pages pick an organization (the account pages grant a
    role on one): ``choices(user, perm)`` → ``[(id, name)]`` of the organizations in the user's
    scope for ``perm``, in tree order; ``access(user, org_id, perm)`` → the organization, or
    ``Http404`` when it is outside that scope. One picker: registering again replaces it."""
    _org_pickers[:] = [(choices, access)]


def org_picker_choices(user: Any, perm: str) -> list[tuple[int, str]]:
    """The organizations ``user`` may pick for ``perm`` (none without an organization tree)."""
    return _org_pickers[0][0](user, perm) if _org_pickers else []


def org_picker_access(user: Any, org_id: Any, perm: str) -> Any:
    """The organization ``org_id`` if ``user`` holds ``perm`` on it; ``Http404`` otherwise."""
    if not _org_pickers:
        from django.http import Http404

        raise Http404
    return _org_pickers[0][1](user, org_id, perm)


# --- Results of democratic evaluations (issue 18) ---------------------------------------------
# The module that holds evaluations (ballots) announces each evaluation it finishes; a module that
# uses the results (the cadre module, later) registers a listener. ``listener(result)`` runs after
# the transaction that stored the result has committed, with a plain dict:
#
#   {"evaluation": "<uuid>", "title", "kind" ("cadre" | "member"), "organization_id", "org_path",
#    "options": ["优秀", …] (the grades, best first), "ballots": int,
#    "results_hidden": bool (fewer ballots than the group minimum: nothing was decrypted and
#                      "subjects" carry no counts),
#    "subjects": [{"name", "member_id" (None when the subject is not linked to a member),
#                  "dimensions": [{"dimension", "counts": [int per grade]}],
#                  "flags": [{"dimension", "rule" ("lowest" | "low"), "share" (per cent), "limit"}],
#                  "flagged": bool}]}
#
# Counts are the published aggregate (also on the public bulletin); no listener ever sees a ballot.

EvaluationResultListener = Callable[[dict[str, Any]], object]
_evaluation_result_listeners: list[EvaluationResultListener] = []


def register_evaluation_result_listener(listener: EvaluationResultListener) -> EvaluationResultListener:
    """``listener(result)`` is called once per finished evaluation, after its commit (see above).
    A listener that raises is logged and skipped (raised under ``HOOKS_STRICT``)."""
    if listener not in _evaluation_result_listeners:
        _evaluation_result_listeners.append(listener)
    return listener


def unregister_evaluation_result_listener(listener: EvaluationResultListener) -> None:
    if listener in _evaluation_result_listeners:
        _evaluation_result_listeners.remove(listener)


def evaluation_result_stored(result: dict[str, Any]) -> None:
    """Called by the evaluations module inside the transaction that stores a result; the
    listeners run when it commits (not at all if it rolls back)."""
    from django.db import transaction

    def run() -> None:
        for listener in list(_evaluation_result_listeners):
            try:
                listener(result)
            except Exception:
                if settings.HOOKS_STRICT:
                    raise
                log.exception("evaluation result listener %r failed", listener)

    transaction.on_commit(run)


# --- Texts offered to analysis (issue 17) -----------------------------------------------------
# A module that holds citizens' texts (opinions, forum threads, portal comments, cases) registers
# a ``TextSource`` from its ``AppConfig.ready()``; the insight module reads every text only
# through these, never by importing the module. ``batches(paths, since, until, size)`` yields
# lists of at most ``size`` dicts, in ascending ``id`` order, of the texts created in
# ``[since, until)`` (either may be None) whose organization lies in one of the subtrees
# ``paths`` (None: every text, those without an organization included):
#
#   {"id": int, "org_id": int | None, "org_path": str ("" without one), "text": str,
#    "category": str, "place": str (a name to show, e.g. the community), "created_at": datetime,
#    "resolved": bool | None (None: no case behind it), "reopened": bool,
#    "departments": [str] (the departments its case went through, the final one last; [] none)}
#
# The text is what the citizen wrote (title and body); the reader masks personal data before it
# stores or shows anything. Keep each batch to a bounded number of queries.

TextBatches = Callable[[list[str] | None, Any, Any, int], Iterable[list[dict[str, Any]]]]


@dataclass(frozen=True)
class TextSource:
    key: str  # [a-z_]+, unique: a text is known as "<key>:<id>"
    label: Any  # a lazy translation
    batches: TextBatches
    order: int = 100


_text_sources: dict[str, TextSource] = {}


def register_text_source(source: TextSource) -> TextSource:
    """Register (or replace, by ``key``) a source of texts for analysis."""
    _text_sources[source.key] = source
    return source


def unregister_text_source(key: str) -> None:
    _text_sources.pop(key, None)


def text_sources() -> list[TextSource]:
    return sorted(_text_sources.values(), key=lambda s: (s.order, s.key))


TextListener = Callable[[str, dict[str, Any]], object]
_text_listeners: list[TextListener] = []


def register_text_listener(listener: TextListener) -> TextListener:
    """``listener(source_key, record)`` when a module stores a new text it offers for analysis
    (``record`` as in ``TextSource.batches``), after the commit. Insight analyses it in the
    background (keywords, duplicates, nearest topic). A listener that raises is logged and skipped."""
    if listener not in _text_listeners:
        _text_listeners.append(listener)
    return listener


def unregister_text_listener(listener: TextListener) -> None:
    if listener in _text_listeners:
        _text_listeners.remove(listener)


def text_added(source_key: str, record: dict[str, Any]) -> None:
    """Called by the owning module inside the transaction that stored a new text; the listeners
    run when it commits (not at all if it rolls back)."""
    if not _text_listeners:
        return
    from django.db import transaction

    def run() -> None:
        for listener in list(_text_listeners):
            try:
                listener(source_key, record)
            except Exception:
                if settings.HOOKS_STRICT:
                    raise
                log.exception("text listener %r failed", listener)

    transaction.on_commit(run)


# --- Verified activity of members (issue 16: points) ------------------------------------------
# A module that verifies what members did (orglife: attendance, frozen when an activity is closed;
# later volunteering …) announces it; the party school's points register a listener. Events are
# plain dicts, a list per call (a meeting's attendees at once, so a listener can answer in a fixed
# number of queries):
#
#   {"kind": "meeting_attended" | "exam_passed" | "volunteering",
#    "key": "<module>.<thing>:<id>" (unique per member and activity: announcing the same activity
#           again must be harmless — listeners are idempotent by it),
#    "user_id": int (the member's account), "day": date (when it happened, local),
#    "label": str (shown to the member: the meeting's topic …), "url": str (optional)}
#
# The listeners run inside the caller's transaction, each in a savepoint: what they record exists
# exactly when the activity's record commits (nothing is lost between the two), and a listener
# that raises is rolled back, logged and skipped (raised under ``HOOKS_STRICT``) — the caller's
# write never fails because of it.

ActivityListener = Callable[[list[dict[str, Any]]], object]
_activity_listeners: list[ActivityListener] = []


def register_activity_listener(listener: ActivityListener) -> ActivityListener:
    """``listener(events)`` is called for each announcement of verified activity (see above)."""
    if listener not in _activity_listeners:
        _activity_listeners.append(listener)
    return listener


def unregister_activity_listener(listener: ActivityListener) -> None:
    if listener in _activity_listeners:
        _activity_listeners.remove(listener)


def activities_verified(events: list[dict[str, Any]]) -> None:
    """Called by the module that verified ``events``, inside its transaction."""
    from django.db import transaction

    if not events:
        return
    for listener in list(_activity_listeners):
        try:
            with transaction.atomic():
                listener(events)
        except Exception:
            if settings.HOOKS_STRICT:
                raise
            log.exception("activity listener %r failed", listener)


# --- public links (the portal's menu) -------------------------------------------------------------

_public_links: dict[str, tuple[Any, int]] = {}


def register_public_link(url_name: str, label: Any, *, order: int = 100) -> None:
    """A public page of a module, linked from the portal's menu (``label`` lazily translated)."""
    _public_links[url_name] = (label, order)


def unregister_public_link(url_name: str) -> None:
    _public_links.pop(url_name, None)


def public_links() -> list[dict[str, Any]]:
    """``{"url", "label"}`` of every registered public page that resolves, by ``order``; no query."""
    from django.urls import NoReverseMatch, reverse

    links = []
    for url_name, (label, order) in sorted(_public_links.items(), key=lambda item: (item[1][1], item[0])):
        try:
            links.append({"url": reverse(url_name), "label": str(label), "order": order})
        except NoReverseMatch:
            continue
    return links


# --- Outcomes of approved service applications (issue 20) --------------------------------------
# A matter of the service centre may hand its approved applications to the module that owns the
# outcome (the floating-member certificate to the member lifecycle …) instead of duplicating that
# module's flow. The owning module registers a ``ServiceOutcome`` from its ``AppConfig.ready()``;
# the service centre lists the registered ones in its matter editor and, when the last step of an
# application of such a matter is signed, calls ``apply(context)`` inside its own transaction:
#
#   context = {"member_id": int | None (the applicant's member record), "applicant_id": int,
#              "data": {key: value} (the form's answers), "number": str (the application),
#              "acting_user": the approver who signed the last step}
#   apply(context) -> {"label": str (what was created, e.g. the certificate's number), "url": str}
#
# ``apply`` checks the acting user's rights itself and raises ``ValidationError`` (naming the
# field) or ``PermissionDenied``: the signature then fails and nothing of it is written. ``fields``
# names the form keys the handler reads, with a short hint, for the matter editor.


@dataclass(frozen=True)
class ServiceOutcome:
    key: str  # "<module>.<what>"
    label: Any  # a lazy translation
    apply: Callable[[dict[str, Any]], dict[str, Any]]
    fields: tuple[tuple[str, Any], ...] = ()
    members_only: bool = True  # needs the applicant's member record


_service_outcomes: dict[str, ServiceOutcome] = {}


def register_service_outcome(outcome: ServiceOutcome) -> ServiceOutcome:
    """Register (or replace, by ``key``) what an approved service application may hand over."""
    _service_outcomes[outcome.key] = outcome
    return outcome


def unregister_service_outcome(key: str) -> None:
    _service_outcomes.pop(key, None)


def service_outcomes() -> list[ServiceOutcome]:
    return sorted(_service_outcomes.values(), key=lambda o: o.key)


def service_outcome(key: str) -> ServiceOutcome | None:
    return _service_outcomes.get(key)


# --- Routing suggestions for dispatchers (issue 17, S10) ---------------------------------------
# The analysis module (insight) learns from past cases which departments own which texts and
# registers an advisor; the module where a dispatcher assigns a text (opinions' staff page) asks
# it without importing it, and announces what the dispatcher decided so the advisor can measure
# whether its suggestions were followed and how often cases are re-dispatched.
#
#   advisor(text, org_path) -> [{"department": str (a department's name), "probability": float,
#                                "terms": [str] (the words of the text that decided it)}], best first
#   listener({"key": "<source>:<id>", "text": str, "org_path": str, "department": str (the name of
#             the lead department chosen)}) — after the commit of the assignment; the advisor's
#             module compares it with its own suggestions for the text

RoutingAdvisor = Callable[[str, str], list[dict[str, Any]]]
RoutingListener = Callable[[dict[str, Any]], object]
_routing_advisors: list[RoutingAdvisor] = []
_routing_listeners: list[RoutingListener] = []


def register_routing_advisor(advisor: RoutingAdvisor) -> RoutingAdvisor:
    """One advisor: registering again replaces it."""
    _routing_advisors[:] = [advisor]
    return advisor


def unregister_routing_advisor(advisor: RoutingAdvisor) -> None:
    if advisor in _routing_advisors:
        _routing_advisors.remove(advisor)


def routing_suggestions(text: str, org_path: str, k: int = 3) -> list[dict[str, Any]]:
    """The advisor's ``k`` likeliest departments for ``text`` (of an organization at ``org_path``);
    [] without an advisor or when it fails (logged; raised under ``HOOKS_STRICT``)."""
    if not _routing_advisors or not text:
        return []
    try:
        return list(_routing_advisors[0](text, org_path))[:k]
    except Exception:
        if settings.HOOKS_STRICT:
            raise
        log.exception("routing advisor failed")
        return []


def register_routing_listener(listener: RoutingListener) -> RoutingListener:
    if listener not in _routing_listeners:
        _routing_listeners.append(listener)
    return listener


def unregister_routing_listener(listener: RoutingListener) -> None:
    if listener in _routing_listeners:
        _routing_listeners.remove(listener)


def routing_decided(decision: dict[str, Any]) -> None:
    """Called by the dispatching module inside the transaction that assigned a text; the
    listeners run when it commits. A listener that raises is logged and skipped."""
    if not _routing_listeners:
        return
    from django.db import transaction

    def run() -> None:
        for listener in list(_routing_listeners):
            try:
                listener(decision)
            except Exception:
                if settings.HOOKS_STRICT:
                    raise
                log.exception("routing listener %r failed", listener)

    transaction.on_commit(run)
