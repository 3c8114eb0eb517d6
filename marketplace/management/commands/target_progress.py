"""``manage.py target_progress --year Y [--format json]`` (spec §10)."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from marketplace.ledger import target_progress, year_in_range
from marketplace.models import TargetBasis, TargetMeasure


class Command(BaseCommand):
    help = "Progress of the registered contract ledger toward the year's target."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, year: int, format: str, **options):
        if not year_in_range(year):
            raise CommandError(_("年度须在 1 到 9999 之间。"))
        progress = target_progress(year)
        out = {
            "year": progress["year"],
            "target": f"{progress['target']:.2f}",
            "measure": progress["measure"],
            "basis": progress["basis"],
            "counted": f"{progress['counted']:.2f}",
            "contracts": progress["contracts"],
            "percent": f"{progress['percent']:.2f}",
        }
        if format == "json":
            self.stdout.write(json.dumps(out, ensure_ascii=False))
            return
        self.stdout.write(
            _(
                "%(year)d 年：已计入 %(counted)s 元（%(contracts)d 份合同），"
                "目标 %(target)s 元，完成 %(percent)s%%。口径：%(measure)s；范围：%(basis)s。"
            )
            % {
                **out,
                "year": year,
                "measure": TargetMeasure(out["measure"]).label,
                "basis": TargetBasis(out["basis"]).label,
            }
        )
