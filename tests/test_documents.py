from __future__ import annotations

import pytest

from gateway import documents
from gateway.errors import InputError
from gateway.policy import CompiledFieldRules, FieldRules

RULES = CompiledFieldRules.from_config(
    FieldRules(
        passthrough=["**.id", "tags"],
        entities={"requester.email": "EMAIL_ADDRESS", "requester.phone": "PHONE_NUMBER"},
    )
)


def test_classification() -> None:
    doc = {
        "id": "abc",
        "tags": ["vip"],
        "requester": {"email": "a@b.co", "phone": 4155550132, "name": "Jane"},
        "n": 3,
    }
    kinds = {leaf.path: (leaf.kind, value) for leaf, value in documents.leaves(doc, RULES)}
    assert kinds[("id",)] == ("passthrough", "abc")
    assert kinds[("requester", "email")] == ("EMAIL_ADDRESS", "a@b.co")
    assert kinds[("requester", "phone")] == (
        "PHONE_NUMBER",
        "4155550132",
    )  # numbers in entity fields count
    assert kinds[("requester", "name")] == ("scan", "Jane")
    assert ("n",) not in kinds  # other numbers are left alone
    # A selector naming an array covers its items.
    assert kinds[("tags", 0)] == ("passthrough", "vip")


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


def test_strings_and_replace() -> None:
    doc = {"a": ["x", {"b": "y"}], "c": 1}
    found = dict(documents.strings(doc))
    assert found == {("a", 0): "x", ("a", 1, "b"): "y"}
    documents.replace(doc, ("a", 1, "b"), "z")
    assert doc["a"][1]["b"] == "z"
