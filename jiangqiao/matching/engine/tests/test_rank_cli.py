"""``jiangqiao match rank``: the command-line contract, including bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from jiangqiao.cli import main

EXPERTS = [
    {
        "id": "e1",
        "name": "张",
        "title": "数控机床维修",
        "expertise": "主轴故障诊断",
        "industries": ["3421"],
        "region": "440305",
        "skill_level": 2,
        "capacity": 1,
        "unknown_field": {"ignored": True},
    },
    {
        "id": "e2",
        "title": "锅炉节能",
        "bio": "工业锅炉结垢处理",
        "service_items": [{"title": "锅炉能效测试"}],
    },
    {
        "id": "e3",
        "title": "焊接工艺",
        "skills": ["氩弧焊", "焊缝探伤"],
        "cases": ["压力容器焊接变形矫正"],
    },
]
QUERIES = [
    {
        "id": "q1",
        "title": "锅炉结垢",
        "description": "锅炉能耗高，结垢严重",
        "region": "440305",
        "onsite": True,
    },
    {
        "id": "q2",
        "title": "焊缝裂纹",
        "tags": ["焊接"],
        "min_skill_level": 2,
        "industries": ["3461"],
    },
]


def write(path: Path, lines: list[object]) -> Path:
    path.write_text(
        "\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in lines)
        + "\n",
        encoding="utf-8",
    )
    return path


def run(tmp_path: Path, experts: list[object], queries: list[object], *extra: str):
    out = tmp_path / "out.jsonl"
    status = main(
        [
            "match",
            "rank",
            "--experts",
            str(write(tmp_path / "e.jsonl", experts)),
            "--queries",
            str(write(tmp_path / "q.jsonl", queries)),
            "--top",
            "2",
            "--out",
            str(out),
            "--signals",
            "bm25,ngram,industry,region,skill,capacity",
            *extra,
        ]
    )
    lines = (
        [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
        if out.exists()
        else []
    )
    return status, lines


def test_output_contract(tmp_path, capsys):
    status, lines = run(tmp_path, EXPERTS, QUERIES)
    assert status == 0 and capsys.readouterr().err == ""
    assert [x["query"] for x in lines] == ["q1", "q2"]
    first = lines[0]["ranking"]
    assert len(first) == 2 and first[0]["expert"] == "e2"
    assert first[0]["score"] >= first[1]["score"]
    assert set(first[0]) == {"expert", "score", "why"}
    why = first[0]["why"]
    assert why["fusion_version"] and why["summary"] and why["contributions"]
    assert lines[1]["ranking"][0]["expert"] == "e3"


def test_bad_lines_are_named_and_the_rest_is_processed(tmp_path, capsys):
    experts = [
        *EXPERTS,
        "{not json",
        {"name": "无编号"},
        {"id": "e1", "title": "重复"},
        {"id": "e9", "industries": ["X99"]},
        {"id": "e10", "region": "999999"},
        "",
        [1, 2],
    ]
    queries = [
        *QUERIES,
        {"id": "q1", "title": "重复"},
        {"id": "q3"},
        {"id": "q4", "title": "设备", "onsite": "是"},
    ]
    status, lines = run(tmp_path, experts, queries)
    err = capsys.readouterr().err
    assert status == 1
    assert [x["query"] for x in lines] == ["q1", "q2"]
    assert "e.jsonl 第 4 行【(整行)】不是有效的 JSON" in err
    assert "e.jsonl 第 5 行【id】缺少编号" in err
    assert "e.jsonl 第 6 行【id】编号“e1”重复（首次出现在第 1 行）" in err
    assert "e.jsonl 第 7 行【industries】未知的行业代码" in err
    assert "e.jsonl 第 8 行【region】未知的行政区划代码" in err
    assert "e.jsonl 第 10 行【(整行)】应为 JSON 对象" in err
    assert "q.jsonl 第 3 行【id】编号“q1”重复" in err
    assert "q.jsonl 第 4 行【title】" in err
    assert "q.jsonl 第 5 行【onsite】" in err
    assert "第 9 行" not in err  # blank lines are not errors


def test_invalid_utf8_and_missing_files(tmp_path, capsys):
    e = tmp_path / "e.jsonl"
    e.write_bytes(json.dumps(EXPERTS[0]).encode() + b"\n\xff\xfe{}\n")
    q = write(tmp_path / "q.jsonl", QUERIES)
    status = main(["match", "rank", "--experts", str(e), "--queries", str(q), "--signals", "bm25"])
    captured = capsys.readouterr()
    assert status == 1 and "第 2 行【(整行)】不是有效的 UTF-8 文本" in captured.err
    assert len(captured.out.splitlines()) == 2
    assert main(["match", "rank", "--experts", str(tmp_path / "none"), "--queries", str(q)]) == 2
    assert "找不到输入文件" in capsys.readouterr().err
    assert main(["match", "rank", "--experts", str(e), "--queries", str(q), "--top", "0"]) == 2
    assert (
        main(["match", "rank", "--experts", str(e), "--queries", str(q), "--signals", "magic"]) == 2
    )
    assert "未知的信号：magic" in capsys.readouterr().err


def test_console_script_with_the_default_model(tmp_path):
    """The installed ``jiangqiao`` script, default signals (the USE model is loaded)."""
    script = Path(sys.executable).parent / "jiangqiao"
    e = write(tmp_path / "e.jsonl", EXPERTS)
    q = write(tmp_path / "q.jsonl", QUERIES)
    result = subprocess.run(
        [str(script), "match", "rank", "--experts", str(e), "--queries", str(q), "--top", "3"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    assert [x["query"] for x in lines] == ["q1", "q2"]
    assert lines[0]["ranking"][0]["expert"] == "e2"
    signals = {c["signal"] for c in lines[0]["ranking"][0]["why"]["contributions"]}
    assert {"bm25", "ngram", "dense"} <= signals
