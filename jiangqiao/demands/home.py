"""Home-page panels of the enterprise and demand pool (collected by ``core.home.autodiscover``).

A self-registrant whose contact request waits for the union unit (企业自助注册 with a USCC already
registered) sees on his home page that it waits — the same notice as his phone form — instead of
an empty “我的需求” alone. Only his own request is read, nothing of the enterprise it names.
"""

from __future__ import annotations

from typing import Any

from jiangqiao.accounts.choices import BuiltinRole
from jiangqiao.core.home import HomePanel, register

from .selectors import enterprise_choices_for, has_pending_registration


def is_enterprise_contact(user: Any) -> bool:
    return BuiltinRole.ENTERPRISE_CONTACT in user.role_codes()


def registration_pending_context(request: Any) -> dict[str, Any] | None:
    """Shown as on the phone form: he has no enterprise yet and his request waits. (A new
    enterprise's registrant is its contact at once: his registration waits too, but he may
    already submit.)"""
    user = request.user
    waiting = not enterprise_choices_for(user=user).exists() and has_pending_registration(user)
    return {} if waiting else None


register(
    HomePanel(
        "demands.registration_pending",
        "企业注册申请",
        template="demands/home/_registration_pending.html",
        context=registration_pending_context,
        visible=is_enterprise_contact,
        weight=150,
    )
)
