"""Keyed pseudonyms: stable under one key, unlinkable without it."""

from __future__ import annotations

import pytest

from replies.pseudonyms import REF_LENGTH, Pseudonymizer, public_ref
from replies.types import Channel

NUMBER = "+33612345678"


def test_a_sender_is_recognised_under_the_same_key() -> None:
    first = Pseudonymizer(b"k" * 32).sender(Channel.SMS, NUMBER)
    again = Pseudonymizer(b"k" * 32).sender(Channel.SMS, NUMBER)
    assert first == again
    assert "33612345678" not in first


def test_another_key_gives_unrelated_pseudonyms() -> None:
    ours = Pseudonymizer(b"k" * 32).sender(Channel.SMS, NUMBER)
    theirs = Pseudonymizer(b"x" * 32).sender(Channel.SMS, NUMBER)
    assert ours != theirs


def test_each_channel_has_its_own_sender_but_one_number_pseudonym() -> None:
    pseudonyms = Pseudonymizer(b"k" * 32)
    assert pseudonyms.sender(Channel.SMS, NUMBER) != pseudonyms.sender(Channel.WHATSAPP, NUMBER)
    assert pseudonyms.number(NUMBER) not in {
        pseudonyms.sender(channel, NUMBER) for channel in Channel
    }


def test_the_public_ref_is_a_short_prefix() -> None:
    pseudonym = Pseudonymizer(b"k" * 32).sender(Channel.SMS, NUMBER)
    assert public_ref(pseudonym) == pseudonym[:REF_LENGTH]
    assert REF_LENGTH >= 12


def test_a_short_key_is_refused() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        Pseudonymizer(b"short")


def test_base32_is_rfc_4648_in_lower_case() -> None:
    import base64
    import os

    from replies.pseudonyms import base32

    for size in (5, 10, 20):
        data = os.urandom(size)
        assert base32(data) == base64.b32encode(data).decode().lower()
