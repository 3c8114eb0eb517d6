from django.urls import path

from marketplace import views

app_name = "marketplace"

urlpatterns = [
    path("achievements/", views.achievement_list, name="achievement_list"),
    path("achievements/<int:pk>/", views.achievement_detail, name="achievement_detail"),
    path("achievements/<int:pk>/edit/", views.achievement_edit, name="achievement_edit"),
    path("needs/", views.need_list, name="need_list"),
    path("needs/<int:pk>/", views.need_detail, name="need_detail"),
]
