"""Demand numbers ``GD-440300-2026-000123``: province, region code, year, sequence.

The sequence runs per (province, year) and comes from a counter row locked with
``SELECT ... FOR UPDATE`` inside the submitting transaction, so two concurrent submissions never get
the same number (PostgreSQL row lock; SQLite serialises writers with ``BEGIN IMMEDIATE``, see
``config/settings/base.py``). A number is only consumed when the submission commits: a failed
submission rolls the counter back with it, and a committed number is never given out again (the
counter only grows; the ``number`` column is unique).

Province abbreviations: the two-letter codes of ISO 3166-2:CN (CN-GD, CN-BJ, ...), which are the
romanised letter codes listed with GB/T 2260 for the 34 provincial-level divisions, keyed by the
first two digits of the GB/T 2260 code:

====  ====  ====  ====  ====  ====  ====  ====  ====  ====  ====  ====
京 11 BJ   津 12 TJ   冀 13 HE   晋 14 SX   蒙 15 NM   辽 21 LN
吉 22 JL   黑 23 HL   沪 31 SH   苏 32 JS   浙 33 ZJ   皖 34 AH
闽 35 FJ   赣 36 JX   鲁 37 SD   豫 41 HA   鄂 42 HB   湘 43 HN
粤 44 GD   桂 45 GX   琼 46 HI   渝 50 CQ   川 51 SC   贵 52 GZ
云 53 YN   藏 54 XZ   陕 61 SN   甘 62 GS   青 63 QH   宁 64 NX
新 65 XJ   台 71 TW   港 81 HK   澳 82 MO
====  ====  ====  ====  ====  ====  ====  ====  ====  ====  ====  ====
"""

from __future__ import annotations

import re
from typing import Final

from django.db import IntegrityError, transaction

from jiangqiao.core.exceptions import BusinessError

#: GB/T 2260 province prefix → (Chinese abbreviation, letter code).
PROVINCES: Final[dict[str, tuple[str, str]]] = {
    "11": ("京", "BJ"),
    "12": ("津", "TJ"),
    "13": ("冀", "HE"),
    "14": ("晋", "SX"),
    "15": ("蒙", "NM"),
    "21": ("辽", "LN"),
    "22": ("吉", "JL"),
    "23": ("黑", "HL"),
    "31": ("沪", "SH"),
    "32": ("苏", "JS"),
    "33": ("浙", "ZJ"),
    "34": ("皖", "AH"),
    "35": ("闽", "FJ"),
    "36": ("赣", "JX"),
    "37": ("鲁", "SD"),
    "41": ("豫", "HA"),
    "42": ("鄂", "HB"),
    "43": ("湘", "HN"),
    "44": ("粤", "GD"),
    "45": ("桂", "GX"),
    "46": ("琼", "HI"),
    "50": ("渝", "CQ"),
    "51": ("川", "SC"),
    "52": ("贵", "GZ"),
    "53": ("云", "YN"),
    "54": ("藏", "XZ"),
    "61": ("陕", "SN"),
    "62": ("甘", "GS"),
    "63": ("青", "QH"),
    "64": ("宁", "NX"),
    "65": ("新", "XJ"),
    "71": ("台", "TW"),
    "81": ("港", "HK"),
    "82": ("澳", "MO"),
}

NUMBER_RE: Final = re.compile(r"^[A-Z]{2}-\d{6}-\d{4}-\d{6}$")


def province_code(region_code: str) -> str:
    """Letter code of the province of a GB/T 2260 code (``440305`` → ``GD``)."""
    entry = PROVINCES.get((region_code or "")[:2])
    if entry is None:
        raise BusinessError(f"行政区划代码“{region_code}”不属于任何省级行政区", field="region_code")
    return entry[1]


def format_number(province: str, region_code: str, year: int, sequence: int) -> str:
    return f"{province}-{region_code}-{year:04d}-{sequence:06d}"


def next_sequence(province: str, year: int) -> int:
    """Take the next sequence number of (province, year); call inside the submit transaction."""
    from .models import DemandCounter

    counter = DemandCounter.objects.select_for_update().filter(province=province, year=year).first()
    if counter is None:
        try:
            with transaction.atomic():  # savepoint: a concurrent first submission may win
                DemandCounter.objects.create(province=province, year=year, last=0)
        except IntegrityError:
            pass
        counter = DemandCounter.objects.select_for_update().get(province=province, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def allocate_number(region_code: str, year: int) -> str:
    province = province_code(region_code)
    return format_number(province, region_code, year, next_sequence(province, year))
