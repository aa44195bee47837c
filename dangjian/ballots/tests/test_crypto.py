"""The server half of docs/modules/ballots-protocol.md: what it accepts and what it refuses."""

from __future__ import annotations

import copy
import hashlib
import random

import pytest

from dangjian.ballots import crypto
from dangjian.ballots.crypto import CryptoError
from dangjian.ballots.tests.elections import EVALUATION, make_election, random_picks


@pytest.fixture(scope="module", params=crypto.VERSIONS, ids=lambda v: f"v{v}")
def election(request):
    e = make_election(trustees=3, voters=12, version=request.param)
    rng = random.Random(7)
    for _ in range(8):
        e.cast(random_picks(e, rng))
    return e


def test_hash_to_scalar_is_the_specified_construction():
    point = crypto._generator()
    digest = hashlib.sha512(
        b"dangjian-ballots-v1|key" + len(b"abc").to_bytes(4, "big") + b"abc" + (32).to_bytes(4, "big") + point
    ).digest()
    assert crypto.Hs("key", "abc", point) == (int.from_bytes(digest, "little") % crypto.L).to_bytes(32, "little")
    assert crypto.Hs("key", "ab", "c") != crypto.Hs("key", "abc")  # items are length-prefixed


def test_counts_decrypt_to_what_was_cast_with_two_and_three_trustees(election):
    for e in (election, make_election(trustees=2, subjects=("张三", "李四"), dimensions=["德", "能"])):
        if not e.ballots:
            rng = random.Random(3)
            for _ in range(6):
                e.cast(random_picks(e, rng))
        checks = [crypto.check_ballot(e.manifest, e.eid, b) for b in e.ballots]
        assert [c.receipt for c in checks] == [crypto.sha256hex(crypto.canon(b)) for b in e.ballots]
        assert e.bulletin()["result"] == e.expected()


def test_key_proofs_are_bound_to_evaluation_and_trustee(election):
    t = election.manifest["trustees"][0]
    crypto.check_key_proof(EVALUATION, 1, t["public_key"], t["key_proof"])
    with pytest.raises(CryptoError, match="key proof"):
        crypto.check_key_proof(EVALUATION, 2, t["public_key"], t["key_proof"])
    with pytest.raises(CryptoError, match="key proof"):
        crypto.check_key_proof("another-evaluation", 1, t["public_key"], t["key_proof"])
    other = election.manifest["trustees"][1]["public_key"]
    with pytest.raises(CryptoError, match="key proof"):  # someone else's key with my proof
        crypto.check_key_proof(EVALUATION, 1, other, t["key_proof"])


def _refused(election, ballot, match):
    with pytest.raises(CryptoError, match=match):
        crypto.check_ballot(election.manifest, election.eid, ballot)


def test_tampered_ballots_are_refused(election):
    good = election.ballots[0]
    b = copy.deepcopy(good)
    x, y = ("c0", "c1") if election.manifest["version"] == 1 else ("a0", "a1")  # the two branches swapped
    proof = b["answers"][0]["choices"][0]["proof"]
    proof[x], proof[y] = proof[y], proof[x]
    _refused(election, b, "answer 1 choice 1: the proof that the choice is 0 or 1")
    b = copy.deepcopy(good)  # a ciphertext from another ballot, with this ballot's proof
    b["answers"][2]["choices"][1]["alpha"] = election.ballots[1]["answers"][2]["choices"][1]["alpha"]
    _refused(election, b, "answer 3 choice 2")
    b = copy.deepcopy(good)  # the same ballot for another election
    b["election"] = "0" * 64
    _refused(election, b, "another election")


def test_a_grade_outside_the_scale_is_refused(election):
    e = election
    pk = crypto.point(e.manifest["public_key"], "pk")
    g = crypto._generator()
    b = copy.deepcopy(e.ballots[0])
    # a choice that encrypts 2, carrying the best proof its author can make (that of a 1)
    r = crypto._random_scalar()
    alpha, beta = crypto._base(r), crypto._add(crypto._add(g, g), crypto._mul(r, pk))
    b["answers"][0]["choices"][0] = {"alpha": alpha.hex(), "beta": beta.hex(),
                                     "proof": crypto._prove01(e.eid, pk, g, alpha, beta, 1, r, e.manifest["version"] == 2)}
    _refused(e, b, "0 or 1")


def test_two_grades_for_one_question_are_refused(election):
    e = election
    picks = e.picks[0]
    other = crypto.encrypt_ballot(e.manifest, e.eid, [(p + 1) % 4 for p in picks])
    b = copy.deepcopy(e.ballots[0])
    # every choice valid on its own, but this answer now holds two 1s (or none): the sum proof fails
    b["answers"][0]["choices"][(picks[0] + 1) % 4] = other["answers"][0]["choices"][(picks[0] + 1) % 4]
    _refused(e, b, "exactly one option")


@pytest.mark.parametrize("mutate, match", [
    (lambda b: b.pop("election"), "exactly the fields"),
    (lambda b: b["answers"].pop(), "answers are needed"),
    (lambda b: b["answers"][0]["choices"].pop(), "choices are needed"),
    (lambda b: b["answers"][0]["choices"][0].update(extra="1"), "exactly the fields"),
    (lambda b: b["answers"][0]["choices"][0].update(alpha="00" * 32), "not a valid ristretto255 point"),
    (lambda b: b["answers"][0]["choices"][0].update(alpha="zz" * 32), "not hex"),
    (lambda b: b["answers"][0]["choices"][0].update(alpha=b["answers"][0]["choices"][0]["alpha"].upper()), "valid"),
    (lambda b: b["answers"][0]["choices"][0]["proof"].update(s0=crypto.L.to_bytes(32, "little").hex()), "canonical scalar"),
    (lambda b: b["answers"][0]["proof"].update(s="1"), "64-character"),
    (lambda b: b["answers"].__setitem__(1, b["answers"][0]), "answer is repeated|answer 2"),
])
def test_malformed_ballots_name_the_problem(election, mutate, match):
    b = copy.deepcopy(election.ballots[0])
    mutate(b)
    _refused(election, b, match)


def test_shares_are_checked_against_the_trustee_key(election):
    e = election
    tally = crypto.tally(e.manifest, e.ballots)
    shares = crypto.partial_decrypt(e.eid, 1, e.secrets[0], tally)
    crypto.check_decryption(e.manifest, e.eid, tally, {"trustee": 1, "shares": shares})
    wrong = crypto.partial_decrypt(e.eid, 1, e.secrets[1], tally)  # trustee 2's secret, as trustee 1
    with pytest.raises(CryptoError, match="trustee 1's decryption proof"):
        crypto.check_decryption(e.manifest, e.eid, tally, {"trustee": 1, "shares": wrong})
    other_tally = crypto.tally(e.manifest, e.ballots[:1])  # a single ballot's ciphertexts
    lone = crypto.partial_decrypt(e.eid, 1, e.secrets[0], other_tally)
    with pytest.raises(CryptoError, match="decryption proof"):  # shares of anything but the tally
        crypto.check_decryption(e.manifest, e.eid, tally, {"trustee": 1, "shares": lone})


def test_without_every_trustee_nothing_decrypts(election):
    e = election
    tally = crypto.tally(e.manifest, e.ballots)
    decs = [{"trustee": i, "shares": crypto.partial_decrypt(e.eid, i, s, tally)} for i, s in enumerate(e.secrets, 1)]
    with pytest.raises(CryptoError, match="every trustee"):
        crypto.decode_results(e.manifest, tally, decs[:-1], len(e.ballots))
    # even pretending the missing trustee's share is not needed, the counts are noise, not votes
    short = copy.deepcopy(e.manifest)
    short["trustees"] = short["trustees"][:-1]
    with pytest.raises(CryptoError, match="not between 0 and"):
        crypto.decode_results(short, tally, decs[:-1], len(e.ballots))
