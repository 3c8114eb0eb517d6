"""Applications (揭榜申请, spec §4): one per organisation, editable and withdrawable until the
deadline (checked on the server at the moment of the request), and visible only to the
applicant, the issuer, the assigned experts and bureau staff."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Role
from lib.errors import DomainError, NotAllowed
from marketplace import selectors_challenges as sel
from marketplace.models import ApplicationStatus, ChallengeApplication
from marketplace.services import challenge_applications as services
from marketplace.services import challenge_reviews as reviews
from tests import factories
from tests.challenges.helpers import World

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
FIELDS = {
    "team_lead": "王研究员",
    "team_members": "王研究员、赵工程师",
    "proposal": "采用激光三角测量，结合模温闭环控制。",
    "budget": Decimal("880000.00"),
    "milestones": "3 个月方案；9 个月样机",
}


@pytest.fixture
def world():
    return World()


@pytest.fixture
def published(world):
    return world.published()


# --- applying ---------------------------------------------------------------------------------
def test_a_researcher_applies_for_their_verified_organisation(world, published):
    application = world.apply(published)
    assert application.organisation == world.team_org
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.created_by == world.researcher


def test_an_organisation_has_one_application_which_a_colleague_changes(world, published):
    first = world.apply(published)
    again = world.apply(published, by=world.researcher_colleague, proposal="改进后的方案")
    assert again.pk == first.pk
    assert ChallengeApplication.objects.count() == 1
    assert ChallengeApplication.objects.get().proposal == "改进后的方案"


def test_the_issuer_cannot_apply_to_its_own_challenge(world, published):
    with pytest.raises(NotAllowed, match="不能揭自己的榜"):
        services.application_submit(challenge=published, by=world.issuer, data=FIELDS)


def test_members_of_unverified_organisations_and_experts_cannot_apply(world, published):
    unverified = factories.member(factories.organisation(verified=False), Role.RESEARCHER)
    for person in (unverified, world.expert, world.staff):
        with pytest.raises(NotAllowed):
            services.application_submit(challenge=published, by=person, data=FIELDS)
    assert not ChallengeApplication.objects.exists()


def test_applying_to_a_challenge_not_yet_published_is_refused(world):
    with pytest.raises(DomainError, match="不接受揭榜申请"):
        services.application_submit(
            challenge=world.under_review(), by=world.researcher, data=FIELDS
        )


def test_a_budget_must_be_positive(world, published):
    with pytest.raises(ValidationError, match="0.01"):
        services.application_submit(
            challenge=published, by=world.researcher, data={**FIELDS, "budget": Decimal("0")}
        )


def test_a_proposal_file_must_be_a_pdf(world, published):
    fake = SimpleUploadedFile("plan.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError, match="PDF"):
        services.application_submit(
            challenge=published, by=world.researcher, data=FIELDS, proposal_file=fake
        )
    assert not ChallengeApplication.objects.exists()


def test_a_pdf_proposal_is_stored_under_a_random_name(world, published, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("我们的方案.pdf", PDF, content_type="application/pdf")
    application = services.application_submit(
        challenge=published, by=world.researcher, data=FIELDS, proposal_file=upload
    )
    assert application.proposal_file_name == "我们的方案.pdf"
    assert application.proposal_file.name.startswith("challenge-files/")
    assert "我们" not in application.proposal_file.name


# --- the deadline, on the server --------------------------------------------------------------
def test_an_application_after_the_deadline_is_refused(world, published):
    late = published.application_deadline
    with pytest.raises(DomainError, match="截止时间结束"):
        services.application_submit(challenge=published, by=world.researcher, data=FIELDS, now=late)
    assert not ChallengeApplication.objects.exists()


def test_an_application_cannot_be_changed_after_the_deadline(world, published):
    application = world.apply(published)
    with pytest.raises(DomainError, match="截止时间结束"):
        services.application_submit(
            challenge=published,
            by=world.researcher,
            data={"proposal": "截止后偷偷改"},
            now=published.application_deadline + dt.timedelta(seconds=1),
        )
    application.refresh_from_db()
    assert application.proposal != "截止后偷偷改"


def test_a_form_opened_before_the_deadline_and_sent_after_it_is_refused(world, published, client):
    client.force_login(world.researcher)
    url = reverse("marketplace:challenge_apply", args=[published.pk])
    assert client.get(url).status_code == 200  # the page was open in time...
    published.application_deadline = published.application_deadline - dt.timedelta(days=30)
    published.save(update_fields=["application_deadline"])  # ...and the deadline passed meanwhile
    response = client.post(url, {**FIELDS, "budget": "880000"})
    assert response.status_code == 400
    assert "截止时间结束" in response.content.decode()
    assert not ChallengeApplication.objects.exists()


def test_withdrawing_before_the_deadline_and_applying_again(world, published):
    application = world.apply(published)
    withdrawn = services.application_withdraw(
        application=application, by=world.researcher_colleague
    )
    assert withdrawn.status == ApplicationStatus.WITHDRAWN
    again = world.apply(published)
    assert again.pk == application.pk and again.status == ApplicationStatus.SUBMITTED


def test_withdrawing_after_the_deadline_is_refused(world, published):
    application = world.apply(published)
    with pytest.raises(DomainError):
        services.application_withdraw(
            application=application, by=world.researcher, now=published.application_deadline
        )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


def test_only_the_applicant_withdraws(world, published):
    application = world.apply(published)
    for person in (world.issuer, world.staff, world.researcher2):
        with pytest.raises(NotAllowed):
            services.application_withdraw(application=application, by=person)


# --- who sees an application ------------------------------------------------------------------
@pytest.fixture
def seen(world, published, client):
    """Who gets the application page (200) and who is told it does not exist (404)."""
    application = world.apply(published)
    reviews.expert_assign(challenge=published, expert=world.experts[0], by=world.staff)
    url = application.get_absolute_url()

    def status(person) -> int:
        client.logout()
        if person is not None:
            client.force_login(person)
        return client.get(url).status_code

    return status


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("researcher", 200),  # the applicant
        ("researcher_colleague", 200),  # a colleague in the applying organisation
        ("issuer", 200),
        ("staff", 200),
        ("assigned_expert", 200),
        ("unassigned_expert", 404),
        ("outsider", 404),
        ("other_applicant", 404),
        ("anonymous", 302),  # sent to log in, learns nothing
    ],
)
def test_an_application_is_visible_only_to_those_spec_4_names(world, seen, persona, expected):
    people = {
        "researcher": world.researcher,
        "researcher_colleague": world.researcher_colleague,
        "issuer": world.issuer,
        "staff": world.staff,
        "assigned_expert": world.experts[0],
        "unassigned_expert": world.experts[1],
        "outsider": world.outsider,
        "other_applicant": world.researcher2,
        "anonymous": None,
    }
    assert seen(people[persona]) == expected


def test_another_applicant_does_not_see_a_competitors_application_in_the_list(world, published):
    world.apply(published)
    mine = world.apply(published, by=world.researcher2)
    visible = list(sel.applications_visible_to(world.researcher2, published))
    assert visible == [mine]
    assert list(sel.applications_visible_to(world.outsider, published)) == []


def test_the_proposal_file_is_served_only_to_those_who_see_the_application(
    world, published, client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("plan.pdf", PDF, content_type="application/pdf")
    application = services.application_submit(
        challenge=published, by=world.researcher, data=FIELDS, proposal_file=upload
    )
    url = reverse("marketplace:challenge_application_file", args=[published.pk, application.pk])
    client.force_login(world.issuer)
    response = client.get(url)
    assert response.status_code == 200 and response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    client.force_login(world.outsider)
    assert client.get(url).status_code == 404


def test_an_application_of_another_challenge_is_not_reachable_through_a_guessed_id(world, client):
    first = world.published()
    application = world.apply(first)
    other = world.published(title="另一个榜单")
    client.force_login(world.researcher)
    url = reverse("marketplace:challenge_application", args=[other.pk, application.pk])
    assert client.get(url).status_code == 404
