"""Extract translatable strings into the message catalogs (used by tools/messages.sh).

The project catalog is dangjian/locale. An app (or sub-app) that has a `locale/` directory of its
own keeps its strings there instead, so several modules can be translated side by side without
touching one shared file; the project run skips those apps.
"""

import contextlib
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "dangjian"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.core.management.base import CommandError  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

IGNORE = ["static/*", "testing/*", "tests/*"]
COMMON = {"locale": ["zh_Hans"], "no_obsolete": True, "no_location": True, "verbosity": 0}


def app_dirs() -> list[Path]:
    return sorted(p.parent for p in PKG.glob("*/**/locale") if p.is_dir() and "static" not in p.parts)


def extract(where: Path, ignore: list[str]) -> None:
    os.chdir(where)
    call_command("makemessages", ignore_patterns=ignore, **COMMON)
    with contextlib.suppress(CommandError):  # no JavaScript here
        call_command("makemessages", domain="djangojs", ignore_patterns=["tests/*"], **COMMON)


def main() -> None:
    apps = app_dirs()
    extract(PKG, IGNORE + [str(d.relative_to(PKG)) + "/*" for d in apps])
    for d in apps:
        # LOCALE_PATHS' parent (dangjian/) contains every app: without this override,
        # makemessages would put the app's strings into the project catalog.
        with override_settings(LOCALE_PATHS=[]):
            extract(d, IGNORE)
    for d in [PKG, *apps]:
        for po in (d / "locale" / "zh_Hans" / "LC_MESSAGES").glob("*.po"):
            fix_header(po)
        print(d / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")


def fix_header(po: Path) -> None:
    """A new catalog's header is marked fuzzy with no language: msgfmt would then drop the
    charset and Chinese would not decode. Make it a proper zh_Hans header."""
    text = po.read_text(encoding="utf-8")
    fixed = text.replace('#, fuzzy\nmsgid ""', 'msgid ""', 1).replace('"Language: \\n"', '"Language: zh_Hans\\n"', 1)
    if fixed != text:
        po.write_text(fixed, encoding="utf-8")


if __name__ == "__main__":
    main()
