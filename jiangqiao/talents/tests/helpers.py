"""Test data for the talents app: valid identifiers and craftsmen/teams made through services."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from jiangqiao.core.identifiers import make_id_number, make_uscc
from jiangqiao.talents import services
from jiangqiao.talents.choices import team_level_for_org
from jiangqiao.talents.models import Craftsman, ServiceTeam

_seq = itertools.count(1)


def next_no() -> int:
    return next(_seq)


def id_number(n: int | None = None) -> str:
    n = next_no() if n is None else n
    # Birth dates cycle through 1970-2009 (37 is prime to 14600: unique for the first 14600 n);
    # an unbounded n * 37 reached a birth date after today once a run had made ~560 craftsmen.
    born = dt.date(1970, 1, 1) + dt.timedelta(days=(n * 37) % 14600)
    return make_id_number("440305", born, n % 1000)


def mobile(n: int | None = None) -> str:
    n = next_no() if n is None else n
    return f"139{n:08d}"


def uscc(n: int | None = None) -> str:
    n = next_no() if n is None else n
    return make_uscc("9", "1", "440300", f"{n:08d}")


def craftsman_data(**extra: Any) -> dict[str, Any]:
    n = next_no()
    data: dict[str, Any] = {
        "name": f"工匠{n:04d}号",
        "gender": "male",
        "birth_year": 1980,
        "id_number": id_number(n),
        "mobile": mobile(n),
        "employer_name": f"深圳精密制造{n}厂",
        "industries": ["3411"],
        "occupations": ["6-28-01-01"],
        "regions_served": ["440305"],
        "service_modes": ["onsite"],
        "skill_level": "technician",
        "expertise": "数控机床故障诊断",
    }
    data.update(extra)
    return data


#: The separate consents a registered craftsman of the tests has given (matching needs the first,
#: an invitation the second); pass ``consents=()`` for one who has given none.
ALL_CONSENTS = ("profile_publication", "contact_sharing")


def make_craftsman(
    unit: Any, owner: Any, *, consents: Any = ALL_CONSENTS, **extra: Any
) -> Craftsman:
    return services.craftsman_create(
        actor=owner, org=unit, data=craftsman_data(**extra), consents=consents
    )


def make_team(unit: Any, owner: Any, **extra: Any) -> ServiceTeam:
    level = team_level_for_org(unit.level)
    data = {"name": f"服务队{next_no():04d}号", "level": level, **extra}
    return services.team_create(actor=owner, org=unit, data=data)
