"""The secret ballot's cryptography, as docs/modules/ballots-protocol.md specifies it.

Exponential ElGamal over ristretto255 (libsodium, through ``pysodium``), with Fiat–Shamir proofs:
every choice is 0 or 1, every question has exactly one choice, every trustee knows their key and
decrypted the tally honestly. This module imports no Django: the server, the demo, the tests and
the independent verifier (``python -m dangjian.ballots.verify``) all use it.

The server only ever *checks* proofs, adds ciphertexts and combines the trustees' shares; it never
holds a decryption key. ``keygen``, ``key_proof``, ``encrypt_ballot`` and ``partial_decrypt`` do
what the voter's and the trustee's browsers do (dangjian/ballots/static/ballots/crypto.js); the
server uses them only for the demo county, the tests and the benchmarks.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from dangjian.ballots import native

try:  # libsodium is a system library (Debian's libsodium23); the site runs without it
    import pysodium as _na
except (ImportError, OSError, AttributeError, ValueError):  # pragma: no cover - machine without libsodium
    _na = None

#: The order of the ristretto255 group.
L = 2**252 + 27742317777372353535851937790883648493
DOMAIN = b"dangjian-ballots-v1|"
FORMAT = "dangjian-ballots/1"
IDENTITY = bytes(32)


class CryptoError(ValueError):
    """A ballot, key, proof or share that does not check; the message names what and where."""


def available() -> bool:
    """Whether libsodium could be loaded (the ballot pages say so when it could not)."""
    return _na is not None


def _lib() -> Any:
    if _na is None:  # pragma: no cover - machine without libsodium
        raise CryptoError("libsodium (Debian package libsodium23) is not installed")
    return _na


# --- encodings -------------------------------------------------------------------------------


def canon(obj: Any) -> bytes:
    """Canonical JSON: sorted keys, no spaces, UTF-8."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sha256hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest_fingerprint(manifest: dict[str, Any]) -> str:
    """The election fingerprint ``eid``: what every proof of a ballot is bound to."""
    return sha256hex(canon(manifest))


def roll_hash(roll: Sequence[str]) -> str:
    return sha256hex(canon(list(roll)))


def point(value: Any, where: str) -> bytes:
    """Decode a hex point; refuse anything but a canonical, non-identity ristretto255 element."""
    raw = point_shape(value, where)
    if not _lib().crypto_core_ristretto255_is_valid_point(raw):
        raise CryptoError(f"{where}: not a valid ristretto255 point")
    return raw


def point_shape(value: Any, where: str) -> bytes:
    """A hex point's bytes, checked for shape only (lowercase hex, 32 bytes, not the identity, high
    bit clear); whether it is on the group is checked by the batch that uses it (``Batch``)."""
    if not isinstance(value, str) or len(value) != 64:
        raise CryptoError(f"{where}: not a 64-character hex point")
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raise CryptoError(f"{where}: not hex") from None
    if raw.hex() != value or raw == IDENTITY or raw[31] & 0x80:
        raise CryptoError(f"{where}: not a valid ristretto255 point")
    return raw


def scalar(value: Any, where: str) -> bytes:
    """Decode a hex scalar: 32 bytes little-endian, below the group order."""
    if not isinstance(value, str) or len(value) != 64:
        raise CryptoError(f"{where}: not a 64-character hex scalar")
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raise CryptoError(f"{where}: not hex") from None
    if raw.hex() != value or int.from_bytes(raw, "little") >= L:
        raise CryptoError(f"{where}: not a canonical scalar")
    return raw


def _hex(raw: bytes) -> str:
    return raw.hex()


# --- group operations (bytes in, bytes out; the identity is 32 zero bytes) -----------------------


def _add(p: bytes, q: bytes) -> bytes:
    if p == IDENTITY:
        return q
    if q == IDENTITY:
        return p
    return bytes(_lib().crypto_core_ristretto255_add(p, q))


def _sub(p: bytes, q: bytes) -> bytes:
    if q == IDENTITY:
        return p
    if p == IDENTITY:
        return _neg(q)
    return bytes(_lib().crypto_core_ristretto255_sub(p, q))


def _neg(p: bytes) -> bytes:
    return _mul(_sc(L - 1), p)


def _mul(n: bytes, p: bytes) -> bytes:
    """``n·p``; libsodium refuses a product that is the identity, which is the identity here."""
    if p == IDENTITY or n == IDENTITY:
        return IDENTITY
    lib = _lib()
    try:
        return bytes(lib.crypto_scalarmult_ristretto255(n, p))
    except ValueError:
        return IDENTITY


def _base(n: bytes) -> bytes:
    """``n·G``."""
    if n == IDENTITY:
        return IDENTITY
    lib = _lib()
    try:
        return bytes(lib.crypto_scalarmult_ristretto255_base(n))
    except ValueError:  # pragma: no cover - n is a multiple of the order, impossible below L
        return IDENTITY


def _sc(n: int) -> bytes:
    return (n % L).to_bytes(32, "little")


def _int(s: bytes) -> int:
    return int.from_bytes(s, "little")


def _random_scalar() -> bytes:
    return _sc(int.from_bytes(secrets.token_bytes(64), "little"))


def _generator() -> bytes:
    return _base(_sc(1))


def Hs(tag: str, *items: bytes | str) -> bytes:  # noqa: N802 - the spec's name
    """Hash to a scalar, domain-separated, every item length-prefixed."""
    parts = [DOMAIN, tag.encode("ascii")]
    for item in items:
        raw = item.encode("utf-8") if isinstance(item, str) else item
        parts.append(len(raw).to_bytes(4, "big"))
        parts.append(raw)
    h = hashlib.sha512(b"".join(parts))
    return _sc(int.from_bytes(h.digest(), "little"))


# --- trustees' keys ------------------------------------------------------------------------------


def keygen() -> tuple[str, str]:
    """A trustee's secret scalar and public key, hex (what the trustee's browser does)."""
    x = _random_scalar()
    return _hex(x), _hex(_base(x))


def key_proof(evaluation: str, index: int, secret: str) -> dict[str, str]:
    x = scalar(secret, "secret")
    y = _base(x)
    w = _random_scalar()
    c = Hs("key", evaluation, str(index), y, _base(w))
    return {"c": _hex(c), "s": _hex(_sc(_int(w) + _int(c) * _int(x)))}


def check_key_proof(evaluation: str, index: int, public_key: str, proof: Any) -> None:
    where = f"trustee {index}"
    y = point(public_key, f"{where} public_key")
    c, s = _proof(proof, ("c", "s"), f"{where} key_proof")
    t = _sub(_base(s), _mul(c, y))
    if Hs("key", evaluation, str(index), y, t) != c:
        raise CryptoError(f"{where}: the key proof does not check")


def combine_public_keys(public_keys: Iterable[str]) -> str:
    total = IDENTITY
    for n, pk in enumerate(public_keys, 1):
        total = _add(total, point(pk, f"trustee {n} public_key"))
    if total == IDENTITY:
        raise CryptoError("the trustees' public keys add up to nothing")
    return _hex(total)


def _proof(proof: Any, keys: tuple[str, ...], where: str) -> list[bytes]:
    if not isinstance(proof, dict) or set(proof) != set(keys):
        raise CryptoError(f"{where}: a proof must have exactly the fields {', '.join(keys)}")
    return [scalar(proof[k], f"{where}.{k}") for k in keys]


# --- ballots -------------------------------------------------------------------------------------

#: Protocol versions, the manifest's ``version``: 1 — each proof is ``{c…, s…}`` and is checked on
#: its own, recomputing its commitments; 2 — the ballot's proofs carry their commitments, so the
#: checker can weigh every equation of many ballots at random and test them all in one
#: multi-scalar multiplication (``Batch``). New evaluations use ``VERSION``; old ones keep theirs.
VERSIONS = (1, 2)
VERSION = 2


def version(manifest: dict[str, Any]) -> int:
    v = manifest.get("version")
    if v not in VERSIONS:
        raise CryptoError(f"manifest version {v!r} is not known (known: {', '.join(map(str, VERSIONS))})")
    return int(v)


def _questions(manifest: dict[str, Any]) -> list[int]:
    """The number of options of each question."""
    return [len(q["options"]) for q in manifest["questions"]]


def encrypt_ballot(manifest: dict[str, Any], eid: str, picks: Sequence[int]) -> dict[str, Any]:
    """What the voter's browser does: one-hot ElGamal per question, with its proofs."""
    v2 = version(manifest) == 2
    pk = point(manifest["public_key"], "public_key")
    g = _generator()
    sizes = _questions(manifest)
    if len(picks) != len(sizes) or any(not 0 <= p < k for p, k in zip(picks, sizes, strict=False)):
        raise CryptoError("one valid pick per question is needed")
    answers = []
    for pick, k in zip(picks, sizes, strict=True):
        choices, rsum, asum, bsum = [], 0, IDENTITY, IDENTITY
        for j in range(k):
            m = 1 if j == pick else 0
            r = _random_scalar()
            alpha = _base(r)
            beta = _add(g if m else IDENTITY, _mul(r, pk))
            choices.append(
                {"alpha": _hex(alpha), "beta": _hex(beta), "proof": _prove01(eid, pk, g, alpha, beta, m, r, v2)}
            )
            rsum, asum, bsum = rsum + _int(r), _add(asum, alpha), _add(bsum, beta)
        w = _random_scalar()
        a, b = _base(w), _mul(w, pk)
        if v2:
            items = [bytes.fromhex(str(ch[k])) for k in ("alpha", "beta") for ch in choices]
            c = Hs("sum-v2", eid, *items, a, b)
        else:
            c = Hs("sum", eid, asum, bsum, a, b)
        s = _hex(_sc(_int(w) + _int(c) * rsum))
        answers.append(
            {"choices": choices, "proof": {"a": _hex(a), "b": _hex(b), "s": s} if v2 else {"c": _hex(c), "s": s}}
        )
    return {"answers": answers, "election": eid}


def _prove01(eid: str, pk: bytes, g: bytes, alpha: bytes, beta: bytes, m: int, r: bytes, v2: bool) -> dict[str, str]:
    u = 1 - m
    cu, su, w = _random_scalar(), _random_scalar(), _random_scalar()
    commit: dict[int, tuple[bytes, bytes]] = {
        m: (_base(w), _mul(w, pk)),
        u: (_sub(_base(su), _mul(cu, alpha)), _sub(_mul(su, pk), _mul(cu, _sub(beta, g) if u else beta))),
    }
    c = Hs("01", eid, alpha, beta, *commit[0], *commit[1])
    cm = _sc(_int(c) - _int(cu))
    sm = _sc(_int(w) + _int(cm) * _int(r))
    cs, ss = {m: cm, u: cu}, {m: sm, u: su}
    if v2:
        return {
            "a0": _hex(commit[0][0]),
            "b0": _hex(commit[0][1]),
            "a1": _hex(commit[1][0]),
            "b1": _hex(commit[1][1]),
            "c0": _hex(cs[0]),
            "s0": _hex(ss[0]),
            "s1": _hex(ss[1]),
        }
    return {"c0": _hex(cs[0]), "c1": _hex(cs[1]), "s0": _hex(ss[0]), "s1": _hex(ss[1])}


@dataclass(frozen=True)
class BallotCheck:
    receipt: str
    tags: list[str]
    #: ``canon(ballot)``: what the receipt hashes and the server stores (computed once).
    canonical: bytes = b""


def check_ballot(manifest: dict[str, Any], eid: str, ballot: Any, *, where: str = "ballot") -> BallotCheck:
    """Every encoding and proof of ``ballot``; its receipt and answer tags. Raises CryptoError."""
    return check_ballots(manifest, eid, [ballot], [where])[0]


def check_ballots(
    manifest: dict[str, Any], eid: str, ballots: Sequence[Any], wheres: Sequence[str]
) -> list[BallotCheck]:
    """``check_ballot`` for many ballots; a version 2 election's are checked in one batch. The
    error is the one the first bad ballot gives on its own, whichever way they were checked."""
    if version(manifest) == 1:
        return [_check_ballot_v1(manifest, eid, b, w) for b, w in zip(ballots, wheres, strict=True)]
    pk = point(manifest["public_key"], "public_key")
    batch = Batch(pk)
    checks = [_check_ballot_v2(manifest, eid, b, w, pk, batch) for b, w in zip(ballots, wheres, strict=True)]
    if not batch.holds():
        for b, w in zip(ballots, wheres, strict=True):  # name the first ballot at fault
            _check_ballot_v2(manifest, eid, b, w, pk, None)
        raise CryptoError(f"{wheres[0]}…: the ballots' proofs do not check together")  # pragma: no cover - 2^-128
    return checks


def _shape(manifest: dict[str, Any], eid: str, ballot: Any, where: str) -> list[tuple[str, list[Any], Any]]:
    """The answers of ``ballot`` as (where, choices, sum proof), after the shape checks."""
    if not isinstance(ballot, dict) or set(ballot) != {"answers", "election"}:
        raise CryptoError(f"{where}: a ballot has exactly the fields answers and election")
    if ballot["election"] != eid:
        raise CryptoError(f"{where}: cast for another election")
    sizes = _questions(manifest)
    answers = ballot["answers"]
    if not isinstance(answers, list) or len(answers) != len(sizes):
        raise CryptoError(f"{where}: {len(sizes)} answers are needed, one per question")
    out = []
    for qi, (answer, k) in enumerate(zip(answers, sizes, strict=True), 1):
        here = f"{where} answer {qi}"
        if not isinstance(answer, dict) or set(answer) != {"choices", "proof"}:
            raise CryptoError(f"{here}: an answer has exactly the fields choices and proof")
        choices = answer["choices"]
        if not isinstance(choices, list) or len(choices) != k:
            raise CryptoError(f"{here}: {k} choices are needed, one per option")
        for ci, choice in enumerate(choices, 1):
            if not isinstance(choice, dict) or set(choice) != {"alpha", "beta", "proof"}:
                raise CryptoError(f"{here} choice {ci}: a choice has exactly the fields alpha, beta and proof")
        out.append((here, choices, answer["proof"]))
    return out


def _tags(ballot: dict[str, Any], where: str) -> BallotCheck:
    tags = [answer["choices"][0]["alpha"] for answer in ballot["answers"]]
    if len(set(tags)) != len(tags):
        raise CryptoError(f"{where}: an answer is repeated")
    text = canon(ballot)
    return BallotCheck(receipt=sha256hex(text), tags=tags, canonical=text)


def _check_ballot_v1(manifest: dict[str, Any], eid: str, ballot: Any, where: str) -> BallotCheck:
    answers = _shape(manifest, eid, ballot, where)
    pk = point(manifest["public_key"], "public_key")
    g = _generator()
    for here, choices, proof in answers:
        asum, bsum = IDENTITY, IDENTITY
        for ci, choice in enumerate(choices, 1):
            spot = f"{here} choice {ci}"
            alpha, beta = point(choice["alpha"], f"{spot}.alpha"), point(choice["beta"], f"{spot}.beta")
            _check01(eid, pk, g, alpha, beta, choice["proof"], spot)
            asum, bsum = _add(asum, alpha), _add(bsum, beta)
        c, s = _proof(proof, ("c", "s"), f"{here} proof")
        a = _sub(_base(s), _mul(c, asum))
        b = _sub(_mul(s, pk), _mul(c, _sub(bsum, g)))
        if Hs("sum", eid, asum, bsum, a, b) != c:
            raise CryptoError(f"{here}: the proof that exactly one option is chosen does not check")
    return _tags(ballot, where)


def _check01(eid: str, pk: bytes, g: bytes, alpha: bytes, beta: bytes, proof: Any, where: str) -> None:
    c0, c1, s0, s1 = _proof(proof, ("c0", "c1", "s0", "s1"), f"{where} proof")
    a0 = _sub(_base(s0), _mul(c0, alpha))
    b0 = _sub(_mul(s0, pk), _mul(c0, beta))
    a1 = _sub(_base(s1), _mul(c1, alpha))
    b1 = _sub(_mul(s1, pk), _mul(c1, _sub(beta, g)))
    if _sc(_int(c0) + _int(c1)) != Hs("01", eid, alpha, beta, a0, b0, a1, b1):
        raise CryptoError(f"{where}: the proof that the choice is 0 or 1 does not check")


GENERATOR = bytes.fromhex("e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76")


class Batch:
    """Equations ``Σ k_i·P_i = 0`` over public points, each multiplied by its own random 128-bit
    weight and summed: ``holds()`` is one multi-scalar multiplication (``native``). If any
    equation is false the weighted sum is the identity with probability at most 2^-128 (the group
    has prime order). The generator's and the public key's coefficients are kept apart (``g``,
    ``h``) so that each appears once however many equations use it."""

    def __init__(self, pk: bytes) -> None:
        self.pk, self.g, self.h = pk, 0, 0
        self.points: list[bytes] = []
        self.scalars: list[int] = []

    @staticmethod
    def weights(n: int) -> list[int]:
        """``n`` random odd 128-bit weights (from the operating system's generator)."""
        r = secrets.randbits(128 * n)
        return [(r >> (128 * i)) & (2**128 - 1) | 1 for i in range(n)]

    def add(self, p: bytes, k: int) -> None:
        self.points.append(p)
        self.scalars.append(k)

    def holds(self) -> bool:
        # The sum is checked negated (the identity either way): the commitments' coefficients,
        # -z, become the 128-bit weights z, whose high windows the multiplication skips.
        try:
            return native.msm_is_identity([*self.points, GENERATOR, self.pk],
                                          [*(-k for k in self.scalars), -self.g, -self.h])
        except native.PointError:
            return False


def _check_ballot_v2(
    manifest: dict[str, Any], eid: str, ballot: Any, where: str, pk: bytes, batch: Batch | None
) -> BallotCheck:
    """Parse a version 2 ballot and add its equations to ``batch``. With no batch, check each proof
    on its own (every point through libsodium first) and raise the first that fails."""
    decode = point_shape if batch is not None else point
    for here, choices, sum_proof in _shape(manifest, eid, ballot, where):
        alphas, betas, ka, kb = [], [], [], []
        for ci, choice in enumerate(choices, 1):
            spot = f"{here} choice {ci}"
            alpha, beta = decode(choice["alpha"], f"{spot}.alpha"), decode(choice["beta"], f"{spot}.beta")
            own = batch if batch is not None else Batch(pk)
            x, y = _equations01(own, eid, alpha, beta, choice["proof"], spot, decode)
            if batch is None:
                own.add(alpha, x)
                own.add(beta, y)
                if not own.holds():
                    raise CryptoError(f"{spot}: the proof that the choice is 0 or 1 does not check")
                x = y = 0
            alphas.append(alpha)
            betas.append(beta)
            ka.append(x)
            kb.append(y)
        own = batch if batch is not None else Batch(pk)
        keys = ("a", "b", "s")
        if not isinstance(sum_proof, dict) or set(sum_proof) != set(keys):
            raise CryptoError(f"{here} proof: a proof must have exactly the fields {', '.join(keys)}")
        a, b = decode(sum_proof["a"], f"{here} proof.a"), decode(sum_proof["b"], f"{here} proof.b")
        s = _int(scalar(sum_proof["s"], f"{here} proof.s"))
        # s·G = a + c·Σalpha and s·PK = b + c·(Σbeta − G), c over every ciphertext of the answer
        c = _int(Hs("sum-v2", eid, *alphas, *betas, a, b))
        z5, z6 = own.weights(2)
        own.g += z5 * s + z6 * c
        own.h += z6 * s
        own.add(a, -z5)
        own.add(b, -z6)
        for alpha, beta, x, y in zip(alphas, betas, ka, kb, strict=True):
            own.add(alpha, x - z5 * c)
            own.add(beta, y - z6 * c)
        if batch is None and not own.holds():
            raise CryptoError(f"{here}: the proof that exactly one option is chosen does not check")
    return _tags(ballot, where)


_KEYS01 = ("a0", "a1", "b0", "b1", "c0", "s0", "s1")


def _equations01(
    batch: Batch, eid: str, alpha: bytes, beta: bytes, proof: Any, where: str, decode: Any
) -> tuple[int, int]:
    """Add the 0-or-1 proof's equations to ``batch`` but for its alpha and beta terms, whose
    coefficients it returns (the caller adds the sum proof's to them):
    s0·G = a0 + c0·alpha, s0·PK = b0 + c0·beta, s1·G = a1 + c1·alpha, s1·PK = b1 + c1·(beta − G),
    with c1 = Hs("01", eid, alpha, beta, a0, b0, a1, b1) − c0."""
    if not isinstance(proof, dict) or set(proof) != set(_KEYS01):
        raise CryptoError(f"{where} proof: a proof must have exactly the fields {', '.join(_KEYS01)}")
    a0, b0, a1, b1 = (decode(proof[k], f"{where} proof.{k}") for k in ("a0", "b0", "a1", "b1"))
    c0, s0, s1 = (_int(scalar(proof[k], f"{where} proof.{k}")) for k in ("c0", "s0", "s1"))
    c1 = _int(Hs("01", eid, alpha, beta, a0, b0, a1, b1)) - c0
    z1, z2, z3, z4 = batch.weights(4)
    batch.g += z1 * s0 + z3 * s1 + z4 * c1
    batch.h += z2 * s0 + z4 * s1
    batch.add(a0, -z1)
    batch.add(b0, -z2)
    batch.add(a1, -z3)
    batch.add(b1, -z4)
    return -(z1 * c0 + z3 * c1), -(z2 * c0 + z4 * c1)


# --- tally and decryption ------------------------------------------------------------------------


def tally(manifest: dict[str, Any], ballots: Iterable[dict[str, Any]]) -> list[list[dict[str, str]]]:
    """Per question and option, the sum of the ciphertexts (ballots already checked), added a
    few thousand ballots at a time (``native.column_sums``)."""
    sizes = _questions(manifest)
    cols = 2 * sum(sizes)
    sums = [IDENTITY] * cols
    pending: list[str] = []

    def add_pending() -> None:
        nonlocal sums
        try:
            sums = native.column_sums(b"".join(sums) + bytes.fromhex("".join(pending)), cols)
        except native.PointError:
            raise CryptoError("a ballot's ciphertext is not a valid point") from None
        pending.clear()

    for ballot in ballots:
        before = len(pending)
        for answer in ballot["answers"]:
            for choice in answer["choices"]:
                pending.append(choice["alpha"])
                pending.append(choice["beta"])
        if len(pending) - before != cols:
            raise CryptoError("a ballot does not have one ciphertext per option of every question")
        if len(pending) >= 2000 * cols:
            add_pending()
    add_pending()
    out, n = [], 0
    for k in sizes:
        out.append([{"alpha": _hex(sums[n + 2 * j]), "beta": _hex(sums[n + 2 * j + 1])} for j in range(k)])
        n += 2 * k
    return out


def _cell(cell: Any, where: str) -> tuple[bytes, bytes]:
    """A tally cell; the sum of no ballot (or of ballots that cancel) is the identity."""
    if not isinstance(cell, dict) or set(cell) != {"alpha", "beta"}:
        raise CryptoError(f"{where}: a tally cell has exactly the fields alpha and beta")
    return tuple(IDENTITY if cell[k] == IDENTITY.hex() else point(cell[k], f"{where}.{k}") for k in ("alpha", "beta"))  # type: ignore[return-value]


def partial_decrypt(
    eid: str, index: int, secret: str, tally_cells: list[list[dict[str, str]]]
) -> list[list[dict[str, Any]]]:
    """What trustee ``index``'s browser does: ``x·alpha`` for every cell, with a DLEQ proof."""
    x = scalar(secret, "secret")
    out = []
    for qi, row in enumerate(tally_cells, 1):
        shares = []
        for oi, cell in enumerate(row, 1):
            alpha, _beta = _cell(cell, f"tally {qi}.{oi}")
            d = _mul(x, alpha)
            w = _random_scalar()
            c = Hs("dec", eid, str(index), alpha, d, _base(w), _mul(w, alpha))
            shares.append({"share": _hex(d), "proof": {"c": _hex(c), "s": _hex(_sc(_int(w) + _int(c) * _int(x)))}})
        out.append(shares)
    return out


def check_share(eid: str, index: int, public_key: str, cell: Any, share: Any, *, where: str = "share") -> None:
    y = point(public_key, f"trustee {index} public_key")
    alpha, _beta = _cell(cell, where)
    if not isinstance(share, dict) or set(share) != {"share", "proof"}:
        raise CryptoError(f"{where}: a share has exactly the fields share and proof")
    d = IDENTITY if alpha == IDENTITY and share["share"] == IDENTITY.hex() else point(share["share"], f"{where}.share")
    c, s = _proof(share["proof"], ("c", "s"), f"{where} proof")
    a = _sub(_base(s), _mul(c, y))
    b = _sub(_mul(s, alpha), _mul(c, d))
    if Hs("dec", eid, str(index), alpha, d, a, b) != c:
        raise CryptoError(f"{where}: trustee {index}'s decryption proof does not check")


def check_decryption(
    manifest: dict[str, Any], eid: str, tally_cells: list[list[dict[str, str]]], decryption: Any
) -> None:
    """One trustee's shares: one per tally cell, each proven."""
    trustees = {t["index"]: t["public_key"] for t in manifest["trustees"]}
    if not isinstance(decryption, dict) or set(decryption) != {"trustee", "shares"}:
        raise CryptoError("a decryption has exactly the fields trustee and shares")
    index = decryption["trustee"]
    if index not in trustees:
        raise CryptoError(f"decryption from unknown trustee {index!r}")
    shares = decryption["shares"]
    if not isinstance(shares, list) or [len(r) if isinstance(r, list) else -1 for r in shares] != [
        len(r) for r in tally_cells
    ]:
        raise CryptoError(f"trustee {index}: one share per tally cell is needed")
    for qi, (row, srow) in enumerate(zip(tally_cells, shares, strict=True), 1):
        for oi, (cell, share) in enumerate(zip(row, srow, strict=True), 1):
            check_share(eid, index, trustees[index], cell, share, where=f"trustee {index} share {qi}.{oi}")


def decode_results(
    manifest: dict[str, Any], tally_cells: list[list[dict[str, str]]], decryptions: list[dict[str, Any]], n_ballots: int
) -> list[list[int]]:
    """Combine every trustee's (already checked) shares and find each count in ``0…n_ballots``."""
    indexes = sorted(d["trustee"] for d in decryptions)
    if indexes != sorted(t["index"] for t in manifest["trustees"]):
        raise CryptoError("every trustee's decryption is needed (n of n)")
    table: dict[bytes, int] = {}
    acc, g = IDENTITY, _generator()
    for n in range(n_ballots + 1):
        table[acc] = n
        acc = _add(acc, g)
    results = []
    for qi, row in enumerate(tally_cells):
        counts = []
        for oi, cell in enumerate(row):
            _alpha, beta = _cell(cell, f"tally {qi + 1}.{oi + 1}")
            m = beta
            for d in decryptions:
                m = _sub(m, bytes.fromhex(d["shares"][qi][oi]["share"]))
            if m not in table:
                raise CryptoError(f"tally {qi + 1}.{oi + 1}: the decrypted count is not between 0 and {n_ballots}")
            counts.append(table[m])
        if sum(counts) != n_ballots:
            raise CryptoError(f"question {qi + 1}: the counts add up to {sum(counts)}, not {n_ballots} ballots")
        results.append(counts)
    return results
