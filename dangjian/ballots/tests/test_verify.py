"""The independent verifier accepts an honest bulletin and names any single alteration."""

from __future__ import annotations

import copy
import json
import random
import subprocess
import sys

import pytest

from dangjian.ballots import crypto
from dangjian.ballots.tests.elections import make_election, random_picks
from dangjian.ballots.verify import VerifyError, main, verify_bulletin


@pytest.fixture(scope="module", params=crypto.VERSIONS, ids=lambda v: f"v{v}")
def bulletin(request):
    e = make_election(trustees=3, subjects=("张三", "李四"), dimensions=["德", "能", "总体评价"], voters=10,
                      version=request.param)
    rng = random.Random(11)
    for _ in range(6):
        e.cast(random_picks(e, rng))
    b = e.bulletin()
    assert b["result"] == e.expected()
    return b


def test_an_honest_bulletin_checks(bulletin):
    assert verify_bulletin(copy.deepcopy(bulletin)) == {"ballots": 6, "result": bulletin["result"]}


def _other_point() -> str:
    return crypto.keygen()[1]


ALTERATIONS = {
    "a ballot's ciphertext": (lambda b: b["ballots"][2]["answers"][1]["choices"][0].update(beta=_other_point()), "ballot 3 answer 2 choice 1"),
    "a ballot's proof": (lambda b: b["ballots"][0]["answers"][0]["proof"].update(s=b["ballots"][0]["answers"][0]["choices"][0]["proof"]["s0"]), "ballot 1 answer 1: the proof that exactly one option"),
    "a choice's proof": (lambda b: b["ballots"][4]["answers"][5]["choices"][3]["proof"].update(s1=b["ballots"][4]["answers"][5]["choices"][3]["proof"]["s0"]), "ballot 5 answer 6 choice 4: the proof that the choice is 0 or 1"),
    "a ballot removed": (lambda b: b["ballots"].pop(), "ballots for 6 credentials"),
    "a ballot replayed": (lambda b: b["ballots"].append(copy.deepcopy(b["ballots"][0])), "replay"),
    "a ballot added, credentials count raised": (lambda b: (b["ballots"].append(crypto.encrypt_ballot(b["manifest"], b["election"], [0] * 6)), b.update(credentials_used=7)), "tally"),
    "a trustee's share": (lambda b: b["decryptions"][1]["shares"][0][0].update(share=_other_point()), "trustee 2's decryption proof"),
    "a trustee's share proof": (lambda b: b["decryptions"][0]["shares"][2][1]["proof"].update(c=b["decryptions"][0]["shares"][2][1]["proof"]["s"]), "trustee 1's decryption proof"),
    "a trustee's decryption dropped": (lambda b: b["decryptions"].pop(), "every trustee"),
    "a count": (lambda b: b["result"][0].__setitem__(0, b["result"][0][0] + 1), "published result"),
    "two counts swapped": (lambda b: b["result"].__setitem__(0, b["result"][0][::-1]), "published result"),
    "the tally": (lambda b: b["tally"][0][0].update(alpha=_other_point()), "tally is not the sum"),
    "a name on the roll": (lambda b: b["roll"].__setitem__(0, "冒名"), "roll"),
    "the title": (lambda b: b["manifest"].update(title="另一次测评"), "fingerprint"),
    "the election key": (lambda b: b["manifest"].update(public_key=_other_point()), "fingerprint"),
    "the format": (lambda b: b.update(format="helios"), "format"),
    "a field missing": (lambda b: b.pop("tally"), "malformed"),
}


@pytest.mark.parametrize("name", ALTERATIONS)
def test_any_single_alteration_is_named(bulletin, name):
    alter, match = ALTERATIONS[name]
    b = copy.deepcopy(bulletin)
    alter(b)
    with pytest.raises(VerifyError, match=match):
        verify_bulletin(b)


def test_an_altered_manifest_with_a_consistent_fingerprint_still_fails(bulletin):
    """Re-hashing after swapping the election key does not help: the trustee proofs and every ballot
    proof are bound to the old key and fingerprint."""
    b = copy.deepcopy(bulletin)
    b["manifest"]["public_key"] = _other_point()
    b["election"] = crypto.manifest_fingerprint(b["manifest"])
    with pytest.raises(VerifyError, match="sum of the trustees' keys"):
        verify_bulletin(b)


def test_below_the_group_minimum_nothing_may_be_decrypted():
    e = make_election(trustees=2, dimensions=["总体评价"], voters=10, min_group=5)
    rng = random.Random(5)
    for _ in range(3):
        e.cast(random_picks(e, rng))
    b = e.bulletin()
    assert b["result"] is None and b["decryptions"] == []
    assert verify_bulletin(copy.deepcopy(b))["result"] is None
    tally = b["tally"]
    b["decryptions"] = [{"trustee": i, "shares": crypto.partial_decrypt(e.eid, i, s, tally)} for i, s in enumerate(e.secrets, 1)]
    with pytest.raises(VerifyError, match="fewer than 5 ballots"):
        verify_bulletin(b)


def test_worker_processes_give_the_same_verdict():
    e = make_election(trustees=2, dimensions=["总体评价"], options=["同意", "不同意"], voters=250)
    rng = random.Random(9)
    for _ in range(220):
        e.cast(random_picks(e, rng))
    b = e.bulletin()
    assert verify_bulletin(b, workers=2)["result"] == e.expected()
    b["ballots"][150]["answers"][0]["choices"][1]["beta"] = _other_point()
    with pytest.raises(VerifyError, match="ballot 151 answer 1 choice 2"):
        verify_bulletin(b, workers=2)


def test_command_line(bulletin, tmp_path, capsys):
    good = tmp_path / "bulletin.json"
    good.write_text(json.dumps(bulletin, ensure_ascii=False), encoding="utf-8")
    assert main([str(good), "--workers", "1"]) == 0
    assert "OK: 6 ballots" in capsys.readouterr().out
    bad = copy.deepcopy(bulletin)
    bad["result"][1][0] += 1
    (tmp_path / "bad.json").write_text(json.dumps(bad), encoding="utf-8")
    assert main([str(tmp_path / "bad.json")]) == 1
    assert "INVALID: the published result" in capsys.readouterr().err
    (tmp_path / "junk.json").write_text("{", encoding="utf-8")
    assert main([str(tmp_path / "junk.json")]) == 2


def test_runs_as_a_module_without_django(bulletin, tmp_path):
    path = tmp_path / "bulletin.json"
    path.write_text(json.dumps(bulletin), encoding="utf-8")
    code = (f"import sys, runpy; sys.argv=['verify', {str(path)!r}, '--workers', '1']\n"
            "try:\n    runpy.run_module('dangjian.ballots.verify', run_name='__main__')\n"
            "except SystemExit as e:\n    assert not any(m == 'django' or m.startswith('django.') for m in sys.modules), 'imported Django'\n"
            "    raise\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr
    assert "OK: 6 ballots" in run.stdout


def test_a_failing_batch_names_the_altered_commitment():
    """Version 2 checks many ballots in one batch; a failure is then traced to the one proof."""
    e = make_election(trustees=2, dimensions=["德", "总体评价"], voters=30, version=2)
    rng = random.Random(4)
    for _ in range(25):
        e.cast(random_picks(e, rng))
    b = e.bulletin()
    assert verify_bulletin(copy.deepcopy(b))["result"] == e.expected()
    proof = b["ballots"][17]["answers"][1]["choices"][2]["proof"]
    good = proof["b0"]
    proof["b0"] = _other_point()  # a valid point, but not this proof's commitment
    with pytest.raises(VerifyError, match="ballot 18 answer 2 choice 3: the proof that the choice is 0 or 1"):
        verify_bulletin(copy.deepcopy(b))
    proof["b0"] = good[:62] + f"{int(good[62:], 16) | 0x80:02x}"  # the same point with the top bit set
    with pytest.raises(VerifyError, match=r"ballot 18 answer 2 choice 3 proof\.b0: not a valid ristretto255 point"):
        verify_bulletin(copy.deepcopy(b))
    b["ballots"][17]["answers"][1]["choices"][2]["proof"]["b0"] = good
    b["ballots"][20]["answers"][0]["proof"]["a"] = _other_point()
    with pytest.raises(VerifyError, match="ballot 21 answer 1: the proof that exactly one option"):
        verify_bulletin(b)
