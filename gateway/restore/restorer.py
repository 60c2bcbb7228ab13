"""Restore: find tokens in what comes back from a vendor and put the values back.

Tokens are found by a grammar (:mod:`gateway.restore.finder`) that forgives
what vendors and agents do to them. When the hyphen came escaped, the value is
put back escaped the same way, so the surrounding document stays well-formed.
Tokens that are unknown, fail their check character, belong to another tenant
or scope, were purged or have expired are left exactly as they are and
reported. Values go back through the ``restore`` operator
(:mod:`gateway.restore.operators`) and one linear splice.
"""

from __future__ import annotations

import html
import json
import urllib.parse
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

from gateway.formats.media import Encoding
from gateway.formats.splice import splice
from gateway.restore.finder import Found, TokenFinder
from gateway.restore.operators import REVERSE, RestoreOperator
from gateway.vault import Resolution, Status, Vault
from gateway.vault.tokens import Token


@dataclass(frozen=True, slots=True)
class Outcome:
    """What restore did with one token-shaped string. Holds no values."""

    token: str
    status: Status
    entity: str | None = None
    scope: str | None = None


@dataclass(frozen=True, slots=True)
class Restored:
    text: str = field(repr=False)
    outcomes: tuple[Outcome, ...] = ()

    @property
    def restored(self) -> int:
        return sum(1 for o in self.outcomes if o.status == "restored")


def encode_as(value: str, encoding: Encoding, context: Encoding = "plain") -> str:
    """Escape ``value`` the way the token it replaces was escaped, inside a document
    of kind ``context`` (a token in a JSON string, an HTML page or plain text)."""
    if encoding == "plain":
        encoding = context
    if encoding == "html":
        escaped = html.escape(value, quote=True)
    elif encoding == "url":
        escaped = urllib.parse.quote(value, safe="")
    elif encoding == "form":  # application/x-www-form-urlencoded: spaces as "+"
        escaped = urllib.parse.quote_plus(value, safe="")
    elif encoding == "json":
        escaped = json.dumps(value, ensure_ascii=encoding != context)[1:-1]
    else:
        escaped = value
    if context == "json" and encoding in ("html",):
        escaped = json.dumps(escaped, ensure_ascii=False)[1:-1]
    return escaped


Resolutions = dict[Token, Resolution]


class Restorer:
    """Restores tokens in text for one tenant, within the scopes a caller allows."""

    def __init__(self, vault: Vault, tenant: str, entities: Mapping[str, str]) -> None:
        """``entities`` maps each token label of the policy to its entity name."""
        self.vault = vault
        self.tenant = tenant
        self.entities = dict(entities)
        self.finder = TokenFinder(entities)

    async def restore(
        self, text: str, scopes: Collection[str] | None, context: Encoding = "plain"
    ) -> Restored:
        """Replace every token of an allowed scope in ``text``; report every token seen."""
        return (await self.restore_many([text], scopes, context))[0]

    async def restore_many(
        self,
        texts: list[str],
        scopes: Collection[str] | None,
        context: Encoding = "plain",
        cache: Resolutions | None = None,
    ) -> list[Restored]:
        """Like :meth:`restore` for several strings, with one vault lookup for all of them.

        ``cache`` keeps resolutions between calls (a stream restores piece by piece).
        """
        candidates = [self.finder.candidates(text) for text in texts]
        resolutions = await self.resolve(
            [c.found.token for items in candidates for c in items if c.found.token], scopes, cache
        )
        found = [self.finder.choose(items, known(resolutions)) for items in candidates]
        return [
            apply(text, items, resolutions, context)
            for text, items in zip(texts, found, strict=True)
        ]

    async def restore_grouped(
        self, groups: list[tuple[list[str], Collection[str]]], cache: Resolutions | None = None
    ) -> list[list[Restored]]:
        """Restore each group's texts within that group's scopes, with one vault lookup.

        The lookup allows every group's scopes; a token of another group's
        scope is then reported ``out_of_scope`` where it does not belong.
        """
        candidates = [[self.finder.candidates(t) for t in texts] for texts, _ in groups]
        everywhere = {scope for _, scopes in groups for scope in scopes}
        tokens = [c.found.token for g in candidates for items in g for c in items if c.found.token]
        resolutions = await self.resolve(tokens, everywhere, cache)
        results = []
        for (texts, scopes), found in zip(groups, candidates, strict=True):
            mine = {
                t: r
                if r.status != "restored" or r.scope in scopes
                else Resolution("out_of_scope", r.entity, r.scope)
                for t, r in resolutions.items()
            }
            chosen = [self.finder.choose(items, known(mine)) for items in found]
            results.append(
                [apply(text, items, mine) for text, items in zip(texts, chosen, strict=True)]
            )
        return results

    async def resolve(
        self, tokens: list[Token], scopes: Collection[str] | None, cache: Resolutions | None = None
    ) -> Resolutions:
        known = cache if cache is not None else {}
        missing = [t for t in dict.fromkeys(tokens) if t not in known]
        if missing:
            known.update(await self.vault.resolve(self.tenant, missing, self.entities, scopes))
        return known


def known(resolutions: Resolutions) -> Callable[[Token], bool]:
    """Whether the vault holds a token (in any scope or state): a real one, not a
    fragment that happens to pass the check character."""
    return lambda token: token in resolutions and resolutions[token].status != "unknown"


def apply(
    text: str, items: list[Found], resolutions: Resolutions, context: Encoding = "plain"
) -> Restored:
    """Put the values of restorable ``items`` (found in ``text``) in place of their tokens."""
    if not items:
        return Restored(text)
    outcomes: list[Outcome] = []
    values: dict[str, str] = {}  # the token as written -> its value, escaped the same way
    spans: list[tuple[int, int]] = []
    for item in items:
        if item.token is None:
            outcomes.append(Outcome(item.written, "invalid"))
            continue
        resolution = resolutions[item.token]
        outcomes.append(
            Outcome(str(item.token), resolution.status, resolution.entity, resolution.scope)
        )
        if resolution.status == "restored" and resolution.value is not None:
            values[text[item.start : item.end]] = encode_as(
                resolution.value, item.encoding, context
            )
            spans.append((item.start, item.end))
    if not spans:
        return Restored(text, tuple(outcomes))
    operator = REVERSE[RestoreOperator.name]
    params = {"lookup": values.__getitem__}
    edits = [(start, end, operator.operate(text[start:end], params)) for start, end in spans]
    return Restored(splice(text, edits), tuple(outcomes))
