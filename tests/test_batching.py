from __future__ import annotations

import asyncio
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest

from gateway.detect import Detection, Group
from gateway.detect.batching import DetectionBatcher
from gateway.detect.detector import PresidioDetector
from gateway.errors import DetectionError

pytestmark = pytest.mark.anyio


async def test_concurrent_requests_share_batches_and_keep_their_results(
    detector: PresidioDetector,
) -> None:
    calls: list[int] = []

    class Counting:
        def detect_many(self, groups: Sequence[Group]) -> list[list[list[Detection]]]:
            calls.append(len(groups))
            return detector.detect_many(groups)

    batcher = DetectionBatcher(Counting(), ThreadPoolExecutor(1))  # type: ignore[arg-type]
    texts = [f"Email user{i}@example.com please, Jane Doe {i}" for i in range(12)]
    results = await asyncio.gather(*(batcher.detect([([t], [])]) for t in texts))
    for text, found in zip(texts, results, strict=True):
        assert any(text[d.start : d.end].startswith("user") for d in found[0][0])
    assert len(calls) < len(texts)  # some requests were batched together


async def test_one_bad_request_fails_alone(detector: PresidioDetector) -> None:
    class Picky:
        def detect_many(self, groups: Sequence[Group]) -> list[list[list[Detection]]]:
            if any("boom" in t for texts, _ in groups for t in texts):
                raise DetectionError("the detector failed (TimeoutError)")
            return detector.detect_many(groups)

    batcher = DetectionBatcher(Picky(), ThreadPoolExecutor(1))  # type: ignore[arg-type]
    good, bad, also_good = await asyncio.gather(
        batcher.detect([(["mail a@example.com"], [])]),
        batcher.detect([(["boom"], [])]),
        batcher.detect([(["mail b@example.com"], []), (["and c@example.com"], [])]),
        return_exceptions=True,
    )
    assert isinstance(bad, DetectionError)
    assert not isinstance(good, BaseException)
    assert good[0]
    assert not isinstance(also_good, BaseException)
    assert len(also_good) == 2
    assert also_good[0][0]
    assert also_good[1][0]


async def test_a_request_of_many_groups_gets_each_groups_results(
    detector: PresidioDetector,
) -> None:
    batcher = DetectionBatcher(detector, ThreadPoolExecutor(1))
    one, two = await asyncio.gather(
        batcher.detect([(["a@example.com"], []), (["no data here"], []), (["b@example.com"], [])]),
        batcher.detect([(["c@example.com"], [])]),
    )
    assert [len(group[0]) for group in one] == [1, 0, 1]
    assert [len(group[0]) for group in two] == [1]
