"""Keyed pseudonyms: how the service recognises a sender without keeping who they are.

A pseudonym is an HMAC of the address under ``ANTIRELOUS_SECRET_KEY``. Without the key, a
leaked database cannot be turned back into numbers by hashing every possible number (a plain
hash of a phone number falls to a brute force in minutes).
"""

from __future__ import annotations

import hashlib
import hmac

from replies.types import Channel

#: Characters of base32 kept in storage: 160 bits, collision-free in practice.
PSEUDONYM_LENGTH = 32
#: Characters shown in alerts and accepted by commands: enough to be unambiguous, short to type.
REF_LENGTH = 12


class Pseudonymizer:
    """Derives the two pseudonyms of an address: per channel, and channel-free."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("the pseudonym key must be at least 16 bytes")
        self._key = key

    def _digest(self, message: str) -> str:
        mac = hmac.new(self._key, message.encode(), hashlib.sha256).digest()
        return base32(mac[:20])

    def sender(self, channel: Channel, address: str) -> str:
        """The sender on one channel: owns the reply window of that channel."""
        return self._digest(f"sender\x00{channel.value}\x00{address}")

    def number(self, address: str) -> str:
        """The address on every channel: opt-out, block and ``forget`` cover all channels."""
        return self._digest(f"number\x00{address}")


_BASE32 = "abcdefghijklmnopqrstuvwxyz234567"  # RFC 4648's alphabet, lower case


def base32(data: bytes) -> str:
    """RFC 4648 base32 of ``data`` (a multiple of 5 bytes), lower case, no padding.

    The same as ``base64.b32encode(data).decode().lower()``, which is pure Python on 3.11 and
    several times slower; this runs twice per message on the hot path.
    """
    number = int.from_bytes(data, "big")
    return "".join(_BASE32[(number >> shift) & 31] for shift in range(len(data) * 8 - 5, -1, -5))


def public_ref(pseudonym: str) -> str:
    """The short form of a pseudonym that alerts, logs and commands use."""
    return pseudonym[:REF_LENGTH]
