"""Sets of character ranges, for the overlap questions detection asks per match.

A linear scan per question made detection quadratic: a 1 MB body with 30,000
values took nine minutes. Kept sorted and disjoint, each question is a binary
search.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator

Span = tuple[int, int]  # [start, end) character offsets


class Spans:
    """Disjoint half-open ranges in order; ranges given together are merged."""

    def __init__(self, spans: Iterable[Span] = ()) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        for start, end in sorted(s for s in spans if s[1] > s[0]):
            if self.ends and start <= self.ends[-1]:
                self.ends[-1] = max(self.ends[-1], end)
            else:
                self.starts.append(start)
                self.ends.append(end)

    def __iter__(self) -> Iterator[Span]:
        return zip(self.starts, self.ends, strict=True)

    def __len__(self) -> int:
        return len(self.starts)

    def covers(self, position: int) -> bool:
        index = bisect.bisect_right(self.starts, position) - 1
        return index >= 0 and position < self.ends[index]

    def overlaps(self, start: int, end: int) -> bool:
        if end <= start:
            return False  # an empty span overlaps nothing, even inside a merged range
        index = bisect.bisect_right(self.ends, start)
        return index < len(self.starts) and self.starts[index] < end

    def uncovered(self, start: int, end: int) -> list[Span]:
        """The parts of ``[start, end)`` no range covers, in order."""
        pieces = []
        index = bisect.bisect_right(self.ends, start)
        while start < end and index < len(self.starts) and self.starts[index] < end:
            if start < self.starts[index]:
                pieces.append((start, self.starts[index]))
            start = max(start, self.ends[index])
            index += 1
        if start < end:
            pieces.append((start, end))
        return pieces

    def add(self, start: int, end: int) -> None:
        """Add a range that overlaps none already held (callers check first)."""
        if self.overlaps(start, end) or end <= start:
            raise ValueError("the range overlaps one already held or is empty")
        index = bisect.bisect_left(self.starts, start)
        self.starts.insert(index, start)
        self.ends.insert(index, end)
