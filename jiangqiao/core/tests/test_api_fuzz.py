"""A bounded schemathesis run over the whole OpenAPI schema: no request may answer 5xx.

Every operation gets ``FUZZ_EXAMPLES`` generated requests (valid and invalid bodies, parameters,
ids), sent in-process through the WSGI app as a scoped city-level user and as a superuser.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error

FUZZ_EXAMPLES = int(os.environ.get("JIANGQIAO_FUZZ_EXAMPLES", "15"))

schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
schema.app = get_wsgi_application()


@pytest.fixture
def tokens(world):
    return {
        "city": Token.objects.create(user=world.city_admin_a).key,
        "super": Token.objects.create(user=world.superuser).key,
    }


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors(case, tokens):
    for key in tokens.values():
        case.call_and_validate(
            headers={"Authorization": f"Token {key}"}, checks=[not_a_server_error]
        )
