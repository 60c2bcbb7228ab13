from __future__ import annotations

import time

import pytest
import regex
from hypothesis import given
from hypothesis import strategies as st

from gateway.detect.intervals import Spans
from gateway.detect.recognizers import candidates

spans = st.lists(
    st.tuples(st.integers(0, 60), st.integers(0, 20)).map(lambda p: (p[0], p[0] + p[1])),
    max_size=20,
)


def positions(ranges: list[tuple[int, int]]) -> set[int]:
    return {p for start, end in ranges for p in range(start, end)}


@given(spans, st.integers(-2, 90))
def test_covers_matches_a_linear_scan(ranges: list[tuple[int, int]], position: int) -> None:
    assert Spans(ranges).covers(position) == any(a <= position < b for a, b in ranges)


@given(spans, st.integers(0, 80), st.integers(0, 30))
def test_overlaps_and_uncovered_match_a_linear_scan(
    ranges: list[tuple[int, int]], start: int, length: int
) -> None:
    held = Spans(ranges)
    end = start + length
    # An empty span holds no character: it overlaps nothing.
    expected = end > start and any(a < end and start < b for a, b in ranges if b > a)
    assert held.overlaps(start, end) == expected
    pieces = held.uncovered(start, end)
    assert positions(pieces) == set(range(start, end)) - positions(ranges)
    assert pieces == sorted(pieces)
    assert all(a < b for a, b in pieces)
    # Pieces are maximal: two of them never touch.
    assert all(pieces[i][1] < pieces[i + 1][0] for i in range(len(pieces) - 1))


def test_ranges_given_together_are_merged() -> None:
    assert list(Spans([(5, 9), (0, 3), (2, 4), (9, 10), (7, 7)])) == [(0, 4), (5, 10)]


def test_add_keeps_order_and_refuses_overlap() -> None:
    held = Spans()
    held.add(10, 12)
    held.add(0, 2)
    held.add(12, 14)
    assert list(held) == [(0, 2), (10, 12), (12, 14)]
    with pytest.raises(ValueError, match="overlaps"):
        held.add(11, 13)
    with pytest.raises(ValueError, match="overlaps"):
        held.add(5, 5)


def test_a_scan_has_one_budget_for_all_its_searches() -> None:
    # Each search is cheap, but a scan that rejects match after match must
    # still stop when the whole budget is spent, not per search.
    seen: list[int] = []

    def reject(match: regex.Match[str]) -> bool:
        seen.append(match.start())
        time.sleep(0.01)
        return False

    with pytest.raises(TimeoutError, match="budget"):
        candidates(regex.compile("a"), "a" * 1000, 0.05, reject)
    assert 0 < len(seen) < 1000
