"""A small world for the privacy tests: 南山 staff, two linked craftsmen of 南山, one of 天河, an
enterprise of 南山 with a contact who has a login, and a demand ready for matching."""

from __future__ import annotations

from typing import Any

from jiangqiao.accounts.models import Role
from jiangqiao.casework.tests.helpers import submitted_demand, triaged
from jiangqiao.core.testing.cases import WorldTestCase
from jiangqiao.core.testing.personas import make_user
from jiangqiao.demands import services as demand_services
from jiangqiao.demands.models import Demand
from jiangqiao.matching.tests.helpers import craftsman, enterprise
from jiangqiao.talents import services as talent_services
from jiangqiao.talents.models import Craftsman
from jiangqiao.talents.tests.helpers import id_number, mobile

EXPERTISE = "数控机床主轴异响诊断与高速电主轴动平衡"


def linked(person: Craftsman, user: Any, actor: Any) -> Craftsman:
    return talent_services.craftsman_link_user(actor=actor, craftsman=person, user=user)


class PrivacyWorld(WorldTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        w = cls.world
        craftsman_role = Role.objects.get(code="craftsman")
        contact_role = Role.objects.get(code="enterprise_contact")
        staff_role = Role.objects.get(code="union_staff")
        cls.staff = make_user("ns_staff", w.county_a1, staff_role)  # 南山 staff
        cls.other_staff = make_user("th_staff", w.county_b1, staff_role)  # 天河 staff
        cls.user_a = make_user("gj_a", w.county_a1, craftsman_role)
        cls.user_b = make_user("gj_b", w.county_a1, craftsman_role)
        cls.a = cls.person("张主轴", "主轴异响诊断", 8100, cls.user_a)
        cls.b = cls.person("李秘密", "电主轴动平衡校正", 8200, cls.user_b)
        cls.ent = enterprise(w.county_a1)
        cls.boss = make_user("qy_boss", w.county_a1, contact_role)
        cls.contact = demand_services.contact_add(
            actor=w.city_admin_a, enterprise=cls.ent, name="赵经理", user=cls.boss
        )

    @classmethod
    def person(cls, name: str, item: str, n: int, user: Any) -> Craftsman:
        """A 南山 craftsman with both consents, linked to ``user``."""
        w = cls.world
        made = craftsman(
            w.county_a1,
            w.city_admin_a,
            name=name,
            expertise=EXPERTISE,
            items=[item],
            id_number=id_number(n + 1),
            mobile=mobile(n + 2),
        )
        return linked(made, user, w.city_admin_a)

    def new_demand(self) -> Demand:
        """A demand of the enterprise, triaged, that the two craftsmen's expertise answers."""
        demand = submitted_demand(
            actor=self.boss,
            enterprise=self.ent,
            description="加工中心主轴高速运转时异响，需要数控机床主轴动平衡专家现场诊断",
        )
        return triaged(actor=self.staff, demand=demand)
