"""The name lists (unions, regulators, parties, peoples, faiths, festivals, conditions,
medicines, prisons) and how a term uses them."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.detect import namelists
from gateway.detect.categories import CategoryClassifier

LISTS = ("unions", "regulators", "parties", "peoples", "faiths", "festivals", "prisons")
WORD_LISTS = ("conditions", "medicines")  # ordinary English words count


def matcher(lines: list[str]) -> re.Pattern[str]:
    found = namelists.compile_names("test", lines)
    text = re.sub(r"\\L<(\w+)>", lambda m: found.tries[m.group(1)], found.pattern)
    return re.compile(rf"(?:{text})(?!\w)", re.IGNORECASE)


@given(
    st.sets(
        st.text(alphabet="abcdefgxyzABCDEFG .-'", min_size=3, max_size=12).filter(
            lambda s: s.strip() == s and "  " not in s and sum(c.isalpha() for c in s) >= 3
        ),
        min_size=1,
        max_size=30,
    )
)
def test_a_trie_matches_its_names_and_nothing_longer(names: set[str]) -> None:
    # The trie is one regular expression for the whole list; every name it was
    # built from must match in full, and a name with a letter added must not.
    pattern = matcher(sorted(names))
    kept = [n for n in names if namelists.usable(n)]
    for name in kept:
        assert pattern.fullmatch(name) or pattern.fullmatch(name.lower()), name
    for name in names:
        longer = name + "q"
        if not any(re.fullmatch(re.escape(n), longer, re.IGNORECASE) for n in names):
            found = pattern.match(longer)
            assert found is None or found.end() < len(longer)


@pytest.mark.parametrize(
    ("name", "usable"),
    [
        ("SIPTU", True),
        ("PiS", True),
        ("UNISON", True),  # capitals and longer than five: the union, not the word
        ("Rusyn", True),
        ("Unite", False),  # an ordinary word
        ("UNITE", False),  # an ordinary word in capitals, five letters
        ("Momentum", False),
        ("Karen", False),  # a people of Myanmar, and a first name
        ("PUK", False),  # a party in Kurdistan, and a SIM's unlock code
        ("PLN", False),  # a party in Indonesia, and a currency
        ("ZZ", False),
        ("Law and Justice", True),
    ],
)
def test_what_a_list_leaves_out(name: str, usable: bool) -> None:
    assert namelists.usable(name) is usable


def test_a_word_list_keeps_ordinary_words_but_not_names_or_codes() -> None:
    # Conditions are English words ("asthma"); the frames make them a person's.
    assert not namelists.usable("asthma")
    assert namelists.usable("asthma", ordinary_words=True)
    assert not namelists.usable("Karen", ordinary_words=True)  # still a first name
    assert not namelists.usable("PIN", ordinary_words=True)  # still a code


def test_case_decides_only_where_it_tells_a_name_from_a_word() -> None:
    pattern = matcher(["SIPTU", "IG Metall", "Law and Justice", "Prawo i Sprawiedliwość", "PiS"])
    assert pattern.fullmatch("siptu")  # an acronym of five letters or more, also in chat
    assert pattern.fullmatch("ig metall")
    assert pattern.fullmatch("prawo i  sprawiedliwość")  # any case, any spacing
    assert pattern.fullmatch("Law and Justice")
    assert not pattern.fullmatch("law and justice")  # ordinary words: as written only
    assert not pattern.fullmatch("pis")


@pytest.mark.parametrize("name", LISTS)
def test_every_shipped_list_loads_and_keeps_most_of_its_names(name: str) -> None:
    found = namelists.load(name)
    assert set(found.tries) == {f"{name}_exact", f"{name}_any"}
    assert all(trie for trie in found.tries.values())


@pytest.mark.parametrize("name", WORD_LISTS)
def test_every_shipped_word_list_keeps_its_words(name: str) -> None:
    found = namelists.load(name, ordinary_words=True)
    assert found.tries
    assert all(found.tries.values())
    assert set(found.openings) == set(found.tries)


def test_a_term_that_opens_with_a_list_is_tried_only_where_a_name_could_begin(
    rules: CategoryClassifier,
) -> None:
    # The index reads a list as its names' first three characters: "{CONDITION}"
    # is tried at "lupus", never at "order" or "payment".
    health = next(c for c in rules.categories if c.name == "health")
    condition = namelists.load("conditions", ordinary_words=True).tries["conditions_any"]
    listed = {n for n, term in enumerate(health.terms) if condition in term.pattern}
    opening = listed & set(health.index["lup"])  # the terms that open with the list
    assert opening
    assert not opening & set(health.index.get("ord", ()))
    assert not opening & set(health.index.get("pay", ()))


@pytest.fixture(scope="module")
def rules() -> CategoryClassifier:
    return CategoryClassifier.load(model=False)


def blocked(classifier: CategoryClassifier, text: str) -> set[str]:
    return {hit.category for hit in classifier.classify(text) if hit.score >= 0.7}


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # Names from the lists, in frames the rules already had.
        ("I'm a member of Konfederacja and my account was closed without a reason.", "religion"),
        ("We always vote BJP, so stop sending us the other lot's adverts.", "religion"),
        ("My AfD membership card came to the old address.", "religion"),
        ("I'm a shop steward for SIPTU and need the invoice in my name.", "trade_union"),
        (
            'My dues went to collections as from "LIUNA Local 183", but I was only between jobs.',
            "trade_union",
        ),
        ("I've complained to Ofgem about the back-billing.", "legal"),
        ("I made a complaint to the Consumer Council of Fiji about the refund.", "legal"),
        ("My grandmother is Hmong and needs the letters in large print.", "ethnic_origin"),
        ("We are Hazara and the form only offers 'Afghan'.", "ethnic_origin"),
        # Faiths, festivals, conditions and medicines (lists of their own).
        ("We are strict Jains at home, so no gelatin capsules please.", "religion"),
        ("I'm Ismaili and the app keeps showing me the wrong prayer times.", "religion"),
        ("My son's Bar Mitzvah is on the 4th, the suit must arrive by then.", "religion"),
        ("We celebrate Chhath every year, please deliver before the 6th.", "religion"),
        ("I have lupus and can't queue at the counter, can I collect by car?", "health"),
        ("My dad's vascular dementia is worse, please speak to me instead.", "health"),
        ("I was in hospital with dengue and missed the payment.", "health"),
        ("I'm on Keppra and the delivery was two days late.", "health"),
        ("My Eltroxin refill hasn't been posted yet.", "health"),
        ("When I got out of Bilibid last year I lost my old account.", "criminal_record"),
        ("I'm visiting my son in Belmarsh on Friday, can I change the booking?", "criminal_record"),
    ],
)
def test_names_from_the_lists_block_in_a_frame(
    rules: CategoryClassifier, text: str, category: str
) -> None:
    assert category in blocked(rules, text)


@pytest.mark.parametrize(
    "text",
    [
        # A name in an everyday sentence, and the lists' words used otherwise.
        "Hi, we're Mohawk College's campus bookstore and the order arrived short.",
        "I am Marathi translator for your app and invoice 41 is still unpaid.",
        "I contacted the Civil Aviation Authority to register my drone, I need the receipt.",
        "My parcel got stuck in the CUPW strike backlog, can you reship it?",
        "Our account rep at Seko hasn't confirmed the pickup.",
        "I need a letter from the SEWA office in Sharjah to prove my address.",
        "My PUK code doesn't work after three tries.",
        "I paid 400 PLN and the order still says unpaid.",
        "Karen here, the router is still dropping.",
        "My bag went to ARN instead of Copenhagen; when will it be forwarded?",
        # Capitals before "Local 4" are a union's only when the union is named.
        "I saw your ad on the NBC Local 4 news and want the deal.",
        "My order from the CBS Local 2 store never came.",
        # A party's initials before a course or a scheme name something else.
        "We joined CCP training last month, can we get a certificate?",
        "I joined the PDP loyalty programme and the points are missing.",
        # The new lists' names used otherwise: places, goods, figures of speech, stock.
        "The map pin drops in the Methodist church car park, we're the house behind it.",
        "I ordered an Amish made table and one leg is short.",
        "That bill nearly gave me a heart attack, it should be 98 not 980.",
        "I bought the breast cancer awareness ribbon pin and it came bent.",
        "Is Ozempic back in stock? My order page says unavailable.",
        "Where is my insulin pump order?",
        "I need an SMA cable for my router, the one I got is wrong.",
        "I got out of Changi at 6am and the driver wasn't there.",
        "We spent two nights in Carabanchel, the hotel was lovely.",  # a district of Madrid
    ],
)
def test_names_alone_do_not_block(rules: CategoryClassifier, text: str) -> None:
    assert blocked(rules, text) == set()
