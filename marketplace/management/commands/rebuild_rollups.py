"""``manage.py rebuild_rollups [--year Y]``: recompute the dashboard's ledger rollups.

For repair, and after facts the rollups copy have changed without a contract event
(an organisation's kind, the technology field tree, ``DISTRICT_CODE``).
"""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from marketplace import rollups


class Command(BaseCommand):
    help = "Recompute the ledger rollups the bureau dashboard reads (all years, or one)."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="Only this registration year.")

    def handle(self, *args, year: int | None = None, **options):
        def progress(read: int) -> None:
            if options["verbosity"] > 1:
                self.stdout.write(_("已读取 %(n)d 份合同…") % {"n": read})

        result = rollups.rebuild(year=year, progress=progress)
        if options["verbosity"] > 0:
            self.stdout.write(
                _(
                    "汇总已重建：%(contracts)d 份已登记合同，"
                    "%(ledger_rows)d 行台账汇总，%(party_rows)d 行机构汇总。"
                )
                % result
            )
