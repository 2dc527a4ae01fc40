from __future__ import annotations

from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    # Under login/: both gates (second factor, password policy) let these pages by.
    path("login/verify/", views.second_factor_verify, name="second_factor_verify"),
    path("login/enrol/", views.second_factor_enrol, name="second_factor_enrol"),
    path("two-factor/", views.second_factor_manage, name="second_factor"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("profile/", views.profile, name="profile"),
    path("users/", views.UserListView.as_view(), name="user_list"),
    path("users/new/", views.UserEditView.as_view(), name="user_create"),
    path("users/<int:pk>/", views.UserDetailView.as_view(), name="user_detail"),
    path("users/<int:pk>/edit/", views.UserEditView.as_view(), name="user_edit"),
    path("users/<int:pk>/status/", views.UserStatusView.as_view(), name="user_status"),
    path("users/<int:pk>/roles/", views.UserRolesView.as_view(), name="user_roles"),
    path(
        "users/<int:pk>/reset-password/",
        views.UserResetPasswordView.as_view(),
        name="user_reset_password",
    ),
    path(
        "users/<int:pk>/reset-second-factor/",
        views.UserResetSecondFactorView.as_view(),
        name="user_reset_second_factor",
    ),
    path("roles/", views.RoleListView.as_view(), name="role_list"),
    path("roles/new/", views.RoleEditView.as_view(), name="role_create"),
    path("roles/<int:pk>/", views.RoleDetailView.as_view(), name="role_detail"),
    path("roles/<int:pk>/edit/", views.RoleEditView.as_view(), name="role_edit"),
    path("roles/<int:pk>/status/", views.RoleStatusView.as_view(), name="role_status"),
    path("tokens/", views.token_list, name="token_list"),
    path("tokens/all/", views.token_all, name="token_all"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("login-logs/", views.LoginLogListView.as_view(), name="loginlog_list"),
]
