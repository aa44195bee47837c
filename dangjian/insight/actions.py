"""Every write of opinion insight: start a run (executed in the background by ``runner``), analyse
a new text on arrival, rename and merge topics. Each user action checks permission, writes in one
transaction and records its audit event."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit
from dangjian.core.logredact import redact
from dangjian.core.scoping import require
from dangjian.insight.alerting import evaluate_group
from dangjian.insight.models import (
    Alert,
    AlertKind,
    AlertRule,
    AlertState,
    Briefing,
    DictionaryWord,
    DuplicateGroup,
    RoutingDecision,
    Run,
    RunState,
    Sentiment,
    SentimentCorrection,
    TextAnalysis,
    Topic,
)
from dangjian.insight.routing import run_for_path, suggest
from dangjian.insight.runner import MAX_LABEL, enqueue_run, to_record
from dangjian.orgs.models import Organization


def do_start_run(organization: Organization, *, acting_user: Any) -> Run:
    """Queue a full run over the texts of ``organization``'s subtree (the whole county, forum
    threads included, for a root organization)."""
    require(acting_user, "insight.run", organization.path)
    if Run.objects.filter(org_path=organization.path, state__in=[RunState.QUEUED, RunState.RUNNING]).exists():
        raise ValidationError({"organization": _("A run for this organization is already queued or running.")})
    with transaction.atomic():
        run = Run.objects.create(organization=organization, org_path=organization.path, started_by=acting_user)
        audit.record(acting_user, "insight_run.requested", run, org_path=organization.path,
                     after={"organization": organization.pk})
    enqueue_run(run)
    return run


def start_scheduled_runs() -> list[int]:
    """The nightly full run: one per organization at ``INSIGHT_NIGHTLY_LEVEL`` (default 1: the
    whole county, forum included), unless one is already queued or running. Started by the
    system (audited without a user)."""
    from dangjian.insight.schedule import nightly_level

    started = []
    for org in Organization.objects.filter(depth=nightly_level()).order_by("path"):
        if Run.objects.filter(org_path=org.path, state__in=[RunState.QUEUED, RunState.RUNNING]).exists():
            continue
        with transaction.atomic():
            run = Run.objects.create(organization=org, org_path=org.path)
            audit.record(None, "insight_run.requested", run, org_path=org.path,
                         after={"organization": org.pk, "scheduled": True})
        enqueue_run(run)
        started.append(run.pk)
    return started


def analyse_new_text(source: str, row: dict[str, Any]) -> dict[str, Any] | None:
    """Keywords, near-duplicates among the latest run's recent texts, nearest topic and sentiment
    of a text that arrived after the run; stored with that run (``incremental``). The run is the
    newest finished one whose subtree holds the text (the narrowest). None without such a run."""
    from dangjian.insight.selectors import bundle_of

    record = to_record(source, row)
    run = run_for_path(record.org_path)
    if run is None:
        return None
    bundle = bundle_of(run)
    if bundle is None:
        return None
    found = bundle.analyse_one(record.text)
    topic = Topic.objects.filter(run=run, number=found["topic"]).first() if found["topic"] >= 0 else None
    exact = (TextAnalysis.objects.filter(run=run, text_hash=found["text_hash"]).exclude(key=record.key)
             .order_by("id").values_list("key", flat=True).first())
    duplicates = ([exact] if exact else []) + [k for k in found["duplicates"] if k != exact]
    group = None
    first = None
    if duplicates:
        first = TextAnalysis.objects.filter(run=run, key=duplicates[0]).select_related("duplicate_group").first()
        group = first.duplicate_group if first else None
    with transaction.atomic():
        if duplicates and group is None and first is not None:
            group = DuplicateGroup.objects.create(run=run, first_key=first.key, size=1, topic=first.topic)
            TextAnalysis.objects.filter(pk=first.pk).update(duplicate_group=group)
        if group is not None:
            DuplicateGroup.objects.filter(pk=group.pk).update(size=group.size + 1)
        TextAnalysis.objects.update_or_create(run=run, key=record.key, defaults={
            "source": source, "source_id": int(row["id"]), "org_path": record.org_path,
            "text": redact(record.text)[:4000], "place": record.place[:200], "category": record.category[:50],
            "created_at": record.created_at, "keywords": found["keywords"], "topic": topic,
            "similarity": found["similarity"], "duplicate_group": group, "sentiment": found["sentiment"],
            "text_hash": found["text_hash"], "resolved": record.resolved, "reopened": record.reopened,
            "incremental": True, "departments": list(record.departments),
        })
    if group is not None:
        evaluate_group(run, group.pk)
    return {"run": run.pk, "topic": topic.pk if topic else None, "duplicates": duplicates,
            "keywords": found["keywords"], "sentiment": found["sentiment"]}


def do_rename_topic(topic: Topic, label: str, *, acting_user: Any) -> Topic:
    require(acting_user, "insight.manage", topic.run.org_path)
    label = (label or "").strip()
    if not label:
        raise ValidationError({"label": _("Give the topic a name.")})
    if len(label) > MAX_LABEL:
        raise ValidationError({"label": _("At most 100 characters.")})
    with transaction.atomic():
        before = topic.label
        topic.label = label
        topic.save(update_fields=["label"])
        audit.record(acting_user, "insight_topic.renamed", topic, org_path=topic.run.org_path,
                     before={"label": before}, after={"label": label})
    return topic


def do_merge_topics(target: Topic, others: list[Topic], *, acting_user: Any) -> Topic:
    """Fold ``others`` into ``target`` (same run): their texts count for it from now on."""
    require(acting_user, "insight.manage", target.run.org_path)
    others = [t for t in others if t.pk != target.pk]
    if not others:
        raise ValidationError({"topics": _("Choose at least one other topic to merge.")})
    if any(t.run_id != target.run_id for t in others) or target.merged_into_id:
        raise PermissionDenied(_("Only live topics of the same run can be merged."))
    with transaction.atomic():
        ids = [t.pk for t in others]
        Topic.objects.filter(merged_into_id__in=ids).update(merged_into=target)
        Topic.objects.filter(pk__in=ids).update(merged_into=target)
        target.size += sum(t.size for t in others)
        target.recent += sum(t.recent for t in others)
        target.previous += sum(t.previous for t in others)
        target.growth = round((target.recent + 1) / (target.previous + 1), 4)
        target.save(update_fields=["size", "recent", "previous", "growth"])
        audit.record(acting_user, "insight_topic.merged", target, org_path=target.run.org_path,
                     after={"merged": ids})
    return target


MAX_CONCLUSION = 2000
MAX_TITLE = 200
BRIEFING_SAMPLES = 3


def do_review_topic(topic: Topic, conclusion: str, *, acting_user: Any) -> Topic:
    """An analyst's conclusion on ``topic``; a reviewed topic may go into the leaders' briefing."""
    require(acting_user, "insight.manage", topic.run.org_path)
    conclusion = (conclusion or "").strip()
    if not conclusion:
        raise ValidationError({"conclusion": _("Write the conclusion before marking the topic reviewed.")})
    if len(conclusion) > MAX_CONCLUSION:
        raise ValidationError({"conclusion": _("At most 2000 characters.")})
    if topic.merged_into_id:
        raise ValidationError({"conclusion": _("This topic was merged into another; review that one.")})
    with transaction.atomic():
        before = {"conclusion": topic.conclusion, "reviewed": topic.reviewed_at is not None}
        topic.conclusion, topic.reviewed_at, topic.reviewed_by = conclusion, timezone.now(), acting_user
        topic.save(update_fields=["conclusion", "reviewed_at", "reviewed_by"])
        audit.record(acting_user, "insight_topic.reviewed", topic, org_path=topic.run.org_path,
                     before=before, after={"conclusion": conclusion, "reviewed": True})
    return topic


def _figures(topic: Topic, as_of: Any) -> None:
    """Recount ``topic``'s figures from its texts (its own and those of topics merged into it)."""
    from dangjian.insight.pipeline.scores import topic_figures

    rows = list(TextAnalysis.objects.filter(Q(topic=topic) | Q(topic__merged_into=topic))
                .values_list("created_at", "sentiment", "resolved", "reopened"))
    f = topic_figures([r[0] for r in rows], [r[1] == Sentiment.NEGATIVE for r in rows], [r[2] for r in rows],
                      [r[3] for r in rows], as_of=as_of)
    topic.size, topic.recent, topic.previous, topic.growth = f.size, f.recent, f.previous, f.growth
    topic.negative_share, topic.unresolved_share, topic.pain = f.negative, f.unresolved, f.pain


def do_split_topic(topic: Topic, text_ids: list[int], label: str, *, acting_user: Any) -> Topic:
    """Move the chosen texts of ``topic`` into a new topic named ``label``; both topics' figures,
    terms and samples are recounted from their texts. Returns the new topic."""
    require(acting_user, "insight.manage", topic.run.org_path)
    label = (label or "").strip()
    if not label:
        raise ValidationError({"label": _("Give the new topic a name.")})
    if len(label) > MAX_LABEL:
        raise ValidationError({"label": _("At most 100 characters.")})
    if topic.merged_into_id:
        raise ValidationError({"texts": _("This topic was merged into another; split that one.")})
    own = TextAnalysis.objects.filter(Q(topic=topic) | Q(topic__merged_into=topic))
    chosen = list(own.filter(pk__in=text_ids).order_by("-similarity", "id"))
    if not chosen:
        raise ValidationError({"texts": _("Choose the texts that form the new topic.")})
    if len(chosen) >= own.count():
        raise ValidationError({"texts": _("Leave at least one text in the topic; to rename it, use the name.")})
    run = topic.run
    as_of = run.started_at or run.finished_at or timezone.now()
    counts: dict[str, int] = {}
    places: dict[str, int] = {}
    for text in chosen:
        for word in text.keywords[:5]:
            counts[word] = counts.get(word, 0) + 1
        if text.place:
            places[text.place] = places.get(text.place, 0) + 1
    with transaction.atomic():
        number = (Topic.objects.filter(run=run).aggregate(n=Max("number"))["n"] or 0) + 1
        new = Topic.objects.create(
            run=run, number=number, label=label, auto_label=label, split_from=topic,
            keywords=[w for w, _n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:10]],
            places=[[p, n] for p, n in sorted(places.items(), key=lambda kv: (-kv[1], kv[0]))[:10]],
            sample_keys=[text.key for text in chosen[:BRIEFING_SAMPLES]])
        TextAnalysis.objects.filter(pk__in=[text.pk for text in chosen]).update(topic=new)
        moved = {text.key for text in chosen}
        topic.sample_keys = [k for k in topic.sample_keys if k not in moved]
        if len(topic.sample_keys) < BRIEFING_SAMPLES:
            topic.sample_keys += list(own.exclude(key__in=topic.sample_keys).order_by("-similarity", "id")
                                      .values_list("key", flat=True)[:BRIEFING_SAMPLES - len(topic.sample_keys)])
        for part in (topic, new):
            _figures(part, as_of)
            part.save()
        audit.record(acting_user, "insight_topic.split", topic, org_path=run.org_path,
                     after={"new_topic": new.pk, "label": label, "texts": len(chosen)})
    return new


def do_publish_briefing(run: Run, title: str, summary: str, *, public: bool, acting_user: Any) -> Briefing:
    """Issue the leaders' briefing of ``run``: its reviewed live topics (biggest pain first) with
    their conclusions, figures and a few masked texts; a public briefing carries no texts."""
    require(acting_user, "insight.manage", run.org_path)
    title = (title or "").strip()
    summary = (summary or "").strip()
    if not title:
        raise ValidationError({"title": _("Give the briefing a title.")})
    if len(title) > MAX_TITLE:
        raise ValidationError({"title": _("At most 200 characters.")})
    if len(summary) > MAX_CONCLUSION:
        raise ValidationError({"summary": _("At most 2000 characters.")})
    if run.state != RunState.DONE:
        raise ValidationError({"run": _("Only a finished analysis can be published.")})
    from dangjian.insight.selectors import reviewed_topics

    reviewed = reviewed_topics(run)
    if not reviewed:
        raise ValidationError({"topics": _("Review at least one topic (write its conclusion) before publishing.")})
    keys = [k for t in reviewed for k in t.sample_keys[:BRIEFING_SAMPLES]]
    texts = dict(TextAnalysis.objects.filter(run=run, key__in=keys).values_list("key", "text"))
    findings = [{"topic": t.pk, "label": t.label, "keywords": t.keywords[:8], "size": t.size, "growth": t.growth,
                 "negative": t.negative_share, "unresolved": t.unresolved_share, "pain": t.pain,
                 "places": t.places[:5], "conclusion": t.conclusion,
                 "samples": [texts[k] for k in t.sample_keys[:BRIEFING_SAMPLES] if k in texts]} for t in reviewed]
    with transaction.atomic():
        briefing = Briefing.objects.create(run=run, org_path=run.org_path, title=title, summary=summary,
                                           findings=findings, public=public, published_by=acting_user)
        audit.record(acting_user, "insight_briefing.published", briefing, org_path=run.org_path,
                     after={"title": title, "topics": [t.pk for t in reviewed], "public": public})
    return briefing


MAX_WORD = 30


def _require_manage(acting_user: Any) -> None:
    from dangjian.core.scoping import has_any

    if not has_any(acting_user, "insight.manage"):
        raise PermissionDenied(_("Your role may not edit the county dictionary."))


def do_add_dictionary_words(text: str, *, acting_user: Any) -> list[DictionaryWord]:
    """Add the words of ``text`` (one a line, or separated by spaces or commas) to the county
    dictionary: each is kept as one token by the next runs. Words already there are skipped."""
    import re

    _require_manage(acting_user)
    words = [w for w in re.split(r"[\s,，、;；]+", (text or "").strip()) if w]
    if not words:
        raise ValidationError({"words": _("Give at least one word.")})
    bad = [w for w in words if len(w) < 2 or len(w) > MAX_WORD]
    if bad:
        raise ValidationError({"words": _("A word has 2 to 30 characters: %(words)s") % {"words": "、".join(bad[:5])}})
    with transaction.atomic():
        known = set(DictionaryWord.objects.filter(word__in=words).values_list("word", flat=True))
        added = [DictionaryWord.objects.create(word=w, added_by=acting_user)
                 for w in dict.fromkeys(words) if w not in known]
        if added:
            audit.record(acting_user, "insight_dictionary.changed", added[0], after={"added": [w.word for w in added]})
    return added


def do_remove_dictionary_word(word: DictionaryWord, *, acting_user: Any) -> None:
    _require_manage(acting_user)
    with transaction.atomic():
        audit.record(acting_user, "insight_dictionary.changed", word, before={"removed": word.word})
        word.delete()


# --- Alerts ------------------------------------------------------------------------------------

MAX_GROWTH = 100.0
MAX_GROUP = 100_000


def _number(value: Any, field: str, message: str) -> float:
    try:
        return float(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError({field: message}) from None


def do_save_alert_rule(organization: Organization, *, kind: str, threshold: Any, min_texts: Any = 5,
                       active: bool = True, acting_user: Any) -> AlertRule:
    """Set the organization's rule of ``kind``: a topic growing ``threshold`` times (with at least
    ``min_texts`` texts in the last 30 days), or a duplicate group of ``threshold`` texts."""
    require(acting_user, "insight.manage", organization.path)
    if kind not in AlertKind.values:
        raise ValidationError({"kind": _("Choose the kind of alert.")})
    errors: dict[str, str] = {}
    if kind == AlertKind.GROWTH:
        message = _("A growth rate is a number from 1.1 to 100 (times the texts of the 30 days before).")
        try:
            value = _number(threshold, "threshold", message)
        except ValidationError:
            value = 0.0
        if not 1.1 <= value <= MAX_GROWTH:
            errors["threshold"] = message
    else:
        message = _("A group size is a whole number from 2 to 100,000.")
        try:
            value = _number(threshold, "threshold", message)
        except ValidationError:
            value = 0.0
        if value != int(value) or not 2 <= value <= MAX_GROUP:
            errors["threshold"] = message
    minimum_message = _("The least number of recent texts is a whole number from 1 to 100,000.")
    try:
        minimum = _number(min_texts if min_texts not in (None, "") else 5, "min_texts", minimum_message)
    except ValidationError:
        minimum = 0.0
    if minimum != int(minimum) or not 1 <= minimum <= MAX_GROUP:
        errors["min_texts"] = minimum_message
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        rule = AlertRule.objects.select_for_update().filter(organization=organization, kind=kind).first()
        before = {"threshold": rule.threshold, "min_texts": rule.min_texts, "active": rule.active} if rule else None
        if rule is None:
            rule = AlertRule(organization=organization, org_path=organization.path, kind=kind)
        rule.threshold, rule.min_texts, rule.active = round(value, 2), int(minimum), bool(active)
        rule.updated_by, rule.updated_at = acting_user, timezone.now()
        rule.save()
        audit.record(acting_user, "insight_alert_rule.saved", rule, org_path=organization.path, before=before,
                     after={"kind": kind, "threshold": rule.threshold, "min_texts": rule.min_texts,
                            "active": rule.active})
    return rule


def _lock_open_alert(alert: Alert, field: str) -> Alert:
    locked = Alert.objects.select_for_update().get(pk=alert.pk)
    if locked.state != AlertState.OPEN:
        raise ValidationError({field: _("This alert has already been handled.")})
    return locked


def alert_summary(alert: Alert, samples: int = 3) -> str:
    """What an incident case opened from the alert says: the finding and a few masked texts."""
    from dangjian.insight.alert_selectors import alert_texts

    texts = [t.text for t in alert_texts(alert)[:samples]]
    lines = [alert.title, _("Raised by opinion analysis (run %(run)s).") % {"run": alert.run_id}]
    if alert.topic_id and alert.topic:
        lines.append(_("Top terms: %(terms)s") % {"terms": "、".join(alert.topic.keywords[:8])})
    lines += [f"— {t[:300]}" for t in texts]
    return "\n".join(lines)


def do_open_alert_case(alert: Alert, *, lead_department: Any, hours: Any = None, title: str = "",
                       acting_user: Any) -> Any:
    """Open an incident case in the case engine for the alert (the lead department: the
    responsible one unless the analyst chose another) and link it back on the alert."""
    from dangjian.cases.actions import do_open_incident

    require(acting_user, "insight.view", alert.org_path)
    if lead_department is None:
        raise ValidationError({"lead_department": _("Choose the lead department.")})
    title = (title or "").strip() or alert.title
    with transaction.atomic():
        locked = _lock_open_alert(alert, "lead_department")
        case = do_open_incident(title=title[:200], summary=alert_summary(locked), lead_department=lead_department,
                                hours=hours, acting_user=acting_user)
        locked.state, locked.case = AlertState.CASE_OPENED, case
        locked.handled_by, locked.handled_at = acting_user, timezone.now()
        locked.save(update_fields=["state", "case", "handled_by", "handled_at"])
        audit.record(acting_user, "insight_alert.case_opened", locked, org_path=locked.org_path,
                     after={"case": case.number, "lead_department": lead_department.pk})
    alert.refresh_from_db()
    return case


def do_dismiss_alert(alert: Alert, *, note: str, acting_user: Any) -> Alert:
    """No case needed (already handled, a false alarm): the reason is kept."""
    require(acting_user, "insight.manage", alert.org_path)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say why no case is needed.")})
    if len(note) > 1000:
        raise ValidationError({"note": _("At most 1,000 characters.")})
    with transaction.atomic():
        locked = _lock_open_alert(alert, "note")
        locked.state, locked.note = AlertState.DISMISSED, note
        locked.handled_by, locked.handled_at = acting_user, timezone.now()
        locked.save(update_fields=["state", "note", "handled_by", "handled_at"])
        audit.record(acting_user, "insight_alert.dismissed", locked, org_path=locked.org_path, after={"note": note})
    alert.refresh_from_db()
    return alert


# --- Routing decisions and sentiment corrections ------------------------------------------------

def record_routing_decision(decision: dict[str, Any]) -> int | None:
    """A dispatcher assigned the text ``decision["key"]`` to ``decision["department"]``: keep it
    next to the suggestions the same models give for the text (what the dispatcher's page showed),
    so the share of followed suggestions and the re-dispatch rate after them can be measured.
    Called by the system (the routing listener); the latest decision of a text wins."""
    key = str(decision.get("key") or "")[:40]
    chosen = str(decision.get("department") or "")[:100]
    if not key or not chosen:
        return None
    _run, suggestions = suggest(str(decision.get("text") or ""), str(decision.get("org_path") or ""))
    names = [s["department"] for s in suggestions]
    row, _created = RoutingDecision.objects.update_or_create(key=key, defaults={
        "org_path": str(decision.get("org_path") or "")[:255], "suggested": names, "chosen": chosen,
        "followed": bool(names) and names[0] == chosen, "decided_at": timezone.now()})
    return row.pk


def do_correct_sentiment(text: TextAnalysis, sentiment: str, *, acting_user: Any) -> SentimentCorrection:
    """An analyst's sentiment for a text: shown at once, and the next runs train on it (the
    labelled set plus every correction, see ``runner.sentiment_corrections``)."""
    require(acting_user, "insight.manage", text.run.org_path)
    if sentiment not in Sentiment.values:
        raise ValidationError({"sentiment": _("Choose negative, neutral or positive.")})
    with transaction.atomic():
        previous = SentimentCorrection.objects.filter(key=text.key).first()
        before = previous.sentiment if previous else text.sentiment
        correction, _created = SentimentCorrection.objects.update_or_create(key=text.key, defaults={
            "org_path": text.org_path, "text": text.text, "sentiment": sentiment,
            "before": text.sentiment if previous is None else previous.before,
            "corrected_by": acting_user, "corrected_at": timezone.now()})
        TextAnalysis.objects.filter(key=text.key).update(sentiment=sentiment)
        audit.record(acting_user, "insight_text.sentiment_corrected", correction, org_path=text.run.org_path,
                     before={"sentiment": before}, after={"sentiment": sentiment, "key": text.key})
    text.sentiment = sentiment
    return correction
