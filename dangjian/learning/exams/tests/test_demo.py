from __future__ import annotations

import random
from typing import Any

import pytest
from django.utils import timezone

from dangjian.core.hooks import DemoContext
from dangjian.learning.exams import AttemptState, ExamStatus
from dangjian.learning.exams.demo import QUESTIONS, seed_exams
from dangjian.learning.exams.models import Attempt, Exam, Question

pytestmark = pytest.mark.django_db


def test_demo_bank_exam_and_one_finished_attempt(tree: Any, users: Any, django_capture_on_commit_callbacks: Any) -> None:
    ctx = DemoContext(root=tree.county, branch=tree.branch_a1, rng=random.Random(1), today=timezone.localdate(),
                      scale="small", users={"demo-admin": users.admin, "demo-member": users.member})
    with django_capture_on_commit_callbacks(execute=True):
        seed_exams(ctx)
    assert Question.objects.count() == len(QUESTIONS)
    exam = Exam.objects.get()
    assert exam.status == ExamStatus.PUBLISHED and exam.prepared_count == 4
    assert Attempt.objects.filter(state=AttemptState.SUBMITTED).count() == 1
    seed_exams(ctx)  # idempotent
    assert Exam.objects.count() == 1
