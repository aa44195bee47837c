"""Normalisation and segmentation of citizens' texts.

``normalise`` folds full-width forms (NFKC), case and whitespace. ``Segmenter`` cuts with
rjieba (its own dictionary instance, so the county's words never leak into other users of
rjieba) plus the county dictionary — organization, grid, community and department names, which
must stay one token — and drops punctuation, numbers, single characters and the stop words of
complaint boilerplate (您好, 希望, 反映, 尽快 …), which say nothing about the problem.
"""

from __future__ import annotations

import hashlib
import re
import sys
import unicodedata
from collections.abc import Iterable

import rjieba

#: Words of the complaint letter's frame and function words: dropped before keywords and topics.
_STOP_WORDS_TEXT = """
您好 你好 领导 尊敬 书记 同志 你们 我们 他们 大家 自己 我家 这个 那个 这里 那里 这边 那边 这样 那样
希望 反映 尽快 恳请 请求 要求 盼望 麻烦 谢谢 感谢 拜托 投诉 举报 问题 情况 事情 有关 相关 部门
领导 重视 关注 解决 处理 答复 说法 一下 一直 已经 还是 就是 但是 而且 因为 所以 如果 可以 没有
现在 目前 时候 以前 之前 之后 今天 昨天 多次 好几次 几次 一个 一些 什么 怎么 为什么 哪个 是否
不是 还有 另外 关于 居民 群众 老百姓 村民 业主 市民 早日 及时 马上 立即 赶紧 急 请问 咨询
点赞 工作人员 效率 服务态度 满意 非常感谢 政府 办理 流程 材料 政策 需要 应该 一般 办好 哪里 多长时间
新的 什么样 有没有 能不能 可不可以 点个 也好 非常 特别 一点 好多 很多
的 了 在 是 我 有 和 就 不 人 都 也 很 到 说 要 去 会 着 看 好 又 给 让 被 把 对 与 及 等 吧 吗 呢 啊
"""
BOILERPLATE_STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())

_SPACE = re.compile(r"\s+")
_TOKEN_OK = re.compile(r"^[\u4e00-\u9fffA-Za-z][\u4e00-\u9fffA-Za-z0-9]*$")
_NOT_WORD = re.compile(r"[^\u4e00-\u9fffA-Za-z0-9]+")


def normalise(text: str) -> str:
    """NFKC (full-width letters, digits and punctuation to half-width), lower case, one space."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text or "")).strip().lower()


def canonical(text: str) -> str:
    """The text reduced to letters and digits: what the exact-duplicate hash is taken over."""
    return _NOT_WORD.sub("", normalise(text))


def exact_hash(text: str) -> str:
    return hashlib.sha1(canonical(text).encode(), usedforsecurity=False).hexdigest()


class Segmenter:
    """rjieba with the county dictionary and the stop words.

    ``dictionary`` is an iterable of words (names of organizations, grids, communities and
    departments, local terms) kept as one token; ``stop_words`` replaces the default list.
    """

    def __init__(self, dictionary: Iterable[str] = (), stop_words: Iterable[str] | None = None) -> None:
        self._jieba = rjieba.Jieba()
        self.dictionary = sorted({w.strip() for w in dictionary if w and w.strip()})
        for word in self.dictionary:
            self._jieba.add_word(normalise(word), None, None)
        self.stop_words = frozenset(stop_words) if stop_words is not None else BOILERPLATE_STOP_WORDS

    def __getstate__(self) -> dict[str, object]:  # rjieba's dictionary cannot be pickled: rebuilt
        return {"dictionary": self.dictionary, "stop_words": sorted(self.stop_words)}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__init__(state["dictionary"], state["stop_words"])  # type: ignore[misc, arg-type]

    def cut(self, text: str) -> list[str]:
        """All tokens of the normalised text, punctuation included (for inspection)."""
        return list(self._jieba.cut(normalise(text), True))

    def tokens(self, text: str) -> list[str]:
        """The content words: no punctuation, numbers, single characters or stop words."""
        stop = self.stop_words
        # interned: a million texts share one object per distinct word instead of holding a copy
        # of every occurrence (≈1.5 GB at 1,000,000 texts before)
        return [sys.intern(t) for t in self._jieba.cut(normalise(text), True)
                if len(t) > 1 and t not in stop and _TOKEN_OK.match(t)]
