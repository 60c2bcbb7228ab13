"""Detection quality and speed: this project against stock Presidio, same tickets, same run.

    python -m bench.quality                 # 500 tickets, seed 20261123
    python -m bench.quality --count 2000 --seed 7

For every labelled personal-data value it asks whether each of its letters and
digits ended up inside a redacted span (a value redacted only in part counts as
leaked), and for every control value (order number, amount, product...) whether
it was left entirely alone. Stock Presidio is the default ``AnalyzerEngine`` and
``AnonymizerEngine``, given the same allow-list and the only English pipeline
that can be installed offline here (``en_core_web_sm``; its default
``en_core_web_lg`` would be downloaded at start-up).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from bench.corpus import Span, Ticket, generate, html
from bench.stock import stock_engines

Spans = list[tuple[int, int, str]]
HERE = Path(__file__).parent
STRICT = {
    "CREDIT_CARD", "IBAN_CODE", "US_SSN", "EMAIL_ADDRESS", "PHONE_NUMBER", "IP_ADDRESS", "SECRET",
}  # fmt: skip


def covered(label: Span, spans: Spans, text: str, markup: Sequence[bool] = ()) -> bool:
    """Every letter and digit of the value is inside a detection (markup aside)."""
    hit = [False] * (label.end - label.start)
    for start, end, _ in spans:
        for i in range(max(start, label.start), min(end, label.end)):
            hit[i - label.start] = True
    return all(
        h or not text[label.start + i].isalnum() or (markup and markup[label.start + i])
        for i, h in enumerate(hit)
    )


def touched(label: Span, spans: Spans) -> bool:
    return any(start < label.end and label.start < end for start, end, _ in spans)


def evaluate(
    tickets: Sequence[Ticket],
    spans_per_ticket: Sequence[Spans],
    markups: Sequence[Sequence[bool]] = (),
) -> dict[str, Any]:
    total: Counter[str] = Counter()
    protected: Counter[str] = Counter()
    detected: Counter[str] = Counter()
    true_detected: Counter[str] = Counter()
    controls_kept = 0
    controls = 0
    broken_controls: Counter[str] = Counter()
    for number, (ticket, spans) in enumerate(zip(tickets, spans_per_ticket, strict=True)):
        markup = markups[number] if markups else ()
        for label in ticket.pii:
            total[label.kind] += 1
            if covered(label, spans, ticket.text, markup):
                protected[label.kind] += 1
        for control in ticket.controls:
            controls += 1
            if touched(control, spans):
                broken_controls[control.kind] += 1
            else:
                controls_kept += 1
        for start, end, entity in spans:
            detected[entity] += 1
            if any(start < p.end and p.start < end for p in ticket.pii):
                true_detected[entity] += 1
    return {
        "total": total, "protected": protected, "detected": detected, "true_detected": true_detected,
        "controls": controls, "controls_kept": controls_kept, "broken_controls": broken_controls,
    }  # fmt: skip


def ours(
    policy_path: Path,
) -> tuple[Callable[[str], Spans], Callable[[str], str], Callable[[str], Spans]]:
    from presidio_anonymizer import AnonymizerEngine
    from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

    from gateway.core import load_detector
    from gateway.formats import markup
    from gateway.formats.pieces import View
    from gateway.policy import load_policy

    detector = load_detector(load_policy(policy_path))
    anonymizer = AnonymizerEngine()

    def detect(text: str) -> Spans:
        return [(d.start, d.end, d.entity) for d in detector.detect([text])[0]]

    def detect_html(body: str) -> Spans:
        # The gateway's own path for a string that holds HTML: its visible text
        # and readable attributes are detected, edits land on raw characters.
        view = View("body", body, markup.DEFAULT_ATTRIBUTES)
        found = detector.detect([p.value for p in view.pieces])
        results = [_Found([_Edit(d.start, d.end, d.entity) for d in items]) for items in found]
        return [(start, end, entity) for start, end, entity in view.edits(results)]

    def redact(text: str) -> str:
        results = [
            RecognizerResult(d.entity, d.start, d.end, d.score) for d in detector.detect([text])[0]
        ]
        return anonymizer.anonymize(text, results, {"DEFAULT": OperatorConfig("replace")}).text

    return detect, redact, detect_html


@dataclass(frozen=True)
class _Edit:
    start: int
    end: int
    text: str  # the entity: the bench needs no tokens


@dataclass(frozen=True)
class _Found:
    replacements: list[_Edit]


def stock(
    allow: list[str],
) -> tuple[Callable[[str], Spans], Callable[[str], str], Callable[[str], Spans]]:
    """Stock Presidio reads an HTML body as it comes: it has no HTML reader."""
    analyzer, anonymizer = stock_engines()

    def detect(text: str) -> Spans:
        return [
            (r.start, r.end, r.entity_type)
            for r in analyzer.analyze(text, language="en", allow_list=allow)
        ]

    def redact(text: str) -> str:
        return anonymizer.anonymize(
            text, analyzer.analyze(text, language="en", allow_list=allow)
        ).text

    return detect, redact, detect


def show_misses(
    tickets: Sequence[Ticket], spans: Sequence[Spans], markups: Sequence[Sequence[bool]], limit: int
) -> None:
    """Print the values a system leaked and the controls it broke (local debugging only)."""
    shown = 0
    for number, (ticket, found) in enumerate(zip(tickets, spans, strict=True)):
        markup = markups[number] if markups else ()
        for label in ticket.pii:
            if not covered(label, found, ticket.text, markup) and shown < limit:
                shown += 1
                context = ticket.text[max(0, label.start - 40) : label.end + 20]
                print(f"MISS {label.kind}: {label.value!r} in …{context!r}…", file=sys.stderr)
        for control in ticket.controls:
            if touched(control, found) and shown < limit:
                shown += 1
                hits = [
                    ticket.text[s:e] + "/" + k
                    for s, e, k in found
                    if s < control.end and control.start < e
                ]
                print(f"BROKE {control.kind}: {control.value!r} by {hits}", file=sys.stderr)


def timed(function: Callable[[str], object], texts: Sequence[str], rounds: int) -> float:
    """Best of ``rounds`` passes over all texts, in seconds per pass."""
    for text in texts[:20]:
        function(text)
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for text in texts:
            function(text)
        best = min(best, time.perf_counter() - started)
    return best


def pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--rounds", type=int, default=3, help="timing passes; the best is reported")
    parser.add_argument("--policy", type=Path, default=HERE / "policy.yaml")
    parser.add_argument(
        "--show-misses",
        type=int,
        default=0,
        help="print this many missed values (local debugging only)",
    )
    args = parser.parse_args()

    tickets = generate(args.count, args.seed)
    texts = [t.text for t in tickets]
    import yaml

    allow = yaml.safe_load(args.policy.read_text())["detection"]["allow"]
    print(
        f"corpus: {len(tickets)} tickets, seed {args.seed}, {sum(map(len, texts))} characters, "
        f"{sum(len(t.pii) for t in tickets)} personal-data values, {sum(len(t.controls) for t in tickets)} controls",
        file=sys.stderr,
    )
    systems = {"gateway": ours(args.policy), "stock Presidio": stock(allow)}
    results = {}
    speed = {}
    for name, (detect, redact, _) in systems.items():
        print(f"running {name}...", file=sys.stderr)
        spans = []
        for done, text in enumerate(texts, 1):
            spans.append(detect(text))
            if done % 100 == 0 or done == len(texts):
                print(f"\r  {done}/{len(texts)} tickets", end="", file=sys.stderr)
        print(file=sys.stderr)
        results[name] = evaluate(tickets, spans)
        speed[name] = (timed(detect, texts, args.rounds), timed(redact, texts, args.rounds))
        if args.show_misses and name == "gateway":
            show_misses(tickets, spans, [], args.show_misses)

    # The same tickets as helpdesk HTML bodies (Freshdesk's description, Zendesk's html_body).
    pages = [html(t, random.Random(f"{args.seed}-{t.id}")) for t in tickets]
    html_results = {}
    for name, (_, _, detect_html) in systems.items():
        print(f"running {name} on HTML bodies...", file=sys.stderr)
        found = [detect_html(page.text) for page, _ in pages]
        html_results[name] = evaluate([p for p, _ in pages], found, [m for _, m in pages])
        if args.show_misses and name == "gateway":
            show_misses([p for p, _ in pages], found, [m for _, m in pages], args.show_misses)

    ours_r, stock_r = results["gateway"], results["stock Presidio"]
    print(
        f"\nDetection quality, {len(tickets)} generated tickets (seed {args.seed}), {date.today()}, "
        f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}\n"
    )
    print(
        "| entity | values | gateway recall | gateway precision | stock Presidio recall | stock Presidio precision |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    entities = sorted(ours_r["total"], key=lambda e: -ours_r["total"][e])
    for entity in entities:
        print(
            f"| {entity} | {ours_r['total'][entity]} | {pct(ours_r['protected'][entity], ours_r['total'][entity])} | "
            f"{pct(ours_r['true_detected'][entity], ours_r['detected'][entity])} | "
            f"{pct(stock_r['protected'][entity], stock_r['total'][entity])} | "
            f"{pct(stock_r['true_detected'].get(entity, 0), stock_r['detected'].get(entity, 0))} |"
        )
    for name, r in results.items():
        values = sum(r["total"].values())
        leaked = values - sum(r["protected"].values())
        strict_leaked = sum(r["total"][e] - r["protected"][e] for e in STRICT)
        all_detected = sum(r["detected"].values())
        print(
            f"\n**{name}**: {leaked} of {values} values leaked ({pct(leaked, values)}); "
            f"cards, IBANs, SSNs, emails, phones, IPs, secrets leaked: {strict_leaked}; "
            f"controls kept {r['controls_kept']} of {r['controls']} ({pct(r['controls_kept'], r['controls'])}); "
            f"precision over all detections {pct(sum(r['true_detected'].values()), all_detected)}"
        )
        if r["broken_controls"]:
            print(f"  controls destroyed, by kind: {dict(r['broken_controls'].most_common())}")
    print("\nThe same tickets as HTML bodies\n")
    print("| system | values leaked | strict identifiers leaked | controls kept |")
    print("|---|---:|---:|---:|")
    for name, r in html_results.items():
        values = sum(r["total"].values())
        leaked = values - sum(r["protected"].values())
        strict_leaked = sum(r["total"][e] - r["protected"][e] for e in STRICT)
        print(
            f"| {name} | {leaked} of {values} ({pct(leaked, values)}) | {strict_leaked} | "
            f"{r['controls_kept']} of {r['controls']} ({pct(r['controls_kept'], r['controls'])}) |"
        )
    print(f"\nSpeed (best of {args.rounds} passes over the same tickets, one process)\n")
    print(
        "| system | detection, tickets/s | detection + anonymization, tickets/s | ms per ticket (detection) |"
    )
    print("|---|---:|---:|---:|")
    for name, (detect_s, redact_s) in speed.items():
        print(
            f"| {name} | {len(texts) / detect_s:.1f} | {len(texts) / redact_s:.1f} | {1000 * detect_s / len(texts):.2f} |"
        )
    ratio = speed["stock Presidio"][0] / speed["gateway"][0]
    print(f"\ngateway detection throughput = {ratio:.2f}x stock Presidio")


if __name__ == "__main__":
    main()
