"""The cryptographic shape, without Django: staff keys under passphrases, report keys wrapped per
recipient, the identity apart, receipt codes, proof of work; and the production cost figures."""

from __future__ import annotations

import math

import pytest

from dangjian import settings as production_settings
from dangjian.reports import crypto

P = crypto.TEST_KDF


def test_production_argon2_figures_are_the_stated_ones() -> None:
    assert crypto.KdfParams(ops=16, mem=128 * 1024 * 1024) == crypto.STAFF_KDF
    assert crypto.KdfParams(ops=3, mem=64 * 1024 * 1024) == crypto.RECEIPT_KDF
    # settings.py's defaults (no environment overrides in the test run) are the same figures
    assert production_settings.REPORTS_STAFF_KDF == (16, 128 * 1024 * 1024)
    assert production_settings.REPORTS_RECEIPT_KDF == (3, 64 * 1024 * 1024)
    assert production_settings.REPORTS_POW_BITS == 16


def test_receipt_codes_have_at_least_80_bits_and_show_in_groups_of_four() -> None:
    code = crypto.new_receipt_code()
    assert len(code) == crypto.RECEIPT_DIGITS and code.isdigit()
    assert math.floor(crypto.RECEIPT_DIGITS * math.log2(10)) == crypto.RECEIPT_BITS >= 80
    shown = crypto.format_receipt(code)
    assert [len(g) for g in shown.split(" ")] == [4] * 7
    assert crypto.normalize_receipt(shown) == code
    assert crypto.normalize_receipt(shown.replace(" ", "-")) == code
    assert crypto.normalize_receipt(code[:-1]) is None
    assert crypto.normalize_receipt("١" * 28) is None  # non-ASCII digits
    assert len({crypto.new_receipt_code() for _i in range(200)}) == 200


def test_receipt_lookup_is_stable_and_the_key_differs_from_it() -> None:
    code = crypto.new_receipt_code()
    a = crypto.receipt_keys(code, b"site", P)
    assert a == crypto.receipt_keys(code, b"site", P)
    assert a.lookup != a.key
    assert crypto.receipt_keys(code, b"other site", P).lookup != a.lookup
    assert code.encode() not in a.lookup + a.key


def test_staff_key_opens_only_with_its_passphrase() -> None:
    key = crypto.make_staff_key("a long passphrase", P)
    private = crypto.unlock_private(key, "a long passphrase")
    assert crypto.public_of(private) == key.public_key
    assert private not in key.locked_private
    with pytest.raises(crypto.WrongKey):
        crypto.unlock_private(key, "a long passphrasE")


def test_a_report_opens_for_its_recipients_and_the_reporter_only() -> None:
    alice = crypto.make_staff_key("alice passphrase", P)
    bob = crypto.make_staff_key("bob passphrase!!", P)
    carol = crypto.make_staff_key("carol passphrase", P)
    receipt = crypto.receipt_keys("1" * 28, b"salt", P)
    sealed = crypto.seal_report({"content": "收受好处费", "accused": "某局长", "place": ""}, '{"name": "张三"}',
                                recipients={1: alice.public_key, 2: bob.public_key},
                                custodians={3: carol.public_key}, receipt=receipt)
    assert sealed.parts["place"] == b""
    assert "收受好处费".encode() not in b"".join(sealed.parts.values())
    for sid, key, phrase in ((1, alice, "alice passphrase"), (2, bob, "bob passphrase!!")):
        private = crypto.unwrap_key(sealed.wraps[sid], crypto.unlock_private(key, phrase))
        assert crypto.open_sealed(private, sealed.parts["content"]) == "收受好处费"
        with pytest.raises(crypto.WrongKey):  # the report key does not open the identity
            crypto.open_sealed(private, sealed.parts["identity"])
    carol_private = crypto.unlock_private(carol, "carol passphrase")
    with pytest.raises(crypto.WrongKey):  # a staff member it was not wrapped to
        crypto.unwrap_key(sealed.wraps[1], carol_private)
    identity_key = crypto.unwrap_key(sealed.identity_wraps[3], carol_private)
    assert crypto.open_sealed(identity_key, sealed.parts["identity"]) == '{"name": "张三"}'
    reporter = crypto.unlock_with(receipt.key, sealed.receipt_box)
    assert crypto.open_sealed(reporter, sealed.parts["accused"]) == "某局长"
    with pytest.raises(crypto.WrongKey):
        crypto.unlock_with(crypto.receipt_keys("2" * 28, b"salt", P).key, sealed.receipt_box)


def test_anonymous_report_has_no_identity_wraps() -> None:
    custodian = crypto.make_staff_key("carol passphrase", P)
    sealed = crypto.seal_report({"content": "x" * 20}, "", recipients={}, custodians={3: custodian.public_key},
                                receipt=crypto.receipt_keys("1" * 28, b"s", P))
    assert sealed.parts["identity"] == b"" and sealed.identity_wraps == {}


def test_session_halves() -> None:
    session_key, wrapped = crypto.session_wrap(b"k" * 32)
    assert crypto.session_unwrap(session_key, wrapped) == b"k" * 32
    with pytest.raises(crypto.WrongKey):
        crypto.session_unwrap(b"\0" * 32, wrapped)


def test_proof_of_work() -> None:
    nonce = crypto.solve_pow("challenge", 8)
    assert crypto.pow_ok("challenge", nonce, 8)
    assert crypto.leading_zero_bits(bytes([0, 0b00010000])) == 11
    assert not crypto.pow_ok("challenge", "", 0)
    assert not crypto.pow_ok("challenge", "-1", 0)
    assert not any(crypto.pow_ok("challenge", str(n), 8) for n in range(int(nonce)))
