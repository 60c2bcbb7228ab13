"""The vendor's own URLs in its answers, pointed back at the gateway.

Vendors answer with links to themselves: the next page of a list
(``next_page``, ``links.next``, Freshdesk's ``Link`` header), a record's
``url``, a redirect's ``Location``. A client that follows one as given would
leave the gateway: its next call would reach the vendor directly, with
tokens it cannot read back and without the company's credentials. Like a
reverse proxy's ``ProxyPassReverse``, the gateway rewrites the vendor's origin
in those places (and only those: a link a customer quoted in a comment is
their data, left as written) to its own public origin, ``GATEWAY_PUBLIC_URL``
or, when unset, the origin the caller used.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass

from starlette.requests import Request

from gateway.errors import InputError
from gateway.formats import jsontext
from gateway.policy.selectors import Selector

_LINK_HEADERS = frozenset({"link", "location", "content-location"})


def origin_of(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


@dataclass(frozen=True, slots=True)
class Links:
    fields: tuple[Selector, ...]
    origins: tuple[str, ...]  # the vendor's, as configured (the policy's and --upstream's)
    public_url: str | None  # GATEWAY_PUBLIC_URL, without a trailing slash

    @classmethod
    def of(
        cls, fields: Sequence[str], upstreams: Sequence[str | None], public_url: str | None
    ) -> Links:
        origins = tuple(dict.fromkeys(origin_of(u) for u in upstreams if u))
        return cls(tuple(Selector.parse(f) for f in fields), origins, public_url)

    def public(self, request: Request) -> str:
        if self.public_url:
            return self.public_url
        host = request.headers.get("host") or request.url.netloc
        return f"{request.url.scheme}://{host}"

    def url(self, value: str, public: str) -> str:
        """``value`` with the vendor's origin replaced, if it starts with it."""
        lowered = value.lower()
        for origin in self.origins:
            if lowered.startswith(origin) and lowered[len(origin) : len(origin) + 1] in ("", "/", "?", "#"):  # fmt: skip
                return public + value[len(origin) :]
        return value

    def json(self, text: str, public: str, max_depth: int) -> str:
        """The answer with the vendor's origin replaced in its link fields."""
        if not self.mentioned(text):
            return text
        try:
            document = jsontext.JsonText.parse(text, max_depth)
        except InputError:
            return text
        return self.rewrite(document, public)

    def rewrite(self, document: jsontext.JsonText, public: str) -> str:
        """``document``'s text with the vendor's origin replaced in its link fields."""
        if not self.fields:
            return document.text
        splices = []
        for item in document.strings:
            # The cheap test first: most strings are not the vendor's URLs at all.
            if item.number or (new := self.url(item.value, public)) == item.value:
                continue
            if any(s.matches(item.path) for s in self.fields):
                splices.append((item.start, item.end, jsontext.escape(new)))
        return document.replace(splices) if splices else document.text

    def mentioned(self, text: str) -> bool:
        """Whether the vendor's origin appears at all (``/`` may be escaped as ``\\/``)."""
        if not self.fields:
            return False
        lowered = text.lower()
        return any(
            origin in lowered or origin.replace("/", "\\/") in lowered for origin in self.origins
        )

    def headers(self, headers: list[tuple[str, str]], public: str) -> list[tuple[str, str]]:
        """``Link`` and ``Location`` headers with the vendor's origin replaced."""
        if not self.origins:
            return headers
        out = []
        for name, value in headers:
            if name.lower() == "link":
                value = ",".join(_link_part(part, self, public) for part in value.split(","))
            elif name.lower() in _LINK_HEADERS:
                value = self.url(value.strip(), public)
            out.append((name, value))
        return out


def _link_part(part: str, links: Links, public: str) -> str:
    """One ``<url>; rel="next"`` member of a Link header."""
    start, end = part.find("<"), part.find(">")
    if start < 0 or end < start:
        return part
    return part[: start + 1] + links.url(part[start + 1 : end], public) + part[end:]
