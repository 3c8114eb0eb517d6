"""Monthly rollups of the contract ledger, so the bureau dashboard stays fast (spec §8).

Why these tables exist: at a million contracts, counting the ledger contract by
contract (``marketplace.ledger``) takes seconds; the dashboard must answer in well
under a second. The rollups hold the same figures pre-summed, and are kept
exactly equal to the ledger by ``marketplace.rollups`` in the same transaction
as every registration, amendment and cancellation (``rebuild_rollups`` repairs).

Each row is a *change* to what is counted, not a running total: a registration
adds the contract in the month of its registration date, and an amendment or a
cancellation adds the difference it makes from the month it takes effect
(``effective_month``). Reading a year "as of" a date sums the rows that took
effect by then, which reproduces the ledger's as-of rule (spec §6-7).

Only contracts with at least one party in the year's target district are rolled
up (no basis counts the others); the flags say which party is in the district.

Amounts are whole cents (fen) in integer columns, not decimals: SQLite keeps a
decimal with a fraction as a binary float, so adding millions of them in SQL
would drift by cents, while integer sums are exact on every backend. Money
leaves this module as ``Decimal`` yuan (``marketplace.rollups``).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["LedgerRollup", "OrganisationRollup", "PartyRole", "RollupDimension"]


class RollupDimension(models.TextChoices):
    CONTRACT_TYPE = "type", _("合同类型")
    TECH_FIELD = "field", _("技术领域")
    SELLER_KIND = "seller_kind", _("卖方机构类型")


class PartyRole(models.TextChoices):
    SELLER = "seller", _("卖方（输出）")
    BUYER = "buyer", _("买方（吸纳）")


class LedgerRollup(models.Model):
    """Counted contracts of one registration month, by one breakdown (台账月度汇总).

    Every counted contract appears once under each dimension, so any one
    dimension summed over its values gives the month's total. ``value`` is the
    contract type code, the national technology field's id ("" when none), or
    the seller's organisation kind ("unknown" when the seller is not a known
    organisation on the platform).
    """

    year = models.PositiveSmallIntegerField(_("登记年度"))
    month = models.PositiveSmallIntegerField(_("登记月份"))
    effective_month = models.DateField(_("生效月份"), help_text=_("该变动生效月份的第一天"))
    dimension = models.CharField(_("维度"), max_length=12, choices=RollupDimension.choices)
    value = models.CharField(_("取值"), max_length=30, blank=True)
    seller_in_district = models.BooleanField(_("卖方在本区"))
    buyer_in_district = models.BooleanField(_("买方在本区"))
    contracts = models.IntegerField(_("合同数"), default=0)
    contract_cents = models.BigIntegerField(_("合同成交额（分）"), default=0)
    tech_cents = models.BigIntegerField(_("技术交易额（分）"), default=0)

    class Meta:
        verbose_name = _("台账月度汇总")
        verbose_name_plural = _("台账月度汇总")
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "year",
                    "effective_month",
                    "month",
                    "dimension",
                    "value",
                    "seller_in_district",
                    "buyer_in_district",
                ],
                name="ledgerrollup_unique_key",
            ),
        ]
        # The dashboard's reading (year, as of a month) answered from the index alone.
        indexes = [
            models.Index(
                fields=[
                    "year",
                    "effective_month",
                    "month",
                    "dimension",
                    "value",
                    "seller_in_district",
                    "buyer_in_district",
                    "contracts",
                    "contract_cents",
                    "tech_cents",
                ],
                name="ledgerrollup_reading",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d} {self.dimension}={self.value}"


class OrganisationRollup(models.Model):
    """Counted contracts of one in-district organisation per registration month (机构月度汇总).

    An organisation is identified by its unified social credit code (``party_key``);
    a natural person has none and is not ranked. Only parties in the target
    district are kept, each under the role it had in the contract. Read for the
    dashboard's top organisations.
    """

    year = models.PositiveSmallIntegerField(_("登记年度"))
    month = models.PositiveSmallIntegerField(_("登记月份"))
    effective_month = models.DateField(_("生效月份"))
    role = models.CharField(_("角色"), max_length=6, choices=PartyRole.choices)
    party_key = models.CharField(_("机构标识"), max_length=130)
    name = models.CharField(_("机构名称"), max_length=120)
    contracts = models.IntegerField(_("合同数"), default=0)
    contract_cents = models.BigIntegerField(_("合同成交额（分）"), default=0)
    tech_cents = models.BigIntegerField(_("技术交易额（分）"), default=0)

    class Meta:
        verbose_name = _("机构月度汇总")
        verbose_name_plural = _("机构月度汇总")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "effective_month", "month", "role", "party_key"],
                name="organisationrollup_unique_key",
            ),
        ]
        # Ranking a year's organisations from the index alone, already in party order.
        indexes = [
            models.Index(
                fields=[
                    "year",
                    "party_key",
                    "role",
                    "effective_month",
                    "month",
                    "contracts",
                    "contract_cents",
                    "tech_cents",
                    "name",
                ],
                name="organisationrollup_ranking",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d} {self.role} {self.name}"
