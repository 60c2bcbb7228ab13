"""Tickets that carry a sensitive category, near misses that must not, for bench.categories.

Each category has sentence templates that carry it (``positive``) and
templates that borrow its words without carrying it (``near_miss``: the
"health check" endpoint, the "legal entity" on an invoice, an insulin pump
*order*). Slots are filled from small lists with a seeded generator, and a
ticket is one such sentence inside ordinary support text (an order number, a
product, an error code), so that the category has to be found in context.

This corpus is written by the same hand as the rules, so it flatters them:
``bench.categories`` reports it beside a hold-out file written independently
(``bench/data/categories_holdout.jsonl``) and third-party text.

    python -m bench.category_corpus --count 5 --seed 7
"""

from __future__ import annotations

import argparse
import json
import random
import re
from dataclasses import dataclass

CATEGORIES = (
    "health", "religion", "sexual_orientation", "trade_union", "ethnic_origin",
    "criminal_record", "children", "legal",
)  # fmt: skip

SLOTS: dict[str, list[str]] = {
    "product": [
        "Acme Router X2",
        "Acme Smart Thermostat",
        "Acme Home Hub",
        "the mesh kit",
        "the desk lamp",
        "my subscription",
        "the Premium Annual plan",
        "the blender",
        "the standing desk",
    ],
    "order": ["ORD-48213", "ORD-11902", "#558120", "A-2231-77", "order 99812"],
    "error": ["E1042", "ERR_CONN_RESET", "0x80070005", "HTTP 502", "SYNC_TIMEOUT"],
    "amount": ["$129.99", "£45.00", "€310", "$18.50", "£1,249"],
    "relative": [
        "my son",
        "my daughter",
        "my husband",
        "my wife",
        "my mum",
        "my dad",
        "my partner",
    ],
    "adult": ["my husband", "my wife", "my mum", "my dad", "my partner", "my brother"],
    "condition": [
        "diabetes",
        "cancer",
        "epilepsy",
        "multiple sclerosis",
        "Crohn's",
        "depression",
        "bipolar disorder",
        "asthma",
        "Parkinson's",
        "dementia",
        "long covid",
    ],
    "condition_adj": ["diabetic", "epileptic", "asthmatic", "pregnant", "autistic", "depressed"],
    "treatment": ["chemotherapy", "dialysis", "radiotherapy", "physiotherapy", "IVF"],
    "medication": ["insulin", "metformin", "sertraline", "my inhaler", "my antidepressants"],
    "faith": ["Muslim", "Jewish", "Hindu", "Sikh", "Catholic", "Buddhist", "Christian"],
    "holiday": ["Ramadan", "Shabbat", "Passover", "Diwali", "Lent", "Yom Kippur"],
    "place": ["church", "mosque", "synagogue", "temple", "gurdwara"],
    "orientation": ["gay", "lesbian", "bisexual", "queer", "transgender", "non-binary"],
    "union": ["Unison", "the Teamsters", "my trade union", "the RMT", "our union"],
    "ethnicity": [
        "Black",
        "Hispanic",
        "Latina",
        "Asian American",
        "Roma",
        "mixed race",
        "Aboriginal",
    ],
    "crime": ["assault", "theft", "fraud", "a DUI", "shoplifting"],
    "age": ["9", "12", "14", "15", "7", "11", "16"],
    "child": ["son", "daughter", "kid", "grandson", "stepdaughter"],
    "regulator": ["the FTC", "the ICO", "the CFPB", "the Financial Ombudsman", "Trading Standards"],
    "law": ["GDPR", "the CCPA", "UK GDPR", "Article 15 of the GDPR"],
    "street": ["Church Road", "Temple Court", "Union Street", "Court Lane", "Chapel Hill"],
    "name": ["Christian", "Sue", "Faith", "Temple", "Justice"],
}

TEMPLATES: dict[str, dict[str, list[str]]] = {
    "health": {
        "positive": [
            "I'm {condition_adj} and the {product} stopped working, I need it fixed fast.",
            "{relative} was diagnosed with {condition} last month, can we pause the account?",
            "I'm on {treatment} at the moment so I can't get to the door for the courier.",
            "Please cancel {order}: I have {condition} and can't use it any more.",
            "I was in hospital for two weeks, which is why I missed the payment of {amount}.",
            "{relative} is in the hospital after a stroke, can the delivery wait?",
            "My doctor says I can't lift heavy boxes, please send an installer for {product}.",
            "I take {medication} and the fridge stopped cooling, it needs to stay cold.",
            "I suffer from {condition}, the flashing light on {product} triggers it.",
            "Since my surgery I can't climb stairs, please deliver {order} to the ground floor.",
            "I'm disabled and need the accessible delivery option for {order}.",
            "i have had {treatment} all week and completely forgot to return {order}",
            "Due to my mental health I could not answer your calls about {order}.",
            "I've been really unwell with {condition}, please extend my return window.",
            "My {condition} flared up and I missed the repair appointment.",
        ],
        "near_miss": [
            "The health check endpoint of {product} returns {error}.",
            "My insulin pump order {order} hasn't shipped yet.",
            "Where is my blood pressure monitor? Order {order}.",
            "The battery health on {product} shows 71%.",
            "Is the medical grade filter in stock? I want it for {product}.",
            "My account was disabled after the update to version 4.2.",
            "I'm sick of waiting for {order}, it's been three weeks.",
            "The item arrived in poor condition, refund {amount} please.",
            "Can you add the Health Plus plan to my account?",
            "The hospital corners guide in the bedding manual is wrong.",
            "Please deliver to the nurses' station reception, ask for {name}.",
            "What a pain to set up {product}, the app keeps failing with {error}.",
        ],
    },
    "religion": {
        "positive": [
            "I'm a practising {faith} and can't take deliveries on {holiday}, please reschedule {order}.",
            "For religious reasons I need a female installer for {product}.",
            "I'm fasting for Ramadan so please don't book the engineer over lunch.",
            "As a {faith} I only eat halal, and the meal kit in {order} had pork.",
            "My {place} asked me to lead prayers so I missed the call about {order}.",
            "We observe Shabbat, so no Saturday delivery please.",
            "My faith means I can't accept the interest on {amount}, please waive it.",
            "I wear a hijab and your face-ID on {product} refuses to recognise me.",
            "I'm Jewish and the kosher certificate on the box in {order} is wrong.",
            "It goes against my religion to have my photo on the account.",
        ],
        "near_miss": [
            "Please deliver {order} to 14 {street}.",
            "We're a church and want the nonprofit discount on {product}.",
            "Hi, {name} here from accounts, invoice for {order} attached.",
            "I bought in good faith and {product} broke in a week.",
            "The Christian Dior perfume in {order} leaked.",
            "The kosher salt you sent is the wrong size.",
            "Do you ship to Temple Bar? My order is {order}.",
            "My prayer mat order {order} never arrived.",
        ],
    },
    "sexual_orientation": {
        "positive": [
            "I'm {orientation} and your app showed my profile to my family, please remove it.",
            "My same-sex partner should be on the account as well, not 'wife' and 'husband' fields.",
            "I'm trans and the card still shows my deadname, please update it.",
            "I came out as {orientation} and need my old name removed from {order}.",
            "Your agent made homophobic comments when I called about {order}.",
            "As a {orientation} customer I found the advert offensive.",
            "My pronouns are they/them, please stop calling me sir in emails.",
            "We're a lesbian couple and the joint account form won't accept two mothers.",
        ],
        "near_miss": [
            "The Pride collection hoodie in {order} is the wrong size.",
            "Our reseller partner can't log in, error {error}.",
            "The transatlantic shipping for {order} is slow.",
            "Please add the Rainbow edition of {product}.",
            "Do you have a trans-fat free version of the snack box?",
            "Our integration partner needs API access for {product}.",
        ],
    },
    "trade_union": {
        "positive": [
            "I'm a union rep and need the invoice for {order} for my union dues claim.",
            "We're on strike this week so please hold {order} until Monday.",
            "{union} is paying for my training course, please invoice them for {amount}.",
            "I joined a trade union and the membership fee is charged through your app.",
            "My union told me to ask for a copy of the recording of my call.",
            "As shop steward I need to change the delivery address for our branch.",
        ],
        "near_miss": [
            "My credit union declined the card for {order}.",
            "The couriers were on strike so {order} is late, I know, but it's been weeks.",
            "Please deliver to 3 {street}.",
            "Do you accept UnionPay for {amount}?",
            "Do you ship to the European Union? Order {order}.",
            "The SQL UNION query in the report builder throws {error}.",
            "Lucky strike! The discount code worked, thanks.",
        ],
    },
    "ethnic_origin": {
        "positive": [
            "I'm {ethnicity} and your agent was racist to me on the phone about {order}.",
            "Your face unlock on {product} fails for people with my skin colour.",
            "The store refused me entry because of my race, I want this investigated.",
            "I was racially profiled by your security staff when I collected {order}.",
            "As a {ethnicity} woman I found the comment in the chat about my accent offensive.",
            "They discriminated against me because of my ethnicity.",
        ],
        "near_miss": [
            "The Black Friday discount didn't apply to {order}.",
            "I'd like {product} in black, not white.",
            "Do you ship to Latin America? {order}.",
            "There's a race condition in the sync of {product}, error {error}.",
            "The Asian market version of {product} has a different plug.",
            "My charity race entry number is wrong on the receipt.",
        ],
    },
    "criminal_record": {
        "positive": [
            "I was arrested last year and your background check failed me, I want it reviewed.",
            "{relative} is in prison, how do I close the account on their behalf?",
            "I have a criminal record and your app refused my rental application.",
            "I was charged with {crime} and my lawyer needs the receipts for {order}.",
            "Someone stole my identity and ordered {product}, I reported it to the police.",
            "I'm on probation and can only get deliveries at my registered address.",
            "The police report number for the burglary is CR-55821, they took {product}.",
            "I was mugged and my phone with your app was taken.",
        ],
        "near_miss": [
            "No offense, but the app is slow when I open {order}.",
            "I was charged twice for {order}, {amount} each.",
            "Please deliver to 8 Oak Court, {street}.",
            "The crime drama box set in {order} is missing disc 2.",
            "Delivery to the police station canteen, we're the coffee supplier.",
            "My phone is jailbroken, does {product} still work?",
            "The tennis court net in {order} arrived torn.",
        ],
    },
    "children": {
        "positive": [
            "My {child} is {age} and made an account without asking me, please delete it.",
            "My {age}-year-old bought {amount} of in-app purchases on my card.",
            "Please remove my {child}'s photos from the shared album, they're a minor.",
            "My {child} goes to Oakfield Primary and the school login uses your app.",
            "My {child} is only {age}, how do I set parental consent on the account?",
            "I'm writing about my {child}'s account, they're under 13.",
            "The tracker shows my {child}'s location to strangers, they're {age}.",
        ],
        "near_miss": [
            "The child ticket was not merged into the parent ticket {order}.",
            "I bought {product} as a gift for my {child}.",
            "There's a minor issue with the app, error {error}.",
            "Where is my baby monitor? Order {order}.",
            "The child element in the embed code breaks the layout.",
            "We're a school district and need a licence quote for {product}.",
            "A minor scratch on {product}, can I get a partial refund of {amount}?",
        ],
    },
    "legal": {
        "positive": [
            "I want a copy of all the personal data you hold about me under {law}.",
            "This is a subject access request for everything linked to {order}.",
            "Please delete all my personal data under {law} and confirm.",
            "My lawyer will be in touch about {order} if this isn't refunded.",
            "I'm going to report this to {regulator} if {amount} isn't refunded.",
            "I will sue you if {product} isn't replaced.",
            "I've filed a complaint with {regulator} about the charge of {amount}.",
            "My solicitor has advised me to take legal action over {order}.",
            "I'm invoking my right to be forgotten, remove my account.",
            "This is a formal letter before action regarding {order}.",
        ],
        "near_miss": [
            "Please update the legal entity name on invoice {order}.",
            "Is {product} GDPR compliant?",
            "The terms page link in the footer is broken.",
            "Sue from finance asked me to forward invoice {order}.",
            "Our legal team approved the contract, please send the licence key.",
            "The court shoes I ordered in {order} are too small.",
            "What's the legal name of your company for our vendor form?",
        ],
    },
}

FILLER = [
    "Hi team,",
    "Hello,",
    "hey",
    "Good morning,",
    "To whom it may concern,",
    "",
]
TRAILER = [
    "Thanks.",
    "Regards, Jane",
    "Please help.",
    "Cheers",
    "Order {order}.",
    "Ref {error}.",
    "",
]
ORDINARY = [
    "My order {order} arrived damaged, can I get a replacement?",
    "I was charged {amount} twice this month.",
    "The app shows {error} when I log in.",
    "How do I change the delivery address for {order}?",
    "Can I upgrade to the Premium Annual plan?",
    "{product} won't connect to Wi-Fi after the update.",
    "Please cancel my subscription and refund {amount}.",
    "The tracking link for {order} doesn't work.",
    "I forgot my password and the reset email never comes.",
    "Is {product} compatible with the old mounting bracket?",
]


@dataclass(frozen=True, slots=True)
class CategoryTicket:
    text: str
    category: str | None  # the category it carries (positive) or borrows words from
    kind: str  # positive | near_miss | ordinary


def _fill(template: str, rng: random.Random) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: rng.choice(SLOTS[m.group(1)]), template)


def _wrap(sentence: str, rng: random.Random) -> str:
    parts = [_fill(rng.choice(FILLER), rng), sentence, _fill(rng.choice(TRAILER), rng)]
    text = " ".join(p for p in parts if p)
    return text.lower() if rng.random() < 0.1 else text


def generate(count: int, seed: int) -> list[CategoryTicket]:
    """``count`` positives and ``count`` near misses per category, and ``count`` ordinary."""
    rng = random.Random(seed)
    tickets: list[CategoryTicket] = []
    for category in CATEGORIES:
        for kind in ("positive", "near_miss"):
            templates = TEMPLATES[category][kind]
            for _ in range(count):
                sentence = _fill(rng.choice(templates), rng)
                tickets.append(CategoryTicket(_wrap(sentence, rng), category, kind))
    for _ in range(count):
        tickets.append(
            CategoryTicket(_wrap(_fill(rng.choice(ORDINARY), rng), rng), None, "ordinary")
        )
    return tickets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20261204)
    args = parser.parse_args()
    for ticket in generate(args.count, args.seed):
        print(json.dumps(_row(ticket)))


def _row(ticket: CategoryTicket) -> dict[str, str | None]:
    return {"text": ticket.text, "category": ticket.category, "kind": ticket.kind}


if __name__ == "__main__":
    main()
