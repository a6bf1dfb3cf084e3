"""The operators' evidence key pair, as files on their own machine.

The private key never goes near the server: ``evidence-key`` writes it to a file only its
owner can read and prints the public half for ``ANTIRELOUS_EVIDENCE_PUBLIC_KEY``;
``export-evidence`` reads it back. A key file is never overwritten: a lost private key can
open nothing that was sealed to it.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from nacl.public import PrivateKey

from replies.evidence import EvidenceKeyError, EvidenceOpener, new_key_pair


class EvidenceExportError(Exception):
    """What the operator gave cannot be used; the message says why, on one line."""


def fingerprint(public_key: str) -> str:
    """SHA-256 of the raw public key, in hex: what to compare, rather than the key itself."""
    return hashlib.sha256(base64.b64decode(public_key)).hexdigest()


def read_private_key(path: Path) -> tuple[EvidenceOpener, str]:
    """The opener of the key in ``path`` and its public half (base64)."""
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        raise EvidenceExportError(f"no private key file at {path}") from None
    except IsADirectoryError:
        raise EvidenceExportError(f"{path} is a directory, not a private key file") from None
    except PermissionError:
        raise EvidenceExportError(f"cannot read {path}: permission denied") from None
    except (OSError, UnicodeDecodeError) as error:
        raise EvidenceExportError(f"cannot read {path}: {type(error).__name__}") from None
    try:
        opener = EvidenceOpener(text)
    except EvidenceKeyError as error:
        raise EvidenceExportError(
            f"{path} does not hold an evidence private key: {error}"
        ) from None
    # EvidenceOpener accepted it: 32 bytes of base64.
    public = PrivateKey(base64.b64decode(text.strip())).public_key
    return opener, base64.b64encode(bytes(public)).decode()


def write_new_key(path: Path) -> list[str]:
    """A fresh key pair: the private key into ``path`` (mode 0600, never overwritten); returns
    what to print: the public key setting and how to keep the file."""
    private, public = new_key_pair()
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise EvidenceExportError(
            f"{path} exists and was left as it is: a private key is never overwritten"
        ) from None
    except OSError as error:
        raise EvidenceExportError(f"cannot create {path}: {error.strerror}") from None
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        os.fchmod(handle.fileno(), 0o600)  # whatever the umask or the file system did
        handle.write(private + "\n")
    return [
        f"ANTIRELOUS_EVIDENCE_PUBLIC_KEY={public}",
        f"keep {path} offline, never on the server: only it opens the evidence "
        f"(key fingerprint sha256:{fingerprint(public)})",
    ]
