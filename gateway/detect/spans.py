"""What becomes of raw recognizer results before they are detections.

* names are trimmed to their name words (the NER takes "Customer Jane Doe\n+44"
  along) and take a surname the NER cut off;
* allow-listed text is cut out of word entities; numbers partly allow-listed
  are dropped (a card overlapping an allowed order number was the order);
* a result inside a bigger one of the same entity, or a postcode inside an
  address that hides it, is dropped: one address, one token;
* where results overlap, the strongest wins and the weaker keeps only the
  characters nobody claims, so overlap never lets text through;
* names one space apart are joined: one person, one token.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from presidio_analyzer import RecognizerResult

from gateway.detect.intervals import Spans
from gateway.detect.validators import person_name

HONORIFICS = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir"}
PARTICLES = {
    "van", "von", "der", "den", "de", "da", "di", "du", "del", "della", "la", "le", "dos", "das",
}  # fmt: skip
_WORD = re.compile(r"\S+")
TRIM = " \t\r\n.,;:!?\"'()[]{}<>"


def tidy_person(text: str, result: RecognizerResult) -> bool:
    """Trim a name to its name words; False if nothing name-like is left.

    The NER often takes a neighbour along ("Customer Jane Doe", "Jane Doe\n+44",
    "Dr. Doe's"): names do not cross lines, and leading or trailing words that
    are greetings, honorifics, ticket vocabulary or contain digits are cut off.
    A word followed by a model number is a product, not a person.
    """
    value = text[result.start : result.end]
    line_start = result.start
    lines = value.split("\n")
    if len(lines) > 1:
        # Keep the line with the most letters.
        best = max(range(len(lines)), key=lambda i: sum(c.isalpha() for c in lines[i]))
        line_start += sum(len(line) + 1 for line in lines[:best])
        value = lines[best]
    words = [(m.start() + line_start, m.end() + line_start) for m in _WORD.finditer(value)]
    # A shouted name keeps its short words: "EVA BORGIA", "WILLIAM GAY".
    shouted = len(words) >= 2 and value.isupper()
    while words and not _name_word(text, *words[0], shouted):
        words.pop(0)
    while words and not _name_word(text, *words[-1], shouted):
        words.pop()
    if not words:
        return False
    start, end = words[0][0], words[-1][1]
    while end > start and text[end - 1] in TRIM:
        end -= 1
    if text[end - 2 : end] in ("'s", "’s"):
        end -= 2
    while start < end and text[start] in TRIM:
        start += 1
    # A name is whole words: "GB" cut out of "RR147621994GB" is not one.
    if (start > 0 and text[start - 1].isalnum()) or (end < len(text) and text[end].isalnum()):
        return False
    value = text[start:end]
    if len(value) < 2 or "@" in value or MODEL_AFTER.match(text, end):
        return False
    result.start, result.end = start, end
    return person_name(value) is not None


# A product's model right after a capitalised word: "Dyson V15", "Galaxy S23
# Ultra", "Roku 4K". Not an ordinal ("Jane Doe 2nd floor"), and not bare
# digits: a signature's phone number follows a name as often.
MODEL_AFTER = re.compile(r"[ \t]+(?:[A-Z]{1,3}\d[\w-]*|\d+(?!st|nd|rd|th)[A-Za-z][\w-]*)(?![\w-])")


# A capitalised word right after a name: "Doe" when the NER took only "Jane"
# (it does in "[Jane Doe] called").
_NEXT_NAME_WORD = re.compile(r"[ \t]([A-Z][a-z]+(?:[-'’][A-Z]?[a-z]+)?)(?![\w@.'’-]*\w)")


def extend_name(text: str, result: RecognizerResult, allowed: Spans) -> None:
    """Take up to two following surname-like words into a name: a first name
    alone still leaves the person identifiable."""
    for _ in range(2):
        match = _NEXT_NAME_WORD.match(text, result.end)
        if match is None or allowed.overlaps(*match.span(1)):
            return
        if not _name_word(text, *match.span(1)) or match.group(1).lower() in PARTICLES:
            return
        result.end = match.end(1)


def strip_piece(text: str, piece: RecognizerResult) -> bool:
    """Trim what an allow-listed word left at a piece's edges; False if nothing is left."""
    start, end = piece.start, piece.end
    while start < end and text[start] in TRIM:
        start += 1
    while end > start and text[end - 1] in TRIM:
        end -= 1
    piece.start, piece.end = start, end
    return end - start >= 2


def _name_word(text: str, start: int, end: int, shouted: bool = False) -> bool:
    word = text[start:end].strip(TRIM)
    if not word or any(c.isdigit() for c in word) or word.lower().rstrip(".") in HONORIFICS:
        return False
    if shouted and len(word) <= 3 and word.isupper():
        word = word.capitalize()  # not an acronym: a word of a shouted name
    return person_name(word) is not None or word.lower() in PARTICLES


# Entities made of words: an allow-listed word inside one ("Acme" in a name,
# "London" in an address) is cut out and the rest is still the entity.
# Numbers are different: a card number overlapping an allowed order number
# was the order number.
PIECEWISE = frozenset({"PERSON", "STREET_ADDRESS"})

# An entity that is part of another: inside it, it is not a value of its own.
# A name inside an address is a street's or a town's ("Jónmundsson Manors").
_PART_OF = {"UK_POSTCODE": "STREET_ADDRESS", "PERSON": "STREET_ADDRESS"}


def drop_parts(results: list[RecognizerResult], hides: frozenset[str]) -> list[RecognizerResult]:
    """Drop results inside a bigger one: one address, one token.

    A result inside another of its entity ("Austin, TX 78701" inside the
    address that ends with it) adds nothing. A postcode inside an address goes
    too, where the address's replacement hides all of it (a mask that keeps
    its last characters would show the postcode's). Scores alone would keep
    the inner result and cut the outer around it: two tokens run together.
    """
    kept = []
    wider: dict[str, int] = {}  # entity -> furthest end of a result starting earlier
    # Outer results first, the stronger of two equal ones first.
    for result in sorted(results, key=lambda r: (r.start, -r.end, -r.score)):
        if wider.get(result.entity_type, -1) >= result.end:
            continue
        wider[result.entity_type] = result.end
        kept.append(result)
    wholes = {
        whole: Spans((r.start, r.end) for r in kept if r.entity_type == whole and whole in hides)
        for whole in set(_PART_OF.values())
    }
    return [
        r
        for r in kept
        if r.entity_type not in _PART_OF
        or wholes[_PART_OF[r.entity_type]].uncovered(r.start, r.end)
    ]


def resolve_overlaps(results: Sequence[RecognizerResult]) -> list[RecognizerResult]:
    """Keep the strongest result where results overlap; trim the weaker to what is left.

    Strongest means highest score, then longest. A weaker result that still
    covers characters nobody else claims keeps those characters (a name that
    runs into an email keeps the name), so overlap never lets text through.
    """
    accepted: list[RecognizerResult] = []
    taken = Spans()
    order = sorted(results, key=lambda r: (-r.score, -(r.end - r.start), r.start))
    for result in order:
        for start, end in taken.uncovered(result.start, result.end):
            if end - start >= 2 or (start, end) == (result.start, result.end):
                accepted.append(copy_result(result, start, end))
                taken.add(start, end)
    return sorted(accepted, key=lambda r: r.start)


def join_names(text: str, results: list[RecognizerResult]) -> list[RecognizerResult]:
    """Join names, or pieces of an address, that are one space apart ("Jane" + "Doe";
    "ul." + "Dworcowa 54, 90-206 Piła"): one value, one token."""
    joined: list[RecognizerResult] = []
    for result in results:
        previous = joined[-1] if joined else None
        if (
            previous is not None
            and previous.entity_type == result.entity_type
            and result.entity_type in PIECEWISE
            and text[previous.end : result.start] in ("", " ")
        ):
            previous.end = result.end
            previous.score = max(previous.score, result.score)
        else:
            joined.append(result)
    return joined


def copy_result(like: RecognizerResult, start: int, end: int) -> RecognizerResult:
    """A copy of ``like`` over another span."""
    return RecognizerResult(
        entity_type=like.entity_type,
        start=start,
        end=end,
        score=like.score,
        recognition_metadata=like.recognition_metadata,
    )
