"""Finding addresses: the gateway's recognizers against pyap2, a maintained address finder.

    .venv-bench/bin/python -m bench.addresses

The issue that asked for better addresses suggested evaluating maintained
libraries before writing patterns by hand. Two were looked at:

* ``pyap2`` finds US, Canadian and UK addresses in free text with regular
  expressions. It is measured here, on both corpora, with the same scoring as
  the benchmark each comes from, counting address detections only.
* ``usaddress`` (a CRF model) parses a string already known to be a US
  address into its parts, labelling every token it is given; it does not find
  an address inside a ticket, so it cannot replace a recognizer, and is not
  measured.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from spacy.lang.en.stop_words import STOP_WORDS

from bench import corpus, evaluator, quality

Finder = Callable[[str], list[tuple[int, int]]]


def gateway() -> Finder:
    from gateway.core import load_detector
    from gateway.policy import load_policy

    detector = load_detector(load_policy(quality.HERE / "policy.yaml"))
    wanted = {"STREET_ADDRESS", "UK_POSTCODE"}
    return lambda text: [(d.start, d.end) for d in detector.detect([text])[0] if d.entity in wanted]


def pyap2(text: str) -> list[tuple[int, int]]:
    import pyap

    found = []
    for country in ("US", "GB", "CA"):
        for address in pyap.parse(text, country=country):
            start = text.find(address.full_address)
            if start >= 0:
                found.append((start, start + len(address.full_address)))
    return found


def main() -> None:
    sentences = evaluator.generate(2000, 7)
    tickets = corpus.generate(1000, 20261123)
    stop_words = frozenset(STOP_WORDS)
    print(
        "| finder | our corpus: addresses found whole | presidio-evaluator: addresses leaked | seconds |"
    )
    print("|---|---:|---:|---:|")
    for name, find in (("gateway", gateway()), ("pyap2 0.2.20", pyap2)):
        started = time.perf_counter()
        total = whole = 0
        for ticket in tickets:
            spans = [(start, end, "") for start, end in find(ticket.text)]
            for label in ticket.pii:
                if label.kind == "STREET_ADDRESS":
                    total += 1
                    whole += quality.covered(label, spans, ticket.text)
        values = leaks = 0
        for sentence in sentences:
            hit = evaluator.covered_chars(find(sentence.text), len(sentence.text))
            for label in sentence.labels:
                if label.entity == "STREET_ADDRESS":
                    values += 1
                    leaks += evaluator.leaked(sentence.text, label, hit, stop_words)
        print(
            f"| {name} | {whole} of {total} ({quality.pct(whole, total)}) | "
            f"{leaks} of {values} ({quality.pct(leaks, values)}) | {time.perf_counter() - started:.1f} |"
        )
    print(
        "\nour corpus: 1000 tickets, seed 20261123; presidio-evaluator: 2000 sentences, seed 7",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
