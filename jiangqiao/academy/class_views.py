"""Pages of classes: the class page (staff, scoped), a session's 签到码 (QR) page, the printable
certificate, and three public phone pages: self-registration by link, the QR check-in and the
certificate verification by number."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import segno
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.scope import ScopeViolation
from jiangqiao.core.sensitive import mask
from jiangqiao.core.views.generic import (
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ScopedMixin,
    SubmitOnceMixin,
)

from . import certificate_pdf, classes, evaluations, selectors, upgrades
from .choices import (
    CLASS_STATUS_COLORS,
    ENROLMENT_STATUS_COLORS,
    AttendanceStatus,
    ClassStatus,
    EnrolmentStatus,
)
from .filtersets import ClassFilterSet
from .forms import AssessForm, ClassForm, SessionForm, UpgradeForm, WorkerForm
from .models import Attendance, Certificate, ClassSession, Enrolment, TrainingClass
from .tables import ClassTable

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


class ClassListView(ObjectListView):
    model = TrainingClass
    filterset_class = ClassFilterSet
    table_class = ClassTable
    title = "班次"

    def get_table_queryset(self) -> QuerySet[Any]:
        return selectors.class_list(user=self.request.user)


#: The buttons of the class page, by target status (only the moves ``CLASS_MOVES`` allows show).
MOVE_LABELS = {
    ClassStatus.OPEN: "开放报名",
    ClassStatus.PLANNED: "退回计划中",
    ClassStatus.RUNNING: "开课",
    ClassStatus.FINISHED: "结业",
    ClassStatus.CANCELLED: "取消班次",
}


def enrolment_rows(obj: TrainingClass, sessions: list[ClassSession]) -> list[dict[str, Any]]:
    """One row per enrolment: masked ID number and mobile, attendance per session, hours."""
    marks: dict[tuple[int, int], Attendance] = {
        (a.enrolment_id, a.session_id): a
        for a in Attendance.objects.filter(session__training_class=obj)
    }
    rows = []
    for e in obj.enrolments.select_related("trainee", "certificate").order_by("queued_at", "pk"):
        t = e.trainee
        rows.append(
            {
                "enrolment": e,
                "name": t.name,
                "id_number": mask("id_number", t.id_number),
                "mobile": mask("mobile", t.mobile),
                "employer": t.employer_display,
                "status_color": ENROLMENT_STATUS_COLORS.get(e.status, "secondary"),
                "attendance": [marks.get((e.pk, s.pk)) for s in sessions],
                "hours": classes.hours_for(e)["total"],
                "certificate": getattr(e, "certificate", None),
            }
        )
    return rows


class ClassDetailView(ObjectDetailView):
    model = TrainingClass
    template_name = "academy/class_detail.html"

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("academy", "course", "org")

    def get_extra_context(self, obj: TrainingClass) -> dict[str, Any]:
        sessions = list(obj.sessions.all())
        rows = enrolment_rows(obj, sessions)
        can_change = self.perm("change") and (
            TrainingClass.objects.visible_to(self.request.user, "change").filter(pk=obj.pk).exists()
        )
        open_class = obj.status not in (ClassStatus.FINISHED, ClassStatus.CANCELLED)
        return {
            "sessions": sessions,
            "rows": rows,
            "competitions": selectors.competitions_of_class(
                user=self.request.user, training_class=obj
            ),
            "lecturers": obj.lecturers.select_related("craftsman"),
            "status_color": CLASS_STATUS_COLORS.get(obj.status, "secondary"),
            "signup_url": self.request.build_absolute_uri(
                reverse("academy:signup", args=[obj.signup_token])
            ),
            "can_manage": can_change,
            "moves": [
                (to, MOVE_LABELS[ClassStatus(to)]) for to in sorted(classes.CLASS_MOVES[obj.status])
            ]
            if can_change
            else [],
            "can_enrol": can_change and obj.status in classes.ENROLLING,
            "can_import": can_change
            and obj.status in classes.ENROLLING
            and self.request.user.has_perm("academy.import_enrolment")
            and self.request.user.has_perm("core.add_importbatch"),
            "can_schedule": can_change and open_class,
            "can_assess": can_change and obj.status in (ClassStatus.RUNNING, ClassStatus.FINISHED),
            "can_issue": can_change
            and obj.status == ClassStatus.FINISHED
            and self.request.user.has_perm("academy.issue_certificate")
            and any(
                r["enrolment"].passed and r["certificate"] is None
                for r in rows
                if r["enrolment"].status == EnrolmentStatus.ENROLLED
            ),
            "upgrades": selectors.upgrade_rows(
                selectors.class_upgrades(user=self.request.user, training_class=obj)
            ),
            "can_upgrade": can_change
            and obj.status in upgrades.UPGRADE_CLASS_STATUSES
            and self.request.user.has_perm("academy.add_traineeupgrade"),
            "evaluation": evaluations.class_evaluation_summary(
                user=self.request.user, training_class=obj
            )
            if self.request.user.has_perm("academy.view_classevaluation")
            else None,
            "rateable": obj.status in evaluations.RATEABLE,
            "seats_taken": sum(1 for r in rows if r["enrolment"].status == "enrolled"),
            "waitlisted": sum(1 for r in rows if r["enrolment"].status == "waitlisted"),
        }


class ClassEditView(ObjectEditView):
    model = TrainingClass
    form_class = ClassForm

    def render_form(self, form: Any, obj: Any, status: int = 200) -> HttpResponse:
        if obj is not None and not form.is_bound:
            form.initial["version"] = obj.version
        return super().render_form(form, obj, status=status)

    def save_form(self, form: ClassForm, obj: TrainingClass | None) -> TrainingClass:
        lecturers = form.cleaned_data.get("lecturers") or None
        if obj is None:
            return classes.class_create(
                actor=self.request.user,
                academy=form.cleaned_data["academy"],
                course=form.cleaned_data["course"],
                data=form.service_data(),
                lecturers=lecturers,
            )
        return classes.class_update(
            actor=self.request.user,
            training_class=obj,
            data=form.service_data(),
            lecturers=form.cleaned_data.get("lecturers") or [],
            version=form.cleaned_data.get("version"),
        )


class ClassActionView(ScopedMixin, View):
    """A POST on a class the user may change; errors come back as messages on the class page."""

    model = TrainingClass
    action = "change"
    http_method_names: ClassVar[list[str]] = ["post"]  # type: ignore[misc]

    #: Each subclass takes its one step through the class services and says what it did.
    act: Callable[[HttpRequest, TrainingClass], str]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        tc = self.get_object()
        try:
            done = self.act(request, tc)
        except (BusinessError, ScopeViolation) as exc:
            messages.error(request, getattr(exc, "message", str(exc)))
        else:
            messages.success(request, done)
        return redirect(tc.get_absolute_url())


class ClassStatusView(ClassActionView):
    """POST ``to=<status>``: move the class along the class state table."""

    def act(self, request: HttpRequest, tc: TrainingClass) -> str:
        tc = classes.class_move(
            actor=request.user, training_class=tc, to=request.POST.get("to", "")
        )
        return f"班次已改为{tc.get_status_display()}"


class WithdrawView(ClassActionView):
    def act(self, request: HttpRequest, tc: TrainingClass) -> str:
        enrolment = get_object_or_404(Enrolment, pk=self.kwargs["enrolment_pk"], training_class=tc)
        promoted = classes.withdraw(actor=request.user, enrolment=enrolment)
        extra = f"，候补 {len(promoted)} 人递补入班" if promoted else ""
        return f"已办理退出{extra}"


class CertificatesIssueView(ClassActionView):
    def act(self, request: HttpRequest, tc: TrainingClass) -> str:
        issued = classes.certificates_issue_for_class(actor=request.user, training_class=tc)
        return f"已颁发结业证书 {len(issued)} 张"


class ClassFormPage(ScopedMixin, View):
    """A form page under a class the user may change (session, enrolment)."""

    model = TrainingClass
    action = "change"
    template = "talents/child_form.html"

    def _render(self, form: Any, tc: TrainingClass, title: str, status: int = 200) -> HttpResponse:
        return render(
            self.request,
            self.template,
            {
                "form": form,
                "title": title,
                "cancel_url": tc.get_absolute_url(),
                "parent_url": tc.get_absolute_url(),  # the breadcrumb leads back to the class
                "parent_label": tc.title,
                "form_token": getattr(self, "form_token", ""),
            },
            status=status,
        )


def _form_error(form: Any, exc: Exception) -> None:
    if isinstance(exc, BusinessError):
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    elif isinstance(exc, ValidationError):
        for message in exc.messages:
            form.add_error(None, message)
    else:
        form.add_error(None, str(exc))


class SessionEditView(ClassFormPage):
    """Add a session (no ``session_pk``) or change one."""

    def _session(self, tc: TrainingClass) -> ClassSession | None:
        pk = self.kwargs.get("session_pk")
        return None if pk is None else get_object_or_404(ClassSession, pk=pk, training_class=tc)

    def _title(self, tc: TrainingClass, session: ClassSession | None) -> str:
        return f"{'编辑' if session else '新增'}课次：{tc.title}"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        tc = self.get_object()
        session = self._session(tc)
        initial: dict[str, Any] = {"place": tc.place, "date": tc.start_date}
        if session is not None:
            initial = {f: getattr(session, f) for f in classes.SESSION_FIELDS}
        return self._render(SessionForm(initial=initial), tc, self._title(tc, session))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        tc = self.get_object()
        session = self._session(tc)
        form = SessionForm(request.POST)
        if form.is_valid():
            try:
                if session is None:
                    classes.session_add(
                        actor=request.user, training_class=tc, data=form.cleaned_data
                    )
                else:
                    classes.session_update(
                        actor=request.user, session=session, data=form.cleaned_data
                    )
            except (BusinessError, ScopeViolation, ValidationError) as exc:
                _form_error(form, exc)
            else:
                messages.success(request, "课次已保存")
                return redirect(tc.get_absolute_url())
        return self._render(form, tc, self._title(tc, session), status=400)


class EnrolView(SubmitOnceMixin, ClassFormPage):
    """Enrol one trainee (a seat, or the waitlist when the class is full)."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        tc = self.get_object()
        self.issue_form_token()
        return self._render(WorkerForm(), tc, f"登记学员：{tc.title}")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if (earlier := self.earlier_submission()) is not None:
            return earlier
        tc = self.get_object()
        form = WorkerForm(request.POST)
        if form.is_valid():
            try:
                done = self.create_once(
                    lambda: classes.enrol(
                        actor=request.user, training_class=tc, worker=form.cleaned_data
                    ),
                    lambda e: tc.get_absolute_url(),
                )
            except (BusinessError, ScopeViolation, ValidationError) as exc:
                _form_error(form, exc)
            else:
                if done.replayed or done.result is None:
                    return self.replayed(done.url)
                messages.success(request, f"已登记（{done.result.get_status_display()}）")
                return redirect(done.url)
        return self._render(form, tc, f"登记学员：{tc.title}", status=400)

    def replay_fallback_url(self) -> str:
        return reverse("academy:trainingclass_list")


class UpgradeView(ClassFormPage):
    """Record one trainee's skill upgrade (技能等级晋升) after the class: a single form."""

    def _enrolment(self, tc: TrainingClass) -> Enrolment:
        if not self.request.user.has_perm("academy.add_traineeupgrade"):
            raise PermissionDenied("您没有登记学员技能提升的权限")
        return get_object_or_404(
            Enrolment.objects.select_related("trainee"),
            pk=self.kwargs["enrolment_pk"],
            training_class=tc,
        )

    def _title(self, tc: TrainingClass, enrolment: Enrolment) -> str:
        return f"登记技能提升：{enrolment.trainee.name}（{tc.title}）"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        tc = self.get_object()
        enrolment = self._enrolment(tc)
        certificate = Certificate.objects.filter(enrolment=enrolment).first()
        initial: dict[str, Any] = {"issued_on": timezone.localdate()}
        if certificate is not None:
            initial["certificate_no"] = certificate.number
        if tc.course.occupation:
            initial["occupation"] = tc.course.occupation
        if tc.course.skill_level:
            initial["level_after"] = tc.course.skill_level
        form = UpgradeForm(initial=initial, training_class=tc)
        return self._render(form, tc, self._title(tc, enrolment))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        tc = self.get_object()
        enrolment = self._enrolment(tc)
        form = UpgradeForm(request.POST, training_class=tc)
        if form.is_valid():
            try:
                upgrades.trainee_upgrade_record(
                    actor=request.user, enrolment=enrolment, **form.cleaned_data
                )
            except (BusinessError, ScopeViolation, ValidationError) as exc:
                _form_error(form, exc)
            else:
                messages.success(request, f"已登记“{enrolment.trainee.name}”的技能提升")
                return redirect(tc.get_absolute_url())
        return self._render(form, tc, self._title(tc, enrolment), status=400)


class SessionAttendanceView(ScopedMixin, View):
    """Manual attendance of one session: a status per seated trainee."""

    model = TrainingClass
    action = "change"

    def _page(self, tc: TrainingClass, session: ClassSession, status: int = 200) -> HttpResponse:
        marks = {a.enrolment_id: a for a in session.attendance.all()}
        rows = [
            {
                "enrolment": e,
                "name": e.trainee.name,
                "id_number": mask("id_number", e.trainee.id_number),
                "mark": marks.get(e.pk),
            }
            for e in tc.enrolments.filter(status=EnrolmentStatus.ENROLLED)
            .select_related("trainee")
            .order_by("queued_at", "pk")
        ]
        return render(
            self.request,
            "academy/session_attendance.html",
            {
                "object": tc,
                "session": session,
                "rows": rows,
                "choices": AttendanceStatus.choices,
                "title": f"考勤登记：{tc.title} {session}",
            },
            status=status,
        )

    def get(self, request: HttpRequest, pk: int, session_pk: int) -> HttpResponse:
        tc = self.get_object()
        session = get_object_or_404(ClassSession, pk=session_pk, training_class=tc)
        return self._page(tc, session)

    def post(self, request: HttpRequest, pk: int, session_pk: int) -> HttpResponse:
        tc = self.get_object()
        session = get_object_or_404(ClassSession, pk=session_pk, training_class=tc)
        saved, errors = 0, []
        for e in tc.enrolments.filter(status=EnrolmentStatus.ENROLLED).select_related("trainee"):
            value = request.POST.get(f"status_{e.pk}", "")
            if not value:
                continue
            try:
                classes.attendance_mark(
                    actor=request.user, session=session, enrolment=e, status=value
                )
            except BusinessError as exc:
                errors.append(f"{e.trainee.name}：{exc.message}")
            else:
                saved += 1
        for error in errors:
            messages.error(request, error)
        if saved:
            messages.success(request, f"已登记考勤 {saved} 人")
        return redirect(tc.get_absolute_url())


class AssessView(ScopedMixin, View):
    """考核成绩 entry: a score per seated trainee (passed = score ≥ 60)."""

    model = TrainingClass
    action = "change"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        tc = self.get_object()
        rows = [
            {
                "enrolment": e,
                "name": e.trainee.name,
                "id_number": mask("id_number", e.trainee.id_number),
            }
            for e in tc.enrolments.filter(status=EnrolmentStatus.ENROLLED)
            .select_related("trainee", "certificate")
            .order_by("queued_at", "pk")
        ]
        return render(
            request,
            "academy/class_assess.html",
            {"object": tc, "rows": rows, "title": f"考核成绩：{tc.title}"},
        )

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        tc = self.get_object()
        saved, errors = 0, []
        for e in tc.enrolments.filter(status=EnrolmentStatus.ENROLLED).select_related("trainee"):
            raw = request.POST.get(f"score_{e.pk}", "").strip()
            if not raw:
                continue
            form = AssessForm({"score": raw})
            if not form.is_valid():
                errors.append(f"{e.trainee.name}：考核成绩：请填写 0 至 100 的数字")
                continue
            try:
                classes.assess(actor=request.user, enrolment=e, score=form.cleaned_data["score"])
            except BusinessError as exc:
                errors.append(f"{e.trainee.name}：{exc.message}")
            else:
                saved += 1
        for error in errors:
            messages.error(request, error)
        if saved:
            messages.success(request, f"已登记成绩 {saved} 人")
        return redirect(tc.get_absolute_url())


class SessionQrView(ScopedMixin, View):
    """签到码: a QR code of a signed, expiring check-in URL; the page renews it every minute."""

    model = TrainingClass
    action = "change"

    def get(self, request: HttpRequest, pk: int, session_pk: int) -> HttpResponse:
        tc = self.get_object()
        session = get_object_or_404(ClassSession, pk=session_pk, training_class=tc)
        url = request.build_absolute_uri(classes.checkin_url(session))
        svg = segno.make(url, error="m").svg_inline(scale=8, omitsize=True)
        _start, end = classes.session_bounds(session)
        return render(
            request,
            "academy/session_qr.html",
            {
                "object": tc,
                "title": "签到码",
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
