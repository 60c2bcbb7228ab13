from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.errors import InputError
from gateway.formats.jsontext import JsonText, escape


@given(st.text(), st.booleans(), st.data())
def test_raw_spans_decode_to_the_value_slice(
    value: str, ascii_only: bool, data: st.DataObject
) -> None:
    document = JsonText.parse(json.dumps({"k": [value]}, ensure_ascii=ascii_only), max_depth=8)
    (item,) = document.strings
    assert item.value == value
    start = data.draw(st.integers(0, len(value)))
    end = data.draw(st.integers(start, len(value)))
    raw_start, raw_end = item.raw_span(start, end, document.text)
    assert json.loads(f'"{document.text[raw_start:raw_end]}"') == value[start:end]


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
                    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4),
                    max_leaves=20))  # fmt: skip
def test_every_string_value_is_found_with_its_path(document: object) -> None:
    text = json.dumps(document)
    found = {s.path: s.value for s in JsonText.parse(text, max_depth=64).strings if not s.number}

    def walk(node: object, path: tuple[str | int, ...]) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, (*path, key))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, (*path, index))
        elif isinstance(node, str):
            assert found[path] == node

    walk(document, ())


def test_replace_keeps_everything_else_byte_for_byte() -> None:
    text = '{ "a" : "Jane",\n  "n": 1.50e3, "b": "x\\u00e9" }'
    document = JsonText.parse(text, max_depth=4)
    a = document.strings[0]
    assert document.replace([(a.start, a.end, escape('PERSON-"1"'))]) == text.replace(
        "Jane", 'PERSON-\\"1\\"'
    )


def test_numbers_are_reported() -> None:
    document = JsonText.parse('{"phone": 4155550132, "ok": true}', max_depth=4)
    assert [(s.path, s.value, s.number) for s in document.strings] == [
        (("phone",), "4155550132", True)
    ]


@pytest.mark.parametrize("bad", ['{"a": }', '{"a": "\\x"}', "[1,]"])
def test_invalid_json(bad: str) -> None:
    with pytest.raises(InputError):
        JsonText.parse(bad, max_depth=4)
