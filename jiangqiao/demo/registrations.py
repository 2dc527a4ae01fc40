"""Demo enterprise self-registrations (企业自助注册), through the registration services as a
registrant on a phone would (one-time code included), so 企业注册审核 is not empty:

* a new enterprise in 南山区, waiting for 南山区总工会 to verify it (it can submit already);
* a second contact of the demo contact's enterprise (already on the platform), waiting for its
  unit to confirm;
* a new enterprise in 福田区 that its unit has verified.

The code is read from the demo's own SMS interface (the demo sends no SMS). Idempotent: nothing is
made when a registration exists.
"""

from __future__ import annotations

import re
from typing import Any

from django.test import TestCase
from django.test.utils import override_settings

from jiangqiao.core.identifiers import make_uscc

#: The registrants choose their own password (the platform refuses one naming it, as the demo
#: staff accounts' Jiangqiao@2026 does).
PASSWORD = "Qiye@Zhuce2026"  # noqa: S105 — demo only, listed in README.md
CODE_IN_SMS = re.compile(r"验证码(\d{6})")


class DemoSms:
    """The demo's SMS interface: keeps the texts it is asked to send (and sends nothing)."""

    code = "sms"
    label = "短信"
    sent: list[str] = []

    def send(self, *, user: Any, address: str, title: str, body: str) -> None:
        type(self).sent.append(title)


def _register(spec: dict[str, Any], submit_key: str) -> Any:
    from jiangqiao.demands import registration

    data = registration.registration_clean(
        enterprise_name=spec["enterprise_name"],
        uscc=spec["uscc"],
        contact_name=spec["contact_name"],
        contact_title=spec["contact_title"],
        mobile=spec["mobile"],
        username=spec["username"],
        password=PASSWORD,
        consent=True,
    )
    DemoSms.sent.clear()
    # The SMS leaves when the code's row is committed; inside an enclosing transaction (the demo
    # built in a test) that is never, so the callbacks are run here, as they would be on commit.
    with (
        override_settings(JIANGQIAO_SMS_BACKEND=f"{__name__}.DemoSms"),
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        registration.registration_send_code(data=data)
    codes = [m.group(1) for text in DemoSms.sent for m in CODE_IN_SMS.finditer(text)]
    return registration.registration_submit(data=data, code=codes[-1], submit_key=submit_key)


def build(actor: Any) -> int:
    """The demo registrations; returns how many were made."""
    from jiangqiao.demands import registration
    from jiangqiao.demands.models import Enterprise, EnterpriseRegistration
    from jiangqiao.orgs.selectors import unit_for_region

    if EnterpriseRegistration.objects.exists():
        return 0
    # The demo contact's enterprise (in 南山区, always there): a colleague asks to join it.
    existing = Enterprise.objects.filter(contacts__user__username="ent_contact").first()
    specs: list[dict[str, Any]] = [
        {
            "enterprise_name": "深圳市南山区智造精密零件有限公司",
            "uscc": make_uscc("9", "1", "440305", "MA5G7K2X"),
            "contact_name": "陈晓明",
            "contact_title": "生产部经理",
            "mobile": "13902650101",
            "username": "reg_nanshan",
        },
        {
            "enterprise_name": "深圳市福田区华强电子装配有限公司",
            "uscc": make_uscc("9", "1", "440304", "MA5H3P8Q"),
            "contact_name": "林婉清",
            "contact_title": "人力资源主管",
            "mobile": "13902650103",
            "username": "reg_futian",
            "approve": True,
        },
    ]
    if existing is not None:
        specs.insert(
            1,
            {
                "enterprise_name": existing.name,
                "uscc": existing.uscc,
                "contact_name": "黄志强",
                "contact_title": "设备主管",
                "mobile": "13902650102",
                "username": "reg_contact",
            },
        )
    made = 0
    for n, spec in enumerate(specs, start=1):
        if unit_for_region(spec["uscc"][2:8]) is None:
            continue  # a partial organisation tree: no unit would receive this registration
        reg = _register(spec, submit_key=f"demo-registration-{n}")
        if spec.get("approve"):
            registration.registration_approve(actor=actor, registration=reg)
        made += 1
    return made
