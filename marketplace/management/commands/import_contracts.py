"""``manage.py import_contracts FILE [--dry-run] [--format json]`` (spec §10)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from marketplace.imports import ImportFileError, import_contracts


class Command(BaseCommand):
    help = "Import offline technology contracts from a CSV (UTF-8) or XLSX file."

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV or XLSX file; row 1 is the header")
        parser.add_argument(
            "--dry-run", action="store_true", help="check and report, write nothing"
        )
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, file: str, dry_run: bool, format: str, **options):
        path = Path(file)
        try:
            content = path.read_bytes()
        except OSError as exc:
            message = _("无法读取文件 %(file)s：%(error)s") % {"file": file, "error": exc}
            raise CommandError(message) from exc
        try:
            report = import_contracts(content=content, name=path.name, dry_run=dry_run)
        except ImportFileError as exc:
            raise CommandError(str(exc)) from exc

        if format == "json":
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))
            return
        self.stdout.write(
            _(
                "新增 %(created)d 份，更新 %(updated)d 份，未变化 %(unchanged)d 份，"
                "拒绝 %(rejected)d 行。"
            )
            % {
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "rejected": len(report.rejected),
            }
        )
        for rejected in report.rejected:
            self.stdout.write(
                _("第 %(row)d 行：%(errors)s")
                % {"row": rejected.row, "errors": "；".join(rejected.errors)}
            )
        if dry_run:
            self.stdout.write(_("试运行：未写入任何数据。"))
