"""Awarding a challenge creates the technology-development contract draft (spec §4, §6):
issuer as buyer, winner as seller, the bounty as the exact Decimal amount, linked back."""

from __future__ import annotations

from decimal import Decimal

import pytest

from marketplace.models import ContractSource, ContractStatus, ContractType, TechContract
from marketplace.services import challenge_awards as awards
from marketplace.services import challenge_reviews as reviews
from marketplace.services import challenges as services
from marketplace.services import contracts as contract_services
from tests.challenges.helpers import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return World()


def test_the_award_creates_a_development_contract_draft_between_issuer_and_winner(world):
    challenge, winner, contracts = world.awarded()
    (contract,) = contracts
    contract = TechContract.objects.get(pk=contract.pk)
    assert contract.contract_type == ContractType.DEVELOPMENT_COMMISSIONED
    assert contract.status == ContractStatus.DRAFT
    assert contract.source == ContractSource.ONLINE
    assert contract.challenge == challenge
    assert (contract.buyer_name, contract.buyer_credit_code, contract.buyer_region) == (
        world.issuer_org.name,
        world.issuer_org.credit_code,
        world.issuer_org.region_code,
    )
    assert (contract.seller_name, contract.seller_credit_code, contract.seller_region) == (
        winner.organisation.name,
        winner.organisation.credit_code,
        "330106",
    )
    assert contract.contract_amount == Decimal("1000000.00")
    assert contract.tech_amount == Decimal("1000000.00")
    assert str(contract.contract_amount) == "1000000.00"
    assert contract.valid_from == challenge.execution_start
    assert contract.events.filter(action="create").exists()


def test_a_bounty_with_cents_is_carried_exactly(world):
    challenge = world.published(
        bounty_enterprise=Decimal("333333.33"), bounty_subsidy=Decimal("0.01")
    )
    world.apply(challenge)
    reviews.expert_assign(challenge=challenge, expert=world.expert, by=world.staff)
    services.challenge_close(challenge=challenge, now=challenge.application_deadline)
    reviews.evaluation_start(challenge=challenge, by=world.staff)
    application = challenge.applications.get()
    world.score(challenge, world.expert, application, (80, 80, 80))
    reviews.winners_confirm(challenge=challenge, by=world.staff, winners=[application])
    challenge.refresh_from_db()
    (contract,) = awards.challenge_award(
        challenge=challenge, by=None, now=challenge.publicity_ends_at
    )
    assert contract.contract_amount == Decimal("333333.34")


def test_two_winners_share_the_bounty_to_the_cent_and_each_gets_a_contract(world):
    challenge = world.published(
        bounty_enterprise=Decimal("100000.00"), bounty_subsidy=Decimal("0.01")
    )
    first = world.apply(challenge)
    second = world.apply(challenge, by=world.researcher2)
    reviews.expert_assign(challenge=challenge, expert=world.expert, by=world.staff)
    services.challenge_close(challenge=challenge, now=challenge.application_deadline)
    reviews.evaluation_start(challenge=challenge, by=world.staff)
    world.score(challenge, world.expert, first, (70, 70, 70))
    world.score(challenge, world.expert, second, (90, 90, 90))
    reviews.winners_confirm(challenge=challenge, by=world.staff, winners=[first, second])
    challenge.refresh_from_db()
    contracts = awards.challenge_award(
        challenge=challenge, by=world.staff, now=challenge.publicity_ends_at
    )
    amounts = {c.seller_name: c.contract_amount for c in contracts}
    # The best-ranked winner takes the odd cent; together they are the bounty exactly.
    assert amounts == {
        second.organisation.name: Decimal("50000.01"),
        first.organisation.name: Decimal("50000.00"),
    }
    assert sum(amounts.values()) == challenge.bounty_total


def test_the_contract_draft_goes_through_the_ordinary_registration_flow(world):
    _challenge, _winner, (contract,) = world.awarded()
    contract = contract_services.contract_submit(contract=contract, by=world.issuer)
    registered = contract_services.contract_register(
        contract=contract,
        registration_no="2026330302000077",
        registered_on=contract.signed_on,
        by=world.staff,
    )
    assert registered.status == ContractStatus.REGISTERED


def test_no_contract_is_created_when_the_award_is_refused(world):
    challenge, _first, _second = world.publicised()
    with pytest.raises(Exception):  # noqa: B017 — any refusal; the point is nothing was written
        awards.challenge_award(
            challenge=challenge, by=world.issuer, now=challenge.publicity_ends_at
        )
    assert not TechContract.objects.exists()
