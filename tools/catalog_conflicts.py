"""Fail when one English text is translated differently in two message catalogs.

Django merges every app's catalog into one table per language: for a msgid that two apps translate
differently, the catalog that comes first (LOCALE_PATHS, then INSTALLED_APPS in order) wins
everywhere, so the other app silently shows a translation written for somebody else ("Sign in"
as 登录 on the attendance page, "Name" as 姓名 for a department). A text that means different
things in different places needs a context (``pgettext_lazy("attendance", "Sign in")``,
``{% translate "Sign in" context "attendance" %}``); the same meaning needs the same words.

Usage: ``python tools/catalog_conflicts.py [PO ...]`` (default: every zh_Hans catalog under
dangjian/). Exits 1 and lists the conflicts when there are any. Used by ``tools/messages.sh check``.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _unquote(lines: list[str]) -> str:
    return "".join(ast.literal_eval(line) for line in lines)


def entries(po: Path) -> dict[tuple[str, str], str]:
    """(context, msgid[|plural]) → msgstr (plural forms joined by |) of the translated,
    non-fuzzy, non-obsolete entries."""
    out: dict[tuple[str, str], str] = {}
    fields: dict[str, list[str]] = {}
    current = ""
    fuzzy = False

    def flush() -> None:
        nonlocal fields, fuzzy
        if "msgid" in fields:
            msgid = _unquote(fields["msgid"])
            if "msgid_plural" in fields:
                msgid += "|" + _unquote(fields["msgid_plural"])
            strs = [_unquote(v) for k, v in sorted(fields.items()) if k.startswith("msgstr")]
            value = "|".join(strs)
            if msgid and not fuzzy and any(strs):
                out[(_unquote(fields.get("msgctxt", [])), msgid)] = value
        fields, fuzzy = {}, False

    for raw in po.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            flush()
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#,"):
            fuzzy = "fuzzy" in line
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"'):
            if current:
                fields[current].append(line)
            continue
        key, _, rest = line.partition(" ")
        if key == "msgctxt" and "msgid" in fields:
            flush()
        current = key
        fields[key] = [rest]
    flush()
    return out


def conflicts(pos: list[Path]) -> dict[tuple[str, str, str], dict[str, str]]:
    """(domain, context, msgid) → {catalog: translation} where the translations differ."""
    seen: dict[tuple[str, str, str], dict[str, str]] = defaultdict(dict)
    for po in pos:
        domain = po.stem
        for (ctx, msgid), value in entries(po).items():
            name = str(po.relative_to(ROOT)) if po.is_relative_to(ROOT) else str(po)
            seen[(domain, ctx, msgid)][name] = value
    return {k: v for k, v in seen.items() if len(set(v.values())) > 1}


def main(argv: list[str]) -> int:
    pos = [Path(p).resolve() for p in argv] or sorted(
        p for p in (ROOT / "dangjian").glob("**/locale/zh_Hans/LC_MESSAGES/*.po") if "static" not in p.parts)
    found = conflicts(pos)
    for (domain, ctx, msgid), where in sorted(found.items()):
        label = f"{msgid!r}" + (f" (context {ctx!r})" if ctx else "") + ("" if domain == "django" else f" [{domain}]")
        print(f"{label} is translated differently:", file=sys.stderr)
        for catalog, value in sorted(where.items()):
            print(f"    {value!r:<30} {catalog}", file=sys.stderr)
    if found:
        print(f"{len(found)} texts are translated differently in different catalogs: use the same words, "
              "or give the texts that mean something else a context (pgettext / {% translate … context … %}).",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
