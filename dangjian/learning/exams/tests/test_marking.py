from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from dangjian.learning.exams import QuestionKind
from dangjian.learning.exams.marking import clean_answer, draw, is_right, mark, normalise

POOL = {"single": [5, 1, 9, 3, 7], "multiple": [11, 12, 13], "true_false": [20, 21], "fill": [30]}
COUNTS = {"single": 3, "multiple": 2, "true_false": 1, "fill": 1}


def test_same_seed_same_paper_and_kinds_in_order() -> None:
    paper = draw(POOL, COUNTS, 42)
    assert paper == draw(POOL, COUNTS, 42)
    assert len(paper) == 7 and len(set(paper)) == 7
    assert set(paper[:3]) <= set(POOL["single"]) and set(paper[3:5]) <= set(POOL["multiple"])
    assert paper[5] in POOL["true_false"] and paper[6] == 30
    # the pool's order does not matter (ids are sorted first); other seeds give other papers
    assert draw({**POOL, "single": sorted(POOL["single"])}, COUNTS, 42) == paper
    assert len({tuple(draw(POOL, COUNTS, s)) for s in range(30)}) > 5


def test_draw_refuses_a_short_pool() -> None:
    with pytest.raises(ValueError):
        draw(POOL, {**COUNTS, "fill": 2}, 1)


@pytest.mark.parametrize(("given", "accepted"), [
    (" 共产主义。", True), ("共产主义社会", True), ("ＣＰＣ", True), ("c p c", False), ("共产", False), ("", False)])
def test_fill_in_normalised_exact_match_with_alternatives(given: str, accepted: bool) -> None:
    assert is_right(QuestionKind.FILL, ["共产主义", "共产主义社会", "cpc"], given) is accepted


def test_normalise() -> None:
    assert normalise("  Ａ　B\tc ！") == "a b c"


def test_choice_marking_is_all_or_nothing() -> None:
    assert is_right(QuestionKind.MULTIPLE, [0, 2], [2, 0])
    assert not is_right(QuestionKind.MULTIPLE, [0, 2], [0])
    assert not is_right(QuestionKind.MULTIPLE, [0, 2], [0, 1, 2])
    assert is_right(QuestionKind.SINGLE, 1, 1) and not is_right(QuestionKind.SINGLE, 1, None)
    assert is_right(QuestionKind.TRUE_FALSE, False, False) and not is_right(QuestionKind.TRUE_FALSE, False, 0)


@pytest.mark.parametrize(("kind", "value"), [
    ("single", 4), ("single", -1), ("single", True), ("single", "1"), ("multiple", [0, 0]), ("multiple", 1),
    ("multiple", [5]), ("true_false", "true"), ("true_false", 1), ("fill", 3), ("fill", "x" * 201)])
def test_bad_answers_name_the_field(kind: str, value: object) -> None:
    with pytest.raises(ValidationError) as exc:
        clean_answer(kind, ["a", "b", "c"], value, "answers.7")
    assert "answers.7" in exc.value.message_dict


def test_mark_counts_points_per_kind() -> None:
    class Q:
        def __init__(self, kind: str, answer: object) -> None:
            self.kind, self.answer = kind, answer

    questions = {1: Q("single", 0), 2: Q("multiple", [0, 1]), 3: Q("fill", ["x"])}
    score, maximum, marks = mark(questions, [1, 2, 3], {"1": 0, "2": [0], "3": " X "},
                                 {"single": 2, "multiple": 3, "fill": 5})
    assert (score, maximum, marks) == (7, 10, {"1": 2, "2": 0, "3": 5})
