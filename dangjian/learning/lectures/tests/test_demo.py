from __future__ import annotations

import random
from typing import Any

import pytest
from django.utils import timezone

from dangjian.core.hooks import DemoContext
from dangjian.learning.lectures import LectureStatus
from dangjian.learning.lectures.demo import seed_lectures
from dangjian.learning.lectures.models import Lecture, Message

pytestmark = pytest.mark.django_db


def test_demo_one_finished_lecture_with_a_pinned_answer(tree: Any, users: Any) -> None:
    ctx = DemoContext(root=tree.county, branch=tree.branch_a1, rng=random.Random(1), today=timezone.localdate(),
                      scale="small", users={"demo-admin": users.admin, "demo-member": users.member})
    seed_lectures(ctx)
    lecture = Lecture.objects.get()
    assert lecture.status == LectureStatus.FINISHED
    assert Message.objects.filter(lecture=lecture, kind="question", pinned=True).count() == 1
    assert lecture.lesson is not None and "按规矩办" in lecture.lesson.body  # it is a lesson too
    seed_lectures(ctx)
    assert Lecture.objects.count() == 1
