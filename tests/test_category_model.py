"""The shipped category model beside the rules: windows, scale, offline load, policy switch."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.detect.categories import CategoryClassifier
from gateway.detect.category_model import (
    WINDOW_CHARS,
    CategoryModel,
    ModelHit,
    on_rules_scale,
    windows,
)
from gateway.policy.schema import CATEGORY_NAMES

ROOT = Path(__file__).resolve().parent.parent
MODEL_DIR = ROOT / "gateway" / "detect" / "models" / "categories"
THRESHOLD = 0.7


@pytest.fixture(scope="module")
def with_model() -> CategoryClassifier:
    return CategoryClassifier.load()


@pytest.fixture(scope="module")
def rules_only() -> CategoryClassifier:
    return CategoryClassifier.load(model=False)


def blocked(classifier: CategoryClassifier, text: str) -> dict[str, str]:
    """Category -> the tier of its strongest hit at or above the threshold."""
    found: dict[str, tuple[float, str]] = {}
    for hit in classifier.classify(text):
        if hit.score >= THRESHOLD and hit.score > found.get(hit.category, (0.0, ""))[0]:
            found[hit.category] = (hit.score, hit.tier)
    return {category: tier for category, (_, tier) in found.items()}


def test_the_model_ships_in_the_package_and_names_its_operating_point() -> None:
    meta = json.loads((MODEL_DIR / "gateway.json").read_text(encoding="utf-8"))
    assert 0.0 < meta["operating_point"] < 1.0
    # Trained on dev sets only: a hold-out never reaches training.
    assert meta["dev_sets"]
    assert not any("holdout" in name for name in meta["dev_sets"])
    model = CategoryModel.load(CATEGORY_NAMES)
    assert model.categories == CATEGORY_NAMES


@pytest.mark.parametrize(
    ("text", "category"),
    [
        (
            "We skip meat on Fridays before Easter, so please swap the box for the fish one.",
            "religion",
        ),
        # The model reads lower case: capitals are not new words to it.
        (
            "WE SKIP MEAT ON FRIDAYS BEFORE EASTER, SO PLEASE SWAP THE BOX FOR THE FISH ONE.",
            "religion",
        ),
        (
            "I have a record now after the thing at the protest, and the bank closed my account.",
            "criminal_record",
        ),
        ("During the fast we only eat after sunset, so please deliver after 8pm.", "religion"),
    ],
)
def test_the_model_adds_what_the_rules_have_no_phrase_for(
    with_model: CategoryClassifier, rules_only: CategoryClassifier, text: str, category: str
) -> None:
    assert category not in blocked(rules_only, text)
    assert blocked(with_model, text).get(category) == "model"


@pytest.mark.parametrize(
    "text",
    [
        "Where is my insulin pump order? It was due on Tuesday.",
        "The /health endpoint returns 500 since the last deploy.",
        "Which legal entity should be on the invoice for order 4471?",
        "My credit union card was declined at checkout.",
        "Please change the delivery address on order #48213 to 12 Church Street.",
    ],
)
def test_the_model_leaves_near_misses_alone(with_model: CategoryClassifier, text: str) -> None:
    assert blocked(with_model, text) == {}


@pytest.mark.parametrize(
    "text",
    [
        # A partner word alone says nothing: the couples finder reads names.
        "My wife and I booked a double room for our anniversary, could we have a quiet table?",
        "My husband and I are going to Spain in May, does my plan cover roaming?",
        # Repetition is not evidence.
        "no no no no no no no no no no that's not what I ordered",
        "yes\n" * 30,
        "please please please please refund me " * 2,
    ],
)
def test_everyday_text_is_not_a_category_to_the_model(
    with_model: CategoryClassifier, text: str
) -> None:
    assert not [h for h in with_model.classify(text) if h.tier == "model" and h.score >= THRESHOLD]


def test_a_vetoed_near_miss_does_not_hide_the_rest_of_its_window(
    with_model: CategoryClassifier,
) -> None:
    # "Church Street" is a near miss the rules veto; the model scores the
    # window with those words blanked, and the rest still says it.
    text = (
        "The box goes to 12 Church Street. During the fast we only eat after sunset, so "
        "please deliver after 8pm."
    )
    assert blocked(with_model, text).get("religion") == "model"
    assert not blocked(CategoryClassifier.load(model=False), text)


def test_model_hits_carry_their_tier_and_a_window_of_the_original_text(
    with_model: CategoryClassifier,
) -> None:
    # Zero-width characters are normalised away before scoring; spans are mapped back.
    text = "Order 5521 is late.\u200b We keep ha\u200blal, so no pork in the box please."
    hits = [h for h in with_model.classify(text) if h.tier == "model"]
    assert hits
    for hit in hits:
        assert 0 <= hit.start < hit.end <= len(text)
        assert text[hit.start : hit.end].strip() == text[hit.start : hit.end]


def test_the_rules_alone_never_report_a_model_hit(rules_only: CategoryClassifier) -> None:
    assert rules_only.model is None
    text = "We keep halal at home, so please take the pork pizza off my standing order."
    assert all(h.tier != "model" for h in rules_only.classify(text))


def test_a_long_ordinary_text_is_read_in_windows_and_not_blocked(
    with_model: CategoryClassifier,
) -> None:
    # Read whole, a long text sums evidence from everywhere: it is read in windows.
    sentence = "My parcel for order 5521 has not arrived and the tracking page shows nothing. "
    text = sentence * 400
    assert blocked(with_model, text) == {}
    assert all(h.end - h.start <= WINDOW_CHARS for h in with_model.classify(text))


def test_the_scale_puts_the_operating_point_at_the_policy_default() -> None:
    assert on_rules_scale(0.5, 0.5) == 0.7
    assert on_rules_scale(1.0, 0.5) == 0.99
    assert on_rules_scale(0.0, 0.5) == 0.0
    assert on_rules_scale(0.25, 0.5) == 0.35


@settings(max_examples=200, deadline=None)
@given(st.floats(0, 1), st.floats(0, 1), st.floats(0.05, 0.95))
def test_the_scale_keeps_the_order_of_probabilities(a: float, b: float, point: float) -> None:
    low, high = sorted((a, b))
    assert on_rules_scale(low, point) <= on_rules_scale(high, point)


def test_windows_are_whole_sentences_up_to_the_size() -> None:
    text = "First one. Second one!  Third?\nFourth line"
    assert [text[s:e] for s, e in windows(text, size=25)] == [
        "First one. Second one!",
        "Third?\nFourth line",
    ]
    assert [text[s:e] for s, e in windows(text)] == [text]


def test_a_sentence_longer_than_a_window_is_cut() -> None:
    text = "a" * 1500
    assert list(windows(text, size=600)) == [(0, 600), (600, 1200), (1200, 1500)]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab .!?\n\t"), max_size=400), st.integers(5, 80))
def test_windows_are_ordered_bounded_and_cover_every_letter(text: str, size: int) -> None:
    spans = list(windows(text, size=size))
    covered: set[int] = set()
    last = 0
    for start, end in spans:
        assert last <= start < end <= len(text)
        assert end - start <= size
        last = end
        covered.update(range(start, end))
    assert all(i in covered for i, c in enumerate(text) if c.isalpha())


def test_a_policy_can_turn_the_model_off() -> None:
    from gateway.core import load_classifier
    from gateway.policy.loader import parse_policy

    text = (
        "version: 1\ntenant: acme\nvendor: demo\nupstream: http://127.0.0.1:9\n"
        "categories: {health: {action: block}}\n"
        "routes: [{name: all, methods: [POST], path: /x}]\n"
    )
    with_model = load_classifier(parse_policy(text.encode(), "on.yaml"))
    off = text + "detection: {category_model: false}\n"
    without = load_classifier(parse_policy(off.encode(), "off.yaml"))
    assert with_model is not None
    assert with_model.model is not None
    assert without is not None
    assert without.model is None


@pytest.mark.parametrize(
    "damage",
    [
        "weights",
        "unchecked",
        "operating_point",
        "own_point",
        "own_label",
        "labels",
        "meta",
        "missing",
    ],
)
def test_a_damaged_model_fails_at_load_not_per_request(tmp_path: Path, damage: str) -> None:
    import shutil

    from gateway.errors import DetectionError

    copy = tmp_path / "categories"
    shutil.copytree(MODEL_DIR, copy)
    meta_path = copy / "gateway.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if damage == "weights":
        weights = copy / "textcat_multilabel" / "model"
        data = bytearray(weights.read_bytes())
        data[len(data) // 2] ^= 0xFF
        weights.write_bytes(bytes(data))
    elif damage == "unchecked":
        meta_path.write_text(json.dumps({k: v for k, v in meta.items() if k != "sha256"}), "utf-8")
    elif damage == "operating_point":
        meta_path.write_text(json.dumps({**meta, "operating_point": 1.0}), encoding="utf-8")
    elif damage == "own_point":
        meta_path.write_text(json.dumps({**meta, "operating_points": {"legal": 0}}), "utf-8")
    elif damage == "own_label":
        meta_path.write_text(json.dumps({**meta, "operating_points": {"lgeal": 0.9}}), "utf-8")
    elif damage == "labels":
        categories = [*CATEGORY_NAMES, "not_a_category"]
    elif damage == "meta":
        meta_path.write_text("[]", encoding="utf-8")
    else:
        shutil.rmtree(copy / "textcat_multilabel")
    with pytest.raises(DetectionError):
        CategoryModel.from_disk(copy, categories if damage == "labels" else CATEGORY_NAMES)


def _given_vectors(tmp_path: Path) -> tuple[Path, Path, dict[str, Any]]:
    """A copy of the shipped model whose (first) network reads a small word-vector
    table, checksummed as training writes it: (model, network, its metadata)."""
    import hashlib
    import shutil

    import numpy
    import spacy
    from spacy.vectors import Vectors

    copy = tmp_path / "categories"
    shutil.copytree(MODEL_DIR, copy)
    meta = json.loads((copy / "gateway.json").read_text(encoding="utf-8"))
    entry = meta["members"][0] if "members" in meta else meta
    network = copy / str(entry.get("path", "."))
    nlp = spacy.load(network)
    words = ["chemo", "union"]
    keys = [nlp.vocab.strings.add(w) for w in words]
    table = numpy.ones((len(words), 8), dtype="float32")
    nlp.vocab.vectors = Vectors(strings=nlp.vocab.strings, data=table, keys=keys)
    nlp.vocab.to_disk(network / "vocab")
    vectors = (network / "vocab" / "vectors").read_bytes()
    entry["vectors_sha256"] = hashlib.sha256(vectors).hexdigest()
    (copy / "gateway.json").write_text(json.dumps(meta), encoding="utf-8")
    return copy, network, meta


def test_word_vectors_are_checked_like_the_weights(tmp_path: Path) -> None:
    from gateway.errors import DetectionError

    copy, network, _ = _given_vectors(tmp_path)
    model = CategoryModel.from_disk(copy, CATEGORY_NAMES)
    assert model.networks[0].vocab.vectors.shape == (2, 8)
    vectors = network / "vocab" / "vectors"
    data = bytearray(vectors.read_bytes())
    data[-1] ^= 0xFF
    vectors.write_bytes(bytes(data))
    with pytest.raises(DetectionError, match="its word vectors are not the ones"):
        CategoryModel.from_disk(copy, CATEGORY_NAMES)


def test_word_vectors_no_checksum_covers_are_refused(tmp_path: Path) -> None:
    from gateway.errors import DetectionError

    copy, _, meta = _given_vectors(tmp_path)
    for entry in [meta, *meta.get("members", [])]:
        entry.pop("vectors_sha256", None)
    (copy / "gateway.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(DetectionError, match="no checksum covers"):
        CategoryModel.from_disk(copy, CATEGORY_NAMES)


def test_a_batch_finds_what_each_text_finds_alone(with_model: CategoryClassifier) -> None:
    # A request's fields are scored by the model in one batch (one call into spaCy).
    texts = [
        "Subject: order 5521",
        "",
        "   ",
        "We skip meat on Fridays before Easter, so please swap the box for the fish one.",
        "The box goes to 12 Church Street. We skip meat on Fridays before Easter, so please "
        "swap it for the fish one.",
        "My parcel for order 5521 has not arrived. " * 40,
        "I'm diabetic and the pump failed.",
    ]
    batch = with_model.classify_many(texts)
    assert batch == [with_model.classify(text) for text in texts]
    assert any(hit.tier == "model" for hit in batch[3])


def test_a_vetoed_near_miss_alone_is_not_the_models_to_overturn(
    with_model: CategoryClassifier,
) -> None:
    # "kosher section", "halal filter": near misses the rules veto, and the
    # shipped classifier blocks nothing here.
    near_miss = "The kosher section of the app is empty and the halal filter does nothing."
    assert blocked(with_model, near_miss) == {}
    # The mechanism, on words every retraining reads as religion: for the
    # category that vetoed them, the window is scored with them blanked.
    text = "We keep halal at home, so please take the pork pizza off my standing order."
    model = with_model.model
    assert model is not None
    vetoed = {"religion": [(text.index(w), text.index(w) + len(w)) for w in ("halal", "pork")]}

    def religion(hits: list[ModelHit]) -> float:
        return max((h.score for h in hits if h.category == "religion"), default=0.0)

    assert religion(model.hits(text, vetoed)) < religion(model.hits(text))


def test_a_category_with_its_own_operating_point_is_judged_by_it() -> None:
    # Legal words are everyday in complaints: the model may name a higher point
    # for legal alone. The same probability blocks health and not legal.
    model = CategoryModel([_Fixed()], 0.8, ("health", "legal"), {"legal": 0.95})
    assert model.operating_points == {"health": 0.8, "legal": 0.95}
    hits = {h.category: h.score for h in model._judge({"health": 0.9, "legal": 0.9}, 0, 5)}
    assert hits["health"] >= THRESHOLD > hits["legal"]
    assert hits["legal"] == on_rules_scale(0.9, 0.95)


def _ensemble(tmp_path: Path, names: list[str]) -> Path:
    """The shipped model's networks, copied as an ensemble's members under ``names``."""
    import shutil

    single = CategoryModel.from_disk(MODEL_DIR, CATEGORY_NAMES)
    meta = json.loads((MODEL_DIR / "gateway.json").read_text(encoding="utf-8"))
    root = tmp_path / "ensemble"
    members = []
    for name in names:
        source = MODEL_DIR / meta["members"][0]["path"] if "members" in meta else MODEL_DIR
        shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("gateway.json", "seed*"))
        first = meta["members"][0] if "members" in meta else meta
        members.append({"path": name, **{k: v for k, v in first.items() if "sha256" in k}})
    own = dict(single.operating_points)
    root.joinpath("gateway.json").write_text(
        json.dumps(
            {"operating_point": single.operating_point, "operating_points": own, "members": members}
        ),
        encoding="utf-8",
    )
    return root


def test_an_ensemble_scores_the_median_of_its_members(tmp_path: Path) -> None:
    text = "We skip meat on Fridays before Easter, so please swap the box for the fish one."
    single = CategoryModel.from_disk(MODEL_DIR, CATEGORY_NAMES)
    three = CategoryModel.from_disk(_ensemble(tmp_path, ["a", "b", "c"]), CATEGORY_NAMES)
    # Three copies of one network: the median is that network's own score.
    assert three.hits(text) == single.hits(text)
    assert three._score([text]) == single._score([text])


def test_an_ensemble_member_with_damaged_weights_fails_at_load(tmp_path: Path) -> None:
    from gateway.errors import DetectionError

    root = _ensemble(tmp_path, ["a", "b"])
    weights = root / "b" / "textcat_multilabel" / "model"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(DetectionError, match="b: its weights"):
        CategoryModel.from_disk(root, CATEGORY_NAMES)


class _Fixed:
    """A stand-in network that gives every text the same probabilities."""

    def __init__(self, **cats: float) -> None:
        self.cats = cats

    def pipe(self, texts: Any) -> list[Any]:
        return [self for _ in texts]


def test_an_ensemble_blocks_only_where_two_of_three_members_agree() -> None:
    quirk = CategoryModel(
        [
            _Fixed(religion=0.95, health=0.1),
            _Fixed(religion=0.2, health=0.9),
            _Fixed(religion=0.3, health=0.85),
        ],
        0.8,
        ("religion", "health"),
    )
    (scores,) = quirk._score(["Lent my card to my brother last week."])
    assert scores == {"religion": 0.3, "health": 0.85}
    assert {h.category for h in quirk.hits("Lent my card.") if h.score >= THRESHOLD} == {"health"}


def test_a_model_without_a_network_is_refused(tmp_path: Path) -> None:
    from gateway.errors import DetectionError

    with pytest.raises(ValueError, match="at least one network"):
        CategoryModel([], 0.8, ("health",))
    root = _ensemble(tmp_path, ["a"])
    meta = json.loads((root / "gateway.json").read_text(encoding="utf-8"))
    (root / "gateway.json").write_text(json.dumps({**meta, "members": []}), encoding="utf-8")
    with pytest.raises(DetectionError, match="at least one network"):
        CategoryModel.from_disk(root, CATEGORY_NAMES)
