"""Pages of training orders: staff (list, detail with timeline, 受理/退回, 排课, 需求转订单) at
1366 px; the enterprise contact's phone pages (点单 from the menu, 定制培训, 我的培训订单, withdraw,
evaluate). Every page reads through ``visible_to``; the services check the rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, ClassVar

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.pickers import key_from_text
from jiangqiao.core.scope import ScopeViolation
from jiangqiao.core.views.generic import (
    ObjectDetailView,
    ObjectListView,
    ScopedMixin,
    SubmitOnceMixin,
)
from jiangqiao.taxonomy.selectors import term_label

from . import orders, selectors
from .choices import ORDER_STATUS_COLORS, OrderKind, OrderSite, OrderStatus
from .filtersets import OrderFilterSet, PortalOrderFilterSet
from .forms import DemandConvertForm, OrderPlaceForm, OrderScheduleForm
from .models import Course, Lecturer, TrainingOrder
from .tables import OrderTable, PortalOrderTable

PHONE_FORM = "academy/order_form.html"


def _is_portal(user: Any) -> bool:
    """An enterprise contact (places orders, does not handle them) gets the phone pages."""
    return bool(
        user.has_perm("academy.add_trainingorder")
        and not user.has_perm("academy.change_trainingorder")
    )


#: The service's session fields as the schedule form names them (the first session is entered
#: with the class), so a double-booked time is shown on the form's own 开始时间 box.
SESSION_FORM_FIELDS = {
    "date": "session_date",
    "start_time": "session_start",
    "end_time": "session_end",
    "hours": "session_hours",
    "hour_type": "session_hour_type",
}


def _form_error(form: Any, exc: Exception) -> None:
    if isinstance(exc, BusinessError):
        field = exc.field if exc.field in form.fields else SESSION_FORM_FIELDS.get(exc.field or "")
        form.add_error(field if field in form.fields else None, exc.message)
    elif isinstance(exc, ValidationError):
        for message in exc.messages:
            form.add_error(None, message)
    else:
        form.add_error(None, str(exc))


class OrderListView(ObjectListView):
    model = TrainingOrder
    filterset_class = OrderFilterSet
    table_class = OrderTable
    title = "培训订单"
    extra_buttons: ClassVar[list[tuple[str, str, str]]] = [  # type: ignore[misc]
        ("技能培训需求转订单", "academy:order_demands", "academy.convert_demand")
    ]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.user.is_authenticated and _is_portal(request.user):
            return MyOrderListView.as_view()(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def add_url(self) -> str | None:
        return None  # orders come from enterprises (or from demands), not from a staff form

    def get_table_queryset(self) -> Any:
        return selectors.order_list(user=self.request.user)


class MyOrderListView(ObjectListView):
    """我的培训订单 of an enterprise contact."""

    model = TrainingOrder
    filterset_class = PortalOrderFilterSet
    table_class = PortalOrderTable
    title = "我的培训订单"
    extra_buttons: ClassVar[list[tuple[str, str, str]]] = [  # type: ignore[misc]
        ("课程菜单点单", "academy:menu", "academy.add_trainingorder"),
        ("定制培训（院企订单式）", "academy:order_custom", "academy.add_trainingorder"),
    ]

    def add_url(self) -> str | None:
        return None  # 课程菜单点单 and 定制培训 above are the two ways in; no third, generic button

    def get_table_queryset(self) -> Any:
        return selectors.order_list(user=self.request.user)


class OrderDetailView(ObjectDetailView):
    model = TrainingOrder
    template_name = "academy/order_detail.html"

    def get_queryset(self) -> Any:
        return selectors.order_list(user=self.request.user)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.user.is_authenticated and _is_portal(request.user):
            return MyOrderDetailView.as_view()(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def get_extra_context(self, obj: TrainingOrder) -> dict[str, Any]:
        user = self.request.user
        handler = (
            user.has_perm(orders.HANDLE_PERMISSION)
            and TrainingOrder.objects.visible_to(user, "change").filter(pk=obj.pk).exists()
        )
        contact = orders.is_contact(user, obj.enterprise_id)
        moves = orders.ORDER_MOVES[obj.status]
        return {
            "status_color": ORDER_STATUS_COLORS.get(obj.status, "secondary"),
            "events": selectors.order_events(user=user, order=obj),
            "occupation_label": term_label("occupation", obj.occupation, obj.occupation),
            "skill_label": term_label("skill_level", obj.skill_level, obj.skill_level),
            "may_accept": handler and OrderStatus.ACCEPTED in moves and obj.status == "pending",
            "may_return": handler and OrderStatus.RETURNED in moves,
            "may_schedule": handler and OrderStatus.SCHEDULED in moves,
            "may_withdraw": contact and OrderStatus.WITHDRAWN in moves,
            "may_evaluate": contact and OrderStatus.EVALUATED in moves,
            "stars": range(1, 6),
        }


class MyOrderDetailView(OrderDetailView):
    """The enterprise contact's order page (phone): timeline, withdraw, evaluate."""

    template_name = "academy/order_mine.html"
    changelog_tab = False

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        return ObjectDetailView.dispatch(self, request, *args, **kwargs)


class OrderActionView(ScopedMixin, View):
    """A POST on an order; errors come back as messages on the order page."""

    model = TrainingOrder
    action = "view"
    http_method_names: ClassVar[list[str]] = ["post"]  # type: ignore[misc]

    #: Each subclass takes its one step through the order services and says what it did.
    act: Callable[[HttpRequest, TrainingOrder], str]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        order = self.get_object()
        try:
            done = self.act(request, order)
        except (BusinessError, ScopeViolation, PermissionDenied) as exc:
            messages.error(request, getattr(exc, "message", str(exc)))
        else:
            messages.success(request, done)
        return redirect(order.get_absolute_url())


class OrderAcceptView(OrderActionView):
    action = "change"

    def act(self, request: HttpRequest, order: TrainingOrder) -> str:
        orders.order_accept(
            actor=request.user, order=order, comment=request.POST.get("comment", "")
        )
        return "订单已受理，请排课"


class OrderReturnView(OrderActionView):
    action = "change"

    def act(self, request: HttpRequest, order: TrainingOrder) -> str:
        orders.order_return(actor=request.user, order=order, reason=request.POST.get("reason", ""))
        return "订单已退回，企业将看到退回原因"


class OrderWithdrawView(OrderActionView):
    def act(self, request: HttpRequest, order: TrainingOrder) -> str:
        orders.order_withdraw(
            actor=request.user, order=order, reason=request.POST.get("reason", "")
        )
        return "订单已撤回"


class OrderEvaluateView(OrderActionView):
    def act(self, request: HttpRequest, order: TrainingOrder) -> str:
        orders.order_evaluate(
            actor=request.user,
            order=order,
            satisfaction=request.POST.get("satisfaction", ""),
            comment=request.POST.get("comment", ""),
        )
        return "感谢评价"


class OrderScheduleView(ScopedMixin, View):
    """排课: create the order's class (and its first session) at a node of the academy."""

    model = TrainingOrder
    action = "change"
    template = "talents/child_form.html"

    def _render(self, form: Any, order: TrainingOrder, status: int = 200) -> HttpResponse:
        return render(
            self.request,
            self.template,
            {
                "form": form,
                "title": f"排课：{order.number} {order.topic}",
                "cancel_url": order.get_absolute_url(),
            },
            status=status,
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        order = self.get_object()
        initial = {
            "academy": order.academy,
            "course": order.course,
            "title": order.topic,
            "capacity": order.trainees_planned,
            "start_date": order.period_from,
            "end_date": order.period_to,
            "place": order.address if order.site == OrderSite.ENTERPRISE else "",
            "lecturers": [order.lecturer] if order.lecturer_id else [],
        }
        return self._render(OrderScheduleForm(initial=initial, user=request.user), order)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        order = self.get_object()
        form = OrderScheduleForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                orders.order_schedule(
                    actor=request.user,
                    order=order,
                    academy=form.cleaned_data["academy"],
                    course=form.cleaned_data.get("course"),
                    data=form.class_data(),
                    lecturers=form.cleaned_data.get("lecturers") or None,
                    sessions=form.sessions(),
                )
            except (BusinessError, ScopeViolation, ValidationError, PermissionDenied) as exc:
                _form_error(form, exc)
            else:
                messages.success(request, "已排课，班次已创建")
                return redirect(order.get_absolute_url())
        return self._render(form, order, status=400)


# ------------------------------------------------------------------------------------------------
# The enterprise contact: 点单 / 定制培训 (phone)
# ------------------------------------------------------------------------------------------------


class OrderPlaceView(SubmitOnceMixin, View):
    """我要点单 (``?course=``), 邀请讲师 (``?lecturer=``) or 定制培训 (``custom``). Login required;
    a user who is not an enterprise contact is told so."""

    custom = False

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not request.user.is_authenticated:
            return redirect(f"{reverse('accounts:login')}?next={request.get_full_path()}")
        return super().dispatch(request, *args, **kwargs)

    def replay_fallback_url(self) -> str:
        return reverse("academy:order_list")

    def _target(self) -> tuple[Course | None, Lecturer | None]:
        course = lecturer = None
        if not self.custom:
            course_id = str(self.request.GET.get("course") or "")
            lecturer_id = str(self.request.GET.get("lecturer") or "")
            course_key, lecturer_key = key_from_text(course_id), key_from_text(lecturer_id)
            if course_key is not None:
                course = get_object_or_404(selectors.public_menu(), pk=course_key)
            if lecturer_key is not None:
                lecturer = get_object_or_404(selectors.public_lecturers(), pk=lecturer_key)
            if course is None and lecturer is None:
                raise BusinessError("请从课程菜单选择课程或讲师后再点单", field="course")
        return course, lecturer

    def _render(self, form: Any, status: int = 200, **extra: Any) -> HttpResponse:
        lecturer, course = extra.get("lecturer"), extra.get("course")
        title = "定制培训（院企订单式）" if self.custom else "我要点单"
        if lecturer is not None and course is None:
            # 邀请讲师: no course to name the order after; the service names it after the lecturer.
            title = "邀请讲师"
            if "topic" in form.fields:
                form.fields["topic"].help_text = f"留空则为“邀请{lecturer.display_name}授课”"
        return render(
            self.request,
            PHONE_FORM,
            {
                "form": form,
                "title": title,
                "form_token": getattr(self, "form_token", ""),
                **extra,
            },
            status=status,
        )

    def _refused(self) -> HttpResponse | None:
        if not self.request.user.has_perm("academy.add_trainingorder"):
            return render(
                self.request,
                PHONE_FORM,
                {
                    "title": "我要点单",
                    "refused": "只有企业联络人可以向工匠学院点单或定制培训。"
                    "请使用企业联络人账号登录，或联系所在地工会为您开通。",
                },
                status=403,
            )
        return None

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if (refused := self._refused()) is not None:
            return refused
        try:
            course, lecturer = self._target()
        except BusinessError as exc:
            return render(
                request, PHONE_FORM, {"title": "我要点单", "refused": exc.message}, status=400
            )
        today = timezone.localdate()
        initial: dict[str, Any] = {
            "period_from": today + dt.timedelta(days=14),
            "period_to": today + dt.timedelta(days=44),
            "site": OrderSite.ACADEMY,
        }
        if course is not None:
            initial["trainees_planned"] = course.capacity
        self.issue_form_token()
        form = OrderPlaceForm(initial=initial, user=request.user, custom=self.custom)
        return self._render(form, course=course, lecturer=lecturer)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if (refused := self._refused()) is not None:
            return refused
        if (earlier := self.earlier_submission()) is not None:
            return earlier
        course, lecturer = None, None
        form = OrderPlaceForm(request.POST, user=request.user, custom=self.custom)
        try:
            course, lecturer = self._target()
        except BusinessError as exc:
            form.add_error(None, exc.message)
        if form.is_valid():
            try:
                done = self.create_once(
                    lambda: orders.order_place(
                        actor=request.user,
                        enterprise=form.cleaned_data["enterprise"],
                        kind=OrderKind.CUSTOM if self.custom else OrderKind.MENU,
                        data=form.service_data(),
                        course=course,
                        lecturer=lecturer,
                        academy=form.cleaned_data.get("academy"),
                    ),
                    lambda order: order.get_absolute_url(),
                )
            except (BusinessError, ScopeViolation, ValidationError, PermissionDenied) as exc:
                _form_error(form, exc)
            else:
                if done.replayed or done.result is None:
                    return self.replayed(done.url)
                messages.success(request, f"订单 {done.result.number} 已提交，请等待学院受理")
                return redirect(done.url)
        return self._render(form, status=400, course=course, lecturer=lecturer)


# ------------------------------------------------------------------------------------------------
# Staff: 技能培训 demand → order
# ------------------------------------------------------------------------------------------------


class DemandConvertMixin(ScopedMixin):
    model = TrainingOrder
    action = "change"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.user.is_authenticated and not request.user.has_perm(orders.CONVERT_PERMISSION):
            raise PermissionDenied("您没有将需求转为学院订单的权限")
        return super().dispatch(request, *args, **kwargs)


class DemandListForOrderView(DemandConvertMixin, View):
    """技能培训 demands of the unit that may become training orders."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        rows = list(selectors.convertible_demands(user=request.user)[:200])
        return render(
            request,
            "academy/order_demands.html",
            {"title": "技能培训需求转订单", "rows": rows},
        )


class DemandConvertView(DemandConvertMixin, View):
    template = "academy/order_convert.html"

    def _demand(self) -> Any:
        from jiangqiao.demands.models import Demand

        return get_object_or_404(
            Demand.objects.visible_to(self.request.user, "view").select_related("enterprise"),
            pk=self.kwargs["demand_pk"],
        )

    def _render(self, form: Any, demand: Any, status: int = 200) -> HttpResponse:
        return render(
            self.request,
            self.template,
            {
                "form": form,
                "demand": demand,
                "title": f"转为学院订单：{demand.title}",
                "skill_label": term_label("skill_level", demand.min_skill_level, ""),
            },
            status=status,
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        demand = self._demand()
        today = timezone.localdate()
        start = today + dt.timedelta(days=14)
        end = demand.deadline if demand.deadline and demand.deadline >= start else None
        initial = {
            "period_from": start,
            "period_to": end or start + dt.timedelta(days=30),
            "site": OrderSite.ENTERPRISE if demand.delivery_mode == "onsite" else OrderSite.ACADEMY,
            "address": demand.enterprise.address,
        }
        form = DemandConvertForm(initial=initial, user=request.user)
        return self._render(form, demand)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        demand = self._demand()
        form = DemandConvertForm(request.POST, user=request.user)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "academy"}
            try:
                order = orders.order_from_demand(
                    actor=request.user,
                    demand=demand,
                    academy=form.cleaned_data["academy"],
                    data=data,
                )
            except (BusinessError, ScopeViolation, ValidationError, PermissionDenied) as exc:
                _form_error(form, exc)
            else:
                messages.success(request, f"已转为学院订单 {order.number}，需求随订单办理")
                return redirect(order.get_absolute_url())
        return self._render(form, demand, status=400)
