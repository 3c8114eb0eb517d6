from django.urls import path

from accounts import views, views_membership

app_name = "accounts"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("organisation/new/", views.organisation_register, name="organisation_register"),
    # Joining an existing organisation, and its admins' list of requests.
    path("organisation/join/", views_membership.join_search, name="organisation_join"),
    path(
        "organisation/join/<int:pk>/",
        views_membership.join_request,
        name="organisation_join_request",
    ),
    path(
        "organisation/join/requests/<int:pk>/withdraw/",
        views_membership.join_withdraw,
        name="membership_request_withdraw",
    ),
    path("organisation/requests/", views_membership.requests_list, name="membership_requests"),
    path(
        "organisation/requests/<int:pk>/approve/",
        views_membership.request_approve,
        name="membership_request_approve",
    ),
    path(
        "organisation/requests/<int:pk>/refuse/",
        views_membership.request_refuse,
        name="membership_request_refuse",
    ),
]
