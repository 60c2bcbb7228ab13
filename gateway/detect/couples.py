"""Same-sex couples: a partner word whose sex matches the writer's (and names changed across sexes).

Most tickets that reveal a customer's sexual orientation never name it. They
say "my husband Tom and I" and sign "Thanks, Andrew"; they say "my wife" and
sign "Laura". Measured on independently written tickets, such pairs were most
of what the category rules missed for sexual orientation. This finder reads
two things and compares them:

* the partner: "my husband", "my girlfriend", "my late husband", "my ex
  girlfriend", or "my partner James" (the sex from the name), or "I'm
  Daniel's husband";
* the writer: a name where people give their own ("Mark here", "I'm Emma",
  "this is", a sign-off such as "Thanks, Andrew" or "- Megan", "Reservation
  under Kate Morrow", "Mr"/"Ms" before it) or words about themselves ("guy
  here", "I'm a woman").

The sex of a first name comes from ``data/first_sex.txt.gz`` (US Social
Security births, names at least 95% one sex; names given to both sexes left
out, see ``scripts/build-name-genders``) and, for names that list lacks
("Rasmus", "Agnieszka", "Mehmet", "Bram"), ``data/first_sex_world.txt``; a
name the two give different sexes is left out. When the two agree the partner
phrase is evidence of ``sexual_orientation``; when the writer's signals
disagree with each other, or one side is unknown, nothing is said. It cannot
see a couple whose names it does not know, or a writer who gives no name.
French and Spanish are read too: "mon chum", "ma blonde", "mi novio Tomás",
"je m'appelle Julie", "soy Andrés", "Sophie et moi, on vient de se marier";
the other languages of the lexicon in ``couples_languages.py``, with the
writer's sex from grammar where the language marks it ("estoy casada",
"zamówiłem").
Couples named in the third person ("Tom Ashby's husband") and a name
changed to one of the other sex ("from Daniel to Danielle", a transition)
are read the same way, from the names alone.
"""

from __future__ import annotations

import functools
import gzip
import importlib.resources
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

import regex

from gateway.detect import couples_languages as languages
from gateway.detect.normalize import without_accents

_FLAGS = regex.IGNORECASE | regex.VERSION1
_NAME = r"(?<![\w'])(?-i:\p{Lu}\p{Ll}+(?:-\p{Lu}\p{Ll}+)?)"
# Words after "I'm" that are first names too but here say what someone is.
_NOT_NAMES = frozenset(
    [
        "christian",
        "frank",
        "earnest",
        "sunny",
        "happy",
        "grace",
        "faith",
        "hope",
        "joy",
        "will",
        "chance",
        "major",
        "rich",
        "young",
        "king",
        "sterling",
        "precious",
        "merry",
        "honey",
        "angel",
        "fine",
        "sorry",
        "sure",
        "glad",
    ]
)
# A second word after a lone name on the last line that makes it a place or a thing.
_NOT_SURNAMES = regex.compile(
    r"(?:Heights|Street|Road|Avenue|Park|Hill|Square|Lane|Close|Way|Court|Gardens|Station|Airport"
    r"|Centre|Center|Mall|Hall|House|Store|Pro|Plus|Max|Mini|Ultra)\b|\w*\d"
)
# Unaccented "fiance" is written for both sexes, so it is in neither (read as unknown).
# French (Quebec's "chum" and "blonde" are a boyfriend and a girlfriend) and Spanish too.
_MALE_WORDS = frozenset(
    {"husband", "hubby", "boyfriend", "bf", "fiancé", "fella"}
    | {"mari", "chum", "copain", "conjoint", "époux", "esposo", "marido", "novio"}
)
_FEMALE_WORDS = frozenset(
    {"wife", "wifey", "missus", "missis", "girlfriend", "gf", "fiancée", "fiancee"}
    | {"femme", "blonde", "copine", "conjointe", "épouse", "esposa", "novia"}
)
_PARTNER = regex.compile(
    r"\b(?:my|our)\s+(?:late\s+|ex[\s-]?|new\s+|future\s+|lovely\s+|dear\s+)?"
    r"(?P<word>husband|hubby|wifey|wife|missus|missis|boyfriend|girlfriend|bf|gf|fianc[eé]e?|fella"
    rf"|partner)\b(?:,?\s+(?P<name>{_NAME})\b)?"
    # "mon chum", "ma blonde", "mi novio Tomás"
    r"|\b(?:mon|ma|mi)\s+(?:(?:ex|nouveau|nouvelle|futur|future|nuevo|nueva|futuro|futura)[\s-]+)?"
    r"(?P<word>mari|chum|copain|conjointe?|époux|épouse|esposo|esposa|marido|novio|novia"
    # not "ma femme de ménage"
    rf"|femme|blonde|copine)\b(?!\s+(?:de|del|du|des|d')\b)(?:,?\s+(?P<name>{_NAME})\b)?",
    _FLAGS,
)
# "Tom Ashby's husband", "Uncle Rob's partner": a couple named in the third person.
_NAMED_PARTNER = regex.compile(
    rf"(?P<name>{_NAME})(?:\s+{_NAME})?'s\s+(?:late\s+)?(?P<word>husband|wife|boyfriend|girlfriend)\b",
    _FLAGS,
)
# "Dad's partner of thirty years, Kenneth": a relative's partner named, of the relative's sex.
_MALE_KIN = frozenset(
    [
        "dad",
        "father",
        "grandad",
        "granddad",
        "grandpa",
        "uncle",
        "brother",
        "son",
        "grandson",
        "nephew",
    ]
)
_FEMALE_KIN = frozenset(
    [
        "mum",
        "mom",
        "mother",
        "gran",
        "grandma",
        "nan",
        "nana",
        "aunt",
        "auntie",
        "sister",
        "daughter",
        "granddaughter",
        "niece",
    ]
)
_KIN_PARTNER = regex.compile(
    rf"(?<!&\s)(?<!\band\s)\b(?P<kin>{'|'.join(sorted(_MALE_KIN | _FEMALE_KIN))})'s\s+(?:late\s+)?"
    rf"(?:partner|spouse|other\s+half)(?:\s+of\s+(?:\w+\s+){{1,2}}years)?,?\s+(?P<name>{_NAME})\b"
    # a partner at work or at play: "my son's partner Oliver in the doubles"
    r"(?![^.!?\n]{0,30}?\b(?:business|firm|practice|surgery|band|doubles|competition|tournament"
    r"|dance|dancing|ballroom|class|project|team|shop|company|league|club|darts|bowls|bridge|golf|pairs"
    r"|pool|quiz|choir|crew|shift|patrol|squad|station|salon|garage|office|work))",
    _FLAGS,
)
# "changed her name from Daniel to Danielle": a name changed to one of the other sex.
_RENAMED = regex.compile(
    rf"\bname\b[^.!?\n]{{0,40}}?\bfrom\s+(?P<old>{_NAME})\s+to\s+(?P<new>{_NAME})\b", _FLAGS
)
# "his husband Marc", "her wife Ana": a third person's partner named, of the pronoun's sex
# ("his partner" is as often a business partner).
_THEIR_PARTNER = regex.compile(
    r"\b(?P<pronoun>his|her)\s+(?:late\s+|new\s+|ex[\s-]?)?(?:spouse|husband|wife"
    rf"|boyfriend|girlfriend|fianc[eé]e?)\s*,?\s+(?P<name>{_NAME})\b",
    _FLAGS,
)
# The writer's partner, by name: "I married Kevin", "my wedding to Sophie", "me and
# Ellie tied the knot", "Jake and I have split up".
_MARRIED = regex.compile(
    rf"\b(?:i|i've|i\s+have|i\s+just)\s+(?:just\s+|recently\s+|finally\s+)?(?:married|wed)\s+"
    rf"(?P<name>{_NAME})\b(?!'s|\s+and\s)"
    rf"|\b(?:my|our)\s+(?:upcoming\s+)?wedding\s+to\s+(?P<name>{_NAME})\b"
    rf"|\b(?:me\s+and|i\s+and)\s+(?P<name>{_NAME})\s+(?:just\s+|finally\s+)?(?:tied\s+the\s+knot"
    r"|got\s+(?:married|engaged|hitched)|are\s+getting\s+married|are\s+engaged)\b"
    # "Jake and I have split up"
    rf"|(?<![\w'])(?P<name>{_NAME})\s+and\s+i\s+(?:have\s+|had\s+|just\s+)?(?:split\s+up|broke\s+up|separated"
    r"|got\s+(?:married|engaged)|are\s+(?:getting\s+married|engaged|a\s+couple))\b"
    # "Sophie et moi, on vient de se marier", "on vient de se marier, Sophie et moi",
    # "Tomás y yo nos casamos"
    rf"|(?<![\w'])(?P<name>{_NAME})\s+et\s+moi,?\s+(?:on\s+vient\s+de\s+se\s+marier"
    r"|on\s+s'est\s+mariée?s|(?:on\s+est|nous\s+sommes)\s+mariée?s|on\s+se\s+marie)\b"
    rf"|\bon\s+vient\s+de\s+se\s+marier\s*[,!]?\s+(?P<name>{_NAME})\s+et\s+moi\b"
    rf"|(?<![\w'])(?P<name>{_NAME})\s+y\s+yo\s+(?:nos\s+casamos|nos\s+acabamos\s+de\s+casar"
    r"|nos\s+vamos\s+a\s+casar|estamos\s+casad[oa]s)\b",
    _FLAGS,
)
# "Omar and Jacob, are a couple", "our honeymoon - James and Tom", "Ana and Rosa's
# wedding": two named people said to be a couple, or marrying each other.
_OCCASION = r"(?:honeymoon|wedding|civil\s+partnership|engagement|anniversary|vow\s+renewal)"
_NAMED_COUPLE = regex.compile(
    rf"(?P<a>{_NAME})\s+and\s+(?P<b>{_NAME}),?\s+(?:who\s+)?(?:are|were)\s+(?:a\s+couple(?!\s+of\b)|married"
    r"|engaged|partners|together)\b"
    rf"|\b(?:our|the)\s+{_OCCASION}\s*(?:[-–—:(]\s*|\s+(?:of|for)\s+)(?P<a>{_NAME})"
    rf"\s+(?:and|&)\s+(?P<b>{_NAME})\b(?=\s*(?:[-–—:).;!?]|,\s*\d|,\s*(?:at|on|in|from|for)\b|$|\d)|\s+(?:at|on|in|from)\s+(?:the\s+)?(?-i:[A-Z\d]))"
    rf"|(?<!\bthe\s)(?P<a>{_NAME})\s+(?:and|&)\s+(?P<b>{_NAME})'s\s+(?:own\s+)?{_OCCASION}\b",
    _FLAGS,
)
# "I'm Daniel's husband": the writer is the partner of the named person.
_PARTNER_OF = regex.compile(
    rf"\b(?:i'm|i\s+am|im)\s+(?P<name>{_NAME})'s\s+(?P<word>husband|wife|boyfriend|girlfriend"
    r"|fianc[eé]e?)\b",
    _FLAGS,
)
_SELF_NAME = regex.compile(
    rf"(?:^|(?<=[.!?\n,])[ \t]{{0,10}}|\b(?:hi|hello|hey|hiya)[,!]?\s+)(?P<name>{_NAME})"
    rf"(?:\s+{_NAME})?(?:\s+from\s+(?-i:[A-Z])[\w'-]+(?:\s+(?-i:[A-Z])[\w'-]+)?)?\s+here\b"
    # "It's Amir here"
    rf"|\bit's\s+(?P<name>{_NAME})\s+here\b"
    rf"|\b(?:i'm|i\s+am|this\s+is|my\s+name\s+is|name's)\s+(?:(?P<title>mr|mrs|ms|miss)\.?\s+)?"
    rf"(?P<name>{_NAME})\b(?!'s)"
    # "im" typed for "I'm": after a greeting, or in lower case at a sentence's start, a
    # bracket or a comma; not German's "im Sommer" mid-sentence nor "Im Osten" at a start
    r"|(?:(?:^|(?<=[.!?\n(,][ \t]{0,3}))(?-i:im)|\b(?:hi|hello|hey|hiya|yes|yeah|ok|okay|so)[,!]?\s+im)"
    r"\s+(?!(?-i:Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November"
    r"|Dezember|Sommer|Winter|Herbst|Frühling|Moment|Namen|Auftrag|Voraus)\b)"
    rf"(?:(?P<title>mr|mrs|ms|miss)\.?\s+)?(?P<name>{_NAME})\b(?!'s)"
    # French and Spanish: "je m'appelle Julie", "moi c'est Étienne", "soy Andrés"
    rf"|\b(?:je\s+m'appelle|moi,?\s+c'est|c'est\s+moi,|me\s+llamo|mi\s+nombre\s+es|soy)\s+"
    rf"(?P<name>{_NAME})\b"
    # "my husband Tomasz and I (Piotr)", "Me (Sarah) and my wife", "I, Gareth, took his name"
    rf"|\b(?:and\s+(?:i|me)|me)\s*\(\s*(?P<name>{_NAME})\s*\)"
    rf"|\bi,\s+(?P<name>{_NAME}),(?!\s*(?:and|&)\b)"  # not a list: "my wife, I, Jen, and Amy"
    # typed in lower case, then a role: "im jake the policy holder"
    r"|\b(?:i'm|im|i\s+am)\s+(?P<name>\p{Ll}{2,})\s+(?=the\s+(?:\w+\s+)?(?:policy\s*holder"
    r"|account\s*holder|holder|owner|customer|driver|member|lead\s+\w+|main\s+\w+)\b)"
    rf"|\b(?:booking|reservation|booked|table|account|order)(?:'s|\s+is)?\s+under\s+"
    rf"(?:(?P<title>mr|mrs|ms|miss)\.?\s+)?(?P<name>{_NAME})\b"
    # "under David, my husband": the booking is in the partner's name
    r"(?!\s*[,(]\s*(?:my|his|her|our)\b)"
    # "I go by Mrs Hollis", "it's Becky in payroll", "I'm the owner, Karen Chen",
    # "I'm the primary holder, Mark Ellison" (not "..., Daniel's wife"), "I'm the
    # account holder (Michael)" (not "(Mary, my PA, set it up)")
    rf"|\bi\s+go\s+by\s+(?:(?P<title>mr|mrs|ms|miss)\.?\s+)?(?P<name>{_NAME})\b"
    rf"|\b(?:i'm|i\s+am)\s+the\s+(?:\w+\s+)?(?:owner|manager|director|founder|holder"
    rf"|policyholder|lead\s+passenger),\s+(?P<name>{_NAME})\b(?!'s|\s+(?:is|are|and)\b)"
    # in brackets only after a household role: "the owner (David) ... my partner Steve"
    # is as often a business
    rf"|\b(?:i'm|i\s+am)\s+the\s+(?:account\s*holder|policy\s*holder|bill\s+payer"
    rf"|main\s+(?:account\s+)?holder|joint\s+(?:account\s+)?holder)\s*\(\s*(?P<name>{_NAME})\s*\)"
    # "his name is Daniel Okafor, mine is Marcus Hale": full names, not a pet's
    rf"|\b(?:his|her)\s+name\s+is\s+{_NAME}\s+{_NAME},?\s+(?:and\s+)?mine\s+is\s+"
    rf"(?P<name>{_NAME})\s+{_NAME}\b"
    rf"|\bit's\s+(?P<name>{_NAME})\s+(?:in|from)\s+(?:\w+\s+)?(?:payroll|accounts|hr|finance|sales"
    r"|marketing|reception|admin|support|the\s+office)\b",
    _FLAGS,
)
_SIGN_OFF = regex.compile(
    r"(?:^|[\s.!?,)])(?:[-–—~]+|thanks|thank\s+you|many\s+thanks|cheers|best|regards|kind\s+regards"
    r"|best\s+wishes|warm\s+regards|all\s+the\s+best|love|ta|thx|sincerely|yours(?:\s+\w+)?)"
    rf"[,!.]?\s*(?:(?P<title>mr|mrs|ms|miss)\.?\s+)?(?P<name>{_NAME})"
    rf"(?:\s+(?-i:[A-Z][\w'-]+))?(?:\s+and\s+(?P<other>{_NAME})(?:\s+(?-i:[A-Z][\w'-]+))?)?"
    r"(?:\s*\([^)]{0,60}\))?\s*[.!]?\s*\Z"
    # or a name alone as the last sentence ("... Application MG-50012. Peter Lowry")
    rf"|[.!?\n][ \t]{{0,10}}\n?[ \t]{{0,10}}(?P<name>{_NAME})(?P<surname>\s+(?-i:[A-Z][\w'-]+))?"
    # then perhaps the address: "... Sophie Walsh, 15 Dean Road."
    r"(?:,\s*(?:flat\s+\w+,?\s*)?\d+[a-z]?\s+(?-i:[A-Z])[\w'-]*(?:\s+(?-i:[A-Z])[\w'-]*){0,3})?"
    r"\s*[.!]?\s*\Z",
    _FLAGS,
)
_SELF_WORDS = regex.compile(
    r"(?:^|(?<=[.!?\n])[ \t]{0,10}|\b(?:hi|hello|hey|hiya)[,!]?\s+)"
    r"(?:(?P<m>guy|bloke|man|lad|fella)|(?P<f>woman|girl|lady|gal))\s+here\b"
    r"|\b(?:i'm|i\s+am|im|as)\s+a\s+(?:(?P<m2>guy|bloke|man|lad)|(?P<f2>woman|girl|lady))\b",
    _FLAGS,
)


@dataclass(frozen=True, slots=True)
class CoupleHit:
    """``text[start:end]`` names the writer's partner, of the writer's own sex."""

    start: int
    end: int


class SameSexCouples:
    """Finds a partner of the writer's own sex. Pure and thread-safe."""

    def __init__(self, sexes: Mapping[str, str]) -> None:
        self.sexes = sexes

    @classmethod
    def load(cls) -> SameSexCouples:
        return _shipped()

    def find(self, text: str, timeout: float | None = None) -> list[CoupleHit]:
        """The partners of the writer's own sex; raises ``TimeoutError`` past ``timeout``
        (seconds, per pattern)."""
        t = timeout
        found = [CoupleHit(start, end) for start, end in self._named_couples(text, t)]
        # Each pattern runs once: the writer's signals and the partners share them. The
        # writer is read only when there is a partner to compare (most tickets have none).
        plain = languages.bare(text)
        partner_of = list(_PARTNER_OF.finditer(text, timeout=t))
        partners = list(self._partners(text, plain, partner_of, t))
        if not partners:
            return sorted(set(found), key=lambda h: h.start)
        selves = list(_SELF_NAME.finditer(text, timeout=t))
        own_names = languages.self_names(text, plain, t)
        tail, tail_name = self._sign_off(text, t)
        writer = self._writer(text, selves, own_names, partner_of, tail, tail_name, t)
        if writer is None:
            return sorted(set(found), key=lambda h: h.start)
        names = {_key(m["name"]) for m in selves} | {_key(name) for name in own_names}
        if tail_name is not None:
            names.add(_key(tail_name))
        found += [
            CoupleHit(start, end)
            for start, end, sex, name in partners
            if sex == writer and (name is None or _key(name) not in names)
        ]
        return sorted(set(found), key=lambda h: h.start)

    def _sign_off(self, text: str, t: float | None) -> tuple[regex.Match[str] | None, str | None]:
        """The sign-off and the writer's name in it. An English reading that names no one
        known ("... Mvh Anders" read as a lone "Mvh") gives way to another language's; there,
        a Hungarian one may put the surname first ("Üdvözlettel, Kovács Anna")."""
        tail = _SIGN_OFF.search(text[-160:], timeout=t)
        if tail is not None and self._name_sex(tail["name"]) is not None:
            return tail, tail["name"]
        foreign = languages.sign_off(text, t)
        if foreign is None:
            return tail, tail["name"] if tail is not None else None
        name = foreign["name"]
        if self._name_sex(name) is None and foreign["surname"] and foreign["hungarian"]:
            name = foreign["surname"].strip()
        return foreign, name

    def _named_couples(self, text: str, t: float | None) -> Iterator[tuple[int, int]]:
        for match in _RENAMED.finditer(text, timeout=t):
            before, after = self._name_sex(match["old"]), self._name_sex(match["new"])
            if before and after and before != after:
                yield match.start("old"), match.end()  # gender identity, a transition
        for match in _THEIR_PARTNER.finditer(text, timeout=t):
            sex = self._name_sex(match["name"])
            if sex is not None and sex == ("m" if match["pronoun"].lower() == "his" else "f"):
                yield match.start(), match.end()
        for match in _KIN_PARTNER.finditer(text, timeout=t):
            kin = match["kin"].lower()
            kin_sex = "f" if kin in _FEMALE_KIN else "m"
            if self._name_sex(match["name"]) == kin_sex:
                yield match.start(), match.end()
        for match in _NAMED_COUPLE.finditer(text, timeout=t):
            sex = self._name_sex(match["a"])
            if sex is not None and sex == self._name_sex(match["b"]):
                yield match.start(), match.end()
        for match in _NAMED_PARTNER.finditer(text, timeout=t):
            if match.start() > 0 and text[match.start() - 1].lower() in "im":
                continue  # "I'm Daniel's husband" is the writer's own couple
            sex = self._name_sex(match["name"])
            if sex is not None and sex == _word_sex(match["word"].lower()):
                yield match.start(), match.end()

    def _partners(
        self, text: str, plain: str, partner_of: list[regex.Match[str]], t: float | None
    ) -> Iterator[tuple[int, int, str, str | None]]:
        for match in _PARTNER.finditer(text, timeout=t):
            word_sex = _word_sex(match["word"].lower())
            name_sex = self._name_sex(match["name"])
            if word_sex and name_sex and word_sex != name_sex:
                continue  # "my wife Richard": one of them is wrong, so say nothing
            sex = word_sex or name_sex
            if sex is not None:
                yield match.start("word"), match.end(), sex, match["name"]
        for match in _MARRIED.finditer(text, timeout=t):
            sex = self._name_sex(match["name"])
            if sex is not None:
                yield match.start(), match.end(), sex, match["name"]
        for match in partner_of:
            # "I'm Daniel's husband": the writer is a husband, Daniel is the partner.
            sex = self._name_sex(match["name"])
            if sex is not None:
                yield match.start("name"), match.end(), sex, match["name"]
        for partner in languages.partners(text, plain, t):
            name_sex = self._name_sex(partner.name)
            if partner.sex and name_sex and partner.sex != name_sex:
                continue
            sex = partner.sex or name_sex
            if sex is not None:
                yield partner.start, partner.end, sex, partner.name

    def _writer(
        self,
        text: str,
        selves: list[regex.Match[str]],
        own_names: list[str],
        partner_of: list[regex.Match[str]],
        tail: regex.Match[str] | None,
        tail_name: str | None,
        t: float | None,
    ) -> str | None:
        """The writer's sex, when every signal they give agrees."""
        signals: set[str] = set(languages.writer_sexes(text, t))
        for match in _SELF_WORDS.finditer(text, timeout=t):
            signals.add("m" if match["m"] or match["m2"] else "f")
        for match in selves:
            if match["name"].lower() not in _NOT_NAMES:
                signals.update(self._signal(match["name"], match["title"]))
        for name in own_names:
            if name.lower() not in _NOT_NAMES:
                signals.update(self._signal(name, None))
        if tail is not None and not (
            tail["surname"] and _NOT_SURNAMES.match(tail["surname"].strip())
        ):
            signals.update(self._signal(tail_name, tail["title"]))
            if tail["other"]:  # "Thanks, Tom and Sarah": both are writing
                signals.update(self._signal(tail["other"], None))
        for match in partner_of:
            own = _word_sex(match["word"].lower())
            if own is not None:
                signals.add(own)
        return signals.pop() if len(signals) == 1 else None

    def _signal(self, name: str | None, title: str | None) -> set[str]:
        if title:
            return {"m" if title.lower().rstrip(".") in _MALE_TITLES else "f"}
        sex = self._name_sex(name)
        return {sex} if sex else set()

    def _name_sex(self, name: str | None) -> str | None:
        if not name:
            return None
        # Both lists are keyed without accents: "Andrés" is read as "andres".
        return self.sexes.get(_key(name))


_MALE_TITLES = frozenset(["mr", "sr", "herr", "pan", "dhr", "sig", "signor"])


def _key(name: str) -> str:
    return without_accents(name.lower())


def _word_sex(word: str) -> str | None:
    if word in _MALE_WORDS:
        return "m"
    if word in _FEMALE_WORDS:
        return "f"
    return None


@functools.lru_cache(maxsize=1)
def _shipped() -> SameSexCouples:
    data = importlib.resources.files("gateway.detect").joinpath("data")
    lines = gzip.decompress(data.joinpath("first_sex.txt.gz").read_bytes()).decode("utf-8")
    world = data.joinpath("first_sex_world.txt").read_text(encoding="utf-8")
    return SameSexCouples(merged_sexes(_pairs(lines), _pairs(world)))


def merged_sexes(*lists: Iterable[tuple[str, str]]) -> dict[str, str]:
    """One name -> sex map from several lists, keyed without accents; a name two lists
    give different sexes ("Michele": a man in Italy, a woman in the US), or one marked
    ``b`` (both), is left out."""
    sexes: dict[str, str] = {}
    both: set[str] = set()
    for pairs in lists:
        for name, sex in pairs:
            key = _key(name)
            if sexes.setdefault(key, sex) != sex:
                both.add(key)
    return {name: sex for name, sex in sexes.items() if name not in both and sex in ("m", "f")}


def _pairs(text: str) -> Iterator[tuple[str, str]]:
    for line in text.splitlines():
        if "\t" in line and not line.startswith("#"):
            name, sex = line.split("\t")
            yield name, sex
