"""Demo data for democratic evaluations: a closed and tallied cadre evaluation of the demo branch
with its bulletin, and an open one for the demo voters.

The demo plays every part on the server — the trustees' keys, the voters' encryption, the
trustees' decryption — with the crypto module's test helpers. A real evaluation never does: keys
are made and kept in the trustees' browsers and ballots are encrypted in the voters'.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from dangjian.ballots import crypto
from dangjian.ballots.actions import (
    CODE_ALPHABET,
    do_cast_ballot,
    do_close_evaluation,
    do_create_evaluation,
    do_open_evaluation,
    do_register_trustee_key,
    do_set_trustees,
    do_submit_decryption,
    roll_candidates,
)
from dangjian.ballots.models import Evaluation

_SUBJECTS = ["王建国", "李秀英"]
_DIMENSIONS = ["德", "能", "勤", "绩", "廉", "总体评价"]


def _keys(evaluation: Evaluation) -> dict[int, str]:
    secrets: dict[int, str] = {}
    for trustee in evaluation.trustees.select_related("user"):
        secret, public = crypto.keygen()
        secrets[trustee.index] = secret
        do_register_trustee_key(evaluation, public_key=public,
                                key_proof=crypto.key_proof(str(evaluation.uuid), trustee.index, secret),
                                acting_user=trustee.user)
    return secrets


def _evaluation(ctx: Any, organizer: Any, trustees: list[Any], title: str, opens: dt.datetime,
                closes: dt.datetime) -> Evaluation:
    data = {"title": title, "kind": "cadre", "scale": "civil_servant", "dimensions": _DIMENSIONS,
            "min_group": 3, "opens_at": opens, "closes_at": closes}
    evaluation = do_create_evaluation(ctx.branch, data, subjects=_SUBJECTS, acting_user=organizer)
    do_set_trustees(evaluation, trustees, acting_user=organizer)
    return evaluation


def seed_demo(ctx: Any) -> None:
    organizer = ctx.users.get("demo-secretary")
    trustees = [ctx.users[n] for n in ("demo-admin", "demo-secretary", "demo-member") if n in ctx.users]
    if organizer is None or len(trustees) < 2 or not crypto.available():
        return  # without libsodium (the check "ballots.W001" says so) the demo has no evaluations
    now = timezone.now()
    past = _evaluation(ctx, organizer, trustees, "年度领导班子成员民主测评（示例，已结束）",
                       now - dt.timedelta(days=1), now + dt.timedelta(hours=1))
    secrets = _keys(past)
    extra = [u for u in ctx.users.values() if u.is_active]
    codes = do_open_evaluation(past, extra_users=extra, acting_user=organizer)
    questions = len(past.manifest["questions"])
    for n, code in enumerate(codes[: max(3, len(codes) * 4 // 5)]):
        picks = [ctx.rng.choice([0, 0, 1, 1, 1, 2]) if n % 7 else 1 for _q in range(questions)]
        do_cast_ballot(past, code, crypto.encrypt_ballot(past.manifest, past.eid, picks))
    do_close_evaluation(past, acting_user=organizer)
    if past.state == "closed":
        for trustee in past.trustees.select_related("user"):
            shares = crypto.partial_decrypt(past.eid, trustee.index, secrets[trustee.index], past.tally)
            do_submit_decryption(past, shares=shares, acting_user=trustee.user)
    current = _evaluation(ctx, organizer, trustees, "后备干部民主测评（示例，投票中）",
                          now - dt.timedelta(hours=1), now + dt.timedelta(days=30))
    _keys(current)
    voters = len(roll_candidates(current, extra))
    do_open_evaluation(current, extra_users=extra, acting_user=organizer,
                       codes=[demo_code(n) for n in range(1, voters + 1)])


def demo_code(n: int) -> str:
    """The demo's open evaluation takes known codes, DEMV-2222-2222-2222-2222-2223 and up (the last
    group counts in the code alphabet), so the demo voters can try it (docs/modules/ballots.md)."""
    digits = ""
    for _i in range(4):
        n, d = divmod(n, len(CODE_ALPHABET))
        digits = CODE_ALPHABET[d] + digits
    return f"DEMV-2222-2222-2222-2222-{digits}"
