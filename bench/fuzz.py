"""Round-trip fuzzing: redact, then restore, must give back the input exactly.

    python -m bench.fuzz --count 200000 --seed 1

Inputs are random mixes of personal data, token-shaped fragments (labels of
the policy and others, in any case, with escaped and dashed hyphens, line
breaks and partial bodies) and arbitrary Unicode. Every entity is tokenized
(masks and drops are one-way by design). Detection is by pattern
only (no NER) so that hundreds of thousands of inputs run in minutes; the
vault is the in-memory one that passes the same contract tests as SQLite and
PostgreSQL. Any mismatch is printed with its input (which is synthetic) and
the run fails.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import string
import sys
import time

from gateway.core import in_thread
from gateway.detect.detector import PresidioDetector
from gateway.keys.crypto import Key, Secret
from gateway.keys.keyring import Keyring
from gateway.policy import load_policy, parse_policy
from gateway.redact.redactor import Redactor
from gateway.restore.restorer import Restorer
from gateway.vault import Vault
from gateway.vault.memory import MemoryBackend
from gateway.vault.tokens import ALPHABET

PII = [
    "Jane Doe", "jane.doe@example.com", "+1 (415) 555-0132", "4111 1111 1111 1111",
    "456-78-9012", "GB82 WEST 1234 5698 7654 32", "203.0.113.7", "221B Baker Street",
    "Thanks,\nMarta Kowalczyk", "Hi Élise,", "AKIAIOSFODNN7EXAMPLE", "SW1A 1AA",
]  # fmt: skip
LABELS = [
    "PERSON",
    "EMAIL",
    "PHONE",
    "IP",
    "VIP",
    "BANK",
    "PASSPORT",
    "SSN",
    "CARD",
    "X",
    "ADDRESS",
]
SEPARATORS = ["-", "&#45;", "&#x2d;", "%2D", "\\u002d", "\u2013", "-\n", "-\r\n> ", ""]
ENDS = ["", " ", "\n", "\n> ", "-", "=\r\n", "é"]


def fragment(rng: random.Random) -> str:
    label = rng.choice(LABELS)
    label = rng.choice([label, label.lower(), label.title()])
    body = "".join(rng.choice(ALPHABET + "\n" + "ilo") for _ in range(rng.randint(0, 10)))
    return label + rng.choice(SEPARATORS) + body + rng.choice(ENDS)


def noise(rng: random.Random) -> str:
    alphabet = string.ascii_letters + string.digits + " \n\t-.,:;@#&%=<>\"'" + "éÉßø\u200b\u00a0"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20)))


def sample(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(1, 8)):
        kind = rng.random()
        parts.append(
            rng.choice(PII) if kind < 0.35 else fragment(rng) if kind < 0.7 else noise(rng)
        )
    return "".join(parts)


async def run(count: int, seed: int, batch: int) -> int:
    # Every entity tokenized: masks and drops are one-way by design.
    base = load_policy("policies/default.yaml")
    rules = "".join(f"  {entity}: {{action: token}}\n" for entity in base.entity_types)
    policy = parse_policy(
        f"version: 1\ntenant: fuzz\nvendor: fuzz\nentities:\n{rules}".encode(), "fuzz.yaml"
    )
    keyring = Keyring(Key("t1", Secret(b"t" * 32)), (Key.generate("v1"),), "fuzz")
    vault = Vault(MemoryBackend(), keyring)
    redactor = Redactor(policy, vault, in_thread(PresidioDetector(policy, None)))
    restorer = Restorer(vault, policy.tenant, policy.labels)
    rng = random.Random(seed)
    mismatches = 0
    started = time.monotonic()
    for done in range(0, count, batch):
        texts = [sample(rng) for _ in range(min(batch, count - done))]
        redacted = await redactor.redact("fuzz", texts)
        restored = await restorer.restore_many([r.text for r in redacted.texts], {"fuzz"})
        for text, back in zip(texts, restored, strict=True):
            if back.text != text:
                mismatches += 1
                if mismatches <= 10:
                    print(f"MISMATCH {text!r} -> {back.text!r}", file=sys.stderr)
        if (done + len(texts)) % 10_000 < batch or done + len(texts) == count:
            print(
                f"\r  {done + len(texts)}/{count} inputs, {mismatches} mismatches, "
                f"{time.monotonic() - started:.0f} s",
                end="",
                file=sys.stderr,
            )
    print(file=sys.stderr)
    await vault.close()
    return mismatches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch", type=int, default=200, help="inputs per redaction call")
    args = parser.parse_args()
    mismatches = asyncio.run(run(args.count, args.seed, args.batch))
    print(f"round-trip fuzz: {args.count} inputs (seed {args.seed}), {mismatches} mismatches")
    sys.exit(1 if mismatches else 0)


if __name__ == "__main__":
    main()
