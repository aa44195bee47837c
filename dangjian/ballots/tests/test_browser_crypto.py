"""The browser's ballot cryptography (ballots/static/ballots/crypto.js on the vendored
@noble/curves) against the server's (dangjian/ballots/crypto.py), both ways, byte for byte:
docs/modules/ballots-protocol.md is the contract. The page is a real page of the site, so the
scripts also run under our Content-Security-Policy (no eval)."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.apps import apps

from dangjian.ballots import crypto

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOBLE = "/static/vendor/noble-curves-2.4.0/noble-ballots.js"
OURS = "/static/ballots/crypto.js"
OPTIONS = ["优秀", "称职", "基本称职", "不称职"]


@pytest.fixture
def page(settings: Any, live_server: Any, browser_page: Any) -> Iterator[Any]:
    """A page of the site with the bundle and crypto.js loaded; fails on any console error."""
    if not apps.is_installed("dangjian.ballots"):  # the crypto needs no app: serve its static files
        settings.STATICFILES_DIRS = [*settings.STATICFILES_DIRS, Path(crypto.__file__).parent / "static"]
    problems: list[str] = []
    browser_page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    browser_page.on("pageerror", lambda exc: problems.append(str(exc)))
    response = browser_page.goto(f"{live_server.url}/accounts/login/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-eval" not in policy
    browser_page.add_script_tag(url=f"{live_server.url}{NOBLE}")
    browser_page.add_script_tag(url=f"{live_server.url}{OURS}")
    assert browser_page.evaluate("() => typeof window.DJBallots.encryptBallot") == "function"
    yield browser_page
    assert problems == []


def manifest_for(trustees: list[dict[str, Any]], evaluation: str, questions: int = 2, min_group: int = 3,
                 version: int = crypto.VERSION) -> dict[str, Any]:
    roll = [f"党员{n}" for n in range(1, 11)]
    return {
        "version": version, "evaluation": evaluation, "title": "2026年度民主评议党员",
        "questions": [{"id": f"q{n}", "subject": "张三" if n % 2 else "李四", "dimension": "德能勤绩廉"[n % 5], "options": OPTIONS}
                      for n in range(1, questions + 1)],
        "roll_hash": crypto.sha256hex(crypto.canon(roll)), "voters": len(roll), "min_group": min_group,
        "trustees": trustees, "public_key": crypto.combine_public_keys([t["public_key"] for t in trustees]),
    }


def python_trustees(evaluation: str) -> tuple[list[dict[str, Any]], list[str]]:
    trustees, secrets = [], []
    for index in (1, 2):
        secret, public = crypto.keygen()
        trustees.append({"index": index, "name": f"监票人{index}", "public_key": public,
                         "key_proof": crypto.key_proof(evaluation, index, secret)})
        secrets.append(secret)
    return trustees, secrets


def browser_trustees(page: Any, evaluation: str) -> tuple[list[dict[str, Any]], list[str]]:
    keys = page.evaluate("(e) => [1, 2].map((i) => DJBallots.makeTrusteeKey(e, i))", evaluation)
    trustees = [{"index": i, "name": f"监票人{i}", "public_key": k["publicKey"], "key_proof": k["keyProof"]}
                for i, k in zip((1, 2), keys, strict=True)]
    return trustees, [k["secret"] for k in keys]


def browser_ballot(page: Any, manifest: dict[str, Any], picks: list[int]) -> tuple[str, str, str]:
    """(the ballot's JSON text exactly as the browser sends it, its receipt, its election)."""
    out = page.evaluate("""([text, picks]) => {
        const r = DJBallots.encryptBallot(text, picks);
        return [JSON.stringify(r.ballot), r.receipt, r.election];
    }""", [crypto.canon(manifest).decode(), picks])
    return out[0], out[1], out[2]


def test_encodings_and_hashes_agree(page):
    evaluation = str(uuid.uuid4())
    secret, public = crypto.keygen()
    manifest = manifest_for(python_trustees(evaluation)[0], evaluation)
    out = page.evaluate("""([m, pub, sec]) => {
        const P = DJBallots.parsePoint(pub, "p");
        const refused = (f) => { try { f(); return null; } catch (e) { return e.message; } };
        const L = 2n ** 252n + 27742317777372353535851937790883648493n;
        return {
          canon: DJBallots.canon(m),
          eid: DJBallots.electionId(m),
          hs: DJBallots.scalarHex(DJBallots.Hs("01", "eid-文字", P, "12")),
          hsEmpty: DJBallots.scalarHex(DJBallots.Hs("sum")),
          roundtrip: [DJBallots.pointHex(P), DJBallots.scalarHex(DJBallots.parseScalar(sec, "s"))],
          lastScalar: DJBallots.scalarHex(L - 1n),
          identity: refused(() => DJBallots.parsePoint("00".repeat(32), "share")),
          upper: refused(() => DJBallots.parsePoint(pub.toUpperCase(), "beta")),
          nonCanonical: refused(() => DJBallots.parsePoint("ed" + "ff".repeat(30) + "7f", "alpha")),
          bigScalar: refused(() => DJBallots.parseScalar(DJBallots.scalarHex(L - 1n).replace(/^ec/, "ed"), "s0")),
          shortScalar: refused(() => DJBallots.parseScalar("00", "c")),
        };
    }""", [manifest, public, secret])
    assert out["canon"].encode() == crypto.canon(manifest)
    awkward = {"z": ['引号"反斜杠\\', "\n\t\r\b\f\x01\x1f\x7f", "\u2028\u2029 😀 é"], "a": [0, -7, 2**40], "é": {}, "B": []}
    assert page.evaluate("(x) => DJBallots.canon(x)", awkward).encode() == crypto.canon(awkward)
    assert out["eid"] == crypto.manifest_fingerprint(manifest)
    point = bytes.fromhex(public)
    assert out["hs"] == crypto.Hs("01", "eid-文字", point, "12").hex()
    assert out["hsEmpty"] == crypto.Hs("sum").hex()
    assert out["roundtrip"] == [public, secret]
    assert out["lastScalar"] == (crypto.L - 1).to_bytes(32, "little").hex()
    assert "identity" in out["identity"] and out["identity"].startswith("share")
    assert out["upper"].startswith("beta: expected 64 lowercase hex")
    assert "not a valid ristretto255 point" in out["nonCanonical"]
    assert "not below the group order" in out["bigScalar"]
    assert out["shortScalar"].startswith("c: expected 64")
    # what the browser refuses, the server refuses too
    for bad in ("00" * 32, "ed" + "ff" * 30 + "7f", public.upper()):
        with pytest.raises(crypto.CryptoError):
            crypto.point(bad, "p")


@pytest.mark.parametrize("version", crypto.VERSIONS)
def test_browser_ballot_checks_on_the_server(page, version):
    evaluation = str(uuid.uuid4())
    manifest = manifest_for(python_trustees(evaluation)[0], evaluation, questions=3, version=version)
    eid = crypto.manifest_fingerprint(manifest)
    text, receipt, election = browser_ballot(page, manifest, [0, 3, 1])
    assert election == eid
    ballot = json.loads(text)
    assert text.encode() == crypto.canon(ballot)  # the browser's JSON is the canonical JSON
    checked = crypto.check_ballot(manifest, eid, ballot)
    assert checked.receipt == receipt == crypto.sha256hex(text.encode())
    assert checked.tags == [answer["choices"][0]["alpha"] for answer in ballot["answers"]]
    assert len(ballot["answers"]) == 3 and all(len(a["choices"]) == 4 for a in ballot["answers"])
    assert set(ballot["answers"][0]["proof"]) == ({"a", "b", "s"} if version == 2 else {"c", "s"})


@pytest.mark.parametrize("version", crypto.VERSIONS)
def test_tampered_browser_ballot_is_refused_by_the_server(page, version):
    evaluation = str(uuid.uuid4())
    manifest = manifest_for(python_trustees(evaluation)[0], evaluation, version=version)
    eid = crypto.manifest_fingerprint(manifest)
    text, _receipt, _election = browser_ballot(page, manifest, [2, 0])
    other_point = crypto.keygen()[1]

    def tampered(change):
        ballot = json.loads(text)
        change(ballot)
        return ballot

    def flip_scalar(b):
        proof = b["answers"][0]["choices"][1]["proof"]
        proof["s0"] = crypto._sc(crypto._int(bytes.fromhex(proof["s0"])) + 1).hex()

    def swap_alpha(b):
        b["answers"][1]["choices"][2]["alpha"] = other_point

    def other_sum_proof(b):
        b["answers"][0]["proof"]["s"] = b["answers"][1]["proof"]["s"]

    def copy_answer(b):
        b["answers"][1] = b["answers"][0]

    for change, message in ((flip_scalar, "answer 1 choice 2: the proof that the choice is 0 or 1"),
                            (swap_alpha, "answer 2 choice 3: the proof that the choice is 0 or 1"),
                            (other_sum_proof, "answer 1: the proof that exactly one option"),
                            (copy_answer, "an answer is repeated")):
        with pytest.raises(crypto.CryptoError, match=message):
            crypto.check_ballot(manifest, eid, tampered(change))
    # the same ballot for another election (another fingerprint) does not check either
    with pytest.raises(crypto.CryptoError):
        crypto.check_ballot(manifest, "0" * 64, {**json.loads(text), "election": "0" * 64})
    crypto.check_ballot(manifest, eid, json.loads(text))  # the untouched one does


def test_browser_refuses_a_manifest_whose_key_nobody_holds(page):
    evaluation = str(uuid.uuid4())
    trustees, _secrets = python_trustees(evaluation)
    good = manifest_for(trustees, evaluation)
    for bad, message in (
        ({**good, "public_key": trustees[0]["public_key"]}, "manifest.public_key: not the sum"),
        ({**good, "trustees": trustees[:1], "public_key": trustees[0]["public_key"]}, "fewer than two"),
        ({**good, "evaluation": str(uuid.uuid4())}, "trustee 1: the key proof does not verify"),
    ):
        error = page.evaluate("""(text) => {
            try { DJBallots.encryptBallot(text, [0, 0]); } catch (e) { return e.name + ": " + e.message; }
            return "encrypted";
        }""", crypto.canon(bad).decode())
        assert error.startswith("BallotError: ") and message in error
    error = page.evaluate("""(text) => {
        try { DJBallots.encryptBallot(text, [0, 4]); } catch (e) { return e.message; }
    }""", crypto.canon(good).decode())
    assert error == "picks[1]: no such option"


def test_trustee_keys_both_ways(page):
    evaluation = str(uuid.uuid4())
    trustees, secrets = browser_trustees(page, evaluation)
    for trustee, secret in zip(trustees, secrets, strict=True):
        crypto.check_key_proof(evaluation, trustee["index"], trustee["public_key"], trustee["key_proof"])
        assert crypto._base(crypto.scalar(secret, "secret")).hex() == trustee["public_key"]
    # bound to the evaluation and to the index
    with pytest.raises(crypto.CryptoError):
        crypto.check_key_proof(str(uuid.uuid4()), 1, trustees[0]["public_key"], trustees[0]["key_proof"])
    with pytest.raises(crypto.CryptoError):
        crypto.check_key_proof(evaluation, 2, trustees[0]["public_key"], trustees[0]["key_proof"])
    # and the server's key proofs check in the browser
    py_trustees, _ = python_trustees(evaluation)
    assert page.evaluate("([e, ts]) => ts.map((t) => DJBallots.checkKeyProof(e, t.index, t.public_key, t.key_proof))",
                         [evaluation, py_trustees]) == [True, True]
    assert page.evaluate("([e, t]) => DJBallots.checkKeyProof(e, 2, t.public_key, t.key_proof)",
                         [evaluation, py_trustees[0]]) is False


def test_browser_trustees_decrypt_a_mixed_tally(page):
    evaluation = str(uuid.uuid4())
    trustees, secrets = browser_trustees(page, evaluation)
    manifest = manifest_for(trustees, evaluation, questions=2, min_group=5)
    eid = crypto.manifest_fingerprint(manifest)
    picks = [[0, 1], [0, 3], [2, 1], [0, 1], [1, 1], [3, 0]]
    ballots = [crypto.encrypt_ballot(manifest, eid, p) for p in picks[:3]]
    ballots += [json.loads(browser_ballot(page, manifest, p)[0]) for p in picks[3:]]
    for ballot in ballots:
        crypto.check_ballot(manifest, eid, ballot)
    tally = crypto.tally(manifest, ballots)
    assert page.evaluate("([m, b]) => DJBallots.recomputeTally(m, b)", [manifest, ballots]) == tally
    decryptions = []
    for index, secret in zip((1, 2), secrets, strict=True):
        shares = page.evaluate("([m, b, t, i, x]) => DJBallots.partialDecrypt(m, b, t, i, x)",
                               [manifest, ballots, tally, index, secret])
        decryption = {"trustee": index, "shares": shares}
        crypto.check_decryption(manifest, eid, tally, decryption)
        for row, srow in zip(tally, shares, strict=True):
            for cell, share in zip(row, srow, strict=True):
                crypto.check_share(eid, index, trustees[index - 1]["public_key"], cell, share)
        decryptions.append(decryption)
    assert crypto.decode_results(manifest, tally, decryptions, len(ballots)) == [[3, 1, 1, 1], [1, 4, 0, 1]]
    # a share proven for another trustee, or for another cell, does not check
    with pytest.raises(crypto.CryptoError):
        crypto.check_share(eid, 2, trustees[1]["public_key"], tally[0][0], decryptions[0]["shares"][0][0])
    with pytest.raises(crypto.CryptoError):
        crypto.check_share(eid, 1, trustees[0]["public_key"], tally[0][1], decryptions[0]["shares"][0][0])


def test_partial_decrypt_refuses_what_it_should_not_decrypt(page):
    evaluation = str(uuid.uuid4())
    trustees, secrets = browser_trustees(page, evaluation)
    manifest = manifest_for(trustees, evaluation, questions=1, min_group=3)
    eid = crypto.manifest_fingerprint(manifest)
    ballots = [crypto.encrypt_ballot(manifest, eid, [p]) for p in (0, 1, 1)]
    tally = crypto.tally(manifest, ballots)

    def refusal(ballots, tally, index=1, secret=secrets[0]):
        return page.evaluate("""([m, b, t, i, x]) => {
            try { DJBallots.partialDecrypt(m, b, t, i, x); } catch (e) { return e.name + ": " + e.message; }
            return "decrypted";
        }""", [manifest, ballots, tally, index, secret])

    assert refusal(ballots, tally) == "decrypted"
    # a tally without the last ballot, or with two cells swapped, is not the sum of the ballots
    assert refusal(ballots, crypto.tally(manifest, ballots[:2])) == "BallotError: tally: not the sum of the ballots"
    swapped = [[tally[0][1], tally[0][0], *tally[0][2:]]]
    assert refusal(ballots, swapped) == "BallotError: tally: not the sum of the ballots"
    # fewer ballots than min_group: nothing is decrypted, even with a matching tally
    assert "fewer than min_group (3)" in refusal(ballots[:2], crypto.tally(manifest, ballots[:2]))
    assert "fewer than min_group" in refusal([], crypto.tally(manifest, []))
    # another trustee's secret, or a ballot of another election
    assert refusal(ballots, tally, index=1, secret=secrets[1]) == "BallotError: secret: not the key of trustee 1"
    other = {**ballots[0], "election": "0" * 64}
    assert refusal([other, *ballots[1:]], tally) == "BallotError: ballot 0: another election"


def test_key_file_opens_only_with_its_passphrase(page):
    evaluation = str(uuid.uuid4())
    out = page.evaluate("""async (e) => {
        const k = DJBallots.makeTrusteeKey(e, 2);
        const file = await DJBallots.sealKeyFile(e, 2, k.publicKey, k.secret, "正确的口令 correct horse");
        const opened = await DJBallots.openKeyFile(JSON.parse(JSON.stringify(file)), "正确的口令 correct horse");
        const error = async (f, pass) => {
            try { await DJBallots.openKeyFile(f, pass); } catch (err) { return err.message; }
            return "opened";
        };
        return {
            key: k, file: file, opened: opened,
            wrong: await error(file, "正确的口令 correct hors"),
            otherIndex: await error({...file, index: 1}, "正确的口令 correct horse"),
            otherFormat: await error({...file, format: "x"}, "正确的口令 correct horse"),
            fewIterations: await error({...file, iterations: 1000}, "正确的口令 correct horse"),
        };
    }""", evaluation)
    file, key = out["file"], out["key"]
    assert list(file) == ["format", "evaluation", "index", "public_key", "salt", "iv", "iterations", "ciphertext"]
    assert file["format"] == "dangjian-ballots-key/1" and file["iterations"] == 600000
    assert file["evaluation"] == evaluation and file["index"] == 2 and file["public_key"] == key["publicKey"]
    salt, iv, ciphertext = (base64.b64decode(file[k]) for k in ("salt", "iv", "ciphertext"))
    assert len(salt) == 16 and len(iv) == 12 and len(ciphertext) == 32 + 16  # the scalar and GCM's tag
    assert key["secret"] not in json.dumps(file)
    # the format as the spec writes it, read by other code than the browser's
    aes_key = hashlib.pbkdf2_hmac("sha256", "正确的口令 correct horse".encode(), salt, 600000, dklen=32)
    assert AESGCM(aes_key).decrypt(iv, ciphertext, f"{evaluation}|2".encode()).hex() == key["secret"]
    assert out["opened"] == {"evaluation": evaluation, "index": 2, "publicKey": key["publicKey"], "secret": key["secret"]}
    assert out["wrong"] == out["otherIndex"] == "key file: wrong passphrase, or the file was altered"
    assert out["otherFormat"] == "key file: unknown format"
    assert out["fewIterations"] == "key file: too few iterations"


def test_every_refusal_has_a_kind_the_page_shows_in_its_language(page):
    """The English message is for tests and support; the user reads the page's translated text
    for the error's kind (templates/ballots/_js_messages.html, test_views checks the catalogue)."""
    evaluation = str(uuid.uuid4())
    trustees, secrets = python_trustees(evaluation)
    good = manifest_for(trustees, evaluation, questions=1, min_group=3)
    eid = crypto.manifest_fingerprint(good)
    ballots = [crypto.encrypt_ballot(good, eid, [p]) for p in (0, 1, 1)]
    tally = crypto.tally(good, ballots)
    bad_point = {**ballots[0], "answers": [{**ballots[0]["answers"][0], "choices": [
        {**c, "alpha": "ff" * 32} for c in ballots[0]["answers"][0]["choices"]]}]}
    kinds = page.evaluate("""async ([good, bad, ballots, tally, short, badPoint, secrets, evaluation]) => {
        const kind = async (f) => {
            try { await f(); } catch (e) { return e instanceof DJBallots.BallotError ? e.kind : "other " + e.name; }
            return "none";
        };
        const m = JSON.parse(good);
        const k = DJBallots.makeTrusteeKey(evaluation, 2);
        const file = await DJBallots.sealKeyFile(evaluation, 2, k.publicKey, k.secret, "pass phrase 1234");
        return {
            manifest: await kind(() => DJBallots.encryptBallot(bad, [0])),
            notJson: await kind(() => DJBallots.encryptBallot("{", [0])),
            picks: await kind(() => DJBallots.encryptBallot(good, [7])),
            passphrase: await kind(() => DJBallots.openKeyFile(file, "pass phrase 1235")),
            format: await kind(() => DJBallots.openKeyFile({...file, format: "x"}, "pass phrase 1234")),
            salt: await kind(() => DJBallots.openKeyFile({...file, salt: "%%"}, "pass phrase 1234")),
            key: await kind(() => DJBallots.partialDecrypt(m, ballots, tally, 1, secrets[1])),
            tooFew: await kind(() => DJBallots.partialDecrypt(m, ballots.slice(0, 2), short, 1, secrets[0])),
            bulletin: await kind(() => DJBallots.partialDecrypt(m, ballots, short, 1, secrets[0])),
            badPoint: await kind(() => DJBallots.partialDecrypt(m, [badPoint, ...ballots.slice(1)], tally, 1, secrets[0])),
            fine: await kind(() => DJBallots.partialDecrypt(m, ballots, tally, 1, secrets[0])),
        };
    }""", [crypto.canon(good).decode(), crypto.canon({**good, "public_key": trustees[0]["public_key"]}).decode(),
           ballots, tally, crypto.tally(good, ballots[:2]), bad_point, secrets, evaluation])
    assert kinds == {"manifest": "manifest", "notJson": "manifest", "picks": "picks", "passphrase": "passphrase",
                     "format": "key-file", "salt": "key-file", "key": "key", "tooFew": "too-few",
                     "bulletin": "bulletin", "badPoint": "bulletin", "fine": "none"}
    shown = page.evaluate("""() => {
        const t = {errData: "D", errManifest: "M", errPicks: "P", errKey: "K", errKeyFile: "F", errPassphrase: "W",
                   errTooFew: "T", errBulletin: "B", errServer: "S", errNetwork: "N"};
        const E = DJBallots.BallotError;
        const said = new Error("投票码已使用或无效。");
        said.shown = true;
        return [new E("x", "key-file"), new E("x", "too-few"), new E("x"), new E("x", "server"), new E("x", "nonsense"),
                new TypeError("Failed to fetch"), said].map((e) => DJBallots.explain(e, t));
    }""")
    assert shown == ["F", "T", "D", "S", "D", "N", "投票码已使用或无效。"]
