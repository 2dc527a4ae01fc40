"""``jiangqiao match rank``: rank experts for every query of a JSON Lines file.

    jiangqiao match rank --experts EXPERTS.jsonl --queries QUERIES.jsonl --top 10 [--out FILE]

One output line per valid query, in input order:
``{"query": id, "ranking": [{"expert": id, "score": float, "why": {...}}, ...]}`` best first.
A malformed line, a missing or duplicate id or an unknown code is reported on stderr with its
file, line number and field (in Chinese); the other lines are still processed and the exit status
is 1. Exit status 0 when every line was fine, 2 for usage errors and unreadable files.

Django is not imported: the command works right after ``make test`` or ``make run`` set up the
environment, without a database.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO, TypeVar

from .dense import Encoder, default_encoder
from .explain import why
from .fusion import DEFAULT
from .index import MatchIndex
from .model import InputError, expert_from_dict, query_from_dict
from .vocab import load_vocabulary

EXIT_OK = 0
EXIT_INVALID_INPUT = 1
EXIT_USAGE = 2
MAX_REPORTED = 200

T = TypeVar("T")


class Reporter:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.count = 0

    def __call__(self, path: str, line: int, field: str, message: str) -> None:
        self.count += 1
        if self.count <= MAX_REPORTED:
            self.stream.write(f"错误：{path} 第 {line} 行【{field}】{message}\n")

    def close(self) -> None:
        if self.count > MAX_REPORTED:
            self.stream.write(f"错误：共 {self.count} 处错误，仅列出前 {MAX_REPORTED} 处。\n")


def read_records(
    path: str, build: Callable[[dict[str, Any]], T], report: Reporter
) -> Iterator[tuple[int, T]]:
    """Parse each line with ``build``; bad lines are reported and skipped."""
    seen: dict[str, int] = {}
    with open(path, "rb") as f:
        for number, data in enumerate(f, start=1):
            if number == 1 and data.startswith(b"\xef\xbb\xbf"):
                data = data[3:]
            try:
                raw = data.decode("utf-8")
            except UnicodeDecodeError:
                report(path, number, "(整行)", "不是有效的 UTF-8 文本")
                continue
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
            except json.JSONDecodeError as exc:
                report(path, number, "(整行)", f"不是有效的 JSON（第 {exc.colno} 列：{exc.msg}）")
                continue
            try:
                item = build(record)
            except InputError as exc:
                report(path, number, exc.field, exc.message)
                continue
            item_id = item.id  # type: ignore[attr-defined]
            if item_id in seen:
                report(
                    path,
                    number,
                    "id",
                    f"编号“{item_id}”重复（首次出现在第 {seen[item_id]} 行），已忽略本行",
                )
                continue
            seen[item_id] = number
            yield number, item


def run_rank(
    experts_path: str,
    queries_path: str,
    top: int,
    out: TextIO,
    errors: TextIO,
    *,
    encoder: Encoder | None = None,
    signals: list[str] | None = None,
    progress: bool = False,
) -> int:
    started = time.perf_counter()
    for path in (experts_path, queries_path):
        if not Path(path).is_file():
            errors.write(f"错误：找不到输入文件“{path}”\n")
            return EXIT_USAGE
    vocab = load_vocabulary()
    config = DEFAULT
    if signals is not None:
        unknown = [s for s in signals if s not in DEFAULT.text and s not in DEFAULT.structured]
        if unknown:
            errors.write(f"错误：未知的信号：{'、'.join(unknown)}\n")
            return EXIT_USAGE
        config = replace(
            DEFAULT,
            text={k: v for k, v in DEFAULT.text.items() if k in signals},
            structured={k: v for k, v in DEFAULT.structured.items() if k in signals},
        )
    report = Reporter(errors)
    experts = [
        e for _, e in read_records(experts_path, lambda r: expert_from_dict(r, vocab), report)
    ]
    queries = [
        q for _, q in read_records(queries_path, lambda r: query_from_dict(r, vocab), report)
    ]
    encoder = encoder or default_encoder()
    index = MatchIndex(encoder, vocab, config)
    index.add(experts)
    if progress:
        errors.write(
            f"已建索引：{len(experts)} 位专家，用时 {time.perf_counter() - started:.1f} 秒\n"
        )
    vectors = encoder.encode([q.text for q in queries]) if config.text.get("dense") else None
    for i, query in enumerate(queries):
        ranked = index.rank(query, top, query_vector=vectors[i] if vectors is not None else None)
        line = {
            "query": query.id,
            "ranking": [
                {"expert": r.expert.id, "score": r.score, "why": why(r, query, vocab, config)}
                for r in ranked
            ],
        }
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
    if progress:
        errors.write(
            f"完成：{len(queries)} 条查询，总用时 {time.perf_counter() - started:.1f} 秒\n"
        )
    report.close()
    return EXIT_INVALID_INPUT if report.count else EXIT_OK


def main(args: Any) -> int:
    if args.top < 1 or args.top > 1000:
        sys.stderr.write("错误：--top 应在 1–1000 之间\n")
        return EXIT_USAGE
    signals = args.signals.split(",") if args.signals else None
    if args.out and args.out != "-":
        try:
            with open(args.out, "w", encoding="utf-8") as out:
                return run_rank(
                    args.experts,
                    args.queries,
                    args.top,
                    out,
                    sys.stderr,
                    signals=signals,
                    progress=args.progress,
                )
        except OSError as exc:
            sys.stderr.write(f"错误：无法写入输出文件“{args.out}”：{exc.strerror or exc}\n")
            return EXIT_USAGE
    return run_rank(
        args.experts,
        args.queries,
        args.top,
        sys.stdout,
        sys.stderr,
        signals=signals,
        progress=args.progress,
    )
