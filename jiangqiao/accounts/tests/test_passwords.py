"""Password quality (issue 12 item 8): common passwords and their variants, the login name, reuse."""

from __future__ import annotations

import pytest

from jiangqiao.accounts import services
from jiangqiao.accounts.models import PasswordHistory, User
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.testing.personas import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("weak", "reason"),
    [
        ("Passw0rd!", "常见密码"),
        ("Admin@123", "本平台名称"),
        ("Jiangqiao@2026", "本平台名称"),
        ("Qwerty@2026", "常见密码"),
        ("Guangdong#2026", "本平台名称"),
    ],
)
def test_common_passwords_and_their_variants_are_refused(world, weak, reason):
    user = world.city_admin_a
    with pytest.raises(BusinessError) as exc:
        services.password_change(user=user, old_password=PASSWORD, new_password=weak)
    assert exc.value.field == "password"
    assert "太容易被猜到" in exc.value.message and reason in exc.value.message
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)


def test_a_password_containing_the_login_name_is_refused(world):
    user = world.city_admin_b  # username city_admin_b
    with pytest.raises(BusinessError, match="不能包含登录账号"):
        services.password_change(
            user=user, old_password=PASSWORD, new_password="Zq#CITY_ADMIN_B-7yw"
        )


def test_the_last_five_passwords_cannot_be_reused(world):
    user = world.county_operator
    used = [f"Vt{n}#kqmZ-{n * 37}xw" for n in range(6)]
    current = PASSWORD
    for new in used:
        services.password_change(user=user, old_password=current, new_password=new)
        current = new
    assert PasswordHistory.objects.filter(user=user).count() == 5
    for recent in used[1:5]:
        with pytest.raises(BusinessError, match="最近 5 次"):
            services.password_change(user=user, old_password=current, new_password=recent)
    # The oldest of the six fell out of the history: it may be used again.
    services.password_change(user=user, old_password=current, new_password=used[0])


def test_the_change_password_page_explains_the_refusal(client, world):
    client.force_login(world.city_admin_a)
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "Admin@123", "new_password2": "Admin@123"},
    )
    assert response.status_code == 400
    assert "太容易被猜到" in response.content.decode()


def test_generated_initial_passwords_pass_the_policy(world):
    from django.contrib.auth.password_validation import validate_password

    for _ in range(20):
        validate_password(services.generate_initial_password(), world.city_admin_a)
