"""Strict readers for settings taken from the environment.

A typo in a deployment's environment must stop the process at start-up, not
quietly fall back to a default (healthchecks' ``envbool`` does the same).
Every variable ``NAME`` may instead be given as ``NAME_FILE``: the path of a
file holding the value (Docker and Kubernetes secrets).
"""

from __future__ import annotations

import os
from pathlib import Path

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class EnvError(Exception):
    """A variable is set to a value we cannot use."""


def _raw(name: str) -> str | None:
    file_var = f"{name}_FILE"
    if name in os.environ and file_var in os.environ:
        raise EnvError(f"Set either {name} or {file_var}, not both.")
    if file_var in os.environ:
        path = Path(os.environ[file_var])
        try:
            return path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise EnvError(f"{file_var}={path} cannot be read: {exc}") from exc
    return os.environ.get(name)


def env_str(name: str, default: str | None = None, *, required: bool = False) -> str | None:
    value = _raw(name)
    if value is None or value == "":
        if required:
            raise EnvError(f"{name} must be set.")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise EnvError(f"{name}={value!r} is not a boolean; use one of {sorted(_TRUE | _FALSE)}.")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _raw(name)
    if value is None or value == "":
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise EnvError(f"{name}={value!r} is not an integer.") from None
    if minimum is not None and number < minimum:
        raise EnvError(f"{name}={number} must be at least {minimum}.")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None or value.strip() == "":
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: set[str]) -> str:
    value = _raw(name)
    if value is None or value == "":
        return default
    value = value.strip()
    if value not in choices:
        raise EnvError(f"{name}={value!r} is not one of {sorted(choices)}.")
    return value


def env_url(name: str, default: str | None, *, schemes: set[str]) -> str | None:
    """A URL whose scheme must be one we know (``postgre://`` is a typo, not SQLite)."""
    value = _raw(name)
    if value is None or value == "":
        return default
    value = value.strip()
    scheme, sep, rest = value.partition("://")
    if not sep or not rest and scheme != "sqlite":
        raise EnvError(f"{name}={value!r} is not a URL (expected scheme://...).")
    if scheme not in schemes:
        raise EnvError(f"{name}={value!r}: scheme {scheme!r} is not one of {sorted(schemes)}.")
    return value
