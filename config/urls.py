from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from cms.views import serve_image
from config.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/", include("allauth.urls")),
    path("accounts/", include("accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # Wagtail images (news pictures, hero images); listing files go through marketplace.
    re_path(
        r"^media/(?P<path>(?:original_images|images)/[^/]+)$",
        serve_image,
        name="wagtail_image_file",
    ),
    path("", include("marketplace.urls")),
    path("", include("search.urls")),
]

# Wagtail serves every other path from the page tree (home page at /).
urlpatterns.append(path("", include(wagtail_urls)))
