"""Variable-time ristretto255 for checking public proofs fast (``ristretto_vartime.c``).

Two operations, both on public data only: ``msm_is_identity`` (is ``Σ k_i·P_i`` the identity —
the batch check of many proofs at once, docs/modules/ballots-protocol.md "Batch verification")
and ``column_sums`` (the homomorphic tally). The C file is compiled on first use with the system
C compiler into ``var/native/`` (or ``$DANGJIAN_NATIVE_DIR``), once per source version; where
there is no compiler, both fall back to libsodium, one operation at a time — the same answers,
only slower. Imports no Django: the independent verifier uses it.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
import sysconfig
import tempfile
from collections.abc import Sequence
from pathlib import Path

SOURCE = Path(__file__).with_name("ristretto_vartime.c")
L = 2**252 + 27742317777372353535851937790883648493
IDENTITY = bytes(32)

_lib: ctypes.CDLL | None = None
_tried = False


class PointError(ValueError):
    """A point that does not decode; ``index`` is its position in the input."""

    def __init__(self, index: int) -> None:
        super().__init__(f"point {index} is not a valid ristretto255 encoding")
        self.index = index


def _target() -> Path:
    digest = hashlib.sha256(SOURCE.read_bytes()).hexdigest()[:12]
    base = os.environ.get("DANGJIAN_NATIVE_DIR") or Path(__file__).resolve().parents[3] / "var" / "native"
    return Path(base) / f"ristretto_vartime-{digest}.so"


def build() -> Path | None:
    """Compile the library if it is not there yet; its path, or None without a C compiler."""
    target = _target()
    if target.exists():
        return target
    cc = os.environ.get("CC") or (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(cc) is None:
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".so")
    os.close(fd)
    try:
        subprocess.run([cc, "-O2", "-fPIC", "-shared", "-o", tmp, str(SOURCE)], check=True, capture_output=True)  # noqa: S603
        os.replace(tmp, target)  # atomic: concurrent first users each build, one file wins
    except (OSError, subprocess.CalledProcessError):
        Path(tmp).unlink(missing_ok=True)
        return None
    return target


def library() -> ctypes.CDLL | None:
    """The loaded library, or None (then the libsodium fallback runs)."""
    global _lib, _tried
    if not _tried:
        _tried = True
        if os.environ.get("DANGJIAN_NATIVE") != "0":
            path = build()
            if path is not None:
                lib = ctypes.CDLL(str(path))
                lib.rv_msm_is_identity.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t]
                lib.rv_msm.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t]
                lib.rv_sum.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_size_t]
                _lib = lib
    return _lib


def _scalars(ks: Sequence[int]) -> bytes:
    return b"".join((k % L).to_bytes(32, "little") for k in ks)


def msm(points: Sequence[bytes], scalars: Sequence[int]) -> bytes:
    """``Σ scalars[i]·points[i]``, encoded (the identity is 32 zero bytes). Raises PointError."""
    lib = library()
    if lib is None:
        return _sodium_msm(points, scalars)
    out = ctypes.create_string_buffer(32)
    bad = lib.rv_msm(out, b"".join(points), _scalars(scalars), len(points))
    if bad != -1:
        raise PointError(bad) if bad >= 0 else MemoryError()
    return out.raw


def msm_is_identity(points: Sequence[bytes], scalars: Sequence[int]) -> bool:
    """Whether ``Σ scalars[i]·points[i]`` is the identity. Raises PointError."""
    lib = library()
    if lib is None:
        return _sodium_msm(points, scalars) == IDENTITY
    r = lib.rv_msm_is_identity(b"".join(points), _scalars(scalars), len(points))
    if r <= -2:
        raise PointError(-2 - r)
    if r == -1:
        raise MemoryError()
    return r == 1


def column_sums(flat: bytes, cols: int) -> list[bytes]:
    """The column sums of a table of encoded points, ``cols`` to a row. Raises PointError."""
    rows = len(flat) // (32 * cols) if cols else 0
    lib = library()
    if lib is None:
        sums = [IDENTITY] * cols
        for i in range(rows):
            for j in range(cols):
                p = flat[32 * (i * cols + j) : 32 * (i * cols + j + 1)]
                if p != IDENTITY and not _valid(p):
                    raise PointError(i * cols + j)
                sums[j] = _sodium_add(sums[j], p)
        return sums
    out = ctypes.create_string_buffer(32 * cols)
    bad = lib.rv_sum(out, flat, rows, cols)
    if bad != -1:
        raise PointError(bad) if bad >= 0 else MemoryError()
    return [out.raw[32 * j : 32 * (j + 1)] for j in range(cols)]


# --- the libsodium fallback (and the reference the tests compare the C with) ----------------------


def _valid(p: bytes) -> bool:
    import pysodium

    return not p[31] & 0x80 and bool(pysodium.crypto_core_ristretto255_is_valid_point(p))


def _sodium_add(p: bytes, q: bytes) -> bytes:
    import pysodium

    if p == IDENTITY:
        return q
    if q == IDENTITY:
        return p
    return bytes(pysodium.crypto_core_ristretto255_add(p, q))


def _sodium_msm(points: Sequence[bytes], scalars: Sequence[int]) -> bytes:
    import pysodium

    acc = IDENTITY
    for i, (p, k) in enumerate(zip(points, scalars, strict=True)):
        if p != IDENTITY and not _valid(p):
            raise PointError(i)
        if p == IDENTITY or k % L == 0:
            continue
        try:
            term = bytes(pysodium.crypto_scalarmult_ristretto255((k % L).to_bytes(32, "little"), p))
        except ValueError:  # pragma: no cover - a product that is the identity, impossible in a prime-order group
            continue
        acc = _sodium_add(acc, term)
    return acc
