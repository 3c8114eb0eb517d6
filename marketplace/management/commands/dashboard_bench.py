"""``manage.py dashboard_bench``: time ``/dashboard/`` server-side (spec §8: ≤ 300 ms).

Each run is a full request through Django's middleware, view, selectors and template
(the test client, signed in as a bureau staff user, no network); it prints JSON with
p50/p95/min/max in milliseconds, plus the figures' share without the template, the
database engine and the ledger's size. The first runs warm caches and are not counted.
"""

from __future__ import annotations

import json
import statistics
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.utils import timezone

from marketplace import dashboard
from marketplace.models import ContractAdjustment, LedgerRollup, OrganisationRollup, TechContract

BENCH_USER = "dashboard-bench@bench.local"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(share * (len(ordered) - 1))))
    return ordered[index]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(values), 1),
        "p95_ms": round(percentile(values, 0.95), 1),
        "min_ms": round(min(values), 1),
        "max_ms": round(max(values), 1),
    }


class Command(BaseCommand):
    help = "Time the bureau dashboard server-side (p50/p95 over N requests)."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=30)
        parser.add_argument("--warmup", type=int, default=3)
        parser.add_argument("--year", type=int, help="Default: this year.")
        parser.add_argument("--quarter", type=int, choices=[1, 2, 3, 4])

    def handle(self, *args, **o):
        if not settings.ALLOW_DEMO_DATA:
            raise CommandError("The benchmark creates a staff user; refused here.")
        from accounts.models import User

        year = o["year"] or timezone.localdate().year
        user = User.objects.filter(email=BENCH_USER).first() or User.objects.create_superuser(
            email=BENCH_USER, password=None
        )
        client = Client()
        client.force_login(user)
        params = {"year": year, **({"quarter": o["quarter"]} if o["quarter"] else {})}

        def request() -> float:
            started = time.perf_counter()
            response = client.get("/dashboard/", params)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise CommandError(f"/dashboard/ answered {response.status_code}")
            return elapsed

        def figures() -> float:
            started = time.perf_counter()
            dashboard.dashboard(year, quarter=o["quarter"])
            return (time.perf_counter() - started) * 1000

        for _ in range(o["warmup"]):
            request()
        pages = [request() for _ in range(o["runs"])]
        selectors = [figures() for _ in range(o["runs"])]
        result = {
            "engine": connection.vendor,
            "year": year,
            "quarter": o["quarter"],
            "runs": o["runs"],
            "contracts": TechContract.objects.count(),
            "registered_in_year": TechContract.objects.filter(
                status="registered", registered_on__year=year
            ).count(),
            "adjustments": ContractAdjustment.objects.count(),
            "ledger_rollup_rows": LedgerRollup.objects.count(),
            "organisation_rollup_rows": OrganisationRollup.objects.count(),
            "page": summary(pages),
            "figures_only": summary(selectors),
        }
        self.stdout.write(json.dumps(result, ensure_ascii=False))
