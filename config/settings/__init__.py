"""Default settings: the embedded setup, switched to the scale stack by environment variables."""

from .base import *  # noqa: F401,F403
