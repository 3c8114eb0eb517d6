"""The bureau dashboard's routes (spec §8, §10 ``/dashboard/``), in the marketplace namespace."""

from django.urls import path

from marketplace.views import dashboard

urlpatterns = [
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/export/", dashboard.export_start, name="dashboard_export_start"),
    path("dashboard/exports/<str:job_id>/", dashboard.export_status, name="dashboard_export"),
    path(
        "dashboard/exports/<str:job_id>/download/",
        dashboard.export_download,
        name="dashboard_export_download",
    ),
]
