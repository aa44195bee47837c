"""The 6 KB page served by both the bare Django view and nginx."""

_ROW = "<tr><td>中共示例县示例镇示例村支部委员会</td><td>张三</td><td>正式党员</td><td>3299**********1234</td></tr>\n"
_HEAD = "<!doctype html>\n<html lang=\"zh-hans\"><head><meta charset=\"utf-8\"><title>baseline</title></head><body><table>\n"
_TAIL = "</table></body></html>\n"


def _build(size: int = 6144) -> bytes:
    body = _HEAD
    while len((body + _ROW + _TAIL).encode()) <= size:
        body += _ROW
    out = (body + _TAIL).encode()
    return out + b" " * (size - len(out))


PAGE = _build()
