"""The vault contract on the in-memory backend that fast tests use."""

from __future__ import annotations

import pytest

from gateway.vault.memory import MemoryBackend, MemoryStore
from tests.vault_contract import BackendFactory, VaultContract


class TestMemoryVault(VaultContract):
    @pytest.fixture
    def make_backend(self) -> BackendFactory:
        store = MemoryStore()
        return lambda: MemoryBackend(store)
