"""Names a category term may mention: unions, regulators, parties, peoples,
faiths and festivals, medical conditions, medicines and prisons.

Each list is a text file in ``data`` (one name per line as people write it,
``#`` lines are headers; provenance in ``data/SOURCES.md``). ``categories.yaml``
names them under ``lists:`` and uses each as a macro, so a term says
"member of {UNION_NAME}" once and the list, not the term, grows.

In a term a list is a placeholder (``\\L<unions_any>``). The term is matched
with ``re``, the placeholder replaced by the names as a trie (``SIPTU|SEIU``
as ``S(?:IPTU|EIU)``), so that a word sharing no opening with any name fails
at its first letters: the ``regex`` module's own named lists cost fifty times
as much per try, and its parser takes seconds over a trie. The index of
word openings, which only asks how a match can begin, reads the placeholder
by how its names begin (``word_openings.openings_only``).
Names are matched as written where case tells them from ordinary text (an
acronym, "PiS", a name made of English words such as "Law and Justice"), an
acronym of five letters or more in lower case too ("siptu" in a chat), and
other names in any case ("prawo i sprawiedliwość").
A name that is a single ordinary English word ("Unite", "Momentum") or a
person's name ("Karen", a people of Myanmar) is left out: no frame makes
"member of Momentum" or "Karen here" safe enough to block a ticket on.
Conditions and medicines are the exception (``ordinary_words``): most of them
are English words ("asthma", "lupus"), and the frames that use them ("I was
diagnosed with", "I'm on") are what make them personal; the words that mean
something else far more often ("piles", "blind", "thrush") are left out of
those files, which say so.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
from dataclasses import dataclass
from typing import TypeAlias

from gateway.detect.wordlists import is_ordinary, read

_Node: TypeAlias = dict[str, "_Node"]

# A list in a term's pattern: ``\\L<unions_any>``, replaced by its trie to match.
PLACEHOLDER = re.compile(r"\\L<(\w+)>")

# Acronyms that name a union, a regulator or a party somewhere and, far more
# often, something else in a support ticket: codes (a SIM's PUK, a penalty
# charge notice), currencies, taxes and documents. Airport codes were taken
# out of the union and regulator lists when they were written (data/SOURCES.md).
_AMBIGUOUS = frozenset(
    [
        "ATM",
        "CEO",
        "CFO",
        "CTO",
        "DIY",
        "DNA",
        "EMI",
        "FAQ",
        "GPS",
        "GST",
        "HMO",
        "HSA",
        "IBAN",
        "ICU",
        "IVF",
        "KYC",
        "NGO",
        "OTP",
        "PDF",
        "PIN",
        "POS",
        "PPO",
        "SIM",
        "SMS",
        "SSN",
        "TBC",
        "TV",
        "UPI",
        "USB",
        "VAT",
        "VIP",
        "VPN",
        "WIFI",
        "PUK",
        "PCN",
        "PDS",
        "SSP",
        "MDF",
        "AWB",
        "BBB",
        "NCP",
        "DPS",
        "ERC",
        "PSC",
        "PDPA",
        "CGT",
        "CMS",
        "HUD",
        "RICA",
        "PHP",
        "USD",
        "EUR",
        "GBP",
        "INR",
        "PKR",
        "PLN",
        "NGN",
        "KES",
        "ZAR",
        "AUD",
        "CAD",
        "NZD",
        "JPY",
        "CNY",
        "BRL",
        "MXN",
        "THB",
        "IDR",
        "MYR",
        "SGD",
        "HKD",
        "AED",
        "SAR",
        "QAR",
        "TRY",
        "RON",
        "HUF",
        "CZK",
        "SEK",
        "NOK",
        "DKK",
        "CHF",
        "RUB",
        "UAH",
        "BDT",
        "LKR",
        "EGP",
        "GHS",
        "UGX",
        "TZS",
    ]
)


@dataclass(frozen=True, slots=True)
class NameList:
    """A list as a piece of pattern with placeholders (``\\L<unions_any>``) and, for each
    placeholder, the names as a regular expression shaped like a trie."""

    pattern: str  # "(?:(?-i:\\L<unions_exact>)|\\L<unions_any>)"
    tries: dict[str, str]  # placeholder name -> "S(?:EIU|IPTU)|..."
    # placeholder name -> the names' first five characters, as a trie: how a
    # match can begin, which is all the index of word openings asks (five, so
    # that a crowded opening split by five characters leaves a list's term out
    # where no name begins like the word).
    openings: dict[str, str]


@functools.cache
def load(name: str, ordinary_words: bool = False) -> NameList:
    """The names in ``data/{name}.txt``."""
    text = importlib.resources.files("gateway.detect").joinpath(f"data/{name}.txt")
    return compile_names(name, text.read_text("utf-8").splitlines(), ordinary_words)


def compile_names(name: str, lines: list[str], ordinary_words: bool = False) -> NameList:
    """Names (``#`` lines and blanks skipped) in two tries: those whose case matters,
    matched as written, and the rest in any case (see the module's docstring).
    With ``ordinary_words`` a name may be an English word ("asthma")."""
    exact: set[str] = set()
    any_case: set[str] = set()
    for line in lines:
        entry = " ".join(line.replace("\u2019", "'").split())
        if not entry or entry.startswith("#") or not usable(entry, ordinary_words):
            continue
        (exact if case_matters(entry) else any_case).add(entry)
        if also_lower(entry):
            any_case.add(entry)
    parts, tries, openings = [], {}, {}
    for kind, members, flags in (("exact", exact, "(?-i:{})"), ("any", any_case, "{}")):
        if members:
            key = f"{name}_{kind}"
            parts.append(flags.format(f"\\L<{key}>"))
            names = {m.lower() if kind == "any" else m for m in members}
            tries[key] = _trie(names)
            openings[key] = _trie({n[:5] for n in names})
    return NameList("(?:" + "|".join(parts) + ")" if parts else "(?!)", tries, openings)


def usable(name: str, ordinary_words: bool = False) -> bool:
    """Whether a name can stand for its owner in a ticket: not two letters, not an
    everyday acronym ("PIN"), not a short acronym that is a word ("ACT", "UNITE"), not a
    single ordinary English word ("Momentum") unless ``ordinary_words``; "PiS" and
    "UNISON" are usable."""
    letters = sum(c.isalpha() for c in name)
    if letters < 3 or name.upper() in _AMBIGUOUS:
        return False
    if " " in name:
        return True
    if name.isupper():
        return len(name) > 5 or not is_ordinary(name)
    if _inner_capital(name):
        return True
    return (ordinary_words or not is_ordinary(name)) and not is_personal_name(name)


@functools.cache
def _common_first_names() -> frozenset[str]:
    return frozenset(line.partition("\t")[0] for line in read("first_sex"))


def is_personal_name(word: str) -> bool:
    """A name people are called ("Karen" is also a people of Myanmar; "Han here"):
    a common first name, or both a first name and a surname."""
    folded = word.lower()
    return folded in _common_first_names() or (folded in read("first") and folded in read("last"))


def case_matters(name: str) -> bool:
    """An acronym or mixed-case name ("SIPTU", "PiS", "ver.di"), a short one, or one
    made only of ordinary words ("Law and Justice")."""
    words = name.split()
    if len(words) == 1:
        word = words[0]
        return len(word) <= 4 or _inner_capital(word) or word.isupper() or not word.isalpha()
    return all(is_ordinary(w.strip(".,'()-")) for w in words)


def also_lower(name: str) -> bool:
    """An acronym chat also writes in lower case ("siptu", "cosatu"): five letters or
    more and no English word."""
    return name.isupper() and name.isalpha() and len(name) >= 5 and not is_ordinary(name)


def _inner_capital(word: str) -> bool:
    return any(c.isupper() for c in word[1:]) and not word.isupper()


def _trie(names: set[str]) -> str:
    tree: _Node = {}
    for name in names:
        node = tree
        for char in name:
            node = node.setdefault(char, {})
        node[""] = {}
    return _branches(tree)


def _branches(node: _Node) -> str:
    ends = "" in node
    branches = [_char(c) + _branches(child) for c, child in sorted(node.items()) if c]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if ends else body


def _char(char: str) -> str:
    return r"\s+" if char == " " else re.escape(char)
