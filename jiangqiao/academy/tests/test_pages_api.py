"""Pages and API of the academy app (generic classes) and the public course menu."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from jiangqiao.academy import services
from jiangqiao.academy.models import Academy, Course, Lecturer
from jiangqiao.core.testing.cases import CrudApiTests, CrudPageTests, WorldTestCase
from jiangqiao.talents.tests.helpers import make_craftsman

from .helpers import course_data, make_academy, make_course, make_lecturer, next_no, uscc


class TestAcademyPages(CrudPageTests):
    __test__ = True
    model = Academy
    url_prefix = "academy:academy"

    def make_row(self, unit: Any, owner: Any) -> Academy:
        return make_academy(unit, owner)

    def form_data(self, unit: Any) -> dict[str, Any]:
        return {
            "org": unit.pk,
            "name": f"页面学院{next_no():04d}",
            "level": "county",
            "academy_type": "hq",
            "host_uscc": uscc(),
            "industries": ["34"],
        }

    def created_filter(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"name": data["name"]}

    def test_bad_uscc_on_the_page_names_the_field(self) -> None:
        self.login(self.world.city_admin_a)
        data = self.form_data(self.world.county_a1)
        data["host_uscc"] = "91440300MA5F00000X"
        response = self.client.post(self.url("create"), data)
        self.assertEqual(response.status_code, 400)
        self.assertIn("host_uscc", response.context["form"].errors)


class TestAcademyApi(CrudApiTests):
    __test__ = True
    model = Academy
    api_url = "/api/v1/academy/academies/"

    def make_row(self, unit: Any, owner: Any) -> Academy:
        return make_academy(unit, owner)

    def create_data(self, unit: Any) -> dict[str, Any]:
        return {
            "org": unit.pk,
            "name": f"接口学院{next_no():04d}",
            "level": "city",
            "academy_type": "hq",
            "host_uscc": uscc(),
        }

    def created_filter(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"name": data["name"]}


class TestLecturerPages(CrudPageTests):
    __test__ = True
    model = Lecturer
    url_prefix = "academy:lecturer"

    def make_row(self, unit: Any, owner: Any) -> Lecturer:
        return make_lecturer(unit, owner)

    def form_data(self, unit: Any) -> dict[str, Any]:
        academy = make_academy(unit, self.world.superuser)
        return {"academy": academy.pk, "name": f"页面专家{next_no():04d}", "title": "教授"}

    def created_filter(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"name": data["name"]}


class TestLecturerApi(CrudApiTests):
    __test__ = True
    model = Lecturer
    api_url = "/api/v1/academy/lecturers/"

    def make_row(self, unit: Any, owner: Any) -> Lecturer:
        return make_lecturer(unit, owner)

    def create_data(self, unit: Any) -> dict[str, Any]:
        academy = make_academy(unit, self.world.superuser)
        return {"academy": academy.pk, "name": f"接口专家{next_no():04d}"}

    def created_filter(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"name": data["name"]}


class TestCoursePages(CrudPageTests):
    __test__ = True
    model = Course
    url_prefix = "academy:course"

    def make_row(self, unit: Any, owner: Any) -> Course:
        return make_course(unit, owner)

    def form_data(self, unit: Any) -> dict[str, Any]:
        academy = make_academy(unit, self.world.superuser)
        data = course_data(title=f"页面课程{next_no():04d}")
        data["academy"] = academy.pk
        data["is_free"] = "on"
        return data

    def created_filter(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"title": data["title"]}


class TestCourseApi(CrudApiTests):
    __test__ = True
    model = Course
    api_url = "/api/v1/academy/courses/"

    def make_row(self, unit: Any, owner: Any) -> Course:
        return make_course(unit, owner)

    def create_data(self, unit: Any) -> dict[str, Any]:
        academy = make_academy(unit, self.world.superuser)
        return {**course_data(title=f"接口课程{next_no():04d}"), "academy": academy.pk}

    def created_filter(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"title": data["title"]}

    def test_publish_then_hours_change_is_400(self) -> None:
        course = make_course(self.world.county_a1, self.world.city_admin_a)
        client = self.api(self.world.city_admin_a)
        url = f"{self.api_url}{course.pk}/"
        self.assertEqual(client.post(f"{url}publish/").status_code, 200)
        course.refresh_from_db()
        response = client.patch(url, {"hours": "40", "version": course.version}, format="json")
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("学时", response.content.decode())
        other = make_course(self.world.county_b1, self.world.city_admin_b)
        self.assertEqual(client.post(f"{self.api_url}{other.pk}/publish/").status_code, 404)


class PublicMenuTests(WorldTestCase):
    def test_only_published_courses_and_no_personal_data(self) -> None:
        w = self.world
        craftsman = make_craftsman(w.county_a1, w.city_admin_a)
        academy = make_academy(w.city_a, w.city_admin_a)
        lecturer = services.lecturer_create(
            actor=w.city_admin_a, academy=academy, craftsman=craftsman, data={"title": "高级技师"}
        )
        published = make_course(
            w.city_a, w.city_admin_a, academy=academy, title="已发布的课程", publish=True
        )
        services.course_update(
            actor=w.city_admin_a, course=published, data={}, lecturers=[lecturer]
        )
        make_course(w.city_a, w.city_admin_a, academy=academy, title="草稿课程")
        withdrawn = make_course(
            w.city_a, w.city_admin_a, academy=academy, title="已下架课程", publish=True
        )
        services.course_withdraw(actor=w.city_admin_a, course=withdrawn)
        response = self.client.get(reverse("academy:menu"))  # no login
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn("已发布的课程", html)
        self.assertNotIn("草稿课程", html)
        self.assertNotIn("已下架课程", html)
        self.assertIn(craftsman.name, html)
        self.assertIn("高级技师", html)
        craftsman.refresh_from_db()
        self.assertNotIn(craftsman.mobile, html)
        self.assertNotIn(craftsman.id_number, html)
        self.assertNotIn(craftsman.id_number[-4:] + "<", html)
        self.assertNotIn(craftsman.employer_name, html)

    def test_filters_and_bad_parameters(self) -> None:
        w = self.world
        academy = make_academy(w.city_a, w.city_admin_a, region_code="440305")
        make_course(
            w.city_a,
            w.city_admin_a,
            academy=academy,
            title="人工智能入门",
            field="ai",
            publish=True,
        )
        make_course(
            w.city_a,
            w.city_admin_a,
            academy=academy,
            title="车工实操",
            format="online",
            publish=True,
        )
        get = lambda **p: self.client.get(reverse("academy:menu"), p).content.decode()  # noqa: E731
        self.assertIn("人工智能入门", get(field="ai"))
        self.assertNotIn("车工实操", get(field="ai"))
        self.assertIn("车工实操", get(format="online"))
        self.assertNotIn("人工智能入门", get(format="online"))
        self.assertIn("车工实操", get(region="4403"))
        self.assertNotIn("车工实操", get(region="4401"))
        # The phone filters offer names, not codes: the city of the academy (深圳市 = 440300,
        # which must not match 江门 441000's prefix logic either) and the industry division.
        page = get()
        self.assertIn('<option value="440300"', page)
        self.assertIn('<option value="34"', page)
        self.assertIn("车工实操", get(region="440300"))
        self.assertNotIn("车工实操", get(region="441000"))
        self.assertIn("车工实操", get(industry="34"))
        self.assertNotIn("车工实操", get(industry="13"))
        for bad in ({"page": "x"}, {"region": "'; drop"}, {"field": "x" * 500}, {"lecturer": "张"}):
            self.assertEqual(self.client.get(reverse("academy:menu"), bad).status_code, 200)

    def test_phone_layout_is_a_card_list(self) -> None:
        make_course(self.world.city_a, self.world.city_admin_a, publish=True)
        response = self.client.get(reverse("academy:menu"))
        self.assertContains(response, 'name="viewport"')
        self.assertContains(response, "col-12 col-md-6")


class PromotePageTests(WorldTestCase):
    def test_promote_item_page(self) -> None:
        from jiangqiao.talents import services as talent_services

        w = self.world
        craftsman = make_craftsman(w.county_a1, w.city_admin_a)
        item = talent_services.service_item_add(
            actor=w.city_admin_a,
            craftsman=craftsman,
            data={"title": "电工安全实训", "service_type": "skill_training"},
        )
        academy = make_academy(w.city_a, w.city_admin_a)
        self.login(w.city_admin_a)
        self.assertContains(self.client.get(reverse("academy:course_promote_list")), "电工安全实训")
        response = self.client.post(
            reverse("academy:course_promote", args=[item.pk]),
            {"academy": academy.pk, "field": "quality_safety", "hours": "8", "format": "practical"},
        )
        self.assertEqual(response.status_code, 302)
        self.assertTrue(Course.objects.filter(source_item=item, title="电工安全实训").exists())
        self.login(w.city_admin_b)  # another city's staff do not see the item
        self.assertEqual(
            self.client.get(reverse("academy:course_promote", args=[item.pk])).status_code, 404
        )


class AllianceStatusPageTests(WorldTestCase):
    def test_disabling_an_alliance_from_its_page_disables_it_and_logs_it(self) -> None:
        from jiangqiao.academy import services
        from jiangqiao.academy.models import Alliance
        from jiangqiao.core.models import OperationLog

        w = self.world
        alliance = services.alliance_create(
            actor=w.city_admin_a, org=w.county_a1, data={"name": "南山工匠学院联盟"}
        )
        self.login(w.city_admin_a)
        url = reverse("academy:alliance_status", args=[alliance.pk])
        self.client.post(url, {"status": "disabled"})
        alliance = Alliance.objects.get(pk=alliance.pk)
        self.assertEqual(alliance.status, "disabled")
        self.assertTrue(OperationLog.objects.filter(action__contains="停用工匠学院联盟").exists())
        self.login(w.city_admin_b)  # another city's staff: out of scope
        self.assertEqual(self.client.post(url, {"status": "active"}).status_code, 404)
        self.assertEqual(Alliance.objects.get(pk=alliance.pk).status, "disabled")

    def test_academies_and_lecturers_are_disabled_and_enabled_the_same_way(self) -> None:
        from jiangqiao.core.models import OperationLog

        w = self.world
        academy = make_academy(w.county_a1, w.city_admin_a)
        lecturer = make_lecturer(w.county_a1, w.city_admin_a, academy=academy)
        self.login(w.city_admin_a)
        for obj, name, noun in (
            (academy, "academy_status", "工匠学院"),
            (lecturer, "lecturer_status", "师资"),
        ):
            with self.subTest(name=name):
                model = type(obj)
                url = reverse(f"academy:{name}", args=[obj.pk])
                version = model.objects.get(pk=obj.pk).version
                self.client.post(url, {"status": "disabled"})
                row = model.objects.get(pk=obj.pk)
                self.assertEqual((row.status, row.version), ("disabled", version + 1))
                self.client.post(url, {"status": "disabled"})  # again: nothing changes
                self.assertEqual(model.objects.get(pk=obj.pk).version, version + 1)
                self.assertEqual(
                    OperationLog.objects.filter(action__startswith=f"停用{noun}“").count(), 1
                )
                self.client.post(url, {"status": "active"})
                self.assertEqual(model.objects.get(pk=obj.pk).status, "active")
                self.client.post(url, {"status": "bogus"})
                self.assertEqual(model.objects.get(pk=obj.pk).status, "active")
        self.login(w.city_admin_b)
        url = reverse("academy:lecturer_status", args=[lecturer.pk])
        self.assertEqual(self.client.post(url, {"status": "disabled"}).status_code, 404)
        self.assertEqual(type(lecturer).objects.get(pk=lecturer.pk).status, "active")
