"""The vendors' official clients pointed at a gateway on loopback, unchanged.

zenpy and python-freshdesk build ``https://<subdomain>.zendesk.com`` and
``https://<domain>/api/v2`` themselves. In production the gateway is reached
under a name the company chooses, behind TLS; here a requests transport
adapter plays DNS and TLS: it sends what the client addresses to the vendor's
host to the gateway's loopback port instead. Nothing in the client changes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from gateway.config import Settings
from gateway.policy import load_policy
from gateway.server.app import create_app
from tests.gateways import ENVIRON, PLANTED
from tests.servers import Server, serving

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def gateway_serving(
    profile: str,
    vendor: Server,
    directory: Path,
    public_url: str | None = None,
    edit: Callable[[str], str] | None = None,
) -> Iterator[Server]:
    """A shipped profile served on loopback in front of ``vendor``, as the company reaches
    it (``GATEWAY_PUBLIC_URL``); its webhooks forward to the vendor's ``/internal``
    (``edit`` changes the profile's text first)."""
    policy = directory / f"{profile}.yaml"
    text = (ROOT / "policies" / f"{profile}.yaml").read_text()
    text = edit(text) if edit is not None else text
    policy.write_text(text.replace("http://127.0.0.1:9000", f"{vendor.url}/internal"))
    environ = {**ENVIRON, **({"GATEWAY_PUBLIC_URL": public_url} if public_url else {})}
    settings = Settings.from_environ(
        environ, policy=str(policy), data_dir=str(directory / "data"), upstream=vendor.url
    )
    with serving(create_app(settings, load_policy(policy))) as server:
        yield server


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
