"""A parent organisation outside the user's data scope is plain text, never a link to a 404."""

from __future__ import annotations

from django.urls import reverse

from jiangqiao.core.testing.cases import WorldTestCase


class ParentLinkTests(WorldTestCase):
    def test_county_clerk_sees_the_city_as_text_on_the_detail_page(self) -> None:
        w = self.world
        self.login(w.county_operator)  # 南山区总工会, scope: own unit only
        html = self.client.get(w.county_a1.get_absolute_url()).content.decode()
        assert "深圳市总工会" in html
        assert f'href="{w.city_a.get_absolute_url()}"' not in html
        assert f'href="{w.province.get_absolute_url()}"' not in html
        # And the page it would have linked to really is out of scope.
        assert self.client.get(w.city_a.get_absolute_url()).status_code == 404

    def test_county_clerk_sees_the_city_as_text_in_the_list(self) -> None:
        w = self.world
        self.login(w.county_operator)
        html = self.client.get(reverse("orgs:organization_list")).content.decode()
        assert "深圳市总工会" in html
        assert f'href="{w.city_a.get_absolute_url()}"' not in html

    def test_city_admin_gets_links_inside_the_scope(self) -> None:
        w = self.world
        self.login(w.city_admin_a)  # 深圳市总工会 and below
        html = self.client.get(w.county_a1.get_absolute_url()).content.decode()
        assert f'href="{w.city_a.get_absolute_url()}"' in html
        # The province, above the scope, stays text (in the field and the breadcrumb).
        assert f'href="{w.province.get_absolute_url()}"' not in html
        html = self.client.get(reverse("orgs:organization_list")).content.decode()
        assert f'<a href="{w.city_a.get_absolute_url()}">深圳市总工会</a>' in html
        assert f'href="{w.province.get_absolute_url()}"' not in html
