"""Scopes: which exchange a token belongs to, so it is never restored into another.

A route says where its scope comes from (``policy.ScopeConfig``): a header the
company's system sets, a path parameter (``/tickets/{ticket_id}``), a query or
body field (the requester's email), or the first value of an entity found in
the request. Values that are personal data are turned into keyed digests, so
scope ids in the vault and the audit log never hold them: ``customer:3f9a...``.

Vendors assign ids later (a new ticket's id is in the creation response). A
route can name such response fields as *aliases* of its scope; a later request
about ``ticket:123`` then resolves to the scope the ticket was created in. The
first binding of an alias wins, so a vendor cannot move a ticket to another
customer's scope by echoing a crafted response.

With no value to take a scope from, an exchange gets a scope of its own
(``request:<random>``): its tokens restore in its own response and nowhere else.
"""

from __future__ import annotations

import re
import unicodedata
import urllib.parse
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from gateway.formats.documents import classify
from gateway.formats.jsontext import JsonText
from gateway.keys.crypto import TokenHasher
from gateway.policy import CompiledFieldRules, Policy, ScopeConfig
from gateway.policy.selectors import Selector
from gateway.redact.redactor import Plan
from gateway.vault.backend import Backend

# What a scope may keep in clear: the numeric ids helpdesks assign, the same
# with a short prefix ("cust-1234") and UUIDs. Anything else is hashed.
_OPAQUE_ID = re.compile(
    r"(?:[A-Za-z]{1,24}[-_]?)?[0-9]{1,12}"
    r"|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)

_SCOPE_ID = re.compile(
    rf"(?:[a-z_]{{1,24}}:)?(?:{_OPAQUE_ID.pattern}|[0-9a-f]{{24}}|[0-9a-f]{{32}})"
)


def is_scope_id(text: str) -> bool:
    """Whether ``text`` is shaped like a scope id the gateway makes, so it may be written down."""
    return _SCOPE_ID.fullmatch(text) is not None


@dataclass(frozen=True, slots=True)
class RequestView:
    """What a scope can be taken from, read-only."""

    headers: Mapping[str, str]  # lower-case names
    params: Mapping[str, str]
    query: str
    json: JsonText | None
    json_rules: CompiledFieldRules | None


@dataclass(frozen=True, slots=True)
class Chosen:
    scope: str  # canonical: what tokens are minted and restored under
    source: str  # as taken from the request ("ticket:1001"), before aliases


class Scopes:
    def __init__(self, policy: Policy, hasher: TokenHasher, backend: Backend) -> None:
        self.policy = policy
        self.hasher = hasher
        self.backend = backend

    def identify(self, kind: str, value: str, hashed: bool, entity: str | None = None) -> str:
        """The scope id for ``value``: hashed (personal data) or kept (an id), always bounded."""
        if hashed:
            entity_type = self.policy.entity_types.get(entity) if entity else None
            normalize = entity_type.normalize if entity_type else _fold
            return f"{kind}:{self.hasher.scope_digest(kind, normalize(value))}"
        value = value.strip()
        if not _OPAQUE_ID.fullmatch(value):
            # Told "an id", but shaped like something else (an email in a
            # user path, a name): hashed all the same, so that it never
            # reaches the vault's scope column or the audit log in clear.
            return self.identify(kind, value, hashed=True)
        return f"{kind}:{value}"

    def fallback(self) -> str:
        return f"request:{uuid.uuid4().hex}"

    async def choose(self, config: ScopeConfig | None, view: RequestView, plan: Plan) -> Chosen:
        """The exchange's scope as taken from the request, and its canonical scope (aliases followed)."""
        if config is None:
            value = view.headers.get("x-gateway-scope")
            source = self.identify("scope", value, hashed=False) if value else self.fallback()
        else:
            source = self.fallback()
            places = [(config.kind, config.source, config.name, config.hashed)] + [
                (f.kind or config.kind, f.source, f.name, f.hashed) for f in config.fallbacks
            ]
            for kind, where, name, hashed in places:
                found = _value(where, name, view, plan)
                if found:
                    source = self.identify(kind, found[0], hashed or plan.holds(found[0]), found[1])
                    break
        return Chosen(await self.canonical(source), source)

    async def canonical(self, scope: str) -> str:
        return await self.backend.lookup_alias(self.policy.tenant, scope) or scope

    async def canonical_many(self, scopes: Iterable[str]) -> dict[str, str]:
        """:meth:`canonical` for many scopes (a list's records), in one vault read."""
        wanted = list(dict.fromkeys(scopes))
        found = await self.backend.lookup_aliases(self.policy.tenant, wanted)
        return {scope: found.get(scope, scope) for scope in wanted}

    async def bind_named(self, named: list[tuple[str, list[tuple[str, str]]]], now: int) -> None:
        """Bind the ``(kind, id)`` pairs each scope's record names to that scope.

        Ids already bound are left (the first binding wins, as for every alias),
        and so is an id an earlier record named; the rest go in one write per
        scope, so a list read again costs one read and no writes.
        """
        claims: dict[str, str] = {}
        for scope, pairs in named:
            for kind, value in pairs:
                claims.setdefault(self.identify(kind, value, hashed=False), scope)
        bound = await self.backend.lookup_aliases(self.policy.tenant, list(claims))
        fresh: dict[str, list[str]] = {}
        for alias, scope in claims.items():
            if alias not in bound:
                fresh.setdefault(scope, []).append(alias)
        for scope, aliases in fresh.items():
            await self.backend.bind_aliases(self.policy.tenant, aliases, scope, now)

    async def bind_aliases(
        self, config: ScopeConfig | None, response: JsonText, scope: str, now: int
    ) -> list[str]:
        """Bind the ids the vendor assigned in ``response`` to ``scope``; returns the aliases bound."""
        if config is None or not config.aliases or scope.startswith("request:"):
            return []
        bound: list[str] = []
        for alias in config.aliases:
            selector = Selector.parse(alias.field)
            for item in response.strings:
                if selector.matches(item.path) and item.value.strip():
                    # Every match: a job's results name each ticket it created.
                    alias_id = self.identify(alias.kind, item.value, hashed=False)
                    if alias_id not in bound:
                        bound.append(alias_id)
        await self.backend.bind_aliases(self.policy.tenant, bound, scope, now)  # one write
        return bound


def _value(source: str, name: str, view: RequestView, plan: Plan) -> tuple[str, str | None] | None:
    if source == "header":
        value = view.headers.get(name.lower())
        return (value, None) if value else None
    if source == "path":
        value = view.params.get(name)
        return (value, None) if value else None
    if source == "query":
        for key, value in urllib.parse.parse_qsl(view.query, keep_blank_values=False):
            if key == name and value:
                return value, None
        return None
    if source == "request":
        return uuid.uuid4().hex, None
    if source == "entity":
        value = plan.first_value(name)
        return (value, name) if value else None
    # body: the first value at the selector, normalised like the entity it is declared as
    if view.json is None:
        return None
    selector = Selector.parse(name)
    for item in view.json.strings:
        if selector.matches(item.path) and item.value.strip():
            kind = classify(item.path, view.json_rules) if view.json_rules else "scan"
            return item.value, kind if kind not in ("scan", "passthrough") else None
    return None


def _fold(value: str) -> str:
    # One rule for every id: compared exactly (case included), as the systems
    # that assign them do; "CUST-A" and "cust-A" are two customers. Only
    # Unicode form and surrounding or repeated whitespace are evened out.
    # Values declared as an entity use that entity's normaliser instead (an
    # email's case never matters).
    return " ".join(unicodedata.normalize("NFKC", value).split())
