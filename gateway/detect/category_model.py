"""A small shipped classifier beside the category rules, for what they have no phrase for.

The rules in ``categories.yaml`` know the phrases that carry a category
("diagnosed with", "my lawyer"). People also say it indirectly: "since the
chemo started", "we keep halal", "when I got out last year". Measured on text
written by hands that never saw the rules, such statements are most of what
the rules miss (``bench/categories.py``). This module adds a text classifier
trained on labelled tickets in ``bench/data`` by
``python -m bench.train_category_model``: spaCy's ``textcat_multilabel`` with
the ``TextCatEnsemble`` architecture: a small convolutional network over
hashed word features (each word's lower-case form, first letter, last three
letters and shape, read with its neighbours on either side) whose vote is
combined with a linear bag of words. A word is read in its context, and a
word training never saw still carries its ending ("-itis", "-ist").
In a comparison run, trained on seven dev sets and judged alone on six sets by
new hands, it found about three in four of their category tickets where the
bag of words it replaced found about one in two, with more false blocks
(README, "Sensitive categories", has the measurements). The shipped model is
trained on every dev set, generated and ordinary tickets, and everyday
questions as text with no category (``bench/train_category_model.py``). It
ships inside the package (``models/categories``, about 5 MB), needs no
pretrained vectors and loads offline, once per process.

A text is read in windows of whole sentences up to ``WINDOW_CHARS``, the size of
the tickets it learned from. A window scoring at or above the model's operating
point for a category (its probability for that category, chosen in training
to keep false blocks low) is a hit; its evidence span is the window. The
point is one for all categories unless the model names its own for some:
legal words are everyday in a complaint ("formal complaint", "final
response", "debt collector"), strikes in a travel queue, so those points are
chosen apart, on held-out dev sets (``--validate`` in
``bench/train_category_model.py``). Probabilities are mapped onto the rules' scale so that the operating point reads as the policy default
threshold, 0.7: a policy threshold above 0.7 asks the model for more
confidence, as it asks the rules.

A model may also be several networks trained alike from different seeds
(``gateway.json`` lists them as ``members``): a window then scores the median
of their probabilities, so one run's quirk on a sentence neither blocks nor
frees it. The shipped model is one network; README, "Keeping tickets
in-house", has why a three-seed combination was not shipped.

The rules stay the explanation a reviewer reads first; a model hit is marked
with the tier ``model``. Policies can turn it off with
``detection.category_model: false``.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import importlib.resources
import json
import statistics
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import regex

from gateway.errors import DetectionError

WINDOW_CHARS = 600
# The rules' scale: the operating point maps to the policy default threshold.
POLICY_DEFAULT = 0.7
_WINDOWS_PER_TURN = 16
# Below this score a model hit is noise, not evidence worth reporting.
LOWEST_SCORE = 0.5
_SENTENCE = regex.compile(r"[^\n.!?]*(?:[.!?]+|\n+|\Z)")
# spaCy hashes words as UTF-8, which a lone surrogate cannot be: one for one,
# so offsets hold.
_SURROGATE = regex.compile("[\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class ModelHit:
    """A window of the text the model scores as ``category``."""

    category: str
    start: int
    end: int
    score: float


class CategoryModel:
    """The shipped classifier: one trained network, or several trained alike from
    different seeds whose probabilities are combined by their median. Thread-safe:
    calls into spaCy are serialised."""

    def __init__(
        self,
        members: Sequence[Any],
        operating_point: float,
        categories: Sequence[str],
        operating_points: Mapping[str, float] | None = None,
    ) -> None:
        if not members:
            raise ValueError("a category model needs at least one network")
        self._members = tuple(members)
        self._lock = threading.Lock()
        self.operating_point = operating_point
        self.categories = tuple(categories)
        # Per category: its own point where the model names one, else the common one.
        self.operating_points = {
            c: (operating_points or {}).get(c, operating_point) for c in self.categories
        }

    @property
    def networks(self) -> tuple[Any, ...]:
        """The trained networks whose probabilities are combined (one, or an ensemble's)."""
        return self._members

    @classmethod
    def load(cls, categories: Sequence[str]) -> CategoryModel:
        """The model shipped with the package, for ``categories`` (cached per process)."""
        return _shipped(tuple(categories))

    @classmethod
    def from_disk(cls, path: Path, categories: Sequence[str]) -> CategoryModel:
        """Load and check the model: a model that cannot answer for ``categories`` fails
        here, at start-up, not silently per request.

        ``gateway.json`` either describes one network, saved beside it, or lists
        ``members``: networks in sub-directories, each with its own checksum."""
        try:
            meta = json.loads((path / "gateway.json").read_text(encoding="utf-8"))
            operating_point = float(meta["operating_point"])
            own = {str(c): float(p) for c, p in meta.get("operating_points", {}).items()}
            members = (
                [_member(path / str(m["path"]), m) for m in meta["members"]]
                if "members" in meta
                else [_member(path, meta)]
            )
            if not members:
                raise ValueError("a category model needs at least one network")
            labels = set.intersection(
                *(set(getattr(m.get_pipe("textcat_multilabel"), "labels", ())) for m in members)
            )
        except (OSError, ValueError, KeyError, TypeError, ImportError) as exc:
            raise DetectionError(f"the category model cannot be loaded ({exc})") from None
        for name, point in [("", operating_point), *((f" for {c}", p) for c, p in own.items())]:
            if not 0.0 < point < 1.0:
                raise DetectionError(
                    f"the category model's operating point{name} {point} is not in (0, 1)"
                )
        missing = (set(categories) | set(own)) - labels
        if missing:
            raise DetectionError(f"the category model has no label for {sorted(missing)}")
        return cls(members, operating_point, categories, own)

    def hits(
        self, text: str, ruled_out: Mapping[str, Sequence[tuple[int, int]]] | None = None
    ) -> list[ModelHit]:
        """Every window of ``text`` the model scores for one of its categories.

        ``ruled_out``: spans, by start, of terms the rules vetoed per category
        ("credit union", "health check"). In a window holding one, that
        category is scored with those words blanked: a known near miss is not
        the model's to overturn, and the rest of the window still counts."""
        return self.hits_many([(text, ruled_out or {})])[0]

    def hits_many(
        self, texts: Sequence[tuple[str, Mapping[str, Sequence[tuple[int, int]]]]]
    ) -> list[list[ModelHit]]:
        """``hits`` for several texts (each with its ``ruled_out``), scored together.

        A request's fields (a subject, a comment, a name) go through the
        network in one batch: each call into spaCy costs about half a
        millisecond before the first word, more than a short field itself."""
        found: list[list[ModelHit]] = [[] for _ in texts]
        if not self.categories:
            return found
        spans = [
            (n, start, end) for n, (text, _) in enumerate(texts) for start, end in windows(text)
        ]
        # A few windows per turn: a long text in a worker thread must not hold
        # the model while the event loop waits to classify a short one.
        for first in range(0, len(spans), _WINDOWS_PER_TURN):
            batch = spans[first : first + _WINDOWS_PER_TURN]
            # Each window as written, then, for a category with a vetoed term
            # inside the window, the window with those words blanked: one call.
            blanked = [
                (number, category, _blanked(texts[n][0], start, end, inside))
                for number, (n, start, end) in enumerate(batch)
                for category, inside in _inside(texts[n][1], start, end).items()
            ]
            scored = self._score(
                [texts[n][0][s:e] for n, s, e in batch] + [text for _, _, text in blanked]
            )
            for (number, category, _), cats in zip(blanked, scored[len(batch) :], strict=True):
                scored[number][category] = cats[category]
            for (n, start, end), cats in zip(batch, scored[: len(batch)], strict=True):
                found[n].extend(self._judge(cats, start, end))
        return found

    def _score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        with self._lock:
            votes = [[doc.cats for doc in m.pipe(reading(t) for t in texts)] for m in self._members]
        # The median: with three members a window scores what at least two of
        # them give it, so one run's quirk on a sentence neither blocks nor frees it.
        return [
            {c: statistics.median(v[n].get(c, 0.0) for v in votes) for c in votes[0][n]}
            for n in range(len(texts))
        ]

    def _judge(self, cats: Mapping[str, float], start: int, end: int) -> Iterator[ModelHit]:
        for category in self.categories:
            score = on_rules_scale(cats.get(category, 0.0), self.operating_points[category])
            if score >= LOWEST_SCORE:
                yield ModelHit(category, start, end, score)


def reading(text: str) -> str:
    """What the model reads: the text in lower case (training reads the same).

    Case would make "HALAL" a word it never saw; spaCy hashes words as UTF-8,
    which a lone surrogate cannot be (replaced one for one, so offsets hold)."""
    cleaned: str = _SURROGATE.sub("\ufffd", text)
    return cleaned.lower()


def _inside(
    vetoed: Mapping[str, Sequence[tuple[int, int]]], start: int, end: int
) -> dict[str, list[tuple[int, int]]]:
    """Per category, the vetoed spans that lie in ``[start, end)``."""
    found: dict[str, list[tuple[int, int]]] = {}
    for category, spans in vetoed.items():
        at = bisect.bisect_left(spans, (start, start))
        while at < len(spans) and spans[at][0] < end:
            found.setdefault(category, []).append(spans[at])
            at += 1
    return found


def _blanked(text: str, start: int, end: int, spans: Sequence[tuple[int, int]]) -> str:
    pieces, at = [], start
    for s, e in spans:
        pieces.append(text[at:s])
        at = max(at, min(e, end))
    pieces.append(text[at:end])
    return " ".join(pieces)


def on_rules_scale(probability: float, operating_point: float) -> float:
    """Piecewise linear: 0 -> 0, the operating point -> 0.7, 1 -> 0.99."""
    if probability < operating_point:
        score = POLICY_DEFAULT * probability / operating_point
    else:
        score = POLICY_DEFAULT + 0.29 * (probability - operating_point) / (1 - operating_point)
    return round(min(0.99, score), 2)


def windows(text: str, size: int = WINDOW_CHARS) -> Iterator[tuple[int, int]]:
    """Runs of whole sentences up to ``size`` characters (a longer sentence is cut)."""
    first = last = -1
    for start, end in sentences(text):
        if first >= 0 and end - first > size:
            yield first, last
            first = -1
        while end - start > size:
            yield from _trimmed(text, start, start + size)
            start += size
            start, _ = next(_trimmed(text, start, end), (end, end))
        if start < end:
            first = start if first < 0 else first
            last = end
    if first >= 0:
        yield first, last


def sentences(text: str) -> Iterator[tuple[int, int]]:
    """Each sentence of ``text`` with a letter in it, without surrounding whitespace."""
    for sentence in _SENTENCE.finditer(text):
        yield from _trimmed(text, sentence.start(), sentence.end())


def _trimmed(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if any(c.isalpha() for c in text[start:end]):
        yield start, end


def _member(path: Path, meta: Mapping[str, Any]) -> Any:
    """One trained network, after checking its weights against ``meta["sha256"]`` and
    its word vectors, if it reads any, against ``meta["vectors_sha256"]``."""
    import spacy

    checked = [("weights", "textcat_multilabel/model", str(meta["sha256"]))]
    if "vectors_sha256" in meta:
        checked.append(("word vectors", "vocab/vectors", str(meta["vectors_sha256"])))
    for what, name, sha256 in checked:
        if hashlib.sha256((path / name).read_bytes()).hexdigest() != sha256:
            raise ValueError(f"{path.name}: its {what} are not the ones it was trained with")
    nlp = spacy.load(path)
    if nlp.vocab.vectors.size and "vectors_sha256" not in meta:
        raise ValueError(f"{path.name}: it reads word vectors that no checksum covers")
    return nlp


@functools.lru_cache(maxsize=8)
def _shipped(categories: tuple[str, ...]) -> CategoryModel:
    root = importlib.resources.files("gateway.detect") / "models" / "categories"
    with importlib.resources.as_file(root) as path:
        return CategoryModel.from_disk(Path(path), categories)
