"""Tests for ``jiangqiao text normalize`` (:mod:`jiangqiao.cli`)."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from jiangqiao import cli
from jiangqiao.cli import main, normalize_stream

REPO_ROOT = Path(__file__).resolve().parents[3]


def count_lines(data: bytes) -> int:
    """Count lines the way editors do: a final line without newline still counts.

    The CLI always terminates its output lines, so for its output this is the number
    of ``\\n`` characters.
    """
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def run_main(
    monkeypatch: pytest.MonkeyPatch, argv: list[str], stdin: bytes = b""
) -> tuple[int, bytes, str]:
    """Run ``main(argv)`` with in-memory stdin/stdout/stderr."""
    fake_stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    fake_stdout = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    fake_stderr = io.StringIO()
    monkeypatch.setattr(sys, "stdin", fake_stdin)
    monkeypatch.setattr(sys, "stdout", fake_stdout)
    monkeypatch.setattr(sys, "stderr", fake_stderr)
    status = main(argv)
    fake_stdout.flush()
    buffer = fake_stdout.buffer
    assert isinstance(buffer, io.BytesIO)
    return status, buffer.getvalue(), fake_stderr.getvalue()


def run_subprocess(args: list[str], stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    """Run ``python -m jiangqiao.cli`` in a child process."""
    return subprocess.run(
        [sys.executable, "-m", "jiangqiao.cli", *args],
        input=stdin,
        capture_output=True,
        cwd=REPO_ROOT,
        timeout=120,
        check=False,
    )


# ---------------------------------------------------------------------------
# Line handling
# ---------------------------------------------------------------------------

LINE_CASES = [
    pytest.param(b"", b"", id="empty-input"),
    pytest.param(b"\n", b"\n", id="single-empty-line"),
    pytest.param(b"\n\n\n", b"\n\n\n", id="only-empty-lines"),
    pytest.param(
        "貴陽(yang)市\n\n  深 圳 市  \n".encode(),
        "贵阳市\n\n深圳市\n".encode(),
        id="lf-with-empty-line",
    ),
    pytest.param(
        "貴陽(yang)市\r\n\r\nＡＢＣ\r\n".encode(),
        "贵阳市\n\nABC\n".encode(),
        id="crlf-becomes-lf",
    ),
    pytest.param(
        "第一行\n最后一行没有换行 ".encode(),
        "第一行\n最后一行没有换行\n".encode(),
        id="last-line-without-newline",
    ),
    pytest.param(
        "第一行\r\n\r\n最后".encode(),
        "第一行\n\n最后\n".encode(),
        id="crlf-and-last-line-without-newline",
    ),
    pytest.param(b"   \n\t\n", b"\n\n", id="whitespace-lines-become-empty"),
    pytest.param(b"a\n   ", b"a\n\n", id="blank-last-line-without-newline-is-kept"),
    pytest.param(b"x", b"x\n", id="single-line-without-newline"),
    pytest.param(
        b"a\rb\n",
        b"a b\n",
        id="lone-cr-inside-line-is-whitespace",
    ),
    pytest.param(
        "\ufeff深圳\n".encode(),
        "深圳\n".encode(),
        id="utf8-bom-removed",
    ),
]


@pytest.mark.parametrize(("data", "expected"), LINE_CASES)
def test_normalize_stream_preserves_lines(data: bytes, expected: bytes) -> None:
    sink = io.BytesIO()
    errors = io.StringIO()
    status = normalize_stream(io.BytesIO(data), sink, errors)
    assert status == 0
    assert errors.getvalue() == ""
    assert sink.getvalue() == expected
    assert count_lines(sink.getvalue()) == count_lines(data)
    assert sink.getvalue().count(b"\n") == count_lines(data)


@pytest.mark.parametrize(("data", "expected"), LINE_CASES)
def test_main_stdin_to_stdout(
    monkeypatch: pytest.MonkeyPatch, data: bytes, expected: bytes
) -> None:
    status, out, err = run_main(monkeypatch, ["text", "normalize"], data)
    assert (status, out, err) == (0, expected, "")


def test_many_lines_keep_their_count(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = ["", "  ", "貴陽(yang)市", "ＡＢＣ", "\u200b", "產(chǎn)業(yè)"] * 500
    data = "\r\n".join(lines).encode()
    status, out, _ = run_main(monkeypatch, ["text", "normalize"], data)
    assert status == 0
    assert count_lines(out) == len(lines)
    assert out.decode().split("\n")[:6] == ["", "", "贵阳市", "ABC", "", "产业"]


def test_input_and_output_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "in.txt"
    target = tmp_path / "out.txt"
    source.write_bytes("工匠(jiang)學院(yuan)\r\n\r\n２０２６年".encode())
    status, out, err = run_main(
        monkeypatch, ["text", "normalize", "--input", str(source), "--output", str(target)]
    )
    assert (status, out, err) == (0, b"", "")
    assert target.read_bytes() == "工匠学院\n\n2026年\n".encode()


def test_short_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "in.txt"
    target = tmp_path / "out.txt"
    source.write_bytes("深 圳 市\n".encode())
    status, _, _ = run_main(
        monkeypatch, ["text", "normalize", "-i", str(source), "-o", str(target)]
    )
    assert status == 0
    assert target.read_bytes() == "深圳市\n".encode()


def test_dash_means_standard_streams(monkeypatch: pytest.MonkeyPatch) -> None:
    status, out, _ = run_main(
        monkeypatch, ["text", "normalize", "--input", "-", "--output", "-"], "貴陽\n".encode()
    )
    assert (status, out) == (0, "贵阳\n".encode())


# ---------------------------------------------------------------------------
# Invalid UTF-8
# ---------------------------------------------------------------------------


def test_invalid_utf8_line_is_reported_and_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    data = "第一行\n".encode() + b"\xff\xfe broken\n" + "第三行\n".encode() + b"ok \xe4\xb8"
    status, out, err = run_main(monkeypatch, ["text", "normalize"], data)
    assert status == 1
    assert out == "第一行\n\n第三行\n\n".encode()
    assert count_lines(out) == count_lines(data) == 4
    assert "第 2 行" in err
    assert "第 4 行" in err
    assert "第 1 行" not in err
    assert "第 3 行" not in err
    assert "UTF-8" in err
    assert "无效的起始字节" in err  # line 2 starts with 0xFF
    assert "字符在行尾被截断" in err  # line 4 ends in the middle of a character
    assert err.count("\n") == 2


def test_many_invalid_lines_are_summarised() -> None:
    bad = cli.MAX_REPORTED_DECODE_ERRORS + 5
    data = b"\xff\n" * bad + "好\n".encode()
    sink = io.BytesIO()
    errors = io.StringIO()
    status = normalize_stream(io.BytesIO(data), sink, errors)
    assert status == 1
    assert sink.getvalue() == b"\n" * bad + "好\n".encode()
    messages = errors.getvalue().splitlines()
    assert len(messages) == cli.MAX_REPORTED_DECODE_ERRORS + 1
    assert f"共有 {bad} 行" in messages[-1]


# ---------------------------------------------------------------------------
# Usage errors
# ---------------------------------------------------------------------------


def test_missing_input_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "missing.txt"
    status, out, err = run_main(monkeypatch, ["text", "normalize", "--input", str(missing)])
    assert status == 2
    assert out == b""
    assert "无法打开输入文件" in err
    assert str(missing) in err


def test_unwritable_output_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "no-such-dir" / "out.txt"
    status, _, err = run_main(monkeypatch, ["text", "normalize", "--output", str(target)], b"a\n")
    assert status == 2
    assert "无法写入输出文件" in err


def test_output_must_differ_from_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "in.txt"
    source.write_bytes("貴陽\n".encode())
    status, _, err = run_main(
        monkeypatch, ["text", "normalize", "--input", str(source), "--output", str(source)]
    )
    assert status == 2
    assert "不能与输入文件相同" in err
    assert source.read_bytes() == "貴陽\n".encode()


@pytest.mark.parametrize("argv", [[], ["text"], ["unknown"], ["text", "normalize", "--bogus"]])
def test_bad_arguments_exit_with_status_2(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as excinfo:
        main(argv)
    assert excinfo.value.code == 2
    err = capsys.readouterr().err
    assert "用法：" in err
    assert "错误：" in err


def test_help_is_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as excinfo:
        main(["text", "normalize", "--help"])
    assert excinfo.value.code == 0
    out = capsys.readouterr().out
    assert "用法：" in out
    assert "--input" in out
    assert "显示帮助信息并退出" in out


def test_parser_has_command_groups() -> None:
    parser = cli.build_parser()
    args = parser.parse_args(["text", "normalize"])
    assert args.group == "text"
    assert args.command == "normalize"
    assert (args.input, args.output) == ("-", "-")


# ---------------------------------------------------------------------------
# Real process
# ---------------------------------------------------------------------------


def test_subprocess_round_trip() -> None:
    data = "貴陽(yang)市\r\n\r\n  深 圳 市 \r\nＥＲＰ（企業資源計劃）".encode()
    result = run_subprocess(["text", "normalize"], data)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == "贵阳市\n\n深圳市\nERP(企业资源计划)\n".encode()
    assert count_lines(result.stdout) == count_lines(data) == 4
    assert result.stderr == b""


def test_subprocess_invalid_utf8() -> None:
    data = "好\n".encode() + b"\xc3\x28\n" + "坏\n".encode()
    result = run_subprocess(["text", "normalize"], data)
    assert result.returncode == 1
    assert result.stdout == "好\n\n坏\n".encode()
    stderr = result.stderr.decode("utf-8")
    assert "第 2 行" in stderr
    assert "UTF-8" in stderr


def test_subprocess_files(tmp_path: Path) -> None:
    source = tmp_path / "in.txt"
    target = tmp_path / "out.txt"
    source.write_bytes("產(chǎn)業(yè)\n".encode())
    result = run_subprocess(["text", "normalize", "-i", str(source), "-o", str(target)], b"")
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == b""
    assert target.read_bytes() == "产业\n".encode()


def test_subprocess_usage_error() -> None:
    result = run_subprocess([], b"")
    assert result.returncode == 2
    assert "用法：" in result.stderr.decode("utf-8")


class _BrokenPipeWriter(io.BytesIO):
    """Binary stream that behaves like a pipe whose reader has gone away."""

    def write(self, data: object) -> int:
        raise BrokenPipeError


def test_broken_pipe_exits_quietly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"a\nb\n")))
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(_BrokenPipeWriter()))
    fake_stderr = io.StringIO()
    monkeypatch.setattr(sys, "stderr", fake_stderr)
    assert main(["text", "normalize"]) == cli.EXIT_BROKEN_PIPE
    assert fake_stderr.getvalue() == ""
