"""No query string makes one of the site's own pages answer 500 (spec §5: no 5xx; §11).

Every route of the project (Wagtail's own admin screens aside) is requested by a visitor,
a researcher and bureau staff, with its ids pointing at real rows and at an id no integer
column holds, and with every parameter the pages read set to a control character, an
out-of-range number or a pasted paragraph: the kinds of input that once reached the
database or Elasticsearch as they were.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests import factories
from tests.challenges.helpers import World

pytestmark = pytest.mark.django_db

PARAMS = (
    "q", "page", "page_size", "sort", "type", "status", "field", "mode", "money", "org_kind",
    "region", "year", "quarter", "format", "limit", "next", "stage", "tech_field", "trl_band",
    "price_band", "organisation_kind", "cooperation_modes", "id", "p",
)  # fmt: skip
VALUES = ("\x00", "99999999999999999999", "石墨烯薄膜" * 60)
HUGE_ID = "99999999999999999999"
# Wagtail's own admin screens, and routes that are files, redirects or sign-out.
SKIPPED = re.compile(
    r"^(admin/(pages|choose|collections|workflows|reports|tag-|images|documents|users|groups"
    r"|sites|locales|redirects|snippets|account|login|logout|password|bulk|test404|failwhale"
    r"|jsi18n|settings|embeds|editing-sessions|dismissibles|block-preview|sprite)"
    r"|documents/|media/|static/|_util/|accounts/logout|i18n/)"
)


def _routes(patterns=None, prefix: str = "") -> list[str]:
    routes = []
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            routes += _routes(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            route = prefix + str(p.pattern)
            if "^" not in route and "(?P" not in route and not SKIPPED.match(route):
                routes.append(route)
    return routes


def _paths(route: str, ids: dict[str, int]) -> list[str]:
    """The route with its ids pointing at real rows, and with every id out of range."""
    kind = route.split("/")[2 if route.startswith("api/") else 0]

    def real(m: re.Match) -> str:
        if m.group(1) != "int":
            return "x"
        return str(ids.get(kind if m.group(2) == "pk" else m.group(2), 1))

    path = "/" + re.sub(r"<(\w+):(\w+)>", real, route)
    if "<int:" not in route:
        return [path]
    huge = "/" + re.sub(r"<(\w+):(\w+)>", lambda m: HUGE_ID if m.group(1) == "int" else "x", route)
    return [path, huge]


@pytest.fixture
def site():
    world = World()
    challenge, application, _second = world.scored()
    achievement = factories.achievement(world.team_org, title="柔性压力传感器")
    need = factories.need(world.issuer_org, title="注塑件翘曲检测")
    ids = {
        "achievements": achievement.pk,
        "needs": need.pk,
        "challenges": challenge.pk,
        "application_id": application.pk,
        "year": 2024,
    }
    return world, ids


@pytest.mark.parametrize("who", ["visitor", "researcher", "staff"])
def test_odd_query_strings_never_make_a_server_error(site, settings, who):
    settings.SEARCH_BACKEND = "database"
    world, ids = site
    client = Client(raise_request_exception=False)
    if who != "visitor":
        client.force_login(world.staff if who == "staff" else world.researcher)
    failures = []
    for route in _routes():
        if route.startswith("admin/") and who != "staff":
            continue
        for path in _paths(route, ids):
            for value in VALUES:
                response = client.get(path, dict.fromkeys(PARAMS, value))
                if response.status_code >= 500:
                    failures.append(f"{path} ({value[:6]!r}): {response.status_code}")
    assert failures == []
