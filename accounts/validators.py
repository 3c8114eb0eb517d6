"""Validators for the codes that identify organisations.

- Unified social credit code (统一社会信用代码), GB 32100-2015: 18 characters;
  the last is a check character over the first 17, and characters 9–17 embed a
  GB 11714 organisation code with its own check character. Both are verified.
- Administrative division code (行政区划代码), GB/T 2260: 6 digits.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_CODE_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_REGION_RE = re.compile(r"^[1-8]\d{5}(\d{3}(\d{3})?)?$")


def credit_code_check_char(first17: str) -> str:
    total = sum(
        CREDIT_CODE_ALPHABET.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    total = sum(_ORG_CODE_ALPHABET.index(c) * w for c, w in zip(first8, _ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def normalise_credit_code(value: str) -> str:
    """Upper-case, half-width, no spaces: what people paste from licences."""
    value = value.strip().upper().replace(" ", "")
    return "".join(chr(ord(c) - 0xFEE0) if "！" <= c <= "～" else c for c in value)


def validate_credit_code(value: str) -> None:
    code = normalise_credit_code(value)
    if len(code) != 18:
        raise ValidationError(
            _("统一社会信用代码应为 18 位，当前为 %(n)d 位。"),
            code="length",
            params={"n": len(code)},
        )
    bad = sorted({c for c in code if c not in CREDIT_CODE_ALPHABET})
    if bad:
        raise ValidationError(
            _("统一社会信用代码含有不允许的字符：%(chars)s（不使用 I、O、Z、S、V）。"),
            code="charset",
            params={"chars": "".join(bad)},
        )
    if code[17] != credit_code_check_char(code[:17]):
        raise ValidationError(_("统一社会信用代码校验位不正确，请核对后重新输入。"), code="check")
    org_code = code[8:17]
    if org_code[8] != org_code_check_char(org_code[:8]):
        raise ValidationError(
            _("统一社会信用代码中的组织机构代码（第 9–17 位）校验位不正确。"), code="org_check"
        )


def validate_region_code(value: str) -> None:
    """A county-level (6 digits) or street-level (9 or 12 digits, GB/T 10114) division code."""
    if not _REGION_RE.match(value or ""):
        raise ValidationError(
            _("行政区划代码应为 6 位数字（GB/T 2260），或 9/12 位乡镇街道代码，例如 330302。"),
            code="region",
        )


def region_within(code: str, district_code: str) -> bool:
    """True when ``code`` is the district itself or a division under it.

    GB/T 2260 codes nest by prefix: 330300 (温州市) holds 330302 (鹿城区), which
    holds its streets 330302001…; trailing "00" pairs mark the level.
    """
    prefix = district_code
    while len(prefix) > 2 and prefix.endswith("00"):
        prefix = prefix[:-2]
    return bool(code) and code.startswith(prefix)
