"""A machine without libsodium runs the site: a system check says what is missing."""

from __future__ import annotations

import pytest
from django.core import checks

from dangjian.ballots import crypto


def test_the_check_warns_only_when_libsodium_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not [m for m in checks.run_checks() if m.id == "ballots.W001"]
    monkeypatch.setattr(crypto, "_na", None)
    assert not crypto.available()
    warnings = [m for m in checks.run_checks() if m.id == "ballots.W001"]
    assert len(warnings) == 1 and "libsodium23" in (warnings[0].hint or "")
    with pytest.raises(crypto.CryptoError, match="libsodium"):
        crypto.keygen()
