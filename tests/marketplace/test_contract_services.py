"""Contract services (spec §6): who may do what, the registration workflow, adjustments."""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from accounts.models import Role
from lib.errors import DomainError, NotAllowed
from marketplace.models import (
    AdjustmentKind,
    ContractAdjustment,
    ContractEvent,
    ContractSource,
    ContractStatus,
    Target,
    TechContract,
    TechField,
)
from marketplace.services import contracts as services
from tests import factories
from tests.conftest import need_service

D = Decimal
BUYER_CODE = "91440300708461136T"
_numbers = itertools.count(1)


def contract_data(seller_code: str, **extra) -> dict:
    n = next(_numbers)
    data = {
        "contract_no": f"S-{n:05d}",
        "title": "高镍三元正极材料制备技术转让",
        "contract_type": "transfer",
        "seller_name": "瓯江大学",
        "seller_credit_code": seller_code,
        "seller_region": "330302",
        "buyer_name": "深圳某新能源公司",
        "buyer_credit_code": BUYER_CODE,
        "buyer_region": "440305",
        "signed_on": dt.date(2024, 3, 1),
        "contract_amount": D("1200000.00"),
        "tech_amount": D("1000000.00"),
        "payment_method": "instalments",
    }
    data.update(extra)
    return data


def submitted(personas, **extra) -> TechContract:
    item = services.contract_create(
        data=contract_data(personas.organisation.credit_code, **extra), by=personas.owner
    )
    return services.contract_submit(contract=item, by=personas.owner)


def registered(personas, **extra) -> TechContract:
    return services.contract_register(
        contract=submitted(personas, **extra),
        registration_no=f"{3303022024000000 + next(_numbers)}",
        registered_on=dt.date(2024, 4, 1),
        by=personas.staff,
    )


# --- creating and editing ---------------------------------------------------------------
def test_owner_creates_a_draft_for_their_organisation(personas):
    field = TechField.objects.get(name="新材料及其应用", parent=None)
    item = services.contract_create(
        data=contract_data(personas.organisation.credit_code, tech_field=field),
        by=personas.owner,
    )

    assert item.status == ContractStatus.DRAFT
    assert item.source == ContractSource.ONLINE
    assert item.tech_field == field
    assert item.contract_amount == D("1200000.00")
    event = ContractEvent.objects.get(contract=item)
    assert (event.action, event.actor, event.to_status) == ("create", personas.owner, "draft")
    assert event.after["tech_amount"] == "1000000.00"
    assert event.after["signed_on"] == "2024-03-01"


def test_outsider_cannot_create_a_contract_between_other_parties(personas):
    with pytest.raises(NotAllowed):
        services.contract_create(
            data=contract_data(personas.organisation.credit_code), by=personas.outsider
        )
    assert not TechContract.objects.exists()


def test_only_bureau_staff_enter_offline_contracts(personas):
    with pytest.raises(NotAllowed):
        services.contract_create(
            data=contract_data(personas.organisation.credit_code),
            by=personas.owner,
            source=ContractSource.OFFLINE,
        )
    item = services.contract_create(
        data=contract_data(personas.organisation.credit_code),
        by=personas.staff,
        source=ContractSource.OFFLINE,
    )
    assert item.source == ContractSource.OFFLINE


def test_colleague_and_staff_may_edit_an_unregistered_contract_but_outsider_may_not(personas):
    item = submitted(personas)

    services.contract_update(contract=item, data={"title": "修改后的名称"}, by=personas.colleague)
    services.contract_update(contract=item, data={"title": "工作人员修改"}, by=personas.staff)
    with pytest.raises(NotAllowed):
        services.contract_update(contract=item, data={"title": "外人修改"}, by=personas.outsider)

    item.refresh_from_db()
    assert item.title == "工作人员修改"
    update = ContractEvent.objects.filter(contract=item, action="update").first()
    assert update.before == {"title": "修改后的名称"}
    assert update.after == {"title": "工作人员修改"}


def test_create_validates_every_field(personas):
    with pytest.raises(ValidationError) as caught:
        services.contract_create(
            data=contract_data(
                "91110000802100433C",  # wrong check character
                buyer_region="3303",
                contract_amount=D("-1.00"),
                tech_amount=D("5.00"),
                contract_type="purchase",
            ),
            by=personas.staff,
        )
    errors = caught.value.message_dict
    assert {
        "seller_credit_code",
        "buyer_region",
        "contract_amount",
        "tech_amount",
        "contract_type",
    } <= set(errors)
    assert any("校验位" in m for m in errors["seller_credit_code"])
    assert "技术交易额不能大于合同成交额。" in errors["tech_amount"]


def test_tech_amount_above_contract_amount_is_refused(personas):
    with pytest.raises(ValidationError) as caught:
        services.contract_create(
            data=contract_data(
                personas.organisation.credit_code,
                contract_amount=D("100.00"),
                tech_amount=D("100.01"),
            ),
            by=personas.owner,
        )
    assert caught.value.message_dict["tech_amount"] == ["技术交易额不能大于合同成交额。"]


def test_credit_codes_are_optional_for_natural_persons_and_normalised_when_given(personas):
    item = services.contract_create(
        data=contract_data(" 91330100799655058b ", buyer_credit_code="", buyer_name="张三"),
        by=personas.staff,
    )
    assert item.seller_credit_code == "91330100799655058B"
    assert item.buyer_credit_code == ""


# --- registration -----------------------------------------------------------------------
def test_staff_registers_a_submitted_contract(personas):
    item = submitted(personas)

    item = services.contract_register(
        contract=item,
        registration_no="3303022024000001",
        registered_on=dt.date(2024, 4, 2),
        by=personas.staff,
    )

    item.refresh_from_db()
    assert item.status == ContractStatus.REGISTERED
    assert item.registration_no == "3303022024000001"
    assert item.registered_on == dt.date(2024, 4, 2)
    assert item.registered_by == personas.staff
    event = ContractEvent.objects.filter(contract=item).first()
    assert (event.action, event.from_status, event.to_status) == (
        "register",
        "submitted",
        "registered",
    )


@pytest.mark.parametrize("who", ["owner", "colleague", "outsider"])
def test_only_bureau_staff_register_or_reject(personas, who):
    item = submitted(personas)
    person = getattr(personas, who)

    with pytest.raises(NotAllowed):
        services.contract_register(
            contract=item,
            registration_no="3303022024000001",
            registered_on=dt.date(2024, 4, 2),
            by=person,
        )
    with pytest.raises(NotAllowed):
        services.contract_reject(contract=item, reason="材料不全", by=person)

    item.refresh_from_db()
    assert item.status == ContractStatus.SUBMITTED
    assert not ContractEvent.objects.filter(contract=item, action__in=["register", "reject"])


@pytest.mark.parametrize("who", ["owner", "colleague", "outsider"])
def test_only_bureau_staff_amend_or_cancel(personas, who):
    item = registered(personas)
    person = getattr(personas, who)

    with pytest.raises(NotAllowed):
        services.contract_amend(
            contract=item,
            effective_on=dt.date(2024, 6, 1),
            contract_amount=D("1.00"),
            tech_amount=D("1.00"),
            reason="调整",
            by=person,
        )
    with pytest.raises(NotAllowed):
        services.contract_cancel(
            contract=item, effective_on=dt.date(2024, 6, 1), reason="解除", by=person
        )
    assert not ContractAdjustment.objects.exists()


def test_a_contract_is_registered_only_once(personas):
    item = registered(personas)

    with pytest.raises(DomainError, match="不能重复登记"):
        services.contract_register(
            contract=item,
            registration_no="3303022024999999",
            registered_on=dt.date(2024, 5, 1),
            by=personas.staff,
        )
    item.refresh_from_db()
    assert item.registration_no != "3303022024999999"


def test_a_draft_must_be_submitted_before_registration(personas):
    item = services.contract_create(
        data=contract_data(personas.organisation.credit_code), by=personas.owner
    )
    with pytest.raises(DomainError, match="草稿"):
        services.contract_register(
            contract=item,
            registration_no="3303022024000001",
            registered_on=dt.date(2024, 4, 2),
            by=personas.staff,
        )


@pytest.mark.parametrize("number", ["123", "33030220240000011", "330302202400000A", ""])
def test_registration_number_has_sixteen_digits(personas, number):
    item = submitted(personas)
    with pytest.raises(ValidationError) as caught:
        services.contract_register(
            contract=item, registration_no=number, registered_on=dt.date(2024, 4, 2), by=None
        )
    assert "registration_no" in caught.value.message_dict
    item.refresh_from_db()
    assert item.status == ContractStatus.SUBMITTED


def test_registration_number_is_unique(personas):
    first = registered(personas)
    with pytest.raises(DomainError, match="已被其他合同使用"):
        services.contract_register(
            contract=submitted(personas),
            registration_no=first.registration_no,
            registered_on=dt.date(2024, 4, 2),
            by=personas.staff,
        )


def test_registration_date_cannot_precede_signing(personas):
    with pytest.raises(ValidationError) as caught:
        services.contract_register(
            contract=submitted(personas),
            registration_no="3303022024000001",
            registered_on=dt.date(2024, 2, 1),
            by=personas.staff,
        )
    assert "registered_on" in caught.value.message_dict


def test_rejection_needs_a_reason_and_the_contract_can_be_resubmitted(personas):
    item = submitted(personas)
    with pytest.raises(DomainError):
        services.contract_reject(contract=item, reason="  ", by=personas.staff)

    item = services.contract_reject(contract=item, reason="合同金额与发票不符", by=personas.staff)
    assert (item.status, item.status_reason) == ("rejected", "合同金额与发票不符")

    item = services.contract_update(
        contract=item, data={"contract_amount": D("1100000.00")}, by=personas.owner
    )
    item = services.contract_submit(contract=item, by=personas.owner)
    assert (item.status, item.status_reason) == ("submitted", "")


def test_a_registered_contract_is_never_edited(personas):
    item = registered(personas)
    for who in (personas.owner, personas.staff, None):
        with pytest.raises(DomainError, match="已登记的合同不能修改"):
            services.contract_update(contract=item, data={"title": "改名"}, by=who)
    with pytest.raises(DomainError):
        services.contract_reject(contract=item, reason="撤销", by=personas.staff)
    with pytest.raises(DomainError):
        services.contract_submit(contract=item, by=personas.owner)
    item.refresh_from_db()
    assert item.title == "高镍三元正极材料制备技术转让"


# --- amendments and cancellations ---------------------------------------------------------
def test_amendment_is_a_new_logged_row(personas):
    item = registered(personas)

    adjustment = services.contract_amend(
        contract=item,
        effective_on=dt.date(2024, 8, 1),
        contract_amount=D("900000.00"),
        tech_amount=D("750000.00"),
        reason="补充协议调减金额",
        by=personas.staff,
    )

    assert adjustment.kind == AdjustmentKind.AMENDMENT
    assert adjustment.created_by == personas.staff
    item.refresh_from_db()
    assert (item.contract_amount, item.tech_amount) == (D("1200000.00"), D("1000000.00"))
    event = ContractEvent.objects.filter(contract=item).first()
    assert event.action == "amend"
    assert event.before == {"contract_amount": "1200000.00", "tech_amount": "1000000.00"}
    assert event.after == {
        "contract_amount": "900000.00",
        "tech_amount": "750000.00",
        "effective_on": "2024-08-01",
    }
    assert event.reason == "补充协议调减金额"


def test_amendment_is_validated(personas):
    item = registered(personas)
    with pytest.raises(ValidationError) as caught:
        services.contract_amend(
            contract=item,
            effective_on=dt.date(2024, 8, 1),
            contract_amount=D("10.00"),
            tech_amount=D("20.00"),
            reason="调整",
            by=personas.staff,
        )
    assert "tech_amount" in caught.value.message_dict
    with pytest.raises(DomainError, match="原因"):
        services.contract_amend(
            contract=item,
            effective_on=dt.date(2024, 8, 1),
            contract_amount=D("10.00"),
            tech_amount=D("5.00"),
            reason="",
            by=personas.staff,
        )
    with pytest.raises(DomainError, match="登记日期"):
        services.contract_amend(
            contract=item,
            effective_on=dt.date(2024, 3, 31),
            contract_amount=D("10.00"),
            tech_amount=D("5.00"),
            reason="调整",
            by=personas.staff,
        )
    assert not ContractAdjustment.objects.exists()


def test_only_registered_contracts_are_amended_or_cancelled(personas):
    item = submitted(personas)
    with pytest.raises(DomainError):
        services.contract_cancel(
            contract=item, effective_on=dt.date(2024, 6, 1), reason="解除", by=personas.staff
        )


def test_a_cancelled_contract_takes_no_further_adjustments(personas):
    item = registered(personas)
    services.contract_cancel(
        contract=item, effective_on=dt.date(2024, 9, 1), reason="双方协议解除", by=personas.staff
    )
    assert ContractEvent.objects.filter(contract=item).first().action == "cancel"

    with pytest.raises(DomainError, match="已注销"):
        services.contract_amend(
            contract=item,
            effective_on=dt.date(2024, 10, 1),
            contract_amount=D("10.00"),
            tech_amount=D("5.00"),
            reason="调整",
            by=personas.staff,
        )
    with pytest.raises(DomainError, match="已注销"):
        services.contract_cancel(
            contract=item, effective_on=dt.date(2024, 10, 1), reason="再次注销", by=personas.staff
        )
    item.refresh_from_db()
    assert item.status == ContractStatus.REGISTERED  # history, not an edit


# --- the target --------------------------------------------------------------------------
def test_only_bureau_staff_set_the_target(personas):
    for who in (personas.owner, personas.outsider):
        with pytest.raises(NotAllowed):
            services.target_save(year=2024, amount=D("1.00"), by=who)

    target = services.target_save(year=2025, amount=D("6000000000.00"), by=personas.staff)

    assert Target.objects.get(year=2024).amount == D("5000000000.00")
    assert target.amount == D("6000000000.00")
    assert target.district_code == "330302"
    assert target.updated_by == personas.staff
    with pytest.raises(ValidationError):
        services.target_save(year=2025, amount=D("0.00"), by=personas.staff)


# --- concurrency on PostgreSQL -------------------------------------------------------------
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_staff_registering_at_once_make_one_registration():
    need_service(
        "PostgreSQL",
        connection.vendor == "postgresql",
        f"DATABASE_URL points at {connection.vendor}; row locks need PostgreSQL",
    )
    org = factories.organisation(kind="university")
    staff = [factories.bureau_staff(), factories.bureau_staff()]
    owner = factories.member(org, Role.RESEARCHER)
    item = services.contract_create(data=contract_data(org.credit_code), by=owner)
    item = services.contract_submit(contract=item, by=owner)

    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def register(person, number):
        try:
            barrier.wait()
            services.contract_register(
                contract=TechContract.objects.get(pk=item.pk),
                registration_no=number,
                registered_on=dt.date(2024, 4, 1),
                by=person,
            )
            outcomes.append("registered")
        except DomainError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=register, args=(staff[0], "3303022024000101")),
        threading.Thread(target=register, args=(staff[1], "3303022024000102")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["refused", "registered"]
    item.refresh_from_db()
    assert item.status == ContractStatus.REGISTERED
    assert ContractEvent.objects.filter(contract=item, action="register").count() == 1
    assert item.registration_no in {"3303022024000101", "3303022024000102"}
