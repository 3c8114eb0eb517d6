"""Deal and notification routes (spec §10); included under the ``marketplace`` namespace."""

from django.urls import path

from marketplace.views import deals

urlpatterns = [
    path("achievements/<int:pk>/inquire/", deals.achievement_inquire, name="achievement_inquire"),
    path("needs/<int:pk>/inquire/", deals.need_inquire, name="need_inquire"),
    path("deals/", deals.deal_list, name="deal_list"),
    path("deals/<int:pk>/", deals.deal_detail, name="deal_detail"),
    path("deals/<int:pk>/accept/", deals.deal_accept, name="deal_accept"),
    path("deals/<int:pk>/messages/", deals.deal_message, name="deal_message"),
    path("deals/<int:pk>/sign/", deals.deal_sign, name="deal_sign"),
    path("deals/<int:pk>/close/", deals.deal_close, name="deal_close"),
    path("deals/<int:pk>/broker/", deals.deal_assign_broker, name="deal_assign_broker"),
    path(
        "deals/<int:pk>/messages/<int:message_id>/attachment/",
        deals.deal_attachment,
        name="deal_attachment",
    ),
    path("notifications/", deals.notification_list, name="notification_list"),
    path("notifications/read/", deals.notification_read_all, name="notification_read_all"),
    path("notifications/<int:pk>/", deals.notification_open, name="notification_open"),
]
