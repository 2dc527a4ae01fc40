"""Trainee satisfaction pages: the public phone page a trainee rates a class on, and the staff
page showing the class's evaluation link as a QR code (like the check-in code)."""

from __future__ import annotations

from typing import Any

import segno
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import View

from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.views.generic import ScopedMixin

from . import evaluations
from .class_views import SELF_COOKIE, _too_many
from .models import TrainingClass


class EvaluateView(View):
    """``/academy/evaluate/<class>/<token>/``: course and lecturer stars and a comment, after
    the trainee identifies (self-registration cookie, or name + last 4 of ID number/mobile)."""

    template = "academy/evaluate.html"

    def _render(
        self, request: HttpRequest, pk: int, token: str, status: int = 200, **extra: Any
    ) -> HttpResponse:
        return render(
            request, self.template, {"class_pk": pk, "token": token, **extra}, status=status
        )

    def _form(self, request: HttpRequest, tc: TrainingClass, **extra: Any) -> dict[str, Any]:
        return {
            "object": tc,
            "lecturers": evaluations.lecturers_of(tc),
            "has_key": bool(request.COOKIES.get(SELF_COOKIE.format(tc.pk))),
            "stars": range(1, 6),
            "comment_max": 500,
            **extra,
        }

    def get(self, request: HttpRequest, pk: int, token: str) -> HttpResponse:
        try:
            tc = evaluations.read_evaluation(pk, token)
        except BusinessError as exc:
            return self._render(request, pk, token, refused=exc.message, status=400)
        return self._render(request, pk, token, **self._form(request, tc, data={}))

    def post(self, request: HttpRequest, pk: int, token: str) -> HttpResponse:
        if _too_many(request, f"evaluate:{pk}"):
            return self._render(request, pk, token, refused="尝试次数过多，请稍后再试", status=429)
        try:
            tc = evaluations.read_evaluation(pk, token)
        except BusinessError as exc:
            return self._render(request, pk, token, refused=exc.message, status=400)
        given = {
            lec.pk: request.POST.get(f"lecturer_{lec.pk}", "")
            for lec in evaluations.lecturers_of(tc)
        }
        data = {k: request.POST.get(k, "") for k in ("name", "course_stars", "comment")}
        try:
            evaluation, created = evaluations.evaluation_submit(
                class_pk=pk,
                token=token,
                name=request.POST.get("name", ""),
                last4=request.POST.get("last4", ""),
                self_key=request.COOKIES.get(SELF_COOKIE.format(pk), "")
                if request.POST.get("use_key")
                else "",
                course_stars=request.POST.get("course_stars", ""),
                lecturer_stars=given,
                comment=request.POST.get("comment", ""),
            )
        except BusinessError as exc:
            context = self._form(request, tc, data=data, given=given, error=exc.message)
            return self._render(request, pk, token, status=400, **context)
        return self._render(request, pk, token, object=tc, done=evaluation, created=created)


class EvaluationQrView(ScopedMixin, View):
    """评价码: the class's public evaluation link as a QR code (staff, the class's unit)."""

    model = TrainingClass
    action = "change"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        tc = self.get_object()
        url = request.build_absolute_uri(evaluations.evaluation_url(tc))
        return render(
            request,
            "academy/evaluation_qr.html",
            {
                "object": tc,
                "title": "评价码",
                "svg": segno.make(url, error="m").svg_inline(scale=8, omitsize=True),
                "url": url,
                "open": tc.status in evaluations.RATEABLE,
            },
        )
