"""One English text has one Chinese text: Django merges every app's catalog into one table, so a
text translated differently in two catalogs shows one app's words in the other's pages."""

import importlib.util
from pathlib import Path

from django.utils import translation

ROOT = Path(__file__).resolve().parents[3]


def _tool():
    spec = importlib.util.spec_from_file_location("catalog_conflicts", ROOT / "tools" / "catalog_conflicts.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _po(folder: Path, body: str) -> Path:
    folder.mkdir()
    path = folder / "django.po"
    path.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n' + body, encoding="utf-8")
    return path


def test_the_check_finds_a_text_translated_two_ways(tmp_path):
    tool = _tool()
    a = _po(tmp_path / "a", 'msgid "Sign in"\nmsgstr "登录"\n\nmsgctxt "attendance"\nmsgid "Sign in"\nmsgstr "签到"\n')
    b = _po(tmp_path / "b", 'msgid "Sign in"\nmsgstr "签到"\n\n#, fuzzy\nmsgid "Name"\nmsgstr "名称"\n')
    c = _po(tmp_path / "c", 'msgctxt "attendance"\nmsgid "Sign in"\nmsgstr "签到"\n\nmsgid "Name"\nmsgstr "姓名"\n')
    found = {key[2]: where for key, where in tool.conflicts([a, b, c]).items()}
    # the plain text differs between a and b; the context keeps attendance apart; fuzzy is not a translation
    assert set(found) == {"Sign in"}
    assert set(found["Sign in"].values()) == {"登录", "签到"}
    assert tool.conflicts([a, c]) == {}


def test_the_committed_catalogs_agree():
    tool = _tool()
    pos = sorted(p for p in (ROOT / "dangjian").glob("**/locale/zh_Hans/LC_MESSAGES/*.po") if "static" not in p.parts)
    assert len(pos) > 10
    assert tool.conflicts(pos) == {}


def test_texts_that_mean_something_else_keep_their_own_words():
    with translation.override("zh-hans"):
        assert translation.pgettext("attendance", "Sign in") == "签到"
        assert translation.gettext("Sign in") == "登录"
        assert translation.pgettext("thing", "Name") == "名称"
        assert translation.gettext("Name") == "姓名"
        assert translation.pgettext("payment", "Failed") == "支付失败"
        assert translation.gettext("Failed") == "失败"
