"""The one error a command raises for wrong arguments: printed as its message, exit 2."""

from __future__ import annotations


class UsageError(Exception):
    """A command's arguments are wrong; the message says how."""
