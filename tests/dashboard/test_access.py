"""Only bureau staff see the dashboard and its exports (spec §8, §10: 403 for a staff-only page)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Role
from marketplace import tasks_dashboard
from tests import factories

pytestmark = pytest.mark.django_db

OTHERS = ("owner", "colleague", "outsider", "broker", "admin_without_bureau_role")


@pytest.fixture
def people(personas):
    broker_org = factories.organisation(kind="service_agency")
    return {
        "owner": personas.owner,
        "colleague": personas.colleague,
        "outsider": personas.outsider,
        "broker": factories.member(broker_org, Role.BROKER),
        # Django's is_staff (Wagtail admin) is not the bureau role.
        "admin_without_bureau_role": factories.user(is_staff=True),
        "staff": personas.staff,
    }


@pytest.fixture
def job(people):
    return tasks_dashboard.job_create(user_id=people["staff"].pk, year=2024, quarter=None)


def urls(job_id: str) -> list[str]:
    return [
        reverse("marketplace:dashboard"),
        reverse("marketplace:dashboard") + "?year=2024&quarter=2",
        reverse("marketplace:dashboard_export", args=[job_id]),
        reverse("marketplace:dashboard_export", args=[job_id]) + "?format=json",
        reverse("marketplace:dashboard_export_download", args=[job_id]),
    ]


def test_anonymous_visitors_are_sent_to_sign_in(client, job):
    for url in urls(job):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login"))
    response = client.post(reverse("marketplace:dashboard_export_start"), {"year": 2024})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("who", OTHERS)
def test_everyone_but_bureau_staff_gets_403_and_no_figures(client, people, job, who):
    client.force_login(people[who])
    for url in urls(job):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "年度目标进度" not in response.content.decode()


@pytest.mark.parametrize("who", OTHERS)
def test_everyone_but_bureau_staff_cannot_start_an_export(client, people, who):
    client.force_login(people[who])
    before = tasks_dashboard_jobs()

    response = client.post(reverse("marketplace:dashboard_export_start"), {"year": 2024})

    assert response.status_code == 403
    assert tasks_dashboard_jobs() == before


def tasks_dashboard_jobs() -> set[str]:
    from pathlib import Path

    from django.conf import settings

    folder = Path(settings.MEDIA_ROOT) / "dashboard-exports"
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def test_bureau_staff_see_the_dashboard(client, people):
    client.force_login(people["staff"])

    response = client.get(reverse("marketplace:dashboard"))

    assert response.status_code == 200
    assert "年度目标进度" in response.content.decode()


def test_a_superuser_counts_as_bureau_staff(client, db):
    client.force_login(factories.user(is_staff=True, is_superuser=True))

    assert client.get(reverse("marketplace:dashboard")).status_code == 200


def test_an_unknown_export_job_is_404_even_for_staff(client, people):
    client.force_login(people["staff"])

    assert client.get(reverse("marketplace:dashboard_export", args=["0" * 32])).status_code == 404
    assert client.get("/dashboard/exports/../../etc/passwd/download/").status_code == 404


def test_the_admin_menu_links_the_dashboard_for_staff_only(client, people):
    from django.contrib.auth.models import Permission

    client.force_login(people["staff"])
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert '"url": "/dashboard/"' in home  # the sidebar's menu, as Wagtail's JSON props

    # Wagtail admin access without the bureau role: no menu item.
    owner = people["owner"]
    owner.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(owner)
    page = client.get(reverse("wagtailadmin_home"))
    assert page.status_code == 200
    assert reverse("marketplace:dashboard") not in page.content.decode()
