"""The lexicon of other languages' category words: phrases, personal words, vetoes, the shipped files."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.detect.categories import CategoryClassifier
from gateway.detect.lexicon import Lexicon, read_languages
from gateway.detect.lexicon_entries import fold
from gateway.errors import DetectionError
from gateway.policy.schema import CATEGORY_NAMES

THRESHOLD = 0.7  # the policy default

SPANISH: dict[str, Any] = {
    "language": "Spanish",
    "function": ["el", "los", "que", "para", "con", "del", "pero"],
    "personal": ["mi", "soy", "tengo", "hija", "yo"],
    "not_before": ["para"],
    "not_after": ["app"],
    "units_under_a_year": ["meses"],
    "categories": {
        "health": {
            "said": ["tengo/padezco cáncer/fibromialgia", "soy diabétic*", "estoy _ embarazada"],
            "words": ["quimioterapia", "diabétic*", "may cancer"],
        },
        "children": {"said": ["mi hijo/hija/bebé de # años/meses", "# años mi hijo"]},
        "trade_union": {
            "said": ["j'ai fait grève", "afiliado a Comisiones Obreras"],
            "words": ["sindicato"],
        },
    },
}


def found(lexicon: Lexicon, text: str) -> list[tuple[str, str, float]]:
    return [(h.category, text[h.start : h.end], h.score) for h in lexicon.find(text)]


@pytest.fixture(scope="module")
def spanish() -> Lexicon:
    return Lexicon({"es": SPANISH})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a said phrase is the category on its own, in any case, with or without accents
        ("Tengo fibromialgia y no puedo cargar peso.", [("health", "Tengo fibromialgia", 0.9)]),
        ("SOY DIABETICA tipo 2", [("health", "SOY DIABETICA", 0.9)]),
        ("estoy muy embarazada", [("health", "estoy muy embarazada", 0.9)]),
        # an elision splits as the phrase does
        ("J'ai fait grève le 7 mars.", [("trade_union", "J'ai fait grève", 0.9)]),
        # a word needs a personal word of its language in its sentence, and one word
        # alone two words of its language near it: in an English sentence a foreign
        # word is a name or a topic far more often
        ("Mi quimioterapia empieza el lunes, pero...", [("health", "quimioterapia", 0.8)]),
        ("my sindicato dues went up", []),
        ("Mi quimioterapia empieza el lunes", []),
        # capitalised mid-sentence, a name
        ("Mi dirección es Calle Sindicato 4", []),
        ("Sindicato: mi cuota, que pago con los bonos", [("trade_union", "Sindicato", 0.8)]),
        # a number in its place
        ("Mi hija de 7 años viaja sola", [("children", "Mi hija de 7 años", 0.9)]),
        ("Mi hija de siete años viaja sola", []),
        ("tiene 12 años mi hijo", [("children", "12 años mi hijo", 0.9)]),
        # months are not years: a baby of 20 months is a child, a son of 20 years is not
        ("Mi bebé de 20 meses", [("children", "Mi bebé de 20 meses", 0.9)]),
        ("Mi hijo de 20 años", []),
        # an entry that writes a capital holds a name: it matches in either case
        (
            "Soy afiliado a Comisiones Obreras",
            [("trade_union", "afiliado a Comisiones Obreras", 0.9)],
        ),
        (
            "soy afiliado a comisiones obreras",
            [("trade_union", "afiliado a comisiones obreras", 0.9)],
        ),
        # quoted as a label
        ("mi app pone 'sindicato' en los gastos", []),
        ("La quimioterapia es cara. Mi pedido llegó.", []),
        ("El sindicato convocó huelga en el aeropuerto", []),
        # vetoes next to the word: a product, an app
        ("Compré tiras para diabéticos, mi pedido no llega", []),
        ("mi quimioterapia app no funciona", []),
        # part of an address or a code
        ("escribe a mi sindicato@ejemplo.es", []),
        ("la IP de mi oficina es b72c:d2sindicato:de0b, que los", []),
        # a phrase of English words counts only in a sentence of its language
        ("my mom may cancer the order", []),
        ("mi mamá may cancer pero los médicos", [("health", "may cancer", 0.8)]),
    ],
)
def test_phrases_in_their_context(spanish: Lexicon, text: str, expected: list[Any]) -> None:
    assert found(spanish, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a sentence's opening marks are not words before it
        ("¿Tengo cáncer? Los médicos...", [("health", "Tengo cáncer", 0.9)]),
        ("• Tengo fibromialgia", [("health", "Tengo fibromialgia", 0.9)]),
        # a phrase's words are parted by spaces, a hyphen or an apostrophe, not code
        ("columna tengo_cancer = 1", []),
        ("ver tengo/cancer para más", []),
        # a number of any length is read without fail; 18 and more is not a child's age
        ("Mi hija de " + "9" * 5000 + " años", []),
        ("Mi hija de 007 años", [("children", "Mi hija de 007 años", 0.9)]),
        # the said phrase wins over a word at the same place
        ("Soy diabético, pero los", [("health", "Soy diabético", 0.9)]),
    ],
)
def test_the_edges_of_a_phrase(spanish: Lexicon, text: str, expected: list[Any]) -> None:
    assert found(spanish, text) == expected


def test_a_full_stop_inside_a_word_does_not_end_a_sentence() -> None:
    german = Lexicon(
        {
            "de": {
                "nouns_capitalised": True,
                "categories": {"trade_union": {"said": ["bin bei ver.di"]}},
            }
        }
    )
    assert [h.entry for h in german.find("Ich bin bei ver.di organisiert.")] == ["bin bei ver.di"]


_BORROWING = Lexicon(
    {
        "de": {
            "nouns_capitalised": True,
            "function": ["und", "nicht", "ich"],
            "personal": ["ich", "mein"],
            "categories": {
                "criminal_record": {"words": ["bewährung"], "borrowed": ["vorstrafe*"]},
                "trade_union": {"borrowed": ["warnstreik", "union"]},
            },
        }
    }
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Kept untranslated in English, next to the writer: the category.
        ("I have a Vorstrafe from 2019, is that a problem?", ["vorstrafe*"]),
        ("hi, my Vorstrafen are old", ["vorstrafe*"]),
        ("we had Warnstreik 3 days so my pay is late", ["warnstreik"]),
        ("Ich habe eine Vorstrafe.", ["vorstrafe*"]),
        # A word that is not borrowed needs a sentence of its language.
        ("I am on Bewährung till May", []),
        ("my husband has a Vorstrafe", ["vorstrafe*"]),
        ("i've got a Vorstrafe from 2019", ["vorstrafe*"]),
        # No person just before it: news, a topic, someone's parcel.
        ("The Warnstreik at the airport delayed the parcel.", []),
        ("My parcel is stuck because of the Warnstreik", []),
        # "i" is "in" in the Nordic languages, Danish "I" is "you" and "I går" "yesterday";
        # "Phase I" a numeral: only "I" before an English word or an apostrophe is a person.
        ("stor Warnstreik i Hamburg idag", []),
        ("Kan I sende fakturaen, er der Warnstreik?", []),
        ("I går var der Warnstreik", []),
        ("Phase I of the Warnstreik", []),
        # An English title or product after it.
        ("my Vorstrafe book arrived", []),
        # An English word is never borrowed from another language.
        ("my union card", []),
    ],
)
def test_a_borrowed_word_counts_in_an_english_sentence_next_to_a_person(
    text: str, expected: list[str]
) -> None:
    assert [h.entry for h in _BORROWING.find(text)] == expected


def test_entries_of_several_words_are_not_split_into_personal_words_or_vetoes() -> None:
    # "m'a" would make "a" a personal word, "na temat" would make "na" a veto
    french = Lexicon(
        {
            "fr": {
                "function": ["dans", "avec"],
                "personal": ["m'a", "mon"],
                "not_before": ["na temat"],
                "categories": {"health": {"words": ["chimiothérapie"]}},
            }
        }
    )
    assert french.find("La clinique a fermé dans le service de chimiothérapie avec") == []
    assert found(french, "mon service de chimiothérapie, dans et avec") == [
        ("health", "chimiothérapie", 0.8)
    ]


def test_a_text_of_one_phrase_repeated_runs_out_of_time(spanish: Lexicon) -> None:
    with pytest.raises(TimeoutError):
        spanish.find("tengo " * 20_000, timeout=0.0)


def test_the_classifier_fails_closed_when_the_lexicon_runs_out_of_time() -> None:
    slow = CategoryClassifier.load(names=["health"], timeout_ms=1, model=False)
    with pytest.raises(DetectionError):
        slow.classify("jeg er " * 60_000)


def test_a_sentence_ends_a_phrase_and_its_personal_words(spanish: Lexicon) -> None:
    assert found(spanish, "Tengo. Fibromialgia es un libro") == []
    far = "mi que los " + "palabra " * 11 + "quimioterapia"
    assert found(spanish, far) == []
    assert found(spanish, "mi que los " + "palabra " * 9 + "quimioterapia") != []


def test_a_language_that_capitalises_nouns_keeps_them() -> None:
    german = Lexicon(
        {
            "de": {
                "function": ["ich", "zahle"],
                "personal": ["meine"],
                "nouns_capitalised": True,
                "categories": {"trade_union": {"words": ["gewerkschaft"]}},
            }
        }
    )
    assert found(german, "Ich zahle meine Beiträge an die Gewerkschaft") == [
        ("trade_union", "Gewerkschaft", 0.8)
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tôi bị can trong vụ đó nên cần đổi tên tài khoản", ["bị can"]),
        # typed with accents, a word must have the phrase's: "cạn" (run down) is not "can"
        ("Pin của tôi bị cạn rất nhanh sau khi cập nhật", []),
        # typed plain, as chats often are, it matches either way
        ("toi bi can trong vu do nen can doi ten", ["bị can"]),
    ],
)
def test_where_accents_tell_words_apart_they_are_read(text: str, expected: list[str]) -> None:
    document = {
        "personal": ["tôi"],
        "categories": {"criminal_record": {"said": ["bị can"]}},
    }
    vietnamese = Lexicon({"vi": {**document, "accents_matter": True}})
    assert [h.entry for h in vietnamese.find(text)] == expected
    # elsewhere accents are folded away
    assert Lexicon({"vi": document}).find("Pin của tôi bị cạn rất nhanh") != []


def test_accents_are_compared_as_written_by_either_spelling() -> None:
    # old and new tone placement ("hoà", "hòa") are one word; a sentence with one accented
    # word in plain typing, or a name pasted in, is read plain
    vietnamese = Lexicon(
        {
            "vi": {
                "accents_matter": True,
                "personal": ["tôi"],
                "categories": {
                    "religion": {"said": ["theo Hòa Hảo"]},
                    "health": {"said": ["đang hóa trị"]},
                },
            }
        }
    )
    for text in (
        "Gia đình tôi theo Hoà Hảo nên ăn chay",
        "Gia đình tôi theo Hòa Hảo nên ăn chay",
        "Shop ơi, toi dang hoa tri nen giao hang cham giup",
        "toi dang hoa tri o benh vien Bạch Mai nen giao cham",
    ):
        assert vietnamese.find(text) != [], text


def test_text_whose_marks_were_stripped_is_read_plain() -> None:
    # normalize() drops combining marks on plain letters but keeps "đ"
    classifier = CategoryClassifier.load(model=False)
    decomposed = unicodedata.normalize("NFD", "Tôi bị đột quỵ nên cần đổi tên tài khoản")
    assert "health" in blocked(classifier, decomposed)


def test_only_a_slot_of_names_may_be_written_with_a_capital() -> None:
    # "Kristian" and "Sinta" are people's names; the entries' capitals are elsewhere
    classifier = CategoryClassifier.load(model=False)
    assert blocked(classifier, "Halo, saya Kristian dari Bandung, mau tanya ongkir?") == set()
    assert blocked(classifier, "Salve, sono Sinta e vorrei cambiare l'indirizzo.") == set()
    assert "trade_union" in blocked(classifier, "Sono iscritto alla Fiom da anni, la tessera?")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mi hijo tiene 30 días de vacaciones y cambia el vuelo", []),
        ("Mi bebé de 20 meses viaja", ["mi bebé de # meses"]),
        ("Mtoto wangu ana miezi 20 na anasafiri", ["mtoto wangu ana miezi #"]),
    ],
)
def test_a_unit_counts_only_inside_the_phrase(text: str, expected: list[str]) -> None:
    lexicon = Lexicon(
        {
            "xx": {
                "units_under_a_year": ["meses", "días", "miezi"],
                "categories": {
                    "children": {
                        "said": ["mi hijo tiene #", "mi bebé de # meses", "mtoto wangu ana miezi #"]
                    }
                },
            }
        }
    )
    assert [h.entry for h in lexicon.find(text)] == expected


def test_categories_are_asked_for(spanish: Lexicon) -> None:
    both = "Tengo cáncer y mi sindicato que los"
    assert [h.category for h in spanish.find(both, ["trade_union"])] == ["trade_union"]
    assert spanish.find("Tengo cáncer", ["legal"]) == []


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"categories": {"health": {"said": ["dia*"]}}}, "a stem needs 4 letters"),
        ({"categories": {"health": {"said": ["_ embarazada"]}}}, "must begin with a word"),
        ({"categories": {"wealth": {"said": ["rico"]}}}, "unknown category 'wealth'"),
        ({"categories": {"children": {"said": ["# _"]}}}, "needs a word"),
        ({"categories": {"health": {"said": "tengo cancer"}}}, "categories.health.said: expected"),
        ({"categories": {"health": ["tengo cancer"]}}, "must map each category"),
        ({"categories": {"health": {"saidd": ["x"]}}}, "unknown field 'saidd'"),
        ({"personnal": ["mi"]}, "unknown field 'personnal'"),
        (
            {"accents_matter": True, "categories": {"health": {"said": ["bị bệnh*"]}}},
            "no stems where accents matter",
        ),
        (["mi"], "must be a mapping"),
    ],
)
def test_a_broken_file_is_refused_by_name(document: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Lexicon({"xx": document})


@given(st.text(max_size=200))
def test_folding_keeps_every_offset(text: str) -> None:
    assert len(fold(text)) == len(text)


def test_folding_drops_case_and_accents() -> None:
    assert fold("Diabético ÇOĞ Ärzte KIZIM Łódź") == "diabetico cog arzte kizim lodz"


# --- the shipped files -------------------------------------------------------------------

KNOWN_KEYS = {
    "language",
    "function",
    "personal",
    "not_before",
    "not_after",
    "not_with",
    "nouns_capitalised",
    "peoples_capitalised",
    "units_under_a_year",
    "accents_matter",
    "categories",
}


def test_every_shipped_file_loads_and_names_only_known_fields() -> None:
    documents = read_languages()
    assert len(documents) >= 20
    for code, document in documents.items():
        assert set(document) <= KNOWN_KEYS, code
        assert document["units_under_a_year"], code  # every language says its months
        assert set(document["categories"]) <= set(CATEGORY_NAMES), code
        for lists in document["categories"].values():
            assert set(lists) <= {
                "said",
                "words",
                "borrowed",
                "not_before",
                "not_after",
                "not_with",
            }, code
    Lexicon(documents)


@pytest.fixture(scope="module")
def rules() -> CategoryClassifier:
    return CategoryClassifier.load(model=False)


def blocked(classifier: CategoryClassifier, text: str) -> set[str]:
    return {h.category for h in classifier.classify(text) if h.score >= THRESHOLD}


# Written for these tests, one per category, in ten languages.
IN_OTHER_LANGUAGES = [
    (
        "health",
        "Hola, tengo fibromialgia y no puedo cargar peso, ¿pueden subir el pedido al cuarto piso?",
    ),
    ("health", "Bom dia, sou diabético tipo 2 e preciso mudar a entrega para terça, pedido 99210."),
    (
        "health",
        "Guten Tag, ich bin seit März krankgeschrieben und kann die Rate für den Kredit nicht zahlen.",
    ),
    (
        "religion",
        "Nous sommes musulmans et nous jeûnons pendant le ramadan, merci de livrer après le coucher du soleil.",
    ),
    (
        "trade_union",
        "Ik ben lid van de vakbond en de contributie is twee keer afgeschreven, klantnummer 4410.",
    ),
    (
        "criminal_record",
        "Jag avtjänade ett fängelsestraff på två år och kom ut i februari, hur öppnar jag ett konto?",
    ),
    (
        "children",
        "Mi hija de 7 años viaja sola en el vuelo del martes, ¿cómo contrato el servicio de acompañamiento?",
    ),
    ("legal", "Ho dato mandato al mio avvocato per la questione della fattura, vi contatterà lui."),
    (
        "sexual_orientation",
        "Jestem gejem i mój partner chce być współwłaścicielem konta, jak to zrobić?",
    ),
    ("ethnic_origin", "Jsem Rom a na pobočce mi odmítli otevřít účet, chci podat stížnost."),
    # names written as the language writes them, with their capitals
    ("trade_union", "Soy afiliado a Comisiones Obreras y quiero el descuento para afiliados."),
    ("religion", "Somos Testigos de Jehová y no celebramos cumpleaños, quiten el correo."),
    ("children", "Hola, mi bebé de 20 meses viaja con nosotros, ¿necesita asiento propio?"),
    # from the third pass's reviewers' rewordings (bench/data/reviews/lexicon3-*)
    (
        "trade_union",
        "Sono iscritto alla Fiom e mi hanno addebitato la tessera due volte sul conto.",
    ),
    (
        "religion",
        "Jestem Świadkiem Jehowy i nie obchodzę urodzin, proszę wyłączyć te powiadomienia.",
    ),
    (
        "criminal_record",
        "Kakalaya ko lang galing Bilibid, paano ko ma-recover ang luma kong account?",
    ),
    # Words kept in English by their speakers (borrowed), and chat without the pronoun.
    ("criminal_record", "Hi, I have a Vorstrafe from 2019, can I still open the account?"),
    ("criminal_record", "my husband has a fodlænke until March, please deliver to the door"),
    ("criminal_record", "I'm on prøveløslatelse since May and need a new SIM"),
    ("criminal_record", "Hallo, bin vorbestraft und brauche trotzdem ein Basiskonto."),
    ("trade_union", "my förtroendeman said the dues are paid by the union, not me"),
    ("trade_union", "I am hovedtillitsvalgt at the plant, so I call a lot"),
    ("criminal_record", "my husband has a Fodlænke until March"),
    ("trade_union", "My wife is a Tillidsrepræsentant at the hospital"),
    ("criminal_record", "i'm on prøveløslatelse since may and need a new SIM"),
    # The fifth pass (Central and Eastern European languages); an age given as an aside,
    # and a name in a "_" slot.
    ("children", "Dzień dobry, córka (12 lat) jedzie sama do babci, czy kierowca ją przypilnuje?"),
    ("children", "Моя донька Софія, 7 років, ходить у перший клас, потрібен простий телефон."),
    ("children", "Dobrý deň, kúpil synovi (9 r.) lístok do Rakúska bez môjho súhlasu."),
    ("criminal_record", "Am fost respins, am o condamnare din 2015 pentru condus fără permis."),
    ("legal", "Dobrý den, žádám o výmaz všech mých osobních údajů podle čl. 17 GDPR."),
    ("sexual_orientation", "A feleségemmel közös számlát nyitnánk, mindketten nők vagyunk."),
    ("children", "Dobrý den, syn – 12 let – jede sám do Brna, potřebuje souhlas?"),
    ("criminal_record", "Brat je u zatvoru do ožujka, molim prebacite ugovor na mene."),
]

# A foreign phrase in an English sentence needs a personal word of its language:
# "tớ" is one in Vietnamese, but folded it is the English "to".
IN_ENGLISH = [
    "We're Cao Dai Travel, a tour operator in Tay Ninh, and need to update the photos.",
    "I thought it was the Témoins de Jéhovah at the door, so I missed the courier.",
]

# The lexicon reviewers' everyday tickets that an entry blocked before the review
# (bench/data/reviews/lexicon-review*-everyday.tsv).
EVERYDAY = [
    "Hola, llevo tres semanas esperando el reembolso de 89,90 € del pedido 55102 y ya estoy enfermo de tanto llamar, ¿alguien me puede dar una fecha?",
    "El vibrador de mi móvil dejó de funcionar a los dos meses; modelo A54, pedido 90017, quiero la reparación en garantía.",
    "Lo que me habéis cobrado de roaming en Andorra es un delito: 63 € por dos días en mi línea terminada en 802.",
    "Mi hermana es pediatra y necesita que la factura del portátil salga a nombre de su consulta, no a su nombre. Pedido 30087.",
    "Mi hotel está al lado del metro banco de españa; ¿el traslado desde el aeropuerto incluido en la reserva 7H2K llega hasta allí?",
    "Meu celular está com sintomas estranhos depois da atualização, desliga sozinho com 40% de bateria. Pedido 88213.",
    "Foi uma romaria para trocar o produto: três lojas e ninguém aceita a minha nota fiscal 55120.",
    "O vibrador do meu celular parou de funcionar, o aparelho não vibra mais com chamadas. Garantia até 2025, pedido 66120.",
    "Minha viagem de ônibus foi cancelada por causa do piquete na rodoviária; quero o reembolso da passagem 3321.",
    "Minha meia-calça cor da pele veio em tom muito escuro, quero trocar pelo tamanho M. Pedido 22190.",
    "Meu cartão ficou preso no caixa eletrônico da agência Centro às 14h, preciso de um novo com urgência.",
    "Vou fazer o papel de advogado do diabo: por que minha fatura de março veio com R$ 12 a mais?",
    "Ma machine à laver présente les symptômes décrits dans votre FAQ (code E21), commande 40517, pouvez-vous envoyer un technicien ?",
    "Mon baptême en parapente du 14 juin a été annulé à cause du vent, je voudrais reporter le bon cadeau n° 5521.",
    "Je vous fais mon coming out : j'ai toujours préféré l'ancienne version de l'appli, remettez le mode sombre !",
    "Mon TGV du 18 mars a été supprimé à cause du préavis de grève ; je demande le remboursement des 92 € du billet QX77.",
    "Mon fond de teint est bien trop clair par rapport à ma couleur de peau, je voudrais la teinte 04 à la place, commande 77301.",
    "Ma langue maternelle est l'espagnol, pouvez-vous me répondre en espagnol pour le dossier 5512 ?",
    "La mia pratica di rimborso è in terapia intensiva da due mesi: numero 88123, importo 74 €.",
    "Ho prenotato una messa in piega dal parrucchiere tramite la vostra app per sabato e mi hanno cancellato senza avviso.",
    # the third pass's reviewers' (bench/data/reviews/lexicon3-*-everyday.tsv)
    "Tengo una demanda altísima en mi tienda online desde el Black Friday y necesito pasar al plan Pro para no quedarme corto.",
    "Tô com febre de Copa e quero o álbum de figurinhas completo, vocês ainda têm em estoque?",
    "J'ai pris 12 mois d'abonnement premium et on m'a débité deux fois.",
    "Sono al terzo mese di abbonamento e il prezzo è già aumentato, come mai?",
    "Am o operație blocată în aplicația băncii de ieri, banii nu au ajuns.",
    "Ich hab MS Office bei euch gekauft, aber der Lizenzschlüssel funktioniert nicht.",
    "Mijn MS Teams koppeling met jullie agenda werkt sinds de laatste update niet meer.",
    "Jestem BI developerem w firmie logistycznej i potrzebuję dostępu do API raportów.",
    "Highblood ako sa inyo, tatlong beses nang na-reschedule ang delivery! Kailan darating yung order ko?",
    "Kucing saya lagi hamil tua, kandang ukuran L masih ada stok?",
    "Evde şekerim var, siparişten şekeri çıkarabilir misiniz?",
    "Tôi đặt bộ 6 ly thủy tinh, lúc giao ly bị vỡ 2 cái.",
    "Pin điện thoại của tôi bị cạn rất nhanh sau khi cập nhật phần mềm.",
    "Bé nhà mình là mèo Anh lông ngắn, hạt nào hợp với bé 3 tuổi?",
    # Borrowed words in their everyday senses, and events that happened to the writer.
    "De enkelband van mijn nieuwe sandalen is na twee dagen gescheurd.",
    "Jeg vil gerne forsikre min bøsse til jagtsæsonen.",
    "Jag satt inne hela dagen och väntade på leveransen.",
    "I was stuck at the Warnstreik at the airport and my voucher did not scan.",
    "My advocaat arrived with the seal broken.",
    "I'm a nurse in der JVA Stadelheim and our uniforms went to the wrong gate.",
    "Mein alter Router ist bei mir nur noch auf Bewährung.",
    # The fourth pass's code review: "I" that is not English, a business partner, news,
    # everyday senses of a borrowed word.
    "Har I åbent selvom der er strejkevagt foran butikken?",
    "I går stod der en streikevakt utenfor lageret, kom pakken?",
    "The logistics partner had a streikevakt outside the depot.",
    "My parcel is stuck because of the streikevakt at the terminal.",
    "Vi hade en trevlig stämning i butiken, min fru var nöjd.",
    "Mijn abonnement kost nu 91 euro per maand.",
    "my homo milk leaked in the bag",
    "my Tagessätze as a consultant went up, please update the invoice",
    # The fifth pass's review (bench/data/reviews/lexicon5-everyday.tsv): an adult's age in
    # an aside; request verbs ("môžem", "chcę") are not personal words; everyday senses.
    "Moja córka (34 lata) przyjedzie po odbiór paczki, proszę wydać jej zamówienie.",
    "Predavačka tvrdí, že zmena pohlavia je pri nich bežná — môžem ju vymeniť?",
    "Moja wiertarka przestała działać w trybie z udarem, jak zgłosić reklamację?",
    "Ovaj ugovor na 24 mjeseca je pravi zatvor — želim ga raskinuti nakon preseljenja.",
    "Zdravo, da li mogu da otvorim račun online ako živim u Beču a imam srpski pasoš?",
    "I bought our tickets for the Solidarność exhibition in Gdańsk online.",
    # From the fifth pass's code review: "N years ago", a warranty, an old object, a comma
    # after a family word, constipation, "tiny".
    "Mam syna, 2 lata temu kupiłem u was laptopa i już się zepsuł.",
    "Moja córka zamówiła 2 lata temu ten telefon, czy jest jeszcze gwarancja?",
    "Dzień dobry, dziecko, 3 lata gwarancji minęło?",
    "Донька, 2 роки тому ми замовили у вас роутер, а тепер він не вмикається.",
    "Sin prije 2 godine kupio ovaj mobitel, sada ne radi.",
    "Syn kupil 2 roky starý notebook, chci reklamaci.",
    "Imam zatvor pa mi treba laksativ iz vaše ljekarne.",
    "Moj račun je zatvoren bez objašnjenja.",
    "Am comandat o rochie mititică pentru mine și e prea mică.",
]


@pytest.mark.parametrize(("category", "text"), IN_OTHER_LANGUAGES)
def test_the_rules_find_the_categories_in_other_languages(
    rules: CategoryClassifier, category: str, text: str
) -> None:
    assert category in blocked(rules, text)


@pytest.mark.parametrize("text", IN_ENGLISH)
def test_a_foreign_name_in_an_english_sentence_is_not_a_category(
    rules: CategoryClassifier, text: str
) -> None:
    assert blocked(rules, text) == set()


@pytest.mark.parametrize("text", EVERYDAY)
def test_everyday_tickets_in_other_languages_are_not_categories(
    rules: CategoryClassifier, text: str
) -> None:
    assert blocked(rules, text) == set()


class _EveryPhrase(Lexicon):
    """The same lexicon asked every phrase at every word: what the index must agree with."""

    def _candidates(self, word: str, following: str) -> Any:
        seen: dict[int, Any] = {}
        for table in (self._exact, self._pairs, self._stems):
            for phrases in table.values():
                for phrase in phrases:
                    seen.setdefault(id(phrase), phrase)
        return iter(seen.values())


def _said_as_written(entry: str, pick: int) -> str:
    """One way to write an entry: an alternative per slot, a stem with an ending, a number."""
    out = []
    for part in entry.split():
        choices = part.split("/")
        word = choices[pick % len(choices)]
        out.append("muy" if word == "_" else "7" if word == "#" else word.replace("*", "os"))
    return " ".join(out)


@pytest.fixture(scope="module")
def german_and_spanish() -> tuple[Lexicon, Lexicon, list[str]]:
    documents = read_languages()
    wanted = {"de": documents["de"], "es": documents["es"]}
    pieces = sorted(
        {
            _said_as_written(str(entry), pick)
            for document in wanted.values()
            for lists in document["categories"].values()
            for kind in ("said", "words")
            for entry in lists.get(kind) or ()
            for pick in range(2)
        }
        | set(documents["es"]["personal"][:20])
        | set(documents["es"]["function"][:20])
        | set(documents["de"]["personal"][:20])
        | set(documents["de"]["function"][:20])
    )
    return Lexicon(wanted), _EveryPhrase(wanted), pieces


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_the_index_finds_what_every_phrase_finds(
    german_and_spanish: tuple[Lexicon, Lexicon, list[str]], data: st.DataObject
) -> None:
    indexed, brute, pieces = german_and_spanish
    chosen = data.draw(st.lists(st.sampled_from(pieces), min_size=1, max_size=8))
    glue = data.draw(
        st.lists(
            st.sampled_from([" ", " ", " ", ", ", ". ", " 7 ", " 17 "]), min_size=8, max_size=8
        )
    )
    text = "".join(w + g for w, g in zip(chosen, glue, strict=False))
    assert indexed.find(text) == brute.find(text)
