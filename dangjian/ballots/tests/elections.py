"""Whole elections made with the server-side crypto alone (no database): for the crypto, verifier
and benchmark code. The Django app's tests make theirs through its actions."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from dangjian.ballots import crypto

CIVIL_SERVANT = ["优秀", "称职", "基本称职", "不称职"]
DIMENSIONS = ["德", "能", "勤", "绩", "廉", "总体评价"]
EVALUATION = "6f1c2a8e-5b7d-4c1e-9a3f-2d4b6c8e0a11"


@dataclass
class Election:
    manifest: dict[str, Any]
    eid: str
    secrets: list[str]
    roll: list[str]
    ballots: list[dict[str, Any]] = field(default_factory=list)
    picks: list[list[int]] = field(default_factory=list)

    def cast(self, picks: list[int]) -> dict[str, Any]:
        ballot = crypto.encrypt_ballot(self.manifest, self.eid, picks)
        self.ballots.append(ballot)
        self.picks.append(list(picks))
        return ballot

    def expected(self) -> list[list[int]]:
        sizes = [len(q["options"]) for q in self.manifest["questions"]]
        return [[sum(1 for p in self.picks if p[q] == o) for o in range(k)] for q, k in enumerate(sizes)]

    def bulletin(self) -> dict[str, Any]:
        """The bulletin as the server publishes it after every trustee decrypted."""
        ballots = sorted(self.ballots, key=lambda b: crypto.sha256hex(crypto.canon(b)))
        tally = crypto.tally(self.manifest, ballots)
        decryptions: list[dict[str, Any]] = []
        result = None
        if len(ballots) >= self.manifest["min_group"]:
            decryptions = [
                {"trustee": i, "shares": crypto.partial_decrypt(self.eid, i, secret, tally)}
                for i, secret in enumerate(self.secrets, 1)
            ]
            result = crypto.decode_results(self.manifest, tally, decryptions, len(ballots))
        return {
            "format": crypto.FORMAT, "manifest": self.manifest, "election": self.eid, "roll": self.roll,
            "credentials_used": len(ballots), "ballots": ballots, "tally": tally,
            "decryptions": decryptions, "result": result,
        }


def make_election(
    *, trustees: int = 3, subjects: tuple[str, ...] = ("张三",), dimensions: list[str] | None = None,
    options: list[str] | None = None, voters: int = 30, min_group: int = 5, version: int = crypto.VERSION,
) -> Election:
    secrets: list[str] = []
    public: list[dict[str, Any]] = []
    for i in range(1, trustees + 1):
        secret, pk = crypto.keygen()
        secrets.append(secret)
        public.append({"index": i, "name": f"监票人{i}", "public_key": pk,
                       "key_proof": crypto.key_proof(EVALUATION, i, secret)})
    roll = [f"党员{n:03d}" for n in range(1, voters + 1)]
    questions = [
        {"id": f"q{n}", "subject": s, "dimension": d, "options": options or CIVIL_SERVANT}
        for n, (s, d) in enumerate(((s, d) for s in subjects for d in (dimensions or DIMENSIONS)), 1)
    ]
    manifest = {
        "version": version, "evaluation": EVALUATION, "title": "2026年度领导班子成员民主测评",
        "questions": questions, "roll_hash": crypto.roll_hash(roll), "voters": len(roll),
        "min_group": min_group, "trustees": public,
        "public_key": crypto.combine_public_keys(t["public_key"] for t in public),
    }
    return Election(manifest, crypto.manifest_fingerprint(manifest), secrets, roll)


def random_picks(election: Election, rng: random.Random) -> list[int]:
    return [rng.randrange(len(q["options"])) for q in election.manifest["questions"]]
