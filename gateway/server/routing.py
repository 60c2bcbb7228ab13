"""Matching a request to a policy route: method, path pattern (``gateway.policy.paths``), content type."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from gateway.policy import RouteConfig
from gateway.policy.paths import compile_path


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
    """Routes tried most specific first: fewer parameters, then more literal text, then
    the policy's order. ``/api/v2/users/search.json`` is the search route, not the
    user ``search``, whichever the policy lists first."""

    def __init__(self, routes: Sequence[RouteConfig], default: str | None) -> None:
        compiled = [Route(r, compile_path(r.path)) for r in routes]
        self.routes = sorted(compiled, key=_specificity)
        self.default = next((r for r in compiled if r.name == default), None)

    def match(self, method: str, path: str, media_type: str | None) -> Match | None:
        """The most specific route that allows this method, path and content type; else the
        default route."""
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


_PARAMETER = re.compile(r"\{[^}]*\}")


def _specificity(route: Route) -> tuple[int, int]:
    path = route.config.path
    return (len(_PARAMETER.findall(path)), -len(_PARAMETER.sub("", path)))
