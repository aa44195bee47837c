"""No full ID-card or phone number in a log line (issue 13 §4).

A search box, a link or a mistyped URL can carry a full number in the query string, and every
request line ends up in a log: Django's (``django.request``, ``django.server``, our own loggers)
and gunicorn's access log, which gunicorn writes itself. Both pass through :func:`redact`:

- Django: :class:`RedactFilter` sits on every handler of ``settings.LOGGING``;
- gunicorn: ``--logger-class dangjian.core.logredact.GunicornLogger`` (``tools/run.py``,
  ``docs/deploy.md``) redacts every atom of the access-log line (request line, query string,
  referer, headers).

A run of 11 or more digits — spaces, hyphens, dots, brackets, ``+`` and their percent-encodings
allowed between them, an ID number's final X included — is replaced by its masked form (two
digits at each end). That covers 18- and 15-digit ID-card numbers and 11-digit mobile numbers
however the user typed them; shorter numbers (ids, counts, years) are left alone.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from gunicorn.glogging import Logger as _GunicornLogger

from dangjian.core.crypto import mask_id_number

#: Between two digits of a number as a user may type it, raw or percent-encoded in a URL.
_SEP = r"(?:[\s\-+.()]|%20|%2[bBdD]|%28|%29)*"
_RUN = re.compile(rf"\d(?:{_SEP}\d)+(?:{_SEP}[xX](?![A-Za-z]))?")
#: Runs with fewer digits are kept (record ids, counts, dates).
MIN_DIGITS = 11


def _mask(match: re.Match[str]) -> str:
    text = match.group()
    digits = re.sub(r"[^\dxX]", "", re.sub(r"%[0-9a-fA-F]{2}", "", text)).upper()
    if sum(ch.isdigit() for ch in digits) < MIN_DIGITS:
        return text
    return mask_id_number(digits)


def redact(text: str) -> str:
    """``text`` with every full ID-card or phone number masked."""
    if not any(ch.isdigit() for ch in text):
        return text
    return _RUN.sub(_mask, text)


class RedactFilter(logging.Filter):
    """Masks full numbers in the formatted message (and the traceback text) of every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


class GunicornLogger(_GunicornLogger):  # type: ignore[misc]
    """gunicorn's logger with every access-log atom (request line, query, referer…) redacted."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        return {k: redact(v) if isinstance(v, str) else v for k, v in atoms.items()}
