from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = _("搜索与匹配")

    def ready(self) -> None:
        from celery.signals import task_prerun
        from django.core.signals import request_started

        from search import (
            receivers,  # noqa: F401  (connects the indexing receivers)
            staff_words,
        )

        # Every process segments with the staff dictionary words as they are now.
        request_started.connect(staff_words.refresh_soon, dispatch_uid="search_staff_words")
        task_prerun.connect(staff_words.refresh_soon, dispatch_uid="search_staff_words")
