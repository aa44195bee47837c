"""The cryptographic shape of reports (GlobaLeaks' shape, with PyNaCl). No Django in here.

Keys
- Every staff member who may read reports has an X25519 key pair (:class:`StaffKey`). The
  private half is stored only inside a SecretBox under a key derived from their passphrase with
  Argon2id (``STAFF_KDF``: 16 passes over 128 MiB, GlobaLeaks' figures).
- Every report has its own X25519 key pair. Content, accused, place and the reporter's follow-up
  messages are each a SealedBox to the report's public key, so the server can encrypt what
  arrives later without being able to read anything. The report's private key is stored only
  wrapped: a SealedBox to each recipient's public key, and a SecretBox under a key derived from
  the receipt code (the reporter's own way back in).
- A real-name reporter's identity (name, phone) is sealed to a second key pair of the report,
  the identity key, whose private half is wrapped only to the identity custodians: a handler who
  holds the report key still cannot read the identity.

Receipt codes
- 28 random decimal digits (93 bits), shown once in groups of four.
- One Argon2id run (``RECEIPT_KDF``) over the digits with a site-wide salt gives 32 bytes; two
  BLAKE2b derivations of it give the *lookup* (stored, unique, so the code can be found) and the
  *receipt key* (never stored; it opens the report's private key for the reporter).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

import nacl.exceptions
import nacl.pwhash
import nacl.secret
import nacl.utils
from nacl.public import PrivateKey, PublicKey, SealedBox


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost: passes (libsodium's opslimit) and memory in bytes (memlimit)."""

    ops: int
    mem: int


#: Staff passphrases: GlobaLeaks' Argon2 figures — 16 passes, 128 MiB.
STAFF_KDF = KdfParams(ops=16, mem=128 * 1024 * 1024)
#: Receipt codes: 3 passes, 64 MiB — paid once per submission and per follow-up (docs/modules/reports.md).
RECEIPT_KDF = KdfParams(ops=3, mem=64 * 1024 * 1024)
#: The least libsodium accepts (tests only, through settings).
TEST_KDF = KdfParams(ops=nacl.pwhash.argon2id.OPSLIMIT_MIN, mem=nacl.pwhash.argon2id.MEMLIMIT_MIN)

RECEIPT_DIGITS = 28
RECEIPT_BITS = 93  # floor(28 · log2 10)
SALT_BYTES = nacl.pwhash.argon2id.SALTBYTES  # 16


class WrongKey(Exception):
    """A passphrase, receipt code or key that does not open the box."""


def kdf(secret: bytes, salt: bytes, params: KdfParams, size: int = nacl.secret.SecretBox.KEY_SIZE) -> bytes:
    return nacl.pwhash.argon2id.kdf(size, secret, salt, opslimit=params.ops, memlimit=params.mem)


# --- staff keys -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class StaffKey:
    """What is stored of a staff member's key: the public key and the locked private key."""

    public_key: bytes
    locked_private: bytes  # salt (16) ‖ SecretBox(nonce ‖ ciphertext) of the 32-byte private key
    ops: int
    mem: int


def make_staff_key(passphrase: str, params: KdfParams) -> StaffKey:
    private = PrivateKey.generate()
    return StaffKey(bytes(private.public_key), lock_private(bytes(private), passphrase, params), params.ops, params.mem)


def lock_private(private: bytes, passphrase: str, params: KdfParams) -> bytes:
    salt = nacl.utils.random(SALT_BYTES)
    box = nacl.secret.SecretBox(kdf(passphrase.encode(), salt, params))
    return salt + bytes(box.encrypt(private))


def unlock_private(key: StaffKey, passphrase: str) -> bytes:
    """The staff member's private key, or WrongKey."""
    salt, locked = key.locked_private[:SALT_BYTES], key.locked_private[SALT_BYTES:]
    box = nacl.secret.SecretBox(kdf(passphrase.encode(), salt, KdfParams(key.ops, key.mem)))
    try:
        private = box.decrypt(locked)
    except nacl.exceptions.CryptoError:
        raise WrongKey("passphrase") from None
    if bytes(PrivateKey(private).public_key) != key.public_key:
        raise WrongKey("passphrase")
    return private


# --- session keeping of an unlocked key ----------------------------------------------------------

def session_wrap(private: bytes) -> tuple[bytes, bytes]:
    """(session key, wrapped private key): the two halves are kept apart (cookie / session store)."""
    session_key = nacl.utils.random(nacl.secret.SecretBox.KEY_SIZE)
    return session_key, bytes(nacl.secret.SecretBox(session_key).encrypt(private))


def session_unwrap(session_key: bytes, wrapped: bytes) -> bytes:
    try:
        return nacl.secret.SecretBox(session_key).decrypt(wrapped)
    except (nacl.exceptions.CryptoError, ValueError, TypeError):
        raise WrongKey("session") from None


# --- reports ----------------------------------------------------------------------------------------

def seal(public_key: bytes, text: str) -> bytes:
    """A SealedBox of ``text`` to ``public_key`` (empty text → empty bytes)."""
    if not text:
        return b""
    return bytes(SealedBox(PublicKey(public_key)).encrypt(text.encode()))


def open_sealed(private_key: bytes, box: bytes) -> str:
    if not box:
        return ""
    try:
        return SealedBox(PrivateKey(private_key)).decrypt(box).decode()
    except nacl.exceptions.CryptoError:
        raise WrongKey("report") from None


def seal_bytes(public_key: bytes, data: bytes) -> bytes:
    return bytes(SealedBox(PublicKey(public_key)).encrypt(data))


def open_bytes(private_key: bytes, box: bytes) -> bytes:
    try:
        return SealedBox(PrivateKey(private_key)).decrypt(box)
    except nacl.exceptions.CryptoError:
        raise WrongKey("attachment") from None


def wrap_key(private_key: bytes, recipient_public: bytes) -> bytes:
    """A report's (or identity's) private key sealed to a staff member's public key."""
    return bytes(SealedBox(PublicKey(recipient_public)).encrypt(private_key))


def unwrap_key(wrapped: bytes, staff_private: bytes) -> bytes:
    try:
        return SealedBox(PrivateKey(staff_private)).decrypt(wrapped)
    except nacl.exceptions.CryptoError:
        raise WrongKey("wrapped key") from None


def new_keypair() -> tuple[bytes, bytes]:
    """(private, public) of a fresh X25519 key pair."""
    private = PrivateKey.generate()
    return bytes(private), bytes(private.public_key)


def public_of(private_key: bytes) -> bytes:
    return bytes(PrivateKey(private_key).public_key)


# --- receipt codes ------------------------------------------------------------------------------------

def new_receipt_code() -> str:
    """28 uniformly random decimal digits (93 bits of entropy)."""
    return "".join(secrets.choice("0123456789") for _i in range(RECEIPT_DIGITS))


def format_receipt(code: str) -> str:
    """"1234 5678 …": the code in groups of four digits, as shown to the reporter."""
    return " ".join(code[i:i + 4] for i in range(0, len(code), 4))


def normalize_receipt(text: str) -> str | None:
    """The digits of a typed code (spaces, hyphens ignored); None when it cannot be a code."""
    digits = "".join(ch for ch in text if not ch.isspace() and ch != "-")
    if len(digits) != RECEIPT_DIGITS or not digits.isascii() or not digits.isdigit():
        return None
    return digits


@dataclass(frozen=True)
class ReceiptKeys:
    lookup: bytes  # stored (unique): finds the report
    key: bytes  # never stored: opens the report's private key for the reporter


def receipt_keys(code: str, site_salt: bytes, params: KdfParams) -> ReceiptKeys:
    """One Argon2id run over the code (salt: the site-wide one), two derivations of its output."""
    master = kdf(code.encode(), hashlib.blake2b(site_salt, digest_size=SALT_BYTES).digest(), params)
    lookup = hashlib.blake2b(master, digest_size=32, person=b"reports.lookup").digest()
    key = hashlib.blake2b(master, digest_size=32, person=b"reports.wrapkey").digest()
    return ReceiptKeys(lookup, key)


def lock_with(key: bytes, secret: bytes) -> bytes:
    return bytes(nacl.secret.SecretBox(key).encrypt(secret))


def unlock_with(key: bytes, box: bytes) -> bytes:
    try:
        return nacl.secret.SecretBox(key).decrypt(box)
    except nacl.exceptions.CryptoError:
        raise WrongKey("receipt") from None


@dataclass(frozen=True)
class SealedReport:
    """Everything stored of a new report's secrets; the private keys are not in it."""

    public_key: bytes
    identity_public_key: bytes
    parts: dict[str, bytes]  # content, accused, place, identity
    wraps: dict[int, bytes]  # staff id → report private key sealed to them
    identity_wraps: dict[int, bytes]  # custodian id → identity private key sealed to them
    receipt_lookup: bytes
    receipt_box: bytes  # report private key under the receipt key


def seal_report(parts: dict[str, str], identity: str, *, recipients: dict[int, bytes],
                custodians: dict[int, bytes], receipt: ReceiptKeys) -> SealedReport:
    """Encrypt a new report: the keys made here leave this function only wrapped."""
    private, public = new_keypair()
    id_private, id_public = new_keypair()
    sealed = {name: seal(public, text) for name, text in parts.items()}
    sealed["identity"] = seal(id_public, identity)
    return SealedReport(
        public_key=public, identity_public_key=id_public, parts=sealed,
        wraps={sid: wrap_key(private, pub) for sid, pub in recipients.items()},
        identity_wraps={sid: wrap_key(id_private, pub) for sid, pub in custodians.items()} if identity else {},
        receipt_lookup=receipt.lookup, receipt_box=lock_with(receipt.key, private),
    )


# --- proof of work (hashcash) -------------------------------------------------------------------------

def leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte == 0:
            bits += 8
            continue
        return bits + 8 - byte.bit_length()
    return bits


def pow_ok(challenge: str, nonce: str, bits: int) -> bool:
    """SHA-256(challenge ":" nonce) starts with ``bits`` zero bits (what the browser searched for)."""
    if not nonce or len(nonce) > 32 or not nonce.isascii() or not nonce.isdigit():
        return False
    return leading_zero_bits(hashlib.sha256(f"{challenge}:{nonce}".encode()).digest()) >= bits


def solve_pow(challenge: str, bits: int) -> str:
    """The first nonce that works (tests, the demo and the benchmark; the browser does the same)."""
    n = 0
    while not pow_ok(challenge, str(n), bits):
        n += 1
    return str(n)
