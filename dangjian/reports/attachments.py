"""Evidence files: the metadata-stripped copy, encrypted; the original only if the reporter asks.

Stripping happens in the request, in memory, before anything is written: a background task would
need the plaintext (or a key to it) stored until it ran, which is what the design forbids
(docs/decisions/0020-reports-stripping-in-the-request.md). What a file is comes from its first
bytes (``core.uploads.sniff``), never from its name:

- **photos** (JPEG, PNG, WebP, HEIC): Pillow decodes the picture, applies its EXIF orientation,
  and encodes the pixels alone into a new JPEG (PNG when it has transparency): no EXIF (camera,
  GPS, times), XMP, ICC profile, comments or text chunks survive;
- **PDF** (pypdf): the pages are copied into a new document without the document information
  dictionary (author, creator, producer, times) or the XMP metadata stream, pages' own
  ``/Metadata`` and ``/PieceInfo`` dropped, annotations without their author (``/T``) and times;
  the catalogue's other parts (embedded files, scripts, outlines) are not copied;
- **Office Open XML** (docx, xlsx, pptx; a ZIP with ``[Content_Types].xml``): ``docProps/core.xml``
  and ``docProps/app.xml`` rewritten empty (no author, last editor, company, manager, times,
  template, application), ``docProps/custom.xml`` and the thumbnail dropped with their
  relationships and content-type entries, every entry's ZIP time set to 1980-01-01; inside the
  parts, the people of comments and tracked changes (Word's ``w:author`` emptied, initials and
  times removed; Excel's comment authors and threaded-comment persons; PowerPoint's comment
  authors) and the JPEG/PNG pictures under ``media/`` re-encoded without EXIF, XMP or ICC.

Both copies are SealedBoxes to the report's public key, stored under random names in the private
part of the media folder (``reports/``, never served publicly).
"""

from __future__ import annotations

import io
import re
import secrets
import zipfile
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from dangjian.core import uploads
from dangjian.reports import crypto

MAX_FILES = 3
MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
FOLDER = "reports"
_FORMATS = {"JPEG", "PNG", "WEBP", "HEIF", "MPO"}


PDF = uploads.PDF
DOCX = uploads.DOCX
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
#: content type -> the extension a handler's download is named with
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", PDF: "pdf", DOCX: "docx", XLSX: "xlsx", PPTX: "pptx"}
DOCUMENTS = frozenset({PDF, DOCX, XLSX, PPTX})
#: an Office file's main part -> its content type
_OOXML_MAIN = (("word/document.xml", DOCX), ("xl/workbook.xml", XLSX), ("ppt/presentation.xml", PPTX))
MAX_UNZIPPED = 100 * 1024 * 1024  # an Office file that unzips to more is refused (a ZIP bomb)
MAX_ENTRIES = 5000


def _refuse() -> ValidationError:
    return ValidationError({"photos": _("Only photos (JPEG, PNG, WebP, HEIC), PDF files and Word, Excel or "
                                        "PowerPoint files (docx, xlsx, pptx) can be attached.")})


def strip(data: bytes) -> tuple[bytes, str]:
    """(a copy of the file without its metadata, its content type); ValidationError on "photos".
    The kind comes from the first bytes: PDF, an Office Open XML package, else a photo."""
    kind = uploads.sniff(data[:uploads.HEAD_BYTES])
    if kind == PDF:
        return strip_pdf(data), PDF
    if kind == DOCX:  # any ZIP: an Office file only if its parts say so
        return strip_ooxml(data)
    return strip_photo(data)


def _pixels(data: bytes, formats: set[str] | frozenset[str], *, upright: bool) -> tuple[Image.Image, str, bool]:
    """(the picture's pixels alone in a new image, its format, whether it has transparency);
    ValidationError on "photos" when it is not one of ``formats`` or cannot be decoded.
    ``upright``: apply the EXIF orientation first (a photo shown by itself)."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt = img.format or ""
            if fmt not in formats:
                raise _refuse()
            if img.width * img.height > MAX_PIXELS:
                raise ValidationError({"photos": _("The photo has too many pixels.")})
            img.load()
            source = (ImageOps.exif_transpose(img) or img) if upright else img
            alpha = source.mode in ("RGBA", "LA", "PA") or "transparency" in source.info
            pixels = source.convert("RGBA" if alpha else "RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError):
        raise _refuse() from None
    clean = Image.new(pixels.mode, pixels.size)
    clean.paste(pixels)
    return clean, fmt, alpha


def _encode(img: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "PNG":
        img.save(out, format="PNG", optimize=True)
    else:
        img.convert("RGB").save(out, format="JPEG", quality=88)
    return out.getvalue()


def strip_photo(data: bytes) -> tuple[bytes, str]:
    """(the picture re-encoded without any metadata, its content type); ValidationError on "photos"."""
    clean, _fmt, alpha = _pixels(data, _FORMATS, upright=True)
    if alpha:
        return _encode(clean, "PNG"), "image/png"
    return _encode(clean, "JPEG"), "image/jpeg"


def strip_pdf(data: bytes) -> bytes:
    """The PDF's pages in a new document without document info, XMP or annotation authors."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PyPdfError
    from pypdf.generic import NameObject

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ValidationError({"photos": _("A password-protected PDF cannot be attached: remove the password "
                                               "first.")})
        writer = PdfWriter()
        for page in reader.pages:
            writer.add_page(page)
        for page in writer.pages:
            for key in ("/Metadata", "/PieceInfo", "/LastModified"):
                if key in page:
                    del page[NameObject(key)]
            for annot in page.get("/Annots") or []:
                annot = annot.get_object()
                for key in ("/T", "/M", "/CreationDate"):
                    if key in annot:
                        del annot[NameObject(key)]
                popup = annot.get("/Popup")
                if popup is not None and "/T" in popup.get_object():
                    del popup.get_object()[NameObject("/T")]
        writer.metadata = None  # no document information dictionary at all (not even pypdf's Producer)
        if "/Metadata" in writer.root_object:
            del writer.root_object[NameObject("/Metadata")]
        out = io.BytesIO()
        writer.write(out)
    except ValidationError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError, RecursionError):
        raise ValidationError({"photos": _("This PDF file cannot be read.")}) from None
    return out.getvalue()


_EMPTY_CORE = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
               b' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
               b' xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>')
_EMPTY_APP = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"'
              b' xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"/>')
_DROPPED = re.compile(r"^docProps/(custom\.xml|thumbnail\.[A-Za-z]+)$")
_DROPPED_REL = re.compile(rb'<Relationship\b[^>]*Target="/?docProps/(?:custom\.xml|thumbnail\.[A-Za-z]+)"[^>]*/>')
_DROPPED_TYPE = re.compile(rb'<Override\b[^>]*PartName="/docProps/(?:custom\.xml|thumbnail\.[A-Za-z]+)"[^>]*/>')


# people inside the parts: Word's comment and revision authors, initials and times (and
# word/people.xml), Excel's comment authors and threaded-comment persons, PowerPoint's comment
# authors — set empty (``w:author`` is required by the schema) or, where optional, removed
_WORD_PEOPLE = re.compile(rb'(\sw(?:15)?:(?:author|userId|providerId))="[^"]*"')
_WORD_OPTIONAL = re.compile(rb'\sw:(?:initials|date)="[^"]*"')
_XL_AUTHOR = re.compile(rb"<author>[^<]*</author>")
_XL_PERSON = re.compile(rb'(\s(?:displayName|userId|providerId))="[^"]*"')
_PPT_AUTHOR = re.compile(rb'(\s(?:name|initials))="[^"]*"')
_MEDIA = re.compile(r"^(?:word|xl|ppt)/media/[^/]+\.(?:jpe?g|png)$", re.IGNORECASE)


def _scrub_part(name: str, body: bytes) -> bytes:
    """One part of an Office package without the people named in it (comments, revisions)."""
    if name.startswith("word/") and name.endswith(".xml"):
        return _WORD_OPTIONAL.sub(b"", _WORD_PEOPLE.sub(rb'\1=""', body))
    if re.match(r"^xl/comments\d*\.xml$", name):
        return _XL_AUTHOR.sub(b"<author></author>", body)
    if name.startswith("xl/persons/") and name.endswith(".xml"):
        return _XL_PERSON.sub(rb'\1=""', body)
    if name == "ppt/commentAuthors.xml":
        return _PPT_AUTHOR.sub(rb'\1=""', body)
    return body


def _clean_media(body: bytes) -> bytes:
    """A picture inside an Office file re-encoded in its own format without EXIF, XMP, ICC or text
    chunks (its name and content type stay, so the document still shows it). A picture that cannot
    be decoded refuses the file: what it carries cannot be checked."""
    clean, fmt, _alpha = _pixels(body, {"JPEG", "PNG", "MPO"}, upright=False)
    return _encode(clean, fmt)


def strip_ooxml(data: bytes) -> tuple[bytes, str]:
    """A docx/xlsx/pptx rewritten without its document properties; ValidationError on "photos"."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zin:
            infos = zin.infolist()
            names = {i.filename for i in infos}
            kind = next((ctype for main, ctype in _OOXML_MAIN if main in names), None)
            if kind is None or "[Content_Types].xml" not in names:
                raise _refuse()
            if len(infos) > MAX_ENTRIES or sum(i.file_size for i in infos) > MAX_UNZIPPED:
                raise ValidationError({"photos": _("This Office file is too large once unpacked.")})
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
                for info in infos:
                    name = info.filename
                    if _DROPPED.match(name) or info.is_dir():
                        continue
                    body = zin.read(info)
                    if name == "docProps/core.xml":
                        body = _EMPTY_CORE
                    elif name == "docProps/app.xml":
                        body = _EMPTY_APP
                    elif name == "_rels/.rels":
                        body = _DROPPED_REL.sub(b"", body)
                    elif name == "[Content_Types].xml":
                        body = _DROPPED_TYPE.sub(b"", body)
                    elif _MEDIA.match(name):
                        body = _clean_media(body)
                    else:
                        body = _scrub_part(name, body)
                    zout.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), body,
                                  compress_type=zipfile.ZIP_DEFLATED)
    except ValidationError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, KeyError, ValueError, EOFError, NotImplementedError):
        raise ValidationError({"photos": _("This Office file cannot be read.")}) from None
    return out.getvalue(), kind


def read_uploads(files: list[Any]) -> list[bytes]:
    """The uploaded files' bytes, checked for count and size (ValidationError on "photos")."""
    files = [f for f in files if f is not None]
    if len(files) > MAX_FILES:
        raise ValidationError({"photos": _("At most %(n)d photos can be attached.") % {"n": MAX_FILES}})
    out = []
    for f in files:
        if (getattr(f, "size", 0) or 0) > MAX_BYTES:
            raise ValidationError({"photos": _("A photo is larger than %(mb)d MB.") % {"mb": MAX_BYTES // 2**20}})
        f.seek(0)
        out.append(f.read(MAX_BYTES + 1))
    return out


def store_sealed(public_key: bytes, data: bytes) -> str:
    """Seal ``data`` to ``public_key`` and store it under a random name; returns the name."""
    box = crypto.seal_bytes(public_key, data)
    return default_storage.save(f"{FOLDER}/{secrets.token_hex(16)}.bin", ContentFile(box))


def open_sealed(private_key: bytes, name: str) -> bytes:
    with default_storage.open(name, "rb") as fh:
        return crypto.open_bytes(private_key, fh.read())


def delete(name: str) -> None:
    if name:
        default_storage.delete(name)
