"""批量导入学员 from a class page: the generic import page (template, upload, check, preview,
commit) with the class kept on the batch, so the sheet needs no 班次编号 column."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse

from jiangqiao.core.views.generic import ScopedMixin
from jiangqiao.core.views.io import ImportStartView

from .enrolment_io import CONTEXT_KEY, ENROLMENT_SPEC
from .models import TrainingClass


class ClassImportView(ScopedMixin, ImportStartView):
    """``/academy/classes/<pk>/import/``: only a class the user may change (another unit's is
    404); the import itself re-checks the class for every row."""

    model = TrainingClass
    action = "change"

    def get(self, request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:  # type: ignore[override]
        self.training_class = self.get_object()
        return super().get(request, ENROLMENT_SPEC.key)

    def post(self, request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:  # type: ignore[override]
        self.training_class = self.get_object()
        return super().post(request, ENROLMENT_SPEC.key)

    def context_decisions(self) -> dict[str, dict[str, str]]:
        return {CONTEXT_KEY: {"pk": str(self.training_class.pk)}}

    def page_title(self, spec: Any) -> str:
        tc = self.training_class
        return f"批量导入学员：{tc.title}（{tc.code}）"
