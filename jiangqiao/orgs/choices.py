from __future__ import annotations

from django.db import models


class OrgLevel(models.TextChoices):
    """Levels of the union tree. 产业 is an industry union at provincial or city level."""

    NATIONAL = "national", "全国总工会"
    PROVINCE = "province", "省级工会"
    CITY = "city", "市级工会"
    INDUSTRY = "industry", "产业工会"
    COUNTY = "county", "县(区)级工会"
    GRASSROOTS = "grassroots", "基层工会"


# Which parent levels each level may hang under. A root may only be national or provincial.
ALLOWED_PARENT_LEVELS: dict[str, set[str | None]] = {
    OrgLevel.NATIONAL: {None},
    OrgLevel.PROVINCE: {None, OrgLevel.NATIONAL},
    OrgLevel.CITY: {OrgLevel.PROVINCE},
    OrgLevel.INDUSTRY: {OrgLevel.NATIONAL, OrgLevel.PROVINCE, OrgLevel.CITY},
    # 省直管县 hangs directly under the province.
    OrgLevel.COUNTY: {OrgLevel.PROVINCE, OrgLevel.CITY},
    OrgLevel.GRASSROOTS: {
        OrgLevel.PROVINCE,
        OrgLevel.CITY,
        OrgLevel.INDUSTRY,
        OrgLevel.COUNTY,
    },
}

# Rank used to sort and to compare "upper" and "lower"; 产业 sits beside 市.
LEVEL_RANK = {
    OrgLevel.NATIONAL: 0,
    OrgLevel.PROVINCE: 1,
    OrgLevel.CITY: 2,
    OrgLevel.INDUSTRY: 2,
    OrgLevel.COUNTY: 3,
    OrgLevel.GRASSROOTS: 4,
}

LEVEL_COLORS: dict[str, str] = {
    OrgLevel.NATIONAL: "red",
    OrgLevel.PROVINCE: "orange",
    OrgLevel.CITY: "blue",
    OrgLevel.INDUSTRY: "purple",
    OrgLevel.COUNTY: "cyan",
    OrgLevel.GRASSROOTS: "green",
}
