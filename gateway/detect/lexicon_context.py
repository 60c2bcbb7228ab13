"""How the text around a lexicon phrase reads: sentences, names, codes, quotes, "I".

Pure functions of the text (and its folded copy, ``lexicon_entries.fold``), kept
apart from the matcher so that ``lexicon.py`` holds the index and the rules.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from gateway.detect.lexicon_entries import marked

_JOINERS = frozenset("@._/=:")
_QUOTES = frozenset("'\"“”‘’«»")

# English words that put the writer or a relative in a sentence, for a borrowed word
# ("my Bewährungshelfer"), within ``ENGLISH_BEFORE`` words before it. Not "us" ("the
# US") nor "partner" (a business's): "I" only as ``english_person`` reads it.
ENGLISH_PERSONAL = frozenset(
    {
        *("my", "me", "mine", "myself", "we", "our", "ours"),
        *("husband", "wife", "son", "daughter", "brother", "sister", "mother", "father"),
        *("mum", "mom", "dad", "boyfriend", "girlfriend", "fiance", "fiancee"),
        *("kid", "kids", "grandson", "granddaughter", "nephew", "niece"),
    }
)
ENGLISH_BEFORE = 4
# Words after "I" that only English puts there: Danish "Kan I sende" is "you", Norwegian
# "I går" is "in", "Phase I of" a numeral.
_AFTER_I = frozenset(
    {
        *("am", "have", "had", "was", "got", "get", "need", "needs", "want", "will", "would"),
        *("can", "could", "do", "did", "dont", "just", "still", "also", "only", "really"),
        *("must", "should", "live", "work", "worked", "lost", "paid", "pay", "went", "go"),
        *("started", "received", "spent", "used", "recently", "currently", "already"),
        *("never", "now", "finally", "sat", "served", "joined", "became", "myself"),
    }
)
# An English word right after a borrowed one makes it a title or a product: "my
# Sorgerecht book", "the Strafverteidiger handbook".
ENGLISH_NOT_AFTER = frozenset(
    {
        *("book", "books", "handbook", "guide", "course", "app", "film", "movie", "series"),
        *("article", "essay", "template", "templates", "form", "forms", "seminar", "podcast"),
        *("documentary", "novel", "game", "show", "episode", "poster", "shirt", "mug"),
    }
)


def typed_with_accents(
    text: str, words: Sequence[tuple[int, int, str]], sentence_of: Sequence[int], sentence: int
) -> bool:
    """A sentence a third of whose words carry accents, not one accented word in plain typing
    ("Shop ơi, toi dang hoa tri"), a name pasted in ("benh vien Bạch Mai") or a "đ" that
    survives when other marks were stripped."""
    first = bisect.bisect_left(sentence_of, sentence)
    last = bisect.bisect_right(sentence_of, sentence)
    plain = accented = 0
    for start, end, word in words[first:last]:
        if text[start].isupper() or word.isdigit():
            continue
        if marked(text[start:end]).replace("đ", "d") != word:
            accented += 1
        else:
            plain += 1
    return accented >= 2 and accented >= plain / 2


def inside_identifier(text: str, start: int, end: int) -> bool:
    """Part of an email, a URL, a file or a code ("d2be:de0b", "sindicato@...")."""
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    following = text[end + 1] if end + 1 < len(text) else ""
    # Words split where letters meet digits: such a word is glued to a code.
    glued = before.isalnum() or after.isalnum()
    return glued or before in _JOINERS or (after in _JOINERS and following.isalnum())


def english_person(text: str, words: Sequence[tuple[int, int, str]], index: int) -> bool:
    """English "I" at ``words[index]``: before an apostrophe ("I'm", "i've", which no
    Nordic "i" is), or written "I" before a word only English puts there."""
    start, end, folded = words[index]
    if folded != "i" or index + 1 >= len(words):
        return False
    following = words[index + 1]
    if text[end : following[0]] in ("'", "\u2019"):
        return True
    return text[start:end] == "I" and following[2] in _AFTER_I


def joined(gap: str, apostrophe: bool = False) -> bool:
    """Words parted only by spaces or a hyphen; inside a phrase an apostrophe too ("j'ai"),
    or one full stop ("ver.di")."""
    joins = "-'" if apostrophe else "-"
    if apostrophe and gap == ".":
        return True
    return bool(gap) and all(c.isspace() or c in joins for c in gap)


# An age given as an aside: "córka (12 lat)", "syn – 16 let", "донька Софія, 7 років".
_ASIDE = frozenset("(–—-:")


def aside(gap: str, after_name: bool) -> bool:
    """One bracket, dash or colon on one line: what may part a word from a number; a comma
    only after a name (a ``_`` slot): "Mam syna, 2 lata temu kupiłem" is not an age."""
    marks = [c for c in gap if not c.isspace()]
    if len(marks) != 1 or "\n" in gap:
        return False
    return marks[0] in _ASIDE or (after_name and marks[0] == ",")


def cited(text: str, start: int, end: int) -> bool:
    """Quoted as a label ("the line 'cotisation syndicale'", a form's 'ik ben katholiek')."""
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    return before in _QUOTES and after in _QUOTES


def title_case(text: str, start: int) -> bool:
    """ "Roma", not "ROMA" (a shout or a heading) nor "roma"."""
    return text[start].isupper() and text[start + 1 : start + 2].islower()


def mid_sentence(folded: str, start: int) -> bool:
    """After a word or a comma, not at a sentence's start ("¿Tengo...", "• Soy...", "„Jestem")."""
    before = folded[max(0, start - 8) : start].rstrip()
    return bool(before) and (before[-1].isalnum() or before[-1] == ",")
