from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = _("搜索与匹配")

    def ready(self) -> None:
        from search import receivers  # noqa: F401  (connects the indexing receivers)
