"""Analysts' sentiment corrections: the action (permission, validation, audit), the text page,
and the next run trains sentiment on the labelled set plus the corrections: a corrected wording
flips the model's prediction; the run's model versions say how many corrections were used."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from dangjian.core.audit import AuditEvent
from dangjian.insight.actions import do_correct_sentiment
from dangjian.insight.evalset import generate
from dangjian.insight.models import SentimentCorrection, TextAnalysis
from dangjian.insight.pipeline.run import default_sentiment, train_sentiment
from dangjian.insight.pipeline.text import Segmenter, canonical
from dangjian.insight.tests.conftest import DICTIONARY
from dangjian.insight.tests.test_runs import start

WORDING = "感谢社区干部上门帮忙，可是小区门口的垃圾还是三天没人清运"


def _predict(clf, *texts):
    seg = Segmenter(tuple(sorted(set(DICTIONARY))))
    found = clf.predict([seg.tokens(t) for t in texts], [canonical(t) for t in texts])
    return found[0] if len(texts) == 1 else found


def test_a_correction_flips_the_prediction_after_retraining():
    before = _predict(default_sentiment(tuple(sorted(set(DICTIONARY)))), WORDING)
    target = "pos" if before != "pos" else "neg"
    retrained = train_sentiment(DICTIONARY, [(WORDING, target)])
    assert _predict(retrained, WORDING) == target
    # one correction does not unlearn the labelled set
    held = generate(300, seed=5)
    base = default_sentiment(tuple(sorted(set(DICTIONARY))))
    texts = [x.text for x in held]
    agree = sum(a == b for a, b in zip(_predict(retrained, *texts), _predict(base, *texts), strict=True)) / len(held)
    assert agree >= 0.97


@pytest.mark.django_db
def test_the_next_run_learns_the_analysts_correction(tree, users, eval_source, django_capture_on_commit_callbacks):
    first = start(tree.county, users.admin, django_capture_on_commit_callbacks)
    assert first.versions["sentiment_corrections"] == "0"
    text = (TextAnalysis.objects.filter(run=first, key__startswith="eval:").exclude(text__regex=r"[0-9]")
            .order_by("id").first())
    target = "pos" if text.sentiment != "pos" else "neg"
    with pytest.raises(PermissionDenied):
        do_correct_sentiment(text, target, acting_user=users.publicity)
    with pytest.raises(ValidationError) as bad:
        do_correct_sentiment(text, "angry", acting_user=users.admin)
    assert list(bad.value.message_dict) == ["sentiment"]
    c = Client()
    c.force_login(users.admin)
    page = c.get(reverse("insight:text", args=[text.pk])).content.decode()
    assert 'id="correct-sentiment"' in page
    c.post(reverse("insight:text_sentiment", args=[text.pk]), {"sentiment": target})
    correction = SentimentCorrection.objects.get(key=text.key)
    assert correction.sentiment == target and correction.before == text.sentiment and correction.text == text.text
    assert TextAnalysis.objects.get(pk=text.pk).sentiment == target
    assert AuditEvent.objects.filter(action="insight_text.sentiment_corrected").count() == 1
    second = start(tree.county, users.admin, django_capture_on_commit_callbacks)
    assert second.versions["sentiment_corrections"] == "1"
    assert second.versions["sentiment"].endswith("+corrections-1")
    assert TextAnalysis.objects.get(run=second, key=text.key).sentiment == target
