"""The variable-time C group code (``ballots/native``) gives exactly libsodium's answers."""

from __future__ import annotations

import random

import pysodium
import pytest

from dangjian.ballots import native

L = native.L


def _random_point() -> bytes:
    return bytes(pysodium.crypto_core_ristretto255_random())


@pytest.fixture(scope="module", autouse=True)
def compiled():
    assert native.library() is not None, "the C library did not build (is a C compiler installed?)"


@pytest.mark.parametrize("n", [1, 2, 7, 40, 300])
def test_multi_scalar_multiplication_agrees_with_libsodium(n):
    rng = random.Random(n)
    points = [_random_point() for _ in range(n)]
    for scalars in (
        [rng.randrange(L) for _ in range(n)],
        [rng.getrandbits(128) for _ in range(n)],
        [rng.choice([0, 1, L - 1, 2**252, rng.randrange(L)]) for _ in range(n)],
    ):
        assert native.msm(points, scalars) == native._sodium_msm(points, scalars)


@pytest.mark.parametrize("n", [160, 700, 2100])
def test_mixed_short_and_long_scalars_agree_with_libsodium(n):
    """A ballot's batch (proofs' 128-bit weights next to full-size coefficients, ``Batch.holds``)
    and the verifier's larger ones, whose windows are wider; scalars whose signed digits carry
    through every window (all ones below 2^252, L - 1)."""
    rng = random.Random(1000 + n)
    points = [_random_point() for _ in range(n)]
    scalars = [rng.choice([rng.getrandbits(128), rng.randrange(L), 2**252 - 1, L - 1, (1 << 128) - 1, 0])
               for _ in range(n)]
    assert native.msm(points, scalars) == native._sodium_msm(points, scalars)
    negated = [-k for k in scalars]
    assert native.msm_is_identity(points + points, scalars + negated)


def test_cancelling_terms_sum_to_the_identity():
    p, q = _random_point(), _random_point()
    assert native.msm_is_identity([p, q, p, q], [5, 7, L - 5, L - 7])
    assert not native.msm_is_identity([p, q, p, q], [5, 7, L - 5, L - 6])
    assert native.msm([p], [L]) == native.IDENTITY


def test_decoding_refuses_what_libsodium_refuses_and_the_high_bit():
    rng = random.Random(5)
    p = 2**255 - 19
    samples = [rng.randbytes(32) for _ in range(400)] + [_random_point() for _ in range(100)]
    samples += [(p + k).to_bytes(32, "little") for k in (0, 2, 4)]  # non-canonical encodings of 0, 2, 4
    for raw in samples:
        expected = native._valid(raw) or raw == native.IDENTITY
        try:
            got = native.msm([raw], [1]) == raw
        except native.PointError:
            got = False
        assert got == expected, raw.hex()
    good = _random_point()
    high = bytes([*good[:31], good[31] | 0x80])  # libsodium 1.0.18 ignores this bit; RFC 9496 refuses it
    with pytest.raises(native.PointError) as refused:
        native.msm_is_identity([good, good, high], [1, 2, 3])
    assert refused.value.index == 2


def test_column_sums_agree_with_libsodium():
    rows = [[_random_point() for _ in range(3)] for _ in range(25)]
    flat = b"".join(b"".join(r) for r in rows)
    expected = [native.IDENTITY] * 3
    for r in rows:
        expected = [native._sodium_add(s, x) for s, x in zip(expected, r, strict=True)]
    assert native.column_sums(flat, 3) == expected
    assert native.column_sums(flat + native.IDENTITY * 3, 3) == expected  # the identity adds nothing
