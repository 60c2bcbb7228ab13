from __future__ import annotations

import pytest

from gateway.errors import CryptoError
from gateway.keys.crypto import Cipher, Key, Sealed, Secret, TokenHasher, encode_parts


def test_secret_never_shows() -> None:
    secret = Secret(b"supersecretkeymaterial0123456789")
    assert "supersecret" not in repr(secret)
    assert "supersecret" not in repr(Key("k", secret))
    assert "supersecret" not in repr(TokenHasher(Key("k", secret)))


def test_round_trip_and_aad_binding() -> None:
    cipher = Cipher([Key.generate("v1")])
    sealed = cipher.encrypt("jane@example.com", b"row-1")
    assert cipher.decrypt(sealed, b"row-1") == "jane@example.com"
    with pytest.raises(CryptoError):
        cipher.decrypt(sealed, b"row-2")  # moved to another row


def test_nonces_are_fresh() -> None:
    cipher = Cipher([Key.generate("v1")])
    assert cipher.encrypt("x", b"a").blob != cipher.encrypt("x", b"a").blob


def test_newest_encrypts_all_decrypt() -> None:
    old = Key.generate("v1")
    sealed = Cipher([old]).encrypt("value", b"aad")
    rotated = Cipher([Key.generate("v2"), old])
    assert rotated.decrypt(sealed, b"aad") == "value"
    assert rotated.encrypt("value", b"aad").key_id == "v2"


@pytest.mark.parametrize(
    "sealed",
    [
        Sealed("v9", b"\0" * 40),  # unknown key
        Sealed("v1", b"\0" * 5),  # too short
        Sealed("v1", b"\0" * 40),  # tampered
    ],
)
def test_failures_are_opaque(sealed: Sealed) -> None:
    with pytest.raises(CryptoError) as caught:
        Cipher([Key.generate("v1")]).decrypt(sealed, b"aad")
    assert str(caught.value) == "a stored record could not be decrypted"


def test_lone_surrogates_survive() -> None:
    cipher = Cipher([Key.generate("v1")])
    assert cipher.decrypt(cipher.encrypt("\ud800x", b"a"), b"a") == "\ud800x"


def test_parts_are_unambiguous() -> None:
    assert encode_parts(["ab", "c"]) != encode_parts(["a", "bc"])
