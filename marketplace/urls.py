from django.urls import path

from marketplace import urls_challenges, urls_dashboard, urls_deals
from marketplace.views import files, owner, public

app_name = "marketplace"

urlpatterns = [
    path("achievements/", public.achievement_list, name="achievement_list"),
    path("achievements/new/", owner.achievement_new, name="achievement_new"),
    path("achievements/mine/", owner.achievement_mine, name="achievement_mine"),
    path("achievements/<int:pk>/", public.achievement_detail, name="achievement_detail"),
    path("achievements/<int:pk>/edit/", owner.achievement_edit, name="achievement_edit"),
    path("achievements/<int:pk>/submit/", owner.achievement_submit, name="achievement_submit"),
    path("achievements/<int:pk>/archive/", owner.achievement_archive, name="achievement_archive"),
    path("needs/", public.need_list, name="need_list"),
    path("needs/new/", owner.need_new, name="need_new"),
    path("needs/mine/", owner.need_mine, name="need_mine"),
    path("needs/<int:pk>/", public.need_detail, name="need_detail"),
    path("needs/<int:pk>/edit/", owner.need_edit, name="need_edit"),
    path("needs/<int:pk>/submit/", owner.need_submit, name="need_submit"),
    path("needs/<int:pk>/archive/", owner.need_archive, name="need_archive"),
    path("media/<path:path>", files.serve_media, name="media"),
]

# Inquiries, deals and notifications (spec §6).
urlpatterns += urls_deals.urlpatterns
urlpatterns += urls_dashboard.urlpatterns  # the bureau dashboard (spec §8)
# Open competitions (揭榜挂帅, spec §4).
urlpatterns += urls_challenges.urlpatterns
