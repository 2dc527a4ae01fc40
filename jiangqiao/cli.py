"""Command-line entry point ``jiangqiao`` (declared in ``pyproject.toml``).

Commands are organised in groups (``jiangqiao <group> <command> ...``).  To add a
group, write an ``_add_<group>_commands(groups)`` function that creates the group's
sub-parsers and sets ``handler=`` on every leaf command, then call it from
:func:`build_parser`.  A handler takes the parsed :class:`argparse.Namespace` and
returns the process exit status.

Currently available:

* ``jiangqiao text normalize [--input FILE] [--output FILE]`` - normalise text line by
  line with :func:`jiangqiao.text.normalize`.  Exit status: 0 on success, 1 if some
  lines were not valid UTF-8 (they are reported and replaced by empty lines), 2 on
  usage errors or unreadable/unwritable files.
* ``jiangqiao match rank --experts E.jsonl --queries Q.jsonl --top 10 [--out FILE]`` - the
  matching engine's ranking (``jiangqiao.matching.engine.rank_cli``).
* ``jiangqiao match assign ...`` - constrained assignment (``jiangqiao.matching.engine.assign_cli``).

This module deliberately does not import Django, so text commands start fast and work
without a configured database.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from typing import Any, BinaryIO, NoReturn, TextIO

EXIT_OK = 0
EXIT_INVALID_INPUT = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141

#: At most this many invalid lines are reported individually; a total follows.
MAX_REPORTED_DECODE_ERRORS = 100

Handler = Callable[[argparse.Namespace], int]

# Chinese wording for the reasons reported by Python's UTF-8 decoder.
_DECODE_REASONS = {
    "invalid start byte": "无效的起始字节",
    "invalid continuation byte": "无效的后续字节",
    "unexpected end of data": "字符在行尾被截断",
}


class _ChineseHelpFormatter(argparse.HelpFormatter):
    """Help formatter that uses a Chinese "usage" prefix."""

    def add_usage(
        self,
        usage: str | None,
        actions: Iterable[argparse.Action],
        groups: Iterable[argparse._MutuallyExclusiveGroup],
        prefix: str | None = None,
    ) -> None:
        super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)


class _ArgumentParser(argparse.ArgumentParser):
    """ArgumentParser with Chinese help option, formatter and error prefix."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _ChineseHelpFormatter)
        kwargs.setdefault("add_help", False)
        super().__init__(*args, **kwargs)
        self._positionals.title = "位置参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", help="显示帮助信息并退出")

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}：错误：{message}\n")


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with all command groups."""
    parser = _ArgumentParser(
        prog="jiangqiao",
        description="匠桥命令行工具。",
    )
    groups = parser.add_subparsers(
        title="命令组",
        dest="group",
        metavar="<命令组>",
        required=True,
        parser_class=_ArgumentParser,
    )
    _add_text_commands(groups)
    _add_match_commands(groups)
    return parser


# ---------------------------------------------------------------------------
# jiangqiao match ...
# ---------------------------------------------------------------------------


def _add_match_commands(groups: argparse._SubParsersAction[_ArgumentParser]) -> None:
    """Register the ``match`` command group (the matching engine; no Django, no database)."""
    match_parser = groups.add_parser(
        "match", help="工匠与需求匹配", description="匹配引擎命令：排序推荐与约束分配。"
    )
    commands = match_parser.add_subparsers(
        title="命令", dest="command", metavar="<命令>", required=True, parser_class=_ArgumentParser
    )
    rank = commands.add_parser(
        "rank",
        help="为每条需求推荐工匠（JSON Lines 输入输出）",
        description=(
            "读取专家与需求的 JSON Lines 文件，为每条需求输出前 N 名专家及得分和解释。"
            "出错的行在标准错误中报告（文件、行号、字段），其余行照常处理，退出码为 1。"
        ),
    )
    rank.add_argument("--experts", required=True, metavar="文件", help="专家 JSONL 文件")
    rank.add_argument("--queries", required=True, metavar="文件", help="需求 JSONL 文件")
    rank.add_argument(
        "--top", type=int, default=10, metavar="N", help="每条需求输出的人数，默认 10"
    )
    rank.add_argument("--out", metavar="文件", help="输出文件，默认写到标准输出")
    rank.add_argument(
        "--signals",
        metavar="列表",
        help="只用这些信号（逗号分隔，如 bm25 或 bm25,ngram,dense,industry），用于单项评测",
    )
    rank.add_argument("--progress", action="store_true", help="在标准错误中报告进度和用时")
    rank.set_defaults(handler=_run_match_rank)
    assign = commands.add_parser(
        "assign",
        help="在容量、团队规模、利益冲突等约束下分配工匠（JSON Lines 输入输出）",
        description="参数见 jiangqiao match assign --help。",
        add_help=False,
    )
    assign.add_argument("rest", nargs=argparse.REMAINDER)
    assign.set_defaults(handler=_run_match_assign)


def _run_match_rank(args: argparse.Namespace) -> int:
    from jiangqiao.matching.engine.rank_cli import main as rank_main

    return rank_main(args)


def _run_match_assign(args: argparse.Namespace) -> int:
    from jiangqiao.matching.engine.assign_cli import run_assign

    return run_assign(list(args.rest))


# ---------------------------------------------------------------------------
# jiangqiao text ...
# ---------------------------------------------------------------------------


def _add_text_commands(groups: argparse._SubParsersAction[_ArgumentParser]) -> None:
    """Register the ``text`` command group."""
    text_parser = groups.add_parser(
        "text",
        help="文本处理",
        description="文本处理命令。",
    )
    commands = text_parser.add_subparsers(
        title="命令",
        dest="command",
        metavar="<命令>",
        required=True,
        parser_class=_ArgumentParser,
    )
    normalize_parser = commands.add_parser(
        "normalize",
        help="逐行规范化文本",
        description=(
            "逐行规范化 UTF-8 文本（全角转半角、繁体转简体、去除拼音注音、合并空白等），"
            "每个输入行输出一行，行数保持不变。"
        ),
    )
    normalize_parser.add_argument(
        "-i",
        "--input",
        metavar="文件",
        default="-",
        help="输入文件（UTF-8），默认或为“-”时读取标准输入",
    )
    normalize_parser.add_argument(
        "-o",
        "--output",
        metavar="文件",
        default="-",
        help="输出文件，默认或为“-”时写到标准输出",
    )
    normalize_parser.set_defaults(handler=_run_text_normalize)


def _strip_line_ending(raw: bytes) -> bytes:
    """Remove a trailing LF or CRLF from ``raw``."""
    if raw.endswith(b"\n"):
        raw = raw[:-1]
        if raw.endswith(b"\r"):
            raw = raw[:-1]
    return raw


def normalize_stream(source: Iterable[bytes], sink: BinaryIO, errors: TextIO) -> int:
    """Normalise UTF-8 ``source`` lines into ``sink``; return the exit status.

    Exactly one LF-terminated output line is written per input line, so the output
    has as many lines as the input: LF and CRLF input both produce LF output, and a
    final input line without a newline still gets one (otherwise a last line that
    normalises to an empty string would disappear).  A line that is not valid UTF-8 is
    reported on ``errors`` (in Chinese, with its line number) and an empty line is
    written in its place; the status is then 1.
    """
    from jiangqiao.text import normalize

    bad_lines = 0
    for number, raw in enumerate(source, start=1):
        try:
            line = _strip_line_ending(raw).decode("utf-8")
        except UnicodeDecodeError as exc:
            bad_lines += 1
            if bad_lines <= MAX_REPORTED_DECODE_ERRORS:
                reason = _DECODE_REASONS.get(exc.reason, exc.reason)
                errors.write(
                    f"错误：第 {number} 行不是有效的 UTF-8 文本"
                    f"（该行第 {exc.start + 1} 个字节处：{reason}），已输出空行代替。\n"
                )
            line = ""
        sink.write(normalize(line).encode("utf-8") + b"\n")
    if bad_lines:
        if bad_lines > MAX_REPORTED_DECODE_ERRORS:
            errors.write(f"错误：共有 {bad_lines} 行不是有效的 UTF-8 文本，均已输出为空行。\n")
        return EXIT_INVALID_INPUT
    return EXIT_OK


def _same_file(first: str, second: str) -> bool:
    """Return True if both paths name the same existing file."""
    try:
        return os.path.samefile(first, second)
    except OSError:
        return False


def _run_text_normalize(args: argparse.Namespace) -> int:
    """Handler of ``jiangqiao text normalize``."""
    input_path: str = args.input
    output_path: str = args.output
    if input_path != "-" and output_path != "-" and _same_file(input_path, output_path):
        sys.stderr.write("错误：输出文件不能与输入文件相同，否则输入会被覆盖。\n")
        return EXIT_USAGE
    with ExitStack() as stack:
        source: BinaryIO
        sink: BinaryIO
        if input_path == "-":
            source = sys.stdin.buffer
        else:
            try:
                source = stack.enter_context(open(input_path, "rb"))
            except OSError as exc:
                sys.stderr.write(f"错误：无法打开输入文件“{input_path}”：{exc.strerror or exc}\n")
                return EXIT_USAGE
        if output_path == "-":
            sys.stdout.flush()
            sink = sys.stdout.buffer
        else:
            try:
                sink = stack.enter_context(open(output_path, "wb"))
            except OSError as exc:
                sys.stderr.write(f"错误：无法写入输出文件“{output_path}”：{exc.strerror or exc}\n")
                return EXIT_USAGE
        status = normalize_stream(source, sink, sys.stderr)
        sink.flush()
    return status


# ---------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``jiangqiao`` command line and return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except BrokenPipeError:
        # The reader went away (e.g. ``| head``); stop quietly like other Unix tools.
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        sys.stderr.write("已中断。\n")
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
