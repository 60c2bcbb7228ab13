"""Same-sex couples: a partner word whose sex matches the writer's own name or words."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.detect.categories import CategoryClassifier
from gateway.detect.couples import SameSexCouples


@pytest.fixture(scope="module")
def couples() -> SameSexCouples:
    return SameSexCouples.load()


@pytest.mark.parametrize(
    ("text", "evidence"),
    [
        ("Hi, Mark here. My husband Tom and I want a joint account.", "husband Tom"),
        # The name alone as the last sentence, then the address.
        (
            "Please add my girlfriend Hannah as a named occupant. Sophie Walsh, 15 Dean Road.",
            "girlfriend Hannah",
        ),
        ("Please add my wife as a second driver. Thanks, Susan Birch", "wife"),
        ("Booking the honeymoon for me and my wife. Best, Laura and Priya", "wife"),
        (
            "I'm Daniel's husband. He's in hospital and asked me to pay his bill. - Paul",
            "Daniel's husband",
        ),
        (
            "guy here, ordering for me and my boyfriend, both names on the delivery please",
            "boyfriend",
        ),
        ("Please add my partner James to the plan. Regards, Mr Liam Hughes", "partner James"),
        ("We're booking the spa for me and my fiancé David. Thanks, Andrés", "fiancé David"),
        ("Cancel the Date Night box, my girlfriend and I have broken up. -Chloe", "girlfriend"),
        ("Please add our employee Tom Ashby's husband as a dependant.", "Tom Ashby's husband"),
        (
            "She has changed her name from Daniel to Danielle, please update the card.",
            "Daniel to Danielle",
        ),
        # The writer's name in brackets after "and I".
        ("My husband Tomasz and I (Piotr) are moving on 1 July.", "husband Tomasz"),
        # "I married Kevin", signed by a man.
        ("I married Kevin in September and I'm taking his surname. I'm Steve.", "I married Kevin"),
        # A third person's partner, of the pronoun's sex (agents' notes).
        (
            "Caller says the agent refused a double bed for him and his husband Marc.",
            "his husband Marc",
        ),
        # The partner by name at a wedding; the writer by "I go by", a role, a desk.
        ("The flowers are for my wedding to Naomi in May. I'm Rachel.", "my wedding to Naomi"),
        ("Update my name please, I go by Mrs Okafor now, same as my wife.", "wife"),
        ("Add my husband, Gary, to the van policy. I'm the owner, Simon Pike.", "husband, Gary"),
        (
            "me and Jessica got married last week!! it's Hannah in accounts",
            "me and Jessica got married",
        ),
        ("My account's under Emily Shaw. My wife Grace will collect it.", "wife Grace"),
        ("Cancel the spa voucher, Ben and I have split up. I'm Aaron.", "Ben and I have split up"),
        # A couple named in the third person.
        (
            "Two of our drivers, Peter and Michael, are a couple and want one room.",
            "Peter and Michael, are a couple",
        ),
        # Two named people marrying each other, or on their honeymoon.
        (
            "It's our honeymoon - James and Tom - at the Lakeside Lodge 2-9 Sept.",
            "our honeymoon - James and Tom",
        ),
        ("We're planning Ana and Rosa's wedding for June.", "Ana and Rosa's wedding"),
        # British short forms the US registrations miss; the writer in brackets,
        # between commas, or typed in lower case before a role.
        ("Merge my plan with my wife Anna's please. I'm Cath, the account holder.", "wife Anna"),
        ("Tickets for me (Claire) and my wife, row F please.", "wife"),
        ("When my husband and I married, I, Owen, kept my own name.", "husband"),
        ("add my boyfriend to the car please, im liam the policy holder", "boyfriend"),
        # The writer's name in brackets after a role, or given after the partner's in full.
        ("My fiance Kofi moved in; I'm the account holder (Michael).", "fiance Kofi"),
        ("My husband joins the account: his name is Dan Okafor, mine is Marc Hale.", "husband"),
        # A relative's partner, named, of the relative's sex.
        (
            "Dad's partner of thirty years, Kenneth, pays the bills.",
            "Dad's partner of thirty years, Kenneth",
        ),
        # French and Spanish: the partner's word and the writer's name.
        ("Soy Andrés y viajo con mi novio Tomás el viernes.", "novio Tomás"),
        ("Je m'appelle Julie. Ma blonde utilise ma carte aussi.", "blonde"),
        (
            "On vient de se marier, Sophie et moi! Je m'appelle Julie.",
            "On vient de se marier, Sophie et moi",
        ),
        ("Hola, me llamo Lucía, mi esposa y yo queremos una sola cuenta.", "esposa"),
    ],
)
def test_a_partner_of_the_writers_own_sex_is_found(
    couples: SameSexCouples, text: str, evidence: str
) -> None:
    (hit,) = couples.find(text)
    assert text[hit.start : hit.end] == evidence


@pytest.mark.parametrize(
    "text",
    [
        # Different sexes.
        "Hi, Mark here. My wife Anna and I want a joint account.",
        "Please add my husband as a second driver. Thanks, Susan Birch",
        # The writer gives no name, or one given to both sexes.
        "Please add my husband as a second driver.",
        "Please add my husband as a second driver. Thanks, Sam",
        # Someone else's partner.
        "My mum's husband will collect the parcel. Thanks, Peter",
        "Caller asked to add her partner Ben to the policy.",
        # "his partner" is as often a business partner; "married Kevin's sister"; a
        # name after "and me," is the agent addressed, not the writer.
        "The business account is for Ahmed and his partner Raj, please add him.",
        "I married Kevin's sister last year, please update her surname. Thanks, Tom",
        "Thanks for sorting it for my husband and me, John, you have been brilliant.",
        "I married Kevin last May. Thanks, Laura",
        # A couple of two sexes, named or by wedding.
        "Two of our drivers, Peter and Laura, are a couple and want one room.",
        "The flowers are for my wedding to Naomi in May. I'm Daniel.",
        "Our wedding - Tom and Emma - is on 3 May.",
        "Booking for the wedding of James and Tom Hardy.",
        "Mum's partner Steve will collect it.",
        # Signals that disagree: say nothing.
        "I'm a woman and my wife ordered this. Thanks, Peter",
        # A partner named like the writer is a misreading, not a couple.
        "I am Rosa Gimeno. My wife Rosa placed the order. Regards, Rosa",
        # A name changed within one sex, and a third-person couple of two sexes.
        "He changed his name from Jonathan to James last year.",
        "Please add Tom Ashby's wife as a dependant.",
        # The booking in the partner's name; a couple signing together; words
        # that are names elsewhere; a place on the last line; a name inside a name;
        # someone else "here".
        "Hi, the booking is under David, my husband. Can we check in early?",
        "My husband and I would like a quiet table. Thanks, Tom and Sarah",
        "As I'm Christian, my husband and I don't want the Halloween menu.",
        "My husband will collect it. Our address is 12 Elm Road.\nJackson Heights",
        "Mr MacKenzie's wife called to say she will collect the parcel.",
        "The man here at your store told me my husband could not return it.",
        # Lower case that is not a name before a role; a writer of the other sex in brackets.
        "im sure the policy holder is my husband",
        # Short forms given to both sexes, and a writer named inside a list.
        "Izzy here, my wife has been charged twice for the same order.",
        "Hi, Dom here. My husband ordered the sofa but it came in the wrong colour.",
        "Passengers: my husband, I, Gareth, and our daughter Amy.",
        "Tickets for me (Claire) and my husband, row F please.",
        # A partner word and a partner name that disagree.
        "My wife Richard placed the order. Thanks, Peter",
        # Someone else named in the brackets; a pet's name after the partner's.
        "I'm the account holder (Mary, my PA, set it up) and my wife is a named user.",
        "My wife keeps a horse at your livery. Her name is Bella, mine is Daisy.",
        # "a couple of weeks", not a couple.
        "My tenants Tom and James are a couple of weeks late with the rent.",
        # French and Spanish couples of two sexes; "soy" before a word that is not a name.
        "Je m'appelle Julie, mon chum Marc et moi on déménage.",
        "Soy Andrés y viajo con mi novia Lucía.",
        "soy católica y mi esposo Pedro paga la factura.",
    ],
)
def test_nothing_is_said_without_two_agreeing_sexes(couples: SameSexCouples, text: str) -> None:
    assert couples.find(text) == []


def test_a_couple_blocks_as_sexual_orientation_with_the_partner_as_evidence() -> None:
    classifier = CategoryClassifier.load(["sexual_orientation"], model=False)
    text = "Hello, my husband\u2019s name needs adding. My husband Kevin and I. Thanks, Andrew"
    hits = [h for h in classifier.classify(text) if h.score >= 0.7]
    assert {h.category for h in hits} == {"sexual_orientation"}
    assert any(text[h.start : h.end] == "husband Kevin" for h in hits)


def test_a_policy_without_the_category_does_not_load_the_finder() -> None:
    assert CategoryClassifier.load(["health"], model=False).couples is None


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gives_spans_inside_it(text: str) -> None:
    for hit in SameSexCouples.load().find(text):
        assert 0 <= hit.start < hit.end <= len(text)


def test_long_runs_of_line_breaks_are_read_in_linear_time(couples: SameSexCouples) -> None:
    # A pattern that restarted at every line break took 10 s on 40,000 of them.
    import time

    text = "Hi\n" + "\n" * 60_000 + "my husband. Thanks, Andrew"
    started = time.perf_counter()
    couples.find(text)
    assert time.perf_counter() - started < 2.0
