"""The vendors' official clients pointed at a gateway on loopback, unchanged.

zenpy and python-freshdesk build ``https://<subdomain>.zendesk.com`` and
``https://<domain>/api/v2`` themselves. In production the gateway is reached
under a name the company chooses, behind TLS; here a requests transport
adapter plays DNS and TLS: it sends what the client addresses to the vendor's
host to the gateway's loopback port instead. Nothing in the client changes.
"""

from __future__ import annotations

import json
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from tests.gateways import PLANTED
from tests.servers import Server


class Loopback(HTTPAdapter):
    """Sends requests for ``origin`` (``https://acme.zendesk.com``) to ``target``."""

    def __init__(self, origin: str, target: str) -> None:
        super().__init__()
        self.origin = origin
        self.target = target

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        addressed = request.url or ""
        if addressed.startswith(self.origin):
            request.url = self.target + addressed[len(self.origin) :]
        try:
            return super().send(request, **kwargs)
        finally:
            request.url = addressed  # the client sees the URL it addressed, as over DNS


def session_to(origin: str, gateway: Server) -> requests.Session:
    session = requests.Session()
    session.mount(origin, Loopback(origin, gateway.url))
    return session


def vendor_saw(standin: Server) -> list[dict[str, Any]]:
    return requests.get(f"{standin.url}/__standin/received", timeout=30).json()  # type: ignore[no-any-return]


def assert_vendor_saw_no(standin: Server, *values: str) -> None:
    """Nothing the vendor received (paths, queries, headers, bodies) holds these values."""
    seen = json.dumps(vendor_saw(standin))
    for value in (*values, *PLANTED):
        assert value not in seen, f"{value!r} reached the vendor"
