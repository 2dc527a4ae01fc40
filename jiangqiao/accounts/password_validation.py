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
