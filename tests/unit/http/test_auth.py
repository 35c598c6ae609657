"""API keys: any configured key, compared in constant time; off when none is configured."""

from __future__ import annotations

import hashlib

from bulkio.entrypoints.http.auth import ApiKeys
from bulkio.services.idempotency import ANONYMOUS


def test_every_configured_key_is_accepted() -> None:
    keys = ApiKeys(["key1-secret", "key2-secret"])

    assert keys.accepts("key1-secret") and keys.accepts("key2-secret")


def test_other_keys_are_refused() -> None:
    keys = ApiKeys(["key1-secret"])

    assert not keys.accepts(None)
    assert not keys.accepts("")
    assert not keys.accepts("key1-secre")
    assert not keys.accepts("key1-secret ")
    assert not keys.accepts("ключ")


def test_anyone_is_accepted_when_no_key_is_configured() -> None:
    keys = ApiKeys([])

    assert not keys.enabled
    assert keys.accepts(None) and keys.accepts("anything")
    assert keys.scope("anything") == ANONYMOUS


def test_scope_is_a_hash_of_the_key_never_the_key() -> None:
    keys = ApiKeys(["key1-secret", "key2-secret"])

    assert keys.scope("key1-secret") == hashlib.sha256(b"key1-secret").hexdigest()
    assert keys.scope("key1-secret") != keys.scope("key2-secret")
