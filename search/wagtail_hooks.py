"""Search screens in the Wagtail admin: the 检索词典 (staff dictionary words)."""

from wagtail import hooks
from wagtail.permissions import register_permission_policy

from search.admin_views import dictionary_policy, dictionary_viewset
from search.models import DictionaryWord

# Registered at import, before any view asks for the model's policy (Wagtail requires it).
register_permission_policy(DictionaryWord, dictionary_policy())


@hooks.register("register_admin_viewset")
def register_dictionary_viewset():
    return dictionary_viewset
