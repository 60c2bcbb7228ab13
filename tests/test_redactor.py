from __future__ import annotations

from collections.abc import Callable

import pytest

from gateway.detect.detector import PresidioDetector
from gateway.errors import DetectionError, VaultError
from gateway.policy import Policy
from gateway.redact.operators import mask
from gateway.redact.redactor import EntityField, Redactor
from gateway.restore.restorer import Restorer
from gateway.vault import Vault
from tests.conftest import PolicyFactory, make_redactor

pytestmark = pytest.mark.anyio

TICKET = "Hi, I'm Jane Doe (jane.doe@example.com). Order ORD-48213, card 4111 1111 1111 1111, SSN 456-78-9012."


@pytest.mark.parametrize(
    ("value", "keep", "expected"),
    [
        ("4111 1111 1111 1111", 4, "**** **** **** 1111"),
        ("4111-1111", 0, "****-****"),
        ("12", 4, "12"),
    ],
)
def test_mask(value: str, keep: int, expected: str) -> None:
    assert mask(value, keep, "*") == expected


async def test_actions(
    make_policy: PolicyFactory, make_detector: Callable[[Policy], PresidioDetector], vault: Vault
) -> None:
    policy = make_policy(
        "version: 1\ntenant: acme\nvendor: t\nentities:\n"
        "  CREDIT_CARD: {action: mask, keep_last: 4}\n  US_SSN: {action: drop}\n  PERSON: {action: keep}\n"
    )
    redactor = make_redactor(policy, make_detector(policy), vault)
    text = (await redactor.redact("T-1", [TICKET])).texts[0].text
    assert "Jane Doe" in text  # keep
    assert "**** **** **** 1111" in text  # mask
    assert "[SSN]" in text
    assert "456-78-9012" not in text
    assert "jane.doe@example.com" not in text
    assert "EMAIL-" in text
    assert "ORD-48213" in text
    assert await vault.backend.count() == {"live": 1, "purged": 0}  # only the email was stored


async def test_same_value_same_token_within_scope(redactor: Redactor) -> None:
    first = await redactor.redact("T-1", ["Email jane.doe@example.com today"])
    second = await redactor.redact("T-1", ["and jane.doe@example.com again"])
    other = await redactor.redact("T-2", ["jane.doe@example.com"])
    token = first.replacements[0].token
    assert token is not None
    assert token == second.replacements[0].token
    assert other.replacements[0].token != token


async def test_entity_fields_are_replaced_whole_and_found_in_text(redactor: Redactor) -> None:
    result = await redactor.redact(
        "T-1",
        ["Ask zxq about it"],
        [EntityField("PERSON", "zxq"), EntityField("EMAIL_ADDRESS", "  ")],
    )
    assert "zxq" not in result.texts[0].text
    assert result.fields[0].text.startswith("PERSON-")
    assert result.fields[1].text == "  "  # blank fields stay as they are
    assert result.texts[0].replacements[0].token == result.fields[0].text


async def test_round_trip(redactor: Redactor, restorer: Restorer) -> None:
    redacted = (await redactor.redact("T-1", [TICKET])).texts[0].text
    for secret in ("Jane Doe", "jane.doe@example.com", "4111 1111 1111 1111", "456-78-9012"):
        assert secret not in redacted
    restored = await restorer.restore(redacted, {"T-1"})
    assert restored.text == TICKET


async def test_vault_failure_returns_nothing(redactor: Redactor, vault: Vault) -> None:
    await vault.backend._run(lambda c: c.execute("PRAGMA query_only = ON"))  # type: ignore[attr-defined]
    with pytest.raises(VaultError):
        await redactor.redact("T-1", [TICKET])


async def test_detector_failure_returns_nothing(policy: Policy, vault: Vault) -> None:
    class Broken:
        def detect_many(self, groups: object) -> object:
            raise DetectionError("the detector failed (RuntimeError)")

    with pytest.raises(DetectionError):
        await make_redactor(policy, Broken(), vault).redact("T-1", [TICKET])  # type: ignore[arg-type]


async def test_minted_tokens_restore_like_the_vault_does(
    redactor: Redactor, restorer: Restorer
) -> None:
    """The exchange's own answer restores from ``minted``: exactly what the vault would give."""
    redaction = await redactor.redact("T-1", [TICKET])
    assert {str(t) for t in redaction.minted} == {
        r.token for r in redaction.replacements if r.action == "token"
    }
    from_vault = await restorer.resolve(list(redaction.minted), {"T-1"})
    assert from_vault == redaction.minted
    echoed = redaction.texts[0].text
    with_cache = await restorer.restore_many([echoed], {"T-1"}, cache=dict(redaction.minted))
    assert with_cache[0] == (await restorer.restore(echoed, {"T-1"}))
