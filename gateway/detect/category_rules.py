"""``categories.yaml`` compiled: each category's terms, index, frames and vetoes.

A category's terms are matched with ``re`` (about a fifth of ``regex``'s cost
per call), with each name list in a term replaced by its trie; its index of
word openings (``word_openings``) is built with ``regex``, which can say how a
match may begin. A category is compiled when first asked for, once per
document however many classifiers use it.

    python -m gateway.detect.category_rules   # rewrite the shipped index

writes the shipped rules' index of word openings into the package (see
``word_openings``); a test says when it is out of date.
"""

from __future__ import annotations

import argparse
import importlib.resources
import re
import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import regex
import yaml

from gateway.detect import namelists, word_openings
from gateway.policy.schema import CATEGORY_NAMES

# "model": the shipped classifier (category_model.py), not a rule.
Tier = Literal["certain", "strong", "weak", "model"]
TIERS: Mapping[Tier, float] = {"certain": 0.9, "strong": 0.6, "weak": 0.4}
FLAGS = regex.IGNORECASE | regex.VERSION0


@dataclass(frozen=True, slots=True)
class Term:
    tier: Tier
    veto_before: regex.Pattern[str] | None
    veto_after: regex.Pattern[str] | None
    # After a capitalised word inside the sentence, the term is a surname
    # ("Elaine English", "Vincent White"), not what it names.
    veto_before_name: bool = False


@dataclass(frozen=True, slots=True)
class Category:
    name: str
    terms: tuple[re.Pattern[str], ...]  # in tier order: certain, strong, weak
    index: word_openings.Index  # a word's opening (see word_openings.index) -> terms
    index_digest: str  # what the index was built from (word_openings.digest)
    term_rules: tuple[Term, ...]
    frames: regex.Pattern[str] | None
    after: regex.Pattern[str] | None
    veto_before: regex.Pattern[str] | None
    veto_after: regex.Pattern[str] | None
    # What the sentence is about, not a person: named before the hit with no person or new
    # clause between ("our cat, vet visit for a UTI"), or right after it ("2 yr old tabby").
    veto_within: regex.Pattern[str] | None
    veto_within_after: regex.Pattern[str] | None
    personal_boost: float
    near: regex.Pattern[str] | None  # the words that earn personal_boost (default: personal)


@dataclass(frozen=True, slots=True)
class Vetoes:
    """Rules that apply to every category (the header of categories.yaml)."""

    after_all: regex.Pattern[str] | None  # words and weak words only: a product, a setting
    after_any: regex.Pattern[str] | None  # any term: the name of a show, a game
    organisation_before: regex.Pattern[str] | None  # "we're a law firm": both must match
    organisation_after: regex.Pattern[str] | None


class Rules:
    """A categories document read: its macros with the lists in them, the rules shared by
    every category, and each category compiled when first asked for.

    Compiling a category takes up to seconds (its terms, the name lists' tries in
    them, its index), so a category is compiled once however many classifiers
    use it: a policy acting on health alone and one acting on every category
    share the health rules.
    """

    def __init__(
        self,
        document: Mapping[str, Any],
        stored: Mapping[str, tuple[str, word_openings.Index]] | None = None,
    ) -> None:
        # Indexes built before, by category: used where their digest still matches.
        self.stored = stored or {}
        macros = {k: str(v) for k, v in document.get("macros", {}).items()}
        # A list's pattern goes in last: the macros above may use it ("{UNION_LIST}").
        lists = {k: _name_list(k, v) for k, v in document.get("lists", {}).items()}
        self.macros = macros | {k: found.pattern for k, found in lists.items()}
        self.tries = {key: trie for found in lists.values() for key, trie in found.tries.items()}
        self.openings = {key: o for found in lists.values() for key, o in found.openings.items()}
        self.rules: Mapping[str, Any] = document["categories"]
        unknown = set(self.rules) - set(CATEGORY_NAMES)
        if unknown:
            raise ValueError(f"categories.yaml: unknown categories {sorted(unknown)}")

        def optional(key: str) -> list[str]:
            return [document[key]] if key in document else []

        self.vetoes = Vetoes(
            after_all=after(optional("veto_after_all"), self.macros),
            after_any=after(optional("veto_after_any"), self.macros),
            organisation_before=before(optional("organisation_before"), self.macros),
            organisation_after=after(optional("organisation_after"), self.macros),
        )
        self.personal = regex.compile(expand(document["personal"], self.macros), FLAGS)
        self._compiled: dict[str, Category] = {}
        self._lock = threading.Lock()

    def category(self, name: str) -> Category:
        with self._lock:  # two threads asking at once compile it once
            if name not in self._compiled:
                self._compiled[name] = _category(
                    name,
                    self.rules[name],
                    self.macros,
                    self.tries,
                    self.openings,
                    self.stored.get(name),
                )
            return self._compiled[name]

    def index_digest(self, name: str) -> str:
        """The digest ``name``'s index would be built from, without compiling anything."""
        return word_openings.digest(
            _for_index(_patterns(self.rules[name], self.macros), self.openings)
        )


def shipped_document() -> Any:
    text = importlib.resources.files("gateway.detect").joinpath("categories.yaml")
    return yaml.safe_load(text.read_text("utf-8"))


def shipped_index() -> dict[str, tuple[str, word_openings.Index]]:
    with importlib.resources.as_file(
        importlib.resources.files("gateway.detect").joinpath(INDEX_FILE)
    ) as path:
        return word_openings.read(path)


INDEX_FILE = "data/categories-index.json.gz"


def expand(pattern: str, macros: Mapping[str, str]) -> str:
    for name, value in macros.items():
        pattern = pattern.replace("{" + name + "}", value)
    return pattern


def before(patterns: Sequence[str], macros: Mapping[str, str]) -> regex.Pattern[str] | None:
    if not patterns:
        return None
    body = "|".join(f"(?:{expand(p, macros)})" for p in patterns)
    return regex.compile(rf"(?:{body})\s*\Z", FLAGS)


def after(patterns: Sequence[str], macros: Mapping[str, str]) -> regex.Pattern[str] | None:
    if not patterns:
        return None
    body = "|".join(f"(?:{expand(p, macros)})" for p in patterns)
    return regex.compile(rf"\s*[\"”']?\s*(?:{body})", FLAGS)


def within(patterns: Sequence[str], macros: Mapping[str, str]) -> regex.Pattern[str] | None:
    if not patterns:
        return None
    body = "|".join(f"(?:{expand(p, macros)})" for p in patterns)
    return regex.compile(rf"\b(?:{body})\b", FLAGS)


def _frames(patterns: Sequence[str], macros: Mapping[str, str]) -> regex.Pattern[str] | None:
    """A frame ends just before the word, with at most two words between."""
    if not patterns:
        return None
    body = "|".join(f"(?:{expand(p, macros)})" for p in patterns)
    return regex.compile(rf"(?:{body})[\s,]+(?:[\w'-]+[\s,]+){{0,2}}\Z", FLAGS)


def _patterns(rules: Mapping[str, Any], macros: Mapping[str, str]) -> list[str]:
    """A category's terms in tier order, macros expanded, each ending at a word's end."""
    return [
        f"(?:{expand(_spec(entry)['pattern'], macros)})(?!\\w)"
        for tier in TIERS
        for entry in rules.get(tier) or []
    ]


def _for_index(patterns: Sequence[str], openings: Mapping[str, str]) -> list[str]:
    """Terms as the index reads them: each list as how its names begin
    (word_openings.openings_only), not its trie."""
    return [word_openings.openings_only(p, openings) for p in patterns]


def _spec(entry: Any) -> Mapping[str, Any]:
    return entry if isinstance(entry, dict) else {"pattern": entry}


def _category(
    name: str,
    rules: Mapping[str, Any],
    macros: Mapping[str, str],
    tries: Mapping[str, str],
    openings: Mapping[str, str],
    stored: tuple[str, word_openings.Index] | None = None,
) -> Category:
    terms = [
        Term(
            tier,
            before(spec.get("veto_before", []), macros),
            after(spec.get("veto_after", []), macros),
            # Words (not whole phrases) after a capitalised word are
            # surnames unless the rule says otherwise.
            bool(spec.get("veto_before_name", tier != "certain")),
        )
        for tier in TIERS
        for spec in map(_spec, rules.get(tier) or [])
    ]
    try:
        patterns = _patterns(rules, macros)
        # For the index, a list is how its names begin; for matching, its trie.
        for_index = _for_index(patterns, openings)
        index_digest = word_openings.digest(for_index)
        if stored is not None and stored[0] == index_digest:
            index = stored[1]
        else:
            index = word_openings.index([regex.compile(p, FLAGS) for p in for_index])
        # Matched with the standard ``re`` (about a fifth of ``regex``'s cost per
        # call, and a ticket makes a thousand calls), which has no time limit of
        # its own: the scan checks its deadline at every word, and the shipped
        # terms are anchored and bounded (tests/test_categories.py runs every
        # one against backtracking bait), so no single match runs long.
        fast = tuple(
            re.compile(namelists.PLACEHOLDER.sub(lambda m: tries[m.group(1)], p), re.IGNORECASE)
            for p in patterns
        )
        return Category(
            name=name,
            terms=fast,
            index=index,
            index_digest=index_digest,
            term_rules=tuple(terms),
            frames=_frames(rules.get("frames", []), macros),
            after=after(rules.get("after", []), macros),
            veto_before=before(rules.get("veto_before", []), macros),
            veto_after=after(rules.get("veto_after", []), macros),
            veto_within=within(rules.get("veto_within", []), macros),
            veto_within_after=after(rules.get("veto_within_after", []), macros),
            personal_boost=float(rules.get("personal_boost", 0.2)),
            near=regex.compile(expand(rules["near"], macros), FLAGS) if "near" in rules else None,
        )
    except (regex.error, re.error) as exc:
        raise ValueError(f"categories.yaml: {name}: {exc}") from None


def _name_list(key: str, entry: object) -> namelists.NameList:
    """A ``lists:`` entry: a file's name, or ``{file: ..., ordinary_words: true}``."""
    if isinstance(entry, str):
        return namelists.load(entry)
    if isinstance(entry, Mapping) and isinstance(entry.get("file"), str):
        return namelists.load(entry["file"], bool(entry.get("ordinary_words", False)))
    raise ValueError(f"categories.yaml: lists: {key}: expected a file name or {{file: ...}}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Build the shipped rules' index of word openings and write it into the "
        f"package ({INDEX_FILE}), after a change to categories.yaml or a name list."
    )
    parser.parse_args()
    rules = Rules(shipped_document())
    indexes = {}
    for name in rules.rules:
        category = rules.category(name)
        indexes[name] = (category.index_digest, category.index)
    path = Path(__file__).parent / INDEX_FILE
    word_openings.write(path, indexes)
    sys.stdout.write(f"wrote {path} ({len(indexes)} categories)\n")


if __name__ == "__main__":
    main()
