"""Detection for concurrent requests, batched: one NER pass for whatever is waiting.

spaCy's NER has a large fixed cost per call (measured: a three-word text costs
a third of a 120-word one), so under load the gateway detects in batches. There
is no timer: the first request runs at once, and requests that arrive while a
batch runs form the next one. An idle gateway adds no latency; a busy one pays
the fixed cost once per batch.

A batch that fails is retried request by request, so one request's bad input
(a regex timeout) fails that request only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from concurrent.futures import Executor

from gateway.detect import Detection, Detector, Group
from gateway.errors import DetectionError

Result = list[list[list[Detection]]]  # per group, per text
Outcome = Result | DetectionError


class DetectionBatcher:
    def __init__(self, detector: Detector, executor: Executor, max_batch: int = 16) -> None:
        self.detector = detector
        self.executor = executor
        self.max_batch = max_batch
        # One entry per request: its groups (a bulk document has one per record).
        self._waiting: list[tuple[list[Group], asyncio.Future[Result]]] = []
        self._running = False

    async def detect(self, groups: Sequence[Group]) -> Result:
        """Detections for one request's groups, batched with whatever else is waiting."""
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._waiting.append(([(list(t), list(k)) for t, k in groups], future))
        if not self._running:
            self._running = True
            asyncio.get_running_loop().create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._waiting:
                batch = self._waiting[: self.max_batch]
                del self._waiting[: self.max_batch]
                results: list[Outcome] = []
                try:
                    flat = await loop.run_in_executor(
                        self.executor,
                        self.detector.detect_many,
                        [group for groups, _ in batch for group in groups],
                    )
                    for groups, _ in batch:
                        results.append(flat[: len(groups)])
                        del flat[: len(groups)]
                except DetectionError as exc:
                    if len(batch) == 1:
                        batch[0][1].set_exception(exc)
                        continue
                    for groups, _ in batch:  # find the request that broke it
                        try:
                            results.append(
                                await loop.run_in_executor(
                                    self.executor, self.detector.detect_many, groups
                                )
                            )
                        except DetectionError as single_exc:
                            results.append(single_exc)
                for (_, future), result in zip(batch, results, strict=True):
                    if future.done():
                        continue
                    if isinstance(result, DetectionError):
                        future.set_exception(result)
                    else:
                        future.set_result(result)
        finally:
            self._running = False
