"""The index of word openings, and the built index the package ships."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.detect import category_rules, word_openings
from gateway.detect.categories import CategoryClassifier
from gateway.policy.schema import CATEGORY_NAMES

DOCUMENT = {
    "personal": r"\b(?:i|my)\b",
    "categories": {"health": {"certain": [r"diabetic\b", r"(?-i:HIV)\s+positive\b"]}},
}


def test_the_shipped_index_is_current() -> None:
    """A change to categories.yaml or a name list must come with a rebuilt index, or every
    process builds it again at start (seconds of the gateway's start-up)."""
    rules = category_rules.Rules(category_rules.shipped_document())
    stored = category_rules.shipped_index()
    assert sorted(stored) == sorted(CATEGORY_NAMES)
    stale = [name for name in CATEGORY_NAMES if stored[name][0] != rules.index_digest(name)]
    assert not stale, f"{stale}: run python -m gateway.detect.category_rules"


def test_the_shipped_index_is_the_one_the_rules_build() -> None:
    rules = category_rules.Rules(category_rules.shipped_document())  # nothing stored
    built = rules.category("sexual_orientation")
    digest, stored = category_rules.shipped_index()["sexual_orientation"]
    assert (built.index_digest, built.index) == (digest, stored)


def test_the_shipped_rules_use_the_shipped_index() -> None:
    classifier = CategoryClassifier.load(["health"], model=False)
    assert classifier.categories[0].index == category_rules.shipped_index()["health"][1]


def test_a_stored_index_is_used_only_while_its_digest_matches() -> None:
    rules = category_rules.Rules(DOCUMENT)
    digest = rules.index_digest("health")
    marked = {"qqq": (0,)}
    assert (
        category_rules.Rules(DOCUMENT, {"health": (digest, marked)}).category("health").index
        == marked
    )
    rebuilt = category_rules.Rules(DOCUMENT, {"health": ("0" * 64, marked)}).category("health")
    assert "qqq" not in rebuilt.index
    assert rebuilt.index["dia"] == (0,)
    assert rebuilt.index["hiv"] == (1,)  # read in any case; the term itself still is not


def test_a_changed_term_changes_the_digest() -> None:
    changed = {**DOCUMENT, "categories": {"health": {"certain": [r"diabetes\b"]}}}
    before = category_rules.Rules(DOCUMENT).index_digest("health")
    assert category_rules.Rules(changed).index_digest("health") != before


@pytest.mark.parametrize("content", [b"", b"not gzip", b"\x1f\x8b\x08\x00garbage"])
def test_an_unreadable_index_file_is_no_stored_index(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "index.json.gz"
    path.write_bytes(content)
    assert word_openings.read(path) == {}
    assert word_openings.read(tmp_path / "missing.json.gz") == {}


@given(
    st.dictionaries(
        st.sampled_from(CATEGORY_NAMES),
        st.tuples(
            st.text(alphabet="0123456789abcdef", min_size=64, max_size=64),
            st.dictionaries(
                st.text(alphabet="abcdefg '", min_size=1, max_size=3),
                st.lists(st.integers(0, 999), min_size=1, max_size=5).map(
                    lambda v: tuple(sorted(set(v)))
                ),
                max_size=20,
            ),
        ),
    )
)
def test_an_index_file_reads_back_what_was_written(
    indexes: dict[str, tuple[str, dict[str, tuple[int, ...]]]],
) -> None:
    # A directory per example: pytest's tmp_path is one for all of Hypothesis's examples.
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "index.json.gz"
        word_openings.write(path, indexes)
        first = path.read_bytes()
        assert word_openings.read(path) == indexes
        word_openings.write(path, indexes)
        assert path.read_bytes() == first  # the same index, the same bytes


def test_negative_look_arounds_are_left_out_of_what_the_index_reads() -> None:
    """In any case "(?!(?-i:UNION)\\b)union" could never begin with "union"."""
    read = word_openings._without_negations
    assert read(r"(?!(?-i:UNION)\b)union(?:-negotiated)?") == r"union(?:-negotiated)?"
    assert read(r"(?<!credit\s)union[^)(]\)x") == r"union[^)(]\)x"
    assert read(r"a(?![(\]])b\(c") == r"ab\(c"
    assert read(r"[]a-z(]x(?!y(?:z))w") == r"[]a-z(]xw"
    assert read(r"(?<=\()yes(?=\s)") == r"(?<=\()yes(?=\s)"  # positive ones stay


CROWDED_DOCUMENT = {
    "personal": r"\b(?:i|my)\b",
    "categories": {
        # More terms open with "my " than CROWDED: the index splits "my " by two more
        # characters, and a case-sensitive exclusion must not hide a term.
        "health": {
            "strong": [f"my\\s+{word}\\b" for word in ("son", "sister", "stoma", "scan")]
            + [f"my\\s+{chr(97 + n)}{chr(97 + n)}x\\b" for n in range(word_openings.CROWDED)]
            + [r"my\s+(?!(?-i:UNION)\b)union\s+rep\b", r"my\s+\d+\s+pills\b"],
        },
        "legal": {"strong": [r"my\s+solicitor\b", r"my\s+sister's\s+lawyer\b"]},
    },
}


def test_a_crowded_opening_is_split_by_two_more_characters() -> None:
    rules = category_rules.Rules(CROWDED_DOCUMENT)
    health = rules.category("health")
    assert len(health.index["my "]) > word_openings.CROWDED
    assert health.index["my so"] == (0,)
    openings = word_openings.Openings([health.index, rules.category("legal").index])
    # Health split "my " and legal did not: legal's terms are tried at every "my ".
    assert openings.at("oh my son", 3) == ((0, 0), (1, 0), (1, 1))
    assert (0, 1) in openings.at("my sister's lawyer", 0)
    union_rep = 4 + word_openings.CROWDED  # the term after the four words and the filler
    assert openings.at("my union rep", 0)[0] == (0, union_rep)
    assert openings.at("my 20 pills", 0)[0] == (0, union_rep + 1)
    # Not split where the characters after the opening are outside the index's alphabet
    # or a line break: every term of the three is tried.
    every = openings.shallow["my "]
    assert openings.at("my\tsön", 0) == openings.at("my s\n", 0) == every
    assert openings.at("my", 0) == openings.shallow["m"]


SENTENCES = (
    "My union rep said the UNION ballot closes Friday; my Union card is in the post.",
    "I'm diabetic and my son has epilepsy, so the pump failed at the worst time.",
    "The ICO told me my subject access request was late; my solicitor agrees.",
    "We keep halal and my husband and I got married last spring at the mosque.",
    "She is 14 and in year 9 at St Mary's; the court order says every other weekend.",
    "My brother got 18 months and came out on licence; my conviction is spent.",
    "As a Romany Gypsy I was called a pikey by your driver at the depot.",
    "i  am on sertraline and my GP signed me off; the HIV clinic moved my slot.",
)


@pytest.mark.parametrize("sentence", SENTENCES)
def test_every_term_that_matches_at_a_word_is_one_the_index_names(sentence: str) -> None:
    """Soundness: the index may name terms that fail there, never leave out one that holds."""
    _assert_sound(CategoryClassifier.load(model=False), sentence.replace("\u2019", "'"))


def _assert_sound(classifier: CategoryClassifier, text: str) -> None:
    """Every term that matches at a word of ``text`` is one the index names there."""
    for word in regex.finditer(r"(?<!\w)(?<!\w')\w", text):
        named = set(classifier.openings.at(text, word.start()))
        for number, category in enumerate(classifier.categories):
            for term_number, term in enumerate(category.terms):
                if term.match(text, word.start()):
                    assert (number, term_number) in named, (category.name, term_number, text)


_WORDS = (
    *[
        "my",
        "union",
        "rep",
        "the",
        "UNION",
        "ballot",
        "is",
        "our",
        "strike",
        "i'm",
        "diabetic",
        "sindicato",
        "docked",
        "2",
        "days",
    ],
    *[
        "of",
        "huelga",
        "ICO",
        "told",
        "me",
        "subject",
        "access",
        "request",
        "solicitor",
        "Procon",
        "reclamação",
        "in",
    ],
    *[
        "he's",
        "a",
        "minor",
        "16",
        "y.o.",
        "opened",
        "released",
        "from",
        "Wolston",
        "after",
        "3",
        "years",
        "we",
        "are",
        "gitanos",
    ],
    *["both", "Black", ",", ".", "?", "!", ":", ";", "(", ")", '"', "'", "-", "_", "@", "/"],
)
_SEPARATORS = (" ", " ", " ", "", "\n", "  ")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_WORDS), st.sampled_from(_SEPARATORS)), max_size=14))
def test_the_index_never_leaves_out_a_term_that_holds(words: list[tuple[str, str]]) -> None:
    """Soundness over word sequences built from the shipped terms' own words, with the
    punctuation and line breaks the index's keys may or may not hold."""
    classifier = CategoryClassifier.load(["trade_union", "legal", "criminal_record"], model=False)
    _assert_sound(classifier, "".join(word + separator for word, separator in words))
