"""The one HTML sanitiser (``core.sanitize``): hostile markup in, only the policy's tags,
attributes and URLs out, for both policies."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dangjian.core.sanitize import BASIC, RICH, Policy, clean_html, clean_submitted_html, html_to_text

VECTORS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '<img src="x" onerror="alert(1)">',
    "<img src=x onerror=alert(1)//",
    '<body onload="alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    '<a href=" JaVaScRiPt:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<img src="data:image/svg+xml,<svg onload=alert(1)>">',
    '<p style="width: expression(alert(1))">x</p>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<style>body{background:url(javascript:alert(1))}</style>",
    "<svg><script>alert(1)</script></svg>",
    '<svg onload="alert(1)"><circle r="1"/></svg>',
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    '<object data="javascript:alert(1)"></object><embed src="x.swf">',
    "<scr<script>ipt>alert(1)</script>",
    "<<script>script>alert(1)<</script>/script>",
    '<p><b><i onclick="alert(1)">x</p></i></b>',
    '<a href="x" <img src=x onerror=alert(1)>>y</a>',
    "<!--<script>alert(1)</script>--><p>x</p>",
    "<![CDATA[<script>alert(1)</script>]]>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    '<template><img src=x onerror=alert(1)></template>',
    '<form action="javascript:alert(1)"><input type="submit"></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<a href="//evil.example/">x</a>',
    '<a href="/\\evil.example/">x</a>',
    '<img src="\\\\evil.example/x.png">',
    '<textarea><img src=x onerror=alert(1)></textarea>',
]


class _Seen(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


def _allowed(policy: Policy, tag: str) -> frozenset[str]:
    names = dict(policy.attributes)
    return names.get(tag, frozenset()) | names.get("*", frozenset()) | ({"rel"} if tag == "a" else set())


def assert_harmless(out: str, policy: Policy) -> None:
    """What a browser would build from ``out``: only the policy's tags and attributes, URLs only
    with the policy's schemes or same-site relative, nothing executable."""
    seen = _Seen()
    seen.feed(out)
    seen.close()
    for tag, attrs in seen.tags:
        assert tag in policy.tags, (tag, out)
        for name, value in attrs:
            assert name in _allowed(policy, tag), (tag, name, out)
            if name in {"href", "src"}:
                url = "".join((value or "").split()).lower()
                scheme = url.split(":", 1)[0] if ":" in url.split("/", 1)[0] else ""
                if scheme:
                    assert scheme in policy.url_schemes, (url, out)
                else:
                    assert policy.relative_urls and not url.replace("\\", "/").startswith("//"), (url, out)
    lowered = out.lower()
    for tag in ("<script", "<svg", "<math", "<iframe", "<style", "<object", "<embed", "<form", "<meta", "<base"):
        assert tag not in lowered, (tag, out)

@pytest.mark.parametrize("policy", [BASIC, RICH], ids=lambda p: p.name)
@pytest.mark.parametrize("vector", VECTORS)
def test_hostile_markup_leaves_nothing_executable(vector: str, policy: Policy) -> None:
    assert_harmless(clean_html(vector, policy), policy)
    assert_harmless(clean_submitted_html(vector, policy), policy)


@pytest.mark.parametrize("url", ["//evil.example/", "/\\evil.example/", "\\\\evil.example/", " //evil.example"])
def test_relative_url_to_another_host_dropped(url: str) -> None:
    assert "evil" not in clean_html(f'<a href="{url}">x</a><img src="{url}">', RICH)


def test_same_site_and_safe_links_kept() -> None:
    out = clean_html('<a href="/news/1/">a</a><a href="#top">b</a><a href="mailto:x@example.com">c</a>'
                     '<a href="https://www.12371.cn/">d</a><img src="/media/a.png" alt="图" class="richtext-image">',
                     RICH)
    assert 'href="/news/1/"' in out and 'href="#top"' in out and 'href="mailto:x@example.com"' in out
    assert '<a href="https://www.12371.cn/" rel="nofollow noopener">d</a>' in out
    assert '<img src="/media/a.png" alt="图" class="richtext-image">' in out


def test_basic_policy_keeps_formatting_and_web_links_only() -> None:
    out = clean_html('<h3>议程</h3><p class="x"><b>通过</b><a href="/inside">内</a><a href="https://a.cn/">外</a>'
                     '<img src="https://a.cn/x.png"><span>格</span></p>', BASIC)
    assert out == ('<h3>议程</h3><p><b>通过</b><a rel="nofollow noopener">内</a>'
                   '<a href="https://a.cn/" rel="nofollow noopener">外</a>格</p>')


def test_text_of_blocked_tags_is_kept_and_of_dropped_tags_is_not() -> None:
    assert clean_html("<p>学习<font>党章</font><script>alert(1)</script><style>p{}</style></p>", RICH) == \
        "<p>学习党章</p>"


def test_malformed_nesting_is_closed() -> None:
    assert clean_html("<p><b><i>x</b>y", BASIC) == "<p><b><i>x</i></b><i>y</i></p>"


def test_plain_text_becomes_escaped_paragraphs() -> None:
    assert clean_submitted_html("第一段\n第二行 a < b\n\n第二段 & 完", BASIC) == \
        "<p>第一段<br>第二行 a &lt; b</p><p>第二段 &amp; 完</p>"
    assert clean_submitted_html("  \x00\x07 ", BASIC) == ""


def test_text_of_cleaned_html() -> None:
    assert html_to_text("<h3>议程</h3><p>一<br>二 &amp; 三</p><ul><li>甲</li></ul>") == "议程\n一\n二 & 三\n甲"


FRAGMENTS = st.sampled_from([
    "<", ">", "/", "=", '"', "'", " ", "script", "img", "svg", "a", "p", "b", "style", "iframe", "href", "src",
    "onerror", "javascript:", "alert(1)", "//", "\\", "&#", "x", "!--", "-->", "<![CDATA[", "math", "textarea",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(FRAGMENTS, max_size=40).map("".join), st.sampled_from([BASIC, RICH]))
def test_any_soup_of_fragments_comes_out_harmless(soup: str, policy: Policy) -> None:
    assert_harmless(clean_html(soup, policy), policy)
