"""Tokens for the sparse signals: jieba words (for BM25) and character 1–2-grams (for TF-IDF).

Texts reach here normalised (``jiangqiao.text.normalize``: simplified, half width, pinyin
annotations removed); both functions case-fold. The segmenter is a private ``jieba.Tokenizer``
with the platform's industry and occupation names and any extra vocabulary (tags) loaded as a user
dictionary, so 数控机床, 电气设备安装工 or 焊接 stay whole words.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable

import jieba

# Function words and the boilerplate of problem statements and abstracts: they carry no topic.
_STOPWORD_TEXT = """
    的 了 和 与 及 或 在 对 是 为 中 等 以 其 并 将 从 由 被 于 上 下 把 也 而 就 都 又 个 这 那
    之 各 该 此 有 无 不 没有 可 能 会 要 让 使 得 着 过 到 向 给 用 以及 并且 或者 如果 因为 所以
    通过 进行 研究 分析 方法 基于 结果 表明 提出 采用 利用 问题 一种 本文 我们 我司 公司 企业
    可以 具有 主要 一定 相关 影响 作用 应用 发展 实现 需要 希望 目前 现在 存在 情况 工作 开展
    方面 相应 有关 一些 很多 比较 非常 已经 正在 如何 怎么 什么 哪些 帮助 解决 提供 提高 提升
    同时 其中 部分 方式 过程 要求 能力 经验 专家 工匠 师傅 服务 项目
    人 人员 年 多年 从事 擅长 长期 扎根 一线 先后 参与 主持 负责 曾 带徒 数十 多项 多次
    """
STOPWORDS = frozenset(_STOPWORD_TEXT.split())

# Domain-generic words of craft-service texts: nearly every demand and every profile says them
# (技师, 诊断, 改进, 现场, 技术 …), so a match on them alone says nothing about the topic. They stay
# in the index (document frequencies are unchanged) but weigh ``FusionConfig.generic_weight`` in
# a demand's query — for the word signal and for the n-gram signal (their character bigrams) — and
# are never quoted as the matched keywords of an explanation (issue 14: a 衡器装配调试工 ranked
# first for a spindle-noise demand on the word 技师 alone; the verbs of problem statements 出现,
# 发现, 检查 … were added after a QA walk). Words common in the craftsmen's own evidence are found
# by document frequency at index build instead (``MatchIndex.common_words``).
_GENERIC_TEXT = """
    技师 高级技师 技术员 技术 技能 技艺 技巧 高级工 中级工 初级工 工程师 高级工程师 师带徒
    诊断 改进 改善 改造 改良 优化 提升 提高 完善 创新 革新 攻关 联合攻关 突破 关键 核心 重点
    现场 现场指导 指导 辅导 咨询 培训 实操 示范 带教 传授 交流 讲解 论证 评估 梳理 排查
    骨干 一线 员工 班组 岗位 车间 工序 环节 操作 作业 固化 标准 规范 流程 体系 措施 方案
    水平 效果 稳定 日常 常见 多发 反复 难题 隐患
    出现 发现 发生 导致 造成 检查
    """
GENERIC_WORDS = frozenset(_GENERIC_TEXT.split()) - STOPWORDS
#: The two-character generic words, as character bigrams (the n-gram signal's side of the list).
GENERIC_GRAMS = frozenset(w for w in GENERIC_WORDS if len(w) == 2)

_WORD = re.compile(r"[\w\u4e00-\u9fff]")
_SPACE = re.compile(r"\s+")

_lock = threading.Lock()
_tokenizers: dict[tuple[str, ...], jieba.Tokenizer] = {}

jieba.setLogLevel(logging.WARNING)


def tokenizer(words: Iterable[str] = ()) -> jieba.Tokenizer:
    """A jieba tokenizer with ``words`` added; built once per vocabulary and shared."""
    key = tuple(sorted(set(words)))
    with _lock:
        tok = _tokenizers.get(key)
        if tok is None:
            tok = jieba.Tokenizer()
            tok.initialize()
            for word in key:
                tok.add_word(word, freq=2000)
            _tokenizers[key] = tok
    return tok


def words(text: str, tok: jieba.Tokenizer) -> list[str]:
    """Content words of ``text``, case-folded, stop words and punctuation removed."""
    out = []
    for w in tok.lcut(text.casefold()):
        w = w.strip()
        if w and w not in STOPWORDS and _WORD.search(w) and not (len(w) == 1 and w.isascii()):
            out.append(w)
    return out


def char_grams(text: str) -> list[str]:
    """Character unigrams and bigrams of ``text`` without white space or punctuation."""
    chars = "".join(c for c in _SPACE.sub("", text.casefold()) if _WORD.match(c))
    return [*chars, *(chars[i : i + 2] for i in range(len(chars) - 1))]
