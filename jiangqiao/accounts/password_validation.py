"""Password complexity (等保 身份鉴别: complexity, periodic change)."""

from __future__ import annotations

import string
from typing import Any

from django.core.exceptions import ValidationError

CLASS_NAMES = ("大写字母", "小写字母", "数字", "特殊字符")


def character_classes(password: str) -> int:
    classes = [
        any(c in string.ascii_uppercase for c in password),
        any(c in string.ascii_lowercase for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() for c in password),
    ]
    return sum(classes)


class CharacterClassValidator:
    """Require at least ``min_classes`` of: upper case, lower case, digits, special characters."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        if character_classes(password) < self.min_classes:
            raise ValidationError(
                "密码须包含大写字母、小写字母、数字、特殊字符中的至少 %(n)d 类。",
                code="password_too_simple",
                params={"n": self.min_classes},
            )

    def get_help_text(self) -> str:
        return f"密码须包含大写字母、小写字母、数字、特殊字符中的至少 {self.min_classes} 类。"


# Words every guesser tries first against this platform: its name, the union, the campaign, the
# province, roles. zxcvbn treats them like the account's own data.
PLATFORM_WORDS = (
    "jiangqiao",
    "jq",
    "gonghui",
    "zonggonghui",
    "laomo",
    "gongjiang",
    "laomogongjiang",
    "zhuqixing",
    "guangdong",
    "admin",
    "administrator",
    "sysadmin",
    "secadmin",
    "auditor",
    "root",
    "union",
)

_PATTERN_LABELS = {
    "spatial": "键盘上相邻的按键",
    "sequence": "连续的字母或数字",
    "repeat": "重复的字符",
    "date": "日期",
}


def _weakness(result: dict[str, Any]) -> str:
    """A Chinese explanation of what made zxcvbn guess the password quickly."""
    reasons: list[str] = []
    for match in result.get("sequence", []):
        pattern = match.get("pattern")
        if pattern == "dictionary":
            name = match.get("dictionary_name")
            if name == "user_inputs":
                reason = "含有登录账号、姓名或本平台名称"
            elif name == "passwords":
                reason = "是常见密码或其变形"
            else:
                reason = "含有常见单词或姓名"
            if match.get("l33t"):
                reason += "（把字母换成 @、0、1 之类的符号并不能增加强度）"
        elif pattern == "regex" and match.get("regex_name") == "recent_year":
            reason = "含有年份"
        elif pattern in _PATTERN_LABELS:
            reason = f"含有{_PATTERN_LABELS[pattern]}"
        else:
            continue
        if reason not in reasons:
            reasons.append(reason)
    return "、".join(reasons)


def user_inputs(user: Any) -> list[str]:
    values = [*PLATFORM_WORDS]
    if user is not None:
        for attr in ("username", "real_name", "email"):
            value = str(getattr(user, attr, "") or "")
            if value:
                values.append(value)
                if attr == "email":
                    values.append(value.split("@", 1)[0])
    return values


class GuessabilityValidator:
    """Refuse passwords a guesser finds quickly (zxcvbn): common passwords and their 'leet'
    variants (Passw0rd!, Admin@123), keyboard runs, years, and the account's or the platform's own
    words (Jiangqiao@2026). ``min_score`` is zxcvbn's 0–4 scale; 3 means ≥ 10⁸ guesses."""

    def __init__(self, min_score: int = 3) -> None:
        self.min_score = min_score

    def validate(self, password: str, user: Any = None) -> None:
        from zxcvbn import zxcvbn

        # zxcvbn's cost grows with length; 64 characters is already far beyond any guesser.
        result = zxcvbn(password[:64], user_inputs=user_inputs(user))
        if result["score"] < self.min_score:
            why = _weakness(result)
            raise ValidationError(
                "密码太容易被猜到" + (f"：{why}" if why else "") + "。请换用更长、无规律的密码。",
                code="password_too_guessable",
            )

    def get_help_text(self) -> str:
        return "不能使用常见密码及其变形、键盘顺序、年份、登录账号或姓名、本平台名称。"


class UsernameInPasswordValidator:
    """The password may not contain the login name (any case)."""

    def validate(self, password: str, user: Any = None) -> None:
        username = str(getattr(user, "username", "") or "").lower()
        if len(username) >= 3 and username in password.lower():
            raise ValidationError("密码不能包含登录账号", code="password_contains_username")

    def get_help_text(self) -> str:
        return "不能包含登录账号。"


class PasswordHistoryValidator:
    """The new password may not be one of the last ``count`` passwords of the account."""

    def __init__(self, count: int = 5) -> None:
        self.count = count

    def validate(self, password: str, user: Any = None) -> None:
        from django.contrib.auth.hashers import check_password

        if user is None or not getattr(user, "pk", None):
            return
        from .models import PasswordHistory

        # The history holds the current password too (kept when it was set); an account from
        # before the history existed still has its current hash checked.
        encoded = list(
            PasswordHistory.objects.filter(user=user)
            .order_by("-created_at", "-pk")
            .values_list("password", flat=True)[: self.count]
        )
        if user.password and user.password not in encoded:
            encoded.append(user.password)
        for stored in encoded:
            if stored and check_password(password, stored):
                raise ValidationError(
                    "不能与最近 %(n)d 次使用过的密码相同",
                    code="password_reused",
                    params={"n": self.count},
                )

    def password_changed(self, password: str, user: Any = None) -> None:
        """Keep the new password's hash; older entries beyond ``count`` are dropped."""
        if user is None or not getattr(user, "pk", None) or not user.password:
            return
        from .models import PasswordHistory

        PasswordHistory.objects.create(user=user, password=user.password)
        keep = list(
            PasswordHistory.objects.filter(user=user)
            .order_by("-created_at", "-pk")
            .values_list("pk", flat=True)[: self.count]
        )
        PasswordHistory.objects.filter(user=user).exclude(pk__in=keep).delete()

    def get_help_text(self) -> str:
        return f"不能与最近 {self.count} 次使用过的密码相同。"
