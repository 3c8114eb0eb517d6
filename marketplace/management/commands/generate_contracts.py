"""``manage.py generate_contracts --count N``: a large synthetic ledger for load tests (spec §8).

Writes contracts straight into the ledger in batches (``bulk_create``), without the
services' audit rows: it exists to measure the dashboard at a million contracts,
not to make demo data (``seed_demo`` does that through the services). The same
seed gives the same ledger. Contracts spread over ``--years`` (default: the last
four, this one included), most registered, a few pending, rejected or drafts;
some registered ones are amended or cancelled, a few of those in the next year.
The rollups are rebuilt at the end. ``--delete`` removes what an earlier run made.

Refused where demo data is not allowed (production settings).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import Organisation, OrganisationKind, VerificationStatus
from marketplace import rollups
from marketplace.demo import make_credit_code
from marketplace.models import (
    AdjustmentKind,
    ContractAdjustment,
    ContractSource,
    ContractStatus,
    ContractType,
    PaymentMethod,
    TechContract,
    TechField,
)

PREFIX = "GEN-"
ORG_PREFIX = "生成机构"
CENT = Decimal("0.01")
KINDS = [
    (OrganisationKind.ENTERPRISE, 60),
    (OrganisationKind.UNIVERSITY, 12),
    (OrganisationKind.INSTITUTE, 12),
    (OrganisationKind.SERVICE_AGENCY, 10),
    (OrganisationKind.OTHER, 6),
]
OUTSIDE_REGIONS = ["110105", "310104", "320102", "440305", "330106", "330304", "330381"]


class Command(BaseCommand):
    help = "Generate a large synthetic contract ledger (load tests of the dashboard)."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=100_000)
        parser.add_argument("--seed", type=int, default=2024)
        parser.add_argument(
            "--years", default="", help="FIRST-LAST, e.g. 2023-2026 (default: last four)"
        )
        parser.add_argument("--organisations", type=int, default=600)
        parser.add_argument("--batch", type=int, default=5000)
        parser.add_argument(
            "--delete", action="store_true", help="Remove generated contracts first."
        )

    def handle(self, *args, **o):
        if not settings.ALLOW_DEMO_DATA:
            raise CommandError("Generated contracts are refused here (ALLOW_DEMO_DATA is off).")
        today = timezone.localdate()
        if o["years"]:
            first, _, last = o["years"].partition("-")
            years = list(range(int(first), int(last or first) + 1))
        else:
            years = list(range(today.year - 3, today.year + 1))
        started = time.monotonic()
        if o["delete"]:
            self._delete()
        if TechContract.objects.filter(contract_no__startswith=PREFIX).exists():
            raise CommandError("Generated contracts exist already: run with --delete to replace.")
        rng = random.Random(o["seed"])
        district = settings.DISTRICT_CODE
        orgs = self._organisations(o["organisations"], district, rng)
        fields = list(TechField.objects.order_by("id").values_list("id", flat=True)) or [None]
        made = 0
        batch: list[TechContract] = []
        adjustments_made = 0
        for i in range(o["count"]):
            batch.append(self._contract(i, rng, years, today, district, orgs, fields, o["seed"]))
            if len(batch) >= o["batch"]:
                adjustments_made += self._save(batch, rng, today)
                made += len(batch)
                batch = []
                if made % (o["batch"] * 20) == 0:
                    self.stdout.write(f"{made} contracts ({time.monotonic() - started:.0f} s)")
        if batch:
            adjustments_made += self._save(batch, rng, today)
            made += len(batch)
        generated = time.monotonic() - started
        self.stdout.write(f"{made} contracts, {adjustments_made} adjustments in {generated:.0f} s")
        result = rollups.rebuild()
        self.stdout.write(
            f"rollups rebuilt in {time.monotonic() - started - generated:.0f} s: "
            f"{result['contracts']} registered contracts, {result['ledger_rows']} ledger rows, "
            f"{result['party_rows']} organisation rows"
        )

    # --- pieces ----------------------------------------------------------------------------
    def _delete(self) -> None:
        generated = TechContract.objects.filter(contract_no__startswith=PREFIX)
        with transaction.atomic():
            ContractAdjustment.objects.filter(contract__in=generated).delete()
            deleted, _ = generated.delete()
        self.stdout.write(f"deleted {deleted} generated rows")

    def _organisations(self, count: int, district: str, rng: random.Random) -> list[dict]:
        existing = {o.name: o for o in Organisation.objects.filter(name__startswith=ORG_PREFIX)}
        new = []
        kinds = [k for k, weight in KINDS for _ in range(weight)]
        for n in range(1, count + 1):
            name = f"{ORG_PREFIX}{n:04d}"
            if name in existing:
                continue
            new.append(
                Organisation(
                    name=name,
                    kind=kinds[n % len(kinds)],
                    region_code=district if n % 3 else f"{district}{n % 20 + 1:03d}",
                    credit_code=make_credit_code("91", district, f"{7_000_000 + n:08d}"),
                    status=VerificationStatus.VERIFIED,
                )
            )
        Organisation.objects.bulk_create(new, batch_size=1000)
        rows = Organisation.objects.filter(name__startswith=ORG_PREFIX).order_by("name")
        return list(rows.values("name", "credit_code", "region_code"))

    def _party(self, rng: random.Random, inside: bool, orgs: list[dict], district: str) -> tuple:
        if inside:
            if rng.random() < 0.9:
                # A few organisations do most of the business (a long tail).
                org = orgs[min(int(rng.paretovariate(1.2)) - 1, len(orgs) - 1)]
                return org["name"], org["credit_code"], org["region_code"]
            n = rng.randrange(100_000)
            return f"个人{n:05d}", "", f"{district}{rng.randrange(1, 20):03d}"
        n = rng.randrange(50_000)
        region = OUTSIDE_REGIONS[n % len(OUTSIDE_REGIONS)]
        return f"外地单位{n:05d}", make_credit_code("91", region, f"{n:08d}"), region

    def _contract(self, i, rng, years, today, district, orgs, fields, seed) -> TechContract:
        year = years[min(int(rng.random() * len(years)), len(years) - 1)]
        last_day = min(today, dt.date(year, 12, 31))
        span = (last_day - dt.date(year, 1, 1)).days
        registered_on = dt.date(year, 1, 1) + dt.timedelta(days=rng.randint(0, max(span, 0)))
        signed_on = registered_on - dt.timedelta(days=rng.randint(0, 60))
        roll = rng.random()
        seller_in, buyer_in = (
            (True, False) if roll < 0.5 else (False, True) if roll < 0.8 else
            (True, True) if roll < 0.92 else (False, False)
        )  # fmt: skip
        seller = self._party(rng, seller_in, orgs, district)
        buyer = self._party(rng, buyer_in, orgs, district)
        amount = (Decimal(int(rng.lognormvariate(12.5, 1.1) * 100)) / 100).quantize(CENT)
        amount = max(amount, Decimal("1000.00"))
        tech = (amount * Decimal(rng.randint(50, 100)) / 100).quantize(CENT)
        status_roll = rng.random()
        status = (
            ContractStatus.REGISTERED if status_roll < 0.92 else
            ContractStatus.SUBMITTED if status_roll < 0.96 else
            ContractStatus.REJECTED if status_roll < 0.98 else ContractStatus.DRAFT
        )  # fmt: skip
        registered = status == ContractStatus.REGISTERED
        return TechContract(
            contract_no=f"{PREFIX}{seed}-{i:08d}",
            title=f"生成合同{i:08d}",
            contract_type=rng.choice(ContractType.values),
            seller_name=seller[0],
            seller_credit_code=seller[1],
            seller_region=seller[2],
            buyer_name=buyer[0],
            buyer_credit_code=buyer[1],
            buyer_region=buyer[2],
            signed_on=signed_on,
            contract_amount=amount,
            tech_amount=tech,
            tech_field_id=None if rng.random() < 0.1 else rng.choice(fields),
            payment_method=rng.choice(PaymentMethod.values),
            source=ContractSource.OFFLINE,
            status=status,
            registration_no=f"{year}9{i:011d}" if registered else "",
            registered_on=registered_on if registered else None,
            status_reason="材料不全" if status == ContractStatus.REJECTED else "",
        )

    def _save(self, batch: list[TechContract], rng: random.Random, today: dt.date) -> int:
        with transaction.atomic():
            TechContract.objects.bulk_create(batch)
            adjustments = []
            for contract in batch:
                if contract.status != ContractStatus.REGISTERED:
                    continue
                roll = rng.random()
                if roll >= 0.045:
                    continue
                days = rng.randint(1, 200)
                effective = contract.registered_on + dt.timedelta(days=days)
                if roll < 0.03:  # amended, now and then twice
                    for _ in range(1 if rng.random() < 0.8 else 2):
                        factor = Decimal(rng.randint(70, 130)) / 100
                        new_amount = (contract.contract_amount * factor).quantize(CENT)
                        new_tech = min((contract.tech_amount * factor).quantize(CENT), new_amount)
                        adjustments.append(
                            ContractAdjustment(
                                contract=contract,
                                kind=AdjustmentKind.AMENDMENT,
                                effective_on=effective,
                                contract_amount=new_amount,
                                tech_amount=new_tech,
                                reason="补充协议（生成）",
                            )
                        )
                        effective += dt.timedelta(days=rng.randint(1, 90))
                else:
                    adjustments.append(
                        ContractAdjustment(
                            contract=contract,
                            kind=AdjustmentKind.CANCELLATION,
                            effective_on=effective,
                            reason="双方解除（生成）",
                        )
                    )
            ContractAdjustment.objects.bulk_create(adjustments)
        return len(adjustments)
