from __future__ import annotations

import pytest

from gateway.errors import InputError
from gateway.formats import documents
from gateway.policy import CompiledFieldRules, FieldRules

RULES = CompiledFieldRules.from_config(
    FieldRules(
        passthrough=["**.id", "tags"],
        entities={"requester.email": "EMAIL_ADDRESS", "requester.phone": "PHONE_NUMBER"},
    )
)


def test_classification() -> None:
    kind = {path: documents.classify(path, RULES) for path in [
        ("id",), ("tags", 0), ("requester", "email"), ("requester", "phone"), ("requester", "name")
    ]}  # fmt: skip
    assert kind[("id",)] == "passthrough"
    assert kind[("requester", "email")] == "EMAIL_ADDRESS"
    assert kind[("requester", "phone")] == "PHONE_NUMBER"
    assert kind[("requester", "name")] == "scan"
    # A selector naming an array covers its items.
    assert kind[("tags", 0)] == "passthrough"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{", "invalid_json"),
        (b'{"a": "\xff"}', "invalid_encoding"),
        (b"[" * 100 + b"]" * 100, "json_too_deep"),
        (b'{"a":' * 50 + b"1" + b"}" * 50, "json_too_deep"),
        (b"[" * 100000, "json_too_deep"),  # never reaches the parser's recursion
    ],
)
def test_bad_bodies(body: bytes, code: str) -> None:
    with pytest.raises(InputError) as caught:
        documents.parse_json(body, max_depth=32)
    assert caught.value.code == code


def test_brackets_inside_strings_do_not_count() -> None:
    assert documents.parse_json('{"a": "[[[[[[[[[[[["}', max_depth=2) == {"a": "[[[[[[[[[[[["}


def test_bom_is_accepted() -> None:
    assert documents.parse_json("\ufeff[1]".encode(), max_depth=4) == [1]


def test_repeated_keys_are_refused() -> None:
    with pytest.raises(InputError) as caught:
        documents.parse_json('{"a": {"b": 1, "b": 2}}', max_depth=8)
    assert caught.value.code == "duplicate_json_key"
