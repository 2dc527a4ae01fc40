"""The role editor: permissions grouped by module with business names, internal tables hidden;
自定义组织 picked from the org tree (a name-search picker, not a ctrl-click list)."""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.urls import reverse

from jiangqiao.accounts.forms import INTERNAL_MODELS, RoleForm, permission_choices
from jiangqiao.accounts.models import Role
from jiangqiao.core.testing.cases import WorldTestCase
from jiangqiao.core.testing.personas import admin_user


class RoleEditorTests(WorldTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.security = admin_user("sec_admin", cls.world.province, "security_admin")

    def test_internal_tables_are_not_offered(self) -> None:
        offered = {(p.content_type.app_label, p.content_type.model) for p in permission_choices()}
        for app_label, models in INTERNAL_MODELS.items():
            for model in models:
                self.assertNotIn((app_label, model), offered)
        self.login(self.security)
        html = self.client.get(reverse("accounts:role_create")).content.decode()
        for word in ("需求编号计数器", "需求向量", "劳模工匠向量", "需求代码", "历史密码"):
            self.assertNotIn(word, html)

    def test_permissions_grouped_by_module_with_action_columns(self) -> None:
        self.login(self.security)
        html = self.client.get(reverse("accounts:role_create")).content.decode()
        self.assertIn("data-permission-matrix", html)
        for module in ("企业需求库", "劳模工匠人才资源库", "供需匹配", "服务办理"):
            self.assertIn(module, html)
        for action in ("查看", "新增", "修改", "删除"):
            self.assertIn(f">{action}</th>", html)
        self.assertIn(">需求</th>", html)
        self.assertIn(">劳模工匠</th>", html)
        # no flat wall of "新增需求…" labels as the only text: names are in rows, actions in columns
        self.assertNotIn('multi-checkbox"><div', html.replace(" ", ""))

    def test_custom_orgs_is_a_tree_picker(self) -> None:
        self.login(self.security)
        html = self.client.get(reverse("accounts:role_create")).content.decode()
        self.assertNotIn('<select name="custom_orgs"', html)
        self.assertIn('data-kind="organization"', html)
        self.assertIn("data-multiple", html)

    def test_saving_keeps_hidden_permissions_and_three_duties_rules(self) -> None:
        role = Role.objects.get(code="test_org_and_below")
        hidden = Permission.objects.get(
            content_type__app_label="demands", codename="view_demandcounter"
        )
        role.group.permissions.add(hidden)
        shown = permission_choices().filter(codename="view_demand").first()
        assert shown is not None
        form = RoleForm(
            data={
                "name": role.name,
                "data_scope": role.data_scope,
                "sort": 0,
                "permissions": [shown.pk],
                "custom_orgs": [],
            },
            instance=role,
            user=self.security,
        )
        self.assertTrue(form.is_valid(), form.errors)
        perms = {p.codename for p in form.cleaned_data["permissions"]}
        self.assertIn("view_demandcounter", perms)
        self.assertIn("view_demand", perms)

    def test_custom_orgs_by_name(self) -> None:
        form = RoleForm(
            data={
                "code": "custom_x",
                "name": "自定义",
                "data_scope": "custom",
                "sort": 0,
                "custom_orgs__text": "南山区总工会",
            },
            user=self.security,
        )
        self.assertTrue(form.is_valid(), form.errors)
        self.assertEqual(list(form.cleaned_data["custom_orgs"]), [self.world.county_a1])
