"""Size class by 工信部联企业〔2011〕300号: every one of the 16 rows at and around its boundaries.

The thresholds are written out again here (from STANDARDS.md §9.2), not read from the code.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from jiangqiao.demands.sizing import RULE_VERSION, SizeResult, classify, industry_group

L, M, S, XS = "1", "2", "3", "4"

# group code, a GB/T 4754 code in it, ceiling, medium, small  (s=staff, r=revenue, a=assets)
TABLE = [
    ("agriculture", "0111", {"r": 20000}, {"r": 500}, {"r": 50}),
    ("industry", "3461", {"s": 1000, "r": 40000}, {"s": 300, "r": 2000}, {"s": 20, "r": 300}),
    (
        "construction",
        "4710",
        {"r": 80000, "a": 80000},
        {"r": 6000, "a": 5000},
        {"r": 300, "a": 300},
    ),
    ("wholesale", "5171", {"s": 200, "r": 40000}, {"s": 20, "r": 5000}, {"s": 5, "r": 1000}),
    ("retail", "5211", {"s": 300, "r": 20000}, {"s": 50, "r": 500}, {"s": 10, "r": 100}),
    ("transport", "5430", {"s": 1000, "r": 30000}, {"s": 300, "r": 3000}, {"s": 20, "r": 200}),
    ("warehousing", "5920", {"s": 200, "r": 30000}, {"s": 100, "r": 1000}, {"s": 20, "r": 100}),
    ("postal", "6010", {"s": 1000, "r": 30000}, {"s": 300, "r": 2000}, {"s": 20, "r": 100}),
    ("accommodation", "6110", {"s": 300, "r": 10000}, {"s": 100, "r": 2000}, {"s": 10, "r": 100}),
    ("catering", "6210", {"s": 300, "r": 10000}, {"s": 100, "r": 2000}, {"s": 10, "r": 100}),
    (
        "info_transmission",
        "6311",
        {"s": 2000, "r": 100000},
        {"s": 100, "r": 1000},
        {"s": 10, "r": 100},
    ),
    ("software", "6511", {"s": 300, "r": 10000}, {"s": 100, "r": 1000}, {"s": 10, "r": 50}),
    (
        "real_estate",
        "7010",
        {"r": 200000, "a": 10000},
        {"r": 1000, "a": 5000},
        {"r": 100, "a": 2000},
    ),
    ("property", "7020", {"s": 1000, "r": 5000}, {"s": 300, "r": 1000}, {"s": 100, "r": 500}),
    ("leasing", "7211", {"s": 300, "a": 120000}, {"s": 100, "a": 8000}, {"s": 10, "a": 100}),
    ("other", "7310", {"s": 300}, {"s": 100}, {"s": 10}),
]
KEYS = {"s": "staff", "r": "revenue", "a": "assets"}


def _run(code: str, values: dict[str, int]) -> SizeResult:
    kwargs: dict[str, Any] = {"staff": None, "revenue": None, "assets": None}
    for key, value in values.items():
        kwargs[KEYS[key]] = value if key == "s" else Decimal(value)
    return classify(code, **kwargs)


def _cases() -> list[tuple[str, str, dict[str, int], str]]:
    cases = []
    for group, code, ceiling, medium, small in TABLE:
        keys = sorted({*ceiling, *medium, *small})

        def full(base: dict[str, int], keys: list[str] = keys) -> dict[str, int]:
            # criteria not named by a tier take a huge value so they never decide
            return {k: base.get(k, 10**7) for k in keys}

        cases.append((group, code, full(ceiling), L))
        for k in ceiling:  # one criterion just under the ceiling → an SME
            below = full(ceiling) | {k: ceiling[k] - 1}
            cases.append((group, code, below, M if below[k] >= medium.get(k, 0) else S))
        cases.append((group, code, {k: medium.get(k, small.get(k, 0)) for k in keys}, M))
        for k in medium:
            at = {kk: medium.get(kk, small.get(kk, 0)) for kk in keys} | {k: medium[k] - 1}
            cases.append((group, code, at, S if at[k] >= small.get(k, 0) else XS))
        cases.append((group, code, {k: small.get(k, 0) for k in keys}, S))
        for k in small:
            at = {kk: small.get(kk, 0) for kk in keys} | {k: small[k] - 1}
            cases.append((group, code, at, XS))
    return cases


@pytest.mark.parametrize(("group", "code", "values", "expected"), _cases())
def test_size_table(group: str, code: str, values: dict[str, int], expected: str) -> None:
    assert industry_group(code).group == group
    result = _run(code, values)
    assert result.size == expected, result.basis
    assert result.group == group
    assert result.rule_version == RULE_VERSION == "工信部联企业〔2011〕300号"


def test_every_row_is_covered() -> None:
    assert len(TABLE) == 16
    assert len({row[0] for row in TABLE}) == 16


@pytest.mark.parametrize(
    ("staff", "revenue", "expected"),
    [
        (1000, Decimal("40000"), L),  # both at the ceiling
        (999, Decimal("40000"), M),  # one below the ceiling (“或”)
        (1000, Decimal("39999.99"), M),
        (300, Decimal("2000"), M),  # medium needs both (“且”)
        (300, Decimal("1999.99"), S),
        (299, Decimal("100000"), S),
        (20, Decimal("300"), S),
        (19, Decimal("100000"), XS),  # micro needs any one (“或”)
        (5000, Decimal("299.99"), XS),
        (0, Decimal("0"), XS),
    ],
)
def test_industry_boundaries_worked_examples(staff: int, revenue: Decimal, expected: str) -> None:
    assert classify("C", staff=staff, revenue=revenue, assets=None).size == expected


@pytest.mark.parametrize(
    ("code", "group"),
    [
        ("A", "agriculture"),
        ("05", "agriculture"),
        ("B", "industry"),
        ("0610", "industry"),
        ("C", "industry"),
        ("34", "industry"),
        ("D", "industry"),
        ("4411", "industry"),
        ("E", "construction"),
        ("51", "wholesale"),
        ("52", "retail"),
        ("5411", "transport"),
        ("58", "transport"),
        ("591", "transport"),  # 装卸搬运 belongs to 交通运输业
        ("5910", "transport"),
        ("592", "warehousing"),
        ("5990", "warehousing"),
        ("60", "postal"),
        ("61", "accommodation"),
        ("62", "catering"),
        ("63", "info_transmission"),
        ("64", "info_transmission"),
        ("65", "software"),
        ("701", "real_estate"),
        ("702", "property"),
        ("703", "other"),
        ("L", "leasing"),
        ("71", "leasing"),
        ("72", "leasing"),
        ("M", "other"),
        ("73", "other"),
        ("83", "other"),
        ("90", "other"),
    ],
)
def test_industry_mapping(code: str, group: str) -> None:
    assert industry_group(code).group == group


@pytest.mark.parametrize(
    "code", ["", "F", "G", "H", "I", "K", "70", "59", "53", "5320", "J", "66", "ZZ", "99"]
)
def test_unmappable_codes_give_unknown_size_with_a_reason(code: str) -> None:
    result = classify(code, staff=10, revenue=Decimal(10), assets=Decimal(10))
    assert result.size == ""
    assert result.basis


def test_basis_names_the_inputs_and_the_rule() -> None:
    result = classify("3461", staff=180, revenue=Decimal("12000"), assets=None)
    assert (
        result.basis
        == "工业：从业人员180人，营业收入12,000万元；从业人员≥20人且营业收入≥300万元为小型"
    )
    result = classify("3461", staff=10, revenue=Decimal("12000.50"), assets=None)
    assert "营业收入12,000.50万元" in result.basis
    assert "从业人员<20人或营业收入<300万元为微型" in result.basis


def test_missing_inputs_give_unknown_never_a_guess() -> None:
    result = classify("3461", staff=5, revenue=None, assets=None)
    assert result.size == ""
    assert "营业收入" in result.basis
    assert classify("4710", staff=None, revenue=Decimal(100), assets=None).size == ""
    # criteria the row does not use are not required
    assert classify("7310", staff=150, revenue=None, assets=None).size == M
    assert classify("0111", staff=None, revenue=Decimal(600), assets=None).size == M
