"""The sensitive-category rules: words in context, near misses, evidence spans, fail-closed."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.detect.categories import CategoryClassifier
from gateway.errors import DetectionError
from gateway.policy.entities import CATEGORY_ENTITIES
from gateway.policy.schema import CATEGORY_NAMES

ROOT = Path(__file__).resolve().parent.parent
THRESHOLD = 0.7  # the policy default


@pytest.fixture(scope="module")
def classifier() -> CategoryClassifier:
    return CategoryClassifier.load()


def blocked(classifier: CategoryClassifier, text: str) -> set[str]:
    return {h.category for h in classifier.classify(text) if h.score >= THRESHOLD}


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # the issue's own pair: a condition stated about oneself...
        ("I'm diabetic and the pump failed", "health"),
        ("My husband was diagnosed with cancer in May, please pause the account.", "health"),
        ("I'm on chemo so I can't come to the door for the courier", "health"),
        ("my wife is in the hospital, can the engineer come next week?", "health"),
        ("I am disabled and need the accessible delivery slot", "health"),
        ("As a practising Muslim I can't take deliveries during Friday prayers", "religion"),
        ("We observe Shabbat, so no Saturday deliveries please", "religion"),
        ("I'm gay and your app showed my profile to my family", "sexual_orientation"),
        ("Please stop using my deadname on the invoices", "sexual_orientation"),
        ("I'm a union rep and need the invoice for my union dues claim", "trade_union"),
        ("We're on strike this week so please hold the order", "trade_union"),
        ("Your agent was racist to me because I'm Black", "ethnic_origin"),
        ("I was racially profiled by your security staff", "ethnic_origin"),
        ("I was arrested last year and your background check failed me", "criminal_record"),
        ("Someone stole my identity and I reported it to the police", "criminal_record"),
        ("My son is 12 and made an account without asking me", "children"),
        ("My 9-year-old bought $80 of gems on my card", "children"),
        ("Please remove my daughter's photos, she is a minor", "children"),
        ("I want a copy of all the personal data you hold about me under GDPR", "legal"),
        ("This is a subject access request for my account", "legal"),
        ("My lawyer will be in touch if this isn't refunded", "legal"),
        ("I'm going to report this to the FTC", "legal"),
    ],
)
def test_a_category_stated_in_context_is_found(
    classifier: CategoryClassifier, text: str, category: str
) -> None:
    assert category in blocked(classifier, text)


@pytest.mark.parametrize(
    "text",
    [
        "my insulin pump order hasn't shipped",  # the issue's product question
        "The health check endpoint returns 503",  # a service's health
        "Please update the legal entity name on invoice INV-2231",  # company data
        "Is your product GDPR compliant?",  # a pre-sales question
        "My account was disabled after the update",  # an account, not a person
        "I'm sick of waiting for order ORD-48213",  # an idiom
        "The battery health on the X2 shows 71%",
        "My credit union declined the card",  # a bank
        "My credit union card was declined at checkout.",
        "My Union Pacific model train set is missing the transformer.",  # a name, capitalised
        "Hi, my Probation Period training module won't mark as complete.",
        "Could I pick up my prescription glasses from the Bath store instead?",
        "My prayer mat order never arrived.",
        "The charging port is loose and it's 8 months old, is that under warranty?",
        "I think I got charged for premium after I cancelled in January.",
        "My confirmation email said 3-5 days.",
        "The couriers were on strike so it's late",  # someone else's strike
        "Please deliver to 12 Church Road",  # a street
        "We're a church and want the nonprofit discount",  # an organisation
        "The Christian Dior perfume leaked",  # a brand
        "The Black Friday discount didn't apply",
        "There's a race condition in the sync",
        "No offense, but the app is slow",
        "I was charged twice for the order",  # billing, not a charge sheet
        "The child ticket was not merged into the parent",  # helpdesk vocabulary
        "There's a minor issue with the app",
        "I bought the lamp as a gift for my son",  # a child mentioned, no child's data
        "Sue from finance asked me to forward the invoice",  # a name
        "The court shoes I ordered are too small",
        # Near misses from the dev 14-17 round, in this file's own words.
        "My dental appointment reminder shows the wrong time, which is right?",
        "The frames are fine but the lenses have the wrong prescription tint",
        "Your 'Get Out of Jail Free' card is missing from the box set",
        "Our campaign team needs 300 badges by Friday",
        "The voice assistant can't follow my Welsh accent at all",
        "The policy must name 'Children's Hospital of Leeds' as additional insured",
        "The Judge Dredd box set I ordered arrived without volume two",
        "The form says to declare any unspent convictions, what counts?",
        "What does the forget me button on the speaker actually reset?",
        "Hi, Christian here from accounts, invoice for order 99812 attached.",  # a name
        "Can you move my delivery to the afternoon? Order #GRC-4410.",  # an order number
        "Please stop auto-renewing my breakdown cover, policy BR-1102.",  # a product
        # Near misses from dev sets 21-23, in this file's own words.
        "I almost had a heart attack when the £700 bill came in.",  # a figure of speech
        "What is the medical excess on policy HX-2210?",
        "Does your cover include pre-existing medical conditions as standard?",
        "The Diwali offer banner still shows after the sale ended.",
        "My pension moved from Legal & General in May, is the transfer done?",
        "My account has been locked up for three days, please reset it.",
        "Do under-5s travel free on the airport coach?",
        "The RMT strike on Friday meant no trains, can I get a refund?",
        "I'm not a lawyer, but the price rise breaks your own terms.",
        "£12 for a replacement card? Your fees are criminal.",
        "Someone broke into the bin store at Albion Court, can the crew help?",
        # Near misses an independent review of that round wrote against its terms.
        "Is the early Labor Day sale price still valid on the grill?",
        "I always wear my cross trainers to the gym, is this pair wide fit?",
        "Are your drivers joining the Royal Mail strike next week?",
        "I did 6 months and then cancelled, why am I still billed?",
        "It was his first day at Amazon and the badge didn't work.",
        "I got 50 points for my review but they never showed up.",
        "Is your firm regulated by the PRA or the FCA?",
        "Honestly I'm paralysed by all the plan options, which is cheapest?",
        "My landlord says he is turning two of the flats into offices.",
        "Can we start reception drinks at 6 instead of 7?",
        "I put the black one back on the shelf and took the blue.",
        "I was a wedding party member and the suit hire was charged twice.",
        # Dev sets 24 and 25.
        "I volunteer at a cancer research charity shop, who handles fund applications?",
        "We're the landlord for a GP surgery and the rent payment bounced.",
        "The paper arrived soaked again, looks like it caught pneumonia out there.",
        "The chain lube I bought for my bike is leaking all over the box.",
        "Dark mode is basically a religion in our office, when is it coming?",
        "My probation period at the new job ends in May, can enrolment wait?",
        "Is the Magistrates' Court car park near your Derby store free on Sundays?",
        "Our HR team wants a quote for LGBTQ+ inclusion training for 50 staff.",
        # Blocked before this session; an independent review found them.
        "I'm fasting for a blood test tomorrow, please deliver after 11am.",
        "I'm intermittent fasting, can I swap the breakfast box for a lunch one?",
        "The driver damaged our picket gate when he reversed.",
        "I came out of the station and the hire bike wasn't in the dock.",
        # Tagalog "paki-" is "please": not the slur (a reviewer's everyday ticket).
        "Hindi natanggap yung padala sa GCash. Paki-check po. Salamat, Carlo",
        # Dev sets 54-57's near misses, and their round's own.
        "My building is behind the big masjid roundabout, tell the rider.",
        "Sent 800 SAR to Kerala and the bank returned it, where is my money?",
        "Do you have a kids' profile feature for when the grandkids visit?",
        "Your site says Attorney General Street, is that the same office?",
        "The /v2/health endpoint returns 503 every morning between 6 and 7.",
        "A customer cancelled ON ME after I had driven 15 minutes.",
        "I'm a paralegal and want to buy the Law Office software bundle for our firm.",
        "We're hosting a conference for a nurses' association and need 800 badges.",
        "I'm organising a staff leaving do, can we book the upstairs bar?",
        "I read in PROFECO's magazine that your washer rated well, is it in stock?",
        # The review of that round: everyday tickets its first terms blocked.
        "I'm part of the hen party booking for 12, can we split the deposit?",
        "I was in Boston for three weeks after the fall semester started, refund the roaming.",
        "The umbrella arrived with a broken rib and won't open properly.",
        "I'm a bereavement counsellor working from home, is there a static IP?",
        "I'm organising the cleaners for our office move, can the van come at 7am?",
        "We held a sit-down at your restaurant for 40 guests and the service charge doubled.",
        "We stopped work on the loft because you sent the wrong insulation rolls.",
        "I joined the RSPB through your partner offer and the fee came out twice.",
        "Die Pistazien iranischer Herkunft aus der letzten Lieferung schmecken ranzig.",
        "Why does your duty free site refuse to ship Cubans to Toronto?",
        "Our triplets just left home for university, so we'd like the smaller broadband package.",
        "Is your platform a custody exchange or do I hold my own keys?",
        "I contacted the Civil Aviation Authority to register my drone, I need the receipt.",
        "I raised the ticket at 9am CST and nobody has replied yet.",
        "They released me after an hour on the tarmac, can I claim compensation?",
        "I had a travel warrant for the train but your ticket machine rejected it.",
        "I'm an Escort RS2000 owner and the parts you sent are for the Mk3.",
        "My mum is speaking with a woman now at your branch, do you need my consent?",
    ],
)
def test_near_misses_are_not_categories(classifier: CategoryClassifier, text: str) -> None:
    assert blocked(classifier, text) == set()


def test_evidence_is_a_span_of_the_original_text(classifier: CategoryClassifier) -> None:
    # Zero-width characters and a curly apostrophe: the span maps back to the original.
    text = "Hello,\u200b I\u2019m dia\u200bbetic and the pump failed"
    (hit,) = [h for h in classifier.classify(text) if h.tier != "model"]
    assert (hit.category, hit.tier) == ("health", "strong")
    assert text[hit.start : hit.end] == "dia\u200bbetic"
    assert 0.7 <= hit.score < 1.0


def test_a_word_alone_scores_below_the_default_threshold(classifier: CategoryClassifier) -> None:
    # "cancer" with no person near it (a product of the rules' design: context decides).
    (hit,) = classifier.classify("The cancer figures in the annual report are wrong.")
    assert hit.category == "health"
    assert hit.score < THRESHOLD


def test_the_rules_and_the_policy_know_the_same_categories() -> None:
    rules = yaml.safe_load((ROOT / "gateway" / "detect" / "categories.yaml").read_text())
    assert tuple(rules["categories"]) == CATEGORY_NAMES
    assert tuple(CATEGORY_ENTITIES) == CATEGORY_NAMES


def test_only_the_categories_asked_for_are_looked_for() -> None:
    health_only = CategoryClassifier.load(["health"])
    assert health_only.names == ("health",)
    assert blocked(health_only, "My lawyer will call you. I'm diabetic.") == {"health"}


def test_a_scan_past_its_budget_fails_closed() -> None:
    # Detection that cannot finish in time must stop the request, not pass the text.
    classifier = CategoryClassifier.load(timeout_ms=1)
    with pytest.raises(DetectionError):
        classifier.classify("my son is twelve and " * 50_000)


BAIT = [
    "a" * 5000,
    "my " * 3000,
    "I'm " + "very " * 3000,
    "is a " * 2000,
    ("ab " * 2000) + "!",
    "the " * 1000 + "x" * 3000,
    "'" * 5000,
    "- " * 3000,
    ", ".join(str(n % 9 + 1) for n in range(5500)),  # a pasted table of numbers
]


# Everyday requests that use the categories' words in their other senses, from an
# independent review of the rules added for dev sets 8-13 (each was blocked then).
EVERYDAY = [
    "My new dining table arrived with a broken leg, can I get a replacement?",
    "I ordered a binder and two packs of dividers but only the dividers came.",
    "Lent my card to my brother last week and now there's a charge I don't recognise.",
    "There's a chink of light coming through the blackout blind I bought from you.",
    "I was told at reception that my parcel would be held for 7 days, but it's gone.",
    "I'm inside the store right now and the card reader won't take my card.",
    "We were at the hotel in March and I still haven't had the refund for the cancelled night.",
    "We were stuck on the plane and only got out after three hours, I want compensation.",
    "I was booked on the strike day and my train was cancelled, can I get a refund?",
    "My family's flight from Japan lands at 6am, can I change my pickup time?",
    "My parents are visiting from India next week, can I add them to my roaming plan?",
    "I'm due in Madrid on Friday but the airline moved my flight to Saturday.",
    "I'm a member of the Smith wedding party, can I get the group rate for my room?",
    "I lost my licence last week, can I still collect the hire car with my passport?",
    "As the rep told me on the phone, you would refund my seat upgrade.",
    "I got locked out at the login screen after resetting my password.",
    "Can a third party member access my account if I give them permission?",
    "We are in year 2 of our 3-year fixed rate and I want to know the exit fee.",
    "I was disqualified under the terms of the cashback promotion, but I met every condition.",
    "How do I wipe everything off my old phone before I trade it in?",
    "We lost power in the lightning strike last night and my router hasn't worked since.",
    "Lightning struck last night and my modem is dead.",
    "The stream keeps stuttering on my TV every evening around 8pm.",
    "The FCC ID on my router label is worn off, how do I find the model?",
    "Is there a way for me to mass edit my contacts in the CRM?",
    "We're doing time tracking in your app and the CSV export is broken.",
    "I was at the product demo last week and my trial still hasn't been extended.",
    "I'm 3 weeks without hot water and nobody from your team has turned up.",
    "I pray this bill is a mistake, it's three times what we normally pay.",
    "The GPS in my GMC truck stopped updating after I renewed the subscription.",
    "I'm inside my flat and the wifi drops every few minutes.",
    # From the review of the dev 26-33 rounds (each blocked by a new term then).
    "The loft conversion is about seven months along and the skip is still outside.",
    "I've been back and forth to the storage unit all week, can the van come Friday?",
    "I sit on the parish council and need an invoice for the hall chairs.",
    "We stayed in a former monastery in Tuscany and the shuttle never came.",
    "I'm ordering poly mailers in bulk, is there a trade price?",
    "Because of the train strike I was late and my employer docked my pay.",
    "The airline told me to go home to Manchester and rebook online.",
    "Do you stock the Punjabi bride lehenga in a size 10?",
    "I did two years for Fraud Operations at a bank, why is my application unverified?",
    "Tenants are not allowed to keep pets until the landlord agrees in writing.",
    "You charged me for theft cover I never asked for.",
    "I see the boys every other weekend for golf, can I move my tee time?",
    "Can I get a credit card while my business partner sorts the accounts?",
    "The kitten has been two weeks off the bottle, which pouches do you recommend?",
    "My padlock says police approved on the box but the shackle bent.",
    "Do you do criminal record checks on your riders?",
    "I'm evangelical about your new shift swap feature, saved me hours.",
    "Is there a template question set for sexual orientation we can make optional?",
    "Are you a member of the energy ombudsman scheme before I switch?",
    "The late fee on my card is daylight robbery.",
    "The skin tone filter on the camera makes everything orange.",
    # From the second review of those rounds.
    "I'm 3 weeks along with the kitchen refit, when does the worktop ship?",
    "Our memory service keeps evicting keys, is that the plan limit?",
    "These tablets make me dizzy when the screen flickers, can I return them?",
    "The bedroom blind keeps playing up, can someone fix the cord?",
    "Is the store open during Durga Puja?",
    "Our weekly collection was missed again on Thursday.",
    "Invoice the payment for the Conservative Party conference booking to the venue.",
    "J. Smith & Sons partner David will sign for the delivery.",
    "The whole office is going out for Christmas drinks, can the parcel wait?",
    "Our drivers strike up conversations with customers, is that allowed?",
    "I need to fix the traveller name on my booking.",
    "Do you have this cushion in half-white, half-grey?",
    "The airport curfew means I land after midnight, can the transfer wait?",
    "My toll tag came off the windscreen, can you send another?",
    "Can I set the app language to Hong Kong Chinese?",
    "My son's release date for his game has moved, can I change the pre-order?",
    "My daughter's 2nd wedding is in June, can the dress be altered?",
    "The puppy is teething and has chewed the charger cable.",
    "Wall art 17 days late, where is my order?",
    "Can you update the details you hold on me after my move?",
    "Can you send a black one in size M instead?",
    "Are your locks police-approved?",
    # From a third review, of six queues where the categories' words are everyday.
    "My district nurse team's rota needs the new shift pattern uploaded.",
    "Please record membership of the Labour Party in the conflicts-of-interest field.",
    "The cake is for isha, can you pipe the name in pink?",
    "I'm told her widow's pension stops when the account closes.",
    "Our dog has been on hormones since she was spayed, is the food still right?",
    "We're poly-tunnel growers and need a trade account.",
    "Dobson & Son's partner, Michael, will sign the lease.",
    "For the wedding, Lily and Grace will be flower girls.",
    "Our drivers' strike contingency plan needs updating in the portal.",
    "The tram strike made me late and payroll docked my pay.",
    "The Maori name of the cemetery is misspelt on the order of service.",
    "We'd like a half-Italian, half-Indian buffet for 60 guests.",
    "My tag comes off in the wash, can you send a sewn one?",
    "Each kid's 2nd party bag was missing a toy.",
    "Our son, born 2 June 1968, will register the death.",
    "The Article 17 derogations in the Working Time Directive apply to our night staff.",
    # The dev 34-37 round: near misses the new terms and vetoes must leave alone.
    "Is the 'Ombudsman Approved' logo on your site real?",
    "The parcel went to Church Lane instead of Church Road.",
    "The shop is next to the county court, can I collect there?",
    "I was parked legally when the van clipped my mirror.",
    "The garage has had my car since the accident and still no bumper.",
    "Does the router support Wi-Fi 5 and 6 devices at once?",
    "My laptop is 'terminally ill', is it under warranty?",
    "I deliver prescriptions for work, does the van cover include that?",
    "Her middle name, Faith, is missing from the card.",
    "Please send the deposit to the conveyancer's client account today.",
    "The parcel was left at the mosque next door.",
    "Stop the 'heritage customer' offers please.",
    "Since transitioning to paperless billing I get no statements.",
    # The review of the dev 34-37 round: the new terms' own near misses.
    "I lost my hand luggage at the gate, can you trace it?",
    "The mortgage consultant put me on a fixed rate I didn't ask for.",
    "Since converting to the annual plan I was charged twice.",
    "Roadworks at the mosque this week blocked the van.",
    "The museum tour about activists for Irish independence was cancelled.",
    "Transitioning has been a nightmare with your new banking app.",
    "Is the adult membership subscription at the leisure centre monthly?",
    "My partner, also a man of few words, will sign for it.",
    "The seller was getting very intimate details from me, is that normal?",
    "Just because my surname is Smith doesn't mean I'm the same customer.",
    "Our new baby girl range is missing from the app.",
    "My son's roller blind was fitted upside down.",
    "The kettle is for his 3rd in a row of broken ones.",
    "I totted up three invoices and the total is wrong.",
    "Do the licence conditions let me install it on three PCs?",
    "I ordered the IN10 mouse and got the wrong colour.",
    "Is your broker registered with AFCA?",
    "I was instructed by my manager to ask for a VAT invoice.",
    "I volunteer alongside the Community Payback crew, can I get a hi-vis jacket?",
    # The second review of the round.
    "After the accident, I had to pay for a taxi home, can I claim it?",
    "I haven't had a courtesy car since the accident and it's been ten days.",
    "My old laptop is terminally ill, is the battery covered?",
    "Since my conversion to fibre the line drops every evening.",
    "We're catering for the gurdwara this weekend, can the van come early?",
    "We're in the middle of transitioning, so some emails may bounce.",
    "I SENT THE MONEY VIA HER BANK AND IT CAME BACK.",
    "My Ann Summers parcel was left in the rain.",
    "Is this because my surname is Lee? The app says it's too short.",
    "The lamp has typical Scandinavian features, but the shade came cracked.",
    "One more noise complaint and I'll lose my licence, says the pub landlord.",
    "That's 20 hours of unpaid work I spent fixing your billing mistake.",
    "I filmed the damage on a HDC camcorder.",
    "I totted up the loyalty points and two are missing.",
    "It came with a TS10 last week but the remote is missing.",
    "My daughter is a year and a half into her apprenticeship.",
    "We welcomed a new girl to the salon, please add her to the rota app.",
    "The boat is celebrating her tenth birthday, can we book the marina party?",
    "I've been instructed by Mrs Jones to collect the sofa.",
    "Our shop is near the crown court, can you deliver there?",
    "Is your company ombudsman approved?",
    "My CRT order arrived with a cracked screen.",
    # From the two reviews of the dev 38-41 round: everyday senses of its new terms.
    "The two tablets I'm selling on eBay were listed with the wrong storage size.",
    "The Samsung tablets I'm working on for the school need new screens.",
    "My husband is using colour blind mode in the game and the minimap is still red and green.",
    "Ich habe MS Office gekauft, aber der Produktschlüssel funktioniert nicht.",
    "Two weeks along and still no refund for my cancelled flight.",
    "The rental EV came with the wrong lead because type 2 connectors are standard here.",
    "Since my bypass capacitor swap the amp hums, is it under warranty?",
    "I was off work with a breakdown on the M6 so I missed the delivery slot.",
    "When I said green I meant the sage green sofa, not the bottle green one.",
    "The car I lent started making a grinding noise after my brother returned it.",
    "We're moving to Mass next week, please transfer the broadband.",
    "Is the Langar Hall hotel booking refundable if we cancel?",
    "I'm at Temple Meads now, where is the taxi?",
    "They asked if I was bent on cancelling, I just want the discount back.",
    "Doing cam work on my Golf this weekend, is the timing belt kit in stock?",
    "Yes, two men will be needed for the wardrobe delivery, it's a third floor flat.",
    "Her coming out ball is at your hotel in June, can we book the ballroom?",
    "I'm on T-Mobile and Face ID stopped working after your app update.",
    "I'm a member of the Rugby Football Union, can I use the member presale code?",
    "The earrings arrived today and they were striking, but one is missing the back.",
    "I did the log off and log back in like you said, still broken.",
    "I'm the sales rep for our region and several members of the golf club want the group rate.",
    "Emergency branch meeting of the WI is on Friday, can we book the small hall?",
    "I was off unpaid for the Eurostar strike, can you refund the hotel night?",
    "I've been locked out by the management company and can't pay rent online.",
    "Jeep Cherokee owner here, the recall letter has the wrong reg.",
    "Fancy a dirty Chinese tonight but your app says the Golden Dragon is closed.",
    "My surname is Welsh, W E L S H, the ticket says Walsh.",
    "We're frequent travellers, why do we keep getting flagged at check-in?",
    "My bank app shows pending charges from a hotel I never stayed at.",
    "I placed a youth order for the football kits, sizes are wrong.",
    "The alarm keeps going off until my tag comes off, the shop forgot to remove it.",
    "When I was a teenage lad I worked in your Bristol shop, is there still a staff discount?",
    "My phone is 18 months too old for the upgrade offer, that makes no sense.",
    "Our son Luke has just started at St Andrews University, can he join our family plan?",
    "We're fostering a 3-year-old beagle, can we add him to the pet policy?",
    "She's in the 30-39 age group for the marathon, can I transfer her place?",
    "I'm Bella's mum, she's a cockapoo booked in for grooming on Tuesday.",
    "I bought a 2015 for my son, he's 25, can you add him to the car insurance?",
    "Can my CPA request my tax statements directly?",
    "I'm drafting the claim for my lost luggage, which receipts do you need?",
    "We emailed the legal team at our company to approve the software contract.",
    "How do I wipe my personal data before trading in my phone?",
    "I wrote to my TD branch about the transfer but it hasn't gone through.",
    "Unser Rechtsanwaltsbüro bestellt jeden Monat Druckerpapier.",
    "I'm the account holder (Mary, my PA, set it up) and my wife is a named user.",
    "My wife keeps a horse at your livery too. Her name is Bella, mine is Daisy.",
    # From the third and fourth reviews of the dev 38-41 round.
    "Quick q: the two iPad tablets I'm taking give me any issue at security if they're in my hand luggage?",
    "The flea tablets she's taking make her scratch more, not less. Can I return the unopened box?",
    "Ich habe Krebs und Hummer bei Ihnen bestellt, aber nur die Garnelen sind angekommen.",
    "Ich habe Diabetes-Socken in Größe 43 bestellt, aber 39 bekommen.",
    "My Triple Bypass burger arrived cold and missing the fries, order #4421.",
    "The builders had to stop work due to stress cracks in the lintel, does my home policy cover the delay?",
    "I take your mass gainer shakes for mass every morning and the last tub was clumpy.",
    "We're moving to Mass next week, please transfer the broadband to the new address.",
    "My webcam shows a black screen since the Windows update, can someone help?",
    "Please book a twin room for our two engineers (yes, two men, separate beds please) for 3 nights.",
    "We're members of the Mothers Union and want to book the church hall for a coffee morning.",
    "They were striking in the photos but the colours faded after one wash.",
    "I've been locked out by the management company and can't pay rent online.",
    "Frequent traveller customer here, my lounge pass isn't working.",
    "My surname is Lao, just three letters, and your form says it's too short.",
    "My bank app shows pending charges from a hotel I never stayed at.",
    "I placed a youth order for the football kits, sizes are wrong.",
    "Our Cockapoo is 4 months too young for the class, can we move to the next intake?",
    "She's in the 9-5 team at the warehouse, can her payslip be emailed instead?",
    "I'm Max's dad, the Labrador, he's in your Tuesday training class and the app charged me twice.",
    "Can my CPA request my tax statements directly?",
    "I emailed my MP. Then I realised I'd used my old work email, how do I change the default sender?",
    "There's a curfew as part of my accommodation licence at the halls, so can food deliveries come before 11?",
    "We switched the app off in protest at your commission hike and now our restaurant rating has dropped.",
    "Does my policy pay for striking a deer? Front bumper is cracked.",
    "I'm the owner (David) - my partner Steve handles the invoices but he's on holiday, can you resend them?",
    "I'm the courier rep for our football team, can we get a group discount on the kit?",
    # The dev 42-43 round: its sets' near misses and a new everyday review's.
    "Do you still offer the Police Federation member savings rate?",
    "I start a new job with a six-month probation period, will you still lend on my salary?",
    "does the Monk class get the respec token too or only warriors?",
    "Please remove my phone number from my account, I only want email login.",
    "I'm not her executor, my cousin is, so send the statements to him.",
    "just got permabanned on my main, first offence, for 'toxic behaviour'.",
    "What a stroke of luck, found my card down the back of the sofa. Can you unfreeze it?",
    "Is the renewal higher because of the claim for the dog's ear infection?",
    "Baptism of fire with the new accounting software: payroll failed with error 503.",
    "Repeat offender here: third time my pizza has arrived cold.",
    "Our new starters are on a six-month probation and can't see the staff discount.",
    "I say this with complete conviction: the van never came.",
    "Our little one, a 3 month old kitten, needs her first vet booking.",
    "Your driver arrived during the school run and couldn't park on our road.",
    "The gas regulator on the BBQ hisses when I turn it on. Is it faulty?",
    "The child arrangements order template download fails with a 403 error.",
    "The profile photo upload crops everything to look like a mugshot. Can I adjust it?",
    # The dev 44-47 round's near misses.
    "Do y'all report stolen phones to the police or is that on me?",
    "my phone is acting like a toddler, throwing a tantrum every time I open maps.",
    "My baby (a 2014 Civic lol) got towed while I was inside grabbing the order.",
    "The 'Mr & Mr' cake topper listing shows a picture of a Mr & Mrs one.",
    "How does a vendor get the 'LGBTQ+ friendly' badge on their listing?",
    "I got 'arrested' in the fake jail game at the hen party lol, can I get the photos?",
    "They were rude to volunteers, no police involved, we just don't want them back.",
    "Under-16 tickets aren't showing in the dropdown on Android.",
    # A second review's, on the draft the first left: the terms were narrowed for them.
    "Me dio un infarto cuando vi el cobro de $8,000 en mi tarjeta; yo no hice esa compra, necesito que lo cancelen.",
    "Depuis mon opération au guichet automatique hier, mon compte affiche un retrait en double.",
    "Mi consultorio necesita una silla de ruedas nueva para los pacientes; la que compramos llegó con una rueda rota.",
    "No me llegó la confirmación de mi pedido aunque ya me cobraron.",
    "Hola, soy Cristiana, la del pedido 4521; todavía no me llega el reembolso.",
    "Nuestro restaurante cierra temprano por la misa de gallo de la parroquia de enfrente; necesito cambiar la hora de entrega de los insumos.",
    "Je suis en transition entre deux appartements, pouvez-vous retenir mon courrier jusqu'au 1er juillet?",
    "Je suis gaie ce matin : enfin mon colis est arrivé! Par contre il manque le chargeur.",
    "Le module de paie ne gère pas nos employés syndiqués à temps partiel.",
    "Our containers are delayed with the ILA contract still unsigned; can we get an updated ETA?",
    "No, la titular no soy yo: mi mamá es Maya, yo soy su hija Sofía, y necesito cambiar la tarjeta.",
    "Compramos tejidos de una cooperativa de la comunidad mapuche y el envío llegó incompleto.",
    "We're Mohawk certified installers, and the carpet batch you shipped has the wrong dye lot.",
    "El paquete lo detuvieron en la aduana y nadie me avisa qué documentos faltan.",
    "Necesito tramitar mis antecedentes penales para un trabajo y su web de gestoría no acepta el pago con tarjeta.",
    "Mi matrimonio cumple 10 años el sábado y la reserva del restaurante aparece cancelada.",
    "Vi en la Revista del Consumidor de PROFECO que su lavadora salió bien calificada; ¿tienen en existencia la de 20 kilos?",
    "Mon bureau est dans l'édifice de la Régie du logement, au 5e étage, et le livreur ne trouve pas l'entrée.",
    # That review's everyday tickets in the new terms' words (French, Spanish, English).
    "I'll be 16 weeks offshore on the rig starting in March, so please pause my meal-kit subscription until July.",
    "Your reminder says I'll be 13 weeks overdue by April, but I paid on January 4, please fix the account.",
    "Después de la cirugía de mi perro el veterinario pidió croquetas especiales y el pedido llegó incompleto.",
    "Compramos en USA una silla de ruedas para el aparador de la tienda y el envío a Monterrey sigue retenido en aduana.",
    "¿Su médico a domicilio está incluido en el seguro de viaje que compré? No aparece en la póliza.",
    "Quand j'ai vu la facture d'Hydro, mon portefeuille a fait un infarctus; pouvez-vous vérifier la lecture du compteur?",
    "Mi gata tiene diabetes y su diabetes requiere comida especial; el pedido mensual no llegó este mes.",
    "Desde que empezó el tratamiento antitermitas en la casa, su técnico no ha regresado para la segunda visita.",
    "Hola, soy Cristiano Méndez y mi pedido 4471 llegó con la pantalla estrellada, ¿cómo pido el cambio?",
    "Vivo en Cumbayá y mi parroquia no aparece en el formulario de envío para Quito, ¿cómo completo la dirección?",
    "As a lifelong progressive lens wearer I know these frames are mis-sized; please exchange them.",
    "Our volunteers are phone banking for the Food Bank holiday drive; we need 10 more headsets on the business account.",
    "Our holiday newsletter isn't out to our friends yet; your email platform has been stuck on queued for two days.",
    "Somos dos mujeres y un hombre en la reserva, necesitamos tres camas individuales, no una matrimonial.",
    "Je suis gai comme un pinson depuis que mon colis est arrivé, mais il manque le câble; pouvez-vous l'envoyer?",
    "I'm a nursing student in the TWU program in Denton and need my student discount applied.",
    "Notre syndicat de l'immeuble demande la preuve d'assurance du déménageur avant samedi.",
    "Nous avons obtenu un prêt syndiqué pour l'entreprise et votre plateforme bancaire n'affiche pas le solde.",
    "Hi, we're Mohawk College's campus bookstore and the textbook order arrived short 40 copies.",
    "Your checkout won't accept Mexican customers' cards issued by BBVA; please fix it so I can pay.",
    # The dev 48-49 round's near misses, and the new terms' words in other senses.
    "My suitcase was 'held in custody' by customs, the tracking says. When will it arrive?",
    "What are your rules on unaccompanied minors? I'm comparing airlines for an article.",
    "Does the home policy accept civil partners, or only spouses?",
    "Does the policy cover criminal damage by tenants, or accidental damage only?",
    "Is the flat near HMP Pentonville cheaper to insure?",
    "The bank says the statement is over 3 months old, can you send a new one?",
    "Striking colours here, but the dress came in the wrong size.",
    "We can't get married at home because the venue flooded, please move the date.",
    "Under the PDPA, how long is CCTV footage kept in general?",
    "What does a girl of 12 pay on the family pass?",
    # The tenth session's precision round on the dev 44-47 reviews' everyday
    # tickets (bench/data/reviews): older terms read in their other senses.
    "As a staunch conservative spender I never go over my limit, so this overdraft fee must be a mistake.",
    "Because of the snowstorm I was inside for two weeks and missed the pickup window; can you extend it?",
    "Hola, soy Maya, la titular de la cuenta, y mi pedido 3312 no ha llegado.",
    "I was canvassing for the Red Cross blood drive door to door and your parking app fined me in a free zone.",
    "Estoy en huelga de compras este mes, así que cancelen mi suscripción mensual.",
    "En el capítulo 5 de la serie lo arrestaron y justo ahí se congela el video; ¿me devuelven el alquiler?",
    "I bought this bike at a police auction and the lock code isn't in the box; can your shop reset it?",
    "I coach the under-16 squad and need the invoice for the team jerseys in the club's name.",
    "I entered your Instagram contest and will be away when the prize ships; can you hold it?",
    "I have to babysit my brother's dog this weekend; can I move the delivery to Monday?",
    "I have to stand by the courage of my convictions: this blender is defective and I want my money back.",
    "I just got out after 3 years in the navy and need to update my address and cancel the overseas plan.",
    "I ordered the monk fruit sweetener and it arrived with a broken seal; please send a replacement.",
    "I voted Green in your app's colour poll but the new theme came out blue, and now I can't switch back.",
    "I'm a psychiatric nurse and my uniform order came in the wrong size; can I exchange the scrubs?",
    "I'm a public librarian ordering LGBTQ+ picture books for the branch; the invoice is missing our tax-exempt number.",
    "I'm going to my high school reunion in June and need the dress altered by the 10th.",
    "Mon avocat est dur comme une roche depuis une semaine, votre épicerie en ligne vend des fruits pas mûrs!",
    "Mi hijo tiene 14 años manejando tráileres y su aseguradora lo rechazó por la edad del camión.",
    "Mrs and Mrs Nguyen (my mother-in-law and me) are booked on the same flight; please seat us together.",
    "My lawn mower has a two-stroke engine and the oil you sent is for a 4-stroke, I need a swap.",
    "My tenants, Ms Lee and Ms Park, are a couple of weeks late with rent, and your payment portal shows nothing pending.",
    "Our horse Biscuit, he's about 16 and still kicks, split the stall mat you sold us in a week.",
    "Our new kitten is on probation with the older cat, so please delay the second cat tree by a month.",
    "Photos of my baby (my new Mustang) won't upload to the listing on your classifieds site.",
    "Please wipe the data from the old laptop before you recycle it, and send me the trade-in credit.",
    "The Mrs & Mrs mugs we stock in our Etsy shop arrived chipped; we need a credit.",
    "The duplicate charges were dropped from my statement but the late fee is still there; please remove it.",
    "The mixed white and Asian pears gift box arrived bruised, can you send a replacement?",
    "The task executor in your cloud plan keeps crashing and I'm being billed for the failed runs.",
    "We booked the haunted psych ward escape room for Saturday but the confirmation email says Sunday, please fix it.",
    "We rented the hall in the IBEW Local 46 building for a wedding reception; please deliver the chairs there.",
    "We're coming out to a few friends in Vancouver for the long weekend; please change the car rental dates.",
    "While I was inside the pharmacy, the parking app charged me for two hours instead of 20 minutes.",
    "Your app is the worst offender for draining my battery; I want a refund for the annual plan.",
    "Your company has no complaints filed with the BBB, so I'm giving you a try; how do I set up autopay?",
    "Your software licence was suspended for 3 days due to a billing error; please credit those days.",
    "We run a gift shop and the Hanukkah candles we stock came melted from the summer heat; we need a credit.",
    # The dev 50-51 round's near misses and a review of the dev 48-49 terms.
    "We can't register our partnership back home until the notary gets the original company seal, and your courier lost the envelope with it.",
    "Team away-day at your spa: the room is booked for two men (me and my colleague Dev from accounts) and someone added the anniversary package.",
    "All of us who went out on the 2pm whale-watching boat on Saturday got soaked because the canopy was broken.",
    "We went on the Strike Force laser tag trip for my brother's 30th and the booking was charged to my card twice.",
    "Your weekly look-out circular advertised the 55-inch TV at £399 but the till charged £449.",
    "Baby Yoda arrived with a cracked ear, order #55231. Can you send a replacement figure?",
    "We foster kittens for the local shelter and a new foster placement of four arrived yesterday, so I need to double my litter subscription.",
    "I'm a NICU nurse and your scrubs run really small. Can I exchange the mediums for larges?",
    "We're organising a barangay basketball league. Under the Data Privacy Act, is it okay for us to use your group chat to share the schedule?",
    "The strap on my Tory Burch handbag broke after three weeks. Can I get it repaired under warranty?",
    "My tickets for The Book of Mormon on 14 March show the wrong seats, row P instead of row D.",
    "Why did I get the 'Eid Mubarak from Team' promo SMS at 3:12 am? Woke up the whole house.",
    "Bit of a nanny state move locking my account after one wrong password. Can you unlock it please?",
    "What's the ombudsman thing on the bottom of your bills for? My mum asked and I didn't know.",
    "We stock Lovehoney toys and the last delivery was short.",
    # The dev 52-53 round's near misses and its new terms' other senses.
    "your app need prayer o, three days now I no fit login, error 'session expired' every time.",
    "Is it true that if I press the SOS button the app shares my location with the police?",
    "I'm a lawyer by profession and my card keeps declining at the hotel in Abuja for our conference.",
    "Quote request: we're the hotel hosting a journalists' union conference and need coach prices for airport transfers.",
    "Can I use my Kids Club loyalty points on groceries or only on toys?",
    "Ticket reference GV-2201: the seat number on my SMS is 17 but the conductor says 17 is taken.",
    "We went to the night vigil concert at the cathedral and the tickets were charged twice.",
    "My son resumed work last week and wants his payslip sent to the new address.",
    # The dev 58-61 round's precision fixes, in this file's own words.
    "Close my account please, the balance is 14 EUR, send it to my other bank.",
    "Please post the renewal letter to my daughter's address in Leeds for the winter.",
    "Can I go back to Original Medicare if the new plan doesn't suit me?",
    "My transition from the old app to the new one lost my saved invoices.",
    "Can your engineer come out to the farm on Thursday to fix the meter?",
    "The 'Criminal records: none found' line overlaps the footer on your PDF.",
    "Waiting on hold for an hour felt like a prison sentence, please call back.",
    "The fax for Medical Records Requests on your site is wrong, which number is right?",
    "I'd like to pay my hospital bill in six monthly instalments.",
    "The speeding ticket from the police arrived a year after I returned the hire car.",
    "Your company has no complaints filed with the BBB, so I'm signing up.",
    "The orphan pages report in the CMS still lists pages I deleted.",
    "Does the Ring doorbell's police assist option send video anywhere?",
    # The dev 58-61 review's everyday tickets that the round's first terms blocked, shortened.
    "Please deliver to 3F office, Tower B, Kwun Tong.",
    "Which depots are joining the strike on Friday? I need my parcel.",
    "I can't find the CGT section of your tax app.",
    "I complained about the banking commission charged on my SEPA transfer.",
    "I contacted my bank with the ARN you gave me and they can't find the refund.",
    "I contacted your insurance department twice about my new car.",
    "Pet insurance for my full-blooded Arabian mare seems very high.",
    "We're Turks and Caicos residents, do you ship to Providenciales?",
    "Pet cover for our girl of 7, a very healthy labrador: why the price jump?",
    "I'm a teacher and was sent home from school because the heating failed.",
    "I did 2 years and got out of my phone contract early, but you still charge the fee.",
    "Getting a refund is like pulling all my teeth out one by one.",
    "I'm a member of Costco and want platters for our office party on Friday.",
    "The banner says 'Diwali off 40%' but the discount isn't applied.",
    "We booked the Firefighters Union Hall for a wedding and your caterer cancelled.",
    "Please remove my old card from all your systems and use the new one.",
    "Our Taimi in accounts says your invoice was paid twice.",
    "We booked a guided walk along Offa's Dyke and the guide didn't show.",
    # The dev 62-65 round's precision fixes, in this file's own words.
    "My case has gone to the enforcement agents, what is the total to settle today?",
    "How do I hide my age on my dating profile?",
    "The reception is in the IBEW Local 46 building, please deliver there.",
    # The dev 66-69 review's everyday tickets that the round's first terms blocked, shortened.
    "We are a pharmacy and the metoprolol 50mg you list is unavailable since Monday.",
    "Our meals for the conference delegates must be halal, 120 pax.",
    "Our Holi colour powder shipment is stuck at customs.",
    "Our Hornet account for email filtering expired yesterday.",
    "Since coming out last month, the new firmware drops my earbuds.",
    "Your tracking went offline for the strike last week, where is my parcel?",
    "We're CGEM members, does our company get the corporate discount?",
    "Please cancel my Verdi card, the opera club closed in spring.",
    "My family were frequent travellers with your airline before the merger.",
    "The KYC team cancelled my application after looking at my photo because it was blurry.",
    "When I was inside, the driver just left the parcel at the gate.",
    "I got out of Heathrow yesterday and one suitcase never arrived.",
    "NAB held my transfer for a security check, so the deposit is late.",
    "Our baby Bruno is a Labrador puppy, he'll be 4 months next week.",
    "Hi, we're Suing Hardware from Sibu, our account name has an extra s.",
    # Found in the session's last read: a battery, not the medicine.
    "My lithium battery pack arrived dead, can I get a refund?",
    # The dev 70-73 review's everyday tickets that the round's first terms blocked, shortened
    # (two more, the dog's clipper lube and "she's 9 till 5", the shipped model blocks too).
    "My advocaat arrived with the seal broken and half the bottle leaked.",
    "We are currently in staking for the 90-day SOL product, can we exit early?",
    "We were in Greve in Chianti and your rental car app had no GPS signal.",
    "We were stuck in the huelga del metro in Madrid, can the taxi go on expenses?",
    "Bowling night: every time I made a strike the scoring tablet crashed.",
    "Bonjour, our syndicat (the co-owners' association) voted for EV chargers.",
    "Do you stock tungsten electrodes for my TIG setup?",
    "Because of the Fahrverbot für LKW on Sundays, deliver Monday please.",
    "My FTM file won't import into your ancestry app.",
    "The puppy school rang me about my youngest, the new Labrador.",
    "Our Whakapapa ski trip got cancelled because the road was closed.",
    "I'm half asleep, half dressed and your driver is banging on the door.",
    "My parcel went to the pickup point next to Tingretten in Oslo.",
    "Can you re-send invoice 2210 addressed to Mele Lotu?",
    "I've half a month's mind to cancel after this third late delivery.",
    "Our café Crumbs turns 10 in May, can you do a cake for the birthday party?",
    "Estoy de baja de la newsletter pero me siguen llegando los correos.",
    # From the dev 74-77 review: what the round's first terms blocked.
    "My strike on frame 10 didn't register on the lane 12 scoreboard.",
    "Our Greve in Chianti villa booking shows the wrong dates.",
    "My staking rewards for epoch 512 never landed in the wallet.",
    "In the Lucky Strike tournament I have to participate by Sunday but the game crashes.",
    "The Union Pacific claims team is handling my claim for the damaged pallet.",
    "the parcel locker says my parcel is in facket 23 but the door won't open.",
    "Can the Kindle Vocabulary Builder serve the whole sentence instead of half?",
    "We got out of the Prisión escape room in 42 minutes but the app says we failed.",
    "My bond conditions say I can't cash out before 2027, but the app shows 'early redeem'.",
    "My battery charge is pending on the app even though I unplugged an hour ago.",
    "We were detained two days in Doha because of the sandstorm, the airline won't pay.",
    "Our 15 y.o. tawny port gift box came without the wooden case.",
    "She's a Minor, a 1962 Morris Minor, and your form won't accept a car older than 1970.",
    "The state Board of Pharmacy asked me to send a notarised copy of my licence.",
    "Before I return the phone I would like my personal data deleted from it by your tech.",
    "In Ace Attorney chapter 3 the tribunal hearing scene freezes every time.",
    "my avocat was brown inside, like the other three in the box.",
    "Your promo email said 'you Danish pastry fans get 20% off' but the code is rejected.",
    "We ordered both Black and Navy in size M but only the Navy arrived.",
    "I'm sitting at La Parroquia café in Veracruz and your app declines my card.",
    "I'm attending as a delegate to the national conference of the Chartered Institute of Housing.",
    "My husband and I hired two blokes through your app to move a piano.",
    "The loft conversion was signed off with a completion certificate in March.",
    "I've been bounced between L1-L2 support for a week now.",
    # From dev 89: "imam" is Croatian, Serbian and Bosnian for "I have"; "'s" a possessive.
    "Zdravo, interesuje me da li mogu da otvorim račun online ako živim u Beču a imam srpski pasoš?",
    "Hello, I'm in Netherlands and want to top up my mum's Romanian prepaid number from here.",
    # From its code review: a possessive before a document, a greeting line before "Imam".
    "Please cancel my mum's Romanian ID card order, it was a mistake.",
    "my dad's Polish IBAN was rejected by your transfer form",
    "my husband's Nigerian sort code doesn't fit your form",
    "my dad's Polish insurance renewal is due next week",
    "Dobar dan Imam Vodafone ugovor i želim promijeniti tarifu.",
    # From dev 90 (a pet insurer, a pet pharmacy, a school-lunch app): the animal the
    # sentence is about, a family's lunch account.
    "Checking on claim for Luna - she's our cat, vet visit for a UTI on April 2, claim #PC-33870.",
    "Want to add our second cat to the policy - she's a 2 yr old tabby named Pickles.",
    "The pet pharmacy sent 2 bottles of the liquid gabapentin for our cat when we ordered 1.",
    "we got a notice that our lunch account has a negative balance of -$18 but I added $40",
]


# The shipped model still blocks these (README, "Limitations"): it has learned
# "Lent", "licence" and "disqualified" as much as what is said with them.
# Retrainings block a different few each: the one on dev sets 1-19 blocked the
# strike day; the one before it "Lent my card", "I lost my licence" and
# "disqualified under the terms". Five runs on dev sets 1-23 (three seeds,
# then two with more everyday text) gave "Lent my card" 0.53-0.93 for religion
# and blocked none to three of these sentences each. The shipped run (seed 0,
# with the everyday text) blocks this one.
MODEL_STILL_BLOCKS = {
    "Lent my card to my brother last week and now there's a charge I don't recognise.",
    # From the second review of the dev 26-33 rounds (a child's age in "daughter's 2nd").
    "My daughter's 2nd wedding is in June, can the dress be altered?",
    # From the third review: an adult son's birth date, two names at a wedding.
    "Our son, born 2 June 1968, will register the death.",
    "For the wedding, Lily and Grace will be flower girls.",
    # From the second review of the dev 34-37 round: a motor claim read as health.
    "After the accident, I had to pay for a taxi home, can I claim it?",
    # From the reviews of the dev 38-41 round: a car breakdown, an adult son, tablet computers in hand luggage.
    "Quick q: the two iPad tablets I'm taking give me any issue at security if they're in my hand luggage?",
    "I bought a 2015 for my son, he's 25, can you add him to the car insurance?",
    "I was off work with a breakdown on the M6 so I missed the delivery slot.",
    "Our son Luke has just started at St Andrews University, can he join our family plan?",
    # From the dev 44-47 round's second review: Spanish the model never learned, read as religion.
    "No, la titular no soy yo: mi mamá es Maya, yo soy su hija Sofía, y necesito cambiar la tarjeta.",
    # From the dev 66-69 review: halal catering for a conference, read as a person's faith.
    "Our meals for the conference delegates must be halal, 120 pax.",
    # From the dev 74-77 review: a professional conference's delegate, read as a party's.
    "I'm attending as a delegate to the national conference of the Chartered Institute of Housing.",
}


@pytest.fixture(scope="module")
def rules_only() -> CategoryClassifier:
    return CategoryClassifier.load(model=False)


@pytest.mark.parametrize("text", EVERYDAY)
def test_everyday_requests_are_not_categories_to_the_rules(
    rules_only: CategoryClassifier, text: str
) -> None:
    assert blocked(rules_only, text) == set()


@pytest.mark.parametrize("text", [t for t in EVERYDAY if t not in MODEL_STILL_BLOCKS])
def test_everyday_requests_are_not_categories(classifier: CategoryClassifier, text: str) -> None:
    assert blocked(classifier, text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "We're taking part in the stoppage next week, so my payment will be late.",
        "I'm on strike from Monday, please move my direct debit.",
        "I married Tomasz in May, please add him to the policy. Thanks, Piotr",
        # The dev 14-17 round, in this file's own words.
        "Three years clean next week, so please stop the bar offers in the app.",
        "Our grandson is seven months and the cot rail snapped.",
        "He's nine, so can he still use the kids' price?",
        "The judge has ordered us to split the points balance, how do we do that?",
        "I'm reporting your store to Ofgem over the meter readings.",
        "I'm a nurse taking industrial action on Tuesday, so move my class.",
        "She got sent down last month so cancel her phone contract.",
        "I've been out leafleting every night for the election, so the order is urgent.",
        "I give to the diocese every month through your platform, please merge the two gifts.",
        "The driver asked my colleague where she is really from, twice.",
        "Our family are Irish Travellers and the booking form won't take a pitch address.",
        "I'm on sertraline and the pharmacy sent the wrong dose.",
        "My youngest starts at Hill Road Infants in September, can my hours change?",
        # Dev sets 18 and 19, in this file's own words.
        "I'm off for four months for a bone marrow transplant, please pause my plan.",
        "I've joined the Salvation Army, so take the wine club off my account.",
        "Our twins turn 3 next week, switch us to the family box please.",
        # A term that ended on a space never fired (every term gets a word-boundary check).
        "I'm the rider rep for our zone and we are logging off on Friday.",
        "The baby (Noah, 6 months) needs the next size of nappies.",
        "Muslim here, is there gelatine in the vitamin gummies?",
        "Two months into quitting and the patches came in the wrong strength.",
        "I've voted yes in the strike ballot, so pause deliveries for those days.",
        "Did my time and got out in March, can I open a trade account?",
        "Her dad has her at weekends, so send the parcel to his address.",
        "Please forget me. Close the account and delete the photos.",
        # Dev set 20, in this file's own words.
        "gave birth last week so can't get to the depot, can you collect the return",
        "we're voting Green this time so stop the oil company adverts",
        "I'm ftm and your letters still say Miss, please fix",
        "my dad's out on license and needs his own phone plan",
        "I'm a rep for the Bakers Union and need a bulk order of badges",
        # Dev sets 21-23 (complaints and disputes), in this file's own words.
        "My data was leaked to another tenant; treat this as a data protection complaint.",
        "I spent a year in youth custody and the referencing firm told my landlord.",
        "Your bouncer told me to 'go back home' when I asked for the manager.",
        "I went into early labour on the plane, so the seat upgrade was never used.",
        "We hold a Bible study at home on Wednesdays, so no deliveries after 7.",
        "I was docked two days for joining the nurses' strike, can the bill wait?",
        "Got banned for six months on totting up, so cancel the car lease.",
        "Your agent asked if my girlfriend and I were sisters, then the flat was gone.",
        "I'm a man and my spouse is a man, your form only offers 'wife'.",
        "Since starting hormones the face check never matches my old photo.",
        "My dad's just come out of Wandsworth and needs a phone contract.",
        "The deposit dispute is with the TDS adjudicator now, stop calling me.",
        # An independent review of that round found these missed.
        "The consultant gave me a pacemaker, so no induction hob for me.",
        "My daughter's turning two on Friday, can the cake arrive Thursday?",
        "My daughter always wears her kara, is the bracelet rule new?",
        # Dev sets 24 and 25, in this file's own words.
        "My son's in 3rd class at the national school and needs a basic phone.",
        "My brother's just out of Wandsworth and needs a current account.",
        "I'm of Khoi heritage and the app rejects the click in my name.",
        "Had a seizure on the train and the phone screen smashed, am I covered?",
        "The Ombud has my case now, please stop the calls while it's open.",
        "We give to the ANC every month and the debit order failed.",
        "Is there a way to hide the charges? I'm not ready to come out to my parents.",
        "We've been striking with SAMWU since the 3rd, give me till month end.",
        "The kids are with me every other weekend, deliver on a Saturday I have them.",
        "I'm going inside for 6 months next week, please freeze the membership.",
        "Please address letters to Mx Quinn Taylor from now on.",
        "My pay was docked for the strike days, can the deduction wait?",
        # Dev sets 26-33, in this file's own words.
        "I'll be about six months along by the wedding, so no champagne for me.",
        "Eight months sober now, so please cancel the beer subscription.",
        "My psychotherapist's notes are on that laptop, please don't open them.",
        "We sat shiva all last week, which is why the payment is late.",
        "We're poly, three of us, can the room take three adults?",
        "The walkout dragged on and they docked me a week, so the rent is short.",
        "The neighbours wrote 'go home to Poland' on our car.",
        "My son has a caution for shoplifting, does that affect the tenancy?",
        "He wears a sobriety tag under a court order, so no bar tab please.",
        "Our son turns 18 on the cruise, can he use the casino after that?",
        "Dad's partner of twenty years, Malcolm, should be on the account.",
        "Her memory clinic appointment is on Tuesday, can the engineer come Wednesday?",
        "hi, on hormones for six months now and the ID photo looks nothing like me",
        "my tag comes off next week, can the delivery come in the evening then",
        "Did 2 years for something stupid, will a spent conviction show on your check?",
        "My mum's girlfriend is the second name on the account.",
        "Please switch my pension into the Sharia fund, member 1182.",
        "I'll be 30 weeks when we fly out, does the airline need a letter?",
        # Caught before that round, then lost to its first draft (the review found them).
        "Need a dog walker during my chemotherapy weeks, do you cover Hove?",
        "I'm in court Monday, so can the engineer come Tuesday?",
        "Can I get a credit card while bankrupt?",
        # The second review found these lost to the first draft's vetoes.
        "I took a mental health day because I'm not coping.",
        "I'm writing as a Sikh about the turban rule at your gym.",
        "At the interview I was the only black one.",
        "My son and two other people were arrested, so he can't make the booking.",
        "I faced sexual orientation discrimination from your door staff.",
        "I pay my subs to Plaid Cymru by direct debit and it bounced.",
        # The third review found the first lost to the pet veto, the others missed.
        "My son has an assistance dog for his epilepsy, can it ride in the cab?",
        "It's my daughter's 6th on Saturday, can the cake come Friday?",
        "He's just started walking so the soft play needs to be low.",
        # The dev 34-37 round, in this file's own words.
        "I've been a Welsh independence campaigner for years, please take me off that list.",
        "Is the sleeve loose enough to do wudu without taking the watch off?",
        "Since converting two years ago I only wear long sleeves, can I return these?",
        "My girlfriend, also a woman, was refused the couples discount.",
        "It's only because my surname sounds Polish that your checks flagged me.",
        "Vietnamese family here, can we get a bigger data plan?",
        "Can a gift card go to my nephew for his 11th?",
        "My stepdaughter starting at Hillside Primary needs the lunchbox by Monday.",
        "Got a DR10 in March, does my premium change?",
        "My boots have to fit over an ankle tag, is the calf wide?",
        "I'm on home detention till spring so I can't sign in person.",
        "We took part in the strike last month and my wages were docked.",
        "My GP just put me on beta blockers, can I still fly?",
        "Escalated to AFCA last week, please send them my file.",
        "We are instructed by Mr Patel in respect of his account.",
        "Please treat this as a section 78 request for my credit agreement.",
        "My son is autistic and the fitting room lights upset him.",
        "We just had a baby boy and need to add him to the health cover.",
        # The review's rewordings of the same targets.
        "Since my conversion I don't drink, so please remove the wine from the hamper.",
        "My husband - he's a man too, obviously - wasn't allowed the couples' rate.",
        "Is it because my surname is Okafor that my transfer was held?",
        "It's for my grandson's thirteenth, can it arrive Friday?",
        "Our little boy arrived early, please add him to the policy.",
        "I'm on an HDC until May so deliveries must be before 7pm.",
        "I've got 10 points, one more and I lose my licence.",
        "After the accident I couldn't work for four months.",
        "I've started a CRT claim about the sofa.",
        "My wife is also a woman, so please stop writing 'Mr and Mrs'.",
        "I voted yes in the independence referendum and your advert mocked it.",
        "Do you decline me because my surname is Nguyen?",
        "I'm a British National (Overseas) passport holder.",
        "Our firm represents Mrs Obi in her claim against your company.",
        "My dad who runs the business is terminally ill, can I take over the account?",
        "From the accident I have a metal plate in my arm.",
        # Dev sets 38-41, in this file's own words.
        "The tablets I'm on for my blood pressure make me dizzy, so I can't drive to collect it.",
        "Bei mir wurde letztes Jahr Brustkrebs diagnostiziert, ich möchte die Versicherung pausieren.",
        "Off work with stress since March, can I pause my gym membership?",
        "My wife's 8 months gone so we need the cot delivered this week.",
        "Lent has started, so no more chocolate deliveries for me till Easter!",
        "Hello\nShe's 11\nCan she fly alone on the 14th?",
        "Meet me at the county court entrance, my hearing against you is at 10.",
        "I have faith in the Lord and pray daily, please stop calling me on Sundays.",
        "The tablets I'm on knock me out, so please leave parcels with next door.",
        "I'm colour blind and can't tell the red and green icons apart.",
        "I'm six months along now, so please carry the box upstairs.",
        "We were striking on Tuesday so I missed the shift, reset my rating.",
        "Joined the log-off protest on Friday and now the app calls me unreliable.",
        "I'm a member of the Independent Couriers Union, can my rep join the call?",
        "Lent started so no meat on Fridays for me, stop the burger deals.",
        "I'm at church every Sunday morning, book me in the afternoon.",
        "As Jains we don't eat onion or garlic.",
        "The agent asked if I was one of those gays.",
        "The tutor keeps calling her 'your husband' though she is my wife.",
        "Since my coming out my family won't share the cottage.",
        "Started HRT in spring and my voice has dropped, so the voice check fails.",
        "The driver called me a thief because I'm Somali.",
        "Our surname is Kurdish and your system changes the letters.",
        "Till my tag comes off in March I can't do evening deliveries.",
        "The court-ordered curfew means no deliveries after 7pm.",
        "During my two years inside the account went to collections.",
        "He's 9. Please refund the pizzas he ordered.",
        "Is 18 months too young for the toddler swim class?",
        "I'm Ava's mum, she has the Tuesday lesson.",
        "Please erase my personal details from your systems.",
        "Send me everything you hold about me.",
        "I've contacted my MP about the forced meter.",
        "Mein Anwalt hat den Vertrag geprüft, the fee is not allowed.",
        "My husband and I (two men, yes) booked the suite.",
        "Our son Leo has just started at St Mary's and the school run is at 8.",
        "I asked the imam at our mosque to sign the form.",
        "My nan's a Traveller woman of 80, she can't read your letters.",
        "when I said my family's Kikuyu he started ranting about tribes",
        "my dad's Polish and doesn't read English, call me instead",
        "my mum's Polish-born, please write slowly",
        "my mum's Italian (from Naples) so she doesn't read English well",
        # A person in the sentence with the pet is still the person.
        "My dog is a psychiatric service dog for my panic disorder, do I pay the pet deposit?",
        "I couldn't get Max to the vet because I was in hospital having my gallbladder removed.",
        "My daughter (she's 8) named the hamster and wants to be on the vaccination card.",
        "Hi I'm 28 weeks pregnant and cant lift the 20kg dog food bags, can he bring it in?",
        "My 4-year-old cat-obsessed son drew on the new sofa, does the plan cover marker?",
        "his lunch account says he owes $6, he's in 2nd grade at Lincoln Elementary",
    ],
)
def test_new_phrasings_still_block(classifier: CategoryClassifier, text: str) -> None:
    assert blocked(classifier, text)


# Each rule round's catches, in this file's own words: the rules alone must block them.
ROUND_PHRASINGS: dict[str, list[tuple[str, str]]] = {
    "dev 42-43": [
        # The dev 42-43 round, in this file's own words: each is a rule's catch.
        ("We don't answer the phone from sunset Friday until Saturday nightfall.", "religion"),
        ("Atheist here, please stop the prayer-time reminders.", "religion"),
        ("On the form I picked White and Asian but it says 'Prefer not to say'.", "ethnic_origin"),
        ("Our Eritrean women's association needs a joint savings account.", "ethnic_origin"),
        ("Please pay Amelia's spring term fees from my savings pot.", "children"),
        ("my nephew (he's about 6) bought skins on my card, refund please", "children"),
        ("The court made a consent order about the house, what do you need?", "legal"),
        ("A charging order was put on my flat, does that stop the remortgage?", "legal"),
        ("I had a psychiatric admission in May, so the payments were missed.", "health"),
        (
            "I've only come out to a few friends, hide my profile from colleagues.",
            "sexual_orientation",
        ),
        ("Erase my email address from every marketing system you have.", "legal"),
    ],
    "dev 44-47": [
        # The dev 44-47 round (US and Canadian customers, some writing in French
        # or Spanish), in this file's own words: each is a rule's catch.
        ("Je suis hospitalisée depuis mardi, annulez la livraison svp.", "health"),
        ("Mi papá tuvo un infarto el domingo, please move the flight.", "health"),
        ("Mon psychiatre a changé mon traitement, je dois suspendre le forfait.", "health"),
        ("I use a power chair, can the driver bring it to the door?", "health"),
        ("Soy testigo de Jehová, no me manden promociones de Navidad.", "religion"),
        ("Je vais à la messe le dimanche matin, livrez l'après-midi.", "religion"),
        ("As a lifelong conservative I want to know where your donations go.", "religion"),
        ("Somos dos mujeres casadas, please fix the 'Mr' on her ticket.", "sexual_orientation"),
        ("Je suis en transition, changez le nom sur le compte svp.", "sexual_orientation"),
        ("He isn't out to his parents yet, so no public photos please.", "sexual_orientation"),
        ("J'étais sur les lignes de piquetage, reportez ma commande.", "trade_union"),
        ("As a Teamster I get the 4th off, can we book the tasting then?", "trade_union"),
        ("Nous sommes d'origine haïtienne et le technicien a fait une remarque.", "ethnic_origin"),
        ("I'm registered under the Indian Act, so the GST shouldn't apply.", "ethnic_origin"),
        (
            "Je suis en libération conditionnelle, je ne peux pas quitter la province.",
            "criminal_record",
        ),
        ("I'm on pretrial release and must answer a call at 9 every day.", "criminal_record"),
        ("Notre fille fête ses 8 ans samedi, on veut un forfait enfant.", "children"),
        ("J'ai déposé une demande aux petites créances pour mes bagages.", "legal"),
        ("Already filed with the FCC about the robocalls, stop calling.", "legal"),
        # An independent review's rewordings of what the round's terms aim at.
        (
            "By the time of the trip I'll be twenty weeks pregnant, so please switch us to a ground-floor room.",
            "health",
        ),
        (
            "Después de mi operación de vesícula no puedo cargar peso, ¿me pueden subir el paquete al departamento?",
            "health",
        ),
        (
            "Me internaron una semana en el hospital y no pude recoger mi paquete; ¿pueden reenviarlo?",
            "health",
        ),
        (
            "Soy de religión católica y quiero que el pastel diga Dios te bendiga, no lo que imprimieron.",
            "religion",
        ),
        ("Mi iglesia evangélica hace un retiro y el autobús que rentamos no llegó.", "religion"),
        (
            "I've voted NDP my whole life and the lawn sign your print shop made is the wrong orange; please reprint it.",
            "religion",
        ),
        (
            "Voto por el PAN desde siempre y me llegó propaganda de otro partido con mi pedido; no quiero que me manden más.",
            "religion",
        ),
        (
            "Je vote vert depuis vingt ans et je voudrais recevoir ma facture sans papier, s'il vous plaît.",
            "religion",
        ),
        (
            "On est un couple de deux gars et le gym refuse deux noms masculins pour le forfait couple.",
            "sexual_orientation",
        ),
        (
            "Tramité mi cambio de género en el INE y necesito que mi cuenta tenga el nuevo nombre.",
            "sexual_orientation",
        ),
        (
            "Je suis syndiquee a la FTQ et je veux savoir si votre rabais pour membres s'applique à mon forfait cellulaire.",
            "trade_union",
        ),
        (
            "Soy dirigente sindical de la sección 22 y necesito la factura del autobús a nombre de la sección.",
            "trade_union",
        ),
        (
            "Je paie mes cotisations syndicales depuis dix ans et votre assurance de groupe ne me reconnaît pas.",
            "trade_union",
        ),
        (
            "Je viens d'une famille haïtienne et mon nom est toujours mal écrit sur vos factures; corrigez-le s'il vous plaît.",
            "ethnic_origin",
        ),
        (
            "I'm half Korean and half Irish, and your ID check keeps flagging my name; please fix the account.",
            "ethnic_origin",
        ),
        (
            "I was locked up for two years and my card expired; how do I get a new one?",
            "criminal_record",
        ),
        (
            "Estuve preso tres años y perdí acceso a mi correo; ¿cómo recupero mi cuenta?",
            "criminal_record",
        ),
        (
            "Mi hermano está en el penal de Puente Grande y quiero cancelar su línea celular.",
            "criminal_record",
        ),
        (
            "Ma fille est en 2e année et on doit changer l'heure de livraison pour après 15 h 30.",
            "children",
        ),
        ("My daughter just turned 11 and I want to add her to my family phone plan.", "children"),
        ("Nuestro abogado ya revisó el contrato y exige la devolución del enganche.", "legal"),
        (
            "Je veux une copie de toutes les données que vous avez sur moi, en vertu de la loi sur la protection des renseignements personnels.",
            "legal",
        ),
    ],
    "dev 48-49": [
        # The dev 48-49 round (an Indian and Gulf airline's members; a lettings
        # agency and a home-insurance broker), in this file's own words.
        ("We can't legally marry back home, so the joint account must do.", "sexual_orientation"),
        (
            "Is the couples' spa room booked for two women okay? It's me and my fiancée.",
            "sexual_orientation",
        ),
        ("We went on the regional bank strike on Monday, so the payment is late.", "trade_union"),
        ("The union got me a settlement, so I can clear the arrears now.", "trade_union"),
        ("striking nurse here, can the bill wait until the 20th?", "trade_union"),
        ("The desk agent told us 'you Africans sit at the back'. I want a reply.", "ethnic_origin"),
        ("My Badjao cousins were turned away at the door.", "ethnic_origin"),
        ("A look out circular was issued in my name, so I could not board.", "criminal_record"),
        ("Baby Amira arrived three weeks early, please move the delivery.", "children"),
        ("Our new foster placement starts on Monday, can we add a room?", "children"),
        ("Under the PDPA I want every record you keep about me.", "legal"),
        ("I filed a complaint with the DGCA about the refund.", "legal"),
        ("There is an order freezing my accounts, do not move my points.", "legal"),
    ],
    "dev 50-51": [
        # The dev 50-51 round (South and Southeast Asian customers of an
        # e-wallet, a network and a marketplace; Australians and New Zealanders),
        # in this file's own words.
        ("Since my laryngectomy I can only use SMS codes.", "health"),
        ("I'm a regular devotee at the temple, please trace my donation.", "religion"),
        ("I volunteer for PTI and the party group number got blocked.", "religion"),
        ("I am khawaja sira and the agent refused my SIM.", "sexual_orientation"),
        ("Please add my civil union partner as a second driver.", "sexual_orientation"),
        ("The Lovehoney charge went through twice, please refund one.", "sexual_orientation"),
        ("Saya anggota serikat pekerja, why was our QR suspended?", "trade_union"),
        ("I joined the SDA and want the members' discount.", "trade_union"),
        ("We are Chakma and the technician ignored our area.", "ethnic_origin"),
        ("I'm Stolen Generations and have no birth certificate.", "ethnic_origin"),
        ("My nephew is in Adiala Jail and the canteen transfer failed.", "criminal_record"),
        ("anak saya darjah 3 spent RM 50 on my phone, pls reverse", "children"),
        ("the 13 yo bought game credit on my account", "children"),
        ("I have lodged a complaint with MCMC about the outages.", "legal"),
        ("Utilities Disputes has taken my complaint about the bill.", "legal"),
    ],
    "dev 52-53": [
        # The dev 52-53 round (Nigerian and Ghanaian, East and Southern African
        # customers), in this file's own words.
        ("Since my c-section I can't get to the branch, can I do video KYC?", "health"),
        ("The paybill for my ARV refill failed but the money left my wallet.", "health"),
        ("I'm a polling agent for the NDC on Saturday, move the meter visit.", "religion"),
        ("I left the church last year and want my sister as beneficiary.", "religion"),
        ("We downed tools on Monday so the rent will be late.", "trade_union"),
        ("I'm the GNAT rep at our school, please send my statement.", "trade_union"),
        ("Because of my tribal marks the face check keeps failing.", "ethnic_origin"),
        ("I'm Dagomba and your staff told me to speak Twi.", "ethnic_origin"),
        ("I paid my brother's bail through the app but the court has nothing.", "criminal_record"),
        ("Please resend the receipt for my fine for public drinking.", "criminal_record"),
        ("Our boy Themba has been suspended from school, pause the lunches.", "children"),
        ("FCCPC already has my complaint about the failed transfer.", "legal"),
        ("If the money no return I go carry this matter go court.", "legal"),
    ],
    "dev 54-57": [
        ("I've complained to CITRA twice about the speed, ref CT-1102.", "legal"),
        ("I reported your company to the Energy Regulatory Authority last week.", "legal"),
        ("HMRC has opened an enquiry into my return, I need my invoices.", "legal"),
        ("I filed a case at the tenancy dispute centre, please send the receipts.", "legal"),
        ("I was the workers' rep at the meeting, so I missed the courier.", "trade_union"),
        ("We stopped work for two days because the wages were late, so I'm short.", "trade_union"),
        ("My uncle is on the bus strike in Lagos, so send the money today.", "trade_union"),
        ("The union's taken up my dismissal, please keep my account open.", "trade_union"),
        ("I organised the riders' protest and now my shifts are gone.", "trade_union"),
        ("Ik heb meegedaan aan de staking, waarom is mijn bonus weg?", "trade_union"),
        ("I'm a Malayali, can the app show Malayalam?", "ethnic_origin"),
        ("The driver said no Indians and drove off, refund the fee.", "ethnic_origin"),
        ("Ik ben van Turkse afkomst en mijn rekening is geblokkeerd.", "ethnic_origin"),
        ("My daughter Ana moved to a new secondary school, cancel the old uniform.", "children"),
        ("Meine Tochter (9) hat In-App-Käufe gemacht, bitte erstatten.", "children"),
        ("Custody handover is Sunday so I can't take the 6pm slot.", "children"),
        ("Our twins were born in May, can they go on the family plan?", "children"),
        ("I broke my hip in March so I missed the renewal.", "health"),
        ("Ich bin seit drei Wochen krankgeschrieben, bitte Frist verlängern.", "health"),
        ("Keeping the 41 day vratham, so please hide meat deals.", "religion"),
        ("I'm active in the opposition movement back home, who sees my transfers?", "religion"),
        ("Ik ben lid van de Hervormde Gemeente en werk niet op zondag.", "religion"),
        ("I'm an escort and my payouts were frozen for adult services.", "sexual_orientation"),
        ("Mum's with a woman now, please add Jo as a named driver.", "sexual_orientation"),
        (
            "The police released me after two days, no charges filed, but my line was cut.",
            "criminal_record",
        ),
        ("My dad did 8 years and now he's out, can he open a basic account?", "criminal_record"),
    ],
    "dev 58-61": [
        ("Can my Unite subscription come out of my salary instead?", "trade_union"),
        ("I'm the FNV delegate at the depot, so send my statement to home.", "trade_union"),
        ("She's a retired UAW member, her dental should have carried over.", "trade_union"),
        ("Member of the Ironworkers union, Local 396, and the fund moved to you.", "trade_union"),
        ("I got docked a day for the sickout and the premium came out twice.", "trade_union"),
        ("I complained to the Konsumentverket about the double charge.", "legal"),
        ("I have contacted the Czech Trade Inspection about my warranty claim.", "legal"),
        ("My complaint is with the state insurance commissioner now.", "legal"),
        ("We received an attachment of earnings order for one of our staff.", "legal"),
        ("Confirm you erased my CV from all your databases and your clients' systems.", "legal"),
        ("I filed a Mahnbescheid against your shop for the missing refund.", "legal"),
        ("He has a warrant out in Ohio, will that affect my account?", "criminal_record"),
        (
            "I was charged with careless driving after the crash, cancel the hire.",
            "criminal_record",
        ),
        ("Did 2 years, got out in May, and need a phone contract.", "criminal_record"),
        ("His juvenile record was meant to be sealed but your check shows it.", "criminal_record"),
        ("I'm on conditional release and the judge needs my address proof.", "criminal_record"),
        ("Our family slava is on the 19th, can I fly on the 18th?", "religion"),
        ("Need Diwali off, can I swap the shift?", "religion"),
        ("I'm a member of the Partido Popular, why was my account closed?", "religion"),
        ("My standing order to our Baptist church went out twice.", "religion"),
        ("Someone wrote 'pédé' on our door, my boyfriend wants to move out.", "sexual_orientation"),
        ("My grandmother is full-blooded Navajo and can't get post at the ranch.", "ethnic_origin"),
        ("She's Tejana, born in Texas, stop asking for a green card.", "ethnic_origin"),
        ("I'm a Bosniak and the steward said something about Turks to me.", "ethnic_origin"),
        ("My manager puts on a fake Irish accent whenever he talks to me.", "ethnic_origin"),
        ("My daughter of 13 opened the door and the driver handed her the wine.", "children"),
        ("My son was sent home from nursery with a fever so I missed the shift.", "children"),
        ("I had an L5-S1 fusion in June and my leave was approved.", "health"),
    ],
    "dev 62-65 (thirteenth session)": [
        ("Since my weeks on the psychiatric ward my bills slipped, can you help?", "health"),
        ("Two discs were fused in my neck in May so I fell behind.", "health"),
        ("My wife is on an insulin pump and the bill went to collections.", "health"),
        ("The neurologist confirmed Parkinson's in June, so he can't drive now.", "health"),
        ("My diploma is in my pre-transition name, where do I send both?", "sexual_orientation"),
        (
            "My wife and I asked for seats together; the agent assumed we were sisters.",
            "sexual_orientation",
        ),
        ("I'm a woman looking for women, why was my profile banned?", "sexual_orientation"),
        ("Union electrician, Local 98, laid off every winter.", "trade_union"),
        ("My husband is treasurer of our UFCW local and his number is on my file.", "trade_union"),
        ("I took part in the nurses' strike and lost a week's pay.", "trade_union"),
        ("I'm her workplace rep and she has asked me to write for her.", "trade_union"),
        ("He told me 'go back to your rice fields' on the bus.", "ethnic_origin"),
        ("Police logged the graffiti on my door as racially aggravated.", "ethnic_origin"),
        ("No avatar skin tone fits a Latina like me.", "ethnic_origin"),
        ("He messaged me that he's not into Nigerians. Is that allowed?", "ethnic_origin"),
        ("I did two years state, released in 2020, and the case shows twice.", "criminal_record"),
        ("I'm being charged in a fraud case, so my account was frozen.", "criminal_record"),
        ("I got a caution in 2019 for shoplifting, does that rule me out?", "criminal_record"),
        ("The judge sealed my eviction case, remove it from the report.", "legal"),
        ("Forget I ever existed: delete every file you hold on me.", "legal"),
        ("My FTC identity theft report is attached.", "legal"),
        ("That's harassment, and I'm taking advice from a solicitor.", "legal"),
        ("I support the independence movement and that got me banned.", "religion"),
        ("We are Cao Dai and travel for the festival, two seats please.", "religion"),
        ("Our son is sitting his GCSEs next year and needs a laptop.", "children"),
        ("Our youngest was born prem in March and everything fell behind.", "children"),
        ("We've just had twins, can the payments drop until April?", "children"),
    ],
    "dev 66-69 (fourteenth session)": [
        ("My sister was in pre-trial detention for a year, the bills piled up.", "criminal_record"),
        ("EFCC detained my husband in May and the card was blocked.", "criminal_record"),
        ("I've only my release papers for ID, will you take them?", "criminal_record"),
        ("My grandparents were Pontic Greeks, which passport do I show?", "ethnic_origin"),
        ("We are Hungarians from Transylvania, can the tickets be in Hungarian?", "ethnic_origin"),
        ("The guard called me a 'dirty Arab' at the gate.", "ethnic_origin"),
        ("Three drivers cancelled right after seeing my profile photo.", "ethnic_origin"),
        ("My father is a sugar patient and the strips came late.", "health"),
        ("I was admitted to your hospital with dengue in May.", "health"),
        ("I'll be taking this to the Canadian Transportation Agency.", "legal"),
        ("We are suing the bus company after the crash, send the passenger list.", "legal"),
        ("As a muslimah I would like a female driver at night.", "religion"),
        ("We are observant and everything in our kitchen must be kosher.", "religion"),
        ("I took part in the protests and now I get the ruling party's ads.", "religion"),
        ("I'm carrying kavadi this Thaipusam, can I book a car at 3am?", "religion"),
        ("My Scruff premium was charged twice this month.", "sexual_orientation"),
        ("It's my first binder since coming out, what size should I get?", "sexual_orientation"),
        ("My cover is through the 1199SEIU benefit fund, please rebill.", "trade_union"),
        ("Because of the rail strike I joined, I'm short this month.", "trade_union"),
        ("The court order gives me the children during the week.", "children"),
    ],
    "dev 70-73 (fifteenth session)": [
        ("I'm Kommunal member, does the union deal cover my phone?", "trade_union"),
        ("My union Handels pays half of the invoice, please split it.", "trade_union"),
        ("Jeg er medlem av Fagforbundet, how do I get the member price?", "trade_union"),
        ("The bank shows two debits 'Gewerkschaft NGG Beitrag' this month.", "trade_union"),
        ("I was on grève with CGT two days, but you took the whole bonus.", "trade_union"),
        ("As the CGIL representative for the cleaners I need the rota.", "trade_union"),
        ("My nan is Stolen Generations and has no birth certificate.", "ethnic_origin"),
        ("Can I use my Confirmation of Aboriginality letter as ID?", "ethnic_origin"),
        ("We're both Sinti and the man asked us for double deposit.", "ethnic_origin"),
        (
            "I'm from the Albanian minority in North Macedonia, write both spellings.",
            "ethnic_origin",
        ),
        ("I'm half Surinamese, half Dutch, and the agent mocked my accent.", "ethnic_origin"),
        ("Your fitter won't go onto Traveller sites, send someone else.", "ethnic_origin"),
        ("Mijn advocaat will check the final invoice first.", "legal"),
        ("I have sent my case to the Geschillencommissie Energie.", "legal"),
        ("The Arbeitsgericht decided in my favour, pay it with the next slip.", "legal"),
        ("I did 120 hours taakstraf last year and need a phone contract.", "criminal_record"),
        ("My EM bracelet needs a steady signal at home.", "criminal_record"),
        ("My credit got wrecked while I was in.", "criminal_record"),
        ("I'm on Bewährung and my Bewährungshelfer needs the payslips.", "criminal_record"),
        ("Sono agli arresti domiciliari, only morning shifts please.", "criminal_record"),
        ("They took two toes off last month, post it to the clinic.", "health"),
        ("I'm 28 weeks along with our first, can the loan be interest only?", "health"),
        ("My koro has lost most of his hearing, can he use text support?", "health"),
        ("I'm a GroenLinks member and refuse fossil power.", "religion"),
        ("I made Kirchenaustritt in September, stop the church tax.", "religion"),
        ("Io e Luca abbiamo fatto l'unione civile, which pension form?", "sexual_orientation"),
        ("Je suis pacsé avec mon copain Julien, can he drive the car?", "sexual_orientation"),
        ("I'm in transition (MtF), please change my name on the slips.", "sexual_orientation"),
        ("My son Eymen turns 7 on Saturday, we need the cake before the party.", "children"),
        ("Mia figlia ha 14 anni and needs me home after school.", "children"),
        ("I'm collecting the twins from Holy Family Primary at 3.", "children"),
    ],
    "dev 74-77 (sixteenth session)": [
        ("Our stoppage at the depot lasted a week, so the rent is late.", "trade_union"),
        ("They docked the 3 days of greve from my salary, I need more time.", "trade_union"),
        (
            "During the general strike we logged off with the others, restore my tier.",
            "trade_union",
        ),
        ("Please cancel the debit order to NEHAWU, I left the union.", "trade_union"),
        ("The Nigerian Union of Teachers dues came out twice this month.", "trade_union"),
        ("Mi sindicato pays for the trip, put the invoice in its name.", "trade_union"),
        ("As a Fórsa workplace rep I need an itemised receipt.", "trade_union"),
        ("I'm going to be locked up for 18 months, please freeze the plan.", "criminal_record"),
        ("I was released from Wolston in February after 3 years.", "criminal_record"),
        ("My brother is on libertad condicional and needs a contract.", "criminal_record"),
        ("I'm in a drug court program, keep my fills at one store.", "criminal_record"),
        ("I have a DV charge pending, take me off the lease.", "criminal_record"),
        ("I need to serve a sentence of 8 months, refund the table.", "criminal_record"),
        ("The cashier shouted 'you Indians always complain' at me.", "ethnic_origin"),
        ("A member used a slur for Mexicans in the locker room.", "ethnic_origin"),
        ("We're Afrikaans-speaking Boer descendants moving to Perth.", "ethnic_origin"),
        ("My cousin and I, both Black, were moved to the last row.", "ethnic_origin"),
        ("My Mexican last name is spelled wrong on every statement.", "ethnic_origin"),
        ("I opened a reclamação in the Procon about the double fee.", "legal"),
        ("I'm filing a complaint with the Mississippi Board of Pharmacy.", "legal"),
        ("I want my data erased, all of it, and confirm in writing.", "legal"),
        ("Rivera & Cho, Attorneys at Law, represent Ana Delgado.", "legal"),
        ("The tribunal hearing for my unpaid wages is on 3 October.", "legal"),
        ("I volunteered for the Democrats all through the campaign.", "religion"),
        ("That evening we are all at the parroquia for the mass.", "religion"),
        (
            "My girlfriend and I send money together, can two women share a profile?",
            "sexual_orientation",
        ),
        ("The plan refused my hormones for gender affirmation.", "sexual_orientation"),
        ("Custody is shared 50/50 with my ex, so my son needs a SIM on both plans.", "children"),
        ("My 16 y.o. opened an account with my ID, close it.", "children"),
        ("My ex has taken our daughter to Kenya without my consent.", "children"),
        ("I'm 29 weeks now, add the baby to the policy before she's born.", "health"),
        ("Bus driver, been signed off with a stress reaction after an assault.", "health"),
        ("The clinic told me I have TB and I can't work for 2 months.", "health"),
        ("Why is my blood pressure pill $42 this month?", "health"),
    ],
}


@pytest.mark.parametrize(
    ("text", "category"),
    [pair for pairs in ROUND_PHRASINGS.values() for pair in pairs],
)
def test_each_rounds_phrasings_are_rules(
    rules_only: CategoryClassifier, text: str, category: str
) -> None:
    assert category in blocked(rules_only, text)


@pytest.mark.parametrize("bait", BAIT, ids=range(len(BAIT)))
def test_no_shipped_rule_backtracks_for_long(classifier: CategoryClassifier, bait: str) -> None:
    # Every term, frame and veto against text built to make a regex backtrack:
    # the scan has no per-match time limit, so each rule must stay linear.
    started = time.perf_counter()
    classifier.classify(bait)
    assert time.perf_counter() - started < 2.0


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gives_spans_inside_it(text: str) -> None:
    classifier = _shared()
    for hit in classifier.classify(text):
        assert 0 <= hit.start < hit.end <= len(text)
        assert hit.category in CATEGORY_NAMES


_CLASSIFIER: list[CategoryClassifier] = []


def _shared() -> CategoryClassifier:
    # Hypothesis calls the test many times; build the rules once per run.
    if not _CLASSIFIER:
        _CLASSIFIER.append(CategoryClassifier.load())
    return _CLASSIFIER[0]


def test_every_term_can_be_reached_from_a_word_opening(classifier: CategoryClassifier) -> None:
    # The scan tries only the terms indexed under a word's opening: a term the
    # index left out (one that starts with a look-behind, say) would never match.
    for category in classifier.categories:
        indexed = {term for terms in category.index.values() for term in terms}
        assert indexed == set(range(len(category.terms))), category.name


def test_the_rules_file_repeats_no_key() -> None:
    class Strict(yaml.SafeLoader):
        pass

    def mapping(loader: Strict, node: yaml.MappingNode) -> dict[object, object]:
        keys = [loader.construct_object(k) for k, _ in node.value]
        assert len(keys) == len(set(keys)), f"repeated key near line {node.start_mark.line}"
        return dict(zip(keys, (loader.construct_object(v) for _, v in node.value), strict=True))

    Strict.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    yaml.load((ROOT / "gateway" / "detect" / "categories.yaml").read_text(), Loader=Strict)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Reason for return: 'chemotherapy side effects'", "health"),  # after a quote mark
        ("My wife and I (two women) want a joint account", "sexual_orientation"),
        ("Sam (8) and Ella (11) need a kids' meal", "children"),
        ("I've been on PrEP for two years", "sexual_orientation"),  # mixed case
    ],
)
def test_terms_found_at_awkward_openings(
    classifier: CategoryClassifier, text: str, category: str
) -> None:
    assert category in blocked(classifier, text)


def test_no_term_is_tried_at_every_word(classifier: CategoryClassifier) -> None:
    # A term that can open with any word ("\w+ workers' union") is tried at
    # every word start and made the HTTP path a fifth slower (measured): terms
    # start with their own words.
    for category in classifier.categories:
        for number, term in enumerate(category.terms):
            # Three characters and one (a crowded opening's five only split its three).
            keys = sum(number in t for key, t in category.index.items() if len(key) <= 3)
            assert keys < 2_000, f"{category.name}: {term.pattern[:60]} opens {keys} ways"


def _alternatives(pattern: str) -> list[str]:
    """The top-level alternatives of a regular expression."""
    parts, depth, start, at = [], 0, 0, 0
    while at < len(pattern):
        char = pattern[at]
        if char == "\\":
            at += 2
            continue
        if char == "[":
            at = pattern.index("]", at + 2)
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(pattern[start:at])
            start = at + 1
        at += 1
    return [*parts, pattern[start:]]


def test_no_term_ends_on_a_capital_letter_alone() -> None:
    # Terms must end where a word ends, so "(?:at|in)\s+(?-i:[A-Z])" could
    # only match a one-letter word: three such terms ("I did 18 months at
    # Canon City", "porte-à-porte pour le Parti", "born in March") never
    # fired. A capital that starts a word must be followed by the word.
    document = yaml.safe_load((ROOT / "gateway" / "detect" / "categories.yaml").read_text())
    dead = []
    for name, rules in document["categories"].items():
        for tier in ("certain", "strong", "weak"):
            for term in rules.get(tier) or []:
                pattern = term if isinstance(term, str) else term["pattern"]
                for alternative in _alternatives(pattern):
                    if alternative.rstrip().endswith(("[A-Z])", "[A-Z]")):
                        dead.append(f"{name}: ...{alternative[-60:]}")
    assert dead == []


def test_a_term_may_open_with_a_look_behind() -> None:
    # "(yes, two women)" is the category where "Yes, two women will come" is a
    # removals crew: the term looks behind its first word, and the index must
    # still try it there.
    rules = {"certain": [r"(?<=\()yes,\s+two\s+women\b"]}
    document = {"personal": r"\bmy\b", "categories": {"sexual_orientation": rules}}
    classifier = CategoryClassifier.from_rules(document, names=["sexual_orientation"])
    hits = classifier.classify("My wife and I (yes, two women) booked a room.")
    assert [h.category for h in hits if h.tier == "certain"] == ["sexual_orientation"]
    assert [
        h for h in classifier.classify("Yes, two women will come.") if h.tier == "certain"
    ] == []
