"""The text of a PDF WeasyPrint wrote, for tests (no PDF library is a dependency).

WeasyPrint (pydyf) writes compressed object streams, fonts as Type0/Identity-H subsets with a
``ToUnicode`` CMap, and page contents with ``/name size Tf`` and ``<hex> Tj`` / ``[...] TJ``. This
reads just that: every object (also inside ``/ObjStm``), each font's CMap, and the text shown in
each ``BT … ET`` block, one line per block, in the order drawn."""

from __future__ import annotations

import re
import zlib

_OBJ = re.compile(rb"(\d+) 0 obj\s*")
_REF = re.compile(rb"/([\w.+-]+)\s+(\d+)\s+0\s+R")


def _objects(pdf: bytes) -> dict[int, tuple[bytes, bytes | None]]:
    """Object number → (dictionary text, decompressed stream or None)."""
    out: dict[int, tuple[bytes, bytes | None]] = {}
    for m in _OBJ.finditer(pdf):
        start = m.end()
        stream_at = pdf.find(b"stream", start)
        end_at = pdf.find(b"endobj", start)
        if stream_at != -1 and stream_at < end_at:
            head = pdf[start:stream_at]
            length = re.search(rb"/Length (\d+)(?!\s+0\s+R)", head)
            data_start = stream_at + len(b"stream")
            data_start += 2 if pdf[data_start:data_start + 2] == b"\r\n" else 1
            if length:
                raw = pdf[data_start:data_start + int(length.group(1))]
            else:
                raw = pdf[data_start:pdf.find(b"endstream", data_start)]
            data = zlib.decompress(raw) if b"/FlateDecode" in head else raw
            out[int(m.group(1))] = (head, data)
        else:
            out[int(m.group(1))] = (pdf[start:end_at], None)
    for head, packed in list(out.values()):
        if packed is None or b"/ObjStm" not in head:
            continue
        data = packed
        n = int(re.search(rb"/N (\d+)", head).group(1))  # type: ignore[union-attr]
        first = int(re.search(rb"/First (\d+)", head).group(1))  # type: ignore[union-attr]
        nums = [int(x) for x in data[:first].split()]
        pairs = list(zip(nums[0::2], nums[1::2], strict=True))[:n]
        for i, (num, offset) in enumerate(pairs):
            stop = first + pairs[i + 1][1] if i + 1 < len(pairs) else len(data)
            out.setdefault(num, (data[first + offset:stop], None))
    return out


def _cmap(data: bytes) -> dict[bytes, str]:
    out: dict[bytes, str] = {}

    def text(hexa: bytes) -> str:
        return bytes.fromhex(hexa.decode()).decode("utf-16-be", errors="replace")

    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        for code, uni in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            out[bytes.fromhex(code.decode())] = text(uni)
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for lo, hi, uni in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            a, b, width = int(lo, 16), int(hi, 16), len(lo) // 2
            base = text(uni)
            for k in range(b - a + 1):
                out[(a + k).to_bytes(width, "big")] = base[:-1] + chr(ord(base[-1]) + k)
    return out


def pdf_lines(pdf: bytes) -> list[str]:
    """The text of each ``BT … ET`` block of every page, in order."""
    objects = _objects(pdf)
    cmaps: dict[int, dict[bytes, str]] = {}
    for num, (head, _data) in objects.items():
        m = re.search(rb"/ToUnicode\s+(\d+)\s+0\s+R", head)
        if m and objects.get(int(m.group(1)), (b"", None))[1] is not None:
            cmaps[num] = _cmap(objects[int(m.group(1))][1] or b"")
    fonts: dict[bytes, int] = {}  # resource name → font object (a /Font dictionary, often its own object)
    for head, _data in objects.values():
        for name, num in _REF.findall(head):
            if int(num) in cmaps:
                fonts[name] = int(num)
    lines: list[str] = []
    for _num, (head, data) in sorted(objects.items()):
        if data is None or b"BT" not in data or b"Tf" not in data or b"/ObjStm" in head:
            continue
        for block in re.findall(rb"\bBT\b(.*?)\bET\b", data, re.S):
            cmap: dict[bytes, str] = {}
            parts: list[str] = []
            for tok in re.finditer(rb"/([\w.+-]+)\s+[\d.]+\s+Tf|\[(.*?)\]\s*TJ|<([0-9A-Fa-f]*)>\s*Tj|\bT[md*]\b",
                                   block, re.S):
                if tok.group(1) is not None:
                    cmap = cmaps.get(fonts.get(tok.group(1), -1), {})
                    continue
                if tok.group(2) is None and tok.group(3) is None:  # a new position: a new piece of text
                    if parts and parts[-1] != " ":
                        parts.append(" ")
                    continue
                hexes = re.findall(rb"<([0-9A-Fa-f]*)>", tok.group(2)) if tok.group(2) is not None else [tok.group(3)]
                for h in hexes:
                    raw = bytes.fromhex(h.decode())
                    width = 2 if raw and all(len(k) == 2 for k in list(cmap)[:5]) else 1
                    parts.extend(cmap.get(raw[i:i + width], "") for i in range(0, len(raw), width))
            lines.append("".join(parts).strip())
    return lines


def pdf_text(pdf: bytes) -> str:
    return "\n".join(pdf_lines(pdf))
