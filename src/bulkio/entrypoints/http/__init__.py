"""The REST API on Litestar: `create_app(container)`, served by `bulkio serve`."""

from bulkio.entrypoints.http.app import create_app

__all__ = ["create_app"]
