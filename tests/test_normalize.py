from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.detect.normalize import normalize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain ascii", "plain ascii"),  # untouched, no offset map
        ("jane\u200b.doe@example.com", "jane.doe@example.com"),  # zero-width space
        ("4111\u00a01111\u00a01111\u00a01111", "4111 1111 1111 1111"),  # non-breaking spaces
        ("4111\u20131111\u20141111\u22121111", "4111-1111-1111-1111"),  # Unicode dashes
        ("\uff10\uff17\uff17\uff10\uff10", "07700"),  # full-width digits
        ("\u0664\u0661\u0665", "415"),  # Arabic-Indic digits
        ("\u096a\u0967\u096b", "415"),  # Devanagari digits
        ("jane\uff20example.com", "jane@example.com"),  # full-width at sign
        ("soft\u00adhyphen", "softhyphen"),
        ("e\u0301clair", "eclair"),  # marks on an ASCII letter dropped
        ("\u00e9clair", "\u00e9clair"),  # a precomposed letter kept
        ("jane.doe@example.com\u0301", "jane.doe@example.com"),  # a mark hiding an email
        ("4\ufe0f111 1111", "4111 1111"),  # variation selector
        ("4\U000e01ef111", "4111"),  # variation selector supplement
        ("41\u20e311", "4111"),  # enclosing keycap
        ("\ufb01le", "file"),  # ligature
        # control characters hide values from patterns: dropped (issue 13)
        ("inv\x07.victim@example.com", "inv.victim@example.com"),
        ("+1 (415) 555\x07-0132", "+1 (415) 555-0132"),
        ("a\x1fb\x7fc\x85d\x00e", "abcde"),
        ("tab\tand\r\nlines", "tab\tand\r\nlines"),  # but not tabs and line breaks
        ("vertical\x0btab", "vertical\ntab"),
    ],
)
def test_folds(text: str, expected: str) -> None:
    assert normalize(text).text == expected


def test_spans_map_back_onto_hidden_characters() -> None:
    text = "mail jane\u200b.doe@example.com now"
    n = normalize(text)
    start = n.text.index("jane")
    end = start + len("jane.doe@example.com")
    a, b = n.to_original(start, end)
    assert text[a:b] == "jane\u200b.doe@example.com"


def test_ascii_has_no_map() -> None:
    assert normalize("hello").starts is None


@given(st.text(max_size=200))
def test_offsets_are_monotonic_and_in_bounds(text: str) -> None:
    n = normalize(text)
    for i in range(len(n.text)):
        a, b = n.to_original(i, i + 1)
        assert 0 <= a < b <= len(text)
        if i:
            assert n.to_original(i - 1, i)[0] <= a


@given(st.text(max_size=200), st.data())
def test_any_span_maps_inside_the_original(text: str, data: st.DataObject) -> None:
    n = normalize(text)
    start = data.draw(st.integers(0, len(n.text)))
    end = data.draw(st.integers(start, len(n.text)))
    a, b = n.to_original(start, end)
    assert 0 <= a <= b <= len(text)
