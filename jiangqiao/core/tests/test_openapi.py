"""The OpenAPI schema is generated without warnings (enum name collisions, unresolvable fields)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_the_schema_validates_without_warnings() -> None:
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    assert "openapi:" in out.getvalue()


@pytest.mark.django_db
def test_the_schema_and_its_docs_need_a_signed_in_user(client, django_user_model) -> None:
    from django.urls import reverse

    anonymous = client.get("/api/schema/", {"format": "json"})
    assert anonymous.status_code in (401, 403)
    docs = client.get("/api/docs/")
    assert docs.status_code == 302 and reverse("accounts:login") in docs["Location"]

    user = django_user_model.objects.create_user(
        username="reader", password="x" * 16, must_change_password=False
    )
    client.force_login(user)
    schema = client.get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200 and "/api/v1/casework/sessions/" in schema.json()["paths"]
    assert client.get("/api/docs/").status_code == 200


@pytest.mark.django_db
def test_the_docs_page_sends_a_user_who_must_change_the_password_to_that_page(
    client, django_user_model
) -> None:
    from django.urls import reverse

    user = django_user_model.objects.create_user(username="fresh", password="x" * 16)
    assert user.must_change_password
    client.force_login(user)
    response = client.get("/api/docs/")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_change")
    assert client.get("/api/v1/casework/sessions/").status_code == 403  # API clients get JSON
