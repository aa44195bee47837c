"""``core.uploads``: a file is what its first bytes say, whatever its name claims."""

from __future__ import annotations

import io

import pytest

from dangjian.core import uploads


@pytest.mark.parametrize(("head", "expected"), [
    (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", uploads.JPEG),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", uploads.PNG),
    (b"RIFF\x24\x00\x00\x00WEBPVP8 ", uploads.WEBP),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3", uploads.PDF),
    (b"PK\x03\x04\x14\x00\x06\x00", uploads.DOCX),
    (b"ID3\x04\x00\x00\x00\x00\x00\x00", uploads.MP3),
    (b"OggS\x00\x02\x00\x00", uploads.OGG),
    (b"\x1aE\xdf\xa3\x9fB\x86\x81", uploads.WEBM_AUDIO),
    (b"\x00\x00\x00\x1cftypM4A ", uploads.M4A),
    (b"MZ\x90\x00\x03\x00\x00\x00", None),  # a Windows program
    (b"RIFF\x24\x00\x00\x00WAVEfmt ", None),  # RIFF, but not WebP
    (b"%PD", None),
    (b"", None),
])
def test_sniff_names_the_type_of_the_bytes(head: bytes, expected: str | None) -> None:
    assert uploads.sniff(head) == expected


def test_a_name_claims_a_type_by_its_extension_only() -> None:
    assert uploads.type_for_name("证明.PDF") == uploads.PDF
    assert uploads.type_for_name("photo.jpeg") == uploads.type_for_name("photo.jpg") == uploads.JPEG
    assert uploads.type_for_name("pdf") is None and uploads.type_for_name("a.exe") is None


def test_head_of_leaves_the_file_at_its_start() -> None:
    f = io.BytesIO(b"%PDF-1.4 and the rest of the file")
    f.read(5)
    assert uploads.head_of(f) == b"%PDF-1.4 and the"
    assert f.read() == b"%PDF-1.4 and the rest of the file"
