"""``jiangqiao match assign``: staff demands from JSON Lines files (see ``docs/assignment.md``).

    jiangqiao match assign --demands D.jsonl --experts E.jsonl --candidates C.jsonl [--out FILE]

Every input line is one JSON object; unknown fields are ignored, so the experts file of the
ranking command works as it is.  A bad line is reported on stderr in Chinese with its file, line
number and field, the other lines are still used, and the exit status is then 1 (0 if every line
was fine, 2 for usage errors and unreadable files).  The result goes to stdout or ``--out`` as
JSON Lines (``--format jsonl``, default) or as one JSON document (``--format json``).

Django is not imported.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from typing import Any, NoReturn, TextIO

from jiangqiao.matching.engine.assign import (
    Assignment,
    Candidate,
    DemandSpec,
    ExpertSpec,
    assign,
    skill_level_to_rank,
)

EXIT_OK = 0
EXIT_INVALID_INPUT = 1
EXIT_USAGE = 2

#: At most this many bad lines are reported one by one; a total follows.
MAX_REPORTED = 200

_REGION = re.compile(r"^\d{6}$")


class _LineError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class _Reporter:
    """Collects bad-line messages and writes them (up to a limit) to ``stream``."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.count = 0

    def bad(self, file: str, line: int, field: str | None, message: str) -> None:
        self.count += 1
        if self.count <= MAX_REPORTED:
            where = f"{file} 第 {line} 行"
            if field:
                where += f"，字段 {field}"
            self.stream.write(f"错误：{where}：{message}\n")

    def finish(self) -> None:
        if self.count > MAX_REPORTED:
            self.stream.write(f"错误：共有 {self.count} 处输入错误，仅列出前 {MAX_REPORTED} 处。\n")


class _HelpFormatter(argparse.HelpFormatter):
    """Help formatter with a Chinese "usage" prefix."""

    def add_usage(
        self,
        usage: str | None,
        actions: Iterable[argparse.Action],
        groups: Iterable[argparse._MutuallyExclusiveGroup],
        prefix: str | None = None,
    ) -> None:
        super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}：错误：{message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="jiangqiao match assign",
        description=(
            "在候选图上为需求配置工匠团队：专家容量、团队人数上下限、利益冲突回避、"
            "已接受邀约锁定、资质要求与本地优先；无法配齐的需求逐一说明原因。"
        ),
        add_help=False,
        formatter_class=_HelpFormatter,
    )
    parser._optionals.title = "选项"
    parser.add_argument("-h", "--help", action="help", help="显示帮助信息并退出")
    parser.add_argument("--demands", required=True, metavar="文件", help="需求 JSON Lines 文件")
    parser.add_argument("--experts", required=True, metavar="文件", help="专家 JSON Lines 文件")
    parser.add_argument(
        "--candidates", required=True, metavar="文件", help="候选边 JSON Lines 文件（排序结果）"
    )
    parser.add_argument("--out", metavar="文件", default="-", help="输出文件，默认写到标准输出")
    parser.add_argument(
        "--format",
        choices=("jsonl", "json"),
        default="jsonl",
        help="输出格式：jsonl（每行一条记录，默认）或 json（单个文档）",
    )
    parser.add_argument(
        "--region-bonus",
        type=float,
        default=0.1,
        metavar="数值",
        help="同一地区的加分（同地市减半，同省为四分之一），默认 0.1",
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        default=None,
        metavar="秒",
        help="整数规划阶段的时间上限（仅在线性松弛非整数时需要），默认不限",
    )
    return parser


# ---------------------------------------------------------------------------
# Field readers
# ---------------------------------------------------------------------------


def _id(record: Mapping[str, Any], name: str = "id") -> str:
    value = record.get(name)
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise _LineError(name, "缺少编号或编号不是文本")
    text = str(value).strip()
    if not text:
        raise _LineError(name, "编号不能为空")
    return text


def _opt_int(record: Mapping[str, Any], name: str, low: int, high: int) -> int | None:
    value = record.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _LineError(name, f"应为整数，收到 {value!r}")
    if not low <= value <= high:
        raise _LineError(name, f"应在 {low}–{high} 之间，收到 {value}")
    return value


def _opt_text(record: Mapping[str, Any], name: str) -> str | None:
    value = record.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _LineError(name, f"应为文本，收到 {value!r}")
    return value.strip() or None


def _region(record: Mapping[str, Any], name: str = "region") -> str | None:
    value = record.get(name)
    if value is None or value == "":
        return None
    code = (
        str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    )
    if not _REGION.match(code):
        raise _LineError(name, f"应为 6 位数字的行政区划代码，收到 {value!r}")
    return code


def _ids(record: Mapping[str, Any], name: str) -> tuple[str, ...]:
    value = record.get(name)
    if value is None:
        return ()
    if not isinstance(value, list):
        raise _LineError(name, "应为编号数组")
    out: list[str] = []
    for k, item in enumerate(value):
        if isinstance(item, bool) or not isinstance(item, (str, int)) or not str(item).strip():
            raise _LineError(f"{name}[{k}]", f"应为编号文本，收到 {item!r}")
        text = str(item).strip()
        if text not in out:
            out.append(text)
    return tuple(out)


def _codes(record: Mapping[str, Any], name: str) -> tuple[str, ...]:
    value = record.get(name)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise _LineError(name, "应为代码数组")
    out: list[str] = []
    for k, item in enumerate(value):
        if isinstance(item, Mapping):
            item = item.get("code")
        if not isinstance(item, str) or not item.strip():
            raise _LineError(f"{name}[{k}]", f"应为代码文本，收到 {item!r}")
        if item.strip() not in out:
            out.append(item.strip())
    return tuple(out)


def _skill_rank(record: Mapping[str, Any], level_field: str, rank_field: str) -> int | None:
    level = _opt_int(record, level_field, 1, 5)
    rank = _opt_int(record, rank_field, 1, 5)
    if level is not None and rank is not None and skill_level_to_rank(level) != rank:
        raise _LineError(level_field, f"与 {rank_field} 矛盾（等级 {level} 对应 rank {6 - level}）")
    if level is not None:
        return skill_level_to_rank(level)
    return rank


def demand_from_record(record: Mapping[str, Any]) -> DemandSpec:
    """A :class:`DemandSpec` from one JSON object (see ``docs/assignment.md``)."""
    if not isinstance(record, Mapping):
        raise _LineError("(整行)", "应为 JSON 对象")
    min_team = _opt_int(record, "min_team", 1, 1000)
    max_team = _opt_int(record, "max_team", 1, 1000)
    lo = 1 if min_team is None else min_team
    hi = max(lo, 1) if max_team is None else max_team
    if lo > hi:
        raise _LineError("min_team", f"最少人数 {lo} 大于 max_team {hi}")
    industries = _codes(record, "industries") or _codes(record, "industry")
    return DemandSpec(
        id=_id(record),
        min_team=lo,
        max_team=hi,
        employer_uscc=_opt_text(record, "employer_uscc"),
        region=_region(record),
        industries=industries,
        min_skill_rank=_skill_rank(record, "min_skill_level", "min_skill_rank"),
        required_honour=_opt_text(record, "required_honour"),
        pinned=_ids(record, "pinned"),
        excluded=_ids(record, "excluded"),
    )


def expert_from_record(record: Mapping[str, Any]) -> ExpertSpec:
    """An :class:`ExpertSpec` from one JSON object (the ranking command's format works)."""
    if not isinstance(record, Mapping):
        raise _LineError("(整行)", "应为 JSON 对象")
    capacity = _opt_int(record, "capacity", 0, 10000)
    return ExpertSpec(
        id=_id(record),
        capacity=1 if capacity is None else capacity,
        employer_uscc=_opt_text(record, "employer_uscc"),
        region=_region(record),
        skill_rank=_skill_rank(record, "skill_level", "skill_rank"),
        honours=_codes(record, "honours"),
        conflicts=_ids(record, "conflicts"),
    )


def _score(record: Mapping[str, Any], name: str) -> float:
    value = record.get(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _LineError(name, f"应为数值，收到 {value!r}")
    if not math.isfinite(value):
        raise _LineError(name, "应为有限数值")
    return float(value)


def candidates_from_record(record: Mapping[str, Any]) -> list[Candidate]:
    """One flat edge ``{"demand", "expert", "score"}`` or a ranked list
    ``{"demand", "candidates": [{"expert" | "id", "score"}, …]}``."""
    if not isinstance(record, Mapping):
        raise _LineError("(整行)", "应为 JSON 对象")
    demand = _id(record, "demand")
    if "candidates" not in record:
        return [Candidate(demand, _id(record, "expert"), _score(record, "score"))]
    items = record["candidates"]
    if not isinstance(items, list):
        raise _LineError("candidates", "应为对象数组")
    out = []
    for k, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise _LineError(f"candidates[{k}]", "应为对象")
        key = "expert" if "expert" in item else "id"
        try:
            out.append(Candidate(demand, _id(item, key), _score(item, "score")))
        except _LineError as exc:
            raise _LineError(f"candidates[{k}].{exc.field}", exc.message) from None
    return out


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------


def _records(path: str, reporter: _Reporter) -> Iterator[tuple[int, Any]]:
    """(line number, decoded JSON) for every non-blank line; bad ones are reported."""
    with open(path, "rb") as f:
        for number, raw in enumerate(f, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                reporter.bad(path, number, None, "不是有效的 UTF-8 文本")
                continue
            if not line.strip():
                continue
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as exc:
                reporter.bad(path, number, None, f"不是有效的 JSON（第 {exc.colno} 列：{exc.msg}）")


def _read(path: str, build: Callable[[Any], Any], reporter: _Reporter) -> Iterator[tuple[int, Any]]:
    """(line number, built spec) for every good line, in order; bad ones are reported."""
    for number, record in _records(path, reporter):
        try:
            built = build(record)
        except _LineError as exc:
            reporter.bad(path, number, exc.field, exc.message)
            continue
        yield number, built


def load_inputs(
    demands_path: str, experts_path: str, candidates_path: str, reporter: _Reporter
) -> tuple[list[DemandSpec], list[ExpertSpec], list[Candidate]]:
    """Read and cross-check the three files; bad lines and references are reported and skipped."""
    demands: list[DemandSpec] = []
    demand_lines: dict[str, int] = {}
    for number, spec in _read(demands_path, demand_from_record, reporter):
        if spec.id in demand_lines:
            reporter.bad(
                demands_path,
                number,
                "id",
                f"需求编号 {spec.id} 与第 {demand_lines[spec.id]} 行重复",
            )
            continue
        demand_lines[spec.id] = number
        demands.append(spec)
    experts: list[ExpertSpec] = []
    expert_lines: dict[str, int] = {}
    for number, spec in _read(experts_path, expert_from_record, reporter):
        if spec.id in expert_lines:
            reporter.bad(
                experts_path,
                number,
                "id",
                f"专家编号 {spec.id} 与第 {expert_lines[spec.id]} 行重复",
            )
            continue
        expert_lines[spec.id] = number
        experts.append(spec)
    # Pinned experts must exist; excluded/conflicts may name unknown ids (harmless).
    checked = []
    for spec in demands:
        missing = [e for e in spec.pinned if e not in expert_lines]
        for e in missing:
            reporter.bad(
                demands_path,
                demand_lines[spec.id],
                "pinned",
                f"锁定的专家 {e} 不在专家文件中，已忽略",
            )
        if missing:
            spec = replace(spec, pinned=tuple(e for e in spec.pinned if e in expert_lines))
        checked.append(spec)
    candidates: list[Candidate] = []
    seen: dict[tuple[str, str], int] = {}
    for number, edges in _read(candidates_path, candidates_from_record, reporter):
        for c in edges:
            if c.demand not in demand_lines:
                reporter.bad(candidates_path, number, "demand", f"需求 {c.demand} 不在需求文件中")
                break
            if c.expert not in expert_lines:
                reporter.bad(candidates_path, number, "expert", f"专家 {c.expert} 不在专家文件中")
                continue
            key = (c.demand, c.expert)
            if key in seen:
                reporter.bad(
                    candidates_path,
                    number,
                    "expert",
                    f"候选边（需求 {c.demand}，专家 {c.expert}）与第 {seen[key]} 行重复，已忽略",
                )
                continue
            seen[key] = number
            candidates.append(c)
    return checked, experts, candidates


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------


def result_records(result: Assignment) -> Iterator[dict[str, Any]]:
    """The JSON Lines records of a result: pairs, demands, pin issues, shortages, summary."""
    for pair in result.pairs:
        yield {"type": "pair", **pair.as_dict()}
    for demand in result.demands:
        yield {"type": "demand", **demand.as_dict()}
    for issue in result.pin_issues:
        yield {"type": "pin_issue", **issue.as_dict()}
    for shortage in result.shortages():
        yield {"type": "shortage", **shortage.as_dict()}
    yield {"type": "summary", **summary(result)}


def summary(result: Assignment) -> dict[str, Any]:
    return {
        "objective": round(result.objective, 9),
        "coverage": result.coverage,
        "pairs": len(result.pairs),
        "demands": len(result.demands),
        **result.counts(),
        "pin_issues": len(result.pin_issues),
        "solver": result.solver.as_dict(),
    }


def result_document(result: Assignment) -> dict[str, Any]:
    return {
        "summary": summary(result),
        "pairs": [p.as_dict() for p in result.pairs],
        "demands": [d.as_dict() for d in result.demands],
        "pin_issues": [i.as_dict() for i in result.pin_issues],
        "shortages": [s.as_dict() for s in result.shortages()],
    }


def _write(result: Assignment, sink: TextIO, fmt: str) -> None:
    if fmt == "json":
        json.dump(result_document(result), sink, ensure_ascii=False, indent=2)
        sink.write("\n")
        return
    for record in result_records(result):
        sink.write(json.dumps(record, ensure_ascii=False) + "\n")


def run_assign(argv: list[str]) -> int:
    """Run ``jiangqiao match assign`` with ``argv`` (the arguments after ``assign``)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help or a usage error
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if not math.isfinite(args.region_bonus) or args.region_bonus < 0:
        sys.stderr.write("错误：--region-bonus 应为非负数。\n")
        return EXIT_USAGE
    if args.time_limit is not None and not args.time_limit > 0:
        sys.stderr.write("错误：--time-limit 应为正数。\n")
        return EXIT_USAGE
    reporter = _Reporter(sys.stderr)
    try:
        demands, experts, candidates = load_inputs(
            args.demands, args.experts, args.candidates, reporter
        )
    except OSError as exc:
        sys.stderr.write(f"错误：无法读取输入文件“{exc.filename}”：{exc.strerror or exc}\n")
        return EXIT_USAGE
    reporter.finish()
    try:
        result = assign(
            demands,
            experts,
            candidates,
            region_bonus=args.region_bonus,
            time_limit=args.time_limit,
        )
    except ValueError as exc:
        sys.stderr.write(f"错误：{exc}\n")
        return EXIT_INVALID_INPUT
    if args.out == "-":
        _write(result, sys.stdout, args.format)
        sys.stdout.flush()
    else:
        try:
            with open(args.out, "w", encoding="utf-8") as sink:
                _write(result, sink, args.format)
        except OSError as exc:
            sys.stderr.write(f"错误：无法写入输出文件“{args.out}”：{exc.strerror or exc}\n")
            return EXIT_USAGE
    return EXIT_INVALID_INPUT if reporter.count else EXIT_OK
