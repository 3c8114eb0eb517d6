"""Errors raised by services when a business rule refuses an action."""

from __future__ import annotations

from django.core.exceptions import ValidationError


class DomainError(ValidationError):
    """A rule refused the action; the message is translated and shown to the person.

    It subclasses ValidationError so forms and the admin display it like any
    other validation error.
    """


class NotAllowed(DomainError):
    """The person may not do this to this object."""
