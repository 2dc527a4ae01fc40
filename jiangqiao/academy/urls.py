from __future__ import annotations

from django.urls import path

from . import (
    class_views,
    competition_views,
    evaluation_views,
    import_views,
    order_views,
    statistics_views,
    views,
)

app_name = "academy"

urlpatterns = [
    path("statistics/", statistics_views.StatisticsView.as_view(), name="statistics"),
    path(
        "statistics/export/",
        statistics_views.StatisticsView.as_view(export=True),
        name="statistics_export",
    ),
    path("academies/", views.AcademyListView.as_view(), name="academy_list"),
    path("academies/new/", views.AcademyEditView.as_view(), name="academy_create"),
    path("academies/<int:pk>/", views.AcademyDetailView.as_view(), name="academy_detail"),
    path("academies/<int:pk>/edit/", views.AcademyEditView.as_view(), name="academy_edit"),
    path("academies/<int:pk>/status/", views.AcademyStatusView.as_view(), name="academy_status"),
    path(
        "academies/<int:pk>/subsidies/new/", views.SubsidyAddView.as_view(), name="subsidy_create"
    ),
    path("alliances/", views.AllianceListView.as_view(), name="alliance_list"),
    path("alliances/new/", views.AllianceEditView.as_view(), name="alliance_create"),
    path("alliances/<int:pk>/", views.AllianceDetailView.as_view(), name="alliance_detail"),
    path("alliances/<int:pk>/edit/", views.AllianceEditView.as_view(), name="alliance_edit"),
    path("alliances/<int:pk>/status/", views.AllianceStatusView.as_view(), name="alliance_status"),
    path(
        "alliances/<int:pk>/members/add/",
        views.AllianceMemberView.as_view(op="add"),
        name="alliance_member_add",
    ),
    path(
        "alliances/<int:pk>/members/<int:academy_pk>/remove/",
        views.AllianceMemberView.as_view(op="remove"),
        name="alliance_member_remove",
    ),
    path("lecturers/", views.LecturerListView.as_view(), name="lecturer_list"),
    path("lecturers/shared/", views.SharedPoolView.as_view(), name="lecturer_shared"),
    path("lecturers/new/", views.LecturerEditView.as_view(), name="lecturer_create"),
    path("lecturers/<int:pk>/", views.LecturerDetailView.as_view(), name="lecturer_detail"),
    path("lecturers/<int:pk>/edit/", views.LecturerEditView.as_view(), name="lecturer_edit"),
    path("lecturers/<int:pk>/status/", views.LecturerStatusView.as_view(), name="lecturer_status"),
    path(
        "lecturers/<int:pk>/appointments/new/",
        views.AppointmentAddView.as_view(),
        name="appointment_create",
    ),
    path("courses/", views.CourseListView.as_view(), name="course_list"),
    path("courses/new/", views.CourseEditView.as_view(), name="course_create"),
    path("courses/promote/", views.PromoteListView.as_view(), name="course_promote_list"),
    path("courses/promote/<int:item_pk>/", views.PromoteItemView.as_view(), name="course_promote"),
    path("courses/<int:pk>/", views.CourseDetailView.as_view(), name="course_detail"),
    path("courses/<int:pk>/edit/", views.CourseEditView.as_view(), name="course_edit"),
    path("courses/<int:pk>/status/", views.CourseStatusView.as_view(), name="course_status"),
    path("menu/", views.MenuView.as_view(), name="menu"),
    path("classes/", class_views.ClassListView.as_view(), name="trainingclass_list"),
    path("classes/new/", class_views.ClassEditView.as_view(), name="trainingclass_create"),
    path("classes/<int:pk>/", class_views.ClassDetailView.as_view(), name="class_detail"),
    path("classes/<int:pk>/edit/", class_views.ClassEditView.as_view(), name="trainingclass_edit"),
    path("classes/<int:pk>/status/", class_views.ClassStatusView.as_view(), name="class_status"),
    path(
        "classes/<int:pk>/sessions/new/",
        class_views.SessionEditView.as_view(),
        name="session_create",
    ),
    path(
        "classes/<int:pk>/sessions/<int:session_pk>/edit/",
        class_views.SessionEditView.as_view(),
        name="session_edit",
    ),
    path(
        "classes/<int:pk>/sessions/<int:session_pk>/attendance/sheet/",
        class_views.SessionAttendanceView.as_view(),
        name="session_attendance",
    ),
    path("classes/<int:pk>/enrol/", class_views.EnrolView.as_view(), name="enrol"),
    path("classes/<int:pk>/import/", import_views.ClassImportView.as_view(), name="class_import"),
    path(
        "classes/<int:pk>/enrolments/<int:enrolment_pk>/withdraw/",
        class_views.WithdrawView.as_view(),
        name="withdraw",
    ),
    path(
        "classes/<int:pk>/enrolments/<int:enrolment_pk>/upgrade/",
        class_views.UpgradeView.as_view(),
        name="upgrade",
    ),
    path("classes/<int:pk>/assess/", class_views.AssessView.as_view(), name="assess"),
    path(
        "classes/<int:pk>/certificates/issue/",
        class_views.CertificatesIssueView.as_view(),
        name="certificates_issue",
    ),
    path(
        "classes/<int:pk>/sessions/<int:session_pk>/qr/",
        class_views.SessionQrView.as_view(),
        name="session_qr",
    ),
    path(
        "classes/<int:pk>/sessions/<int:session_pk>/attendance/",
        class_views.AttendanceMarkView.as_view(),
        name="attendance_mark",
    ),
    path(
        "classes/<int:pk>/certificates/<int:cert_pk>/pdf/",
        class_views.CertificatePdfView.as_view(),
        name="certificate_pdf",
    ),
    path("signup/<str:token>/", class_views.SignupView.as_view(), name="signup"),
    path("checkin/<int:pk>/<str:token>/", class_views.CheckinView.as_view(), name="checkin"),
    path("verify/", class_views.VerifyView.as_view(), name="verify"),
    path("orders/", order_views.OrderListView.as_view(), name="order_list"),
    path("orders/place/", order_views.OrderPlaceView.as_view(), name="order_place"),
    path("orders/custom/", order_views.OrderPlaceView.as_view(custom=True), name="order_custom"),
    path("orders/demands/", order_views.DemandListForOrderView.as_view(), name="order_demands"),
    path(
        "orders/from-demand/<int:demand_pk>/",
        order_views.DemandConvertView.as_view(),
        name="order_from_demand",
    ),
    path("orders/<int:pk>/", order_views.OrderDetailView.as_view(), name="order_detail"),
    path("orders/<int:pk>/accept/", order_views.OrderAcceptView.as_view(), name="order_accept"),
    path("orders/<int:pk>/return/", order_views.OrderReturnView.as_view(), name="order_return"),
    path(
        "orders/<int:pk>/schedule/", order_views.OrderScheduleView.as_view(), name="order_schedule"
    ),
    path(
        "orders/<int:pk>/withdraw/", order_views.OrderWithdrawView.as_view(), name="order_withdraw"
    ),
    path(
        "orders/<int:pk>/evaluate/", order_views.OrderEvaluateView.as_view(), name="order_evaluate"
    ),
    path(
        "evaluate/<int:pk>/<str:token>/",
        evaluation_views.EvaluateView.as_view(),
        name="evaluate",
    ),
    path(
        "classes/<int:pk>/evaluation/qr/",
        evaluation_views.EvaluationQrView.as_view(),
        name="evaluation_qr",
    ),
    path("competitions/", competition_views.CompetitionListView.as_view(), name="competition_list"),
    path(
        "competitions/new/",
        competition_views.CompetitionEditView.as_view(),
        name="competition_create",
    ),
    path(
        "competitions/<int:pk>/",
        competition_views.CompetitionDetailView.as_view(),
        name="competition_detail",
    ),
    path(
        "competitions/<int:pk>/edit/",
        competition_views.CompetitionEditView.as_view(),
        name="competition_edit",
    ),
    path(
        "competitions/<int:pk>/status/",
        competition_views.CompetitionActionView.as_view(),
        name="competition_status",
    ),
    path(
        "competitions/<int:pk>/register/",
        competition_views.RegisterView.as_view(),
        name="competition_register",
    ),
    path(
        "competitions/<int:pk>/judges/new/",
        competition_views.JudgeAddView.as_view(),
        name="competition_judge_add",
    ),
    path(
        "competitions/<int:pk>/judges/<int:judge_pk>/sheet/",
        competition_views.MarkingSheetView.as_view(),
        name="competition_sheet",
    ),
    path(
        "competitions/<int:pk>/results/",
        competition_views.ResultsView.as_view(),
        name="competition_results",
    ),
    path(
        "competitions/<int:pk>/publish/",
        competition_views.PublishView.as_view(),
        name="competition_publish",
    ),
    path(
        "results/<int:pk>/",
        competition_views.PublicResultsView.as_view(),
        name="competition_public",
    ),
    path("innovations/", competition_views.InnovationListView.as_view(), name="innovation_list"),
    path(
        "innovations/new/",
        competition_views.InnovationEditView.as_view(),
        name="innovation_create",
    ),
    path(
        "innovations/<int:pk>/",
        competition_views.InnovationDetailView.as_view(),
        name="innovation_detail",
    ),
    path(
        "innovations/<int:pk>/edit/",
        competition_views.InnovationEditView.as_view(),
        name="innovation_edit",
    ),
    path(
        "innovations/<int:pk>/status/",
        competition_views.InnovationStatusView.as_view(),
        name="innovation_status",
    ),
]
