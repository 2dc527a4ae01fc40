"""Service rules of the academy app: good input, bad input and other people's data."""

from __future__ import annotations

from decimal import Decimal

from jiangqiao.academy import services
from jiangqiao.academy.models import Academy, Course, CourseVersion, Lecturer
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.models import ChangeLog
from jiangqiao.core.scope import ScopeViolation
from jiangqiao.core.testing.cases import WorldTestCase
from jiangqiao.talents import services as talent_services
from jiangqiao.talents.tests.helpers import make_craftsman

from .helpers import course_data, make_academy, make_course, make_lecturer, uscc


class AcademyServiceTests(WorldTestCase):
    def test_hq_branch_and_base_form_a_tree(self) -> None:
        w = self.world
        hq = make_academy(w.city_a, w.city_admin_a, name="深圳市工匠学院")
        branch = make_academy(
            w.county_a1, w.city_admin_a, name="南山分院", academy_type="branch", parent=hq
        )
        base = make_academy(
            w.county_a1,
            w.city_admin_a,
            name="数控实训基地",
            academy_type="training_base",
            parent=branch,
            level="enterprise",
        )
        self.assertEqual(base.parent, branch)
        self.assertEqual(list(hq.children.all()), [branch])
        self.assertTrue(ChangeLog.objects.filter(object_id=str(hq.pk), action="create").exists())

    def test_bad_uscc_is_refused_with_the_field_named(self) -> None:
        w = self.world
        good = uscc()
        bad = good[:-1] + ("0" if good[-1] != "0" else "1")
        with self.assertRaises(BusinessError) as ctx:
            make_academy(w.city_a, w.city_admin_a, host_uscc=bad)
        self.assertEqual(ctx.exception.field, "host_uscc")
        self.assertIn("统一社会信用代码", ctx.exception.message)
        self.assertFalse(Academy.objects.filter(host_uscc=bad).exists())

    def test_bad_industry_region_and_date(self) -> None:
        w = self.world
        with self.assertRaises(BusinessError) as ctx:
            make_academy(w.city_a, w.city_admin_a, industries=["Z99"])
        self.assertEqual(ctx.exception.field, "industries")
        with self.assertRaises(BusinessError) as ctx:
            make_academy(w.city_a, w.city_admin_a, region_code="449999")
        self.assertEqual(ctx.exception.field, "region_code")

    def test_parent_rules(self) -> None:
        w = self.world
        hq = make_academy(w.city_a, w.city_admin_a)
        base = make_academy(w.city_a, w.city_admin_a, academy_type="training_base", parent=hq)
        with self.assertRaises(BusinessError) as ctx:  # nothing sits under a training base
            make_academy(w.city_a, w.city_admin_a, academy_type="branch", parent=base)
        self.assertEqual(ctx.exception.field, "parent")
        with self.assertRaises(BusinessError):  # no cycle
            services.academy_update(actor=w.city_admin_a, academy=hq, data={"parent": hq})
        other = make_academy(w.city_b, w.city_admin_b)
        with self.assertRaises(BusinessError) as ctx:  # parent out of scope
            make_academy(w.city_a, w.city_admin_a, academy_type="branch", parent=other)
        self.assertIn("不在您的数据范围内", ctx.exception.message)
        self.assertNotIn(other.name, ctx.exception.message)

    def test_out_of_scope_create_and_update_are_refused(self) -> None:
        w = self.world
        with self.assertRaises(ScopeViolation):
            make_academy(w.city_b, w.city_admin_a)
        other = make_academy(w.city_b, w.city_admin_b)
        with self.assertRaises(ScopeViolation):
            services.academy_update(actor=w.city_admin_a, academy=other, data={"name": "改名"})

    def test_subsidy_and_flags(self) -> None:
        w = self.world
        academy = make_academy(w.province, w.province_admin, level="province", is_provincial=True)
        subsidy = services.subsidy_add(
            actor=w.province_admin,
            academy=academy,
            data={"year": 2025, "amount": "1000000", "source": "省总工会一次性补助"},
        )
        self.assertEqual(subsidy.amount, Decimal("1000000"))
        for bad in ({"amount": "-1"}, {"amount": "abc"}, {"source": ""}, {"year": 2999}):
            data = {"year": 2025, "amount": "10", "source": "市总", **bad}
            with self.subTest(bad=bad), self.assertRaises((BusinessError, Exception)):
                services.subsidy_add(actor=w.province_admin, academy=academy, data=data)
        self.assertEqual(academy.subsidies.count(), 1)

    def test_alliance_membership(self) -> None:
        w = self.world
        alliance = services.alliance_create(
            actor=w.province_admin, org=w.province, data={"name": "广东工匠学院联盟"}
        )
        a = make_academy(w.city_a, w.city_admin_a)
        services.alliance_add_member(actor=w.province_admin, alliance=alliance, academy=a)
        a.refresh_from_db()
        self.assertEqual(a.alliance, alliance)
        with self.assertRaises(BusinessError):
            services.alliance_add_member(actor=w.province_admin, alliance=alliance, academy=a)
        with self.assertRaises(ScopeViolation):  # a city may not change the province's alliance
            services.alliance_remove_member(actor=w.city_admin_a, alliance=alliance, academy=a)


class LecturerServiceTests(WorldTestCase):
    def test_craftsman_lecturer_is_one_record_no_copy(self) -> None:
        w = self.world
        craftsman = make_craftsman(w.county_a1, w.city_admin_a)
        academy = make_academy(w.city_a, w.city_admin_a)
        lecturer = services.lecturer_create(
            actor=w.city_admin_a,
            academy=academy,
            craftsman=craftsman,
            data={"name": "不会被复制", "title": "高级技师", "course_fields": ["ai"]},
        )
        self.assertEqual(lecturer.kind, "craftsman")
        self.assertEqual(lecturer.name, "")
        self.assertEqual(lecturer.display_name, craftsman.name)
        self.assertEqual(lecturer.org_id, academy.org_id)
        with self.assertRaises(BusinessError) as ctx:
            services.lecturer_create(
                actor=w.city_admin_a, academy=academy, craftsman=craftsman, data={}
            )
        self.assertEqual(ctx.exception.field, "craftsman")

    def test_external_expert_needs_a_name_and_valid_fields(self) -> None:
        w = self.world
        academy = make_academy(w.city_a, w.city_admin_a)
        with self.assertRaises(BusinessError) as ctx:
            services.lecturer_create(actor=w.city_admin_a, academy=academy, data={"name": ""})
        self.assertEqual(ctx.exception.field, "name")
        with self.assertRaises(BusinessError) as ctx:
            services.lecturer_create(
                actor=w.city_admin_a,
                academy=academy,
                data={"name": "张教授", "course_fields": ["no_such_field"]},
            )
        self.assertEqual(ctx.exception.field, "course_fields")

    def test_craftsman_out_of_scope_is_refused(self) -> None:
        w = self.world
        craftsman = make_craftsman(w.county_b1, w.city_admin_b)
        academy = make_academy(w.city_a, w.city_admin_a)
        with self.assertRaises(BusinessError) as ctx:
            services.lecturer_create(
                actor=w.city_admin_a, academy=academy, craftsman=craftsman, data={}
            )
        self.assertNotIn(craftsman.name, ctx.exception.message)

    def test_appointment_letters(self) -> None:
        w = self.world
        lecturer = make_lecturer(w.city_a, w.city_admin_a)
        import datetime as dt

        services.appointment_add(
            actor=w.city_admin_a,
            lecturer=lecturer,
            data={
                "letter_no": "SZGJ-2026-001",
                "valid_from": dt.date(2026, 1, 1),
                "valid_to": dt.date(2028, 12, 31),
            },
        )
        with self.assertRaises(BusinessError) as ctx:
            services.appointment_add(
                actor=w.city_admin_a,
                lecturer=lecturer,
                data={
                    "letter_no": "SZGJ-2026-001",
                    "valid_from": dt.date(2026, 1, 1),
                    "valid_to": dt.date(2027, 1, 1),
                },
            )
        self.assertEqual(ctx.exception.field, "letter_no")
        with self.assertRaises(BusinessError) as ctx:
            services.appointment_add(
                actor=w.city_admin_a,
                lecturer=lecturer,
                data={
                    "letter_no": "SZGJ-2026-002",
                    "valid_from": dt.date(2026, 1, 1),
                    "valid_to": dt.date(2025, 1, 1),
                },
            )
        self.assertEqual(ctx.exception.field, "valid_to")
        self.assertEqual(lecturer.appointments.count(), 1)


class CourseServiceTests(WorldTestCase):
    def test_publish_locks_hours_and_versions_every_change(self) -> None:
        w = self.world
        course = make_course(w.city_a, w.city_admin_a)
        self.assertEqual(course.status, "draft")
        services.course_update(actor=w.city_admin_a, course=course, data={"hours": "24"})
        course = services.course_publish(actor=w.city_admin_a, course=course)
        self.assertEqual(course.edition, 1)
        self.assertEqual(CourseVersion.objects.get(course=course).snapshot["hours"], "24.0")
        with self.assertRaises(BusinessError) as ctx:
            services.course_update(actor=w.city_admin_a, course=course, data={"hours": "32"})
        self.assertEqual(ctx.exception.field, "hours")
        course.refresh_from_db()
        self.assertEqual(course.hours, Decimal("24"))
        services.course_update(
            actor=w.city_admin_a, course=course, data={"title": "数控机床故障诊断（第二版）"}
        )
        self.assertEqual(course.versions.count(), 2)
        course = services.course_withdraw(actor=w.city_admin_a, course=course)
        with self.assertRaises(BusinessError):  # still locked after withdrawal
            services.course_update(actor=w.city_admin_a, course=course, data={"hours": "8"})

    def test_bad_course_input(self) -> None:
        w = self.world
        academy = make_academy(w.city_a, w.city_admin_a)
        cases = {
            "field": {"field": "nonsense"},
            "hours": {"hours": "abc"},
            "price": {"is_free": False, "price": None},
            "occupation": {"occupation": "9-99-99-99"},
            "code": {"code": ""},
        }
        for field, bad in cases.items():
            with self.subTest(field=field), self.assertRaises(BusinessError) as ctx:
                services.course_create(
                    actor=w.city_admin_a, academy=academy, data=course_data(**bad)
                )
            self.assertEqual(ctx.exception.field, field)
        make_course(w.city_a, w.city_admin_a, academy=academy, code="DUP1")
        with self.assertRaises(BusinessError) as ctx:
            make_course(w.city_a, w.city_admin_a, academy=academy, code="dup1")
        self.assertEqual(ctx.exception.field, "code")

    def test_lecturers_own_or_shared_in_the_alliance(self) -> None:
        w = self.world
        alliance = services.alliance_create(
            actor=w.province_admin, org=w.province, data={"name": "联盟"}
        )
        a = make_academy(w.city_a, w.city_admin_a)
        b = make_academy(w.city_b, w.city_admin_b)
        for academy in (a, b):
            services.alliance_add_member(actor=w.province_admin, alliance=alliance, academy=academy)
        a.refresh_from_db()
        b_private = make_lecturer(w.city_b, w.city_admin_b, academy=b)
        b_shared = make_lecturer(w.city_b, w.city_admin_b, academy=b, shared=True)
        course = make_course(w.city_a, w.city_admin_a, academy=a)
        services.course_update(actor=w.city_admin_a, course=course, data={}, lecturers=[b_shared])
        self.assertEqual(list(course.lecturers.all()), [b_shared])
        with self.assertRaises(BusinessError) as ctx:
            services.course_update(
                actor=w.city_admin_a, course=course, data={}, lecturers=[b_private]
            )
        self.assertEqual(ctx.exception.field, "lecturers")

    def test_publish_needs_the_permission(self) -> None:
        from django.contrib.auth.models import Group, Permission

        from jiangqiao.accounts.models import Role
        from jiangqiao.core.testing.personas import make_user

        w = self.world
        course = make_course(w.city_a, w.city_admin_a)
        group = Group.objects.create(name="role:course_clerk")
        group.permissions.set(
            Permission.objects.filter(
                content_type__app_label="academy", codename__in=["view_course", "change_course"]
            )
        )
        role = Role.objects.create(
            group=group, code="course_clerk", name="课程录入", data_scope="org_and_below"
        )
        clerk = make_user("course_clerk", w.city_a, role)
        with self.assertRaises(BusinessError):
            services.course_publish(actor=clerk, course=course)

    def test_service_item_becomes_a_course_in_one_step(self) -> None:
        w = self.world
        craftsman = make_craftsman(w.county_a1, w.city_admin_a)
        item = talent_services.service_item_add(
            actor=w.city_admin_a,
            craftsman=craftsman,
            data={
                "title": "五轴加工中心编程实训",
                "description": "面向一线数控操作工的编程与操作实训。",
                "service_type": "skill_training",
                "industries": ["3421"],
            },
        )
        academy = make_academy(w.city_a, w.city_admin_a)
        course = services.course_from_item(
            actor=w.city_admin_a, academy=academy, item=item, data={"field": "precision_machining"}
        )
        self.assertEqual(course.title, "五轴加工中心编程实训")
        self.assertEqual(course.industries, ["3421"])
        self.assertEqual(course.source_item, item)
        lecturer = course.lecturers.get()
        self.assertEqual(lecturer.craftsman, craftsman)
        with self.assertRaises(BusinessError):  # not twice
            services.course_from_item(
                actor=w.city_admin_a, academy=academy, item=item, data={"field": "ai"}
            )
        other = talent_services.service_item_add(
            actor=w.city_admin_a,
            craftsman=craftsman,
            data={"title": "设备诊断", "service_type": "tech_service"},
        )
        with self.assertRaises(BusinessError) as ctx:
            services.course_from_item(
                actor=w.city_admin_a, academy=academy, item=other, data={"field": "ai"}
            )
        self.assertEqual(ctx.exception.field, "item")
        self.assertEqual(Lecturer.objects.filter(craftsman=craftsman).count(), 1)
        self.assertEqual(Course.objects.filter(academy=academy).count(), 1)
