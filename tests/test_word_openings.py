"""The index of word openings, and the built index the package ships."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given
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
