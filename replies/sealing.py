"""The sender's address, kept sealed while a reply waits in the outbox.

A delayed reply has to know where to go, yet the service keeps no raw sender address. The
address is encrypted (XSalsa20-Poly1305, PyNaCl's ``SecretBox``) under a key derived from
``ANTIRELOUS_SECRET_KEY``, stored on the queued reply, and erased once the reply is sent or
dropped. A copy of the database alone does not reveal it.
"""

from __future__ import annotations

import hashlib
import hmac

from nacl.secret import SecretBox


class RecipientBox:
    """Seals and opens addresses with a key derived from the service's secret key."""

    def __init__(self, secret_key: bytes) -> None:
        key = hmac.new(secret_key, b"antirelous outbox recipient", hashlib.sha256).digest()
        self._box = SecretBox(key)

    def seal(self, address: str) -> bytes:
        """The address, encrypted with a fresh random nonce."""
        return bytes(self._box.encrypt(address.encode()))

    def open(self, sealed: bytes) -> str:
        """The address back; ``nacl.exceptions.CryptoError`` if it was not sealed by this key."""
        return self._box.decrypt(sealed).decode()
