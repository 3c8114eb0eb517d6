from django.urls import path

from search import views, views_matches, views_saved

app_name = "search"

urlpatterns = [
    path("search/", views.search_page, name="search"),
    path("search/saved/", views_saved.saved_list, name="saved_list"),
    path("search/saved/new/", views_saved.saved_create, name="saved_create"),
    path("search/saved/<int:pk>/delete/", views_saved.saved_delete, name="saved_delete"),
    path("search/alerts/", views_saved.alert_list, name="alert_list"),
    path("api/v1/search", views.search_api, name="api_search"),
    path(
        "api/v1/achievements/<int:pk>/matches",
        views_matches.matches_api,
        {"type_name": "achievement"},
        name="api_achievement_matches",
    ),
    path(
        "api/v1/needs/<int:pk>/matches",
        views_matches.matches_api,
        {"type_name": "need"},
        name="api_need_matches",
    ),
    path(
        "api/v1/challenges/<int:pk>/matches",
        views_matches.matches_api,
        {"type_name": "challenge"},
        name="api_challenge_matches",
    ),
    path(
        "matches/<str:type_name>/<int:pk>/dismiss/",
        views_matches.dismiss,
        name="dismiss_match",
    ),
]
