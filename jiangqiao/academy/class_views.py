"""Pages of classes: the class page (staff, scoped), a session's 签到码 (QR) page, the printable
certificate, and three public phone pages: self-registration by link, the QR check-in and the
certificate verification by number."""

from __future__ import annotations

from typing import Any

import segno
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.sensitive import mask
from jiangqiao.core.views.generic import ObjectDetailView, ScopedMixin

from . import certificate_pdf, classes
from .choices import CLASS_STATUS_COLORS
from .models import Certificate, ClassSession, Enrolment, TrainingClass

SELF_COOKIE = "jq_trainee_{}"
#: Public look-ups per client address and window (verification and check-in attempts).
PUBLIC_LIMIT, PUBLIC_WINDOW = 30, 600


def _client(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


def _too_many(request: HttpRequest, what: str) -> bool:
    key = f"academy:{what}:{_client(request)}"
    count = cache.get(key, 0) + 1
    cache.set(key, count, PUBLIC_WINDOW)
    return bool(count > PUBLIC_LIMIT)


def masked_name(name: str) -> str:
    return name[:1] + "*" * max(1, len(name) - 1)


class ClassDetailView(ObjectDetailView):
    model = TrainingClass
    template_name = "academy/class_detail.html"

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("academy", "course", "org")

    def get_extra_context(self, obj: TrainingClass) -> dict[str, Any]:
        rows = []
        for e in obj.enrolments.select_related("trainee", "certificate").order_by(
            "queued_at", "pk"
        ):
            t = e.trainee
            rows.append(
                {
                    "enrolment": e,
                    "name": t.name,
                    "id_number": mask("id_number", t.id_number),
                    "mobile": mask("mobile", t.mobile),
                    "employer": t.employer_display,
                    "hours": classes.hours_for(e)["total"],
                    "certificate": getattr(e, "certificate", None),
                }
            )
        return {
            "sessions": obj.sessions.all(),
            "rows": rows,
            "status_color": CLASS_STATUS_COLORS.get(obj.status, "secondary"),
            "signup_url": self.request.build_absolute_uri(
                reverse("academy:signup", args=[obj.signup_token])
            ),
        }


class SessionQrView(ScopedMixin, View):
    """签到码: a QR code of a signed, expiring check-in URL; the page renews it every minute."""

    model = TrainingClass
    action = "change"

    def get(self, request: HttpRequest, pk: int, session_pk: int) -> HttpResponse:
        tc = self.get_object()
        session = get_object_or_404(ClassSession, pk=session_pk, training_class=tc)
        url = request.build_absolute_uri(classes.checkin_url(session))
        svg = segno.make(url, error="m").svg_inline(scale=8)
        _start, end = classes.session_bounds(session)
        return render(
            request,
            "academy/session_qr.html",
            {
                "object": tc,
                "session": session,
                "svg": svg,
                "url": url,
                "closed": timezone.now() > end,
                "ttl_minutes": int(classes.CHECKIN_CODE_TTL.total_seconds() // 60),
            },
        )


class CertificatePdfView(ScopedMixin, View):
    model = TrainingClass

    def get(self, request: HttpRequest, pk: int, cert_pk: int) -> HttpResponse:
        tc = self.get_object()
        cert = get_object_or_404(Certificate, pk=cert_pk, enrolment__training_class=tc)
        verify = request.build_absolute_uri(reverse("academy:verify")) + f"?no={cert.number}"
        response = HttpResponse(
            certificate_pdf.render(cert, verify), content_type="application/pdf"
        )
        response["Content-Disposition"] = f'inline; filename="{cert.number}.pdf"'
        return response


class SignupView(View):
    """Self-registration by a class's public link (phone form, PIPL consent)."""

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        tc = get_object_or_404(
            TrainingClass.objects.select_related("academy", "course"), signup_token=token
        )
        return render(request, "academy/signup.html", {"object": tc, "data": {}})

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        tc = get_object_or_404(
            TrainingClass.objects.select_related("academy", "course"), signup_token=token
        )
        data = {
            k: request.POST.get(k, "")
            for k in ("name", "id_number", "mobile", "employer_name", "employer_uscc")
        }
        try:
            enrolment, key = classes.self_register(
                token=token, worker=data, consent=request.POST.get("consent") == "on"
            )
        except BusinessError as exc:
            return render(
                request,
                "academy/signup.html",
                {"object": tc, "data": data, "error": exc.message, "field": exc.field},
                status=400,
            )
        response = render(request, "academy/signup_done.html", {"object": tc, "e": enrolment})
        response.set_cookie(
            SELF_COOKIE.format(tc.pk),
            key,
            max_age=180 * 86400,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
        return response


class CheckinView(View):
    """The page a scanned 签到码 opens: the trainee identifies and is marked present or late."""

    def _render(
        self, request: HttpRequest, pk: int, token: str, status: int = 200, **extra: Any
    ) -> HttpResponse:
        context = {"class_pk": pk, "token": token, **extra}
        return render(request, "academy/checkin.html", context, status=status)

    def get(self, request: HttpRequest, pk: int, token: str) -> HttpResponse:
        try:
            session = classes.read_checkin(pk, token)
        except BusinessError as exc:
            return self._render(request, pk, token, refused=exc.message, status=400)
        return self._render(
            request,
            pk,
            token,
            session=session,
            has_key=bool(request.COOKIES.get(SELF_COOKIE.format(pk))),
        )

    def post(self, request: HttpRequest, pk: int, token: str) -> HttpResponse:
        if _too_many(request, f"checkin:{pk}"):
            return self._render(
                request, pk, token, refused="尝试次数过多，请稍后再试或请工作人员登记", status=429
            )
        try:
            attendance, created = classes.checkin(
                class_pk=pk,
                token=token,
                name=request.POST.get("name", ""),
                last4=request.POST.get("last4", ""),
                self_key=request.COOKIES.get(SELF_COOKIE.format(pk), "")
                if request.POST.get("use_key")
                else "",
            )
        except BusinessError as exc:
            return self._render(request, pk, token, error=exc.message, status=400)
        return self._render(
            request, pk, token, done=attendance, created=created, session=attendance.session
        )


class VerifyView(View):
    """Public verification of a certificate by number: masked name, course, hours, date, academy.
    Nothing else is shown, and nothing about other certificates."""

    def get(self, request: HttpRequest) -> HttpResponse:
        number = (request.GET.get("no") or "").strip().upper()[:32]
        context: dict[str, Any] = {"number": number}
        status = 200
        if number:
            if _too_many(request, "verify"):
                context["error"] = "查询过于频繁，请 10 分钟后再试"
                status = 429
            else:
                cert = Certificate.objects.filter(number=number).first()
                if cert is None:
                    context["error"] = f"未找到编号为“{number}”的证书，请核对证书编号"
                    status = 404
                else:
                    context["cert"] = {
                        "number": cert.number,
                        "name": masked_name(cert.trainee_name),
                        "course": cert.course_title,
                        "hours": cert.hours,
                        "issued_on": cert.issued_on,
                        "academy": cert.academy_name,
                    }
        return render(request, "academy/verify.html", context, status=status)


class AttendanceMarkView(ScopedMixin, View):
    model = TrainingClass
    action = "change"

    def post(self, request: HttpRequest, pk: int, session_pk: int) -> HttpResponse:
        tc = self.get_object()
        session = get_object_or_404(ClassSession, pk=session_pk, training_class=tc)
        enrolment = get_object_or_404(
            Enrolment, pk=request.POST.get("enrolment"), training_class=tc
        )
        try:
            classes.attendance_mark(
                actor=request.user,
                session=session,
                enrolment=enrolment,
                status=request.POST.get("status", ""),
            )
        except BusinessError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "考勤已登记")
        return redirect(tc.get_absolute_url())
