"""The container's shared objects are built once per process, even by worker threads racing."""

from __future__ import annotations

from dependency_injector import providers

from bulkio.container import Container


def test_no_shared_object_is_a_plain_singleton_when_worker_threads_build_them() -> None:
    # A plain Singleton is not thread-safe: two worker threads may each build a runner, and a
    # stop then reaches only one of them (a job ran to its end instead of being handed over).
    plain = [name for name, provider in Container.providers.items()
             if type(provider) is providers.Singleton]
    assert plain == []
    assert isinstance(Container.runner, providers.ThreadSafeSingleton)
