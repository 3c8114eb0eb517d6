"""The one way money is shown (house style: yuan, ¥ with thousands separators, 万元/亿元)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.utils.translation import gettext as _

register = template.Library()

WAN = Decimal("10000")
YI = Decimal("100000000")
CENT = Decimal("0.01")


def _plain(amount: Decimal) -> str:
    """Up to two decimals, trailing zeros dropped: 120, 12.5, 1.23."""
    text = f"{amount.quantize(CENT, rounding=ROUND_HALF_UP):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@register.filter
def money(value) -> str:
    """¥1,200,000（120 万元）; ¥3,500; 面议 when there is no amount.

    Readers of technology prices think in 万元 (and 亿元 for the largest deals),
    so amounts from ten thousand yuan up carry that reading too.
    """
    if value is None or value == "":
        return _("面议")
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return ""
    if not amount.is_finite():
        return ""
    amount = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    yuan = f"¥{amount:,.2f}"
    if yuan.endswith(".00"):
        yuan = yuan[:-3]
    if abs(amount) >= YI:
        return _("%(yuan)s（%(amount)s 亿元）") % {"yuan": yuan, "amount": _plain(amount / YI)}
    if abs(amount) >= WAN:
        return _("%(yuan)s（%(amount)s 万元）") % {"yuan": yuan, "amount": _plain(amount / WAN)}
    return yuan
