"""Form fields the apps share."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

MAX_ID = 2**63 - 1  # the largest value of a database integer key (bigint)


def is_id(value) -> bool:
    """Whether ``value`` (from a form or a URL) reads as an id some row could have."""
    text = str(value)
    return text.isascii() and text.isdigit() and int(text) <= MAX_ID


def _beyond_any_id(value) -> bool:
    try:
        return abs(int(str(value))) > MAX_ID
    except ValueError:
        return False  # not a number at all: Django's own check refuses it


class IdsChoiceField(forms.ModelMultipleChoiceField):
    """Several rows chosen by id, where an id no integer column holds is an invalid choice.

    Django guards a single id against integer overflow (``exact`` lookups) but not a
    list of them (``in``): the database would raise on 99999999999999999999.
    """

    def _check_values(self, value):
        for pk in value if isinstance(value, list | tuple) else ():
            if _beyond_any_id(pk):
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super()._check_values(value)
