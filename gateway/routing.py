"""Matching a request to a policy route: method, path pattern, content type.

Path patterns are literal except for ``{name}`` (one path segment) and
``{name:path}`` (the rest of the path)::

    /api/v2/tickets/{ticket_id}.json
    /api/v2/tickets/{ticket_id}/comments.json
    /files/{rest:path}
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from gateway.policy import RouteConfig

_PARAMETER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::(path))?\}")


def compile_path(pattern: str) -> re.Pattern[str]:
    """Compile a route's path pattern; raises ``ValueError`` when it is malformed."""
    parts = []
    position = 0
    names = set()
    for match in _PARAMETER.finditer(pattern):
        parts.append(re.escape(pattern[position : match.start()]))
        name = match.group(1)
        if name in names:
            raise ValueError(f"the path parameter '{name}' appears twice")
        names.add(name)
        parts.append(f"(?P<{name}>.+)" if match.group(2) else f"(?P<{name}>[^/]+)")
        position = match.end()
    rest = pattern[position:]
    if "{" in rest or "}" in rest or any("{" in p or "}" in p for p in parts if p.startswith("\\")):
        raise ValueError("use {name} or {name:path} for path parameters")
    parts.append(re.escape(rest))
    return re.compile("^" + "".join(parts) + "$")


@dataclass(frozen=True, slots=True)
class Route:
    config: RouteConfig
    pattern: re.Pattern[str]

    @property
    def name(self) -> str:
        return self.config.name


@dataclass(frozen=True, slots=True)
class Match:
    route: Route
    params: dict[str, str]
    # Where each parameter is in the path: the parts of it the caller chose,
    # scanned for personal data like any other input.
    spans: dict[str, tuple[int, int]]


class Router:
    def __init__(self, routes: Sequence[RouteConfig], default: str | None) -> None:
        self.routes = [Route(r, compile_path(r.path)) for r in routes]
        self.default = next((r for r in self.routes if r.name == default), None)

    def match(self, method: str, path: str, media_type: str | None) -> Match | None:
        """The first route that allows this method, path and content type; else the default route."""
        for route in self.routes:
            found = route.pattern.match(path)
            if found is None or method.upper() not in route.config.methods:
                continue
            types = route.config.content_types
            if types and media_type is not None and media_type not in types:
                continue
            names = found.groupdict()
            return Match(route, names, {name: found.span(name) for name in names})
        if self.default is not None:
            # No pattern to tell ids from literals: the whole path is the caller's.
            return Match(self.default, {}, {"path": (0, len(path))})
        return None
