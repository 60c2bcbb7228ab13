"""Couples in other languages: partner words, the writer's name and the writer's grammatical sex.

``couples.py`` compares the sex of a writer's partner with the writer's own,
reading English (and a little French and Spanish). Customers write in their
own languages too ("mein Mann Jan und ich ... Viele Grüße, Thomas", "la mia
compagna Sara ed io ... sono Giulia"). This module gives it the same readings
in the other languages of the lexicon (``data/lexicon``):

* partners: "mi pareja, Javier", "o meu namorado", "min mand Rasmus",
  "vaimoni Sanna", "moją partnerkę", "свого хлопця", "soțul meu", "kocam";
* the writer's name: self-introductions ("sou a Fernanda", "ich bin Jonas",
  "jag heter Erik", "ben Mehmet", "ako si Mark"), the name in brackets or
  dashes after "and I" ("Daan en ik (Bram)", "Jeg – Anders –") and sign-offs
  ("Viele Grüße, Thomas Berger", "Hilsen Marte og Silje", "Pozdrawiam, Piotr");
* the writer's words about themselves ("sou homem", "jestem kobietą");
* the writer's sex from grammar, which Romance and Slavic languages mark and
  English does not: a first-person past or adjective ("estoy casada", "fiquei
  preocupado", "sono arrivata", "je suis désolée", "zamówiłam", "chciałbym",
  "objednal jsem", "naručila sam", "я заказала", "sunt mulțumită",
  "Obrigada!").

Every signal is one the writer gives of themselves; ``couples.py`` keeps its
rule that the signals must agree, so "estoy cansada" beside "Saludos, Pablo"
says nothing. Partner words that also mean a friend ("mein Freund", "mijn
vriendin", "kız arkadaşım", "můj přítel") are left out: a woman's "meine
Freundin" is as often her friend. Statements of a same-sex couple that need
no comparison ("somos casadas", "wzięłyśmy ślub") are phrases in the lexicon.

Partner words, names and sign-offs are matched on a copy of the text without
accents, one character for one ("mój mąż" and "moj maz" alike), except
Turkish and Vietnamese ones, kept in their own case ("Kocaman", "Vo Anh Thu"
are not partners); grammar and self-descriptions are read on the text as
written, where the accent is the sex ("désolé", "désolée") or the word
("mån" is not "man"). The partner phrases are regular expressions with
inflections and look-arounds, not phrases of the lexicon's kind, so they
live here beside the code that reads them; a text holding none of their
words is not tried (``_may_hold_a_partner``).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import regex

from gateway.detect.normalize import without_accents

Sex = Literal["m", "f"]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_FLAGS = regex.IGNORECASE | regex.VERSION1
_NAME = r"(?<![\w'])(?-i:\p{Lu}\p{Ll}+(?:-\p{Lu}\p{Ll}+)?)"
_SURNAME = r"(?-i:\p{Lu}[\w'-]+)"


# The blocks whose letters carry the accents dropped: Latin-1 to Latin Extended-B, Greek,
# Cyrillic and Latin Extended Additional (Vietnamese). Everything else passes through.
_ACCENTED_BLOCKS = ((0x00C0, 0x024F), (0x0370, 0x03FF), (0x0400, 0x04FF), (0x1E00, 0x1EFF))


def bare(text: str) -> str:
    """``text`` without accents, of the same length ("Mój mąż" -> "Moj maz"; "ł" stays)."""
    return text.translate(_bare_table())


@functools.cache
def _bare_table() -> dict[int, str]:
    table = {}
    for first, last in _ACCENTED_BLOCKS:
        for code in range(first, last + 1):
            stripped = without_accents(chr(code))
            # One letter for one ("ą" -> "a"), never a space or two ("ͺ", "ǆ").
            if len(stripped) == 1 and stripped.isalpha() and stripped != chr(code):
                table[code] = stripped
    return table


# Polish "my" ("mój", "moim", "mojej"), or "with" alone ("z mężem").
_PL_MY = r"(?:mój|moj\w*|moi\w*|mym|mej|swo\w*|swym|swej|swą|z|ze)"
# A partner word with no possessive is the writer's ("chciałbym dopisać męża") unless a
# third person's stands before it ("jej mąż", "její manžel").
_NOT_THEIRS = r"(?<!\b(?:jej|jego|ich|pani|pana|její|jeho|jejich)\s(?:\w+\s)?)"
# Partner words, each with what is allowed before it ("mi", "o meu", "min"): the
# possessive, or a preposition that reads as one ("z żoną", "cu soțul"). Written as
# the language writes them; matched without accents.
_MALE_PARTNERS = [
    # Spanish and French partners not here are in couples.py ("mi novio", "mon chum").
    r"mis?\s+(?:ex\s*-?\s*|futuro\s+|nuevo\s+)?prometido",
    r"meu\s+(?:ex\s*-?\s*|futuro\s+|novo\s+)?(?:marido|esposo|namorado|noivo|companheiro)",
    r"mio\s+(?:ex\s+|futuro\s+)?(?:marito|fidanzato|compagno|ragazzo)",
    r"mon\s+(?:ex\s*-?\s*|futur\s+|nouveau\s+)?(?:compagnon|fiancé|petit\s+ami)",
    r"(?:mein|meinem|meinen)\s+(?:ex\s*-?\s*|zukünftigen?\s+)?(?:mann|ehemann|verlobte[rnm]?|lebensgefährten?)",
    r"(?:mijn|m'n)\s+(?:ex\s*-?\s*|aanstaande\s+)?(?:man|echtgenoot)",
    r"min\s+(?:blivande\s+|ex\s*-?\s*)?(?:man|make|pojkvän|fästman|ektemann|mand|ægtemand|mann)",
    r"(?:mannen|ektemannen|maken)\s+min",
    r"(?:avio)?miehe\w{0,4}ni|poikaystävä\w{0,4}ni|sulhase\w{0,4}ni",
    rf"(?:{_PL_MY}\s+(?:byłym\s+|przyszłym\s+)?|(?-i:(?=[mM]ą|mę)){_NOT_THEIRS})(?:mąż|męż(?:a|em|owi|u)\b)",
    rf"{_PL_MY}\s+(?:byłym\s+|przyszłym\s+)?(?:chłopak\w*|narzeczon(?:y|ego|emu|ym)"
    r"|partner(?:a|em|owi)?\b(?!\s+biznes))",
    r"(?:(?:můj|mého|mým|svého|svým|môj|môjho|mojím|svojho|svojím|s|se|so)\s+|(?=manžel)"
    + _NOT_THEIRS
    + r")manžel(?:em|ovi|a|om|i)?",
    r"(?:můj|mého|mým|svého|svým|môj|môjho|mojím|svojho|svojím)\s+(?:registrovan\w+\s+)?"
    r"partner(?:a|em|ovi|om)?\b",
    r"(?:moj\w*|svoj\w*)\s+(?:muž|muža|mužu|mužem|mož|moža|možu|dečko|dečka|dečku|dečkom)\b"
    r"|(?:s|sa|z|se)\s+(?:mužem|možem|dečkom)\b",
    r"(?:moj|mog|mojeg|mojem|mojim|svog|svojeg|svojim|svom)\s+suprug(?:a|om|u)?\b",
    r"(?:мой|моего|моему|моим|мою|моя|моей|мои|свой|своего|своему|своим|свою|своя|своей|мій|мого|моєму|моїм|моєї|моєю|свій|свого|своєму|своїм|своєї|своєю)\s+(?:муж|мужа|мужу|мужем|хлопець|хлопця|хлопцю|хлопцем|парень|парня|парню|парнем"
    r"|чоловік|чоловіка|чоловікові|чоловіком|жених|жениха|женихом)\b"
    r"|(?:с|со|з|із)\s+(?:мужем|парнем|хлопцем|чоловіком|женихом)\b",
    r"(?=муж)(?<!\b(?:её|ее|его|их|її|його)\s)(?:мужу|мужа|мужем)\b",
    r"(?:мъжът|мъжа)\s+ми",
    r"(?:съпругът|приятелят)\s+ми",
    r"(?:soțul|soţul|iubitul|logodnicul|partenerul|soțului|iubitului)\s+meu|cu\s+soțul",
    r"(?:mano|savo)\s+(?:vyr\w+|vaikin\w+|sužadėtin(?:is|į|iu|iui))",
    r"(?:mans|manam|manu|savam|savu|sava)\s+(?:vīr\w+|puis\w+)",
    r"férjem\w*",
    r"(?:ο|τον|του|με\s+τον)\s+(?:άντρα|άντρας|σύζυγο|σύζυγος|σύντροφο|σύντροφος|αγόρι)\s+μου",
    r"(?-i:[kK]ocam(?:ı|a|la|dan|ın|ız)?|[eE]rkek\s+arkadaşım(?:ı|a|la|dan|ın)?)",
    r"suami\s*(?:saya|ku|aku|gue|gw)|suamiku|cowok\s*(?:saya|ku|aku|gue)",
    r"(?:mister|boyfriend|bf)\s+ko(?:ng)?",
    r"(?-i:[cC]hồng\s+(?:tôi|em|mình)|[bB]ạn\s+trai\s+(?:tôi|em|mình))",
    r"mume\s+wangu|mpenzi\s+wangu\s+wa\s+kiume",
    r"mari\s+mwen",
]
_FEMALE_PARTNERS = [
    r"mis?\s+(?:ex\s*-?\s*|futura\s+|nueva\s+)?(?:mujer|prometida)|mi\s+exesposa",
    r"minha\s+(?:ex\s*-?\s*|futura\s+|nova\s+)?(?:mulher|esposa|namorada|noiva|companheira)",
    r"mia\s+(?:ex\s+|futura\s+)?(?:moglie|fidanzata|compagna|ragazza)",
    r"ma\s+(?:ex\s*-?\s*|future\s+|nouvelle\s+)?(?:compagne|fiancée|petite\s+amie)",
    r"(?:meine|meiner)\s+(?:ex\s*-?\s*|zukünftigen?\s+)?(?:frau|ehefrau|verlobten?|lebensgefährtin|partnerin)",
    r"(?:mijn|m'n)\s+(?:ex\s*-?\s*|aanstaande\s+)?(?:vrouw|echtgenote)",
    r"min\s+(?:blivande\s+|ex\s*-?\s*)?(?:fru|maka|hustru|flickvän|fästmö|kone)",
    r"(?:kona|konen|frua)\s+mi(?:n)?",
    r"vaimo\w{0,4}ni|tyttöystävä\w{0,4}ni|morsiame\w{0,4}ni",
    rf"{_PL_MY}\s+(?:byłą\s+|przyszłą\s+)?(?:żon\w+|narzeczon(?:a|ej|ą)|dziewczyn\w+)",
    rf"(?:{_PL_MY}\s+(?:byłą\s+|przyszłą\s+)?|(?=partnerk){_NOT_THEIRS})partnerk\w+",
    r"(?:(?:moje|mojí|mou|svou|svojej|svoju|moja|moju|mojou|s|se|so)\s+|(?=manželk)"
    + _NOT_THEIRS
    + r")manželk\w+",
    r"(?:moje|mojí|mou|svou|svojej|svoju|moja|moju|mojou)\s+partnerk\w+",
    r"(?:moj\w*|svoj\w*)\s+(?:žena|ženu|ženi|ženo|ženom|djevojka|djevojku|djevojkom|devojka"
    r"|devojku|devojkom)\b|(?:s|sa|z|se)\s+(?:ženom|ženo|djevojkom|devojkom)\b",
    r"(?:moja|moju|mojom|mojoj|svoju|svojom|svojoj)\s+suprug\w*",
    r"(?:мой|моего|моему|моим|мою|моя|моей|мои|свой|своего|своему|своим|свою|своя|своей|мій|мого|моєму|моїм|моєї|моєю|свій|свого|своєму|своїм|своєї|своєю)\s+(?:жена|жены|жене|жену|женой|дружина|дружини|дружині|дружину|дружиною|девушка"
    r"|девушки|девушке|девушку|девушкой|дівчина|дівчини|дівчині|дівчину|дівчиною)\b"
    r"|(?:с|со|з|із)\s+(?:женой|дружиною|девушкой|дівчиною|нареченою)\b",
    r"(?=жен)(?<!\b(?:её|ее|его|их|її|його)\s)(?:жене|жену|женой)\b",
    r"(?:жена|съпругата|приятелката)\s+ми",
    r"(?:soția|soţia|iubita|logodnica|partenera|soției|iubitei)\s+(?:mea|mele)|cu\s+soția",
    r"(?:mano|savo)\s+(?:žmon\w+|mergin\w+|sužadėtin(?:ė|ę|ei))",
    r"(?:mana|manai|manu|savai|savu|sava)\s+(?:siev\w+|draudzen\w+)",
    r"feleségem\w*",
    r"(?:η|την|της|με\s+την)\s+(?:γυναίκα|σύζυγο|σύζυγος|σύντροφο|σύντροφος|κοπέλα)\s+μου",
    r"(?-i:[kK]arım(?:ı|a|la|dan|ın)?)",
    r"istri\s*(?:saya|ku|aku|gue|gw)|isteri\s*(?:saya|ku|aku)|istriku|isteriku|cewek\s*(?:saya|ku|aku|gue)",
    r"(?:misis|girlfriend|gf)\s+ko(?:ng)?",
    r"(?-i:[vV]ợ\s+(?:tôi|anh|mình)|[bB]ạn\s+gái\s+(?:tôi|anh|mình))",
    r"mke\s+wangu|mpenzi\s+wangu\s+wa\s+kike",
    r"(?:madanm|madam|fanm)\s+mwen",
]
# A partner of either sex; the name after it says which ("mi pareja, Javier").
_EITHER_PARTNERS = [
    r"mis?\s+(?:ex\s*-?\s*)?pareja|mi\s+expareja|mi\s+ex(?=,)",
    r"(?:meu|minha)\s+(?:parceir[oa]|ex(?=,))",
    r"(?:mio|mia)\s+partner",
    r"(?:mijn|m'n)\s+(?:partner|verloofde)",
    r"(?:min|mitt)\s+(?:sambo|partner|kjæreste|samboer|forlovede|kæreste|samlever)|(?:samboeren|kjæresten)\s+min",
    r"(?:avo)?puoliso\w{0,4}ni|kumppani\w{0,4}ni",
    r"párom\w*|élettársam\w*",
    r"(?-i:[sS]evgilim(?:i|e|le|den|in)?|[eE]şim(?:i|e|le|den|in)?)",
    r"pacar\s*(?:saya|ku|aku|gue)|pacarku|pasangan\s*(?:saya|ku)",
    r"(?:asawa|jowa|partner)\s+ko(?:ng)?",
    r"mpenzi\s+wangu(?!\s+wa)",
    r"mennaj\s+mwen",
]
# "z mężem siostry", "муж сестры": a relative's partner, in the genitive after the word.
# Every partner phrase above holds one of these words, or a word that begins with one of
# these stems (lower case, without accents): a text with none is not tried at all, which
# spares an English ticket the phrases' cost (tests/test_couples_languages.py checks the
# gate against every example).
_GATE_WORDS = _words(
    "man make mand mann fru maka kone kona konen frua mari fanm madam madanm mennaj mume mke "
    "gf bf mister misis asawa jowa sambo ex vo ban zen moz muz deck"
)
_GATE_STEMS = tuple(
    _words(
        "prometid marid espos namorad noiv companheir marit fidanzat compagn ragazz fiance "
        "petit mann ehemann verlobt lebensgef echtgeno pojkvan fastman fastmo ektemann ægtemand "
        "hustru flickvan samboer samlever kjæreste kæreste forlovede miehe aviomiehe poikaystava "
        "sulhase vaimo tyttoystava morsiame puoliso avopuoliso kumppani maz mez chłopak narzeczon "
        "partner zon dziewczyn manzel muz moz deck zen djevojk devojk suprug муж хлопц хлопец "
        "парен парн чоловік жених жен дружин девушк дівчин наречен мъж съпруг приятел sotul "
        "sotia sotiei sotului iubit logodnic partener vyr vaikin suzadetin zmon mergin vir puis "
        "siev draudzen ferjem felesegem parom elettarsam αντρα συζυγ συντροφ αγορι γυναικα "
        "κοπελα kocam arkadasım karım sevgilim esim suami cowok istri isteri cewek pacar "
        "pasangan boyfriend girlfriend chong mpenzi mujer pareja expareja exesposa mulher "
        "parceir moglie frau ehefrau vrouw verloofde"
    )
)
_GATE_TOKEN = regex.compile(r"\w+")


def _may_hold_a_partner(plain: str) -> bool:
    return any(
        word in _GATE_WORDS or word.startswith(_GATE_STEMS)
        for word in set(_GATE_TOKEN.findall(plain.lower()))
    )


_KIN_AFTER = (
    r"(?!\s+(?:(?:mojej|mojego|mé|mého|mojí|mojho|svojej|svojho|mojoj|mog|moje|моей|моего|моєї|мого)\s+)?"
    r"(?:siostry|brata|mamy|matki|córki|syna|kolegi|koleżanki|przyjaciela|przyjaciółki|cioci"
    r"|ciotki|babci|sąsiadki|sąsiada|szefa|szefowej|sestry|bratra|mámy|dcery|kamarádky|kamaráda"
    r"|sestre|mame|majke|kćeri|sina|prijateljice|prijatelja|сестры|брата|мамы|матери|дочери|сына"
    r"|подруги|друга|сестри|матері|доньки|сина|pani|pana|państwa|sąsiadki|koleżanki|соседки"
    r"|соседа|коллеги|сусідки|сусіда|колеги|klientki|klienta)\b)"
)
# "mi mujer de la limpieza", "il mio compagno di classe", "ma femme de ménage": not a partner.
_NOT_OF = r"(?!\s+(?:di|de|del|della|dello|dei|des|du|d')\b)"
_PARTNER_NAME = (
    rf"(?:\s*,?\s+(?:(?:o|a|el|la|il|le|na\s+si|si|ang|der|die|den)\s+)?(?P<name>{_NAME})\b)?"
)

# The writer's name: "sou a Fernanda", "ich bin Jonas", "ben Mehmet".
_SELF_NAME = (
    r"\b(?:eu\s+sou|sou|me\s+chamo|chamo-me|meu\s+nome\s+é|o\s+meu\s+nome\s+é|aqui\s+é|yo\s+soy"
    r"|sono|io\s+sono|mi\s+chiamo|il\s+mio\s+nome\s+è|ich\s+bin|ich\s+heiße|ich\s+heisse"
    r"|mein\s+name\s+ist|hier\s+ist|hier\s+schreibt|ik\s+ben|ik\s+heet|mijn\s+naam\s+is"
    r"|jag\s+heter|jag\s+är|mitt\s+namn\s+är|jeg\s+heter|jeg\s+hedder|jeg\s+er|mitt\s+navn\s+er"
    r"|mit\s+navn\s+er|olen|minä\s+olen|nimeni\s+on|jestem|nazywam\s+się|mam\s+na\s+imię"
    r"|z\s+tej\s+strony|jsem|jmenuji\s+se|jmenuju\s+se|volám\s+sa|ja\s+sam|zovem\s+se|jaz\s+sem"
    r"|ime\s+mi\s+je|sad\s+sam|sunt|eu\s+sunt|mă\s+numesc|numele\s+meu\s+(?:este|e)"
    r"|mano\s+vardas(?:\s+yra)?|aš\s+esu|mani\s+sauc|es\s+esmu|minu\s+nimi\s+on"
    r"|(?-i:ben)|benim\s+adım|adım|ismim|nama\s+saya|nama\s+aku"
    r"|(?<!\b(?:suami|istri|isteri|pacar|pasangan|anak|adik|kakak|ibu|bapak|ayah|teman|cowok|cewek"
    r"|mama|papa|kawan)\s)(?-i:saya|aku)"
    r"|ako\s+(?:po\s+)?si|ang\s+pangalan\s+ko\s+(?:po\s+)?ay|jina\s+langu\s+ni|naitwa"
    r"|mwen\s+se|non\s+mwen\s+se|mwen\s+rele)"
    rf"\s+(?:(?:o|a)\s+)?(?P<name>{_NAME})\b(?!\s*-|')"
    # "Daan en ik (Bram)", "Jag (Erik) och", "Jeg – Anders – står", "Yo, Esteban, me quedo"
    r"|\b(?:ich|ik|jag|jeg|yo|eu|io|moi|ja|já|én|aš|ben|saya|ako|minä|mina|jaz)\s*"
    r"(?:[(]\s*(?:ik\s+ben\s+|ich\s+bin\s+|jag\s+heter\s+|jeg\s+heter\s+|sou\s+|soy\s+|sono\s+)?"
    rf"(?P<name>{_NAME})\s*[)]|[–—-]\s*(?P<name>{_NAME})\s*[–—-])"
    # "Yo, Esteban, me quedo", "Jag, Johanna, vill" (not German and Nordic "Ja, Thomas,"
    # a reply)
    rf"|\b(?:yo|eu|io|moi|jag|jeg|ich|ik),\s+(?P<name>{_NAME}),"
)
# Hungarian, surname first: "Nagy Péter vagyok"; tried only where "vagyok" is (it would
# otherwise try every capitalised word).
_SELF_NAME_HUNGARIAN = rf"(?:(?<![\w'-]){_SURNAME}\s+)?(?P<name>{_NAME})\s+vagyok\b"
_SELF_WORDS = (
    r"\b(?:soy|sou|sono|je\s+suis|ich\s+bin|ik\s+ben|jag\s+är|jeg\s+er|jestem|jsem"
    r"|ja\s+sam|sunt|aš\s+esu|esu|es\s+esmu|я)\s+(?:(?:un|una|um|uma|uno|ein|eine|een|en|ei|a|yon)\s+)?"
    r"(?:(?P<m>hombre|chico|varón|homem|rapaz|uomo|ragazzo|homme|mec|gars|mann|man"
    r"|jongen|kille|fyr|gutt|mand|mężczyzną|facetem|chłopakiem|muž|chlap|kluk|muškarac|bărbat"
    r"|vyras|vīrietis|мужчина|парень|чоловік|хлопець)"
    r"|(?P<f>mujer|chica|mulher|moça|menina|garota|donna|ragazza|femme|fille|meuf|frau|vrouw"
    r"|meid|meisje|kvinna|tjej|kvinne|jente|kvinde|pige|kobietą|dziewczyną|žena|holka|žensko"
    r"|femeie|moteris|sieviete|женщина|девушка|жінка|дівчина))\b(?![-\w])"
    r"|\b(?:(?P<m>erkeğim|férfi\s+vagyok|lalaki\s+(?:po\s+)?ako|mimi\s+ni\s+mwan(?:a)?ume"
    r"|tôi\s+\(?nam\)?|(?:saya|aku|gue)\s+(?:seorang\s+)?(?:laki-laki|cowok|pria)"
    r"|mwen\s+se\s+(?:yon\s+)?gason)"
    r"|(?P<f>kadınım|nő\s+vagyok|babae\s+(?:po\s+)?ako|mimi\s+ni\s+mwanamke|tôi\s+\(?nữ\)?"
    r"|(?:saya|aku|gue)\s+(?:seorang\s+)?(?:perempuan|cewek|wanita)|mwen\s+se\s+(?:yon\s+)?fanm))\b"
)
_THANKS = (
    r"gracias|muchas\s+gracias|saludos|un\s+saludo|atentamente|cordialmente|obrigad[oa]"
    r"|muito\s+obrigad[oa]|abraços?|atenciosamente|cumprimentos|beijos?|grazie(?:\s+mille)?"
    r"|cordiali\s+saluti|distinti\s+saluti|saluti|un\s+saluto|cordialement|merci(?:\s+beaucoup)?"
    r"|bien\s+à\s+vous|salutations|bisous|(?:viele|liebe|beste|freundliche|herzliche)\s+grüße"
    r"|grüße|gruß|mit\s+freundlichen\s+grüßen|lg|vg|mfg|danke(?:\s+schön)?|groeten|groetjes"
    r"|met\s+vriendelijke\s+groet(?:en)?|mvg|bedankt|dank\s+je(?:\s+wel)?|hälsningar|tak|mange\s+tak|takk|tusen\s+takk"
    r"|med\s+vänliga\s+hälsningar|mvh|vh|tack|hilsen|med\s+vennlig\s+hilsen|venlig\s+hilsen"
    r"|kiitos|terveisin|ystävällisin\s+terveisin|pozdrawiam|dziękuję|z\s+poważaniem"
    r"|s\s+pozdravem|děkuji|s\s+pozdravom|ďakujem|lp|lep\s+pozdrav|hvala|srdačan\s+pozdrav"
    r"|pozdrav|mulțumesc|cu\s+stimă|cu\s+drag|ačiū|pagarbiai|ar\s+cieņu|paldies"
    r"|(?P<hungarian>köszönöm|köszönettel|üdvözlettel|üdv|tisztelettel)|teşekkürler|saygılarımla|terima\s+kasih|salam|salamat(?:\s+po)?|asante|mèsi"
)
_TITLES = r"sr|sra|srta|herr|frau|mme|mlle|pan|pani|dhr|mevr|sig|sig\.ra|signor|signora"
_AND = r"and|og|und|en|y|e|et|och|i|a|és|ir|și|ve|dan|at|&"
_SIGN_OFF = (
    rf"(?:^|[\s.!?,)])(?:{_THANKS})[,!.]?\s*(?:(?P<title>{_TITLES})\.?\s+)?(?P<name>{_NAME})"
    rf"(?P<surname>\s+{_SURNAME})?(?:\s+(?:{_AND})\s+(?P<other>{_NAME})(?:\s+{_SURNAME})?)?"
    r"(?:\s*\([^)]{0,60}\))?\s*[.!]?\s*\Z"
)

# The writer's sex from grammar, read on the text as written. A word after a
# first-person verb ("estoy", "sono", "je suis", "jestem", "я") is judged by its ending.
_ADVERBS = (
    r"(?:(?:muy|tan|super|súper|bastante|algo|un\s+poco|re|bien|más|mas|totalmente|ya|todavía|aún"
    r"|bem|muito|tão|mais|meio|já|ainda|até|ate|molto|subito|appena|sempre|anche|qui|tanto|così|davvero|proprio|già|ancora|troppo|un\s+po'"
    r"|très|tres|vraiment|tellement|un\s+peu|trop|toujours|déjà|deja|encore|pas|plus|aussi|si"
    r"|hyper|assez|complètement|bardzo|naprawdę|już|nadal|foarte|tare|deja|încă|chiar|уже|очень"
    r"|тоже|так|вже|дуже|теж)\s+){0,2}"
)
_ROMANCE = (
    r"\b(?:estoy|(?<!\b(?:the|a|my|of|with|and|no|some)\s)soy|me\s+siento|he\s+estado|he\s+sido|me\s+he\s+quedado|estuve|fui"
    r"|estou|sou|fiquei|estive|me\s+sinto|sinto-me|tenho\s+estado"
    r"|sono|mi\s+sono|ero|mi\s+sento|sono\s+stat[oa]"
    r"|je\s+suis|j'étais|j'etais|je\s+me\s+suis|je\s+me\s+sens|je\s+reste"
    r"|sunt|eu\s+sunt|mă\s+simt|ma\s+simt|am\s+fost)\s+"
    rf"{_ADVERBS}(?P<word>(?-i:\p{{Ll}}{{3,}}))\b(?!['-])"
)
_SLAVIC = (
    # Polish: "zamówiłam", "chciałbym", "jestem zadowolona"
    r"\b(?P<pl>(?-i:\p{L}\p{Ll}+(?:łem|łam|łbym|łabym)))\b"
    r"|\bjestem\s+" + _ADVERBS + r"(?P<plj>(?-i:\p{Ll}{3,}))\b"
    # Czech and Slovak: "objednal jsem", "jsem si objednala", "chcel by som"
    r"|\b(?P<cs>(?-i:\p{L}\p{Ll}*[aeiouyáéíěů]la?))\s+(?:jsem|bych|by\s+som)\b"
    r"|\b(?:jsem|bych)\s+(?:(?:si|se|sa|už|uz|to|ho|ji|ju|tam)\s+){0,2}"
    r"(?P<cs>(?-i:\p{Ll}+[aeiouyáéíěů]la?))\b"
    # Croatian, Serbian, Bosnian: "naručio sam", "sam se udala"
    r"|\b(?P<hr>(?-i:\p{L}\p{Ll}*(?:[aeiu]o|la)))\s+(?-i:sam)\b"
    r"|\b(?-i:sam)\s+(?:(?:se|ga|je|to|već|vec|ih)\s+){0,2}(?P<hr>(?-i:\p{Ll}+(?:[aeiu]o|la)))\b"
    # Russian and Ukrainian: "я заказала", "я оформив", "я рада"
    r"|\bя\s+(?:(?:уже|не|ещё|еще|вчера|сегодня|тоже|также|только|просто|вже|теж|також|сьогодні"
    r"|вчора|ж|же|и|і|сам|сама|бы|б)\s+){0,3}(?P<ru>(?-i:\p{Ll}{2,}))\b"
    # Bulgarian: "поръчала съм", "съм доволна"
    r"|\b(?P<bg>(?-i:\p{L}\p{Ll}+(?:ла|л)))\s+(?:съм|бих)\b|\bсъм\s+(?P<bg>(?-i:\p{Ll}{2,}(?:на|ен|ла|л)))\b"
    # Lithuanian and Latvian: "esu nusivylęs"/"nusivylusi", "esmu pasūtījis"/"pasūtījusi"
    r"|\besu\s+(?:labai\s+|jau\s+)?(?P<lt>(?-i:\p{Ll}{3,}(?:ęs|usi)))\b"
    r"|\besmu\s+(?:ļoti\s+|jau\s+)?(?P<lt>(?-i:\p{Ll}{3,}(?:is|usi)))\b"
)
# Portuguese thanks: "Obrigada!" from a woman ("a empresa é obrigada a" is not thanks).
# "Obrigado" is not a man's: many women write it.
_OBRIGADO = (
    r"(?<!\b(?:é|foi|está|são|ser|será|fica|ficou|seria|estão|estava|era)\s)"
    r"\b(?:muito\s+|desde\s+já\s+)?obrigad(?P<ending>a)\b(?!\s+a\s|\s+por\s+lei)"
)


# Romance words that are not participles but carry the sex ("contenta", "harto").
_ROMANCE_MALE = _words(
    "contento harto seguro nuevo soltero viudo listo molesto tranquilo nervioso furioso atento "
    "satisfecho dispuesto grato novo solteiro viúvo sozinho satisfeito chateado "
    "stanco sicuro nuovo certo deluso soddisfatto pronto grato "
    "déçu venu parti sorti ravi inquiet content heureux prêt sûr seul nouveau certain furieux "
    "perdu mécontent convaincu surpris inscrit né sigur nou convins"
)
_ROMANCE_FEMALE = _words(
    "contenta harta segura nueva soltera viuda lista molesta tranquila nerviosa furiosa atenta "
    "satisfecha dispuesta grata embarazada nova solteira viúva sozinha satisfeita chateada grávida "
    "stanca sicura nuova certa delusa soddisfatta pronta incinta "
    "déçue venue partie sortie ravie inquiète contente heureuse prête sûre seule nouvelle "
    "certaine furieuse perdue mécontente convaincue surprise inscrite née enceinte sigură nouă "
    "convinsă"
)
# Participles that end like a sex but are not the writer's ("estoy al tanto", "sunt gata").
_ROMANCE_NEITHER = _words(
    "gata data pata nata rata tanto solo sola tutto tutta questo tout toute até subito"
)
# Polish nouns in the instrumental that end like a first-person past ("z kanałem").
_POLISH_NOUNS = _words(
    "kanałem sygnałem materiałem udziałem działem kapitałem oryginałem stołem kołem dołem "
    "czołem aniołem kościołem węzłem orłem mułem pawłem michałem rafałem upałem zapałem "
    "wałem szałem ideałem pyłem popiołem generałem admirałem"
)
# Polish pasts with a consonant before "-łem" ("mogłem"); other such words are nouns
# ("hasłem", "światłem", "źródłem", "szkłem"): a man's past is read after a vowel.
_POLISH_CONSONANT_PASTS = _words(
    "mogłem pomogłem przemogłem poszedłem szedłem przyszedłem wyszedłem wszedłem odszedłem "
    "zszedłem podszedłem doszedłem znalazłem zjadłem jadłem usiadłem siadłem ukradłem "
    "niosłem przyniosłem zaniosłem wniosłem wyniosłem wiozłem przywiozłem zawiozłem "
    "rzekłem uciekłem upiekłem mógłbym pomógłbym poszedłbym przyszedłbym"
)
_POLISH_MALE = _words(
    "zadowolony pewny pewien wdzięczny żonaty gotowy sam zły rozczarowany zmęczony "
    "zaniepokojony klientem"
)
_POLISH_FEMALE = _words(
    "zadowolona pewna wdzięczna zamężna gotowa sama zła rozczarowana zmęczona "
    "zaniepokojona klientką"
)
_RUSSIAN_MALE = _words("рад благодарен уверен согласен доволен женат готов сам")
_RUSSIAN_FEMALE = _words("рада благодарна уверена согласна довольна замужем готова сама вдячна")
_RUSSIAN_NEITHER = _words("не на из по от для все всё")


@dataclass(frozen=True, slots=True)
class Partner:
    """``text[start:end]`` is the writer's partner: ``sex`` from the word or ``name``."""

    start: int
    end: int
    sex: Sex | None
    name: str | None


def partners(text: str, plain: str, t: float | None) -> Iterator[Partner]:
    """Partner words in the other languages, with the name after them when there is one;
    ``plain`` is ``bare(text)``."""
    if not _may_hold_a_partner(plain):
        return
    patterns = _patterns()
    # Greek and Cyrillic partner words are tried only in a text that has those letters.
    partner = patterns.partner if _GREEK_OR_CYRILLIC.search(plain) else patterns.partner_latin
    for match in partner.finditer(plain, timeout=t):
        sex: Sex | None = "m" if match["m"] else "f" if match["f"] else None
        name = text[match.start("name") : match.end("name")] if match["name"] else None
        yield Partner(match.start(), match.end(), sex, name)


def self_names(text: str, plain: str, t: float | None) -> list[str]:
    """The names the writer gives as their own; ``plain`` is ``bare(text)``."""
    patterns = _patterns()
    found = list(patterns.self_name.finditer(plain, timeout=t))
    if "vagyok" in plain.lower():
        found += patterns.self_name_hungarian.finditer(plain, timeout=t)
    return [text[m.start("name") : m.end("name")] for m in found]


def sign_off(text: str, t: float | None) -> regex.Match[str] | None:
    """A sign-off in another language at the end of ``text`` ("Viele Grüße, Thomas")."""
    return _patterns().sign_off.search(bare(text[-160:]), timeout=t)


def writer_sexes(text: str, t: float | None) -> set[Sex]:
    """What the writer's own words and grammar say of their sex (both, one or neither)."""
    found: set[Sex] = set()
    patterns = _patterns()
    # As written: without accents Swedish "mån" (keen) would be "man".
    for match in patterns.self_words.finditer(text, timeout=t):
        found.add("m" if match["m"] else "f")
    if patterns.obrigado.search(text, timeout=t):
        found.add("f")
    for match in patterns.romance.finditer(text, timeout=t):
        found.update(_romance_sex(match["word"]))
    for match in patterns.slavic.finditer(text, timeout=t):
        found.update(_slavic_sex(match))
    return found


def _romance_sex(word: str) -> set[Sex]:
    if word in _ROMANCE_NEITHER:
        return set()
    if word in _ROMANCE_MALE:
        return {"m"}
    if word in _ROMANCE_FEMALE:
        return {"f"}
    if word.endswith("ée"):
        return {"f"}
    if word.endswith("é"):
        return {"m"}
    bare_word = bare(word)
    # Spanish, Portuguese and Italian participles; Romanian ones ("mulțumită").
    if len(bare_word) > 4 and bare_word.endswith(("ado", "ido", "ato", "ito", "uto")):
        return {"m"}
    if len(bare_word) > 4 and bare_word.endswith(("ada", "ida", "ata", "ita", "uta")):
        return {"f"}
    if len(word) > 4 and word.endswith(("ită", "ată", "ută")):
        return {"f"}
    # French and Romanian masculines: "inscrit", "candidat", "căsătorit".
    if len(bare_word) > 4 and bare_word.endswith(("it", "at", "ut")):
        return {"m"}
    return set()


def _slavic_sex(match: regex.Match[str]) -> set[Sex]:
    if word := match["pl"]:
        word = word.lower()
        if word.endswith(("łam", "łabym")):
            return {"f"}
        at = word.rfind("ł")
        after_vowel = at > 0 and word[at - 1] in "aąeęioóuy"
        if word in _POLISH_NOUNS or not (after_vowel or word in _POLISH_CONSONANT_PASTS):
            return set()
        return {"m"}
    if word := match["plj"]:
        return {"m"} if word in _POLISH_MALE else {"f"} if word in _POLISH_FEMALE else set()
    if word := match["cs"]:
        return {"f"} if word.endswith("la") else {"m"}
    if word := match["hr"]:
        return {"f"} if word.endswith("la") else {"m"}
    if word := match["ru"]:
        if word in _RUSSIAN_NEITHER:
            return set()
        if word in _RUSSIAN_MALE:
            return {"m"}
        if word in _RUSSIAN_FEMALE:
            return {"f"}
        if word.endswith("ла") and len(word) >= 4:
            return {"f"}
        if word.endswith(("л", "в")) and len(word) >= 3:
            return {"m"}
        return set()
    if word := match["lt"]:
        return {"f"} if word.endswith("usi") else {"m"}
    if word := match["bg"]:
        return {"f"} if word.endswith(("ла", "на")) else {"m"}
    return set()


_GREEK_OR_CYRILLIC = regex.compile(r"[\u0370-\u04FF]")


@dataclass(frozen=True)
class _Patterns:
    partner: regex.Pattern[str]
    partner_latin: regex.Pattern[str]
    self_name: regex.Pattern[str]
    self_name_hungarian: regex.Pattern[str]
    self_words: regex.Pattern[str]
    sign_off: regex.Pattern[str]
    obrigado: regex.Pattern[str]
    romance: regex.Pattern[str]
    slavic: regex.Pattern[str]


@functools.cache
def _patterns() -> _Patterns:
    """Compiled once, on first use; the partner and name patterns without accents."""

    def join(words: list[str]) -> str:
        return "|".join(bare(w) for w in words)

    def partner(latin_only: bool) -> regex.Pattern[str]:
        def kept(words: list[str]) -> str:
            return join([w for w in words if not (latin_only and _GREEK_OR_CYRILLIC.search(w))])

        return regex.compile(
            rf"\b(?:(?P<m>{kept(_MALE_PARTNERS)})|(?P<f>{kept(_FEMALE_PARTNERS)})"
            rf"|(?P<either>{kept(_EITHER_PARTNERS)}))\b{bare(_KIN_AFTER)}{_NOT_OF}{_PARTNER_NAME}",
            _FLAGS,
        )

    return _Patterns(
        partner=partner(latin_only=False),
        partner_latin=partner(latin_only=True),
        self_name=regex.compile(bare(_SELF_NAME), _FLAGS),
        self_name_hungarian=regex.compile(bare(_SELF_NAME_HUNGARIAN), _FLAGS),
        self_words=regex.compile(_SELF_WORDS, _FLAGS),
        sign_off=regex.compile(bare(_SIGN_OFF), _FLAGS),
        obrigado=regex.compile(_OBRIGADO, _FLAGS),
        romance=regex.compile(_ROMANCE, _FLAGS),
        slavic=regex.compile(_SLAVIC, _FLAGS),
    )
