"""HTML wherever it is: visible text as a reader sees it, attributes, raw sections, edits."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.formats.markup import is_markup, read, unescape
from gateway.formats.splice import splice


@pytest.mark.parametrize(
    ("text", "markup"),
    [
        ("<p>Dear Jane Doe,</p>", True),
        ("Thanks,<br>Margaret", True),
        ("<P CLASS=x>shouting tags</P>", True),
        ("Jane <jane@example.com>", False),  # an address in angle brackets is text
        ("<Jane Doe> wrote", False),  # not an element: text, and scanned as such
        ("reply to <your name>", False),
        ("x < y and y > z", False),
    ],
)
def test_what_counts_as_html(text: str, markup: bool) -> None:
    assert is_markup(text) is markup


def test_visible_text_reads_across_inline_tags_and_breaks_lines_at_blocks() -> None:
    page = read("<p>Dear Jane <b>Doe</b>,</p><p>Thanks,<br>Margaret Okonkwo</p>")
    assert page.rendered.text == "Dear Jane Doe,\nThanks,\nMargaret Okonkwo\n"


def test_unknown_tags_stay_in_the_text() -> None:
    page = read("<p>From <Jane Doe> again</p>")
    assert "<Jane Doe>" in page.rendered.text


def test_attributes_and_raw_sections_are_their_own_texts() -> None:
    page = read(
        '<p title="Jane &amp; co">Mail <a href="mailto:jane@example.com">Jane</a></p>'
        '<script>var x="Bob";</script><!-- Eve --><p class="Jane">x</p>'
    )
    found = {(s.where, s.value) for s in page.segments}
    assert ("title", "Jane & co") in found
    assert ("href", "mailto:jane@example.com") in found
    assert ("raw", '<script>var x="Bob";</script>') in found
    assert ("raw", "<!-- Eve -->") in found
    assert not any(s.where == "class" for s in page.segments)
    assert "Bob" not in page.rendered.text  # scripts are not visible text


def test_a_comment_a_browser_ends_early_is_scanned_either_way() -> None:
    trick = "<p>Hi</p><!-->Customer: Jane Doe, jane@example.com<!-- -->"
    page = read(trick)
    assert any("jane@example.com" in s.value for s in page.segments)


def test_an_edit_never_covers_markup() -> None:
    document = "<p>Thanks,<br>Margaret <b>Okonkwo</b></p>"
    page = read(document)
    start = page.rendered.text.index("Margaret")
    edits = page.rendered.edits(start, start + len("Margaret Okonkwo"), "PERSON-ABCDEFGH")
    assert splice(document, edits) == "<p>Thanks,<br>PERSON-ABCDEFGH<b></b></p>"


def test_references_map_back_whole() -> None:
    document = "<p>Jos&eacute; &amp; Ana</p>"
    page = read(document)
    assert page.rendered.text == "José & Ana\n"
    edits = page.rendered.edits(0, 4, "NAME")
    assert splice(document, edits) == "<p>NAME &amp; Ana</p>"


def test_unescape_maps_each_character() -> None:
    decoded, offsets = unescape("a&amp;b&#233;c")
    assert decoded == "a&béc"
    assert offsets is not None
    assert offsets[3] == 7


WORDS = st.text(st.sampled_from("abc XYZ&;#<>/é"), max_size=12)
TAGS = st.sampled_from(["<p>", "</p>", "<br>", "<b>", "</b>", "<span class='x'>", "</span>"])


@given(st.lists(st.one_of(WORDS, TAGS), max_size=12))
def test_editing_every_visible_character_leaves_only_markup(pieces: list[str]) -> None:
    """Replacing the whole visible text removes every character of it and keeps the tags."""
    document = "<p>" + "".join(pieces)
    page = read(document)
    text = page.rendered.text
    edited = splice(document, page.rendered.edits(0, len(text), ""))
    assert read(edited).rendered.text.strip() == ""
